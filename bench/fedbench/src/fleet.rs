//! The receiving fleet: one process listening on N loopback ports, each port a
//! "remote instance" at `http://127.0.0.1:PORT`.
//!
//! Each port answers
//! - `POST /inbox` and `POST /users/{name}/inbox`: parses the `Signature`
//!   header, gets the signer's public key (fetched from roost once per keyId,
//!   shared by all ports, concurrent first requests waiting on one fetch),
//!   checks the signature (with roost's own `verify_request`), that `Host` is
//!   this port, and the body's `Digest`; counts a verified delivery (202) or
//!   a failure by reason (401);
//! - `GET /users/{name}`: the Person document of that actor, with the key
//!   `PORT % keys` and `sharedInbox` = `http://127.0.0.1:PORT/inbox`, so
//!   roost can resolve the actors that sign the intake load;
//! - `GET /stats`: the counts as JSON (the same on every port), with the
//!   first and last verified delivery's time and, per activity id, how many
//!   distinct ports received it and when the first and last did;
//! - `GET /health`: `OK`.
//!
//! Once a second, while anything changes, a line of counts goes to stdout.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::Utc;
use serde_json::{Value, json};
use tokio::sync::OnceCell;

use crate::args::Args;
use crate::signatures::{self, PublicKey};
use crate::{epoch_ms, keys};

const ACTIVITY_JSON: &str = "application/activity+json";

pub async fn run(args: &Args) -> Result<(), String> {
    let base_port: u16 = args.num("base-port", None)?;
    let ports: u16 = args.num("ports", Some(1000))?;
    let pems = keys::public_pems(&args.str("keys")?)?;
    let http = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| e.to_string())?;
    let fleet = Arc::new(Fleet {
        pems,
        http,
        keys: Mutex::default(),
        stats: Mutex::default(),
    });
    if base_port.checked_add(ports).is_none() {
        return Err("--base-port + --ports is past 65535".into());
    }
    for port in base_port..base_port + ports {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e}"))?;
        let app = router().with_state(PortState {
            fleet: fleet.clone(),
            port,
        });
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                eprintln!("fleet: port {port}: {e}");
            }
        });
    }
    println!(
        "fleet: listening on 127.0.0.1:{base_port}..{} ({ports} ports)",
        base_port + ports - 1
    );
    if let Some(url) = args.opt("key-url") {
        match fleet.key(&url).await {
            Ok(_) => println!("fleet: prefetched {url}"),
            Err(e) => eprintln!("fleet: cannot prefetch {url}: {e}"),
        }
    }
    report_every_second(&fleet).await;
    Ok(())
}

/// Prints the counts once a second while they change; runs until killed.
async fn report_every_second(fleet: &Fleet) {
    let mut last: Option<(u64, u64, u64, u64)> = None;
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tick.tick().await;
        let line = {
            let Ok(s) = fleet.stats.lock() else { return };
            let now = (s.verified, s.failed, s.key_fetches, s.actor_gets);
            if last == Some(now) {
                continue;
            }
            let rate = s.verified - last.map_or(0, |l| l.0);
            last = Some(now);
            format!(
                "fleet {:.3}: verified={} (+{rate}) failed={} key_fetches={} actor_gets={} first_ms={} last_ms={}",
                epoch_ms() / 1000.0,
                s.verified,
                s.failed,
                s.key_fetches,
                s.actor_gets,
                s.first_ms.map_or("-".into(), |t| format!("{t:.1}")),
                s.last_ms.map_or("-".into(), |t| format!("{t:.1}")),
            )
        };
        println!("{line}");
    }
}

struct Fleet {
    /// Public PEMs of the actors' keys (`keys::index_for_port`).
    pems: Vec<String>,
    http: reqwest::Client,
    /// Signers' public keys by keyId, each fetched once.
    keys: Mutex<HashMap<String, Arc<OnceCell<PublicKey>>>>,
    stats: Mutex<Stats>,
}

#[derive(Default)]
struct Stats {
    verified: u64,
    failed: u64,
    failures: BTreeMap<String, u64>,
    first_ms: Option<f64>,
    last_ms: Option<f64>,
    key_fetches: u64,
    actor_gets: u64,
    activities: HashMap<String, Activity>,
}

