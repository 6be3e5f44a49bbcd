//! The one place that decides who may see a status. Every read path (single
//! status, thread, notifications, favourited_by) asks here; the list queries
//! (timelines, account statuses) apply the same rules in SQL, in
//! `db::timelines`.

use crate::app::AppState;
use crate::error::Result;
use crate::model::{Account, Status, Visibility};

/// May `viewer` (None: signed out) see `status` by `author`? Boosts are checked
/// by their own visibility; callers check the boosted status separately.
pub async fn can_see(
    app: &AppState,
    viewer: Option<&Account>,
    status: &Status,
    author: &Account,
) -> Result<bool> {
    if author.suspended_at.is_some() {
        return Ok(false);
    }
    let Some(viewer) = viewer else {
        return Ok(matches!(
            status.visibility(),
            Visibility::Public | Visibility::Unlisted
        ));
    };
    if viewer.id == author.id {
        return Ok(true);
    }
    if app.store.blocked_either_way(viewer.id, author.id).await? {
        return Ok(false);
    }
    Ok(match status.visibility() {
        Visibility::Public | Visibility::Unlisted => true,
        Visibility::Private => {
            app.store.follows(viewer.id, author.id).await?
                || is_mentioned(app, status.id, viewer.id).await?
        }
        Visibility::Direct => is_mentioned(app, status.id, viewer.id).await?,
    })
}

async fn is_mentioned(app: &AppState, status_id: i64, account_id: i64) -> Result<bool> {
    Ok(app
        .store
        .mentions_of(&[status_id])
        .await?
        .iter()
        .any(|(_, a)| *a == account_id))
}
