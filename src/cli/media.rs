//! `roost media …`: what media takes up, and pruning it by hand.

use clap::Subcommand;

use crate::app::AppState;
use crate::config::Config;
use crate::error::{Error, Result};

#[derive(Subcommand)]
pub enum MediaCommand {
    /// Remove cached copies of remote media not viewed for a while, and
    /// uploads no post took within a day.
    Prune {
        /// Age of remote copies to remove, e.g. `30d`, `12h`, `0d` (all).
        #[arg(long, default_value = "30d")]
        older_than: String,
    },
    /// Files and bytes in media storage, by kind.
    Usage,
}

/// Parses `30d`, `12h` or `45m`.
fn parse_age(s: &str) -> Option<chrono::Duration> {
    let (n, unit) = s.split_at(s.len().checked_sub(1)?);
    let n: i64 = n.parse().ok().filter(|n| *n >= 0)?;
    match unit {
        "d" => chrono::Duration::try_days(n),
        "h" => chrono::Duration::try_hours(n),
        "m" => chrono::Duration::try_minutes(n),
        _ => None,
    }
}

pub async fn run(config: Config, command: MediaCommand) -> Result<()> {
    let app = AppState::open(config).await?;
    match command {
        MediaCommand::Prune { older_than } => {
            let age = parse_age(&older_than).ok_or_else(|| {
                Error::bad_request(format!(
                    "--older-than {older_than:?}: expected a number and d, h or m, e.g. 30d"
                ))
            })?;
            let p = crate::media::process::prune(&app, age).await?;
            println!(
                "removed {} remote copies and {} unused uploads, {}",
                p.remote,
                p.unattached,
                human(p.bytes as i64)
            );
        }
        MediaCommand::Usage => {
            let u = app.store.media_usage().await?;
            println!(
                "local uploads:         {:>8} files  {:>10}",
                u.local_files,
                human(u.local_bytes)
            );
            println!(
                "  of which unattached: {:>8} files  {:>10}",
                u.unattached_files,
                human(u.unattached_bytes)
            );
            println!(
                "remote copies:         {:>8} files  {:>10}",
                u.remote_cached_files,
                human(u.remote_cached_bytes)
            );
            println!("avatars and headers:   {:>8} files", u.avatars_and_headers);
        }
    }
    Ok(())
}

/// Bytes for people: `12.3 MB`.
fn human(bytes: i64) -> String {
    let b = bytes as f64;
    if b >= 1e9 {
        format!("{:.1} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.1} MB", b / 1e6)
    } else if b >= 1e3 {
        format!("{:.1} kB", b / 1e3)
    } else {
        format!("{bytes} B")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_parse() {
        assert_eq!(parse_age("30d"), Some(chrono::Duration::days(30)));
        assert_eq!(parse_age("12h"), Some(chrono::Duration::hours(12)));
        assert_eq!(parse_age("0d"), Some(chrono::Duration::zero()));
        assert_eq!(parse_age("d"), None);
        assert_eq!(parse_age("-1d"), None);
        assert_eq!(parse_age("30x"), None);
        assert_eq!(parse_age(""), None);
    }
}
