//! Short-lived in-process copies of the rows every request reads: tokens,
//! accounts, users, apps, statuses and what a status mentions and tags, and
//! whom a viewer's timelines leave out.
//!
//! A timeline page would otherwise cost a query per kind of row; with these it
//! costs the feed query and the viewer's flags. Every store method that writes
//! one of these rows forgets it here, so a node always sees its own writes at
//! once. Another node's writes (PostgreSQL with several nodes) are seen when
//! the entry expires, after [`TTL`]. Misses are never cached: a row created by
//! another process is found on the next read.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::model::{Account, App, Status, Token, User};

/// How long a copy is trusted without a local write forgetting it.
pub const TTL: Duration = Duration::from_secs(5);

/// Entries per map before expired ones are swept (and, if all are fresh, the
/// map is emptied): a bound on memory, not a tuning knob.
const CAPACITY: usize = 20_000;

/// A map whose entries expire after [`TTL`].
pub struct TtlMap<K, V> {
    entries: Mutex<HashMap<K, (Instant, V)>>,
}

impl<K: Eq + Hash + Clone, V: Clone> Default for TtlMap<K, V> {
    fn default() -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Eq + Hash + Clone, V: Clone> TtlMap<K, V> {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, (Instant, V)>> {
        // A panic while holding the lock cannot leave a half-written entry.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn get(&self, key: &K) -> Option<V> {
        let map = self.lock();
        map.get(key)
            .filter(|(at, _)| at.elapsed() < TTL)
            .map(|(_, v)| v.clone())
    }

    /// The fresh values of `keys`, and the keys that have none.
    pub fn get_many(&self, keys: &[K]) -> (Vec<(K, V)>, Vec<K>) {
        let map = self.lock();
        let mut found = Vec::with_capacity(keys.len());
        let mut missing = Vec::new();
        for k in keys {
            match map.get(k).filter(|(at, _)| at.elapsed() < TTL) {
                Some((_, v)) => found.push((k.clone(), v.clone())),
                None => missing.push(k.clone()),
            }
        }
        (found, missing)
    }

    pub fn put(&self, key: K, value: V) {
        let mut map = self.lock();
        if map.len() >= CAPACITY {
            map.retain(|_, (at, _)| at.elapsed() < TTL);
            if map.len() >= CAPACITY {
                map.clear();
            }
        }
        map.insert(key, (Instant::now(), value));
    }

    /// Caches, for each of `keys`, its values among `rows` (none is cached
    /// as an empty list).
    pub fn put_grouped<T: Clone>(&self, keys: &[K], rows: &[(K, T)])
    where
        V: From<Vec<T>>,
    {
        for k in keys {
            let values: Vec<T> = rows
                .iter()
                .filter(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
                .collect();
            self.put(k.clone(), values.into());
        }
    }

    pub fn forget(&self, key: &K) {
        self.lock().remove(key);
    }

    pub fn clear(&self) {
        self.lock().clear();
    }
}

/// The caches of one store (one process).
#[derive(Default)]
pub struct Cache {
    /// By token digest.
    pub tokens: TtlMap<String, Token>,
    pub accounts: TtlMap<i64, Account>,
    /// By account id.
    pub users: TtlMap<i64, User>,
    pub apps: TtlMap<i64, App>,
    pub statuses: TtlMap<i64, Status>,
    /// Mentioned account ids of a status.
    pub mentions: TtlMap<i64, Vec<i64>>,
    /// Hashtag names of a status.
    pub tags: TtlMap<i64, Vec<String>>,
    /// Accounts hidden from a viewer's timelines (blocked either way, muted).
    pub hidden: TtlMap<i64, Vec<i64>>,
    /// Members of a viewer's exclusive lists.
    pub exclusive: TtlMap<i64, Vec<i64>>,
    /// The newest status ids of a reader's home feed (forgotten by every
    /// write to that feed).
    pub feeds: TtlMap<i64, Vec<i64>>,
    /// An account's Mastodon entity as JSON, filled by the HTTP layer and
    /// forgotten with the account.
    pub account_json: TtlMap<i64, Arc<str>>,
    /// The viewer-independent part of a status's Mastodon entity as JSON
    /// (an unclosed object), filled by the HTTP layer, forgotten with the status.
    pub status_json: TtlMap<i64, Arc<str>>,
    /// Every domain block (one entry, key `()`), read on each inbound
    /// activity; forgotten by every block write.
    pub domain_blocks: TtlMap<(), Arc<Vec<crate::db::federation::DomainBlock>>>,
    /// Hosts whose health was recorded lately: the next success within the
    /// entry's life needs no write.
    pub healthy_hosts: TtlMap<String, ()>,
    /// Outgoing activities' `(signer, body)`, read by each of their deliveries.
    pub outbox: TtlMap<i64, Arc<(i64, String)>>,
    /// Media attachments by id, read when statuses are rendered.
    pub media: TtlMap<i64, crate::model::MediaAttachment>,
}

impl Cache {
    /// Forgets everything (after a write that touches many kinds of rows).
    pub fn clear_all(&self) {
        self.tokens.clear();
        self.accounts.clear();
        self.users.clear();
        self.apps.clear();
        self.statuses.clear();
        self.mentions.clear();
        self.tags.clear();
        self.hidden.clear();
        self.exclusive.clear();
        self.feeds.clear();
        self.account_json.clear();
        self.status_json.clear();
        self.domain_blocks.clear();
        self.healthy_hosts.clear();
        self.outbox.clear();
        self.media.clear();
    }

    /// Forgets an account row and what is rendered from it.
    pub fn forget_account(&self, id: i64) {
        self.accounts.forget(&id);
        self.account_json.forget(&id);
    }

    pub fn clear_accounts(&self) {
        self.accounts.clear();
        self.account_json.clear();
    }

    /// Forgets a status and what hangs off it.
    pub fn forget_status(&self, id: i64) {
        self.statuses.forget(&id);
        self.status_json.forget(&id);
        self.mentions.forget(&id);
        self.tags.forget(&id);
    }

    pub fn clear_statuses(&self) {
        self.statuses.clear();
        self.status_json.clear();
    }
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Cache")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_found_until_forgotten() {
        let map: TtlMap<i64, String> = TtlMap::default();
        assert_eq!(map.get(&1), None);
        map.put(1, "one".into());
        assert_eq!(map.get(&1).as_deref(), Some("one"));
        map.forget(&1);
        assert_eq!(map.get(&1), None);
    }

    #[test]
    fn a_full_map_stays_bounded() {
        let map: TtlMap<usize, usize> = TtlMap::default();
        for i in 0..CAPACITY * 2 + 1 {
            map.put(i, i);
        }
        assert!(map.lock().len() <= CAPACITY);
        assert_eq!(map.get(&(CAPACITY * 2)), Some(CAPACITY * 2));
    }
}
