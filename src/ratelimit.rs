//! Fixed-window rate limits kept in memory, per key (an address, an account name).
//!
//! Enough for one node; with several nodes each keeps its own count, so the
//! effective limit is multiplied by the node count.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::{Error, Kind, Result};

#[derive(Default)]
pub struct RateLimiter {
    windows: Mutex<HashMap<String, (Instant, u32)>>,
    last_sweep: Mutex<Option<Instant>>,
}

/// Every window roost uses is at most this long: entries older are dead.
const LONGEST_WINDOW: Duration = Duration::from_secs(24 * 3600);

/// Windows of the limits roost applies.
pub const FIVE_MINUTES: Duration = Duration::from_secs(5 * 60);
pub const THIRTY_MINUTES: Duration = Duration::from_secs(30 * 60);
pub const HOUR: Duration = Duration::from_secs(3600);
pub const THREE_HOURS: Duration = Duration::from_secs(3 * 3600);
pub const DAY: Duration = Duration::from_secs(24 * 3600);

impl RateLimiter {
    /// Counts one hit on `key`; refuses with 429 once `limit` hits fall in one `window`.
    pub fn hit(&self, key: &str, limit: u32, window: Duration) -> Result<()> {
        let now = Instant::now();
        let mut map = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 10_000 {
            // Sweep dead windows at most once a minute, not on every hit.
            let mut last = self.last_sweep.lock().unwrap_or_else(|p| p.into_inner());
            if last.is_none_or(|t| now.duration_since(t) > Duration::from_secs(60)) {
                map.retain(|_, (start, _)| now.duration_since(*start) < LONGEST_WINDOW);
                *last = Some(now);
            }
        }
        let entry = map.entry(key.to_string()).or_insert((now, 0));
        if now.duration_since(entry.0) >= window {
            *entry = (now, 0);
        }
        entry.1 += 1;
        if entry.1 > limit {
            let reset = window
                .saturating_sub(now.duration_since(entry.0))
                .as_secs()
                .max(1);
            let mut err = Error::new(Kind::TooManyRequests, "Too many requests");
            err.rate_limit = Some((limit, reset));
            return Err(err);
        }
        Ok(())
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
}
