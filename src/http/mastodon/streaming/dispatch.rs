//! From bus events to frames: which of this node's sockets get each event,
//! under the rules the REST API applies (visibility, blocks and mutes,
//! exclusive lists, list replies policies), rendered once per event where
//! the payload is the same for everyone.

use std::collections::HashSet;
use std::sync::{Arc, Weak};

use tokio::sync::broadcast::error::RecvError;

use super::hub::{Client, Filters, Frame, Origin, Stream};
use crate::app::AppState;
use crate::bus::{Change, Event};
use crate::cache::Invalidation;
use crate::error::Result;
use crate::http::mastodon::entities::{self, StatusContext};
use crate::model::Account;
use crate::service;

/// Starts the task that hands this node's bus events to its sockets.
pub fn start(app: &Arc<AppState>) {
    let rx = app.bus.subscribe();
    tokio::spawn(run(Arc::downgrade(app), rx));
}

async fn run(app: Weak<AppState>, mut rx: tokio::sync::broadcast::Receiver<Arc<Event>>) {
    loop {
        let event = match rx.recv().await {
            Ok(e) => e,
            Err(RecvError::Lagged(missed)) => {
                tracing::warn!(
                    missed,
                    "streaming fell behind the event bus; events were missed"
                );
                continue;
            }
            Err(RecvError::Closed) => return,
        };
        let Some(app) = app.upgrade() else {
            return;
        };
        if app.streaming.is_empty() {
            continue;
        }
        if let Err(e) = handle(&app, &event).await {
            tracing::warn!(error = %e, "a streaming event was not delivered");
        }
    }
}

async fn handle(app: &Arc<AppState>, event: &Event) -> Result<()> {
    match event {
        Event::Feed {
            status_id,
            change,
            accounts,
        } => feed(app, *status_id, *change, accounts).await,
        Event::Public {
            status_id,
            change,
            local,
            media,
            reply,
            tags,
        } => {
            let route = PublicRoute {
                local: *local,
                media: *media,
                reply: *reply,
                tags,
            };
            public(app, *status_id, *change, &route).await
        }
        Event::Notification {
            account_id,
            notification_id,
        } => notification(app, *account_id, *notification_id).await,
        Event::Conversation {
            account_id,
            conversation_id,
        } => conversation(app, *account_id, *conversation_id).await,
        Event::FiltersChanged { account_id } => {
            for c in app.streaming.select(|c| c.account.id == *account_id) {
                c.forget_filters();
                for sub in c.subscriptions() {
                    if sub.stream == Stream::User {
                        deliver(
                            app,
                            &c,
                            Frame::new(sub.name.clone(), "filters_changed", None),
                        );
                    }
                }
            }
            Ok(())
        }
        Event::Invalidate(what) => {
            invalidate(app, what);
            Ok(())
        }
        Event::Announcement { id, deleted } => {
            let (event, payload) = if *deleted {
                ("announcement.delete", id.to_string())
            } else {
                match crate::http::mastodon::announcements::payload(app, *id).await? {
                    Some(json) => ("announcement", json),
                    None => return Ok(()),
                }
            };
            to_every_user_stream(app, event, payload.into());
            Ok(())
        }
        Event::AnnouncementReaction { id, name, count } => {
            let payload = serde_json::json!({
                "name": name,
                "count": count,
                "announcement_id": id.to_string(),
            });
            to_every_user_stream(app, "announcement.reaction", payload.to_string().into());
            Ok(())
        }
        // For the job workers and the replica reads, not for sockets.
        Event::JobsQueued { .. } | Event::Wrote { .. } => Ok(()),
    }
}

/// Sends one event to every socket subscribed to a user stream (what all
/// signed-in people hear, as announcements).
fn to_every_user_stream(app: &Arc<AppState>, event: &'static str, payload: Arc<str>) {
    let mut frames = Frames::default();
    for c in app.streaming.select(|_| true) {
        for sub in c.subscriptions() {
            if sub.stream == Stream::User {
                let frame = frames.get(&sub.name, event, Some(&payload));
                deliver(app, &c, frame);
            }
        }
    }
}

/// The frames of one event, one per stream name and payload, shared by
/// every socket that gets them.
#[derive(Default)]
struct Frames(Vec<Frame>);

impl Frames {
    fn get(
        &mut self,
        stream: &Arc<[String]>,
        event: &'static str,
        payload: Option<&Arc<str>>,
    ) -> Frame {
        let same = |f: &&Frame| {
            f.stream() == stream
                && f.event() == event
                && match (f.payload(), payload) {
                    (Some(a), Some(b)) => Arc::ptr_eq(a, b),
                    (None, None) => true,
                    _ => false,
                }
        };
        if let Some(f) = self.0.iter().find(same) {
            return f.clone();
        }
        let f = Frame::new(stream.clone(), event, payload.cloned());
        self.0.push(f.clone());
        f
    }
}

