//! 64-bit time-sortable identifiers, Mastodon style: milliseconds since the Unix
//! epoch in the high 48 bits, a sequence in the low 16.
//!
//! Sorting by id sorts by creation time, so `max_id`/`since_id` pagination is an
//! index range scan. Ids are strings in the API. The low bits start at a random
//! value each millisecond so that several nodes rarely collide; the primary key
//! catches the rare collision.

use std::sync::atomic::{AtomicI64, Ordering};

static LAST: AtomicI64 = AtomicI64::new(0);

/// A new id, strictly greater than every id this process made before.
pub fn new_id() -> i64 {
    let candidate = from_millis(chrono::Utc::now().timestamp_millis());
    let mut last = LAST.load(Ordering::Relaxed);
    loop {
        let next = candidate.max(last + 1);
        match LAST.compare_exchange_weak(last, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return next,
            Err(actual) => last = actual,
        }
    }
}

/// An id for something created at `millis` (a remote object's published date).
pub fn from_millis(millis: i64) -> i64 {
    (millis << 16) | i64::from(rand::random::<u16>() & 0x0fff)
}

/// When the id was made (to the millisecond).
pub fn timestamp_of(id: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(id >> 16).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_increase_and_carry_the_time() {
        let before = chrono::Utc::now().timestamp_millis();
        let mut prev = new_id();
        for _ in 0..10_000 {
            let id = new_id();
            assert!(id > prev);
            prev = id;
        }
        assert!(prev >> 16 >= before);
    }
}
