//! The rows a rendered page of Mastodon entities refers to, read in one
//! query per kind: the boosted originals, authors and mentioned accounts,
//! the viewer's flags (favourited, boosted, bookmarked, pinned, muted),
//! polls with their counts, mentions, tags, media and applications.
//! `http::mastodon::entities` turns them into JSON; the caches it keeps
//! rendered JSON in are `crate::cache`'s.

use crate::app::AppState;
use crate::error::Result;
use crate::model::{Account, App, CustomEmoji, MediaAttachment, Poll, Status};

pub async fn statuses(app: &AppState, ids: &[i64]) -> Result<Vec<Status>> {
    app.store.get_statuses(ids).await
}

pub async fn accounts(app: &AppState, ids: &[i64]) -> Result<Vec<Account>> {
    app.store.get_accounts(ids).await
}

/// `(kind, id)` of what `viewer_id` did to `status_ids`: 1 favourited,
/// 2 boosted, 3 bookmarked, 4 pinned (status ids); 5 muted (conversation
/// ids among `conversation_ids`).
pub async fn viewer_flags(
    app: &AppState,
    viewer_id: i64,
    status_ids: &[i64],
    conversation_ids: &[i64],
) -> Result<Vec<(i64, i64)>> {
    app.store
        .viewer_flags(viewer_id, status_ids, conversation_ids)
        .await
}

/// The polls of `status_ids`.
pub async fn polls(app: &AppState, status_ids: &[i64]) -> Result<Vec<Poll>> {
    app.store.polls_of(status_ids).await
}

/// `(status, mentioned account)` of `status_ids`.
pub async fn mentions(app: &AppState, status_ids: &[i64]) -> Result<Vec<(i64, i64)>> {
    app.store.mentions_of(status_ids).await
}

/// `(status, tag name)` of `status_ids`.
pub async fn tags(app: &AppState, status_ids: &[i64]) -> Result<Vec<(i64, String)>> {
    app.store.tags_of(status_ids).await
}

pub async fn media(app: &AppState, ids: &[i64]) -> Result<Vec<MediaAttachment>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    app.store.get_media_many(ids).await
}

/// The custom emoji named by `(domain, shortcode)` pairs.
pub async fn emojis(app: &AppState, names: &[(String, String)]) -> Result<Vec<CustomEmoji>> {
    crate::service::emojis::named(app, names).await
}

pub async fn application(app: &AppState, id: i64) -> Result<Option<App>> {
    app.store.get_app(id).await
}

/// A poll's votes per option (`(poll, option, votes)`) and, for a viewer,
/// the options they chose.
pub async fn poll_counts(
    app: &AppState,
    viewer: Option<&Account>,
    poll: &Poll,
) -> Result<(Vec<(i64, i64, i64)>, Vec<i64>)> {
    let tallies = app.store.poll_tallies(&[poll.id]).await?;
    let own = match viewer {
        Some(v) => app
            .store
            .own_votes(v.id, &[poll.id])
            .await?
            .into_iter()
            .map(|(_, c)| c)
            .collect(),
        None => Vec::new(),
    };
    Ok((tallies, own))
}

/// The quotes `status_ids` make.
pub async fn quotes(app: &AppState, status_ids: &[i64]) -> Result<Vec<crate::model::Quote>> {
    app.store.quotes_of(status_ids).await
}
