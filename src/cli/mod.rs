//! The `roost` command line: `serve`, `migrate`, `admin …`, `db …`, `media …`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::Config;

mod admin;
mod db;
mod media;
mod serve;

#[derive(Parser)]
#[command(
    name = "roost",
    version,
    about = "A federated social server speaking the Mastodon API and ActivityPub"
)]
struct Cli {
    /// Configuration file (TOML); every key is documented in config.example.toml.
    #[arg(long, global = true, env = "ROOST_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (migrates the database first).
    Serve {
        /// What this node does: all (default), web, worker or streaming;
        /// overrides `server.role` (docs/deployment.md).
        #[arg(long, value_name = "ROLE")]
        role: Option<String>,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Administrative tasks.
    Admin {
        #[command(subcommand)]
        command: admin::AdminCommand,
    },
    /// The database: copying an instance from SQLite to PostgreSQL.
    Db {
        #[command(subcommand)]
        command: db::DbCommand,
    },
    /// Media storage: usage and pruning.
    Media {
        #[command(subcommand)]
        command: media::MediaCommand,
    },
}

/// Parses the command line and runs the command.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let mut config = match Config::load(cli.config.as_deref(), std::env::vars()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("roost: configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    if let Command::Serve { role: Some(role) } = &cli.command {
        if crate::config::NodeRole::parse(role).is_none() {
            eprintln!(
                "roost: --role must be \"all\", \"web\", \"worker\" or \"streaming\", not {role:?}"
            );
            return ExitCode::from(2);
        }
        config.server.role.clone_from(role);
    }
    init_logging(&config);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("roost: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Serve { .. } => serve::run(config).await,
            Command::Migrate => migrate(config).await,
            Command::Admin { command } => admin::run(config, command).await,
            Command::Db { command } => db::run(config, command).await,
            Command::Media { command } => media::run(config, command).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("roost: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn migrate(config: Config) -> Result<(), crate::error::Error> {
    let store = crate::db::Store::connect(&config.database_url(), 1).await?;
    store.migrate().await?;
    println!("database migrated ({})", store.backend());
    store.close().await;
    Ok(())
}

fn init_logging(config: &Config) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&config.log.level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    use std::io::IsTerminal;
    // Colours only for a person at a terminal, never into a file or journal.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    let _ = if config.log.format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
