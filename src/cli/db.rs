//! `roost db …`: moving an instance's database.

use std::time::Instant;

use clap::Subcommand;

use crate::config::Config;
use crate::db::copy::{CopyEvent, analyze, sqlite_to_postgres};
use crate::db::{Pool, Store};
use crate::error::{Error, Result};

#[derive(Subcommand)]
pub enum DbCommand {
    /// Copy this instance's SQLite database into an empty PostgreSQL
    /// database (stop roost first; docs/deployment.md).
    Copy {
        /// The target, e.g. postgres://roost@db.internal/roost; it must be
        /// empty.
        #[arg(long, value_name = "URL")]
        to: String,
    },
}

pub async fn run(config: Config, command: DbCommand) -> Result<()> {
    match command {
        DbCommand::Copy { to } => copy(config, &to).await,
    }
}

/// A URL as it may be printed: without its password.
fn shown(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            if u.password().is_some() {
                let _ = u.set_password(Some("…"));
            }
            u.to_string()
        }
        Err(_) => url.to_string(),
    }
}

async fn copy(config: Config, to: &str) -> Result<()> {
    let from = config.database_url();
    // Opening a SQLite URL creates the file: a wrong path or a forgotten
    // --config would copy a new, empty instance.
    if let Some(path) = from
        .strip_prefix("sqlite://")
        .or_else(|| from.strip_prefix("sqlite:"))
        .map(|p| p.split('?').next().unwrap_or(p))
        && !std::path::Path::new(path).exists()
    {
        return Err(Error::bad_request(format!(
            "there is no SQLite database at {path}; give the instance's configuration \
             (--config or ROOST_CONFIG)"
        )));
    }
    let source = Store::connect(&from, 2).await?;
    let Pool::Sqlite(pool) = &source.pool else {
        return Err(Error::bad_request(
            "roost db copy reads a SQLite database, and database.url is PostgreSQL; \
             move a PostgreSQL database with pg_dump and pg_restore",
        ));
    };
    // The copy is of this binary's schema: bring an older file up to it.
    source.migrate().await?;
    println!("copying {} to {}", shown(&from), shown(to));
    let started = Instant::now();
    let mut total = 0i64;
    let mut empty = 0usize;
    let mut current = (String::new(), 0i64);
    let work = sqlite_to_postgres(pool, to, |event| match event {
        CopyEvent::Table { table, rows } => {
            if rows > 0 {
                println!("  {table:<32} {rows:>10} rows");
            } else {
                empty += 1;
            }
            current = (table.to_string(), rows);
            total += rows;
        }
        CopyEvent::Rows { table, done } => {
            println!("  {table:<32} {done:>10} of {}", current.1);
        }
        CopyEvent::Checking => println!("counting the rows in the target"),
    });
    let summary = tokio::select! {
        result = work => result,
        _ = tokio::signal::ctrl_c() => {
            source.close().await;
            return Err(Error::bad_request(
                "interrupted: nothing was committed; the target holds roost's empty \
                 schema and can take a new copy",
            ));
        }
    };
    source.close().await;
    let summary = summary?;
    println!("gathering the planner's statistics (ANALYZE)");
    analyze(to).await?;
    println!(
        "copied {} tables ({empty} of them empty), {total} rows, in {:.1} s; every count matches",
        summary.tables.len(),
        started.elapsed().as_secs_f64()
    );
    println!(
        "next: set database.url to the new database and start roost; \
         the search index is rebuilt in the background"
    );
    Ok(())
}
