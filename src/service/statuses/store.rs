//! Storing statuses: the one path every new status, edit and removal takes,
//! local or remote, and what follows from each (fan-out, notifications).
//! Delivery to other servers stays with the callers: only local actions go
//! out.

use chrono::{Duration, Utc};

use crate::app::AppState;
use crate::bus::{Change, Event};
use crate::db::statuses::{JobWithStatus, NewStatus};
use crate::error::Result;
use crate::jobs::Task;
use crate::model::{Account, Status};
use crate::service::{notifications, timelines};

/// What [`store`] did with a status.
#[derive(Debug)]
pub enum Stored {
    /// Stored now: in timelines, with its notifications written.
    New(Status),
    /// The same post (same URI, Idempotency-Key or boost) was stored first,
    /// by a concurrent request or an earlier delivery; nothing was done.
    Existing(Status),
}

/// Stores a new status, local or remote, and does what follows from it: the
/// poll's closing is scheduled, followers' feeds get it, mentioned, boosted
/// and subscribed accounts are notified, direct messages reach their
/// conversations. Local posting, boosting, and inbound `Create` and
/// `Announce` all come through here; delivery stays with the caller (only
/// local posts go out).
pub async fn store(app: &AppState, author: &Account, new: &NewStatus<'_>) -> Result<Stored> {
    let status = new.status;
    let now = Utc::now();
    // The safety net: if the process dies before the effects below are
    // done, this job (written with the status, due in a minute) redoes them.
    let safety = JobWithStatus {
        id: crate::id::new_id(),
        job: Task::StatusEffects {
            status_id: status.id,
        }
        .to_job()?,
        run_at: now + Duration::seconds(SAFETY_NET_SECS),
        max_attempts: 10,
    };
    let mut jobs = vec![];
    if status.local
        && let Some(p) = new.poll
        && let Some(at) = p.expires_at
    {
        // Voters and the author hear the result when the poll closes.
        jobs.push(JobWithStatus {
            id: crate::id::new_id(),
            job: Task::PollEnded { poll_id: p.id }.to_job()?,
            run_at: at,
            max_attempts: 30,
        });
    }
    // The preview of its first link, written with the post so that a
    // crash loses it no more than the post.
    let card = crate::service::cards::card_link(app, status).is_some();
    if card {
        jobs.push(JobWithStatus {
            id: crate::id::new_id(),
            job: Task::FetchCard {
                status_id: status.id,
            }
            .to_job()?,
            run_at: now,
            max_attempts: 1,
        });
    }
    let safety_id = safety.id;
    jobs.push(safety);
    if let Err(e) = app.store.put_status(new, &jobs).await {
        return match stored_copy(app, new).await? {
            Some(existing) => Ok(Stored::Existing(existing)),
            None => Err(e),
        };
    }
    if card {
        crate::jobs::wake(app, Some(crate::jobs::MEDIA_QUEUE));
    }
    crate::service::search::queued(app);
    effects(app, author, status, new.mentions).await?;
    app.store.finish_job(safety_id).await?;
    Ok(Stored::New(status.clone()))
}

/// How long the safety net of a new status waits before it redoes the
/// effects (the request normally does them in milliseconds).
const SAFETY_NET_SECS: i64 = 60;

/// What follows from storing a status: followers' feeds get it; mentioned,
/// boosted and subscribed accounts are notified; direct messages reach their
/// conversations. Every step is idempotent (feeds and once-per-status
/// notifications ignore what is there), so running it again is harmless.
async fn effects(
    app: &AppState,
    author: &Account,
    status: &Status,
    mentions: &[i64],
) -> Result<()> {
    timelines::distribute(app, status).await?;
    publish_public(app, author, status, Change::New).await?;
    match status.reblog_of_id {
        Some(original) => {
            if let Some(original) = app.store.get_status(original).await? {
                notifications::notify(
                    app,
                    original.account_id,
                    "reblog",
                    author,
                    Some(original.id),
                )
                .await?;
            }
            Ok(())
        }
        None => notifications::on_new_status(app, author, status, mentions).await,
    }
}

/// The `status_effects` job: a status's effects, redone after the process
/// storing it died before finishing them. Nothing when the status is gone.
pub async fn redo_effects(app: &AppState, status_id: i64) -> Result<()> {
    let Some(status) = app.store.get_status(status_id).await? else {
        return Ok(());
    };
    let Some(author) = app.store.get_account(status.account_id).await? else {
        return Ok(());
    };
    let mentions: Vec<i64> = app
        .store
        .mentions_of(&[status.id])
        .await?
        .into_iter()
        .map(|(_, account)| account)
        .collect();
    effects(app, &author, &status, &mentions).await
}

