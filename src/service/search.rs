//! Search: accounts (local by name, remote by handle or URL, fetched with
//! `resolve`), statuses by URL (local, or fetched with `resolve`), and
//! hashtags by prefix. Only what the searcher may see is returned.
//! <https://docs.joinmastodon.org/methods/search/#v2>

use crate::app::AppState;
use crate::error::Result;
use crate::federation::{fetch, notes};
use crate::model::{Account, Status};

/// What a search asks for.
#[derive(Debug, Clone)]
pub struct Query<'a> {
    pub q: &'a str,
    /// `accounts`, `statuses` or `hashtags`; all when `None`.
    pub kind: Option<&'a str>,
    /// Look up handles and URLs on other servers.
    pub resolve: bool,
    pub limit: i64,
    pub offset: i64,
    /// Statuses only by this account.
    pub account_id: Option<i64>,
    /// Statuses older than this id, and newer than that one.
    pub max_id: Option<i64>,
    pub min_id: Option<i64>,
    /// Only accounts the searcher follows.
    pub following: bool,
    /// Only hashtags staff reviewed (approved as trends).
    pub exclude_unreviewed: bool,
}

/// What a search found.
#[derive(Debug, Default)]
pub struct Found {
    pub accounts: Vec<Account>,
    pub statuses: Vec<Status>,
    pub hashtags: Vec<String>,
}

pub async fn search(app: &AppState, viewer: &Account, query: &Query<'_>) -> Result<Found> {
    let term = query.q.trim();
    let mut found = Found::default();
    if term.is_empty() {
        return Ok(found);
    }
    let want = |k: &str| query.kind.is_none_or(|t| t == k);
    if term.starts_with("https://") || term.starts_with("http://") {
        if want("statuses")
            && let Some(s) = status_by_url(app, term, query.resolve).await?
        {
            found.statuses.push(s);
        }
        if want("accounts") && found.statuses.is_empty() {
            let account = match app.store.get_account_by_uri(term).await? {
                Some(a) => Some(a),
                None if query.resolve => fetch::resolve_actor(app, term).await.ok(),
                None => None,
            };
            found.accounts.extend(account);
        }
    } else {
        if want("accounts") {
            found.accounts = accounts(app, term, query).await?;
        }
        if want("statuses") {
            found.statuses = statuses(app, viewer, term, query).await?;
        }
        if want("hashtags") {
            let name = term.trim_start_matches('#');
            found.hashtags = app
                .store
                .search_tags(name, query.limit, query.offset)
                .await?;
            if query.exclude_unreviewed {
                // As Mastodon: the tag named exactly stays, others only
                // once staff reviewed them.
                let reviewed = app.store.reviewed_tags(&found.hashtags).await?;
                let exact = name.to_lowercase();
                found
                    .hashtags
                    .retain(|t| *t == exact || reviewed.contains(t));
            }
        }
    }
    found.accounts.retain(|a| a.suspended_at.is_none());
    if query.following {
        found.accounts = followed_only(app, viewer, found.accounts).await?;
    }
    // Only what the searcher may see: a URL is no key to a private post.
    let mut visible = Vec::with_capacity(found.statuses.len());
    for s in found.statuses {
        if crate::service::statuses::visible_status(app, Some(viewer), s.id)
            .await
            .is_ok()
        {
            visible.push(s);
        }
    }
    found.statuses = visible;
    Ok(found)
}

/// Statuses by their words and Mastodon's operators (`from:`, `has:`,
/// `is:`, `language:`, `in:`, `before:`, `after:`, `during:`, "phrases"
/// and `-exclusions`), newest first.
async fn statuses(
    app: &AppState,
    viewer: &Account,
    term: &str,
    query: &Query<'_>,
) -> Result<Vec<Status>> {
    let parsed = crate::model::search::parse(term);
    if parsed.is_empty() {
        return Ok(Vec::new());
    }
    let mut from = Vec::with_capacity(parsed.from.len());
    for (handle, negated) in &parsed.from {
        let account = match handle.split_once('@') {
            _ if handle.eq_ignore_ascii_case("me") => Some(viewer.clone()),
            Some((user, host)) if host.eq_ignore_ascii_case(&app.config.server.domain) => {
                app.store.get_local_account_by_username(user).await?
            }
            Some((user, host)) => app.store.get_remote_account_by_username(user, host).await?,
            None => app.store.get_local_account_by_username(handle).await?,
        };
        from.push((account.map(|a| a.id), *negated));
    }
    let language = parsed
        .language
        .iter()
        .find(|(_, negated)| !negated)
        .map(|(l, _)| l.clone());
    let stem = match language {
        Some(l) => crate::model::search::pg_config(Some(&l)),
        None => {
            let locale = app.store.get_user(viewer.id).await?.map(|u| u.locale);
            crate::model::search::pg_config(locale.as_deref().map(|l| l.get(..2).unwrap_or(l)))
        }
    };
    let hidden = app
        .store
        .hidden_account_ids(viewer.id, chrono::Utc::now())
        .await?;
    let who = crate::db::search::Searcher {
        account_id: viewer.id,
        hidden: &hidden,
        from: &from,
        author: query.account_id,
        stem,
    };
    let page = crate::db::search::SearchPage {
        limit: query.limit,
        offset: query.offset,
        max_id: query.max_id,
        min_id: query.min_id,
    };
    let ids = app.store.search_statuses(&who, &parsed, &page).await?;
    let found = app.store.get_statuses(&ids).await?;
    // Newest first, as the index answered.
    Ok(ids
        .iter()
        .filter_map(|id| found.iter().find(|s| s.id == *id).cloned())
        .collect())
}

