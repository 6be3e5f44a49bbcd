//! Periodic tasks (housekeeping, the media prune, trends) that run once
//! per period across every node sharing the database, on the nodes that
//! run jobs.
//!
//! Each node wakes every period and asks the database for the run
//! (`Store::claim_periodic`: one conditional UPDATE that moves the task's
//! last run forward only if it is a period old), so exactly one node wins
//! each period; if that node dies, another wins the next period. A task
//! interrupted by a crash runs again at the next period, so every task is
//! safe to repeat.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use crate::app::AppState;
use crate::error::Result;

/// Runs `task` every `every`, once across the cluster, for as long as the
/// process runs. The first run is due at once (unless another node ran
/// the task within the period).
pub async fn every<F, Fut>(app: Arc<AppState>, name: &'static str, every: Duration, task: F)
where
    F: Fn(Arc<AppState>) -> Fut,
    Fut: Future<Output = Result<()>>,
{
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match app.store.claim_periodic(name, &app.node, every).await {
            Ok(true) => {
                if let Err(e) = task(app.clone()).await {
                    tracing::warn!(task = name, error = %e, "periodic task failed");
                }
            }
            Ok(false) => {}
            Err(e) => tracing::warn!(task = name, error = %e, "cannot claim a periodic task"),
        }
    }
}
