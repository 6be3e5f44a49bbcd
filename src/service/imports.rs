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
use serde::{Deserialize, Serialize};

use crate::app::AppState;
use crate::db::exports::Flags;
use crate::error::{Error, Kind, Result};
use crate::jobs::{self, Task};
use crate::model::export::state;
use crate::model::{Account, Import, ImportKind, ImportRow};

/// How long one run of the job applies rows before it queues the rest
/// as a new job (a job has minutes; one remote lookup can take seconds).
const RUN_BUDGET: Duration = Duration::from_secs(60);
/// Rows read from the database at a time.
const BATCH: i64 = 50;
/// Imports the import page shows, and failed rows shown per import.
const SHOWN_IMPORTS: i64 = 5;
const SHOWN_FAILURES: i64 = 100;
/// Longest list title (as `service::lists`).
const MAX_LIST_TITLE: usize = 256;

/// A file to import, as uploaded.
pub struct Upload<'a> {
    pub kind: ImportKind,
    pub overwrite: bool,
    pub file_name: &'a str,
    pub bytes: &'a [u8],
}

/// One row of a file, by what it means (stored as the row's JSON).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RowData {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acct: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show_reblogs: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hide_notifications: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list: Option<String>,
}

impl RowData {
    /// What the row names, for the import page.
    pub fn describe(&self) -> String {
        match (&self.list, &self.acct, &self.domain, &self.uri) {
            (Some(list), Some(acct), _, _) => format!("{list}: {acct}"),
            (_, Some(acct), _, _) => acct.clone(),
            (_, _, Some(domain), _) => domain.clone(),
            (_, _, _, Some(uri)) => uri.clone(),
            _ => String::new(),
        }
    }
}

/// The columns of each kind's file, in Mastodon's order and with its
/// header names; the first is the one every row needs.
fn columns(kind: ImportKind) -> &'static [&'static str] {
    match kind {
        ImportKind::Following => &[
            "Account address",
            "Show boosts",
            "Notify on new posts",
            "Languages",
        ],
        ImportKind::Blocks => &["Account address"],
        ImportKind::Mutes => &["Account address", "Hide notifications"],
        ImportKind::DomainBlocks => &["#domain"],
        ImportKind::Bookmarks => &["#uri"],
        ImportKind::Lists => &["List name", "Account address"],
    }
}

/// A first cell that makes the first row a header row, as Mastodon tells
/// them: the first column of any kind's file.
const HEADER_STARTS: [&str; 4] = ["Account address", "#domain", "#uri", "List name"];

/// Whether the first row is a header: it starts as one, or names a column
/// of `kind` (a header with its columns in another order).
fn is_header(kind: ImportKind, cells: &[&str]) -> bool {
    let first = cells.first().copied().unwrap_or_default();
    HEADER_STARTS.iter().any(|h| h.eq_ignore_ascii_case(first))
        || cells
            .iter()
            .any(|c| columns(kind).iter().any(|h| h.eq_ignore_ascii_case(c)))
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

/// Reads a whole file into rows; a 422 naming the first problem.
pub fn parse(kind: ImportKind, bytes: &[u8], max_rows: usize) -> Result<Vec<RowData>> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| Error::unprocessable("The file is not UTF-8 text, so it is not a CSV file"))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let expected = columns(kind);
    // Which of `expected` each column of the file holds.
    let mut layout: Option<Vec<Option<usize>>> = None;
    let mut rows = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let line = n + 1;
        let record = record.map_err(|e| {
            Error::unprocessable(format!("The file is not valid CSV (line {line}): {e}"))
        })?;
        if record.iter().all(str::is_empty) {
            continue;
        }
        let cells: Vec<&str> = record.iter().collect();
        let Some(layout) = &layout else {
            if is_header(kind, &cells) {
                layout = Some(header_layout(kind, &cells)?);
                continue;
            }
            let plain: Vec<Option<usize>> = (0..expected.len()).map(Some).collect();
            if cells.len() > expected.len() {
                return Err(Error::unprocessable(format!(
                    "Line {line} has {} columns; a {} file has at most {}",
                    cells.len(),
                    kind.label().to_lowercase(),
                    expected.len()
                )));
            }
            rows.push(row(kind, &plain, &cells, line)?);
            layout = Some(plain);
            continue;
        };
        rows.push(row(kind, layout, &cells, line)?);
        if rows.len() > max_rows {
            return Err(Error::unprocessable(format!(
                "The file has more than {max_rows} rows; split it into several files"
            )));
        }
    }
    if rows.is_empty() {
        return Err(Error::unprocessable("The file lists nothing to import"));
    }
    Ok(rows)
}

