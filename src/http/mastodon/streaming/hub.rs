//! The sockets this node holds (WebSocket and server-sent events alike) and
//! what each is subscribed to. The dispatcher reads it for every event; a
//! socket that cannot keep up is dropped, never waited for.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use crate::error::{Error, Kind, Result};
use crate::model::Account;

/// Frames queued for one socket before it counts as too slow and is closed.
pub const QUEUE: usize = 256;

/// A stream a socket can subscribe to.
/// <https://docs.joinmastodon.org/methods/streaming/#streams>
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stream {
    /// `user`: the home feed, notifications (with the scope to read them)
    /// and conversations.
    User,
    /// `user:notification`
    UserNotification,
    /// `public`, `public:local`, `public:remote` and their `:media` forms.
    Public { origin: Origin, media: bool },
    /// `hashtag` and `hashtag:local`, with the tag lower-cased.
    Hashtag { tag: String, local: bool },
    /// `list`, once the list is known to be the viewer's.
    List(i64),
    /// `direct`: conversations.
    Direct,
}

/// Which servers' posts a public stream carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    All,
    Local,
    Remote,
}

/// Why a stream cannot be subscribed to, in Mastodon's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    pub status: u16,
    pub message: &'static str,
}

pub const UNKNOWN_STREAM: Refusal = Refusal {
    status: 400,
    message: "Unknown stream type",
};
pub const NO_TAG: Refusal = Refusal {
    status: 400,
    message: "Missing tag name parameter",
};
pub const NO_LIST: Refusal = Refusal {
    status: 400,
    message: "Missing list name parameter",
};
pub const NOT_YOUR_LIST: Refusal = Refusal {
    status: 401,
    message: "Not authorized to stream this list",
};
pub const SCOPES: Refusal = Refusal {
    status: 401,
    message: "Access token does not have the required scopes",
};

/// A subscription: the stream and the name events on it carry
/// (`["hashtag", "Rust"]`: the tag as the client spelled it).
#[derive(Debug, Clone)]
pub struct Subscription {
    pub stream: Stream,
    pub name: Arc<[String]>,
}

impl Subscription {
    /// Reads a stream name with its `tag` and `list` parameters. A list's
    /// ownership is checked by the caller.
    pub fn parse(
        name: &str,
        tag: Option<&str>,
        list: Option<&str>,
    ) -> std::result::Result<Self, Refusal> {
        let tag = tag.map(str::trim).filter(|t| !t.is_empty());
        let public = |origin, media| Stream::Public { origin, media };
        let stream = match name {
            "user" => Stream::User,
            "user:notification" => Stream::UserNotification,
            "public" => public(Origin::All, false),
            "public:media" => public(Origin::All, true),
            "public:local" => public(Origin::Local, false),
            "public:local:media" => public(Origin::Local, true),
            "public:remote" => public(Origin::Remote, false),
            "public:remote:media" => public(Origin::Remote, true),
            "hashtag" | "hashtag:local" => {
                let tag = tag.ok_or(NO_TAG)?;
                let given = tag.trim_start_matches('#');
                return Ok(Self {
                    stream: Stream::Hashtag {
                        tag: given.to_lowercase(),
                        local: name == "hashtag:local",
                    },
                    name: Arc::from([name.to_string(), tag.to_string()]),
                });
            }
            "list" => {
                let given = list
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .ok_or(NO_LIST)?;
                let id = given.parse().map_err(|_| NOT_YOUR_LIST)?;
                return Ok(Self {
                    stream: Stream::List(id),
                    name: Arc::from(["list".to_string(), given.to_string()]),
                });
            }
            "direct" => Stream::Direct,
            _ => return Err(UNKNOWN_STREAM),
        };
        Ok(Self {
            stream,
            name: Arc::from([name.to_string()]),
        })
    }
}

/// One event for the sockets of one stream name, shared by all of them:
/// its WebSocket message is encoded once, by the first socket to send it.
#[derive(Debug, Clone)]
pub struct Frame(Arc<FrameData>);

#[derive(Debug)]
struct FrameData {
    /// The subscription's name.
    stream: Arc<[String]>,
    event: &'static str,
    /// The JSON document (or, for `delete`, the bare id), if any.
    payload: Option<Arc<str>>,
    json: OnceLock<String>,
}