/// Queues a frame, closing the socket if it is too far behind.
fn deliver(app: &AppState, client: &Client, frame: Frame) {
    if !client.send(frame) {
        tracing::debug!(
            account = client.account.id,
            "a streaming socket fell behind and was closed"
        );
        app.streaming.close(client.id);
    }
}

/// The socket's viewer's filters, loaded once and kept until the bus says
/// they changed.
async fn filters(app: &AppState, c: &Client) -> Result<Arc<Filters>> {
    if let Some(f) = c.filters() {
        return Ok(f);
    }
    let (hidden, exclusive) = service::timelines::home_filters(app, c.account.id).await?;
    let hiding = |mut list: Vec<crate::model::FullFilter>| {
        list.retain(|f| f.filter.action == "hide");
        list
    };
    let f = Arc::new(Filters {
        hidden: hidden.into_iter().collect(),
        exclusive: exclusive.into_iter().collect(),
        hide_home: hiding(
            service::filters::active(app, &c.account, crate::model::FilterContext::Home).await?,
        ),
        hide_public: hiding(
            service::filters::active(app, &c.account, crate::model::FilterContext::Public).await?,
        ),
    });
    c.set_filters(f.clone());
    Ok(f)
}

/// Whether one of the viewer's `hide` filters matches `status` (its own
/// posts are never hidden from it).
fn filtered_out(
    viewer: &Account,
    filters: &[crate::model::FullFilter],
    status: &crate::model::Status,
) -> bool {
    status.account_id != viewer.id
        && service::filters::matches(filters, status, &[])
            .iter()
            .any(service::filters::Match::hides)
}

/// Whether the socket's viewer hides (blocks, is blocked by, mutes) any of
/// `involved`.
fn hides(viewer: &Account, f: &Filters, involved: &[i64]) -> bool {
    involved
        .iter()
        .any(|id| *id != viewer.id && f.hidden.contains(id))
}

/// A status entering, changing in or leaving home feeds: `update`,
/// `status.update` or `delete` on the `user` streams of those accounts and
/// on their list streams that show it.
async fn feed(app: &AppState, status_id: i64, change: Change, accounts: &[i64]) -> Result<()> {
    let targets: HashSet<i64> = accounts.iter().copied().collect();
    let clients = app.streaming.select(|c| targets.contains(&c.account.id));
    if clients.is_empty() {
        return Ok(());
    }
    let mut frames = Frames::default();
    if change == Change::Delete {
        let payload: Arc<str> = status_id.to_string().into();
        for c in &clients {
            for sub in c.subscriptions() {
                if matches!(sub.stream, Stream::User | Stream::List(_)) {
                    deliver(app, c, frames.get(&sub.name, "delete", Some(&payload)));
                }
            }
        }
        return Ok(());
    }
    let Some(status) = service::rendering::statuses(app, &[status_id]).await?.pop() else {
        return Ok(());
    };
    let involved = service::timelines::involved(app, &status).await?;
    let ctx = StatusContext::load(app, None, std::slice::from_ref(&status)).await?;
    let event = if change == Change::New {
        "update"
    } else {
        "status.update"
    };
    // Rendered twice at most: for the author (with `pinned`) and for
    // everyone else (every flag false: nobody has acted on it yet).
    let (mut for_author, mut for_others): (Option<Arc<str>>, Option<Arc<str>>) = (None, None);
    for c in &clients {
        let subs: Vec<_> = c
            .subscriptions()
            .into_iter()
            .filter(|s| matches!(s.stream, Stream::User | Stream::List(_)))
            .collect();
        if subs.is_empty() {
            continue;
        }
        let f = filters(app, c).await?;
        if hides(&c.account, &f, &involved) || filtered_out(&c.account, &f.hide_home, &status) {
            continue;
        }
        // An edit can narrow who may see a post: checked per reader.
        if change == Change::Edit
            && service::statuses::visible_status(app, Some(&c.account), status.id)
                .await
                .is_err()
        {
            continue;
        }
        let slot = if c.account.id == status.account_id {
            &mut for_author
        } else {
            &mut for_others
        };
        if slot.is_none() {
            *slot = ctx.render(Some(&c.account), &status).map(Arc::from);
        }
        let Some(payload) = slot.clone() else {
            continue;
        };
        for sub in subs {
            let shown = match sub.stream {
                // Members of exclusive lists are read in their lists.
                Stream::User => !f.exclusive.contains(&status.account_id),
                Stream::List(id) => service::lists::shows(app, &c.account, id, &status).await?,
                _ => false,
            };
            if shown {
                deliver(app, c, frames.get(&sub.name, event, Some(&payload)));
            }
        }
    }
    Ok(())
}

/// What routes a public post to the public and hashtag streams.
struct PublicRoute<'a> {
    local: bool,
    media: bool,
    reply: bool,
    tags: &'a [String],
}

impl PublicRoute<'_> {
    fn carries(&self, stream: &Stream) -> bool {
        match stream {
            Stream::Public { origin, media } => {
                !self.reply
                    && (!media || self.media)
                    && match origin {
                        Origin::All => true,
                        Origin::Local => self.local,
                        Origin::Remote => !self.local,
                    }
            }
            Stream::Hashtag { tag, local } => self.tags.contains(tag) && (!local || self.local),
            _ => false,
        }
    }
}

