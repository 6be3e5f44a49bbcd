//! "Your data", the export half: an account's follows, followers, lists,
//! blocks, mutes, blocked domains and bookmarks as Mastodon's CSV files,
//! and the archive of its posts and media (built by [`super::archive`]),
//! one per [`ARCHIVE_INTERVAL_DAYS`] as Mastodon allows.
//! <https://docs.joinmastodon.org/user/moving/#export>

use chrono::{Duration, Utc};

use crate::app::AppState;
use crate::db::exports::{ExportCounts, Flags};
use crate::error::{Error, Result};
use crate::jobs::{self, Task};
use crate::model::export::state;
use crate::model::{Account, Archive};

/// Days between two archives of one account.
pub const ARCHIVE_INTERVAL_DAYS: i64 = 7;

/// The CSV files an account can download, by their file names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvExport {
    Following,
    Followers,
    Lists,
    Blocks,
    Mutes,
    DomainBlocks,
    Bookmarks,
}

impl CsvExport {
    pub const ALL: [CsvExport; 7] = [
        CsvExport::Following,
        CsvExport::Followers,
        CsvExport::Lists,
        CsvExport::Blocks,
        CsvExport::Mutes,
        CsvExport::DomainBlocks,
        CsvExport::Bookmarks,
    ];

    /// Its name under `/settings/exports/` (Mastodon's).
    pub fn file_name(self) -> &'static str {
        match self {
            CsvExport::Following => "follows.csv",
            CsvExport::Followers => "followers.csv",
            CsvExport::Lists => "lists.csv",
            CsvExport::Blocks => "blocks.csv",
            CsvExport::Mutes => "mutes.csv",
            CsvExport::DomainBlocks => "domain_blocks.csv",
            CsvExport::Bookmarks => "bookmarks.csv",
        }
    }

    pub fn from_file_name(name: &str) -> Option<CsvExport> {
        CsvExport::ALL.into_iter().find(|e| e.file_name() == name)
    }

    /// How the export page names it.
    pub fn label(self) -> &'static str {
        match self {
            CsvExport::Following => "Follows",
            CsvExport::Followers => "Followers",
            CsvExport::Lists => "Lists",
            CsvExport::Blocks => "You block",
            CsvExport::Mutes => "You mute",
            CsvExport::DomainBlocks => "Domain blocks",
            CsvExport::Bookmarks => "Bookmarks",
        }
    }

    /// How many rows it has, out of `counts`.
    pub fn count(self, counts: &ExportCounts) -> i64 {
        match self {
            CsvExport::Following => counts.following,
            CsvExport::Followers => counts.followers,
            CsvExport::Lists => counts.lists,
            CsvExport::Blocks => counts.blocks,
            CsvExport::Mutes => counts.mutes,
            CsvExport::DomainBlocks => counts.domain_blocks,
            CsvExport::Bookmarks => counts.bookmarks,
        }
    }
}

/// How many entries each export of `account` has (the export page).
pub async fn counts(app: &AppState, account: &Account) -> Result<ExportCounts> {
    app.store.export_counts(account.id).await
}

/// An account's full address, `user@domain` with this server's domain for
/// a local account, as Mastodon's exports write it.
pub fn address(app: &AppState, username: &str, domain: Option<&str>) -> String {
    format!("{username}@{}", domain.unwrap_or(&app.config.server.domain))
}

