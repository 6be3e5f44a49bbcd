//! The streaming API with real clients: a WebSocket client (tungstenite, the
//! library axum's sockets are built on) and server-sent events read off the
//! wire, on SQLite and PostgreSQL; two nodes on one PostgreSQL database.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::common::*;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// How long a test waits for one event before it fails.
const WAIT: Duration = Duration::from_secs(20);

/// A WebSocket on `/api/v1/streaming`.
pub(crate) struct Socket {
    ws: Ws,
}

impl Socket {
    pub(crate) async fn open(s: &TestServer, token: &str, query: &str) -> Socket {
        let url = format!(
            "ws://{}/api/v1/streaming?access_token={token}{query}",
            s.domain()
        );
        let (ws, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("websocket");
        let mut socket = Socket { ws };
        socket.synced().await;
        socket
    }

    async fn send(&mut self, v: Value) {
        self.ws
            .send(Message::Text(v.to_string().into()))
            .await
            .expect("send");
    }

    /// Waits until the server has handled everything sent so far: it answers
    /// requests in order, so the answer to a bad one comes after the rest.
    async fn synced(&mut self) {
        self.send(json!({"type": "subscribe", "stream": "sync"}))
            .await;
        loop {
            let m = self.message().await;
            if m["error"] == "Unknown stream type" {
                return;
            }
            assert!(m.get("event").is_some(), "unexpected message {m}");
        }
    }

    pub(crate) async fn subscribe(&mut self, stream: &str, extra: Value) {
        let mut req = json!({"type": "subscribe", "stream": stream});
        if let (Some(r), Some(e)) = (req.as_object_mut(), extra.as_object()) {
            r.extend(e.clone());
        }
        self.send(req).await;
        self.synced().await;
    }

    /// The next text message as JSON.
    async fn message(&mut self) -> Value {
        loop {
            let m = tokio::time::timeout(WAIT, self.ws.next())
                .await
                .expect("a message within the wait")
                .expect("socket open")
                .expect("frame");
            match m {
                Message::Text(t) => return serde_json::from_str(&t).expect("JSON message"),
                Message::Ping(_) | Message::Pong(_) => continue,
                other => panic!("unexpected frame {other:?}"),
            }
        }
    }

    /// The next event: `(stream, event, payload)`, the payload parsed from
    /// its JSON string (a `delete` payload stays the id string).
    pub(crate) async fn event(&mut self) -> (Vec<String>, String, Value) {
        let m = self.message().await;
        let stream: Vec<String> = serde_json::from_value(m["stream"].clone()).expect("stream");
        let event = m["event"].as_str().expect("event").to_string();
        let raw = m["payload"].as_str().unwrap_or("null");
        assert!(
            m["payload"].is_string() || m.get("payload").is_none(),
            "payload is a JSON string: {m}"
        );
        let payload = if event == "delete" {
            Value::String(raw.to_string())
        } else {
            serde_json::from_str(raw).expect("payload JSON")
        };
        (stream, event, payload)
    }

    /// Events until one satisfies `last` (returned with those before it).
    pub(crate) async fn until(
        &mut self,
        mut last: impl FnMut(&[String], &str, &Value) -> bool,
    ) -> Vec<(Vec<String>, String, Value)> {
        let mut seen = Vec::new();
        loop {
            let (stream, event, payload) = self.event().await;
            let done = last(&stream, &event, &payload);
            seen.push((stream, event, payload));
            if done {
                return seen;
            }
        }
    }
}

async fn post(s: &TestServer, user: &TestUser, body: Value) -> Value {
    act(s, user, Method::POST, "/api/v1/statuses", Some(body)).await
}

async fn follow(s: &TestServer, follower: &TestUser, target: &TestUser) {
    act(
        s,
        follower,
        Method::POST,
        &format!("/api/v1/accounts/{}/follow", target.id),
        None,
    )
    .await;
}

fn is_update_of(id: &Value) -> impl FnMut(&[String], &str, &Value) -> bool + '_ {
    move |_, event, payload| event == "update" && payload["id"] == *id
}

