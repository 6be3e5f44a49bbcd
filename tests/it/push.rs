//! Web Push end to end: a real push endpoint on loopback receives what roost
//! sends, and the test decrypts it with the subscription's private key (p256
//! for the key agreement, ring for HKDF and AES-GCM; none of roost's code),
//! in both encodings, and checks the VAPID signature.

use std::sync::Arc;
use std::sync::atomic::{AtomicU16, Ordering};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use p256::elliptic_curve::sec1::ToSec1Point;
use p256::{PublicKey, SecretKey};
use reqwest::Method;
use ring::rand::SecureRandom;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::common::*;

/// A push service: records each request, answers with `status`.
struct Endpoint {
    url: String,
    requests: mpsc::UnboundedReceiver<(HeaderMap, Bytes)>,
    status: Arc<AtomicU16>,
}

async fn endpoint() -> Endpoint {
    let (tx, requests) = mpsc::unbounded_channel();
    let status = Arc::new(AtomicU16::new(201));
    let answer = status.clone();
    let app = axum::Router::new().route(
        "/push/{id}",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let tx = tx.clone();
            let answer = answer.clone();
            async move {
                let _ = tx.send((headers, body));
                StatusCode::from_u16(answer.load(Ordering::SeqCst)).unwrap()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    Endpoint {
        url: format!("http://{addr}/push/1"),
        requests,
        status,
    }
}

/// A browser's subscription keys.
struct ClientKeys {
    secret: SecretKey,
    auth: [u8; 16],
}

impl ClientKeys {
    fn new() -> Self {
        let rng = ring::rand::SystemRandom::new();
        let mut bytes = [0u8; 32];
        rng.fill(&mut bytes).unwrap();
        let mut auth = [0u8; 16];
        rng.fill(&mut auth).unwrap();
        ClientKeys {
            secret: SecretKey::from_slice(&bytes).unwrap(),
            auth,
        }
    }

    fn public(&self) -> Vec<u8> {
        self.secret
            .public_key()
            .to_sec1_point(false)
            .as_bytes()
            .to_vec()
    }

    fn ecdh(&self, peer: &[u8]) -> Vec<u8> {
        let p = PublicKey::from_sec1_bytes(peer).unwrap();
        p256::ecdh::diffie_hellman(self.secret.to_nonzero_scalar(), p.as_affine())
            .raw_secret_bytes()
            .to_vec()
    }
}

struct Len(usize);
impl ring::hkdf::KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

fn hkdf(salt: &[u8], ikm: &[u8], info: &[&[u8]], len: usize) -> Vec<u8> {
    let prk = ring::hkdf::Salt::new(ring::hkdf::HKDF_SHA256, salt).extract(ikm);
    let mut out = vec![0; len];
    prk.expand(info, Len(len)).unwrap().fill(&mut out).unwrap();
    out
}

fn open(key: &[u8], nonce: &[u8], sealed: &[u8]) -> Vec<u8> {
    let key = ring::aead::LessSafeKey::new(
        ring::aead::UnboundKey::new(&ring::aead::AES_128_GCM, key).unwrap(),
    );
    let mut data = sealed.to_vec();
    let plain = key
        .open_in_place(
            ring::aead::Nonce::try_assume_unique_for_key(nonce).unwrap(),
            ring::aead::Aad::empty(),
            &mut data,
        )
        .expect("the payload decrypts with the subscription's keys");
    plain.to_vec()
}

/// RFC 8291: one `aes128gcm` record.
fn decrypt_aes128gcm(keys: &ClientKeys, body: &[u8]) -> Value {
    let salt = &body[..16];
    let idlen = body[20] as usize;
    let server = &body[21..21 + idlen];
    let ua = keys.public();
    let ikm = hkdf(
        &keys.auth,
        &keys.ecdh(server),
        &[b"WebPush: info\0", &ua, server],
        32,
    );
    let cek = hkdf(salt, &ikm, &[b"Content-Encoding: aes128gcm\0"], 16);
    let nonce = hkdf(salt, &ikm, &[b"Content-Encoding: nonce\0"], 12);
    let mut plain = open(&cek, &nonce, &body[21 + idlen..]);
    // The last record ends with 0x02, then optional zero padding.
    while plain.last() == Some(&0) {
        plain.pop();
    }
    assert_eq!(plain.pop(), Some(2), "last-record delimiter");
    serde_json::from_slice(&plain).expect("JSON payload")
}

/// The draft `aesgcm` encoding, keys in the `Encryption` and `Crypto-Key` headers.
fn decrypt_aesgcm(keys: &ClientKeys, headers: &HeaderMap, body: &[u8]) -> Value {
    let header = |name: &str, field: &str| -> Vec<u8> {
        let v = headers[name].to_str().unwrap();
        let part = v
            .split(';')
            .find_map(|p| p.trim().strip_prefix(&format!("{field}=")))
            .unwrap_or_else(|| panic!("{name} has no {field}: {v}"));
        URL_SAFE_NO_PAD.decode(part).unwrap()
    };
    let salt = header("encryption", "salt");
    let server = header("crypto-key", "dh");
    let ua = keys.public();
    let ikm = hkdf(
        &keys.auth,
        &keys.ecdh(&server),
        &[b"Content-Encoding: auth\0"],
        32,
    );
    let mut context = b"P-256\0".to_vec();
    context.extend_from_slice(&65u16.to_be_bytes());
    context.extend_from_slice(&ua);
    context.extend_from_slice(&65u16.to_be_bytes());
    context.extend_from_slice(&server);
    let cek = hkdf(&salt, &ikm, &[b"Content-Encoding: aesgcm\0", &context], 16);
    let nonce = hkdf(&salt, &ikm, &[b"Content-Encoding: nonce\0", &context], 12);
    let plain = open(&cek, &nonce, body);
    let pad = u16::from_be_bytes([plain[0], plain[1]]) as usize;
    serde_json::from_slice(&plain[2 + pad..]).expect("JSON payload")
}

/// Checks a VAPID JWT's signature with the server key and its audience.
fn check_vapid(token: &str, server_key: &str, audience: &str) {
    let (input, signature) = token.rsplit_once('.').unwrap();
    let key = URL_SAFE.decode(server_key).unwrap();
    ring::signature::UnparsedPublicKey::new(&ring::signature::ECDSA_P256_SHA256_FIXED, &key)
        .verify(
            input.as_bytes(),
            &URL_SAFE_NO_PAD.decode(signature).unwrap(),
        )
        .expect("VAPID signature verifies with the server key");
    let claims: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(input.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["aud"], audience);
    assert!(claims["exp"].as_i64().unwrap() > chrono::Utc::now().timestamp());
}

async fn next_request(e: &mut Endpoint) -> (HeaderMap, Bytes) {
    tokio::time::timeout(std::time::Duration::from_secs(20), e.requests.recv())
        .await
        .expect("a push within 20 s")
        .expect("endpoint open")
}

#[tokio::test]
async fn notifications_are_pushed_encrypted_for_the_subscription_in_both_encodings() {
    let s = TestServer::start_with(federating).await;
    let bob = s.user("bob").await;
    let carol = s.user("carol").await;
    let mut e = endpoint().await;
    let keys = ClientKeys::new();
    let p256dh = URL_SAFE_NO_PAD.encode(keys.public());
    let auth = URL_SAFE_NO_PAD.encode(keys.auth);

    let (status, sub) = s
        .request(
            Method::POST,
            "/api/v1/push/subscription",
            Some(&bob.token),
            Some(json!({
                "subscription": {"endpoint": e.url, "keys": {"p256dh": p256dh, "auth": auth}, "standard": true},
                "data": {"alerts": {"mention": true, "favourite": "true"}, "policy": "all"}
            })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{sub}");
    assert!(sub["id"].is_number());
    assert_eq!(sub["endpoint"], e.url);
    assert_eq!(sub["standard"], true);
    assert_eq!(sub["alerts"]["mention"], true);
    assert_eq!(sub["alerts"]["favourite"], true);
    assert_eq!(sub["alerts"]["follow"], false);
    assert_eq!(sub["policy"], "all");
    let (_, instance) = s.get("/api/v2/instance", None).await;
    let server_key = sub["server_key"].as_str().unwrap().to_string();
    assert_eq!(instance["configuration"]["vapid"]["public_key"], server_key);
    assert_eq!(URL_SAFE.decode(&server_key).unwrap().len(), 65);
    let (_, again) = s.get("/api/v1/push/subscription", Some(&bob.token)).await;
    assert_eq!(again, sub);

    // A mention: aes128gcm, VAPID in Authorization.
    let post = act(
        &s,
        &carol,
        Method::POST,
        "/api/v1/statuses",
        Some(json!({"status": "hello @bob, <b>bold</b> & more"})),
    )
    .await;
    let (headers, body) = next_request(&mut e).await;
    assert_eq!(headers["content-encoding"], "aes128gcm");
    assert_eq!(headers["ttl"], "172800");
    assert_eq!(headers["urgency"], "normal");
    let authorization = headers["authorization"].to_str().unwrap();
    let (t, k) = authorization
        .strip_prefix("vapid t=")
        .and_then(|r| r.split_once(",k="))
        .expect("vapid t=…,k=…");
    assert_eq!(
        URL_SAFE_NO_PAD.decode(k).unwrap(),
        URL_SAFE.decode(&server_key).unwrap()
    );
    let origin = e.url.trim_end_matches("/push/1").to_string();
    check_vapid(t, &server_key, &origin);
    let payload = decrypt_aes128gcm(&keys, &body);
    assert_eq!(payload["notification_type"], "mention");
    assert_eq!(payload["access_token"], bob.token);
    assert!(payload["notification_id"].is_number());
    assert_eq!(payload["preferred_locale"], "en");
    assert!(
        payload["title"].as_str().unwrap().contains("carol"),
        "{payload}"
    );
    assert!(
        payload["body"]
            .as_str()
            .unwrap()
            .contains("hello @bob, <b>bold</b> & more"),
        "{payload}"
    );
    assert!(payload["icon"].as_str().unwrap().starts_with("http"));
    let (_, listed) = s.get("/api/v1/notifications", Some(&bob.token)).await;
    assert_eq!(
        listed[0]["id"].as_str().unwrap(),
        payload["notification_id"].to_string()
    );

    // Subscribing again replaces it: now the legacy encoding.
    let (status, sub) = s
        .request(
            Method::POST,
            "/api/v1/push/subscription",
            Some(&bob.token),
            Some(json!({
                "subscription": {"endpoint": e.url, "keys": {"p256dh": p256dh, "auth": auth}},
                "data": {"alerts": {"favourite": true}}
            })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{sub}");
    assert_eq!(sub["standard"], false);
    let mine = act(
        &s,
        &bob,
        Method::POST,
        "/api/v1/statuses",
        Some(json!({"status": "like this"})),
    )
    .await;
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
    let (headers, body) = next_request(&mut e).await;
    assert_eq!(headers["content-encoding"], "aesgcm");
    let authorization = headers["authorization"].to_str().unwrap();
    check_vapid(
        authorization
            .strip_prefix("WebPush ")
            .expect("WebPush <jwt>"),
        &server_key,
        &origin,
    );
    assert!(headers["crypto-key"].to_str().unwrap().contains(&format!(
        "p256ecdsa={}",
        URL_SAFE_NO_PAD.encode(URL_SAFE.decode(&server_key).unwrap())
    )));
    let payload = decrypt_aesgcm(&keys, &headers, &body);
    assert_eq!(payload["notification_type"], "favourite");
    assert_eq!(payload["body"], "like this");
    let _ = post;
}

#[tokio::test]
async fn alerts_policy_and_a_gone_endpoint_decide_what_is_pushed() {
    let s = TestServer::start_with(federating).await;
    let bob = s.user("bob").await;
    let carol = s.user("carol").await;
    let mut e = endpoint().await;
    let keys = ClientKeys::new();
    let subscribe = json!({
        "subscription": {"endpoint": e.url, "keys": {
            "p256dh": URL_SAFE.encode(keys.public()), "auth": URL_SAFE.encode(keys.auth)}, "standard": true},
        "data": {"alerts": {"follow": true, "mention": true}, "policy": "followed"}
    });
    let (status, _) = s
        .request(
            Method::POST,
            "/api/v1/push/subscription",
            Some(&bob.token),
            Some(subscribe),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    // Bob follows nobody: under "followed", carol's mention is not pushed.
    act(
        &s,
        &carol,
        Method::POST,
        "/api/v1/statuses",
        Some(json!({"status": "@bob one"})),
    )
    .await;
    drained(&s.app).await;
    assert!(e.requests.try_recv().is_err(), "pushed despite the policy");

    // PUT changes the policy and one alert, keeping the others.
    let (status, sub) = s
        .request(
            Method::PUT,
            "/api/v1/push/subscription",
            Some(&bob.token),
            Some(json!({"data": {"alerts": {"mention": false}, "policy": "all"}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{sub}");
    assert_eq!(
        (
            sub["alerts"]["mention"].clone(),
            sub["alerts"]["follow"].clone(),
            sub["policy"].clone()
        ),
        (json!(false), json!(true), json!("all"))
    );
    act(
        &s,
        &carol,
        Method::POST,
        "/api/v1/statuses",
        Some(json!({"status": "@bob two"})),
    )
    .await;
    act(
        &s,
        &carol,
        Method::POST,
        &format!("/api/v1/accounts/{}/follow", bob.id),
        None,
    )
    .await;
    let (_, body) = next_request(&mut e).await;
    assert_eq!(
        decrypt_aes128gcm(&keys, &body)["notification_type"],
        "follow"
    );

    // The push service forgot the subscription: roost removes it.
    e.status.store(410, Ordering::SeqCst);
    act(
        &s,
        &carol,
        Method::POST,
        &format!("/api/v1/accounts/{}/unfollow", bob.id),
        None,
    )
    .await;
    act(
        &s,
        &carol,
        Method::POST,
        &format!("/api/v1/accounts/{}/follow", bob.id),
        None,
    )
    .await;
    next_request(&mut e).await;
    eventually("the gone subscription to be removed", || async {
        let (status, _) = s.get("/api/v1/push/subscription", Some(&bob.token)).await;
        (status == StatusCode::NOT_FOUND).then_some(())
    })
    .await;
}

#[tokio::test]
async fn bad_subscriptions_are_refused_and_change_nothing() {
    let s = TestServer::start_with(federating).await;
    let bob = s.user("bob").await;
    let keys = ClientKeys::new();
    let good_key = URL_SAFE_NO_PAD.encode(keys.public());
    let good_auth = URL_SAFE_NO_PAD.encode(keys.auth);
    let cases = [
        (json!({}), StatusCode::BAD_REQUEST),
        (
            json!({"subscription": {"keys": {"p256dh": good_key, "auth": good_auth}}}),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"subscription": {"endpoint": "not a url", "keys": {"p256dh": good_key, "auth": good_auth}}}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"subscription": {"endpoint": "ftp://x.example/p", "keys": {"p256dh": good_key, "auth": good_auth}}}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"subscription": {"endpoint": "http://127.0.0.1:9/p", "keys": {"p256dh": URL_SAFE_NO_PAD.encode([4u8; 65]), "auth": good_auth}}}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"subscription": {"endpoint": "http://127.0.0.1:9/p", "keys": {"p256dh": good_key, "auth": "c2hvcnQ"}}}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"subscription": {"endpoint": "http://127.0.0.1:9/p", "keys": {"p256dh": good_key, "auth": good_auth}}, "data": {"policy": "friends"}}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ];
    for (body, expected) in cases {
        let (status, answer) = s
            .request(
                Method::POST,
                "/api/v1/push/subscription",
                Some(&bob.token),
                Some(body.clone()),
            )
            .await;
        assert_eq!(status, expected, "{body} → {answer}");
        assert!(answer["error"].is_string(), "{answer}");
    }
    let (status, answer) = s.get("/api/v1/push/subscription", Some(&bob.token)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(answer["error"], "Record not found");
    let (status, _) = s
        .request(
            Method::PUT,
            "/api/v1/push/subscription",
            Some(&bob.token),
            Some(json!({"data": {"policy": "all"}})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, answer) = s
        .request(
            Method::DELETE,
            "/api/v1/push/subscription",
            Some(&bob.token),
            None,
        )
        .await;
    assert_eq!((status, answer), (StatusCode::OK, json!({})));
    // A token without the push scope, and none at all.
    let narrow = s.user_with_scopes("dave", "read").await;
    let (status, _) = s
        .get("/api/v1/push/subscription", Some(&narrow.token))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = s.get("/api/v1/push/subscription", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Without allow_private_addresses, a loopback endpoint is refused.
    let closed = TestServer::start().await;
    let eve = closed.user("eve").await;
    let (status, _) = closed
        .request(
            Method::POST,
            "/api/v1/push/subscription",
            Some(&eve.token),
            Some(json!({"subscription": {"endpoint": "https://127.0.0.1/p", "keys": {"p256dh": good_key, "auth": good_auth}}})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}