impl Frame {
    pub fn new(stream: Arc<[String]>, event: &'static str, payload: Option<Arc<str>>) -> Frame {
        Frame(Arc::new(FrameData {
            stream,
            event,
            payload,
            json: OnceLock::new(),
        }))
    }

    pub fn stream(&self) -> &Arc<[String]> {
        &self.0.stream
    }

    pub fn event(&self) -> &'static str {
        self.0.event
    }

    pub fn payload(&self) -> Option<&Arc<str>> {
        self.0.payload.as_ref()
    }

    /// The WebSocket message: `{"stream":[…],"event":…,"payload":"…"}`,
    /// the payload as a JSON string.
    pub fn to_json(&self) -> &str {
        self.0.json.get_or_init(|| {
            #[derive(serde::Serialize)]
            struct Message<'a> {
                stream: &'a [String],
                event: &'a str,
                #[serde(skip_serializing_if = "Option::is_none")]
                payload: Option<&'a str>,
            }
            serde_json::to_string(&Message {
                stream: &self.0.stream,
                event: self.0.event,
                payload: self.0.payload.as_deref(),
            })
            .unwrap_or_default()
        })
    }
}

/// Whom a viewer's streams leave out: accounts they block, are blocked by
/// or mute, and members of their exclusive lists (read in those lists).
#[derive(Debug, Default)]
pub struct Filters {
    pub hidden: HashSet<i64>,
    pub exclusive: HashSet<i64>,
    /// The viewer's `hide` filters for home (user and list streams) and
    /// public (public and hashtag streams) posts.
    pub hide_home: Vec<crate::model::FullFilter>,
    pub hide_public: Vec<crate::model::FullFilter>,
}

/// How long a socket trusts its [`Filters`] without a change announced on
/// the bus (a mute can expire on its own).
const FILTERS_TTL: Duration = Duration::from_secs(60);

/// One connected socket.
pub struct Client {
    pub id: u64,
    pub account: Account,
    /// The bearer token it signed in with, checked again when tokens or
    /// the user change.
    pub token: String,
    /// Whether the token may read notifications (`read`,
    /// `read:notifications`): the `user` stream carries them only then.
    pub notifications: bool,
    subscriptions: Mutex<Vec<Subscription>>,
    /// The viewer's [`Filters`], loaded on first use.
    filters: Mutex<Option<(Instant, Arc<Filters>)>>,
    /// Taken away when the socket is closed, which ends its queue.
    tx: Mutex<Option<mpsc::Sender<Frame>>>,
}

impl Client {
    /// What it is subscribed to now.
    pub fn subscriptions(&self) -> Vec<Subscription> {
        self.lock().clone()
    }

    /// The viewer's filters, if loaded lately and not changed since.
    pub fn filters(&self) -> Option<Arc<Filters>> {
        let f = self
            .filters
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f.as_ref()
            .filter(|(at, _)| at.elapsed() < FILTERS_TTL)
            .map(|(_, f)| f.clone())
    }

    pub fn set_filters(&self, f: Arc<Filters>) {
        *self
            .filters
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some((Instant::now(), f));
    }

    /// Forgets the filters: the viewer's blocks, mutes or lists changed.
    pub fn forget_filters(&self) {
        self.filters
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
    }

    /// Adds a subscription (a second one to the same stream is ignored).
    pub fn subscribe(&self, s: Subscription) {
        let mut subs = self.lock();
        if !subs.iter().any(|x| x.stream == s.stream) {
            subs.push(s);
        }
    }