#[tokio::test]
async fn one_socket_carries_several_streams_in_mastodons_framing() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    follow(&s, &bob, &alice).await;
    let mut ws = Socket::open(&s, &bob.token, "&stream=user").await;
    ws.subscribe("public", json!({})).await;
    ws.subscribe("hashtag", json!({"tag": "Roost"})).await;

    let status = post(&s, &alice, json!({"status": "hello #roost"})).await;
    let id = status["id"].clone();
    let mut streams = Vec::new();
    for _ in 0..3 {
        let (stream, event, payload) = ws.event().await;
        assert_eq!(event, "update");
        assert_eq!(payload["id"], id);
        assert_eq!(payload["account"]["username"], "alice");
        assert!(payload["content"].as_str().unwrap().contains("hello"));
        streams.push(stream);
    }
    streams.sort();
    assert_eq!(
        streams,
        vec![
            vec!["hashtag".to_string(), "Roost".to_string()],
            vec!["public".to_string()],
            vec!["user".to_string()],
        ]
    );

    // An edit reaches every stream as status.update, a deletion as delete.
    act(
        &s,
        &alice,
        Method::PUT,
        &format!("/api/v1/statuses/{}", id.as_str().unwrap()),
        Some(json!({"status": "hello again #roost"})),
    )
    .await;
    for _ in 0..3 {
        let (_, event, payload) = ws.event().await;
        assert_eq!(event, "status.update");
        assert!(payload["content"].as_str().unwrap().contains("again"));
        assert!(payload["edited_at"].is_string());
    }
    act(
        &s,
        &alice,
        Method::DELETE,
        &format!("/api/v1/statuses/{}", id.as_str().unwrap()),
        None,
    )
    .await;
    for _ in 0..3 {
        let (_, event, payload) = ws.event().await;
        assert_eq!(event, "delete");
        assert_eq!(payload, id);
    }

    // Unsubscribed streams fall silent; the user stream goes on.
    ws.send(json!({"type": "unsubscribe", "stream": "public"}))
        .await;
    ws.send(json!({"type": "unsubscribe", "stream": "hashtag", "tag": "Roost"}))
        .await;
    ws.synced().await;
    let next = post(&s, &alice, json!({"status": "quiet #roost"})).await;
    let (stream, event, payload) = ws.event().await;
    assert_eq!((stream, event), (vec!["user".to_string()], "update".into()));
    assert_eq!(payload["id"], next["id"]);

    // Clients find the streaming URL in the instance documents.
    let (_, v1) = s.get("/api/v1/instance", None).await;
    assert_eq!(v1["urls"]["streaming_api"], format!("ws://{}", s.domain()));
    let (_, v2) = s.get("/api/v2/instance", None).await;
    assert_eq!(
        v2["configuration"]["urls"]["streaming"],
        format!("ws://{}", s.domain())
    );
}

#[tokio::test]
async fn a_followers_only_post_reaches_followers_and_no_one_else() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let carol = s.user("carol").await;
    follow(&s, &bob, &alice).await;
    let mut bob_ws = Socket::open(&s, &bob.token, "&stream=user").await;
    let mut carol_ws = Socket::open(&s, &carol.token, "&stream=user").await;
    carol_ws.subscribe("public", json!({})).await;

    let private = post(
        &s,
        &alice,
        json!({"status": "for followers", "visibility": "private"}),
    )
    .await;
    let (_, event, payload) = bob_ws.event().await;
    assert_eq!((event.as_str(), &payload["id"]), ("update", &private["id"]));
    assert_eq!(payload["visibility"], "private");

    // Carol's next event is the public post made after it: the private
    // one never reached her.
    let public = post(&s, &alice, json!({"status": "for all"})).await;
    let seen = carol_ws.until(is_update_of(&public["id"])).await;
    assert!(
        seen.iter().all(|(_, _, p)| p["id"] != private["id"]),
        "{seen:?}"
    );
    // Carol's own post reaches her user stream.
    let own = post(
        &s,
        &carol,
        json!({"status": "mine", "visibility": "private"}),
    )
    .await;
    carol_ws.until(is_update_of(&own["id"])).await;
}

#[tokio::test]
async fn notifications_arrive_live_for_mentions_follows_and_favourites() {
    let s = TestServer::start().await;
    let bob = s.user("bob").await;
    let carol = s.user("carol").await;
    let mut ws = Socket::open(&s, &bob.token, "&stream=user:notification").await;
    let mine = post(&s, &bob, json!({"status": "a post"})).await;

    post(&s, &carol, json!({"status": "hi @bob"})).await;
    let (stream, event, n) = ws.event().await;
    assert_eq!(stream, vec!["user:notification".to_string()]);
    assert_eq!(event, "notification");
    assert_eq!(n["type"], "mention");
    assert_eq!(n["account"]["username"], "carol");
    assert!(n["status"]["content"].as_str().unwrap().contains("hi"));

    follow(&s, &carol, &bob).await;
    let (_, _, n) = ws.event().await;
    assert_eq!(n["type"], "follow");

    act(
        &s,
        &carol,
        Method::POST,
        &format!(
            "/api/v1/statuses/{}/favourite",
            mine["id"].as_str().unwrap()
        ),
        None,
    )
    .await;
    let (_, _, n) = ws.event().await;
    assert_eq!(n["type"], "favourite");
    assert_eq!(n["status"]["id"], mine["id"]);
}

