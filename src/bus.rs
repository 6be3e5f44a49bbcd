//! The event bus: what happened that someone may be watching live (a post
//! reached home feeds, a public post, an edit, a deletion, a notification, a
//! conversation moved) and what the caches must forget. Services publish
//! after their writes commit; this node's streaming hub hears every event.
//!
//! On PostgreSQL the bus spans every node sharing the database: events go
//! out through `NOTIFY` (ids only, several per notification, sent by one
//! task so a request never waits for it) and come in through one `LISTEN`ing
//! connection per node. Each node renders for its own sockets. On SQLite
//! there is one node and the bus stays in the process.

use std::sync::{Arc, Weak};

use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, mpsc};

use crate::cache::{Caches, Invalidation};
use crate::db::Store;

/// What changed about a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Change {
    New,
    Edit,
    Delete,
}

/// One thing that happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "k", content = "v")]
pub enum Event {
    /// A status entered (`New`), changed in (`Edit`) or left (`Delete`) the
    /// home feeds of these local accounts.
    Feed {
        status_id: i64,
        change: Change,
        accounts: Vec<i64>,
    },
    /// A public post (not a boost) for the public and hashtag streams, with
    /// what routes it there (a deleted one can no longer be read).
    Public {
        status_id: i64,
        change: Change,
        local: bool,
        media: bool,
        /// A reply to someone else (kept off the public streams, shown on
        /// hashtag streams, as Mastodon does).
        reply: bool,
        /// Its hashtags, lower-cased.
        tags: Vec<String>,
    },
    /// A notification was written for a local account.
    Notification {
        account_id: i64,
        notification_id: i64,
    },
    /// A local account's direct-message conversation has a new post.
    Conversation {
        account_id: i64,
        conversation_id: i64,
    },
    /// A local account's filters changed.
    FiltersChanged { account_id: i64 },
    /// An announcement came into force (`deleted: false`) or was deleted.
    Announcement { id: i64, deleted: bool },
    /// How many chose one reaction on an announcement.
    AnnouncementReaction { id: i64, name: String, count: i64 },
    /// What a write on some node changed, for the caches (and for the
    /// streaming hub, which closes sockets whose token died).
    Invalidate(Invalidation),
    /// A client (a token's or session's 64-bit digest) has just written:
    /// its reads stay off replicas that lack the write (`service::reads`).
    Wrote { caller: u64 },
    /// A node that runs no job workers (`web`, `streaming`) queued work
    /// in `queue` (every queue when None): the nodes that run workers wake
    /// them rather than wait for their next look.
    JobsQueued { queue: Option<String> },
}

/// Accounts per [`Event::Feed`] sent to other nodes: a `NOTIFY` payload
/// holds at most 8000 bytes.
const FEED_CHUNK: usize = 300;

/// Bytes of events sent in one `NOTIFY`.
const NOTIFY_BYTES: usize = 7000;

/// Events the local hub may fall behind by before it misses some.
const LOCAL_CAPACITY: usize = 4096;

struct Inner {
    local: broadcast::Sender<Arc<Event>>,
    /// To the task that sends to other nodes (PostgreSQL only), each event
    /// numbered in the order it was queued.
    /// (Behind a lock, so numbers enter the channel in order.)
    remote: Option<std::sync::Mutex<mpsc::UnboundedSender<(u64, Event)>>>,
    /// The number of the last event queued for other nodes.
    queued: std::sync::atomic::AtomicU64,
    /// The number of the last event handed to PostgreSQL (sent or given
    /// up on).
    sent: tokio::sync::watch::Sender<u64>,
    /// This process, so its own notifications are not handled twice.
    node: u64,
}

/// The longest a write's response waits for its events to leave
/// ([`Bus::flushed`]); past it the response goes, and other nodes'
/// caches still expire within seconds.
const FLUSH_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// The bus of one process; cheap to clone.
#[derive(Clone)]
pub struct Bus(Arc<Inner>);

impl std::fmt::Debug for Bus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Bus")
    }
}

