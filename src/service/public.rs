//! What anyone may read of local accounts without an account here: the
//! profile and post pages, and the ActivityPub actors, notes and
//! collections other servers fetch. Public and unlisted posts only, never
//! boosts; accounts that are suspended or awaiting approval do not exist.

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::model::{Account, Page, Status, Visibility};

/// The local account `username` for its ActivityPub documents: one
/// awaiting approval does not exist yet; a suspended (or deleted) one still
/// answers, stripped to its key, so its Delete verifies.
pub async fn actor(app: &AppState, username: &str) -> Result<Account> {
    let account = crate::service::accounts::local_by_username(app, username).await?;
    if pending(app, &account).await? {
        return Err(Error::not_found());
    }
    Ok(account)
}

/// The local account behind a profile page or a WebFinger answer: not
/// suspended, approved.
pub async fn profile(app: &AppState, username: &str) -> Result<Account> {
    let account = crate::service::accounts::local_by_username(app, username).await?;
    if account.suspended_at.is_some() || pending(app, &account).await? {
        return Err(Error::not_found());
    }
    Ok(account)
}

/// Whether a local account still awaits a moderator's approval.
async fn pending(app: &AppState, account: &Account) -> Result<bool> {
    Ok(app
        .store
        .get_user(account.id)
        .await?
        .is_some_and(|u| !u.approved))
}

/// `author`'s post `id`, when it is public or unlisted and not a boost.
pub async fn post(app: &AppState, author: &Account, id: i64) -> Result<Status> {
    app.store
        .get_status(id)
        .await?
        .filter(|s| s.account_id == author.id && s.reblog_of_id.is_none())
        .filter(|s| matches!(s.visibility(), Visibility::Public | Visibility::Unlisted))
        .ok_or_else(Error::not_found)
}

/// `author`'s post `id` for a server fetching it signed by `reader`: a
/// public or unlisted one for anyone, a followers-only or direct one only
/// when `reader` (a remote actor) may see it, as Mastodon serves them.
pub async fn post_for(
    app: &AppState,
    author: &Account,
    id: i64,
    reader: Option<&Account>,
) -> Result<Status> {
    let status = app
        .store
        .get_status(id)
        .await?
        .filter(|s| s.account_id == author.id && s.reblog_of_id.is_none())
        .ok_or_else(Error::not_found)?;
    if matches!(
        status.visibility(),
        Visibility::Public | Visibility::Unlisted
    ) {
        return Ok(status);
    }
    match reader {
        Some(r)
            if !r.is_local()
                && crate::service::visibility::can_see(app, Some(r), &status, author).await? =>
        {
            Ok(status)
        }
        _ => Err(Error::not_found()),
    }
}

/// The local post a public URL of this server names (`/@user/ID` or
/// `/users/user/statuses/ID`), when it is public or unlisted: what
/// `/api/oembed` may embed.
pub async fn post_at(app: &AppState, url: &str) -> Result<(Account, Status)> {
    let url = url::Url::parse(url.trim()).map_err(|_| Error::not_found())?;
    let host = match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        _ => return Err(Error::not_found()),
    };
    if !host.eq_ignore_ascii_case(&app.config.server.domain) {
        return Err(Error::not_found());
    }
    let segments: Vec<&str> = url
        .path_segments()
        .map(Iterator::collect)
        .unwrap_or_default();
    let (username, id) = match segments.as_slice() {
        [handle, id] if handle.starts_with('@') => (&handle[1..], *id),
        ["users", name, "statuses", id] => (*name, *id),
        _ => return Err(Error::not_found()),
    };
    let id = id.parse::<i64>().map_err(|_| Error::not_found())?;
    let author = profile(app, username).await?;
    let status = post(app, &author, id).await?;
    Ok((author, status))
}

/// `author`'s boost `id` with what it boosts, when both are public or
/// unlisted: what its `Announce` id resolves to.
pub async fn boost(app: &AppState, author: &Account, id: i64) -> Result<(Status, Status, Account)> {
    let boost = app
        .store
        .get_status(id)
        .await?
        .filter(|s| s.account_id == author.id)
        .filter(|s| matches!(s.visibility(), Visibility::Public | Visibility::Unlisted))
        .ok_or_else(Error::not_found)?;
    let original = app
        .store
        .get_status(boost.reblog_of_id.ok_or_else(Error::not_found)?)
        .await?
        .filter(|s| matches!(s.visibility(), Visibility::Public | Visibility::Unlisted))
        .ok_or_else(Error::not_found)?;
    let original_author = app
        .store
        .get_account(original.account_id)
        .await?
        .filter(|a| a.suspended_at.is_none())
        .ok_or_else(Error::not_found)?;
    Ok((boost, original, original_author))
}

/// Public and unlisted replies to `status` after `min_id`, oldest first, as
/// `(id, uri)`: its author's own when `own`, everyone else's otherwise.
pub async fn replies(
    app: &AppState,
    status: &Status,
    own: bool,
    min_id: i64,
    limit: i64,
) -> Result<Vec<(i64, String)>> {
    app.store
        .public_replies(status.id, status.account_id, own, min_id, limit)
        .await
}

/// The newest public posts of `author`, for its profile page.
pub async fn profile_posts(app: &AppState, author: &Account, limit: i64) -> Result<Vec<Status>> {
    let page = Page {
        limit,
        ..Page::default()
    };
    app.store.public_posts_of(author.id, &page).await
}

/// A page of `author`'s outbox: public and unlisted posts older than
/// `max_id`, newest first.
pub async fn outbox(
    app: &AppState,
    author: &Account,
    max_id: Option<i64>,
    limit: i64,
) -> Result<Vec<Status>> {
    app.store.outbox_statuses(author.id, max_id, limit).await
}

/// `author`'s pinned posts that are public or unlisted.
pub async fn pinned(app: &AppState, author: &Account) -> Result<Vec<Status>> {
    let ids = app.store.pinned_ids(author.id).await?;
    let mut posts = app.store.get_statuses(&ids).await?;
    posts.retain(|s| matches!(s.visibility(), Visibility::Public | Visibility::Unlisted));
    Ok(posts)
}

/// A page of the actor ids of `author`'s followers (or of whom it follows).
pub async fn follow_collection(
    app: &AppState,
    author: &Account,
    followers: bool,
    limit: i64,
    offset: i64,
) -> Result<Vec<String>> {
    app.store
        .follow_collection_page(author.id, followers, limit, offset)
        .await
}