/// Stores an edit of a status, local or remote, keeping `before` in its
/// history, and tells those who interacted with it. Local edits and inbound
/// `Update` both come through here.
pub async fn store_edit(
    app: &AppState,
    before: &Status,
    after: &Status,
    mentions: &[i64],
    tags: &[String],
    media: Option<&[i64]>,
) -> Result<()> {
    app.store
        .edit_status(before, after, mentions, tags, media, Utc::now())
        .await?;
    crate::service::search::queued(app);
    // The card follows the post's first link (or goes with it).
    let links = |s: &Status| crate::service::cards::card_link(app, s);
    if links(before) != links(after) {
        crate::jobs::schedule(
            app,
            &Task::FetchCard {
                status_id: after.id,
            },
            Utc::now(),
            1,
        )
        .await?;
    }
    notifications::on_edit(app, after).await?;
    republish(app, after, mentions).await
}

/// Shows a changed status again to live readers (`status.update`): those
/// whose feeds may hold it, each checked again against the post before it
/// is sent, and the public streams. `mentions` are the post's.
pub async fn republish(app: &AppState, after: &Status, mentions: &[i64]) -> Result<()> {
    let mut readers: Vec<i64> = mentions.to_vec();
    readers.push(after.account_id);
    if after.visibility != "direct" {
        readers.extend(
            app.store
                .local_followers(after.account_id)
                .await?
                .into_iter()
                .map(|(id, _)| id),
        );
    }
    app.bus.publish(Event::Feed {
        status_id: after.id,
        change: Change::Edit,
        accounts: readers,
    });
    if let Some(author) = app.store.get_account(after.account_id).await? {
        publish_public(app, &author, after, Change::Edit).await?;
    }
    Ok(())
}

/// Puts a public post (not a boost, not by a silenced account) on the
/// public and hashtag streams.
async fn publish_public(
    app: &AppState,
    author: &Account,
    status: &Status,
    change: Change,
) -> Result<()> {
    if let Some(event) = public_event(app, author, status, change).await? {
        app.bus.publish(event);
    }
    Ok(())
}

/// The public streams' event for a post, if it belongs there.
async fn public_event(
    app: &AppState,
    author: &Account,
    status: &Status,
    change: Change,
) -> Result<Option<Event>> {
    if status.visibility != "public"
        || status.reblog_of_id.is_some()
        || author.silenced_at.is_some()
    {
        return Ok(None);
    }
    let tags = app
        .store
        .tags_of(&[status.id])
        .await?
        .into_iter()
        .map(|(_, t)| t.to_lowercase())
        .collect();
    Ok(Some(Event::Public {
        status_id: status.id,
        change,
        local: status.local,
        media: status.media_ids.is_some() || status.remote_attachments.is_some(),
        reply: status
            .in_reply_to_account_id
            .is_some_and(|to| to != status.account_id),
        tags,
    }))
}

/// Removes a status (a post or a boost), local or remote, with what hangs
/// off it. A remote post's attachments go with it; a local post's uploads
/// are left free for a redraft.
pub async fn remove(app: &AppState, status: &Status) -> Result<()> {
    // Read while the post and its tags still exist: where it was public.
    let public = match app.store.get_account(status.account_id).await? {
        Some(author) => public_event(app, &author, status, Change::Delete).await?,
        None => None,
    };
    let readers = app.store.delete_status(status).await?;
    app.bus.publish(Event::Feed {
        status_id: status.id,
        change: Change::Delete,
        accounts: readers,
    });
    if let Some(event) = public {
        app.bus.publish(event);
    }
    // An undone boost takes its notification along, however it was undone
    // (unreblog, a delete of the boost, a remote Undo or Delete), so a new
    // boost notifies again.
    if let Some(of) = status.reblog_of_id
        && let Some(original) = app.store.get_status(of).await?
    {
        app.store
            .delete_notifications_for("reblog", status.account_id, Some(of), original.account_id)
            .await?;
    }
    if !status.local
        && let Some(ids) = &status.media_ids
    {
        crate::media::process::delete_media_rows(app, &ids.0).await?;
    }
    Ok(())
}

/// The copy of `new` that won a race for one of its unique keys.
async fn stored_copy(app: &AppState, new: &NewStatus<'_>) -> Result<Option<Status>> {
    let s = new.status;
    if let Some(original) = s.reblog_of_id {
        return app.store.get_reblog(s.account_id, original).await;
    }
    if let Some(key) = new.idempotency_key {
        return match app
            .store
            .get_status_by_idempotency_key(s.account_id, key)
            .await?
        {
            Some(id) => app.store.get_status(id).await,
            None => Ok(None),
        };
    }
    app.store.get_status_by_uri(&s.uri).await
}
