//! Federation under attack: a fake remote server in the test process (a
//! real axum server on loopback serving an actor with a known key) sends
//! roost forged, replayed, oversized and misattributed activities. Each is
//! refused or ignored, and nothing is stored.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode as AxStatus, Uri};
use axum::response::IntoResponse;
use reqwest::StatusCode;
use roost::federation::signatures::{PrivateKey, sign_request};
use serde_json::{Value, json};

use crate::common::*;
use crate::federation::post;

/// A fake remote server: documents by path, and a count of requests.
#[derive(Clone, Default)]
struct Fake {
    docs: Arc<Mutex<std::collections::HashMap<String, (String, String)>>>,
    hits: Arc<AtomicUsize>,
}

impl Fake {
    fn serve(&self, path: &str, content_type: &str, doc: &Value) {
        self.docs.lock().unwrap().insert(
            path.to_string(),
            (content_type.to_string(), doc.to_string()),
        );
    }

    fn serve_text(&self, path: &str, content_type: &str, body: &str) {
        self.docs.lock().unwrap().insert(
            path.to_string(),
            (content_type.to_string(), body.to_string()),
        );
    }
}

async fn fake_handler(State(fake): State<Fake>, uri: Uri) -> axum::response::Response {
    fake.hits.fetch_add(1, Ordering::SeqCst);
    let found = fake.docs.lock().unwrap().get(uri.path()).cloned();
    match found {
        Some((ct, body)) => ([(axum::http::header::CONTENT_TYPE, ct)], body).into_response(),
        None => AxStatus::NOT_FOUND.into_response(),
    }
}

/// A remote actor on a fake server, with its key.
struct Remote {
    base: String,
    fake: Fake,
    key: PrivateKey,
    actor: String,
}

impl Remote {
    async fn start(username: &str) -> Remote {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let fake = Fake::default();
        let app = axum::Router::new()
            .fallback(fake_handler)
            .with_state(fake.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let keys = roost::auth::keys::generate().unwrap();
        let actor = format!("{base}/users/{username}");
        fake.serve(
            &format!("/users/{username}"),
            "application/activity+json",
            &person(&base, username, &keys.public_pem),
        );
        Remote {
            key: PrivateKey::from_pem(&keys.private_pem).unwrap(),
            base,
            fake,
            actor,
        }
    }

    fn key_id(&self) -> String {
        format!("{}#main-key", self.actor)
    }

    /// POSTs `body` to `inbox_url`, signed with `key` under `key_id`,
    /// after `tweak` adjusts the headers.
    async fn post_with(
        &self,
        inbox_url: &str,
        body: &[u8],
        key: &PrivateKey,
        key_id: &str,
        date: chrono::DateTime<chrono::Utc>,
        tweak: impl FnOnce(&mut HeaderMap),
    ) -> StatusCode {
        let url = url::Url::parse(inbox_url).unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("content-type", "application/activity+json".parse().unwrap());
        sign_request(
            key,
            key_id,
            &http::Method::POST,
            &url,
            &mut headers,
            Some(body),
            date,
        )
        .unwrap();
        tweak(&mut headers);
        let client = reqwest::Client::new();
        let mut req = client.post(inbox_url).body(body.to_vec());
        for (k, v) in &headers {
            if k != "host" {
                req = req.header(k.as_str(), v.to_str().unwrap());
            }
        }
        req.send().await.unwrap().status()
    }

    /// GETs `url` as ActivityPub, signed by this actor.
    async fn get_signed(&self, url: &str) -> (StatusCode, Value, HeaderMap) {
        let parsed = url::Url::parse(url).unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("accept", "application/activity+json".parse().unwrap());
        sign_request(
            &self.key,
            &self.key_id(),
            &http::Method::GET,
            &parsed,
            &mut headers,
            None,
            chrono::Utc::now(),
        )
        .unwrap();
        let mut req = reqwest::Client::new().get(url);
        for (k, v) in &headers {
            if k != "host" {
                req = req.header(k.as_str(), v.to_str().unwrap());
            }
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let mut kept = HeaderMap::new();
        for (k, v) in resp.headers() {
            kept.insert(k.clone(), v.clone());
        }
        let body = resp.json().await.unwrap_or(Value::Null);
        (status, body, kept)
    }

    async fn post(&self, inbox_url: &str, activity: &Value) -> StatusCode {
        let body = activity.to_string();
        self.post_with(
            inbox_url,
            body.as_bytes(),
            &self.key,
            &self.key_id(),
            chrono::Utc::now(),
            |_| {},
        )
        .await
    }

    fn note(&self, id: &str, text: &str) -> Value {
        json!({
            "id": id,
            "type": "Note",
            "attributedTo": self.actor,
            "content": format!("<p>{text}</p>"),
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "cc": [format!("{}/followers", self.actor)],
            "published": "2026-01-01T00:00:00Z",
        })
    }

    fn create(&self, note: Value) -> Value {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}/activity", note["id"].as_str().unwrap()),
            "type": "Create",
            "actor": self.actor,
            "to": note["to"],
            "object": note,
        })
    }
}

fn person(base: &str, username: &str, pem: &str) -> Value {
    let id = format!("{base}/users/{username}");
    json!({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": id,
        "type": "Person",
        "preferredUsername": username,
        "inbox": format!("{id}/inbox"),
        "outbox": format!("{id}/outbox"),
        "followers": format!("{id}/followers"),
        "featured": format!("{id}/collections/featured"),
        "endpoints": {"sharedInbox": format!("{base}/inbox")},
        "publicKey": {"id": format!("{id}#main-key"), "owner": id, "publicKeyPem": pem},
    })
}

async fn count_statuses(s: &TestServer) -> i64 {
    sql_count(&s.app, "SELECT COUNT(*) FROM statuses").await
}

async fn setup() -> (TestServer, Remote, String) {
    let s = TestServer::start_with(federating).await;
    s.user("alice").await;
    let remote = Remote::start("mallory").await;
    let inbox = s.url("/inbox");
    (s, remote, inbox)
}

#[tokio::test]
async fn signed_create_is_accepted_and_stored_once() {
    let (s, remote, inbox) = setup().await;
    let create = remote.create(remote.note(&format!("{}/notes/1", remote.base), "hello"));
    assert_eq!(remote.post(&inbox, &create).await, StatusCode::ACCEPTED);
    // The same activity again is accepted and applied once.
    assert_eq!(remote.post(&inbox, &create).await, StatusCode::ACCEPTED);
    let uri = format!("{}/notes/1", remote.base);
    eventually("the note to be stored", || async {
        s.app
            .store
            .get_status_by_uri(&uri)
            .await
            .unwrap()
            .map(|_| ())
    })
    .await;
    drained(&s.app).await;
    assert_eq!(count_statuses(&s).await, 1);
}