/// The CSV file `which` of `account`, in Mastodon's format: follows and
/// mutes with a header row, the others without (as Mastodon writes them).
pub async fn csv(app: &AppState, account: &Account, which: CsvExport) -> Result<Vec<u8>> {
    let mut out = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    let mut write = |record: &[&str]| out.write_record(record).map_err(Error::internal);
    match which {
        CsvExport::Following => {
            write(&[
                "Account address",
                "Show boosts",
                "Notify on new posts",
                "Languages",
            ])?;
            for f in app.store.export_following(account.id).await? {
                let languages = f.languages.map(|l| l.0.join(", ")).unwrap_or_default();
                write(&[
                    &address(app, &f.username, f.domain.as_deref()),
                    bool_text(f.show_reblogs),
                    bool_text(f.notify),
                    &languages,
                ])?;
            }
        }
        CsvExport::Followers => {
            for (_, username, domain) in app.store.export_followers(account.id).await? {
                write(&[&address(app, &username, domain.as_deref())])?;
            }
        }
        CsvExport::Lists => {
            for (title, username, domain) in app.store.export_list_members(account.id).await? {
                write(&[&title, &address(app, &username, domain.as_deref())])?;
            }
        }
        CsvExport::Blocks => {
            for (_, username, domain) in app.store.export_blocks(account.id).await? {
                write(&[&address(app, &username, domain.as_deref())])?;
            }
        }
        CsvExport::Mutes => {
            write(&["Account address", "Hide notifications"])?;
            for (_, username, domain, hide) in
                app.store.export_mutes(account.id, Utc::now()).await?
            {
                write(&[&address(app, &username, domain.as_deref()), bool_text(hide)])?;
            }
        }
        CsvExport::DomainBlocks => {
            for domain in app.store.export_domain_blocks(account.id).await? {
                write(&[&domain])?;
            }
        }
        CsvExport::Bookmarks => {
            for (_, uri) in app
                .store
                .export_flagged(Flags::Bookmarks, account.id)
                .await?
            {
                write(&[&uri])?;
            }
        }
    }
    out.into_inner().map_err(|e| Error::internal(e.to_string()))
}

fn bool_text(b: bool) -> &'static str {
    if b { "true" } else { "false" }
}

/// `account`'s newest archive, whatever its state.
pub async fn latest_archive(app: &AppState, account: &Account) -> Result<Option<Archive>> {
    app.store.latest_archive(account.id).await
}

/// When `account` may ask for its next archive: now, or
/// [`ARCHIVE_INTERVAL_DAYS`] after the last one that did not fail.
pub fn next_archive_at(latest: Option<&Archive>) -> Option<chrono::DateTime<Utc>> {
    let last = latest.filter(|a| a.state != state::FAILED)?;
    let next = last.created_at + Duration::days(ARCHIVE_INTERVAL_DAYS);
    (next > Utc::now()).then_some(next)
}

/// Asks for a new archive of `account`'s posts and media, built by a job;
/// refused (429) within [`ARCHIVE_INTERVAL_DAYS`] of the last one.
pub async fn request_archive(app: &AppState, account: &Account) -> Result<Archive> {
    let latest = app.store.latest_archive(account.id).await?;
    if let Some(next) = next_archive_at(latest.as_ref()) {
        return Err(Error::new(
            crate::error::Kind::TooManyRequests,
            format!(
                "You can ask for an archive once every {ARCHIVE_INTERVAL_DAYS} days; the next one from {}",
                next.format("%Y-%m-%d %H:%M UTC")
            ),
        ));
    }
    let archive = Archive {
        id: crate::id::new_id(),
        account_id: account.id,
        state: state::PENDING.to_string(),
        storage_key: None,
        size: 0,
        created_at: Utc::now(),
        finished_at: None,
    };
    app.store.put_archive(&archive).await?;
    jobs::schedule(
        app,
        &Task::BuildArchive {
            archive_id: archive.id,
        },
        Utc::now(),
        3,
    )
    .await?;
    Ok(archive)
}

/// `account`'s archive `id`, when it is theirs and ready: anyone else's, or
/// one still being built, is a 404.
pub async fn archive_file(app: &AppState, account: &Account, id: i64) -> Result<Archive> {
    app.store
        .get_archive(id)
        .await?
        .filter(|a| a.account_id == account.id && a.state == state::DONE && a.storage_key.is_some())
        .ok_or_else(Error::not_found)
}
