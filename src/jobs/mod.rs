//! The persistent job queue (DESIGN.md decision 4): work that leaves the
//! request path — fan-out now; deliveries, fetches and media later. Jobs live
//! in the `jobs` table, so a crash or restart loses none: a job claimed by a
//! worker that died is claimed again once its lock expires. Failures retry with
//! exponential backoff; after `max_attempts` a job is kept, marked failed.
//! Claiming uses `FOR UPDATE SKIP LOCKED` on PostgreSQL, so several nodes can
//! share the queue; SQLite serializes writers anyway.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::app::AppState;
use crate::db::{BeginWrite, Store, on_pool};
use crate::error::{Error, Result};
use crate::model::row::db_row;

db_row! {
    /// A queued piece of work.
    #[derive(Debug, Clone)]
    pub struct Job {
        pub id: i64,
        pub queue: String,
        pub kind: String,
        pub payload: sqlx::types::Json<Value>,
        pub run_at: chrono::DateTime<Utc>,
        pub attempts: i64,
        pub max_attempts: i64,
        pub locked_until: Option<chrono::DateTime<Utc>>,
        pub last_error: Option<String>,
        pub failed_at: Option<chrono::DateTime<Utc>>,
        pub created_at: chrono::DateTime<Utc>,
    }
}

/// What a job does, with its arguments.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", content = "args", rename_all = "snake_case")]
pub enum Task {
    /// Put a status into the home feeds of its author's local followers.
    FanOut { status_id: i64 },
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
}

