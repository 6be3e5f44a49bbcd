//! The intake load: signed `Create(Note)` activities POSTed to roost's shared
//! inbox, `--concurrency` at a time.
//!
//! The signers are `--actors` K fleet actors, `http://127.0.0.1:PORT/users/s{k}`
//! with PORT = `--fleet-base-port` + k % `--fleet-ports`, signing with the key
//! the fleet publishes for them. roost fetches each new signer's document from
//! the fleet once, so a warm-up first sends one activity per actor (reported
//! as `WARMUP`). Then `--count` M activities, round-robin over the actors, are
//! all signed before the clock starts (signing is the sender's cost, not
//! roost's, and would take the cores roost needs), and sent; the outcome is
//! one line `RESULT {json}`: accepted (202) per second, other statuses,
//! transport errors, latency percentiles, and the start and end of the run in
//! Unix milliseconds (for the driver's processed-per-second count).
//!
//! Each run's activity ids carry `--tag` (default: the start time), so a
//! second run is not deduplicated away by roost.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use chrono::{SecondsFormat, Utc};
use http::{HeaderMap, HeaderValue, Method, header};
use serde_json::{Value, json};
use url::Url;

use crate::args::Args;
use crate::signatures::{self, PrivateKey};
use crate::{epoch_ms, keys};

const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

pub async fn run(args: &Args) -> Result<(), String> {
    let target = Url::parse(&args.str("target")?).map_err(|e| format!("--target: {e}"))?;
    let keys = Arc::new(keys::private_keys(&args.str("keys")?)?);
    let load = Load {
        base_port: args.num("fleet-base-port", None)?,
        ports: args.num("fleet-ports", Some(1000))?,
        actors: args.num("actors", Some(100))?,
        tag: args
            .opt("tag")
            .unwrap_or_else(|| format!("{}", epoch_ms() as u64)),
    };
    if load.actors == 0 || load.ports == 0 {
        return Err("--actors and --fleet-ports must be positive".into());
    }
    let count: usize = args.num("count", Some(5000))?;
    let concurrency: usize = args.num("concurrency", Some(32))?;
    let client = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(concurrency * 2)
        .timeout(Duration::from_secs(60))
        .build()
        .map_err(|e| e.to_string())?;

    if args.opt("warmup").as_deref() != Some("false") {
        let warm = sign_all(&load, &keys, &target, "warm", load.actors)?;
        let out = send_all(&client, &target, warm, concurrency).await;
        println!("WARMUP {}", out.summary());
    }
    let t = Instant::now();
    let signed = sign_all(&load, &keys, &target, "run", count)?;
    println!(
        "signed {count} activities in {:.2} s (before the clock starts)",
        t.elapsed().as_secs_f64()
    );
    let out = send_all(&client, &target, signed, concurrency).await;
    println!("RESULT {}", out.summary());
    Ok(())
}

/// Who sends, and how the run's activity ids are told apart.
struct Load {
    base_port: u16,
    ports: u16,
    actors: usize,
    tag: String,
}

impl Load {
    /// The port and URI of actor `k`.
    fn actor(&self, k: usize) -> (u16, String) {
        let offset = u16::try_from(k % usize::from(self.ports)).unwrap_or(0);
        let port = self.base_port.saturating_add(offset);
        (port, format!("http://127.0.0.1:{port}/users/s{k}"))
    }

    /// Create activity `n` of phase `phase`, by actor `n % actors`.
    fn activity(&self, phase: &str, n: usize) -> (u16, String, Value) {
        let (port, actor) = self.actor(n % self.actors);
        let note = format!("{actor}/statuses/{}-{phase}-{n}", self.tag);
        let now = Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true);
        let followers = format!("{actor}/followers");
        let content = format!(
            "<p>fedbench intake {phase} {n}: a federated post of ordinary length, \
             with a <a href=\"https://example.org/\">link</a> and some words.</p>"
        );
        let doc = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{note}/activity"),
            "type": "Create",
            "actor": actor,
            "published": now,
            "to": [PUBLIC],
            "cc": [followers],
            "object": {
                "id": note,
                "type": "Note",
                "attributedTo": actor,
                "url": note,
                "published": now,
                "to": [PUBLIC],
                "cc": [followers],
                "content": content,
                "contentMap": {"en": content},
                "sensitive": false,
                "tag": [],
                "attachment": [],
            },
        });
        (port, actor, doc)
    }
}

/// A request ready to send.
struct Signed {
    headers: HeaderMap,
    body: Bytes,
}

