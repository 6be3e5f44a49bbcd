//! Fixed-window rate limits per key (an address, an account, a token).
//!
//! A window starts at a key's first hit and lasts the limit's period. One
//! node counts in memory. Nodes sharing a PostgreSQL database share their
//! counts (migration 0029) in two ways, chosen per limit by its volume:
//!
//! - [`RateLimiter::hit_shared`], for the limits that guard against
//!   guessing and abuse (sign-in, tokens, sign-ups, posting, follows):
//!   one atomic upsert per attempt, so the limit is exact across the
//!   cluster however the load balancer spreads the attempts. These
//!   actions cost far more than the upsert.
//! - [`RateLimiter::hit`], for the high-volume limits (every API request,
//!   every signed inbox request): counted in memory, with no round trip on
//!   the request's path; [`RateLimiter::share`] (about once a second)
//!   writes this node's counts and learns the other nodes' counts of the
//!   same keys, which each hit adds to its own. A burst spread over N
//!   nodes can pass the limit by what the other nodes took in the last
//!   second, once per window.
//!
//! Keys leave the process only as SHA-256 digests: the API limit's key
//! holds the bearer token.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::db::Store;
use crate::db::rate_limits::NodeCount;
use crate::db::replicas::now_ms;
use crate::error::{Error, Kind, Result};

#[derive(Default)]
pub struct RateLimiter {
    windows: Mutex<HashMap<String, Window>>,
    last_sweep: Mutex<Option<Instant>>,
    /// The database the cluster's counts are shared through (PostgreSQL).
    shared: OnceLock<Store>,
}

struct Window {
    start: Instant,
    /// Hits counted on this node.
    hits: u32,
    /// Hits the other nodes counted on the key, as last learned.
    others: u32,
    /// Counted since the last [`RateLimiter::share`].
    dirty: bool,
    /// The last hit: keys hit lately keep learning the others' counts.
    last_hit: Instant,
    /// The window's end, ms since the epoch (for the other nodes).
    expires_at: i64,
    /// The key's digest, made the first time the window is shared.
    digest: Option<String>,
}

/// Every window roost uses is at most this long: entries older are dead.
const LONGEST_WINDOW: Duration = Duration::from_secs(24 * 3600);

/// Windows of the limits roost applies.
pub const FIVE_MINUTES: Duration = Duration::from_secs(5 * 60);
pub const THIRTY_MINUTES: Duration = Duration::from_secs(30 * 60);
pub const HOUR: Duration = Duration::from_secs(3600);
pub const THREE_HOURS: Duration = Duration::from_secs(3 * 3600);
pub const DAY: Duration = Duration::from_secs(24 * 3600);

fn refused(limit: u32, reset_secs: u64) -> Error {
    let mut err = Error::new(Kind::TooManyRequests, "Too many requests");
    err.rate_limit = Some((limit, reset_secs.max(1)));
    err
}

impl RateLimiter {
    /// Shares the counts with the other nodes on `store` from now on
    /// (PostgreSQL; a SQLite database has one node).
    pub fn share_through(&self, store: Store) {
        if matches!(store.pool, crate::db::Pool::Postgres(_)) {
            let _ = self.shared.set(store);
        }
    }

    /// Counts one hit on `key`; refuses with 429 once `limit` hits, this
    /// node's and (as last learned) the other nodes', fall in one `window`.
    pub fn hit(&self, key: &str, limit: u32, window: Duration) -> Result<()> {
        let now = Instant::now();
        let mut map = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 10_000 {
            // Sweep dead windows at most once a minute, not on every hit.
            let mut last = self.last_sweep.lock().unwrap_or_else(|p| p.into_inner());
            if last.is_none_or(|t| now.duration_since(t) > Duration::from_secs(60)) {
                map.retain(|_, w| now.duration_since(w.start) < LONGEST_WINDOW);
                *last = Some(now);
            }
        }
        let fresh = || Window {
            start: now,
            hits: 0,
            others: 0,
            dirty: false,
            last_hit: now,
            expires_at: now_ms() + window.as_millis() as i64,
            digest: None,
        };
        let entry = map.entry(key.to_string()).or_insert_with(fresh);
        if now.duration_since(entry.start) >= window {
            *entry = fresh();
        }
        entry.hits += 1;
        entry.dirty = true;
        entry.last_hit = now;
        if entry.hits.saturating_add(entry.others) > limit {
            let reset = window
                .saturating_sub(now.duration_since(entry.start))
                .as_secs();
            return Err(refused(limit, reset));
        }
        Ok(())
    }