impl Bus {
    /// Starts the bus on `store`: on PostgreSQL, the tasks that send to and
    /// hear from other nodes, and the caches' invalidations join it.
    pub fn start(store: &Store) -> Bus {
        let (local, _) = broadcast::channel(LOCAL_CAPACITY);
        let node = rand::random::<u64>();
        let postgres = store.backend() == "postgres";
        let (sent, _) = tokio::sync::watch::channel(0);
        let (remote, rx) = if postgres {
            let (tx, rx) = mpsc::unbounded_channel();
            (Some(std::sync::Mutex::new(tx)), Some(rx))
        } else {
            (None, None)
        };
        let bus = Bus(Arc::new(Inner {
            local,
            remote,
            queued: std::sync::atomic::AtomicU64::new(0),
            sent,
            node,
        }));
        if let Some(rx) = rx {
            tokio::spawn(send_to_nodes(
                store.clone(),
                rx,
                node,
                Arc::downgrade(&bus.0),
            ));
        }
        let weak = Arc::downgrade(&bus.0);
        store.cache.set_publisher(Box::new(move |what| {
            if let Some(inner) = weak.upgrade() {
                Bus(inner).invalidated(what);
            }
        }));
        if postgres {
            tokio::spawn(hear_from_nodes(
                store.clone(),
                Arc::downgrade(&bus.0),
                store.cache.clone(),
            ));
        }
        bus
    }

    /// Publishes `event` to this node's hub and to every other node.
    pub fn publish(&self, event: Event) {
        if let Some(remote) = &self.0.remote {
            match &event {
                Event::Feed {
                    status_id,
                    change,
                    accounts,
                } if accounts.len() > FEED_CHUNK => {
                    for chunk in accounts.chunks(FEED_CHUNK) {
                        self.to_nodes(
                            remote,
                            Event::Feed {
                                status_id: *status_id,
                                change: *change,
                                accounts: chunk.to_vec(),
                            },
                        );
                    }
                }
                _ => self.to_nodes(remote, event.clone()),
            }
        }
        // No receiver (no hub yet) is not an error.
        let _ = self.0.local.send(Arc::new(event));
    }

    /// A cache invalidation: to every other node, and to this node's hub
    /// only when it concerns sockets (tokens, users, blocks and mutes,
    /// lists). A post forgets a feed per follower: those stay off the local
    /// channel, which would otherwise overflow.
    fn invalidated(&self, what: &Invalidation) {
        let event = Event::Invalidate(what.clone());
        if let Some(remote) = &self.0.remote {
            self.to_nodes(remote, event.clone());
        }
        if concerns_sockets(what) {
            let _ = self.0.local.send(Arc::new(event));
        }
    }

    /// Queues `event` for other nodes, numbered.
    fn to_nodes(
        &self,
        remote: &std::sync::Mutex<mpsc::UnboundedSender<(u64, Event)>>,
        event: Event,
    ) {
        // Numbered and sent under one lock: the channel keeps the order.
        let tx = remote
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let n = self
            .0
            .queued
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
            + 1;
        let _ = tx.send((n, event));
    }

    /// Resolves once every event queued so far on this node has been handed
    /// to PostgreSQL for the other nodes (at once on SQLite, with one node).
    /// A write's response waits for this, so that by the time a client
    /// reads through another node, the write's invalidations are on their
    /// way there ahead of it (docs/architecture.md, "Caches").
    pub async fn flushed(&self) {
        if self.0.remote.is_none() {
            return;
        }
        let target = self.0.queued.load(std::sync::atomic::Ordering::SeqCst);
        let mut sent = self.0.sent.subscribe();
        let _ = tokio::time::timeout(FLUSH_WAIT, sent.wait_for(|n| *n >= target)).await;
    }

    /// Every event published from now on, on this node or another.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.0.local.subscribe()
    }
}

/// Whether the streaming hub acts on an invalidation.
fn concerns_sockets(what: &Invalidation) -> bool {
    matches!(
        what,
        Invalidation::AllTokens
            | Invalidation::User(_)
            | Invalidation::Hidden(_)
            | Invalidation::Exclusive(_)
            | Invalidation::AllExclusive
            | Invalidation::Filters(_)
            | Invalidation::All
    )
}

/// A batch of events as it crosses between nodes.
#[derive(Serialize, Deserialize)]
struct Batch<T> {
    /// The sending node.
    n: u64,
    e: Vec<T>,
}

