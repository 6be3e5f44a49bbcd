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
    /// To the task that sends to other nodes (PostgreSQL only).
    remote: Option<mpsc::UnboundedSender<Event>>,
    /// This process, so its own notifications are not handled twice.
    node: u64,
}

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
        let remote = postgres.then(|| {
            let (tx, rx) = mpsc::unbounded_channel();
            tokio::spawn(send_to_nodes(store.clone(), rx, node));
            tx
        });
        let bus = Bus(Arc::new(Inner {
            local,
            remote,
            node,
        }));
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
                        let _ = remote.send(Event::Feed {
                            status_id: *status_id,
                            change: *change,
                            accounts: chunk.to_vec(),
                        });
                    }
                }
                _ => {
                    let _ = remote.send(event.clone());
                }
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
            let _ = remote.send(event.clone());
        }
        if concerns_sockets(what) {
            let _ = self.0.local.send(Arc::new(event));
        }
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
async fn send_to_nodes(store: Store, mut rx: mpsc::UnboundedReceiver<Event>, node: u64) {
    let mut next: Option<String> = None;
    loop {
        let first = match next.take() {
            Some(json) => json,
            None => match rx.recv().await {
                Some(e) => match serde_json::to_string(&e) {
                    Ok(json) => json,
                    Err(_) => continue,
                },
                None => return, // The bus is gone.
            },
        };
        let mut payload = format!("{{\"n\":{node},\"e\":[{first}");
        while let Ok(e) = rx.try_recv() {
            let Ok(json) = serde_json::to_string(&e) else {
                continue;
            };
            if payload.len() + json.len() + 3 > NOTIFY_BYTES {
                next = Some(json);
                break;
            }
            payload.push(',');
            payload.push_str(&json);
        }
        payload.push_str("]}");
        if payload.len() > NOTIFY_BYTES + 900 {
            tracing::warn!(
                bytes = payload.len(),
                "an event too large for NOTIFY was dropped"
            );
            continue;
        }
        if let Err(e) = store.notify_nodes(&payload).await {
            // Other nodes miss these; their caches expire within seconds.
            tracing::warn!(error = %e, "cannot send events to other nodes");
        }
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