/// The columns a header row names, by their place in `columns(kind)`;
/// refused when the header lacks a column the kind needs.
fn header_layout(kind: ImportKind, header: &[&str]) -> Result<Vec<Option<usize>>> {
    let expected = columns(kind);
    let layout: Vec<Option<usize>> = header
        .iter()
        .map(|h| expected.iter().position(|e| e.eq_ignore_ascii_case(h)))
        .collect();
    let required: &[usize] = if kind == ImportKind::Lists {
        &[0, 1]
    } else {
        &[0]
    };
    for r in required {
        if !layout.contains(&Some(*r)) {
            return Err(Error::unprocessable(format!(
                "The file's header has no \"{}\" column: is it a {} file?",
                expected[*r],
                kind.label().to_lowercase()
            )));
        }
    }
    Ok(layout)
}

/// One line of the file as a row, checked.
fn row(kind: ImportKind, layout: &[Option<usize>], cells: &[&str], line: usize) -> Result<RowData> {
    let expected = columns(kind);
    let cell = |name: &str| -> Option<&str> {
        let want = expected.iter().position(|e| *e == name)?;
        let at = layout.iter().position(|l| *l == Some(want))?;
        cells.get(at).copied().filter(|c| !c.is_empty())
    };
    let bad = |what: String| Error::unprocessable(format!("Line {line}: {what}"));
    let flag = |name: &str| -> Result<Option<bool>> {
        match cell(name) {
            None => Ok(None),
            Some(v) => parse_bool(v)
                .map(Some)
                .ok_or_else(|| bad(format!("\"{name}\" is \"{v}\", not true or false"))),
        }
    };
    let acct = || -> Result<String> {
        let v = cell("Account address").ok_or_else(|| bad("no account address".into()))?;
        let v = v.trim_start_matches('@');
        if valid_address(v) {
            Ok(v.to_string())
        } else {
            Err(bad(format!(
                "\"{v}\" is not an account address (user@server)"
            )))
        }
    };
    let mut data = RowData::default();
    match kind {
        ImportKind::Following => {
            data.acct = Some(acct()?);
            data.show_reblogs = flag("Show boosts")?;
            data.notify = flag("Notify on new posts")?;
        }
        ImportKind::Blocks => data.acct = Some(acct()?),
        ImportKind::Mutes => {
            data.acct = Some(acct()?);
            data.hide_notifications = flag("Hide notifications")?;
        }
        ImportKind::DomainBlocks => {
            let d = cell("#domain").ok_or_else(|| bad("no domain".into()))?;
            if d.contains(['/', ' ', '@', '?', '#']) || d.len() > 253 {
                return Err(bad(format!("\"{d}\" is not a domain")));
            }
            data.domain = Some(d.to_string());
        }
        ImportKind::Bookmarks => {
            let u = cell("#uri").ok_or_else(|| bad("no post address".into()))?;
            if !(u.starts_with("https://") || u.starts_with("http://")) || u.len() > 2048 {
                return Err(bad(format!("\"{u}\" is not a post's address")));
            }
            data.uri = Some(u.to_string());
        }
        ImportKind::Lists => {
            let title = cell("List name").ok_or_else(|| bad("no list name".into()))?;
            if title.chars().count() > MAX_LIST_TITLE {
                return Err(bad(format!(
                    "the list name is longer than {MAX_LIST_TITLE} characters"
                )));
            }
            data.list = Some(title.to_string());
            data.acct = Some(acct()?);
        }
    }
    Ok(data)
}

