//! "Your data", the import half: a CSV file in one of Mastodon's formats
//! (following, blocks, mutes, domain blocks, bookmarks, lists; with the
//! header row Mastodon writes or without one), merged into what the
//! account has or overwriting it. The whole file is checked before
//! anything changes; its rows are then applied by the `process_import` job,
//! through the same service functions a client's request calls (remote
//! accounts resolved through WebFinger, posts fetched), and each row's
//! failure is kept for the import page.
//! <https://docs.joinmastodon.org/user/moving/#import>

use std::collections::HashSet;
use std::time::{Duration, Instant};

use chrono::Utc;

use crate::app::AppState;
use crate::db::exports::Flags;
use crate::error::{Error, Kind, Result};
use crate::jobs::{self, Task};
use crate::model::export::state;
use crate::model::{Account, Import, ImportKind, ImportRow};

mod parse;

pub use parse::{RowData, parse};

/// How long one run of the job applies rows before it queues the rest
/// as a new job (a job has minutes; one remote lookup can take seconds).
const RUN_BUDGET: Duration = Duration::from_secs(60);
/// Rows read from the database at a time.
const BATCH: i64 = 50;
/// Imports the import page shows, and failed rows shown per import.
const SHOWN_IMPORTS: i64 = 5;
const SHOWN_FAILURES: i64 = 100;

/// A file to import, as uploaded.
pub struct Upload<'a> {
    pub kind: ImportKind,
    pub overwrite: bool,
    pub file_name: &'a str,
    pub bytes: &'a [u8],
}

/// Checks `upload` whole and queues its rows; nothing changes when the
/// file is refused (413 too large, 422 with the first problem found).
pub async fn create(app: &AppState, account: &Account, upload: Upload<'_>) -> Result<Import> {
    let limits = &app.config.limits;
    if upload.bytes.len() as u64 > limits.import_max_bytes {
        return Err(Error::new(
            Kind::PayloadTooLarge,
            format!(
                "The file is too large (the limit is {} KB)",
                limits.import_max_bytes / 1024
            ),
        ));
    }
    let rows = parse(
        upload.kind,
        upload.bytes,
        usize::try_from(limits.import_max_rows).unwrap_or(usize::MAX),
    )?;
    if app
        .store
        .import_running(account.id, upload.kind.as_str())
        .await?
    {
        return Err(Error::unprocessable(
            "An import of this kind is still running; wait until it has finished",
        ));
    }
    let values = rows
        .iter()
        .map(serde_json::to_value)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(Error::internal)?;
    let name: String = upload.file_name.chars().take(255).collect();
    let import = Import {
        id: crate::id::new_id(),
        account_id: account.id,
        kind: upload.kind.as_str().to_string(),
        overwrite: upload.overwrite,
        state: state::SCHEDULED.to_string(),
        file_name: name,
        total_rows: i64::try_from(values.len()).unwrap_or(i64::MAX),
        processed_rows: 0,
        imported_rows: 0,
        created_at: Utc::now(),
        finished_at: None,
    };
    app.store.put_import(&import, &values).await?;
    // What the page no longer shows is not kept.
    app.store
        .delete_old_imports(account.id, SHOWN_IMPORTS)
        .await?;
    jobs::enqueue(
        app,
        Task::ProcessImport {
            import_id: import.id,
        },
    )
    .await?;
    Ok(import)
}

/// An import as its page shows it: with the rows that failed.
pub struct ImportReport {
    pub import: Import,
    pub failures: Vec<(i64, String, String)>,
}

/// `account`'s latest imports, newest first, each with its failed rows
/// (row number from 1, what it named, why).
pub async fn recent(app: &AppState, account: &Account) -> Result<Vec<ImportReport>> {
    let mut out = Vec::new();
    for import in app.store.imports_of(account.id, SHOWN_IMPORTS).await? {
        let failures = app
            .store
            .failed_import_rows(import.id, SHOWN_FAILURES)
            .await?
            .into_iter()
            .map(|r| {
                let data: RowData = serde_json::from_value(r.data.0).unwrap_or_default();
                (
                    r.position + 1,
                    data.describe(),
                    r.failure.unwrap_or_default(),
                )
            })
            .collect();
        out.push(ImportReport { import, failures });
    }
    Ok(out)
}

