//! The in-process caches, all owned here: short-lived copies of the rows
//! every request reads (tokens, accounts, users, apps, statuses and what a
//! status mentions and tags, whom a viewer's timelines leave out, the newest
//! page of each home feed, domain blocks, media, outgoing activities) and the
//! Mastodon JSON rendered from accounts and statuses.
//!
//! A timeline page would otherwise cost a query per kind of row; with these
//! it costs the feed query and the viewer's flags.
//!
//! The rules:
//! - **Writes forget what they touch**, by key: every store method that
//!   writes a cached row sends an [`Invalidation`] naming it. Only rare,
//!   sweeping writes (a domain block applied, an account erased) empty whole
//!   maps.
//! - **No stale write-back.** A reader takes a [`Ticket`] before it reads the
//!   database and hands it to `put`; if the key was forgotten after the
//!   ticket was taken (a write raced the read), the old row is not cached.
//! - **Other nodes**: a node sees its own writes at once. Invalidations are
//!   also handed to the publisher set with [`Caches::set_publisher`] (the
//!   cross-node bus), and invalidations from other nodes arrive through
//!   [`Caches::apply`]. Without a bus, another node's writes are seen when
//!   the entry expires, after [`TTL`].
//! - Misses are never cached: a row created by another process is found on
//!   the next read. Every map is bounded ([`CAPACITY`]).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::model::{Account, App, Status, Token, User};

/// How long a copy is trusted without a write forgetting it.
pub const TTL: Duration = Duration::from_secs(5);

/// Entries per map before expired ones are swept (and, if all are fresh, the
/// map is emptied): a bound on memory, not a tuning knob.
const CAPACITY: usize = 20_000;

/// Taken before a database read whose result will be cached: the map's
/// write count at that moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket(u64);

enum Entry<V> {
    Value(Instant, V),
    /// Forgotten at this write count; a put with an older ticket is stale.
    Forgotten(Instant, u64),
}

struct Inner<K, V> {
    entries: HashMap<K, Entry<V>>,
    /// The write count when the map was last emptied.
    cleared_at: u64,
}

/// A map whose entries expire after [`TTL`], safe against stale write-back.
pub struct TtlMap<K, V> {
    inner: Mutex<Inner<K, V>>,
    /// Forgets and clears so far.
    writes: AtomicU64,
    /// Reads answered from the map, and reads that found nothing fresh
    /// (for `/metrics`).
    hits: AtomicU64,
    misses: AtomicU64,
}

impl<K: Eq + Hash + Clone, V: Clone> Default for TtlMap<K, V> {
    fn default() -> Self {
        Self {
            inner: Mutex::new(Inner {
                entries: HashMap::new(),
                cleared_at: 0,
            }),
            writes: AtomicU64::new(0),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }
}

impl<K: Eq + Hash + Clone, V: Clone> TtlMap<K, V> {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner<K, V>> {
        // A panic while holding the lock cannot leave a half-written entry.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Take this before reading what you will `put`.
    pub fn ticket(&self) -> Ticket {
        Ticket(self.writes.load(Ordering::SeqCst))
    }

    pub fn get(&self, key: &K) -> Option<V> {
        let found = match self.lock().entries.get(key) {
            Some(Entry::Value(at, v)) if at.elapsed() < TTL => Some(v.clone()),
            _ => None,
        };
        self.count(u64::from(found.is_some()), u64::from(found.is_none()));
        found
    }

    fn count(&self, hits: u64, misses: u64) {
        self.hits.fetch_add(hits, Ordering::Relaxed);
        self.misses.fetch_add(misses, Ordering::Relaxed);
    }

    /// Hits and misses so far, and the entries held now (fresh or not).
    pub fn stats(&self) -> (u64, u64, usize) {
        (
            self.hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
            self.lock().entries.len(),
        )
    }

    /// The fresh values of `keys`, and the keys that have none.
    pub fn get_many(&self, keys: &[K]) -> (Vec<(K, V)>, Vec<K>) {
        let map = self.lock();
        let mut found = Vec::with_capacity(keys.len());
        let mut missing = Vec::new();
        for k in keys {
            match map.entries.get(k) {
                Some(Entry::Value(at, v)) if at.elapsed() < TTL => {
                    found.push((k.clone(), v.clone()));
                }
                _ => missing.push(k.clone()),
            }
        }
        drop(map);
        self.count(found.len() as u64, missing.len() as u64);
        (found, missing)
    }

    /// Caches `value`, read after `ticket` was taken, unless `key` was
    /// forgotten (or the map emptied) since: the value may be older than
    /// that write.
    pub fn put(&self, ticket: Ticket, key: K, value: V) {
        let mut map = self.lock();
        if ticket.0 < map.cleared_at {
            return;
        }
        if let Some(Entry::Forgotten(_, at)) = map.entries.get(&key)
            && ticket.0 < *at
        {
            return;
        }
        if map.entries.len() >= CAPACITY {
            map.entries.retain(|_, e| match e {
                Entry::Value(at, _) | Entry::Forgotten(at, _) => at.elapsed() < TTL,
            });
            if map.entries.len() >= CAPACITY {
                // Emptied: every ticket taken before now is stale.
                map.entries.clear();
                map.cleared_at = self.writes.fetch_add(1, Ordering::SeqCst) + 1;
                return;
            }
        }
        map.entries.insert(key, Entry::Value(Instant::now(), value));
    }