#[tokio::test]
async fn unsigned_post_is_401() {
    let (s, remote, inbox) = setup().await;
    let create = remote.create(remote.note(&format!("{}/notes/1", remote.base), "x"));
    let resp = reqwest::Client::new()
        .post(&inbox)
        .header("content-type", "application/activity+json")
        .body(create.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(count_statuses(&s).await, 0);
}

#[tokio::test]
async fn tampered_body_and_forged_headers_are_401() {
    let (s, remote, inbox) = setup().await;
    let create = remote.create(remote.note(&format!("{}/notes/1", remote.base), "x"));
    let body = create.to_string();
    // Digest of another body.
    let status = remote
        .post_with(
            &inbox,
            body.as_bytes(),
            &remote.key,
            &remote.key_id(),
            chrono::Utc::now(),
            |h| {
                h.insert(
                    "digest",
                    format!("SHA-256={}", "A".repeat(44)).parse().unwrap(),
                );
            },
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // A signed header changed after signing.
    let status = remote
        .post_with(
            &inbox,
            body.as_bytes(),
            &remote.key,
            &remote.key_id(),
            chrono::Utc::now(),
            |h| {
                h.insert("date", httpdate_now_plus(1).parse().unwrap());
            },
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(count_statuses(&s).await, 0);
}

fn httpdate_now_plus(secs: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::seconds(secs))
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

#[tokio::test]
async fn signature_by_another_actors_key_is_401() {
    let (s, remote, inbox) = setup().await;
    // Eve's key, claiming to be mallory's.
    let eve = roost::auth::keys::generate().unwrap();
    let eve_key = PrivateKey::from_pem(&eve.private_pem).unwrap();
    let create = remote.create(remote.note(&format!("{}/notes/1", remote.base), "x"));
    let status = remote
        .post_with(
            &inbox,
            create.to_string().as_bytes(),
            &eve_key,
            &remote.key_id(),
            chrono::Utc::now(),
            |_| {},
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(count_statuses(&s).await, 0);
}

#[tokio::test]
async fn replayed_old_date_is_401() {
    let (s, remote, inbox) = setup().await;
    let create = remote.create(remote.note(&format!("{}/notes/1", remote.base), "x"));
    let old = chrono::Utc::now() - chrono::Duration::hours(3);
    let status = remote
        .post_with(
            &inbox,
            create.to_string().as_bytes(),
            &remote.key,
            &remote.key_id(),
            old,
            |_| {},
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(count_statuses(&s).await, 0);
}

#[tokio::test]
async fn huge_body_is_413_and_deep_json_is_400() {
    let (s, remote, inbox) = setup().await;
    let mut note = remote.note(&format!("{}/notes/1", remote.base), "x");
    note["content"] = json!("a".repeat(1024 * 1024 + 10));
    let huge = remote.create(note);
    assert_eq!(
        remote.post(&inbox, &huge).await,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let status = remote
        .post_with(
            &inbox,
            deep.as_bytes(),
            &remote.key,
            &remote.key_id(),
            chrono::Utc::now(),
            |_| {},
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(count_statuses(&s).await, 0);
}

#[tokio::test]
async fn object_claiming_another_servers_id_is_not_trusted() {
    let (s, remote, inbox) = setup().await;
    // A Note embedded with an id on another origin (a different port): roost
    // fetches it from there, finds nothing, and stores nothing.
    let other = Remote::start("victim").await;
    let forged = format!("{}/notes/forged", other.base);
    let mut note = remote.note(&forged, "forged");
    note["attributedTo"] = json!(other.actor);
    let mut create = remote.create(note);
    create["id"] = json!(format!("{}/activities/1", remote.base));
    assert_eq!(remote.post(&inbox, &create).await, StatusCode::ACCEPTED);
    drained(&s.app).await;
    assert!(
        s.app
            .store
            .get_status_by_uri(&forged)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        other.fake.hits.load(Ordering::SeqCst) >= 1,
        "the origin was asked"
    );
}

#[tokio::test]
async fn activity_id_on_another_origin_than_actor_is_401() {
    let (s, remote, inbox) = setup().await;
    let mut create = remote.create(remote.note(&format!("{}/notes/1", remote.base), "x"));
    create["id"] = json!("http://127.0.0.1:9/activities/1");
    assert_eq!(remote.post(&inbox, &create).await, StatusCode::UNAUTHORIZED);
    assert_eq!(count_statuses(&s).await, 0);
}

#[tokio::test]
async fn delete_of_someone_elses_post_and_unknown_undo_change_nothing() {
    let (s, remote, inbox) = setup().await;
    let alice = s.user("alice2").await;
    let (_, posted) = s
        .request(
            reqwest::Method::POST,
            "/api/v1/statuses",
            Some(&alice.token),
            Some(json!({"status": "mine"})),
        )
        .await;
    let delete = json!({
        "id": format!("{}/activities/del", remote.base),
        "type": "Delete",
        "actor": remote.actor,
        "object": posted["uri"],
    });
    assert_eq!(remote.post(&inbox, &delete).await, StatusCode::ACCEPTED);
    let undo = json!({
        "id": format!("{}/activities/undo", remote.base),
        "type": "Undo",
        "actor": remote.actor,
        "object": {"id": format!("{}/likes/never", remote.base), "type": "Like", "actor": remote.actor, "object": posted["uri"]},
    });
    assert_eq!(remote.post(&inbox, &undo).await, StatusCode::ACCEPTED);
    drained(&s.app).await;
    let (status, still) = s
        .get(
            &format!("/api/v1/statuses/{}", posted["id"].as_str().unwrap()),
            Some(&alice.token),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(still["favourites_count"], json!(0));
}

#[tokio::test]
async fn delete_before_create_leaves_a_tombstone() {
    let (s, remote, inbox) = setup().await;
    let uri = format!("{}/notes/late", remote.base);
    let delete = json!({
        "id": format!("{uri}#delete"),
        "type": "Delete",
        "actor": remote.actor,
        "object": {"id": uri, "type": "Tombstone"},
    });
    assert_eq!(remote.post(&inbox, &delete).await, StatusCode::ACCEPTED);
    eventually("the tombstone", || async {
        s.app.store.has_tombstone(&uri).await.unwrap().then_some(())
    })
    .await;
    let create = remote.create(remote.note(&uri, "too late"));
    assert_eq!(remote.post(&inbox, &create).await, StatusCode::ACCEPTED);
    drained(&s.app).await;
    assert!(s.app.store.get_status_by_uri(&uri).await.unwrap().is_none());
}

#[tokio::test]
async fn key_fetched_with_mismatched_id_or_content_type_is_refused() {
    let (s, remote, inbox) = setup().await;
    // The actor document now claims another id than its URL.
    let keys = roost::auth::keys::generate().unwrap();
    let mut doc = person(&remote.base, "mallory", &keys.public_pem);
    doc["id"] = json!("http://127.0.0.1:9/users/mallory");
    remote
        .fake
        .serve("/users/mallory", "application/activity+json", &doc);
    let create = remote.create(remote.note(&format!("{}/notes/1", remote.base), "x"));
    assert_eq!(remote.post(&inbox, &create).await, StatusCode::UNAUTHORIZED);
    // Served as HTML: not an ActivityPub document.
    remote.fake.serve(
        "/users/mallory",
        "text/html",
        &person(&remote.base, "mallory", &keys.public_pem),
    );
    assert_eq!(remote.post(&inbox, &create).await, StatusCode::UNAUTHORIZED);
    assert_eq!(count_statuses(&s).await, 0);
}

#[tokio::test]
async fn private_addresses_are_refused_unless_allowed() {
    // A server with the default policy: no http, no loopback.
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let remote = Remote::start("bob").await;
    let domain = remote.base.trim_start_matches("http://");
    let (status, _) = s
        .get(
            &format!("/api/v1/accounts/lookup?acct=bob@{domain}"),
            Some(&alice.token),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A name that resolves to loopback is refused as well.
    let port = domain.rsplit(':').next().unwrap();
    let (status, _) = s
        .get(
            &format!("/api/v1/accounts/lookup?acct=bob@localhost:{port}"),
            Some(&alice.token),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        remote.fake.hits.load(Ordering::SeqCst),
        0,
        "nothing reached the private address"
    );
    // Signed inbound activities from such a host cannot be verified either.
    let create = remote.create(remote.note(&format!("{}/notes/1", remote.base), "x"));
    assert_eq!(
        remote.post(&s.url("/inbox"), &create).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(remote.fake.hits.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn domain_block_refuses_inbound_activities() {
    let (s, remote, inbox) = setup().await;
    let domain = remote.base.trim_start_matches("http://").to_string();
    s.app
        .store
        .put_domain_block(&domain, "suspend")
        .await
        .unwrap();
    let create = remote.create(remote.note(&format!("{}/notes/1", remote.base), "x"));
    assert_eq!(remote.post(&inbox, &create).await, StatusCode::FORBIDDEN);
    assert_eq!(count_statuses(&s).await, 0);
}

#[tokio::test]
async fn remote_note_maps_mentions_tags_attachments_and_sanitizes_html() {
    let (s, remote, inbox) = setup().await;
    let alice = s.user("alicia").await;
    let alice_uri = s.url("/users/alicia");
    let mut note = remote.note(&format!("{}/notes/rich", remote.base), "hi");
    note["content"] = json!(format!(
        "<p>hi <span class=\"h-card\"><a href=\"{alice_uri}\" class=\"u-url mention\">@<span>alicia</span></a></span> #Rust<script>alert(1)</script></p>"
    ));
    note["cc"] = json!([format!("{}/followers", remote.actor), alice_uri]);
    note["tag"] = json!([
        {"type": "Mention", "href": alice_uri, "name": "@alicia"},
        {"type": "Hashtag", "href": format!("{}/tags/rust", remote.base), "name": "#Rust"},
        {"type": "Emoji", "name": ":blob:", "icon": {"type": "Image", "url": format!("{}/blob.png", remote.base)}},
    ]);
    note["attachment"] = json!({
        "type": "Document", "mediaType": "image/png", "url": format!("{}/media/1.png", remote.base),
        "name": "a cat", "blurhash": "UBL_:rOpGG-oBUNG,qRj2so|=eE1w^n4S5NH", "width": 640, "height": 480,
    });
    note["summary"] = json!("cw here");
    assert_eq!(
        remote.post(&inbox, &remote.create(note)).await,
        StatusCode::ACCEPTED
    );
    let n = eventually("the mention notification", || async {
        let (_, n) = s.get("/api/v1/notifications", Some(&alice.token)).await;
        n.as_array()?.first().cloned()
    })
    .await;
    assert_eq!(n["type"], json!("mention"));
    let st = &n["status"];
    assert_eq!(st["visibility"], json!("public"));
    assert_eq!(st["spoiler_text"], json!("cw here"));
    assert_eq!(st["sensitive"], json!(true));
    let content = st["content"].as_str().unwrap();
    assert!(!content.contains("script"), "{content}");
    assert!(content.contains("u-url mention"), "{content}");
    assert_eq!(st["mentions"][0]["acct"], json!("alicia"));
    assert_eq!(st["tags"][0]["name"], json!("rust"));
    let media = &st["media_attachments"][0];
    assert_eq!(media["type"], json!("image"));
    assert_eq!(
        media["remote_url"],
        json!(format!("{}/media/1.png", remote.base))
    );
    assert_eq!(media["description"], json!("a cat"));
    assert_eq!(media["meta"]["original"]["width"], json!(640));
    let domain = remote.base.trim_start_matches("http://");
    assert_eq!(st["account"]["acct"], json!(format!("mallory@{domain}")));
}

#[tokio::test]
async fn move_moves_local_followers_to_the_new_account() {
    let (s, remote, inbox) = setup().await;
    let alice = s.user("alicia").await;
    // Alice follows mallory (the follow is written directly: the fake server
    // sends no Accept).
    let create = remote.create(remote.note(&format!("{}/notes/1", remote.base), "hi"));
    assert_eq!(remote.post(&inbox, &create).await, StatusCode::ACCEPTED);
    let mallory = eventually("mallory stored", || async {
        s.app.store.get_account_by_uri(&remote.actor).await.unwrap()
    })
    .await;
    let alice_id: i64 = alice.id.parse().unwrap();
    s.app
        .store
        .put_follow(
            roost::db::relationships::FollowTable::Follows,
            &roost::model::Follow {
                id: 1,
                account_id: alice_id,
                target_account_id: mallory.id,
                show_reblogs: true,
                notify: false,
                uri: Some(format!("{}#follows/1", s.url("/users/alicia"))),
                created_at: chrono::Utc::now(),
            },
        )
        .await
        .unwrap();
    // The new account, on the same fake server, names mallory as an alias.
    let keys = roost::auth::keys::generate().unwrap();
    let mut new_actor = person(&remote.base, "mallory2", &keys.public_pem);
    new_actor["alsoKnownAs"] = json!([remote.actor]);
    remote
        .fake
        .serve("/users/mallory2", "application/activity+json", &new_actor);
    let new_uri = format!("{}/users/mallory2", remote.base);
    // A Move to an account that does not name mallory is ignored.
    let impostor = person(&remote.base, "impostor", &keys.public_pem);
    remote
        .fake
        .serve("/users/impostor", "application/activity+json", &impostor);
    let bad_move = json!({
        "id": format!("{}#moves/0", remote.actor), "type": "Move", "actor": remote.actor,
        "object": remote.actor, "target": format!("{}/users/impostor", remote.base),
    });
    assert_eq!(remote.post(&inbox, &bad_move).await, StatusCode::ACCEPTED);
    let good_move = json!({
        "id": format!("{}#moves/1", remote.actor), "type": "Move", "actor": remote.actor,
        "object": remote.actor, "target": new_uri,
    });
    assert_eq!(remote.post(&inbox, &good_move).await, StatusCode::ACCEPTED);
    let new_account = eventually("the move", || async {
        let a = s.app.store.get_account_by_uri(&new_uri).await.unwrap()?;
        let asked = s
            .app
            .store
            .get_follow(
                roost::db::relationships::FollowTable::Requests,
                alice_id,
                a.id,
            )
            .await
            .unwrap();
        // The old follow ends just after the new request is made.
        let left = !s.app.store.follows(alice_id, mallory.id).await.unwrap();
        asked.filter(|_| left).map(|_| a)
    })
    .await;
    assert!(!s.app.store.follows(alice_id, mallory.id).await.unwrap());
    assert!(
        s.app
            .store
            .get_account_by_uri(&format!("{}/users/impostor", remote.base))
            .await
            .unwrap()
            .is_some()
    );
    let impostor_id = s
        .app
        .store
        .get_account_by_uri(&format!("{}/users/impostor", remote.base))
        .await
        .unwrap()
        .unwrap()
        .id;
    assert!(
        s.app
            .store
            .get_follow(
                roost::db::relationships::FollowTable::Requests,
                alice_id,
                impostor_id
            )
            .await
            .unwrap()
            .is_none()
    );
    let moved = s.app.store.get_account(mallory.id).await.unwrap().unwrap();
    assert_eq!(moved.moved_to_account_id, Some(new_account.id));
}

#[tokio::test]
async fn add_and_remove_pin_the_actors_own_posts_only() {
    let (s, remote, inbox) = setup().await;
    let alice = s.user("alicia").await;
    let note_uri = format!("{}/notes/pinned", remote.base);
    assert_eq!(
        remote
            .post(&inbox, &remote.create(remote.note(&note_uri, "pin me")))
            .await,
        StatusCode::ACCEPTED
    );
    let status = eventually("the note", || async {
        s.app.store.get_status_by_uri(&note_uri).await.unwrap()
    })
    .await;
    let featured = format!("{}/collections/featured", remote.actor);
    let add = json!({"type": "Add", "actor": remote.actor, "object": note_uri, "target": featured});
    assert_eq!(remote.post(&inbox, &add).await, StatusCode::ACCEPTED);
    let pinned_path = format!(
        "/api/v1/accounts/{}/statuses?pinned=true",
        status.account_id
    );
    eventually("the pin", || async {
        let (_, pinned) = s.get(&pinned_path, Some(&alice.token)).await;
        (pinned.as_array()?.len() == 1).then_some(())
    })
    .await;
    // Someone else's post cannot be added to mallory's collection.
    let (_, mine) = s
        .request(
            reqwest::Method::POST,
            "/api/v1/statuses",
            Some(&alice.token),
            Some(json!({"status": "mine"})),
        )
        .await;
    let steal = json!({"id": format!("{}/add/2", remote.base), "type": "Add", "actor": remote.actor, "object": mine["uri"], "target": featured});
    assert_eq!(remote.post(&inbox, &steal).await, StatusCode::ACCEPTED);
    let remove = json!({"id": format!("{}/remove/1", remote.base), "type": "Remove", "actor": remote.actor, "object": note_uri, "target": featured});
    assert_eq!(remote.post(&inbox, &remove).await, StatusCode::ACCEPTED);
    eventually("the unpin", || async {
        let (_, pinned) = s.get(&pinned_path, Some(&alice.token)).await;
        pinned.as_array()?.is_empty().then_some(())
    })
    .await;
    // Nothing at all is pinned for mallory: the stolen Add was refused.
    assert_eq!(s.app.store.count_pins(status.account_id).await.unwrap(), 0);
}

#[tokio::test]
async fn undo_or_update_before_their_object_change_nothing() {
    let (s, remote, inbox) = setup().await;
    let alice = s.user("alicia").await;
    let (_, mine) = s
        .request(
            reqwest::Method::POST,
            "/api/v1/statuses",
            Some(&alice.token),
            Some(json!({"status": "boost me"})),
        )
        .await;
    // An Undo of a boost roost never saw: nothing happens, and the boost,
    // arriving late, is dropped.
    let announce_id = format!("{}/boosts/1", remote.base);
    let announce = json!({
        "id": announce_id, "type": "Announce", "actor": remote.actor,
        "to": ["https://www.w3.org/ns/activitystreams#Public"], "object": mine["uri"],
    });
    let undo = json!({
        "id": format!("{announce_id}/undo"), "type": "Undo", "actor": remote.actor, "object": announce,
    });
    assert_eq!(remote.post(&inbox, &undo).await, StatusCode::ACCEPTED);
    eventually("the tombstone", || async {
        s.app
            .store
            .has_tombstone(&announce_id)
            .await
            .unwrap()
            .then_some(())
    })
    .await;
    assert_eq!(remote.post(&inbox, &announce).await, StatusCode::ACCEPTED);
    // An Update of a post roost does not have creates nothing.
    let ghost = format!("{}/notes/ghost", remote.base);
    let mut note = remote.note(&ghost, "edited before it existed");
    note["updated"] = json!("2026-01-02T00:00:00Z");
    let update = json!({
        "id": format!("{ghost}#updates/1"), "type": "Update", "actor": remote.actor, "object": note,
    });
    assert_eq!(remote.post(&inbox, &update).await, StatusCode::ACCEPTED);
    drained(&s.app).await;
    assert!(
        s.app
            .store
            .get_status_by_uri(&ghost)
            .await
            .unwrap()
            .is_none()
    );
    let (_, st) = s
        .get(
            &format!("/api/v1/statuses/{}", mine["id"].as_str().unwrap()),
            Some(&alice.token),
        )
        .await;
    assert_eq!(st["reblogs_count"], json!(0));
    assert_eq!(count_statuses(&s).await, 1);
}

#[tokio::test]
async fn a_community_announcing_a_create_is_stored_from_the_origin_only() {
    let (s, remote, inbox) = setup().await;
    // mallory plays a Lemmy community relaying a member's post; the member
    // (author) lives on the same fake server and serves the Page itself.
    let keys = roost::auth::keys::generate().unwrap();
    remote.fake.serve(
        "/u/ferris",
        "application/activity+json",
        &person(&remote.base, "ferris", &keys.public_pem)
            .as_object()
            .map(|m| {
                let mut m = m.clone();
                m.insert("id".into(), json!(format!("{}/u/ferris", remote.base)));
                m.insert("inbox".into(), json!(format!("{}/u/ferris/inbox", remote.base)));
                m.insert(
                    "publicKey".into(),
                    json!({"id": format!("{}/u/ferris#main-key", remote.base), "owner": format!("{}/u/ferris", remote.base), "publicKeyPem": keys.public_pem}),
                );
                Value::Object(m)
            })
            .unwrap(),
    );
    let page_id = format!("{}/post/1337", remote.base);
    let page = json!({
        "id": page_id, "type": "Page", "attributedTo": format!("{}/u/ferris", remote.base),
        "to": [remote.actor, "https://www.w3.org/ns/activitystreams#Public"],
        "name": "Async closures are stable!", "content": "<p>From the origin.</p>",
        "published": "2026-01-01T00:00:00Z",
    });
    remote
        .fake
        .serve("/post/1337", "application/activity+json", &page);
    // The wrapper's copy says something else: it must not be believed.
    let mut forged = page.clone();
    forged["content"] = json!("<p>Forged by the relay.</p>");
    let announce = json!({
        "id": format!("{}/activities/announce/1", remote.base), "type": "Announce", "actor": remote.actor,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "object": {"id": format!("{}/activities/create/1", remote.base), "type": "Create",
                   "actor": format!("{}/u/ferris", remote.base), "object": forged},
    });
    assert_eq!(remote.post(&inbox, &announce).await, StatusCode::ACCEPTED);
    let stored = eventually("the relayed page", || async {
        s.app.store.get_status_by_uri(&page_id).await.unwrap()
    })
    .await;
    assert!(
        stored.content.contains("From the origin"),
        "{}",
        stored.content
    );
    assert!(stored.content.contains("Async closures are stable!"));
}

#[tokio::test]
async fn a_local_account_cannot_be_turned_into_a_remote_one() {
    // A server named by a host name, so that its URLs can be spelled in
    // another case: http://LOCALHOST:PORT is the same server.
    let s = TestServer::start_with(|c| {
        federating(c);
        let port = c.server.listen.rsplit(':').next().unwrap().to_string();
        c.server.domain = format!("localhost:{port}");
    })
    .await;
    let alice = s.user("alicia").await;
    let remote = Remote::start("mallory").await;
    let shouting = s.url("/users/alicia").replace("localhost", "LOCALHOST");
    let create = remote.create(remote.note(&format!("{}/notes/1", remote.base), "x"));
    let status = remote
        .post_with(
            &s.url("/inbox"),
            create.to_string().as_bytes(),
            &remote.key,
            &format!("{shouting}#main-key"),
            chrono::Utc::now(),
            |_| {},
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = s
        .get(
            &format!("/api/v2/search?q={shouting}&resolve=true"),
            Some(&alice.token),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let me = s
        .app
        .store
        .get_local_account_by_username("alicia")
        .await
        .unwrap()
        .unwrap();
    assert!(me.is_local(), "the local account stayed local");
    assert!(me.public_key_id.is_none());
    assert!(me.fetched_at.is_none());
}

#[tokio::test]
async fn undo_of_another_servers_id_leaves_no_tombstone() {
    let (s, remote, inbox) = setup().await;
    let victim = "http://victim.example/notes/123";
    let undo = json!({
        "id": format!("{}/undo/1", remote.base), "type": "Undo", "actor": remote.actor,
        "object": victim,
    });
    assert_eq!(remote.post(&inbox, &undo).await, StatusCode::ACCEPTED);
    let own = format!("{}/boosts/9", remote.base);
    let undo_own = json!({
        "id": format!("{}/undo/2", remote.base), "type": "Undo", "actor": remote.actor,
        "object": own,
    });
    assert_eq!(remote.post(&inbox, &undo_own).await, StatusCode::ACCEPTED);
    eventually("the actor's own tombstone", || async {
        s.app.store.has_tombstone(&own).await.unwrap().then_some(())
    })
    .await;
    assert!(!s.app.store.has_tombstone(victim).await.unwrap());
}

#[tokio::test]
async fn search_by_url_does_not_reveal_private_posts() {
    let (s, _remote, _inbox) = setup().await;
    let alice = s.user("alicia").await;
    let eve = s.user("eve").await;
    for visibility in ["private", "direct"] {
        let (_, posted) = s
            .request(
                reqwest::Method::POST,
                "/api/v1/statuses",
                Some(&alice.token),
                Some(json!({"status": "secret", "visibility": visibility})),
            )
            .await;
        for q in [&posted["uri"], &posted["url"]] {
            let (_, found) = s
                .get(
                    &format!("/api/v2/search?q={}", q.as_str().unwrap()),
                    Some(&eve.token),
                )
                .await;
            assert_eq!(found["statuses"], json!([]), "{visibility} {q}");
            let (_, own) = s
                .get(
                    &format!("/api/v2/search?q={}", q.as_str().unwrap()),
                    Some(&alice.token),
                )
                .await;
            assert_eq!(
                own["statuses"][0]["uri"], posted["uri"],
                "the author finds it"
            );
        }
    }
}

/// A search by a post's page URL on a server that answers HTML: roost follows
/// the page's `rel="alternate"` ActivityPub link, on the same origin only.
#[tokio::test]
async fn page_urls_lead_to_their_activitypub_alternate_on_the_same_origin_only() {
    let (s, remote, _inbox) = setup().await;
    let alice = s.user("alicia").await;
    let page = |href: &str| {
        format!(
            "<!doctype html><html><head><title>a post</title>\
             <link rel=\"alternate\" type=\"application/activity+json\" href=\"{href}\">\
             </head><body><p>a post</p></body></html>"
        )
    };
    let note = format!("{}/notes/7", remote.base);
    remote.fake.serve(
        "/notes/7",
        "application/activity+json",
        &remote.note(&note, "behind a page"),
    );
    remote
        .fake
        .serve_text("/@mallory/7", "text/html; charset=utf-8", &page("/notes/7"));
    // A page whose alternate is on another server.
    let other = Remote::start("eve").await;
    let elsewhere = format!("{}/notes/8", other.base);
    other.fake.serve(
        "/notes/8",
        "application/activity+json",
        &other.note(&elsewhere, "elsewhere"),
    );
    remote
        .fake
        .serve_text("/@mallory/8", "text/html", &page(&elsewhere));

    let search = |q: String| {
        let (s, token) = (&s, alice.token.clone());
        async move {
            let (status, found) = s
                .get(
                    &format!("/api/v2/search?resolve=true&{}", query(&[("q", &q)])),
                    Some(&token),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{found}");
            found
        }
    };
    let found = search(format!("{}/@mallory/7", remote.base)).await;
    assert_eq!(found["statuses"][0]["uri"], json!(note), "{found}");
    let found = search(format!("{}/@mallory/8", remote.base)).await;
    assert_eq!(found["statuses"], json!([]), "{found}");
    assert!(
        s.app
            .store
            .get_status_by_uri(&elsewhere)
            .await
            .unwrap()
            .is_none(),
        "nothing was fetched from the other origin"
    );
    assert_eq!(other.fake.hits.load(Ordering::SeqCst), 0);
}

/// Issue 15: a remote document's URLs reach HTML and clients only when
/// they are http(s). `javascript:` in an actor's `url` or `icon`, a post's
/// `url` or an attachment's `url` is dropped where it is read, so it shows
/// up neither in the Account and Status entities nor in the `href` of a
/// local post that mentions the actor.
#[tokio::test]
async fn remote_urls_that_are_not_http_never_reach_html_or_entities() {
    let (s, remote, inbox) = setup().await;
    let alice = s.user("alicia").await;
    let served = remote.fake.docs.lock().unwrap()["/users/mallory"].1.clone();
    let mut actor: Value = serde_json::from_str(&served).unwrap();
    actor["url"] = json!("javascript:alert(1)");
    actor["icon"] = json!({"type": "Image", "url": "javascript:alert(2)"});
    actor["image"] = json!({"type": "Image", "url": "data:image/png;base64,AAAA"});
    remote
        .fake
        .serve("/users/mallory", "application/activity+json", &actor);
    let mut note = remote.note(&format!("{}/notes/js", remote.base), "look");
    note["url"] = json!("javascript:alert(3)");
    note["attachment"] = json!([
        {"type": "Document", "mediaType": "image/png", "url": "javascript:alert(4)"},
        {"type": "Document", "mediaType": "image/png", "url": format!("{}/media/ok.png", remote.base)},
    ]);
    assert_eq!(
        remote.post(&inbox, &remote.create(note)).await,
        StatusCode::ACCEPTED
    );
    let st = eventually("the remote post on the public timeline", || async {
        let (_, v) = s.get("/api/v1/timelines/public", Some(&alice.token)).await;
        v.as_array()?.first().cloned()
    })
    .await;
    let everything = st.to_string();
    for bad in ["javascript:", "data:image"] {
        assert!(!everything.contains(bad), "{bad} in {everything}");
    }
    assert!(st["url"].is_null() || st["url"].as_str().unwrap().starts_with("http"));
    assert_eq!(st["media_attachments"].as_array().unwrap().len(), 1);
    let account = &st["account"];
    assert_eq!(account["url"], json!(remote.actor));
    assert!(account["avatar"].as_str().unwrap().starts_with("http"));
    assert!(account["header"].as_str().unwrap().starts_with("http"));

    // A local post mentioning the actor links to its id, not its `url`.
    let domain = remote.base.trim_start_matches("http://");
    let (code, mine) = s
        .request(
            reqwest::Method::POST,
            "/api/v1/statuses",
            Some(&alice.token),
            Some(json!({"status": format!("hello @mallory@{domain}")})),
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{mine}");
    let content = mine["content"].as_str().unwrap();
    assert!(!content.contains("javascript:"), "{content}");
    assert!(
        content.contains(&format!("href=\"{}\"", remote.actor)),
        "{content}"
    );
    assert_eq!(mine["mentions"][0]["url"], json!(remote.actor));
}

/// Issue 15: a vote arriving through the inbox passes the same visibility
/// rule as one through the API. A stranger's vote in a followers-only poll
/// is ignored; once they follow, their vote counts.
#[tokio::test]
async fn inbound_votes_in_a_followers_only_poll_count_from_followers_only() {
    let (s, remote, inbox) = setup().await;
    let alice = s.user("alicia").await;
    let (code, post) = s
        .request(
            reqwest::Method::POST,
            "/api/v1/statuses",
            Some(&alice.token),
            Some(json!({
                "status": "which?", "visibility": "private",
                "poll": {"options": ["yes", "no"], "expires_in": 3600},
            })),
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{post}");
    let poll_id = post["poll"]["id"].as_str().unwrap().to_string();
    let question = post["uri"].as_str().unwrap().to_string();
    let alice_uri = s.url("/users/alicia");
    let vote = |n: u32| {
        let id = format!("{}/votes/{n}", remote.base);
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{id}/activity"), "type": "Create", "actor": remote.actor,
            "to": [alice_uri],
            "object": {"id": id, "type": "Note", "name": "yes", "inReplyTo": question,
                       "attributedTo": remote.actor, "to": [alice_uri]},
        })
    };
    let votes = || async {
        let (_, p) = s
            .get(&format!("/api/v1/polls/{poll_id}"), Some(&alice.token))
            .await;
        p["votes_count"].as_i64().unwrap()
    };

    assert_eq!(remote.post(&inbox, &vote(1)).await, StatusCode::ACCEPTED);
    drained(&s.app).await;
    assert_eq!(votes().await, 0, "a stranger's vote was counted");

    let follow = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}#follows/1", remote.actor), "type": "Follow",
        "actor": remote.actor, "object": alice_uri,
    });
    assert_eq!(remote.post(&inbox, &follow).await, StatusCode::ACCEPTED);
    drained(&s.app).await;
    assert_eq!(remote.post(&inbox, &vote(2)).await, StatusCode::ACCEPTED);
    eventually("the follower's vote", || async {
        (votes().await == 1).then_some(())
    })
    .await;
}

/// Issue 15: a signature is bound to the server it was made for. A Create
/// signed for another server's shared inbox, replayed here byte for byte
/// (its `Host` included), is refused; so is one that does not sign `Host`.
#[tokio::test]
async fn a_delivery_signed_for_another_server_cannot_be_replayed_here() {
    let (s, remote, inbox) = setup().await;
    let create = remote.create(remote.note(&format!("{}/notes/replayed", remote.base), "hi"));
    let body = create.to_string();
    let send = |signed_for: String, names_host: bool| {
        let body = body.clone();
        let inbox = inbox.clone();
        let key = &remote.key;
        let key_id = remote.key_id();
        async move {
            let url = url::Url::parse(&signed_for).unwrap();
            let mut headers = HeaderMap::new();
            headers.insert("content-type", "application/activity+json".parse().unwrap());
            sign_request(
                key,
                &key_id,
                &http::Method::POST,
                &url,
                &mut headers,
                Some(body.as_bytes()),
                chrono::Utc::now(),
            )
            .unwrap();
            if !names_host {
                // Re-signed over the same request without `host`.
                let date = headers["date"].to_str().unwrap().to_string();
                let digest = roost::federation::signatures::digest_header(body.as_bytes());
                let msg = format!(
                    "(request-target): post {}\ndate: {date}\ndigest: {digest}",
                    url.path()
                );
                let sig = base64::Engine::encode(
                    &base64::engine::general_purpose::STANDARD,
                    key.sign_bytes(msg.as_bytes()).unwrap(),
                );
                let value = format!(
                    "keyId=\"{key_id}\",algorithm=\"rsa-sha256\",headers=\"(request-target) date digest\",signature=\"{sig}\""
                );
                headers.insert("signature", value.parse().unwrap());
            }
            let mut req = reqwest::Client::new().post(&inbox).body(body);
            for (k, v) in &headers {
                req = req.header(k.as_str(), v.to_str().unwrap());
            }
            req.send().await.unwrap().status()
        }
    };
    // Signed for other.example and sent here with other.example's Host:
    // the signature itself is valid, the server it names is not this one.
    assert_eq!(
        send("http://other.example/inbox".into(), true).await,
        StatusCode::UNAUTHORIZED
    );
    // Host left out of the signature: nothing binds it to a server.
    assert_eq!(send(inbox.clone(), false).await, StatusCode::UNAUTHORIZED);
    drained(&s.app).await;
    assert_eq!(count_statuses(&s).await, 0);
    // The same delivery signed for this server is accepted.
    assert_eq!(send(inbox.clone(), true).await, StatusCode::ACCEPTED);
}

/// Issue 15: a server gets a budget of signed requests, and of keys roost
/// has never seen (each costs a fetch). Beyond them it gets 429, which
/// peers take as "retry later"; nothing it sent over budget is stored.
#[tokio::test]
async fn a_flooding_server_gets_429_and_its_excess_is_not_stored() {
    let s = TestServer::start_with(|c| {
        federating(c);
        c.limits.inbox_per_host_per_5min = 2;
    })
    .await;
    s.user("alice").await;
    let remote = Remote::start("mallory").await;
    let inbox = s.url("/inbox");
    let mut answers = Vec::new();
    for i in 0..3 {
        let create = remote.create(remote.note(&format!("{}/notes/flood{i}", remote.base), "x"));
        answers.push(remote.post(&inbox, &create).await);
    }
    assert_eq!(
        answers,
        [
            StatusCode::ACCEPTED,
            StatusCode::ACCEPTED,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );
    drained(&s.app).await;
    assert_eq!(count_statuses(&s).await, 2);
}

#[tokio::test]
async fn unknown_keys_are_fetched_within_a_budget_per_server() {
    let s = TestServer::start_with(|c| {
        federating(c);
        c.limits.new_keys_per_host_per_5min = 1;
    })
    .await;
    s.user("alice").await;
    let remote = Remote::start("mallory").await;
    let inbox = s.url("/inbox");
    let create = remote.create(remote.note(&format!("{}/notes/k1", remote.base), "x"));
    assert_eq!(remote.post(&inbox, &create).await, StatusCode::ACCEPTED);
    // A second actor on the same server: its key is new, over budget.
    let keys = roost::auth::keys::generate().unwrap();
    remote.fake.serve(
        "/users/other",
        "application/activity+json",
        &person(&remote.base, "other", &keys.public_pem),
    );
    let other = format!("{}/users/other", remote.base);
    let mut note = remote.note(&format!("{}/notes/k2", remote.base), "y");
    note["attributedTo"] = json!(other);
    let mut create = remote.create(note);
    create["actor"] = json!(other);
    let body = create.to_string();
    drained(&s.app).await;
    let hits_before = remote.fake.hits.load(Ordering::SeqCst);
    let status = remote
        .post_with(
            &inbox,
            body.as_bytes(),
            &PrivateKey::from_pem(&keys.private_pem).unwrap(),
            &format!("{other}#main-key"),
            chrono::Utc::now(),
            |_| {},
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        remote.fake.hits.load(Ordering::SeqCst),
        hits_before,
        "the key was fetched anyway"
    );
    // The known actor still gets through.
    let create = remote.create(remote.note(&format!("{}/notes/k3", remote.base), "z"));
    assert_eq!(remote.post(&inbox, &create).await, StatusCode::ACCEPTED);
}

#[tokio::test]
async fn quotes_from_other_software_are_read_and_quote_requests_answered() {
    let (s, remote, inbox) = setup().await;
    let alice = s.user("alicia").await;
    let open = post(&s, &alice, json!({"status": "quote me"})).await;
    let closed = post(
        &s,
        &alice,
        json!({"status": "do not", "quote_approval_policy": "nobody"}),
    )
    .await;
    let open_uri = open["uri"].as_str().unwrap();
    let shown = |uri: String| {
        let s = &s;
        let token = alice.token.clone();
        async move {
            let st = s.app.store.get_status_by_uri(&uri).await.unwrap()?;
            let (_, body) = s
                .get(&format!("/api/v1/statuses/{}", st.id), Some(&token))
                .await;
            Some(body)
        }
    };

    // Misskey's way (`_misskey_quote`, `quoteUrl`, a `RE:` line): a legacy
    // quote, not shown as a quote until approved, which only a self-quote is.
    let mut legacy = remote.note(&format!("{}/notes/legacy", remote.base), "nice");
    legacy["content"] = json!(format!(
        "<p>nice<span class=\"quote-inline\"><br><br>RE: <a href=\"{open_uri}\">{open_uri}</a></span></p>"
    ));
    legacy["_misskey_quote"] = json!(open_uri);
    legacy["quoteUrl"] = json!(open_uri);
    let own_uri = format!("{}/notes/own", remote.base);
    let mut own_quote = remote.note(&format!("{}/notes/self", remote.base), "me again");
    own_quote["quoteUri"] = json!(own_uri);
    // Mastodon 4.5's way, FEP-044f's `quote`: pending until requested.
    let fep_uri = format!("{}/notes/fep", remote.base);
    let mut fep = remote.note(&fep_uri, "agreed");
    fep["quote"] = json!(open_uri);
    fep["interactionPolicy"] = json!({"canQuote": {"automaticApproval": [remote.actor]}});
    let mut refused = remote.note(&format!("{}/notes/refused", remote.base), "nope");
    refused["quote"] = closed["uri"].clone();
    for note in [
        remote.note(&own_uri, "original"),
        legacy,
        own_quote,
        fep.clone(),
        refused.clone(),
    ] {
        assert_eq!(
            remote.post(&inbox, &remote.create(note)).await,
            StatusCode::ACCEPTED
        );
    }
    let legacy = eventually("the legacy quote", || {
        shown(format!("{}/notes/legacy", remote.base))
    })
    .await;
    assert_eq!(legacy["quote"], Value::Null, "{legacy}");
    assert!(legacy["content"].as_str().unwrap().contains("quote-inline"));
    let own = eventually("the self-quote", || {
        shown(format!("{}/notes/self", remote.base))
    })
    .await;
    assert_eq!(own["quote"]["state"], "accepted", "{own}");
    assert_eq!(own["quote"]["quoted_status"]["uri"], json!(own_uri));
    let pending = eventually("the FEP quote", || shown(fep_uri.clone())).await;
    assert_eq!(
        pending["quote"],
        json!({"state": "pending", "quoted_status": null})
    );
    // Its canQuote names only its author: nobody else may quote it.
    assert_eq!(pending["quote_approval"]["automatic"], json!([]));
    assert_eq!(pending["quote_approval"]["current_user"], "denied");

    // The QuoteRequests: one approved (with a stamp that resolves), one
    // refused by the post's policy.
    let request = |id: &str, object: &Value, instrument: &Value| {
        json!({
            "@context": ["https://www.w3.org/ns/activitystreams",
                {"QuoteRequest": "https://w3id.org/fep/044f#QuoteRequest"}],
            "id": format!("{}/quote_requests/{id}", remote.actor),
            "type": "QuoteRequest",
            "actor": remote.actor,
            "object": object,
            "instrument": instrument,
        })
    };
    assert_eq!(
        remote.post(&inbox, &request("1", &open["uri"], &fep)).await,
        StatusCode::ACCEPTED
    );
    assert_eq!(
        remote
            .post(&inbox, &request("2", &closed["uri"], &refused))
            .await,
        StatusCode::ACCEPTED
    );
    let approved = eventually("the quote to be approved", || async {
        let st = shown(fep_uri.clone()).await?;
        (st["quote"]["state"] == "accepted").then_some(st)
    })
    .await;
    assert_eq!(approved["quote"]["quoted_status"]["id"], open["id"]);
    let (_, counted) = s
        .get(
            &format!("/api/v1/statuses/{}", open["id"].as_str().unwrap()),
            Some(&alice.token),
        )
        .await;
    assert_eq!(counted["quotes_count"], 1, "legacy quotes are not counted");
    let stamp = sql_texts(
        &s.app,
        &format!(
            "SELECT CAST(id AS TEXT) FROM quotes WHERE state = 'accepted' AND quoted_status_id = {}",
            open["id"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(stamp.len(), 1);
    let (code, _, doc) = crate::federation::ap_get(
        &s,
        &s.url(&format!("/users/alicia/quote_authorizations/{}", stamp[0])),
    )
    .await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(doc["interactingObject"], json!(fep_uri));
    assert_eq!(doc["attributedTo"], json!(s.url("/users/alicia")));
    let rejected = eventually("the refused quote", || async {
        let st = shown(format!("{}/notes/refused", remote.base)).await?;
        (st["quote"]["state"] == "rejected").then_some(st)
    })
    .await;
    assert_eq!(rejected["quote"]["quoted_status"], Value::Null);
    // A request for a post the instrument does not quote approves nothing.
    let other = post(&s, &alice, json!({"status": "unrelated"})).await;
    let mut stray = remote.note(&format!("{}/notes/stray", remote.base), "stray");
    stray["quote"] = json!(open_uri);
    assert_eq!(
        remote
            .post(&inbox, &request("3", &other["uri"], &stray))
            .await,
        StatusCode::ACCEPTED
    );
    drained(&s.app).await;
    assert_eq!(
        sql_count(
            &s.app,
            &format!(
                "SELECT COUNT(*) FROM quotes WHERE quoted_status_id = {}",
                other["id"].as_str().unwrap()
            )
        )
        .await,
        0
    );
}

/// A followers-only post (and its replies collection) is served to a signed
/// fetch by a follower, as Mastodon serves it, and to nobody else: not
/// unsigned, not to another actor, and a direct post only to those it
/// mentions.
#[tokio::test]
async fn followers_only_posts_are_served_to_signed_fetches_by_followers_only() {
    let (s, follower, inbox) = setup().await;
    let alice = s.user("alicia").await;
    let alice_uri = s.url("/users/alicia");
    let stranger = Remote::start("eve").await;
    let follow = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}#follows/1", follower.actor), "type": "Follow",
        "actor": follower.actor, "object": alice_uri,
    });
    assert_eq!(follower.post(&inbox, &follow).await, StatusCode::ACCEPTED);
    drained(&s.app).await;
    let private = post(
        &s,
        &alice,
        json!({"status": "for followers", "visibility": "private"}),
    )
    .await;
    let direct = post(
        &s,
        &alice,
        json!({"status": "just us", "visibility": "direct"}),
    )
    .await;
    let public = post(&s, &alice, json!({"status": "for all"})).await;
    let uri = |v: &Value| v["uri"].as_str().unwrap().to_string();

    let (status, note, headers) = follower.get_signed(&uri(&private)).await;
    assert_eq!(status, StatusCode::OK, "{note}");
    assert_eq!(note["id"], uri(&private).as_str());
    assert!(
        note["to"].to_string().contains("/users/alicia/followers"),
        "{note}"
    );
    assert_eq!(headers["cache-control"], "private, no-store");
    let (status, replies, _) = follower
        .get_signed(&format!(
            "{}/replies?only_other_accounts=true&page=true",
            uri(&private)
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{replies}");
    assert_eq!(replies["type"], "CollectionPage");
    let (status, _, _) = follower
        .get_signed(&format!("{}/activity", uri(&private)))
        .await;
    assert_eq!(status, StatusCode::OK);

    // Unsigned, by a stranger, or a direct post that does not mention
    // the follower: 404, as if there were nothing.
    let unsigned = s
        .http
        .get(uri(&private))
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        stranger.get_signed(&uri(&private)).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        stranger
            .get_signed(&format!("{}/replies", uri(&private)))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        follower.get_signed(&uri(&direct)).await.0,
        StatusCode::NOT_FOUND
    );
    // A public post stays public, and cacheable.
    let (status, _, headers) = stranger.get_signed(&uri(&public)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers.get("cache-control").is_none());
}
