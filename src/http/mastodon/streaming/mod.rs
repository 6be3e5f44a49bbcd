//! `/api/v1/streaming`: the Mastodon streaming API, over WebSocket and
//! server-sent events, in the one binary.
//! <https://docs.joinmastodon.org/methods/streaming/>
//!
//! A socket signs in with its token (header, `access_token`, or for
//! WebSockets `Sec-WebSocket-Protocol`), subscribes to streams, and receives
//! what the event bus carries, as [`dispatch`] routes it.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};

use crate::app::AppState;
use crate::error::Result;
use crate::http::extract::{QueryParams, bearer_of};
use crate::model::scope::mask;
use crate::model::{Account, Scopes};

pub mod dispatch;
pub mod hub;

use hub::{Hub, Refusal, Registration, Stream, Subscription};

/// How often a WebSocket is pinged; one that did not answer the last ping
/// by the next is closed.
const PING: Duration = Duration::from_secs(30);

/// How often a server-sent event stream gets its heartbeat comment.
const HEARTBEAT: Duration = Duration::from_secs(15);

/// How long sending one message to a socket may take before it is dropped.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// Largest message a client may send (a subscription is a few dozen bytes).
const MAX_MESSAGE: usize = 16 * 1024;

/// Bytes read from a socket at a time.
const READ_BUFFER: usize = 4 * 1024;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/streaming", get(websocket))
        .route("/api/v1/streaming/health", get(health))
        .route("/api/v1/streaming/{*stream}", get(events))
}

/// `GET /api/v1/streaming/health`
async fn health() -> &'static str {
    "OK"
}

/// A refusal as the streaming server answers it over HTTP.
fn refused(status: u16, message: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    (status, Json(serde_json::json!({ "error": message }))).into_response()
}

/// Who a socket is: its account, token and what the token may read.
pub struct Viewer {
    pub account: Account,
    pub token: String,
    pub scopes: Scopes,
}

/// The account behind `token`, if it is alive and its user may sign in.
pub(crate) async fn caller(app: &AppState, token: &str) -> Result<Viewer> {
    let caller = crate::service::oauth::resolve_token(app, token).await?;
    let Some((account, user)) = caller.user else {
        return Err(crate::error::Error::unauthorized("Invalid access token"));
    };
    crate::service::accounts::check_can_sign_in(&account, &user)?;
    Ok(Viewer {
        account,
        token: token.to_string(),
        scopes: caller.scopes,
    })
}

/// The token of a streaming request: `Authorization`, `access_token`, or the
/// whole `Sec-WebSocket-Protocol` header (browsers cannot set headers on a
/// WebSocket). The second value says whether it came from the protocol.
fn token_of(headers: &HeaderMap, uri: &Uri) -> Option<(String, bool)> {
    if let Some(t) = bearer_of(headers, uri).filter(|t| !t.is_empty()) {
        return Some((t, false));
    }
    headers
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| (t.to_string(), true))
}

/// Signs a streaming request in, or the 401 Mastodon answers.
async fn sign_in(
    app: &AppState,
    headers: &HeaderMap,
    uri: &Uri,
) -> std::result::Result<(Viewer, bool), Response> {
    let Some((token, from_protocol)) = token_of(headers, uri) else {
        return Err(refused(401, "Missing access token"));
    };
    match caller(app, &token).await {
        Ok(viewer) => Ok((viewer, from_protocol)),
        Err(e) if e.kind == crate::error::Kind::Unauthorized => {
            Err(refused(401, "Invalid access token"))
        }
        Err(e) => Err(e.into_response()),
    }
}

/// Checks that `viewer` may subscribe to `sub`: the token's scopes, and for
/// a list that it is theirs.
async fn authorize(
    app: &AppState,
    viewer: &Viewer,
    sub: &Subscription,
) -> std::result::Result<(), Refusal> {
    let needed = match sub.stream {
        Stream::User | Stream::List(_) | Stream::Direct => {
            Some(mask("read") | mask("read:statuses"))
        }
        Stream::UserNotification => Some(mask("read") | mask("read:notifications")),
        Stream::Public { .. } | Stream::Hashtag { .. } => None,
    };
    if let Some(m) = needed
        && !viewer.scopes.allows(m)
    {
        return Err(hub::SCOPES);
    }
    if let Stream::List(id) = sub.stream
        && crate::service::lists::own_list(app, &viewer.account, id)
            .await
            .is_err()
    {
        return Err(hub::NOT_YOUR_LIST);
    }
    Ok(())
}