/// What the fleet saw of one activity id.
struct Activity {
    kind: String,
    object: Option<String>,
    ports: HashSet<u16>,
    deliveries: u64,
    first_ms: f64,
    last_ms: f64,
}

#[derive(Clone)]
struct PortState {
    fleet: Arc<Fleet>,
    port: u16,
}

fn router() -> Router<PortState> {
    Router::new()
        .route("/inbox", post(shared_inbox))
        .route("/users/{name}/inbox", post(personal_inbox))
        .route("/users/{name}", get(actor))
        .route("/stats", get(stats))
        .route("/health", get(|| async { "OK" }))
}

impl Fleet {
    /// The public key behind `key_id`, fetched on first use.
    async fn key(&self, key_id: &str) -> Result<PublicKey, String> {
        let cell = {
            let mut m = self.keys.lock().map_err(|_| "poisoned")?;
            m.entry(key_id.to_string()).or_default().clone()
        };
        cell.get_or_try_init(|| self.fetch_key(key_id))
            .await
            .cloned()
    }

    /// GETs the keyId's document from a loopback server and reads the key.
    async fn fetch_key(&self, key_id: &str) -> Result<PublicKey, String> {
        let url = url::Url::parse(key_id).map_err(|_| format!("keyId is not a URL: {key_id}"))?;
        if !matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]")) {
            return Err(format!("keyId is not on loopback: {key_id}"));
        }
        if let Ok(mut s) = self.stats.lock() {
            s.key_fetches += 1;
        }
        let resp = self
            .http
            .get(url)
            .header(header::ACCEPT, ACTIVITY_JSON)
            .send()
            .await
            .map_err(|e| format!("fetching {key_id}: {e}"))?;
        let status = resp.status();
        let body = resp
            .bytes()
            .await
            .map_err(|e| format!("fetching {key_id}: {e}"))?;
        if !status.is_success() {
            return Err(format!("fetching {key_id}: HTTP {status}"));
        }
        let doc: Value = serde_json::from_slice(&body).map_err(|_| "key document is not JSON")?;
        let pem =
            key_pem(&doc, key_id).ok_or_else(|| format!("no key {key_id} in its document"))?;
        PublicKey::from_pem(pem).map_err(|e| format!("key {key_id}: {e}"))
    }

    fn record_failure(&self, why: String) {
        if let Ok(mut s) = self.stats.lock() {
            s.failed += 1;
            *s.failures.entry(why).or_default() += 1;
        }
    }

    fn record_delivery(&self, port: u16, activity: &Value) {
        let now = epoch_ms();
        let id = activity
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let kind = activity
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let object = match activity.get("object") {
            Some(Value::String(s)) => Some(s.clone()),
            Some(o) => o.get("id").and_then(Value::as_str).map(str::to_string),
            None => None,
        };
        let Ok(mut s) = self.stats.lock() else { return };
        s.verified += 1;
        s.first_ms.get_or_insert(now);
        s.last_ms = Some(now);
        let a = s.activities.entry(id).or_insert_with(|| Activity {
            kind,
            object,
            ports: HashSet::new(),
            deliveries: 0,
            first_ms: now,
            last_ms: now,
        });
        a.ports.insert(port);
        a.deliveries += 1;
        a.last_ms = now;
    }
}

/// The PEM of key `key_id` in an actor document (`publicKey` as an object or
/// a list) or in a key document.
fn key_pem<'a>(doc: &'a Value, key_id: &str) -> Option<&'a str> {
    let matches = |k: &&'a Value| k.get("id").and_then(Value::as_str) == Some(key_id);
    let key = match doc.get("publicKey") {
        Some(Value::Array(list)) => list.iter().find(matches),
        Some(k) => Some(k).filter(matches),
        None => Some(doc).filter(matches),
    };
    key?.get("publicKeyPem").and_then(Value::as_str)
}

async fn shared_inbox(
    State(st): State<PortState>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    receive(&st, &uri, &headers, &body).await
}

