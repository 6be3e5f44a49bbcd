//! Read-your-writes with read replicas (`database.replica_urls`): which
//! callers wrote lately, on this node or another, so that their next reads
//! go to a replica only once it holds what they wrote (`db::replicas`).
//!
//! A caller is its bearer token or web session, reduced to 64 bits of its
//! SHA-256 digest. When a write request has been answered, the moment is
//! noted here and sent to every other node over the bus (before the
//! response leaves, with the write's other events); each node notes it on
//! arrival, by its own clock, which is later than the write committed.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::app::AppState;
use crate::db::replicas::{now_ms, reading_since};

#[derive(Default)]
pub struct Writers {
    last: Mutex<HashMap<u64, i64>>,
}

/// Writers noted before this many ms no longer matter (replicas are read
/// only when at most `replica_max_lag_secs` behind): forgotten beyond
/// this many entries.
const KEEP: usize = 100_000;

impl Writers {
    fn wrote(&self, caller: u64, at_ms: i64, max_lag_ms: i64) {
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        if last.len() >= KEEP {
            last.retain(|_, t| *t > at_ms - max_lag_ms);
        }
        let t = last.entry(caller).or_insert(at_ms);
        *t = (*t).max(at_ms);
    }

    fn since(&self, caller: u64) -> i64 {
        let last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        last.get(&caller).copied().unwrap_or(0)
    }
}

/// The caller behind a bearer token or session secret.
pub fn caller(secret: &str) -> u64 {
    use sha2::Digest;
    let hash = sha2::Sha256::digest(secret.as_bytes());
    u64::from_be_bytes(hash[..8].try_into().unwrap_or([0; 8]))
}

fn max_lag_ms(app: &AppState) -> i64 {
    (app.config.database.replica_max_lag_secs as i64).saturating_mul(1000)
}

/// Whether reads may go to replicas (and so writers must be noted).
pub fn enabled(app: &AppState) -> bool {
    app.store.replicas.is_some()
}

/// Runs a request: a read (`writes` false) may use a replica holding
/// everything `caller` wrote; a write reads and writes on the primary.
pub async fn serve<F: std::future::Future>(
    app: &AppState,
    caller: Option<u64>,
    writes: bool,
    request: F,
) -> F::Output {
    if !enabled(app) || writes {
        return request.await;
    }
    let since = caller.map(|c| app.writers.since(c)).unwrap_or(0);
    reading_since(since, request).await
}

/// Notes that `caller` has just written, here and on every other node.
pub fn wrote(app: &AppState, caller: Option<u64>) {
    let Some(caller) = caller.filter(|_| enabled(app)) else {
        return;
    };
    app.writers.wrote(caller, now_ms(), max_lag_ms(app));
    app.bus.publish(crate::bus::Event::Wrote { caller });
}

/// Notes the writes other nodes report, for as long as the process runs
/// (with replicas configured).
pub async fn follow_writes(app: std::sync::Arc<AppState>) {
    if !enabled(&app) {
        return;
    }
    let mut events = app.bus.subscribe();
    loop {
        match events.recv().await {
            Ok(event) => {
                if let crate::bus::Event::Wrote { caller } = &*event {
                    app.writers.wrote(*caller, now_ms(), max_lag_ms(&app));
                }
            }
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
        }
    }
}