impl Task {
    fn kind(&self) -> &'static str {
        match self {
            Task::FanOut { .. } => "fan_out",
            Task::PollEnded { .. } => "poll_ended",
            Task::PublishScheduled { .. } => "publish_scheduled",
            Task::Deliver { .. } => "deliver",
            Task::DeliverToFollowers { .. } => "deliver_to_followers",
            Task::ProcessActivity { .. } => "process_activity",
            Task::RefreshCounts { .. } => "refresh_counts",
            Task::ProcessMedia { .. } => "process_media",
            Task::CacheRemoteMedia { .. } => "cache_remote_media",
            Task::CacheAccountImages { .. } => "cache_account_images",
        }
    }

    /// The queue the task waits in: deliveries have their own workers, so a
    /// backlog of them never delays local work.
    pub fn queue(&self) -> &'static str {
        match self {
            Task::Deliver { .. } => DELIVER_QUEUE,
            // Remote fetches wait in the default queue: a burst of remote
            // posts must not hold up local transcodes.
            Task::ProcessMedia { .. } => MEDIA_QUEUE,
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

/// How long a claimed job stays locked before another worker may take it.
const LOCK: Duration = Duration::from_secs(300);

/// Backoff after the `attempt`-th failure: `base_ms` doubling, capped at 6
/// hours; with the default 10 s, 30 attempts span a bit over 5 days.
fn backoff(attempt: i64, base_ms: u64) -> chrono::Duration {
    let ms = i64::try_from(base_ms)
        .unwrap_or(i64::MAX)
        .saturating_mul(1i64 << attempt.clamp(0, 20))
        .min(6 * 3600 * 1000);
    chrono::Duration::milliseconds(ms)
}

impl Store {
    pub async fn put_job(
        &self,
        task: &Task,
        run_at: chrono::DateTime<Utc>,
        max_attempts: i64,
    ) -> Result<i64> {
        let id = crate::id::new_id();
        let payload = serde_json::to_value(task).map_err(Error::internal)?;
        on_pool!(self, pool => sqlx::query(
            "INSERT INTO jobs (id, queue, kind, payload, run_at, max_attempts, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(id).bind(task.queue()).bind(task.kind()).bind(sqlx::types::Json(&payload)).bind(run_at).bind(max_attempts).bind(Utc::now())
            .execute(pool).await.map(|_| ()))?;
        Ok(id)
    }

    /// Queues several tasks in one transaction.
    pub async fn put_jobs(&self, tasks: &[Task], max_attempts: i64) -> Result<()> {
        let now = Utc::now();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            for task in tasks {
                let payload = serde_json::to_value(task).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
                sqlx::query(
                    "INSERT INTO jobs (id, queue, kind, payload, run_at, max_attempts, created_at) VALUES ($1, $2, $3, $4, $5, $6, $5)")
                    .bind(crate::id::new_id()).bind(task.queue()).bind(task.kind()).bind(sqlx::types::Json(&payload))
                    .bind(now).bind(max_attempts).execute(&mut *tx).await?;
            }
            tx.commit().await
        })?;
        Ok(())
    }

    /// Records inbound activity `uri` as seen and queues `task` to apply it,
    /// atomically; false (and nothing queued) when `uri` was seen before.
    pub async fn put_job_if_new(&self, uri: &str, task: &Task) -> Result<bool> {
        let now = Utc::now();
        let payload = serde_json::to_value(task).map_err(Error::internal)?;
        let fresh = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query("INSERT INTO received_activities (uri, received_at) VALUES ($1, $2) ON CONFLICT (uri) DO NOTHING")
                .bind(uri).bind(now).execute(&mut *tx).await?.rows_affected();
            if n == 1 {
                sqlx::query(
                    "INSERT INTO jobs (id, queue, kind, payload, run_at, max_attempts, created_at) VALUES ($1, $2, $3, $4, $5, $6, $5)")
                    .bind(crate::id::new_id()).bind(task.queue()).bind(task.kind()).bind(sqlx::types::Json(&payload))
                    .bind(now).bind(8i64).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok::<bool, sqlx::Error>(n == 1)
        })?;
        Ok(fresh)
    }

    /// Takes the next due job of `queue`, locking it for [`LOCK`].
    pub async fn claim_job(&self, queue: &str) -> Result<Option<Job>> {
        Ok(self.claim_jobs(queue, 1).await?.into_iter().next())
    }

    /// Takes up to `n` due jobs of `queue` at once (one write instead of
    /// `n`), locking them for [`LOCK`].
    pub async fn claim_jobs(&self, queue: &str, n: i64) -> Result<Vec<Job>> {
        let now = Utc::now();
        let until = now + chrono::Duration::from_std(LOCK).unwrap_or_default();
        let mut jobs: Vec<Job> = match &self.pool {
            crate::db::Pool::Sqlite(pool) => sqlx::query_as(
                "UPDATE jobs SET locked_until = $2, attempts = attempts + 1 WHERE id IN (
                    SELECT id FROM jobs WHERE queue = $3 AND failed_at IS NULL AND run_at <= $1 AND (locked_until IS NULL OR locked_until < $1)
                    ORDER BY run_at LIMIT $4) RETURNING *")
                .bind(now).bind(until).bind(queue).bind(n).fetch_all(pool).await?,
            crate::db::Pool::Postgres(pool) => sqlx::query_as(
                "UPDATE jobs SET locked_until = $2, attempts = attempts + 1 WHERE id IN (
                    SELECT id FROM jobs WHERE queue = $3 AND failed_at IS NULL AND run_at <= $1 AND (locked_until IS NULL OR locked_until < $1)
                    ORDER BY run_at LIMIT $4 FOR UPDATE SKIP LOCKED) RETURNING *")
                .bind(now).bind(until).bind(queue).bind(n).fetch_all(pool).await?,
        };
        jobs.sort_by_key(|j| j.run_at);
        Ok(jobs)
    }

    pub async fn finish_job(&self, id: i64) -> Result<()> {
        on_pool!(self, pool => sqlx::query("DELETE FROM jobs WHERE id = $1").bind(id).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// Finishes a delivery job and counts the delivery of its activity, at
    /// once (one statement on PostgreSQL, one transaction on SQLite, which
    /// has no writes in `WITH`). Bodies with no delivery left are removed by
    /// the hourly housekeeping.
    pub async fn finish_delivery_job(&self, job_id: i64, activity_id: i64) -> Result<()> {
        match &self.pool {
            crate::db::Pool::Postgres(pool) => {
                sqlx::query(
                    "WITH done AS (DELETE FROM jobs WHERE id = $1)
                     UPDATE outbox_activities SET pending = pending - 1 WHERE id = $2",
                )
                .bind(job_id)
                .bind(activity_id)
                .execute(pool)
                .await?;
            }
            crate::db::Pool::Sqlite(pool) => {
                let mut tx = pool.begin_write().await?;
                sqlx::query("DELETE FROM jobs WHERE id = $1")
                    .bind(job_id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("UPDATE outbox_activities SET pending = pending - 1 WHERE id = $1")
                    .bind(activity_id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
            }
        }
        Ok(())
    }

    /// Records a failure: retry later, or mark failed for good.
    pub async fn fail_job(&self, job: &Job, error: &str, retry_base_ms: u64) -> Result<()> {
        let now = Utc::now();
        let give_up = job.attempts >= job.max_attempts;
        let failed_at = give_up.then_some(now);
        let run_at = now + backoff(job.attempts, retry_base_ms);
        on_pool!(self, pool => sqlx::query(
            "UPDATE jobs SET locked_until = NULL, run_at = $2, last_error = $3, failed_at = $4 WHERE id = $1")
            .bind(job.id).bind(run_at).bind(error).bind(failed_at).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// Jobs not yet done (due, scheduled or locked), excluding failed ones.
    pub async fn count_pending_jobs(&self) -> Result<i64> {
        let n = on_pool!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE failed_at IS NULL")
            .fetch_one(pool).await)?;
        Ok(n)
    }
}

/// Queues `task` to run now and wakes a local worker.
pub async fn enqueue(app: &AppState, task: Task) -> Result<()> {
    app.store.put_job(&task, Utc::now(), 30).await?;
    match task.queue() {
        DELIVER_QUEUE => app.deliver_wakeup.notify_one(),
        MEDIA_QUEUE => app.media_wakeup.notify_one(),
        _ => app.jobs_wakeup.notify_one(),
    }
    Ok(())
}

/// Queues several tasks and wakes the workers.
pub async fn enqueue_many(app: &AppState, tasks: &[Task], max_attempts: i64) -> Result<()> {
    if tasks.is_empty() {
        return Ok(());
    }
    app.store.put_jobs(tasks, max_attempts).await?;
    app.jobs_wakeup.notify_waiters();
    app.deliver_wakeup.notify_waiters();
    app.media_wakeup.notify_waiters();
    Ok(())
}

/// Runs one job's task.
async fn run(app: &AppState, task: Task) -> Result<()> {
    match task {
        Task::FanOut { status_id } => crate::service::timelines::fan_out(app, status_id).await,
        Task::PollEnded { poll_id } => crate::service::statuses::poll_ended(app, poll_id).await,
        Task::PublishScheduled {
            scheduled_status_id,
        } => crate::service::statuses::publish_scheduled(app, scheduled_status_id).await,
        Task::Deliver { activity_id, inbox } => {
            crate::federation::deliver::deliver(app, activity_id, &inbox).await
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
    }
}

/// Works `queue` until the process ends: claim, run, record; sleep when idle.
pub async fn worker(app: Arc<AppState>, queue: &'static str) {
    // Deliveries are many and short: claim a few at a time.
    let batch = if queue == DELIVER_QUEUE { 4 } else { 1 };
    loop {
        match app.store.claim_jobs(queue, batch).await {
            Ok(jobs) if !jobs.is_empty() => {
                for job in jobs {
                    work(&app, job).await;
                }
            }
            Ok(_) => {
                let wakeup = match queue {
                    DELIVER_QUEUE => &app.deliver_wakeup,
                    MEDIA_QUEUE => &app.media_wakeup,
                    _ => &app.jobs_wakeup,
                };
                let _ = tokio::time::timeout(Duration::from_secs(1), wakeup.notified()).await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot claim a job");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// Runs one claimed job and records how it went.
async fn work(app: &AppState, job: Job) {
    let task = serde_json::from_value::<Task>(job.payload.0.clone());
    let delivery = match &task {
        Ok(Task::Deliver { activity_id, .. }) => Some(*activity_id),
        _ => None,
    };
    let outcome = match task {
        Ok(task) => run(app, task).await,
        Err(e) => Err(Error::internal(format!("unreadable job payload: {e}"))),
    };
    let recorded = match (outcome, delivery) {
        (Ok(()), Some(activity_id)) => app.store.finish_delivery_job(job.id, activity_id).await,
        (Ok(()), None) => app.store.finish_job(job.id).await,
        (Err(e), _) => {
            tracing::warn!(job = job.id, kind = %job.kind, attempt = job.attempts, error = %e, "job failed");
            app.store
                .fail_job(&job, &e.to_string(), app.config.jobs.retry_base_ms)
                .await
        }
    };
    if let Err(e) = recorded {
        tracing::error!(job = job.id, error = %e, "cannot record job outcome");
    }
}

/// Starts `n` workers of local work, `deliverers` delivery workers and
/// the configured media workers on the current runtime, and the hourly
/// media prune.
pub fn start_workers(app: &Arc<AppState>, n: usize, deliverers: usize) {
    for _ in 0..n {
        tokio::spawn(worker(app.clone(), DEFAULT_QUEUE));
    }
    for _ in 0..deliverers {
        tokio::spawn(worker(app.clone(), DELIVER_QUEUE));
    }
    for _ in 0..app.config.media.video_workers.max(1) {
        tokio::spawn(worker(app.clone(), MEDIA_QUEUE));
    }
    tokio::spawn(prune_periodically(app.clone()));
}

/// Prunes media every hour. Several nodes may prune at once; each deletion
/// is idempotent.
async fn prune_periodically(app: Arc<AppState>) {
    let days = app.config.media.remote_cache_days;
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tick.tick().await;
        let older_than = if days == 0 {
            chrono::Duration::days(365 * 1000)
        } else {
            chrono::Duration::days(i64::from(days))
        };
        match crate::media::process::prune(&app, older_than).await {
            Ok(p) if p.unattached + p.remote > 0 => {
                tracing::info!(
                    unattached = p.unattached,
                    remote = p.remote,
                    bytes = p.bytes,
                    "media pruned"
                );
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "media prune failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff(1, 10_000).num_seconds(), 20);
        assert!(backoff(5, 10_000) > backoff(4, 10_000));
        assert_eq!(backoff(30, 10_000).num_seconds(), 6 * 3600);
        // Deliveries' 18 attempts cover more than the two days federation needs.
        let total: i64 = (1..=18).map(|a| backoff(a, 10_000).num_seconds()).sum();
        assert!(total > 2 * 86_400, "{total}");
    }

    #[test]
    fn task_payload_roundtrips() {
        let v = serde_json::to_value(Task::FanOut { status_id: 5 }).unwrap();
        assert_eq!(v["kind"], "fan_out");
        let back: Task = serde_json::from_value(v).unwrap();
        assert!(matches!(back, Task::FanOut { status_id: 5 }));
    }
}
