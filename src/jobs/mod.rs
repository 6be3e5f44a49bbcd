//! The persistent job queue (DESIGN.md decision 4): work that leaves the
//! request path — fan-out, deliveries, inbound activities, remote fetches,
//! media. Jobs live in the `jobs` table (`db::jobs`), so a crash or restart
//! loses none: a job claimed by a worker that died is claimed again once its
//! lease (`jobs.lease_secs`) runs out. Failures retry with exponential backoff; after
//! `max_attempts` a job is kept, marked failed.
//!
//! - this module: what a job is ([`Task`]), queueing it, and which service
//!   function runs each kind ([`run`]);
//! - [`worker`]: the workers that claim (renewing their lease while a job
//!   runs), run (within a time limit) and record jobs.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::app::AppState;
use crate::db::jobs::NewJob;
use crate::error::{Error, Result};

pub mod worker;

pub use worker::start_workers;

pub mod periodic;

/// What a job does, with its arguments.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", content = "args", rename_all = "snake_case")]
pub enum Task {
    /// Put a status into the home feeds of its author's local followers.
    FanOut { status_id: i64 },
    /// Redo what follows from storing a status (feeds, notifications,
    /// conversations), idempotently: queued in the status's own transaction
    /// to run a minute later, and removed once the request has done it, so
    /// it runs only when the process died in between.
    StatusEffects { status_id: i64 },
    /// Tell a poll's author and voters that it has ended.
    PollEnded { poll_id: i64 },
    /// Publish a post scheduled for now.
    PublishScheduled { scheduled_status_id: i64 },
    /// POST outgoing activity `activity_id` to one inbox.
    Deliver { activity_id: i64, inbox: String },
    /// Queue deliveries of `activity_id` to `account_id`'s remote followers and `extra`.
    DeliverToFollowers {
        activity_id: i64,
        account_id: i64,
        extra: Vec<String>,
    },
    /// Read a remote account's follower, following and post counts from
    /// its collections.
    RefreshCounts { account_id: i64 },
    /// Apply a verified inbound activity signed by `signer_id`.
    ProcessActivity { activity: Value, signer_id: i64 },
    /// Transcode an uploaded video, audio file or animated GIF.
    ProcessMedia { media_id: i64 },
    /// Fetch and keep a copy of a remote attachment.
    CacheRemoteMedia { media_id: i64 },
    /// Fetch and keep copies of a remote account's avatar and header.
    CacheAccountImages { account_id: i64 },
    /// Fetch and keep a copy of a remote custom emoji's image.
    CacheEmoji { emoji_id: i64 },
    /// Give a post the preview card of its first link.
    FetchCard { status_id: i64 },
    /// Mail a password reset link to a local account (the token is made
    /// when the job runs: no secret waits in the queue).
    MailPasswordReset { account_id: i64 },
    /// Mail an address confirmation link to a new local account.
    MailConfirmation { account_id: i64 },
    /// Tell an account's current address that a change to another was asked for.
    MailEmailChange { account_id: i64 },
    /// Mail a moderation warning to the account it was given to.
    MailWarning { warning_id: i64 },
    /// Send notification `notification_id` to a Web Push subscription.
    WebPush {
        subscription_id: i64,
        notification_id: i64,
    },
    /// Build an account's archive of posts and media into a zip.
    BuildArchive { archive_id: i64 },
    /// Apply the rows of an imported CSV file (a minute's worth, then the
    /// rest in a new job).
    ProcessImport { import_id: i64 },
}

impl Task {
    /// The job row this task is stored as.
    pub(crate) fn to_job(&self) -> Result<NewJob> {
        Ok(NewJob {
            queue: self.queue(),
            kind: self.kind(),
            payload: serde_json::to_value(self).map_err(Error::internal)?,
        })
    }