    /// Caches, for each of `keys`, its values among `rows` (none is cached
    /// as an empty list).
    pub fn put_grouped<T: Clone>(&self, ticket: Ticket, keys: &[K], rows: &[(K, T)])
    where
        V: From<Vec<T>>,
    {
        for k in keys {
            let values: Vec<T> = rows
                .iter()
                .filter(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
                .collect();
            self.put(ticket, k.clone(), values.into());
        }
    }

    /// Drops `key`'s entry; reads that began before cannot put it back.
    pub fn forget(&self, key: &K) {
        let mut map = self.lock();
        let at = self.writes.fetch_add(1, Ordering::SeqCst) + 1;
        map.entries
            .insert(key.clone(), Entry::Forgotten(Instant::now(), at));
    }

    /// Drops every entry; reads that began before cannot put theirs back.
    pub fn clear(&self) {
        let mut map = self.lock();
        map.entries.clear();
        map.cleared_at = self.writes.fetch_add(1, Ordering::SeqCst) + 1;
    }
}

/// What a write changed, as far as the caches care. Sent to the local
/// caches and, through the publisher, to other nodes'.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Invalidation {
    /// An account row (and its rendered JSON).
    Account(i64),
    /// A user row (keyed by account id).
    User(i64),
    /// A status row with its mentions, tags and rendered JSON.
    Status(i64),
    /// The newest page of an account's home feed.
    Feed(i64),
    /// Whom an account's timelines hide (its blocks and mutes, either way).
    Hidden(i64),
    /// The members of an account's exclusive lists.
    Exclusive(i64),
    /// The members of everyone's exclusive lists.
    AllExclusive,
    /// A user's filters.
    Filters(i64),
    /// The list of IP blocks.
    IpBlocks,
    /// The list of allowed domains.
    DomainAllows,
    /// A token, by its digest.
    Token(String),
    /// Every token (a revocation by app or account).
    AllTokens,
    /// An app row.
    App(i64),
    /// A media attachment.
    Media(i64),
    /// The list of domain blocks.
    DomainBlocks,
    /// Every account and status (a domain-wide action, an account erased).
    AllAccountsAndStatuses,
    /// Everything.
    All,
}

/// The caches of one process.
#[derive(Default)]
pub struct Caches {
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
    /// A user's filters with their keywords and posts.
    pub filters: TtlMap<i64, Arc<Vec<crate::model::FullFilter>>>,
    /// Every IP block (one entry, key `()`), read on each request.
    pub ip_blocks: TtlMap<(), Arc<Vec<crate::model::IpBlock>>>,
    /// Every allowed domain (one entry, key `()`).
    pub domain_allows: TtlMap<(), Arc<Vec<crate::model::DomainAllow>>>,
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
    pub domain_blocks: TtlMap<(), Arc<Vec<crate::model::DomainBlock>>>,
    /// Hosts whose health was recorded lately: the next success within the
    /// entry's life needs no write.
    pub healthy_hosts: TtlMap<String, ()>,
    /// Outgoing activities' `(signer, body)`, read by each of their deliveries.
    pub outbox: TtlMap<i64, Arc<(i64, String)>>,
    /// Media attachments by id, read when statuses are rendered.
    pub media: TtlMap<i64, crate::model::MediaAttachment>,
    /// Where invalidations go besides this process (the cross-node bus).
    publisher: OnceLock<Publisher>,
}

/// Receives every local invalidation, to pass on to other nodes.
pub type Publisher = Box<dyn Fn(&Invalidation) + Send + Sync>;

impl Caches {
    /// Each map's name with its hits, misses and entries (for `/metrics`).
    pub fn stats(&self) -> Vec<(&'static str, (u64, u64, usize))> {
        vec![
            ("tokens", self.tokens.stats()),
            ("accounts", self.accounts.stats()),
            ("users", self.users.stats()),
            ("apps", self.apps.stats()),
            ("statuses", self.statuses.stats()),
            ("mentions", self.mentions.stats()),
            ("tags", self.tags.stats()),
            ("hidden", self.hidden.stats()),
            ("exclusive", self.exclusive.stats()),
            ("filters", self.filters.stats()),
            ("ip_blocks", self.ip_blocks.stats()),
            ("domain_allows", self.domain_allows.stats()),
            ("feeds", self.feeds.stats()),
            ("account_json", self.account_json.stats()),
            ("status_json", self.status_json.stats()),
            ("domain_blocks", self.domain_blocks.stats()),
            ("healthy_hosts", self.healthy_hosts.stats()),
            ("outbox", self.outbox.stats()),
            ("media", self.media.stats()),
        ]
    }