    /// Removes a subscription; false when there was none.
    pub fn unsubscribe(&self, stream: &Stream) -> bool {
        let mut subs = self.lock();
        let before = subs.len();
        subs.retain(|x| &x.stream != stream);
        subs.len() != before
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Subscription>> {
        // A panic while holding the lock leaves a valid list behind.
        self.subscriptions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Queues a frame; false when the socket is too far behind (the caller
    /// closes it).
    pub fn send(&self, frame: Frame) -> bool {
        let tx = self
            .tx
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match tx.as_ref().map(|tx| tx.try_send(frame)) {
            Some(Ok(())) => true,
            Some(Err(mpsc::error::TrySendError::Full(_))) => false,
            // Already closed: nothing more to do.
            Some(Err(mpsc::error::TrySendError::Closed(_))) | None => true,
        }
    }

    /// Ends the socket's queue: it closes once the frames in it are sent.
    fn close(&self) {
        self.tx
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
    }
}

/// The sockets of this node.
#[derive(Default)]
pub struct Hub {
    clients: RwLock<HashMap<u64, Arc<Client>>>,
    next: AtomicU64,
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Hub")
    }
}

/// Registration of a socket; dropping it removes the socket from the hub.
pub struct Registration {
    pub client: Arc<Client>,
    pub frames: mpsc::Receiver<Frame>,
    app: Arc<crate::app::AppState>,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.app.streaming.close(self.client.id);
    }
}

impl Hub {
    /// Registers a socket of `account`, refused when the account already
    /// holds `per_account` sockets or the node `total`.
    pub fn register(
        app: &Arc<crate::app::AppState>,
        account: Account,
        token: String,
        notifications: bool,
    ) -> Result<Registration> {
        let hub = &app.streaming;
        let limits = &app.config.limits;
        let (tx, frames) = mpsc::channel(QUEUE);
        let client = {
            let mut clients = hub.write();
            let total = u32::try_from(clients.len()).unwrap_or(u32::MAX);
            if total >= limits.streaming_connections {
                return Err(Error::new(
                    Kind::Unavailable,
                    "Too many streaming connections",
                ));
            }
            let mine = clients
                .values()
                .filter(|c| c.account.id == account.id)
                .count();
            if u32::try_from(mine).unwrap_or(u32::MAX) >= limits.streaming_per_account {
                return Err(Error::new(
                    Kind::TooManyRequests,
                    "Too many streaming connections for this account",
                ));
            }
            let client = Arc::new(Client {
                id: hub.next.fetch_add(1, Ordering::Relaxed),
                account,
                token,
                notifications,
                subscriptions: Mutex::new(Vec::new()),
                filters: Mutex::new(None),
                tx: Mutex::new(Some(tx)),
            });
            clients.insert(client.id, client.clone());
            client
        };
        Ok(Registration {
            client,
            frames,
            app: app.clone(),
        })
    }

    /// Closes a socket: its queue ends once the frames in it are sent.
    pub fn close(&self, id: u64) {
        let removed = self.write().remove(&id);
        if let Some(client) = removed {
            client.close();
        }
    }

    /// Closes every socket (the server is shutting down).
    pub fn close_all(&self) {
        let all: Vec<Arc<Client>> = self.write().drain().map(|(_, c)| c).collect();
        for client in all {
            client.close();
        }
    }

    /// Sockets now open.
    pub fn len(&self) -> usize {
        self.read().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The sockets `keep` selects, with their subscriptions.
    pub fn select(&self, mut keep: impl FnMut(&Client) -> bool) -> Vec<Arc<Client>> {
        self.read().values().filter(|c| keep(c)).cloned().collect()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<u64, Arc<Client>>> {
        self.clients
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<u64, Arc<Client>>> {
        self.clients
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_names_parse_as_mastodon_spells_them() {
        let s = Subscription::parse("public:local:media", None, None).unwrap();
        assert_eq!(
            s.stream,
            Stream::Public {
                origin: Origin::Local,
                media: true
            }
        );
        assert_eq!(&*s.name, ["public:local:media"]);
        let s = Subscription::parse("hashtag", Some("#Rust"), None).unwrap();
        assert_eq!(
            s.stream,
            Stream::Hashtag {
                tag: "rust".into(),
                local: false
            }
        );
        assert_eq!(&*s.name, ["hashtag", "#Rust"]);
        assert_eq!(
            Subscription::parse("hashtag", None, None).unwrap_err(),
            NO_TAG
        );
        assert_eq!(
            Subscription::parse("list", None, None).unwrap_err(),
            NO_LIST
        );
        assert_eq!(
            Subscription::parse("list", Some("x"), Some("abc")).unwrap_err(),
            NOT_YOUR_LIST
        );
        assert_eq!(
            Subscription::parse("nope", None, None).unwrap_err(),
            UNKNOWN_STREAM
        );
    }

    #[test]
    fn frames_carry_the_payload_as_a_string() {
        let user: Arc<[String]> = Arc::from(["user".to_string()]);
        let f = Frame::new(user.clone(), "delete", Some(Arc::from("123")));
        assert_eq!(
            f.to_json(),
            r#"{"stream":["user"],"event":"delete","payload":"123"}"#
        );
        let f = Frame::new(user, "filters_changed", None);
        assert_eq!(
            f.to_json(),
            r#"{"stream":["user"],"event":"filters_changed"}"#
        );
    }
}