    fn kind(&self) -> &'static str {
        match self {
            Task::FanOut { .. } => "fan_out",
            Task::StatusEffects { .. } => "status_effects",
            Task::PollEnded { .. } => "poll_ended",
            Task::PublishScheduled { .. } => "publish_scheduled",
            Task::Deliver { .. } => "deliver",
            Task::DeliverToFollowers { .. } => "deliver_to_followers",
            Task::ProcessActivity { .. } => "process_activity",
            Task::RefreshCounts { .. } => "refresh_counts",
            Task::ProcessMedia { .. } => "process_media",
            Task::CacheRemoteMedia { .. } => "cache_remote_media",
            Task::CacheAccountImages { .. } => "cache_account_images",
            Task::CacheEmoji { .. } => "cache_emoji",
            Task::FetchCard { .. } => "fetch_card",
            Task::MailPasswordReset { .. } => "mail_password_reset",
            Task::MailConfirmation { .. } => "mail_confirmation",
            Task::MailEmailChange { .. } => "mail_email_change",
            Task::MailWarning { .. } => "mail_warning",
            Task::WebPush { .. } => "web_push",
            Task::BuildArchive { .. } => "build_archive",
            Task::ProcessImport { .. } => "process_import",
        }
    }

    /// The queue the task waits in: deliveries have their own workers, so a
    /// backlog of them never delays local work.
    pub fn queue(&self) -> &'static str {
        match self {
            Task::Deliver { .. } | Task::WebPush { .. } => DELIVER_QUEUE,
            // Remote fetches wait in the default queue: a burst of remote
            // posts must not hold up local transcodes.
            // An archive copies every file of an account: minutes, like
            // a transcode.
            Task::ProcessMedia { .. } | Task::BuildArchive { .. } => MEDIA_QUEUE,
            // A linked page may take its time answering; inbound activities
            // must not wait behind a burst of posts linking slow sites.
            Task::FetchCard { .. } => MEDIA_QUEUE,
            _ => DEFAULT_QUEUE,
        }
    }
}

/// The queue of local work and inbound activities.
pub const DEFAULT_QUEUE: &str = "default";
/// The queue of outgoing deliveries.
pub const DELIVER_QUEUE: &str = "deliver";
/// The queue of media work (transcoding, fetching remote files), which can
/// take minutes per job.
pub const MEDIA_QUEUE: &str = "media";

/// Backoff after the `attempt`-th failure: `base_ms` doubling, capped at 6
/// hours; with the default 10 s, 30 attempts span a bit over 5 days.
pub(crate) fn backoff(attempt: i64, base_ms: u64) -> chrono::Duration {
    let ms = i64::try_from(base_ms)
        .unwrap_or(i64::MAX)
        .saturating_mul(1i64 << attempt.clamp(0, 20))
        .min(6 * 3600 * 1000);
    chrono::Duration::milliseconds(ms)
}

/// Queues `task` to run now and wakes a local worker.
pub async fn enqueue(app: &AppState, task: Task) -> Result<()> {
    schedule(app, &task, Utc::now(), 30).await
}

/// Queues `task` to run at `at` (now or later), tried at most `attempts`
/// times, and wakes a local worker of its queue.
pub async fn schedule(app: &AppState, task: &Task, at: DateTime<Utc>, attempts: i64) -> Result<()> {
    app.store.put_job(&task.to_job()?, at, attempts).await?;
    wake(app, Some(task.queue()));
    Ok(())
}

/// Wakes a worker of `queue` (of every queue when None) on this node, or,
/// on a node that runs none, tells the nodes that do.
pub fn wake(app: &AppState, queue: Option<&str>) {
    if !app.config.node_role().runs_jobs() {
        app.bus.publish(crate::bus::Event::JobsQueued {
            queue: queue.map(str::to_string),
        });
        return;
    }
    wake_here(app, queue);
}

/// Wakes a worker of `queue` (one of each queue when None) here.
pub fn wake_here(app: &AppState, queue: Option<&str>) {
    match queue {
        Some(DELIVER_QUEUE) => app.deliver_wakeup.notify_one(),
        Some(MEDIA_QUEUE) => app.media_wakeup.notify_one(),
        Some(_) => app.jobs_wakeup.notify_one(),
        None => {
            app.jobs_wakeup.notify_waiters();
            app.deliver_wakeup.notify_waiters();
            app.media_wakeup.notify_waiters();
        }
    }
}

/// Queues several tasks and wakes the workers.
pub async fn enqueue_many(app: &AppState, tasks: &[Task], max_attempts: i64) -> Result<()> {
    if tasks.is_empty() {
        return Ok(());
    }
    let jobs = tasks.iter().map(Task::to_job).collect::<Result<Vec<_>>>()?;
    app.store.put_jobs(&jobs, max_attempts).await?;
    wake(app, None);
    Ok(())
}