#[tokio::test]
async fn a_direct_message_updates_its_participants_conversations_only() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let carol = s.user("carol").await;
    follow(&s, &carol, &alice).await;
    let mut bob_ws = Socket::open(&s, &bob.token, "&stream=direct").await;
    let mut carol_ws = Socket::open(&s, &carol.token, "&stream=direct").await;
    carol_ws.subscribe("user", json!({})).await;

    let dm = post(
        &s,
        &alice,
        json!({"status": "@bob secret", "visibility": "direct"}),
    )
    .await;
    let (stream, event, c) = bob_ws.event().await;
    assert_eq!(
        (stream, event.as_str()),
        (vec!["direct".to_string()], "conversation")
    );
    assert_eq!(c["last_status"]["id"], dm["id"]);
    assert_eq!(c["unread"], true);
    assert_eq!(c["accounts"][0]["username"], "alice");

    // Carol follows alice but is not a participant: the next thing she
    // hears is the message written to her.
    let to_carol = post(
        &s,
        &alice,
        json!({"status": "@carol hello", "visibility": "direct"}),
    )
    .await;
    let seen = carol_ws
        .until(|_, event, p| event == "conversation" && p["last_status"]["id"] == to_carol["id"])
        .await;
    assert!(
        seen.iter()
            .all(|(_, _, p)| p["id"] != dm["id"] && p["last_status"]["id"] != dm["id"]),
        "{seen:?}"
    );
    // The direct timeline: what each wrote or was written.
    let ids = |v: Value| -> Vec<Value> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].clone())
            .collect()
    };
    let (_, bobs) = s.get("/api/v1/timelines/direct", Some(&bob.token)).await;
    assert_eq!(ids(bobs), vec![dm["id"].clone()]);
    let (_, carols) = s.get("/api/v1/timelines/direct", Some(&carol.token)).await;
    assert_eq!(ids(carols), vec![to_carol["id"].clone()]);
    let (_, alices) = s.get("/api/v1/timelines/direct", Some(&alice.token)).await;
    assert_eq!(ids(alices), vec![to_carol["id"].clone(), dm["id"].clone()]);
}

#[tokio::test]
async fn blocked_and_muted_accounts_never_reach_the_viewers_streams() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let dave = s.user("dave").await;
    follow(&s, &bob, &dave).await;
    // The socket is open (and has read bob's filters) before he blocks and
    // mutes: the change reaches it through the bus.
    let mut ws = Socket::open(&s, &bob.token, "&stream=public").await;
    ws.subscribe("user", json!({})).await;
    let before = post(&s, &alice, json!({"status": "before the block"})).await;
    ws.until(is_update_of(&before["id"])).await;
    act(
        &s,
        &bob,
        Method::POST,
        &format!("/api/v1/accounts/{}/block", alice.id),
        None,
    )
    .await;
    act(
        &s,
        &bob,
        Method::POST,
        &format!("/api/v1/accounts/{}/mute", dave.id),
        None,
    )
    .await;

    let blocked = post(&s, &alice, json!({"status": "from alice"})).await;
    let muted = post(&s, &dave, json!({"status": "from dave"})).await;
    let mention = post(&s, &dave, json!({"status": "hey @alice"})).await;
    let own = post(&s, &bob, json!({"status": "from bob"})).await;
    let seen = ws
        .until(|stream, event, p| stream == ["user"] && event == "update" && p["id"] == own["id"])
        .await;
    for unwanted in [&blocked, &muted, &mention] {
        assert!(
            seen.iter().all(|(_, _, p)| p["id"] != unwanted["id"]),
            "{seen:?}"
        );
    }
}

