//! Read replicas: PostgreSQL hot standbys of the primary that serve the
//! heavy reads (timelines, profiles' posts, search) of GET requests.
//!
//! Read-your-writes: each node samples the primary's WAL position about
//! four times a second, and each replica's replayed position, and so knows
//! for each replica the latest moment `t` such that everything committed
//! on the primary before `t` is on the replica ("caught up to t"). A read
//! is served by a replica only when the replica is caught up to the
//! moment the caller last wrote (anywhere in the cluster; see
//! `service::reads`) and to no more than `database.replica_max_lag_secs`
//! ago. Everything else — writes, the reads inside a write, jobs, and any
//! read a replica is not fresh enough for — goes to the primary.

use std::collections::VecDeque;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use super::{Pool, Store};
use crate::error::{Error, Result};

tokio::task_local! {
    /// For the current request: the moment (ms since the epoch) its reads
    /// must be fresh from. Unset (jobs, writes): the primary.
    static FRESH_FROM: i64;
}

/// Runs `f` with its reads allowed on a replica caught up to `since_ms`.
pub async fn reading_since<F: std::future::Future>(since_ms: i64, f: F) -> F::Output {
    FRESH_FROM.scope(since_ms, f).await
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

struct Replica {
    pool: Pool,
    /// Everything committed on the primary before this moment (ms since
    /// the epoch) has been replayed here; 0 when unreachable.
    caught_up_ms: AtomicI64,
}

/// The replicas of one store.
pub struct Replicas {
    list: Vec<Replica>,
    next: AtomicUsize,
    max_lag_ms: i64,
}

impl std::fmt::Debug for Replicas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Replicas({})", self.list.len())
    }
}

/// How often the primary and the replicas' positions are sampled.
const SAMPLE_EVERY: Duration = Duration::from_millis(250);

impl Store {
    /// Opens a pool of `size` connections on each of `urls`, and starts
    /// following how far each has replayed.
    pub async fn attach_replicas(
        &mut self,
        urls: &[String],
        size: u32,
        max_lag: Duration,
    ) -> Result<()> {
        if urls.is_empty() {
            return Ok(());
        }
        let mut list = Vec::new();
        for url in urls {
            let options = PgConnectOptions::from_str(url)
                .map_err(|e| Error::internal(format!("database.replica_urls: {e}")))?
                .application_name("roost replica reads");
            // Lazily: a replica that is down at start-up is skipped until it answers.
            let pool = PgPoolOptions::new()
                .max_connections(size)
                .acquire_timeout(Duration::from_millis(500))
                .connect_lazy_with(options);
            list.push(Replica {
                pool: Pool::Postgres(pool),
                caught_up_ms: AtomicI64::new(0),
            });
        }
        let replicas = Arc::new(Replicas {
            list,
            next: AtomicUsize::new(0),
            max_lag_ms: max_lag.as_millis() as i64,
        });
        self.replicas = Some(replicas.clone());
        tokio::spawn(follow_replicas(self.clone(), replicas));
        Ok(())
    }

    /// The pool a read-only query of the current request should use, with
    /// the replica's index when it is one.
    pub(crate) fn reader(&self) -> (Option<usize>, &Pool) {
        match self.replica() {
            Some((i, pool)) => (Some(i), pool),
            None => (None, &self.pool),
        }
    }

    /// Whether this request's reads go to a replica (which may be behind:
    /// what it reads must not fill the caches).
    pub(crate) fn reads_from_replica(&self) -> bool {
        self.replica().is_some()
    }

    /// Replica `i` failed to answer: not read from until it answers again.
    pub(crate) fn replica_failed(&self, i: usize, e: &sqlx::Error) {
        if let Some(r) = self.replicas.as_ref().and_then(|r| r.list.get(i)) {
            r.caught_up_ms.store(0, Ordering::Relaxed);
            tracing::warn!(replica = i, error = %e, "a read replica failed; reading from the primary");
        }
    }

    fn replica(&self) -> Option<(usize, &Pool)> {
        let replicas = self.replicas.as_ref()?;
        let since = FRESH_FROM.try_with(|s| *s).ok()?;
        let floor = since.max(now_ms() - replicas.max_lag_ms);
        let n = replicas.list.len();
        let start = replicas.next.fetch_add(1, Ordering::Relaxed);
        (0..n)
            .map(|i| (start + i) % n)
            .find(|i| replicas.list[*i].caught_up_ms.load(Ordering::Relaxed) >= floor)
            .map(|i| (i, &replicas.list[i].pool))
    }
}

/// Whether `e` says the server did not answer (rather than the query
/// failing on its own terms), so the primary should be asked instead.
pub(crate) fn unreachable(e: &sqlx::Error) -> bool {
    matches!(
        e,
        sqlx::Error::PoolTimedOut
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::Protocol(_)
            | sqlx::Error::PoolClosed
    ) || matches!(e, sqlx::Error::Database(d) if d.code().is_some_and(|c| c.starts_with("57") || c.starts_with("08") || c == "40001"))
}

/// Samples the primary's WAL position and each replica's replayed position
/// for as long as the store is open.
async fn follow_replicas(store: Store, replicas: Arc<Replicas>) {
    let Pool::Postgres(primary) = store.pool.clone() else {
        return;
    };
    // (when, the primary's position then), oldest first.
    let mut samples: VecDeque<(i64, i64)> = VecDeque::new();
    let mut warned = vec![false; replicas.list.len()];
    let mut tick = tokio::time::interval(SAMPLE_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if store.is_closed() {
            return;
        }
        let at = now_ms();
        match sqlx::query_scalar::<_, i64>("SELECT (pg_current_wal_lsn() - '0/0')::bigint")
            .fetch_one(&primary)
            .await
        {
            Ok(lsn) => samples.push_back((at, lsn)),
            Err(_) => continue,
        }
        while samples
            .front()
            .is_some_and(|(t, _)| *t < at - replicas.max_lag_ms - 5_000)
        {
            samples.pop_front();
        }
        for (i, replica) in replicas.list.iter().enumerate() {
            let Pool::Postgres(pool) = &replica.pool else {
                continue;
            };
            let replayed = sqlx::query_scalar::<_, Option<i64>>(
                "SELECT (pg_last_wal_replay_lsn() - '0/0')::bigint",
            )
            .fetch_one(pool)
            .await;
            match replayed {
                Ok(Some(lsn)) => {
                    warned[i] = false;
                    // The latest sample the replica has replayed up to.
                    if let Some((t, _)) = samples.iter().rev().find(|(_, p)| *p <= lsn) {
                        replica.caught_up_ms.fetch_max(*t, Ordering::Relaxed);
                    }
                }
                Ok(None) => {
                    replica.caught_up_ms.store(0, Ordering::Relaxed);
                    if !warned[i] {
                        tracing::warn!(
                            replica = i,
                            "database.replica_urls: this server is not a standby (not in recovery); not reading from it"
                        );
                        warned[i] = true;
                    }
                }
                Err(e) => {
                    replica.caught_up_ms.store(0, Ordering::Relaxed);
                    if !warned[i] {
                        tracing::warn!(replica = i, error = %e, "cannot reach a read replica; reading from the primary");
                        warned[i] = true;
                    }
                }
            }
        }
    }
}
