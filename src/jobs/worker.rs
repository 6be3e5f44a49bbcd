//! The workers: each claims jobs of one queue, runs them within the queue's
//! time limit and records the outcome. A claim is a lease
//! (`jobs.lease_secs`) that the worker renews while its jobs run, so a job
//! still running is never claimed by a second worker, and the jobs of a
//! worker that died (a crash, kill -9, a lost node) are claimed again within
//! one lease, however long they may run.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;

use super::{DELIVER_QUEUE, MEDIA_QUEUE, Outcome, Task, backoff, run};
use crate::app::AppState;
use crate::error::Error;
use crate::model::Job;

/// How long one job of `queue` may run before it counts as failed.
///
/// - deliveries: one signed POST, which the guarded client ends after 30 s;
/// - media: transcoding (`media.processing_timeout_secs`) after fetching
///   the source (30 s at most);
/// - the rest (fan-out, inbound activities with their fetches, counts): a
///   few fetches of 30 s at most each.
pub fn time_limit(app: &AppState, queue: &str) -> Duration {
    match queue {
        DELIVER_QUEUE => Duration::from_secs(60),
        MEDIA_QUEUE => Duration::from_secs(app.config.media.processing_timeout_secs + 60),
        _ => Duration::from_secs(180),
    }
}

/// Works `queue` until the process ends: claim, run, record; sleep when idle.
pub async fn worker(app: Arc<AppState>, queue: &'static str) {
    // Deliveries are many and short: claim a few at a time.
    let batch = if queue == DELIVER_QUEUE { 4 } else { 1 };
    let limit = time_limit(&app, queue);
    let lease = Duration::from_secs(app.config.jobs.lease_secs.max(3));
    loop {
        match app.store.claim_jobs(queue, batch, lease).await {
            Ok(jobs) if !jobs.is_empty() => {
                let ids = jobs.iter().map(|j| j.id).collect();
                // Aborted when dropped: at the batch's end, or if a job panics.
                let _renewal = AbortOnDrop(tokio::spawn(renew(app.clone(), ids, lease)));
                for job in jobs {
                    work(&app, job, limit).await;
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

/// Stops a spawned task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Renews the claims on `ids` every third of `lease` until aborted.
async fn renew(app: Arc<AppState>, ids: Vec<i64>, lease: Duration) {
    let mut tick = tokio::time::interval(lease / 3);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The first tick is at once; the claim is fresh then.
    tick.tick().await;
    loop {
        tick.tick().await;
        let until = Utc::now() + chrono::Duration::from_std(lease).unwrap_or_default();
        if let Err(e) = app.store.renew_job_claims(&ids, until).await {
            tracing::warn!(error = %e, "cannot renew the claims on running jobs");
        }
    }
}

/// Runs one claimed job within `limit` and records how it went.
async fn work(app: &AppState, job: Job, limit: Duration) {
    let task = serde_json::from_value::<Task>(job.payload.0.clone());
    let delivery = match &task {
        Ok(Task::Deliver { activity_id, .. }) => Some(*activity_id),
        _ => None,
    };
    let outcome = match task {
        Ok(task) => match tokio::time::timeout(limit, run(app, task)).await {
            Ok(outcome) => outcome,
            Err(_) => Err(Error::internal(format!(
                "timed out after {} s",
                limit.as_secs()
            ))),
        },
        Err(e) => Err(Error::internal(format!("unreadable job payload: {e}"))),
    };
    let recorded = match (outcome, delivery) {
        (Ok(Outcome::Done), Some(activity_id)) => {
            app.store.finish_delivery_job(job.id, activity_id).await
        }
        (Ok(Outcome::Done), None) => app.store.finish_job(job.id).await,
        (Ok(Outcome::Later(after)), _) => {
            let at = Utc::now() + chrono::Duration::from_std(after).unwrap_or_default();
            app.store.defer_job(job.id, at).await
        }
        (Err(e), _) => {
            tracing::warn!(job = job.id, kind = %job.kind, attempt = job.attempts, error = %e, "job failed");
            let retry_at = Utc::now() + backoff(job.attempts, app.config.jobs.retry_base_ms);
            let give_up = job.attempts >= job.max_attempts;
            app.store
                .fail_job(job.id, &e.to_string(), retry_at, give_up)
                .await
        }
    };
    if let Err(e) = recorded {
        tracing::error!(job = job.id, error = %e, "cannot record job outcome");
    }
}

/// Starts `n` workers of local work, `deliverers` delivery workers and
/// the configured media workers on the current runtime, the hourly media
/// prune (once across the cluster), the search indexer and the analytics
/// writer: what a node with the `all` or `worker` role runs.
pub fn start_workers(app: &Arc<AppState>, n: usize, deliverers: usize) {
    for _ in 0..n {
        tokio::spawn(worker(app.clone(), super::DEFAULT_QUEUE));
    }
    for _ in 0..deliverers {
        tokio::spawn(worker(app.clone(), DELIVER_QUEUE));
    }
    for _ in 0..app.config.media.video_workers.max(1) {
        tokio::spawn(worker(app.clone(), MEDIA_QUEUE));
    }
    tokio::spawn(super::periodic::every(
        app.clone(),
        "media_prune",
        Duration::from_secs(3600),
        prune_media,
    ));
    tokio::spawn(crate::service::search::index_forever(app.clone()));
    tokio::spawn(crate::service::analytics::flush_forever(app.clone()));
    tokio::spawn(woken_by_other_nodes(app.clone()));
}

/// Wakes this node's workers when a node without workers queues work.
async fn woken_by_other_nodes(app: Arc<AppState>) {
    let mut events = app.bus.subscribe();
    loop {
        match events.recv().await {
            Ok(event) => {
                if let crate::bus::Event::JobsQueued { queue } = &*event {
                    super::wake_here(&app, queue.as_deref());
                }
            }
            // Missed some: wake everyone, they look at the table anyway.
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                super::wake_here(&app, None);
            }
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
        }
    }
}

/// Prunes media: cached remote copies past `media.remote_cache_days`,
/// uploads never attached.
async fn prune_media(app: Arc<AppState>) -> crate::error::Result<()> {
    let days = app.config.media.remote_cache_days;
    let older_than = if days == 0 {
        chrono::Duration::days(365 * 1000)
    } else {
        chrono::Duration::days(i64::from(days))
    };
    let p = crate::media::process::prune(&app, older_than).await?;
    if p.unattached + p.remote > 0 {
        tracing::info!(
            unattached = p.unattached,
            remote = p.remote,
            bytes = p.bytes,
            "media pruned"
        );
    }
    Ok(())
}