/// Sends queued events to the other nodes, as many per `NOTIFY` as fit.
async fn send_to_nodes(
    store: Store,
    mut rx: mpsc::UnboundedReceiver<(u64, Event)>,
    node: u64,
    bus: Weak<Inner>,
) {
    let mut next: Option<(u64, String)> = None;
    loop {
        let (mut last, first) = match next.take() {
            Some(queued) => queued,
            None => match rx.recv().await {
                Some((n, e)) => match serde_json::to_string(&e) {
                    Ok(json) => (n, json),
                    Err(_) => continue,
                },
                None => return, // The bus is gone.
            },
        };
        let mut payload = format!("{{\"n\":{node},\"e\":[{first}");
        while let Ok((n, e)) = rx.try_recv() {
            let Ok(json) = serde_json::to_string(&e) else {
                continue;
            };
            if payload.len() + json.len() + 3 > NOTIFY_BYTES {
                next = Some((n, json));
                break;
            }
            payload.push(',');
            payload.push_str(&json);
            last = n;
        }
        payload.push_str("]}");
        if payload.len() > NOTIFY_BYTES + 900 {
            tracing::warn!(
                bytes = payload.len(),
                "an event too large for NOTIFY was dropped"
            );
        } else if let Err(e) = store.notify_nodes(&payload).await {
            // Other nodes miss these; their caches expire within seconds.
            tracing::warn!(error = %e, "cannot send events to other nodes");
        }
        match bus.upgrade() {
            Some(inner) => inner.sent.send_replace(last),
            None => return,
        };
    }
}

/// Hears other nodes' events: invalidations are applied to the caches at
/// once, everything goes to this node's hub. When the connection drops,
/// events may have been missed: every cache is emptied.
async fn hear_from_nodes(store: Store, bus: Weak<Inner>, caches: Arc<Caches>) {
    let mut delay = std::time::Duration::from_millis(100);
    loop {
        let mut listener = match store.listen_nodes().await {
            Ok(Some(l)) => l,
            Ok(None) => return,
            // The process is stopping: nothing to hear any more.
            Err(_) if store.is_closed() => return,
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for other nodes' events; retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(std::time::Duration::from_secs(10));
                continue;
            }
        };
        delay = std::time::Duration::from_millis(100);
        caches.apply(&Invalidation::All);
        loop {
            let notification = match listener.try_recv().await {
                Ok(Some(n)) => n,
                Ok(None) => {
                    tracing::warn!("lost the connection hearing other nodes; caches emptied");
                    caches.apply(&Invalidation::All);
                    continue;
                }
                Err(_) if store.is_closed() => return,
                Err(e) => {
                    tracing::warn!(error = %e, "hearing other nodes failed; reconnecting");
                    break;
                }
            };
            let Some(inner) = bus.upgrade() else {
                return;
            };
            let Ok(batch) = serde_json::from_str::<Batch<Event>>(notification.payload()) else {
                tracing::warn!("an unreadable event batch from another node was ignored");
                continue;
            };
            if batch.n == inner.node {
                continue;
            }
            for event in batch.e {
                if let Event::Invalidate(what) = &event {
                    caches.apply(what);
                    if !concerns_sockets(what) {
                        continue;
                    }
                }
                let _ = inner.local.send(Arc::new(event));
            }
        }
        caches.apply(&Invalidation::All);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_cross_nodes_as_compact_json() {
        let e = Event::Feed {
            status_id: 7,
            change: Change::New,
            accounts: vec![1, 2],
        };
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(
            json,
            r#"{"k":"Feed","v":{"status_id":7,"change":"New","accounts":[1,2]}}"#
        );
        let back: Event = serde_json::from_str(&json).unwrap();
        assert_eq!(back, e);
        let inv = Event::Invalidate(Invalidation::Token("abc".into()));
        let back: Event = serde_json::from_str(&serde_json::to_string(&inv).unwrap()).unwrap();
        assert_eq!(back, inv);
    }

    #[test]
    fn a_full_feed_chunk_fits_one_notify() {
        let e = Event::Feed {
            status_id: i64::MAX,
            change: Change::Delete,
            accounts: vec![i64::MAX; FEED_CHUNK],
        };
        assert!(serde_json::to_string(&e).unwrap().len() + 40 < 8000);
    }
}