/// Signs `count` activities of `phase`, on every core.
fn sign_all(
    load: &Load,
    keys: &[PrivateKey],
    target: &Url,
    phase: &str,
    count: usize,
) -> Result<Vec<Signed>, String> {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let chunk = count.div_ceil(threads).max(1);
    let parts: Vec<Result<Vec<Signed>, String>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..count)
            .step_by(chunk)
            .map(|start| {
                s.spawn(move || {
                    (start..(start + chunk).min(count))
                        .map(|n| sign_one(load, keys, target, phase, n))
                        .collect()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err("a signing thread panicked".into()))
            })
            .collect()
    });
    let mut out = Vec::with_capacity(count);
    for p in parts {
        out.extend(p?);
    }
    Ok(out)
}

fn sign_one(
    load: &Load,
    keys: &[PrivateKey],
    target: &Url,
    phase: &str,
    n: usize,
) -> Result<Signed, String> {
    let (port, actor, doc) = load.activity(phase, n);
    let body = doc.to_string().into_bytes();
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/activity+json"),
    );
    let key = &keys[keys::index_for_port(port, keys.len())];
    signatures::sign_request(
        key,
        &format!("{actor}#main-key"),
        &Method::POST,
        target,
        &mut headers,
        Some(&body),
        Utc::now(),
    )
    .map_err(|e| e.to_string())?;
    Ok(Signed {
        headers,
        body: Bytes::from(body),
    })
}

/// What a batch of POSTs gave.
struct Outcome {
    start_ms: f64,
    end_ms: f64,
    elapsed: Duration,
    /// HTTP status (0: transport error) → count.
    statuses: BTreeMap<u16, usize>,
    first_error: Option<String>,
    latencies_us: Vec<u64>,
}

impl Outcome {
    fn summary(&self) -> Value {
        let mut lat = self.latencies_us.clone();
        lat.sort_unstable();
        let pct = |p: f64| -> f64 {
            if lat.is_empty() {
                return 0.0;
            }
            let i = ((p / 100.0) * (lat.len() - 1) as f64).round() as usize;
            lat[i.min(lat.len() - 1)] as f64 / 1000.0
        };
        let accepted = self.statuses.get(&202).copied().unwrap_or(0);
        let total: usize = self.statuses.values().sum();
        let secs = self.elapsed.as_secs_f64();
        let statuses: BTreeMap<String, usize> = self
            .statuses
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect();
        json!({
            "sent": total,
            "accepted": accepted,
            "not_accepted": total - accepted,
            "statuses": statuses,
            "first_error": self.first_error,
            "elapsed_s": secs,
            "accepted_per_s": if secs > 0.0 { accepted as f64 / secs } else { 0.0 },
            "p50_ms": pct(50.0), "p90_ms": pct(90.0), "p99_ms": pct(99.0), "max_ms": pct(100.0),
            "start_ms": self.start_ms, "end_ms": self.end_ms,
        })
    }
}

/// POSTs every request to `target`, `concurrency` at a time.
async fn send_all(
    client: &reqwest::Client,
    target: &Url,
    reqs: Vec<Signed>,
    concurrency: usize,
) -> Outcome {
    let reqs = Arc::new(reqs);
    let next = Arc::new(AtomicUsize::new(0));
    let start_ms = epoch_ms();
    let t0 = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..concurrency.max(1) {
        let (reqs, next, client, target) =
            (reqs.clone(), next.clone(), client.clone(), target.clone());
        tasks.spawn(async move {
            let mut seen: Vec<(u64, u16)> = Vec::new();
            let mut first_error = None;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(r) = reqs.get(i) else { break };
                let t = Instant::now();
                let sent = client
                    .post(target.clone())
                    .headers(r.headers.clone())
                    .body(r.body.clone())
                    .send()
                    .await;
                let status = match sent {
                    Ok(resp) => {
                        let s = resp.status().as_u16();
                        let body = resp.bytes().await.unwrap_or_default();
                        if s != 202 && first_error.is_none() {
                            first_error =
                                Some(format!("HTTP {s}: {}", String::from_utf8_lossy(&body)));
                        }
                        s
                    }
                    Err(e) => {
                        first_error.get_or_insert_with(|| e.to_string());
                        0
                    }
                };
                seen.push((t.elapsed().as_micros() as u64, status));
            }
            (seen, first_error)
        });
    }
    let mut out = Outcome {
        start_ms,
        end_ms: 0.0,
        elapsed: Duration::ZERO,
        statuses: BTreeMap::new(),
        first_error: None,
        latencies_us: Vec::new(),
    };
    while let Some(done) = tasks.join_next().await {
        let Ok((seen, err)) = done else { continue };
        for (us, status) in seen {
            out.latencies_us.push(us);
            *out.statuses.entry(status).or_default() += 1;
        }
        if out.first_error.is_none() {
            out.first_error = err;
        }
    }
    out.elapsed = t0.elapsed();
    out.end_ms = epoch_ms();
    out
}
