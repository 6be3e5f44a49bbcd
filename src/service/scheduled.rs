//! Posts scheduled for later: kept as drafts until their time, when a
//! queued job publishes them.
//! <https://docs.joinmastodon.org/methods/scheduled_statuses/>

use chrono::Utc;

use crate::app::AppState;
use crate::error::{Error, Result, Validation};
use crate::model::{Account, Page, ScheduledStatus};
use crate::service::statuses::{Draft, create, validate, visible_status};

/// How far ahead a post must be scheduled (Mastodon: 5 minutes).
pub const MIN_SCHEDULE_AHEAD: i64 = 300;

/// Keeps a post until `at`, when a queued job publishes it.
pub async fn schedule(
    app: &AppState,
    author: &Account,
    d: Draft,
    at: chrono::DateTime<Utc>,
) -> Result<crate::model::ScheduledStatus> {
    let mut v = Validation::new();
    validate(app, &d, &mut v);
    if at < Utc::now() + chrono::Duration::seconds(MIN_SCHEDULE_AHEAD) {
        v.add(
            "scheduled_at",
            "ERR_INVALID",
            "must be at least 5 minutes in the future",
        );
    }
    if !d.media_ids.is_empty() {
        // An upload waiting for a scheduled post would be pruned first.
        v.add(
            "media_ids",
            "ERR_UNSUPPORTED",
            "cannot be scheduled yet: post media now or without a schedule",
        );
    }
    v.finish()?;
    if let Some(parent) = d.in_reply_to_id {
        visible_status(app, Some(author), parent).await?;
    }
    // The visibility it will have, resolved now: clients show it.
    let mut d = d;
    if d.visibility.is_none() {
        d.visibility = Some(match app.store.get_user(author.id).await? {
            Some(u) => u.default_visibility,
            None => "public".to_string(),
        });
    }
    let row = crate::model::ScheduledStatus {
        id: crate::id::new_id(),
        account_id: author.id,
        scheduled_at: at,
        params: crate::model::Json(serde_json::to_value(&d).map_err(Error::internal)?),
        created_at: Utc::now(),
    };
    app.store.put_scheduled(&row).await?;
    crate::jobs::schedule(
        app,
        &crate::jobs::Task::PublishScheduled {
            scheduled_status_id: row.id,
        },
        at,
        30,
    )
    .await?;
    Ok(row)
}

/// Moves a scheduled post to `at` (a new job; the old one finds it not due).
pub async fn reschedule(
    app: &AppState,
    owner: &Account,
    id: i64,
    at: chrono::DateTime<Utc>,
) -> Result<crate::model::ScheduledStatus> {
    let row = app
        .store
        .get_scheduled(id)
        .await?
        .filter(|r| r.account_id == owner.id)
        .ok_or_else(Error::not_found)?;
    if at < Utc::now() + chrono::Duration::seconds(MIN_SCHEDULE_AHEAD) {
        return Err(Error::unprocessable(
            "Validation failed: Scheduled at must be at least 5 minutes in the future",
        ));
    }
    app.store.reschedule(row.id, at).await?;
    crate::jobs::schedule(
        app,
        &crate::jobs::Task::PublishScheduled {
            scheduled_status_id: row.id,
        },
        at,
        30,
    )
    .await?;
    app.store
        .get_scheduled(row.id)
        .await?
        .ok_or_else(Error::not_found)
}

/// The queued publication of a scheduled post.
pub async fn publish_scheduled(app: &AppState, id: i64) -> Result<()> {
    let Some(row) = app.store.get_scheduled(id).await? else {
        return Ok(());
    };
    if row.scheduled_at > Utc::now() + chrono::Duration::seconds(1) {
        return Ok(()); // Rescheduled: a later job publishes it.
    }
    let (Some(author), Some(user)) = (
        app.store.get_account(row.account_id).await?,
        app.store.get_user(row.account_id).await?,
    ) else {
        return app.store.delete_scheduled(id).await;
    };
    // An account that may not act (suspended, disabled) publishes nothing;
    // the post is dropped, as Mastodon drops it.
    if crate::service::accounts::check_can_sign_in(&author, &user).is_err() {
        tracing::info!(
            scheduled = id,
            "scheduled post of an unavailable account dropped"
        );
        return app.store.delete_scheduled(id).await;
    }
    let draft: Draft = serde_json::from_value(row.params.0.clone()).map_err(Error::internal)?;
    match create(app, &author, &user.default_visibility, draft).await {
        Ok(_) => {}
        // The post can no longer be made (its parent is gone, say): drop it.
        Err(e)
            if e.kind != crate::error::Kind::Internal
                && e.kind != crate::error::Kind::Unavailable =>
        {
            tracing::info!(scheduled = id, error = %e, "scheduled post dropped");
        }
        Err(e) => return Err(e),
    }
    app.store.delete_scheduled(id).await
}

/// A page of `owner`'s scheduled posts, newest first.
pub async fn list(app: &AppState, owner: &Account, page: &Page) -> Result<Vec<ScheduledStatus>> {
    let mut rows = app.store.list_scheduled(owner.id, page).await?;
    rows.sort_by_key(|r| std::cmp::Reverse(r.id));
    Ok(rows)
}

/// `owner`'s scheduled post `id`.
pub async fn get(app: &AppState, owner: &Account, id: i64) -> Result<ScheduledStatus> {
    app.store
        .get_scheduled(id)
        .await?
        .filter(|r| r.account_id == owner.id)
        .ok_or_else(Error::not_found)
}

/// Cancels `owner`'s scheduled post `id`.
pub async fn cancel(app: &AppState, owner: &Account, id: i64) -> Result<()> {
    let row = get(app, owner, id).await?;
    app.store.delete_scheduled(row.id).await
}