/// Records inbound activity `key` as seen and queues `task` to apply it;
/// false (and nothing queued) when it was seen before.
pub async fn enqueue_inbound(app: &AppState, key: &str, task: &Task) -> Result<bool> {
    let fresh = app.store.put_job_if_new(key, &task.to_job()?).await?;
    if fresh {
        wake(app, Some(DEFAULT_QUEUE));
    }
    Ok(fresh)
}

/// How a job's run ended, when it did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Done (or given up for good by the task itself).
    Done,
    /// Could not start now (its host is busy): run again after this long,
    /// without counting an attempt.
    Later(Duration),
}

/// Runs one job's task.
async fn run(app: &AppState, task: Task) -> Result<Outcome> {
    let done = match task {
        Task::FanOut { status_id } => crate::service::timelines::fan_out(app, status_id).await,
        Task::StatusEffects { status_id } => {
            crate::service::statuses::redo_effects(app, status_id).await
        }
        Task::PollEnded { poll_id } => crate::service::polls::poll_ended(app, poll_id).await,
        Task::PublishScheduled {
            scheduled_status_id,
        } => crate::service::scheduled::publish_scheduled(app, scheduled_status_id).await,
        Task::Deliver { activity_id, inbox } => {
            return crate::federation::deliver::deliver(app, activity_id, &inbox).await;
        }
        Task::DeliverToFollowers {
            activity_id,
            account_id,
            extra,
        } => {
            crate::federation::deliver::expand_to_followers(app, activity_id, account_id, extra)
                .await
        }
        Task::ProcessActivity {
            activity,
            signer_id,
        } => crate::federation::inbox::process(app, activity, signer_id).await,
        Task::RefreshCounts { account_id } => {
            crate::federation::fetch::refresh_counts(app, account_id).await
        }
        Task::ProcessMedia { media_id } => crate::media::process::process_job(app, media_id).await,
        Task::CacheRemoteMedia { media_id } => {
            crate::media::process::cache_remote(app, media_id).await
        }
        Task::CacheAccountImages { account_id } => {
            crate::media::process::cache_account_images(app, account_id).await
        }
        Task::CacheEmoji { emoji_id } => crate::media::process::cache_emoji(app, emoji_id).await,
        Task::FetchCard { status_id } => {
            crate::service::cards::fetch_for_status(app, status_id).await
        }
        Task::MailPasswordReset { account_id } => {
            crate::service::passwords::mail_reset(app, account_id).await
        }
        Task::MailConfirmation { account_id } => {
            crate::service::confirmations::mail(app, account_id).await
        }
        Task::MailEmailChange { account_id } => {
            crate::service::confirmations::mail_change_notice(app, account_id).await
        }
        Task::MailWarning { warning_id } => {
            crate::service::moderation::accounts::mail_warning(app, warning_id).await
        }
        Task::WebPush {
            subscription_id,
            notification_id,
        } => crate::service::push::deliver(app, subscription_id, notification_id).await,
        Task::BuildArchive { archive_id } => crate::service::archive::build(app, archive_id).await,
        Task::ProcessImport { import_id } => crate::service::imports::process(app, import_id).await,
    };
    done.map(|()| Outcome::Done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff(1, 10_000).num_seconds(), 20);
        assert!(backoff(5, 10_000) > backoff(4, 10_000));
        assert_eq!(backoff(30, 10_000).num_seconds(), 6 * 3600);
        // The last delivery attempt comes after the waits between the
        // others: more than the two days a server may be down.
        let attempts = crate::federation::deliver::DELIVERY_ATTEMPTS;
        let last: i64 = (1..attempts)
            .map(|a| backoff(a, 10_000).num_seconds())
            .sum();
        assert!(last > 2 * 86_400, "{last}");
    }

    #[test]
    fn task_payload_roundtrips() {
        let v = serde_json::to_value(Task::FanOut { status_id: 5 }).unwrap();
        assert_eq!(v["kind"], "fan_out");
        let back: Task = serde_json::from_value(v).unwrap();
        assert!(matches!(back, Task::FanOut { status_id: 5 }));
    }
}