/// Indexes the next `batch` posts after `after` (by id) that the search
/// index lacks, those written before it existed; the last id looked at,
/// or None once none is left.
pub async fn backfill(app: &AppState, after: i64, batch: i64) -> Result<Option<i64>> {
    let rows = app.store.unindexed_statuses(after, batch).await?;
    for s in &rows {
        if let Some(doc) = crate::model::search::document(s) {
            app.store.index_status(s.id, Some(&doc)).await?;
        }
    }
    Ok(rows.last().map(|s| s.id))
}

/// How long the indexer lets new posts gather after a wake-up, so that a
/// busy server writes many index entries in one transaction.
const INDEX_GATHER: std::time::Duration = std::time::Duration::from_millis(200);
/// Most index entries written in one transaction.
const INDEX_BATCH: i64 = 500;
/// How often the indexer looks at the queue unwoken (posts another node
/// queued, or queued before a restart).
const INDEX_POLL: std::time::Duration = std::time::Duration::from_secs(5);

/// Tells the indexer that posts were queued for their index entry.
pub fn queued(app: &AppState) {
    app.search_wakeup.notify_one();
}

/// The search indexer: writes the index entries of queued posts (new and
/// edited, local and remote) a batch at a time, woken as they are queued.
/// A post is searchable within about a second of being stored; a crash
/// loses nothing (the queue is a table). Every node runs one; on
/// PostgreSQL they skip each other's rows.
pub async fn index_forever(app: std::sync::Arc<AppState>) {
    loop {
        tokio::select! {
            () = app.search_wakeup.notified() => {}
            () = tokio::time::sleep(INDEX_POLL) => {}
        }
        tokio::time::sleep(INDEX_GATHER).await;
        loop {
            match app.store.index_queued(INDEX_BATCH).await {
                Ok(n) if i64::try_from(n).unwrap_or(0) >= INDEX_BATCH => {}
                Ok(_) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot write search index entries");
                    break;
                }
            }
        }
    }
}

/// Accounts by handle (`user@host`, looked up there with `resolve`) or,
/// for a bare name, local accounts by username or display name.
async fn accounts(app: &AppState, term: &str, query: &Query<'_>) -> Result<Vec<Account>> {
    let handle = term.trim_start_matches('@');
    match handle.split_once('@') {
        Some((user, host)) => {
            let found = if query.resolve {
                fetch::webfinger(app, user, host).await.ok()
            } else {
                app.store.get_remote_account_by_username(user, host).await?
            };
            Ok(found.into_iter().collect())
        }
        None => local_accounts(app, handle, query.limit, query.offset).await,
    }
}

/// The accounts of `accounts` that `viewer` follows (the `following`
/// parameter of both searches).
pub async fn followed_only(
    app: &AppState,
    viewer: &Account,
    mut accounts: Vec<Account>,
) -> Result<Vec<Account>> {
    let ids: Vec<i64> = accounts.iter().map(|a| a.id).collect();
    let followed = app.store.followed_among(viewer.id, &ids).await?;
    accounts.retain(|a| followed.contains(&a.id));
    Ok(accounts)
}

/// Local accounts whose username or display name starts with `term` (an
/// `@domain` part is ignored), for `GET /api/v1/accounts/search`.
pub async fn local_accounts(
    app: &AppState,
    term: &str,
    limit: i64,
    offset: i64,
) -> Result<Vec<Account>> {
    let term = term.trim().trim_start_matches('@');
    let term = term.split('@').next().unwrap_or("");
    if term.is_empty() {
        return Ok(Vec::new());
    }
    app.store.search_local_accounts(term, limit, offset).await
}

/// A status by its URI or URL: stored, or fetched when `resolve`.
pub async fn status_by_url(app: &AppState, url: &str, resolve: bool) -> Result<Option<Status>> {
    if let Some(s) = app.store.get_status_by_uri(url).await? {
        return Ok(Some(s));
    }
    // A local post's page: /@name/ID.
    if let Some(rest) = url.strip_prefix(&app.url("/@"))
        && let Some((_, id)) = rest.split_once('/')
        && let Ok(id) = id.parse::<i64>()
    {
        return Ok(app.store.get_status(id).await?.filter(|s| s.local));
    }
    if !resolve || url.starts_with(&app.base_url) {
        return Ok(None);
    }
    Ok(notes::resolve(app, url).await.ok().flatten())
}
