//! Federation failures an operator must see at the default log level: a
//! failed fetch (lookup, key, object), WebFinger lookup, signature check or
//! delivery attempt is one `WARN` line naming the remote host, the step and
//! the reason ("certificate untrusted (unknown issuer)", "HTTP 400", "connect
//! timeout", "signature does not verify").
//!
//! A broken or hostile peer must not fill the disk: the first failure of a
//! (host, step, reason) is logged at once, further ones within a minute are
//! only counted, and the next line after the minute says how many there were.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long repeats of one failure are counted rather than logged.
const WINDOW: Duration = Duration::from_secs(60);

/// How many distinct failures are remembered; past this, stale ones are
/// forgotten, and if all are fresh, new ones share one overflow entry.
const MAX_TRACKED: usize = 4096;

/// What roost was doing when it failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Step {
    /// A signed GET of an actor, key, object or collection.
    Fetch,
    /// A WebFinger lookup of `user@host`.
    WebFinger,
    /// Checking the HTTP signature of an inbound request.
    Signature,
    /// A POST of an activity to a remote inbox.
    Delivery,
}

impl Step {
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Fetch => "fetch",
            Step::WebFinger => "webfinger",
            Step::Signature => "signature",
            Step::Delivery => "delivery",
        }
    }
}

struct Seen {
    logged_at: Instant,
    /// Repeats since the last line.
    repeats: u64,
}

/// The condensing log of federation failures; one per process.
#[derive(Default)]
pub struct FailureLog {
    seen: Mutex<HashMap<(String, Step, String), Seen>>,
}

impl FailureLog {
    /// Logs a failure of `step` with `host` (unless a line for the same host,
    /// step and reason went out within the last minute). `reason` should be
    /// short and stable (no URLs), `detail` says the rest (the URL, the full
    /// error).
    pub fn record(&self, host: &str, step: Step, reason: &str, detail: &str) {
        if let Some(repeats) = self.should_log(host, step, reason, Instant::now()) {
            tracing::warn!(
                host,
                step = step.as_str(),
                reason,
                detail,
                repeats,
                "federation {} with {host} failed: {reason}",
                step.as_str()
            );
        }
    }

    /// `Some(repeats counted since the last line)` when a line is due.
    fn should_log(&self, host: &str, step: Step, reason: &str, now: Instant) -> Option<u64> {
        let Ok(mut seen) = self.seen.lock() else {
            return Some(0);
        };
        let mut key = (host.to_string(), step, reason.to_string());
        if !seen.contains_key(&key) && seen.len() >= MAX_TRACKED {
            seen.retain(|_, s| now.duration_since(s.logged_at) < WINDOW);
            if seen.len() >= MAX_TRACKED {
                key = (
                    "(many hosts)".to_string(),
                    step,
                    "(many reasons)".to_string(),
                );
            }
        }
        match seen.get_mut(&key) {
            Some(s) if now.duration_since(s.logged_at) < WINDOW => {
                s.repeats += 1;
                None
            }
            Some(s) => {
                let repeats = s.repeats;
                *s = Seen {
                    logged_at: now,
                    repeats: 0,
                };
                Some(repeats)
            }
            None => {
                seen.insert(
                    key,
                    Seen {
                        logged_at: now,
                        repeats: 0,
                    },
                );
                Some(0)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_within_a_minute_are_counted_then_reported() {
        let log = FailureLog::default();
        let t0 = Instant::now();
        let r = "certificate expired";
        assert_eq!(log.should_log("a.example", Step::Fetch, r, t0), Some(0));
        for s in 1..=5 {
            let t = t0 + Duration::from_secs(s);
            assert_eq!(log.should_log("a.example", Step::Fetch, r, t), None);
        }
        // Another host, step or reason is a line of its own.
        assert_eq!(log.should_log("b.example", Step::Fetch, r, t0), Some(0));
        assert_eq!(log.should_log("a.example", Step::Delivery, r, t0), Some(0));
        assert_eq!(
            log.should_log("a.example", Step::Fetch, "HTTP 400", t0),
            Some(0)
        );
        let later = t0 + WINDOW + Duration::from_secs(1);
        assert_eq!(log.should_log("a.example", Step::Fetch, r, later), Some(5));
        assert_eq!(log.should_log("a.example", Step::Fetch, r, later), None);
    }

    #[test]
    fn many_hosts_share_one_entry_once_the_table_is_full() {
        let log = FailureLog::default();
        let t0 = Instant::now();
        for i in 0..MAX_TRACKED {
            let host = format!("h{i}.example");
            assert_eq!(log.should_log(&host, Step::Signature, "x", t0), Some(0));
        }
        // The overflow entry logs once, then counts.
        assert_eq!(
            log.should_log("new1.example", Step::Signature, "x", t0),
            Some(0)
        );
        assert_eq!(
            log.should_log("new2.example", Step::Signature, "y", t0),
            None
        );
        assert!(log.seen.lock().unwrap().len() <= MAX_TRACKED + 1);
        // After the window, stale entries make room again.
        let later = t0 + WINDOW + Duration::from_secs(1);
        assert_eq!(
            log.should_log("new3.example", Step::Signature, "x", later),
            Some(0)
        );
        assert!(log.seen.lock().unwrap().len() < 10);
    }
}