/// `acct` as a comparable key: lower case, with this server's domain on a
/// bare username.
fn address_key(app: &AppState, acct: &str) -> String {
    let acct = acct.trim_start_matches('@');
    let full = if acct.contains('@') {
        acct.to_string()
    } else {
        format!("{acct}@{}", app.config.server.domain)
    };
    full.to_lowercase()
}

/// Runs the `process_import` job: applies the overwrite (once), then the
/// rows still waiting, for at most [`RUN_BUDGET`], queueing a new job for
/// the rest. Repeatable: each row is recorded once.
pub async fn process(app: &AppState, import_id: i64) -> Result<()> {
    let Some(import) = app.store.get_import(import_id).await? else {
        return Ok(());
    };
    if import.is_finished() {
        return Ok(());
    }
    let account = app.store.get_account(import.account_id).await?;
    let (Some(account), Some(kind)) = (account, import.kind()) else {
        return app
            .store
            .set_import_state(import.id, state::FINISHED, Some(Utc::now()))
            .await;
    };
    if import.state == state::SCHEDULED {
        if import.overwrite {
            overwrite(app, &account, kind, import.id).await?;
        }
        app.store
            .set_import_state(import.id, state::IN_PROGRESS, None)
            .await?;
    }
    let started = Instant::now();
    loop {
        let rows = app.store.pending_import_rows(import.id, BATCH).await?;
        if rows.is_empty() {
            return app
                .store
                .set_import_state(import.id, state::FINISHED, Some(Utc::now()))
                .await;
        }
        for row in rows {
            let failure = apply(app, &account, kind, &row).await.err().map(|e| {
                tracing::debug!(import_id, position = row.position, error = %e, "an import row failed");
                e.message
            });
            app.store
                .finish_import_row(import.id, row.position, failure.as_deref())
                .await?;
            if started.elapsed() > RUN_BUDGET {
                return jobs::enqueue(app, Task::ProcessImport { import_id }).await;
            }
        }
    }
}

/// The account a row names: local, or resolved through WebFinger.
async fn account_named(app: &AppState, acct: Option<&str>) -> Result<Account> {
    let acct = acct.unwrap_or_default();
    super::accounts::lookup(app, acct)
        .await
        .map_err(|_| Error::new(Kind::NotFound, format!("{acct} could not be found")))
}

/// Applies one row, as the matching client request would.
async fn apply(app: &AppState, me: &Account, kind: ImportKind, row: &ImportRow) -> Result<()> {
    let data: RowData = serde_json::from_value(row.data.0.clone()).map_err(Error::internal)?;
    match kind {
        ImportKind::Following => {
            let target = account_named(app, data.acct.as_deref()).await?;
            let opts = super::relationships::FollowOptions {
                reblogs: data.show_reblogs,
                notify: data.notify,
            };
            super::relationships::follow_imported(app, me, &target, opts).await
        }
        ImportKind::Blocks => {
            let target = account_named(app, data.acct.as_deref()).await?;
            super::relationships::block(app, me, &target).await
        }
        ImportKind::Mutes => {
            let target = account_named(app, data.acct.as_deref()).await?;
            let hide = data.hide_notifications.unwrap_or(true);
            super::relationships::mute(app, me, &target, hide, None).await
        }
        ImportKind::DomainBlocks => {
            super::domain_blocks::block(app, me, data.domain.as_deref().unwrap_or_default()).await
        }
        ImportKind::Bookmarks => {
            let uri = data.uri.as_deref().unwrap_or_default();
            let status = super::search::status_by_url(app, uri, true)
                .await?
                .ok_or_else(|| Error::new(Kind::NotFound, format!("{uri} could not be found")))?;
            super::statuses::bookmark(app, me, status.id, true)
                .await
                .map(|_| ())
        }
        ImportKind::Lists => {
            let title = data.list.as_deref().unwrap_or_default();
            let target = account_named(app, data.acct.as_deref()).await?;
            let list = match super::lists::lists_of(app, me)
                .await?
                .into_iter()
                .find(|l| l.title == title)
            {
                Some(list) => list,
                None => super::lists::create_list(app, me, title, "list", false).await?,
            };
            let flags = app
                .store
                .relation_flags(me.id, target.id, Utc::now())
                .await?;
            if flags.following.is_none() && flags.requested.is_none() {
                let opts = super::relationships::FollowOptions {
                    reblogs: None,
                    notify: None,
                };
                super::relationships::follow_imported(app, me, &target, opts).await?;
            }
            super::lists::add_requested(app, me, list.id, target.id).await
        }
    }
}