fn register(app: &Arc<AppState>, viewer: Viewer) -> Result<Registration> {
    let notifications = viewer
        .scopes
        .allows(mask("read") | mask("read:notifications"));
    Hub::register(app, viewer.account, viewer.token, notifications)
}

/// `GET /api/v1/streaming/:stream` as server-sent events: `user`,
/// `user/notification`, `public` (`only_media`), `public/local`,
/// `public/remote`, `hashtag` and `hashtag/local` (`tag`), `list` (`list`),
/// `direct`.
async fn events(
    State(app): State<Arc<AppState>>,
    Path(path): Path<String>,
    headers: HeaderMap,
    uri: Uri,
    params: QueryParams,
) -> Response {
    let known = [
        "user",
        "user/notification",
        "public",
        "public/local",
        "public/remote",
        "hashtag",
        "hashtag/local",
        "list",
        "direct",
    ];
    let path = path.trim_end_matches('/');
    if !known.contains(&path) {
        return refused(400, "Unknown channel requested");
    }
    let mut name = path.replace('/', ":");
    if name.starts_with("public") && params.flag("only_media") {
        name.push_str(":media");
    }
    let (viewer, _) = match sign_in(&app, &headers, &uri).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    let sub = match Subscription::parse(&name, params.str("tag"), params.str("list")) {
        Ok(s) => s,
        Err(r) => return refused(r.status, r.message),
    };
    if let Err(r) = authorize(&app, &viewer, &sub).await {
        return refused(r.status, r.message);
    }
    let registration = match register(&app, viewer) {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    registration.client.subscribe(sub);
    let mut tick = tokio::time::interval(HEARTBEAT);
    tick.reset();
    let body = futures_util::stream::unfold(
        (registration, tick, true),
        |(mut reg, mut tick, first)| async move {
            if first {
                return Some((
                    Ok::<_, Infallible>(Bytes::from_static(b":)\n")),
                    (reg, tick, false),
                ));
            }
            let chunk = tokio::select! {
                frame = reg.frames.recv() => {
                    let frame = frame?;
                    // `data: null` for an event without one (Mastodon.py
                    // reads every data line as JSON).
                    let data = frame.payload().map_or("null", |p| &**p);
                    Bytes::from(format!("event: {}\ndata: {data}\n\n", frame.event()))
                }
                _ = tick.tick() => Bytes::from_static(b":thump\n"),
            };
            Some((Ok(chunk), (reg, tick, false)))
        },
    );
    (
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "private, no-store"),
            // nginx would otherwise hold events back in its buffer.
            (header::HeaderName::from_static("x-accel-buffering"), "no"),
        ],
        axum::body::Body::from_stream(body),
    )
        .into_response()
}