#[tokio::test]
async fn bad_tokens_unknown_streams_and_foreign_lists_are_refused() {
    let s = TestServer::start().await;
    let bob = s.user("bob").await;
    let carol = s.user("carol").await;
    let app_only = s.app_token().await;
    let (_, list) = s
        .request(
            Method::POST,
            "/api/v1/lists",
            Some(&carol.token),
            Some(json!({"title": "carol's"})),
        )
        .await;

    // A bad token is refused before the upgrade.
    for query in [
        "?access_token=nope",
        "",
        &format!("?access_token={app_only}"),
    ] {
        let url = format!("ws://{}/api/v1/streaming{query}", s.domain());
        match tokio_tungstenite::connect_async(url).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(r)) => {
                assert_eq!(r.status(), 401, "{query}");
            }
            other => panic!("{query}: expected 401, got {other:?}"),
        }
    }
    let (status, body) = s.get("/api/v1/streaming/user", Some("nope")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "Invalid access token");
    let (status, body) = s.get("/api/v1/streaming/user", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "Missing access token");
    let (status, body) = s.get("/api/v1/streaming/nope", Some(&bob.token)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "Unknown channel requested");
    let (status, body) = s.get("/api/v1/streaming/hashtag", Some(&bob.token)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "Missing tag name parameter");
    let path = format!(
        "/api/v1/streaming/list?list={}",
        list["id"].as_str().unwrap()
    );
    let (status, body) = s.get(&path, Some(&bob.token)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "Not authorized to stream this list");

    // Over the socket, refusals are messages and the socket stays open.
    let mut ws = Socket::open(&s, &bob.token, "").await;
    ws.send(json!({"type": "subscribe", "stream": "list", "list": list["id"]}))
        .await;
    assert_eq!(
        ws.message().await,
        json!({"error": "Not authorized to stream this list", "status": 401})
    );
    ws.send(json!({"type": "subscribe", "stream": "hashtag"}))
        .await;
    assert_eq!(
        ws.message().await,
        json!({"error": "Missing tag name parameter", "status": 400})
    );

    // A token that may not read statuses gets the public streams only.
    let narrow = s.user_with_scopes("dave", "read:accounts").await;
    let mut ws = Socket::open(&s, &narrow.token, "").await;
    ws.send(json!({"type": "subscribe", "stream": "user"}))
        .await;
    assert_eq!(
        ws.message().await,
        json!({"error": "Access token does not have the required scopes", "status": 401})
    );
    ws.subscribe("public:local", json!({})).await;
    let p = post(&s, &bob, json!({"status": "local"})).await;
    let (stream, _, payload) = ws.event().await;
    assert_eq!(stream, vec!["public:local".to_string()]);
    assert_eq!(payload["id"], p["id"]);

    let resp = s
        .http
        .get(s.url("/api/v1/streaming/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.text().await.unwrap(), "OK");
}

#[tokio::test]
async fn server_sent_events_carry_the_home_feed_in_mastodons_framing() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    follow(&s, &bob, &alice).await;
    let mut resp = s
        .http
        .get(s.url("/api/v1/streaming/user"))
        .bearer_auth(&bob.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.headers()["content-type"].to_str().unwrap(),
        "text/event-stream"
    );
    let mut text = String::new();
    let read_until = async |resp: &mut reqwest::Response, text: &mut String, want: &str| {
        while !text.contains(want) {
            let chunk = tokio::time::timeout(WAIT, resp.chunk())
                .await
                .expect("a chunk within the wait")
                .expect("stream open")
                .expect("stream not ended");
            text.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    };
    read_until(&mut resp, &mut text, ":)\n").await;
    let status = post(&s, &alice, json!({"status": "over SSE"})).await;
    read_until(&mut resp, &mut text, "\n\n").await;
    let event = text
        .split("\n\n")
        .find(|e| e.contains("event: update"))
        .expect("an update event");
    let data = event
        .lines()
        .find_map(|l| l.strip_prefix("data: "))
        .expect("a data line");
    let payload: Value = serde_json::from_str(data).unwrap();
    assert_eq!(payload["id"], status["id"]);
}

#[tokio::test]
async fn a_revoked_token_closes_its_socket() {
    let s = TestServer::start().await;
    let bob = s.user("bob").await;
    let mut ws = Socket::open(&s, &bob.token, "&stream=user").await;
    // The token's app revokes it, as `POST /oauth/revoke` does.
    let caller = roost::service::oauth::resolve_token(&s.app, &bob.token)
        .await
        .unwrap();
    let client = s
        .app
        .store
        .get_app(caller.token.app_id)
        .await
        .unwrap()
        .unwrap();
    roost::service::oauth::revoke(&s.app, &client, &bob.token)
        .await
        .unwrap();
    let closed = tokio::time::timeout(WAIT, async {
        loop {
            match ws.ws.next().await {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return,
                Some(Ok(_)) => continue,
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "the socket stayed open");
}

#[tokio::test]
async fn a_post_through_one_node_reaches_a_socket_on_another() {
    if std::env::var("ROOST_TEST_DATABASE_URL").is_err() {
        // Several nodes share PostgreSQL only; SQLite runs one node.
        return;
    }
    let a = TestServer::start().await;
    let b = TestServer::start_node_of(&a).await;
    let alice = a.user("alice").await;
    let bob = a.user("bob").await;
    follow(&a, &bob, &alice).await;
    let mut ws = Socket::open(&b, &bob.token, "&stream=user").await;
    ws.subscribe("public", json!({})).await;
    let status = post(&a, &alice, json!({"status": "across nodes"})).await;
    let mut streams = vec![];
    for _ in 0..2 {
        let (stream, event, payload) = ws.event().await;
        assert_eq!(event, "update");
        assert_eq!(payload["id"], status["id"]);
        streams.push(stream[0].clone());
    }
    streams.sort();
    assert_eq!(streams, ["public", "user"]);

    // A change made through one node is seen on the other once the bus
    // has carried its invalidation (well before the caches' 5 s expiry).
    let path = format!("/api/v1/accounts/{}", alice.id);
    let (_, before) = b.get(&path, Some(&bob.token)).await;
    assert_eq!(before["display_name"], "");
    let (status, _) = a
        .request(
            Method::PATCH,
            "/api/v1/accounts/update_credentials",
            Some(&alice.token),
            Some(json!({"display_name": "Alice A."})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    eventually_within(3, "the new name on the other node", || async {
        let (_, after) = b.get(&path, Some(&bob.token)).await;
        (after["display_name"] == "Alice A.").then_some(())
    })
    .await;
}

#[tokio::test]
async fn a_browser_signs_in_through_the_protocol_header_and_streams_a_list() {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let carol = s.user("carol").await;
    follow(&s, &bob, &alice).await;
    follow(&s, &bob, &carol).await;
    let list = act(
        &s,
        &bob,
        Method::POST,
        "/api/v1/lists",
        Some(json!({"title": "friends"})),
    )
    .await;
    let list_id = list["id"].as_str().unwrap().to_string();
    act(
        &s,
        &bob,
        Method::POST,
        &format!("/api/v1/lists/{list_id}/accounts"),
        Some(json!({"account_ids": [alice.id]})),
    )
    .await;

    // Browsers cannot set headers on a WebSocket: the token travels as the
    // protocol, which the server must echo (the client checks it does).
    let mut req = format!(
        "ws://{}/api/v1/streaming?stream=list&list={list_id}",
        s.domain()
    )
    .into_client_request()
    .unwrap();
    req.headers_mut()
        .insert("sec-websocket-protocol", bob.token.parse().unwrap());
    let (ws, resp) = tokio_tungstenite::connect_async(req)
        .await
        .expect("upgrade");
    assert_eq!(
        resp.headers()["sec-websocket-protocol"].to_str().unwrap(),
        bob.token
    );
    let mut ws = Socket { ws };
    ws.synced().await;

    let other = post(&s, &carol, json!({"status": "not in the list"})).await;
    let listed = post(&s, &alice, json!({"status": "in the list"})).await;
    let (stream, event, payload) = ws.event().await;
    assert_eq!(stream, vec!["list".to_string(), list_id.clone()]);
    assert_eq!(event, "update");
    assert_eq!(payload["id"], listed["id"], "not {}", other["id"]);
}

#[tokio::test]
async fn a_hide_filter_keeps_posts_off_the_stream_and_its_change_is_announced() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    follow(&s, &bob, &alice).await;
    let mut ws = Socket::open(&s, &bob.token, "&stream=user").await;
    ws.subscribe("public", json!({})).await;
    // Made while the socket is open: the socket hears of it.
    act(
        &s,
        &bob,
        Method::POST,
        "/api/v2/filters",
        Some(
            json!({"title": "Spoilers", "context": ["home", "public"], "filter_action": "hide",
            "keywords_attributes": [{"keyword": "finale"}]}),
        ),
    )
    .await;
    ws.until(|stream, event, _| stream == ["user"] && event == "filters_changed")
        .await;
    let hidden = post(&s, &alice, json!({"status": "the finale was wild"})).await;
    let shown = post(&s, &alice, json!({"status": "nice weather"})).await;
    // The shown post arrives on both streams, in either order.
    let mut on = std::collections::HashSet::new();
    let seen = ws
        .until(|stream, event, p| {
            if event == "update" && p["id"] == shown["id"] {
                on.insert(stream.to_vec());
            }
            on.len() == 2
        })
        .await;
    assert!(
        seen.iter().all(|(_, _, p)| p["id"] != hidden["id"]),
        "{seen:?}"
    );
}