/// Before an overwrite's rows: removes what the account has of `kind` that
/// the file does not list (lists not named are deleted, the others
/// emptied, as Mastodon does). Repeatable.
async fn overwrite(app: &AppState, me: &Account, kind: ImportKind, import_id: i64) -> Result<()> {
    let rows: Vec<RowData> = app
        .store
        .import_values(import_id)
        .await?
        .into_iter()
        .filter_map(|v| serde_json::from_value(v.0).ok())
        .collect();
    let accts: HashSet<String> = rows
        .iter()
        .filter_map(|r| r.acct.as_deref())
        .map(|a| address_key(app, a))
        .collect();
    let listed = |username: &str, domain: Option<&str>| {
        accts.contains(&super::exports::address(app, username, domain).to_lowercase())
    };
    match kind {
        ImportKind::Following => {
            for f in app.store.export_following(me.id).await? {
                if !listed(&f.username, f.domain.as_deref()) {
                    let target = super::accounts::get(app, f.id).await?;
                    super::relationships::unfollow(app, me, &target).await?;
                }
            }
        }
        ImportKind::Blocks => {
            for (id, username, domain) in app.store.export_blocks(me.id).await? {
                if !listed(&username, domain.as_deref()) {
                    let target = super::accounts::get(app, id).await?;
                    super::relationships::unblock(app, me, &target).await?;
                }
            }
        }
        ImportKind::Mutes => {
            for (id, username, domain, _) in app.store.export_mutes(me.id, Utc::now()).await? {
                if !listed(&username, domain.as_deref()) {
                    let target = super::accounts::get(app, id).await?;
                    super::relationships::unmute(app, me, &target).await?;
                }
            }
        }
        ImportKind::DomainBlocks => {
            let domains: HashSet<String> = rows
                .iter()
                .filter_map(|r| r.domain.as_deref())
                .map(|d| d.trim_end_matches('.').to_ascii_lowercase())
                .collect();
            for domain in app.store.export_domain_blocks(me.id).await? {
                if !domains.contains(&domain) {
                    super::domain_blocks::unblock(app, me, &domain).await?;
                }
            }
        }
        ImportKind::Bookmarks => {
            let uris: HashSet<&str> = rows.iter().filter_map(|r| r.uri.as_deref()).collect();
            for (id, uri) in app.store.export_flagged(Flags::Bookmarks, me.id).await? {
                if !uris.contains(uri.as_str()) {
                    app.store.delete_flag("bookmarks", me.id, id).await?;
                }
            }
        }
        ImportKind::Lists => {
            let titles: HashSet<&str> = rows.iter().filter_map(|r| r.list.as_deref()).collect();
            for list in super::lists::lists_of(app, me).await? {
                if titles.contains(list.title.as_str()) {
                    let members: Vec<i64> = super::lists::members(app, me, list.id)
                        .await?
                        .iter()
                        .map(|a| a.id)
                        .collect();
                    super::lists::remove_from_list(app, me, list.id, &members).await?;
                } else {
                    super::lists::delete_list(app, me, list.id).await?;
                }
            }
        }
    }
    Ok(())
}