    /// Counts one attempt on `key` exactly across every node sharing the
    /// database (one upsert), or in memory on a single node; refuses with
    /// 429 once `limit` attempts fall in one `window`. Should the database
    /// not answer, the attempt is counted in memory.
    pub async fn hit_shared(&self, key: &str, limit: u32, window: Duration) -> Result<()> {
        let Some(store) = self.shared.get() else {
            return self.hit(key, limit, window);
        };
        match store
            .rate_limit_hit(&crate::auth::digest(key), window.as_millis() as i64)
            .await
        {
            Ok(Some((hits, left_ms))) if hits > i64::from(limit) => {
                Err(refused(limit, (left_ms.max(0) as u64).div_ceil(1000)))
            }
            Ok(Some(_)) => Ok(()),
            Ok(None) => self.hit(key, limit, window),
            Err(e) => {
                tracing::warn!(error = %e, "cannot count a rate-limited attempt in the database");
                self.hit(key, limit, window)
            }
        }
    }

    /// Writes what this node counted since the last call and learns what
    /// the other nodes counted on the keys hit here lately (a key this node
    /// has not counted since cannot be refused here any sooner, but may
    /// be the one an abuser turns to next); a no-op on one node.
    pub async fn share(&self, node: &str) -> Result<()> {
        let Some(store) = self.shared.get() else {
            return Ok(());
        };
        let now = Instant::now();
        let mut digests = HashMap::new();
        let mut written = Vec::new();
        let mut read = Vec::new();
        {
            let mut map = self.windows.lock().unwrap_or_else(|p| p.into_inner());
            for (key, w) in map.iter_mut() {
                if !w.dirty && now.duration_since(w.last_hit) > LATELY {
                    continue;
                }
                let digest = w
                    .digest
                    .get_or_insert_with(|| crate::auth::digest(key))
                    .clone();
                if w.dirty {
                    w.dirty = false;
                    written.push(NodeCount {
                        key: digest.clone(),
                        hits: i64::from(w.hits),
                        expires_at: w.expires_at,
                    });
                }
                read.push(digest.clone());
                digests.insert(digest, key.clone());
            }
        }
        if read.is_empty() {
            return Ok(());
        }
        let others = store.rate_limit_share(node, &written, &read).await?;
        let mut map = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        for digest in &read {
            let hits = others.get(digest).copied().unwrap_or(0);
            if let Some(w) = digests.get(digest).and_then(|key| map.get_mut(key)) {
                w.others = u32::try_from(hits).unwrap_or(u32::MAX);
            }
        }
        Ok(())
    }
}

/// How long after its last hit here a key keeps learning the other nodes'
/// counts.
const LATELY: Duration = Duration::from_secs(60);

/// Shares this node's counts with the other nodes about once a second,
/// while the process runs (PostgreSQL only).
pub async fn share_forever(app: std::sync::Arc<crate::app::AppState>) {
    if app.limiter.shared.get().is_none() {
        return;
    }
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if app.store.is_closed() {
            return;
        }
        if let Err(e) = app.limiter.share(&app.node).await {
            tracing::warn!(error = %e, "cannot share rate-limit counts with the other nodes");
        }
    }
}

/// The unit a rate limit counts for a client address: the address, or its
/// /64 for IPv6 (which one host usually owns whole).
pub fn address_bucket(ip: std::net::IpAddr) -> String {
    match ip {
        std::net::IpAddr::V4(v4) => v4.to_string(),
        std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_after_limit_per_key() {
        let rl = RateLimiter::default();
        let w = Duration::from_secs(60);
        for _ in 0..3 {
            rl.hit("a", 3, w).unwrap();
        }
        let err = rl.hit("a", 3, w).unwrap_err();
        assert_eq!(err.kind, Kind::TooManyRequests);
        rl.hit("b", 3, w).unwrap();
    }

    #[test]
    fn other_nodes_counts_join_this_ones() {
        let rl = RateLimiter::default();
        let w = Duration::from_secs(60);
        rl.hit("a", 5, w).unwrap();
        rl.windows.lock().unwrap().get_mut("a").unwrap().others = 4;
        assert!(rl.hit("a", 5, w).is_err());
    }
}