    /// Forgets what a local write changed, here and (through the publisher)
    /// on other nodes.
    pub fn invalidate(&self, what: Invalidation) {
        self.apply(&what);
        if let Some(publish) = self.publisher.get() {
            publish(&what);
        }
    }

    /// Forgets what a write changed: the hook for invalidations that arrive
    /// from other nodes (they are not published again).
    pub fn apply(&self, what: &Invalidation) {
        match what {
            Invalidation::Account(id) => {
                self.accounts.forget(id);
                self.account_json.forget(id);
            }
            Invalidation::User(id) => self.users.forget(id),
            Invalidation::Status(id) => {
                self.statuses.forget(id);
                self.status_json.forget(id);
                self.mentions.forget(id);
                self.tags.forget(id);
            }
            Invalidation::Feed(id) => self.feeds.forget(id),
            Invalidation::Hidden(id) => self.hidden.forget(id),
            Invalidation::Exclusive(id) => self.exclusive.forget(id),
            Invalidation::AllExclusive => self.exclusive.clear(),
            Invalidation::Filters(id) => self.filters.forget(id),
            Invalidation::IpBlocks => self.ip_blocks.clear(),
            Invalidation::DomainAllows => self.domain_allows.clear(),
            Invalidation::Token(digest) => self.tokens.forget(digest),
            Invalidation::AllTokens => self.tokens.clear(),
            Invalidation::App(id) => self.apps.forget(id),
            Invalidation::Media(id) => self.media.forget(id),
            Invalidation::DomainBlocks => self.domain_blocks.clear(),
            Invalidation::AllAccountsAndStatuses => {
                self.accounts.clear();
                self.account_json.clear();
                self.statuses.clear();
                self.status_json.clear();
                self.feeds.clear();
            }
            Invalidation::All => {
                self.tokens.clear();
                self.accounts.clear();
                self.users.clear();
                self.apps.clear();
                self.statuses.clear();
                self.mentions.clear();
                self.tags.clear();
                self.hidden.clear();
                self.exclusive.clear();
                self.filters.clear();
                self.ip_blocks.clear();
                self.domain_allows.clear();
                self.feeds.clear();
                self.account_json.clear();
                self.status_json.clear();
                self.domain_blocks.clear();
                self.healthy_hosts.clear();
                self.outbox.clear();
                self.media.clear();
            }
        }
    }

    /// Sets where invalidations go besides this process; once per process.
    pub fn set_publisher(&self, publish: Publisher) {
        let _ = self.publisher.set(publish);
    }
}

impl std::fmt::Debug for Caches {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Caches")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_found_until_forgotten() {
        let map: TtlMap<i64, String> = TtlMap::default();
        assert_eq!(map.get(&1), None);
        map.put(map.ticket(), 1, "one".into());
        assert_eq!(map.get(&1).as_deref(), Some("one"));
        map.forget(&1);
        assert_eq!(map.get(&1), None);
    }

    #[test]
    fn a_full_map_stays_bounded() {
        let map: TtlMap<usize, usize> = TtlMap::default();
        for i in 0..CAPACITY * 2 + 1 {
            map.put(map.ticket(), i, i);
        }
        assert!(map.lock().entries.len() <= CAPACITY);
        assert_eq!(map.get(&(CAPACITY * 2)), Some(CAPACITY * 2));
    }

    #[test]
    fn a_read_that_raced_a_write_is_not_cached() {
        let map: TtlMap<i64, &str> = TtlMap::default();
        map.put(map.ticket(), 1, "v1");
        // A reader starts, a writer updates the row and forgets it, then the
        // reader (holding the old row) tries to cache it.
        let reader = map.ticket();
        map.forget(&1);
        map.put(reader, 1, "v1");
        assert_eq!(map.get(&1), None, "the old row stayed out");
        // A read that began after the write is cached.
        map.put(map.ticket(), 1, "v2");
        assert_eq!(map.get(&1), Some("v2"));
        // Emptying the map refuses every read begun before it.
        let before = map.ticket();
        map.clear();
        map.put(before, 2, "old");
        assert_eq!(map.get(&2), None);
        // Other keys are unaffected by a forget.
        let t = map.ticket();
        map.forget(&3);
        map.put(t, 4, "four");
        assert_eq!(map.get(&4), Some("four"));
    }

    #[test]
    fn invalidations_reach_the_publisher_and_apply_locally() {
        let caches = Caches::default();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        caches.set_publisher(Box::new(move |i| sink.lock().unwrap().push(i.clone())));
        caches.feeds.put(caches.feeds.ticket(), 7, vec![1, 2]);
        caches.invalidate(Invalidation::Feed(7));
        assert!(caches.feeds.get(&7).is_none());
        // Applied from another node: forgotten here, not published again.
        caches.feeds.put(caches.feeds.ticket(), 8, vec![3]);
        caches.apply(&Invalidation::Feed(8));
        assert!(caches.feeds.get(&8).is_none());
        assert_eq!(*seen.lock().unwrap(), [Invalidation::Feed(7)]);
    }
}