/// `GET /api/v1/streaming`: the WebSocket, with `stream` (and `tag`,
/// `list`) to subscribe at once, and `{"type":"subscribe"|"unsubscribe",
/// "stream":…}` messages for the rest.
async fn websocket(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
    uri: Uri,
    params: QueryParams,
    upgrade: std::result::Result<
        WebSocketUpgrade,
        axum::extract::ws::rejection::WebSocketUpgradeRejection,
    >,
) -> Response {
    let (viewer, from_protocol) = match sign_in(&app, &headers, &uri).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    let upgrade = match upgrade {
        Ok(u) => u,
        Err(rejection) => return rejection.into_response(),
    };
    let first = params.str("stream").map(|name| Request {
        kind: "subscribe".into(),
        stream: name.to_string(),
        tag: params.str("tag").map(str::to_string),
        list: params.str("list").map(str::to_string),
    });
    let token = viewer.token.clone();
    let scopes = viewer.scopes;
    let registration = match register(&app, viewer) {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    let upgrade = if from_protocol {
        // The client offered its token as the protocol: it expects it back.
        upgrade.protocols([token])
    } else {
        upgrade
    };
    upgrade
        .max_message_size(MAX_MESSAGE)
        // Clients send a few short requests: a small read buffer keeps an
        // idle socket cheap (the library's default is 128 KiB each).
        .read_buffer_size(READ_BUFFER)
        .on_upgrade(move |socket| serve_socket(app, registration, scopes, socket, first))
}

/// A message a client sends on its WebSocket.
#[derive(serde::Deserialize)]
struct Request {
    #[serde(rename = "type")]
    kind: String,
    stream: String,
    tag: Option<String>,
    list: Option<String>,
}

/// An error message on the socket, which stays open.
fn error_message(r: Refusal) -> Message {
    Message::Text(
        serde_json::json!({ "error": r.message, "status": r.status })
            .to_string()
            .into(),
    )
}

/// Runs a subscribe or unsubscribe request; the answer to send, if any.
async fn handle_request(
    app: &AppState,
    reg: &Registration,
    scopes: &Scopes,
    req: Request,
) -> Option<Message> {
    let sub = match Subscription::parse(&req.stream, req.tag.as_deref(), req.list.as_deref()) {
        Ok(s) => s,
        Err(r) => return Some(error_message(r)),
    };
    match req.kind.as_str() {
        "subscribe" => {
            let viewer = Viewer {
                account: reg.client.account.clone(),
                token: String::new(),
                scopes: *scopes,
            };
            if let Err(r) = authorize(app, &viewer, &sub).await {
                return Some(error_message(r));
            }
            reg.client.subscribe(sub);
            None
        }
        "unsubscribe" => {
            if reg.client.unsubscribe(&sub.stream) {
                None
            } else {
                Some(Message::Text(
                    r#"{"error":"Error unsubscribing from channel"}"#.into(),
                ))
            }
        }
        // Unknown request types are ignored, as Mastodon does.
        _ => None,
    }
}

async fn serve_socket(
    app: Arc<AppState>,
    mut reg: Registration,
    scopes: Scopes,
    socket: WebSocket,
    first: Option<Request>,
) {
    let (mut sink, mut incoming) = socket.split();
    if let Some(req) = first
        && let Some(answer) = Box::pin(handle_request(&app, &reg, &scopes, req)).await
        && sink.send(answer).await.is_err()
    {
        return;
    }
    let mut ping = tokio::time::interval(PING);
    ping.reset();
    let mut answered = true;
    loop {
        let out = tokio::select! {
            frame = reg.frames.recv() => match frame {
                Some(frame) => Message::Text(frame.to_json().into()),
                // Closed by the hub (token revoked, too slow) or shutdown.
                None => Message::Close(Some(CloseFrame { code: 1000, reason: "".into() })),
            },
            message = incoming.next() => match message {
                Some(Ok(Message::Text(text))) => {
                    let answer = match serde_json::from_str::<Request>(&text) {
                        // Boxed: the store's futures would otherwise make
                        // every idle socket's task as large as the biggest.
                        Ok(req) => Box::pin(handle_request(&app, &reg, &scopes, req)).await,
                        Err(_) => None,
                    };
                    match answer {
                        Some(m) => m,
                        None => continue,
                    }
                }
                Some(Ok(Message::Pong(_))) => {
                    answered = true;
                    continue;
                }
                Some(Ok(Message::Binary(_))) => {
                    Message::Close(Some(CloseFrame { code: 1003, reason: "".into() }))
                }
                Some(Ok(Message::Ping(_))) => continue, // Answered by the library.
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return,
            },
            _ = ping.tick() => {
                if !answered {
                    return;
                }
                answered = false;
                Message::Ping(Bytes::new())
            }
        };
        let closing = matches!(out, Message::Close(_));
        match tokio::time::timeout(SEND_TIMEOUT, sink.send(out)).await {
            Ok(Ok(())) if !closing => {}
            _ => return,
        }
    }
}