fn parse_bool(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Some(true),
        "false" | "0" | "no" => Some(false),
        _ => None,
    }
}

/// `user` or `user@host[:port]`, as accounts are named.
fn valid_address(v: &str) -> bool {
    let (user, host) = match v.split_once('@') {
        Some((u, h)) => (u, Some(h)),
        None => (v, None),
    };
    !user.is_empty()
        && user.len() <= 255
        && user
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        && host.is_none_or(|h| {
            !h.is_empty()
                && h.len() <= 253
                && h.chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | ':' | '_'))
        })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn acct(r: &RowData) -> &str {
        r.acct.as_deref().unwrap_or_default()
    }

    #[test]
    fn following_with_mastodons_header() {
        let csv = "Account address,Show boosts,Notify on new posts,Languages\n\
                   bob@b.example,false,true,\"en, de\"\n\
                   @carol@c.example,true,false,\n";
        let rows = parse(ImportKind::Following, csv.as_bytes(), 10).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(acct(&rows[0]), "bob@b.example");
        assert_eq!(rows[0].show_reblogs, Some(false));
        assert_eq!(rows[0].notify, Some(true));
        assert_eq!(acct(&rows[1]), "carol@c.example");
    }

    #[test]
    fn header_less_files_and_reordered_headers() {
        let rows = parse(
            ImportKind::Following,
            b"bob@b.example\r\n\r\ncarol@c.example\r\n",
            10,
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].show_reblogs, None);
        let rows = parse(
            ImportKind::Mutes,
            b"\xef\xbb\xbfHide notifications,Account address\nfalse,bob@b.example\n",
            10,
        )
        .unwrap();
        assert_eq!(acct(&rows[0]), "bob@b.example");
        assert_eq!(rows[0].hide_notifications, Some(false));
        let rows = parse(ImportKind::Lists, b"Friends,bob@b.example\n", 10).unwrap();
        assert_eq!(rows[0].list.as_deref(), Some("Friends"));
        let rows = parse(ImportKind::DomainBlocks, b"#domain\nspam.example\n", 10).unwrap();
        assert_eq!(rows[0].domain.as_deref(), Some("spam.example"));
        let rows = parse(ImportKind::Bookmarks, b"https://b.example/notes/1\n", 10).unwrap();
        assert_eq!(rows[0].uri.as_deref(), Some("https://b.example/notes/1"));
    }

    #[test]
    fn bad_files_are_refused_whole() {
        for (kind, bytes) in [
            (ImportKind::Following, &b""[..]),
            (ImportKind::Following, b"Account address\n"),
            (ImportKind::Following, b"\xff\xfe\x00b"),
            (ImportKind::Following, b"bob@b.example,maybe\n"),
            (ImportKind::Following, b"not an address\n"),
            (ImportKind::Blocks, b"bob@b.example,extra\n"),
            (ImportKind::Lists, b"List name\nFriends\n"),
            (ImportKind::Lists, b"Friends\n"),
            (ImportKind::Bookmarks, b"ftp://b.example/1\n"),
            (ImportKind::DomainBlocks, b"#domain\nhttps://x.example/\n"),
        ] {
            let e = parse(kind, bytes, 10).unwrap_err();
            assert_eq!(e.kind, Kind::Unprocessable, "{bytes:?}");
        }
        let many = "a@b.example\n".repeat(11);
        let e = parse(ImportKind::Blocks, many.as_bytes(), 10).unwrap_err();
        assert!(e.message.contains("more than 10"), "{}", e.message);
    }
}