/// A public post on the public and hashtag streams, rendered once for all
/// (as Mastodon does, without anyone's favourite or boost flags).
async fn public(
    app: &AppState,
    status_id: i64,
    change: Change,
    route: &PublicRoute<'_>,
) -> Result<()> {
    let clients = app
        .streaming
        .select(|c| c.subscriptions().iter().any(|s| route.carries(&s.stream)));
    if clients.is_empty() {
        return Ok(());
    }
    let (event, payload, involved, status) = if change == Change::Delete {
        ("delete", status_id.to_string(), Vec::new(), None)
    } else {
        let Some(status) = service::rendering::statuses(app, &[status_id]).await?.pop() else {
            return Ok(());
        };
        if status.visibility != "public" {
            return Ok(());
        }
        let ctx = StatusContext::load(app, None, std::slice::from_ref(&status)).await?;
        let Some(json) = ctx.render(None, &status) else {
            return Ok(());
        };
        let event = if change == Change::New {
            "update"
        } else {
            "status.update"
        };
        let involved = service::timelines::involved(app, &status).await?;
        (event, json, involved, Some(status))
    };
    let payload: Arc<str> = payload.into();
    let mut frames = Frames::default();
    for c in &clients {
        if let Some(status) = &status {
            let f = filters(app, c).await?;
            if hides(&c.account, &f, &involved) || filtered_out(&c.account, &f.hide_public, status)
            {
                continue;
            }
        }
        for sub in c.subscriptions() {
            if route.carries(&sub.stream) {
                deliver(app, c, frames.get(&sub.name, event, Some(&payload)));
            }
        }
    }
    Ok(())
}

/// A new notification: `notification` on the account's `user` streams
/// (when their token may read notifications) and `user:notification`.
async fn notification(app: &AppState, account_id: i64, id: i64) -> Result<()> {
    let clients = app.streaming.select(|c| c.account.id == account_id);
    let Some(first) = clients.first() else {
        return Ok(());
    };
    let Ok(n) = service::notifications::get(app, &first.account, id).await else {
        return Ok(());
    };
    let Some(entity) = entities::notifications(app, &first.account, &[n])
        .await?
        .pop()
    else {
        return Ok(());
    };
    let payload: Arc<str> = serde_json::to_string(&entity)
        .map_err(crate::error::Error::internal)?
        .into();
    for c in &clients {
        for sub in c.subscriptions() {
            let wanted = match sub.stream {
                Stream::UserNotification => true,
                Stream::User => c.notifications,
                _ => false,
            };
            if wanted {
                deliver(
                    app,
                    c,
                    Frame::new(sub.name.clone(), "notification", Some(payload.clone())),
                );
            }
        }
    }
    Ok(())
}

/// A conversation with a new post: `conversation` on the account's `direct`
/// and `user` streams.
async fn conversation(app: &AppState, account_id: i64, conversation_id: i64) -> Result<()> {
    let clients = app.streaming.select(|c| c.account.id == account_id);
    let Some(first) = clients.first() else {
        return Ok(());
    };
    let me = &first.account;
    let Some(c) = service::conversations::of_conversation(app, me, conversation_id).await? else {
        return Ok(());
    };
    let Some(entity) = super::super::conversations::render(app, me, &[c])
        .await?
        .pop()
    else {
        return Ok(());
    };
    let payload: Arc<str> = serde_json::to_string(&entity)
        .map_err(crate::error::Error::internal)?
        .into();
    for c in &clients {
        for sub in c.subscriptions() {
            if matches!(sub.stream, Stream::Direct | Stream::User) {
                deliver(
                    app,
                    c,
                    Frame::new(sub.name.clone(), "conversation", Some(payload.clone())),
                );
            }
        }
    }
    Ok(())
}

/// Tokens revoked or a user changed (disabled, suspended, deleted, a new
/// password): the sockets concerned check their token again and close if
/// it died, on every node.
fn invalidate(app: &Arc<AppState>, what: &Invalidation) {
    // Blocks, mutes or exclusive lists changed: reload the filters.
    let forget = match what {
        Invalidation::Hidden(id) | Invalidation::Exclusive(id) | Invalidation::Filters(id) => {
            app.streaming.select(|c| c.account.id == *id)
        }
        Invalidation::AllExclusive | Invalidation::All => app.streaming.select(|_| true),
        _ => Vec::new(),
    };
    for c in forget {
        c.forget_filters();
    }
    let clients = match what {
        Invalidation::AllTokens | Invalidation::All => app.streaming.select(|_| true),
        Invalidation::User(id) => app.streaming.select(|c| c.account.id == *id),
        _ => return,
    };
    if clients.is_empty() {
        return;
    }
    let app = app.clone();
    tokio::spawn(async move {
        for c in clients {
            if super::caller(&app, &c.token).await.is_err() {
                app.streaming.close(c.id);
            }
        }
    });
}