async fn personal_inbox(
    State(st): State<PortState>,
    Path(_name): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    receive(&st, &uri, &headers, &body).await
}

async fn receive(st: &PortState, uri: &Uri, headers: &HeaderMap, body: &[u8]) -> StatusCode {
    match verify(st, uri, headers, body).await {
        Ok(activity) => {
            st.fleet.record_delivery(st.port, &activity);
            StatusCode::ACCEPTED
        }
        Err(why) => {
            st.fleet.record_failure(why);
            StatusCode::UNAUTHORIZED
        }
    }
}

/// Checks a delivery as a remote server would; returns its activity.
async fn verify(
    st: &PortState,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Value, String> {
    let header = headers
        .get("signature")
        .and_then(|v| v.to_str().ok())
        .ok_or("no Signature header")?;
    let params = signatures::parse_signature(header).map_err(|e| e.to_string())?;
    let key = st.fleet.key(&params.key_id).await?;
    let want_host = format!("127.0.0.1:{}", st.port);
    if headers.get(header::HOST).and_then(|v| v.to_str().ok()) != Some(want_host.as_str()) {
        return Err("Host is not this instance".into());
    }
    signatures::verify_request(
        &params,
        &Method::POST,
        uri.path(),
        uri.query(),
        headers,
        &key,
        Utc::now(),
    )
    .map_err(|e| e.to_string())?;
    signatures::verify_digest(headers, body).map_err(|e| e.to_string())?;
    serde_json::from_slice(body).map_err(|_| "body is not JSON".into())
}

/// `GET /users/{name}`: the actor `name` of this port.
async fn actor(State(st): State<PortState>, Path(name): Path<String>) -> Response {
    if let Ok(mut s) = st.fleet.stats.lock() {
        s.actor_gets += 1;
    }
    let pem = &st.fleet.pems[keys::index_for_port(st.port, st.fleet.pems.len())];
    let base = format!("http://127.0.0.1:{}", st.port);
    let id = format!("{base}/users/{name}");
    let doc = json!({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": id,
        "type": "Person",
        "preferredUsername": name,
        "name": format!("fleet {name}"),
        "summary": "",
        "url": id,
        "inbox": format!("{id}/inbox"),
        "outbox": format!("{id}/outbox"),
        "followers": format!("{id}/followers"),
        "following": format!("{id}/following"),
        "manuallyApprovesFollowers": false,
        "discoverable": true,
        "published": "2026-01-01T00:00:00Z",
        "endpoints": {"sharedInbox": format!("{base}/inbox")},
        "publicKey": {"id": format!("{id}#main-key"), "owner": id, "publicKeyPem": pem},
    });
    let ct = HeaderValue::from_static("application/activity+json; charset=utf-8");
    ([(header::CONTENT_TYPE, ct)], doc.to_string()).into_response()
}

/// `GET /stats`.
async fn stats(State(st): State<PortState>) -> Response {
    let doc = match st.fleet.stats.lock() {
        Ok(s) => {
            let mut acts: Vec<&String> = s.activities.keys().collect();
            acts.sort_by(|a, b| {
                s.activities[*a]
                    .first_ms
                    .total_cmp(&s.activities[*b].first_ms)
            });
            let activities: Vec<Value> = acts
                .into_iter()
                .map(|id| {
                    let a = &s.activities[id];
                    json!({
                        "id": id, "type": a.kind, "object": a.object,
                        "ports": a.ports.len(), "deliveries": a.deliveries,
                        "first_ms": a.first_ms, "last_ms": a.last_ms,
                    })
                })
                .collect();
            json!({
                "verified": s.verified, "failed": s.failed, "failures": s.failures,
                "first_ms": s.first_ms, "last_ms": s.last_ms,
                "key_fetches": s.key_fetches, "actor_gets": s.actor_gets,
                "activities": activities,
            })
        }
        Err(_) => json!({"error": "poisoned"}),
    };
    let ct = HeaderValue::from_static("application/json");
    ([(header::CONTENT_TYPE, ct)], doc.to_string()).into_response()
}
