//! The streaming load tool (not a test): opens many WebSockets on the `user`
//! stream of running roost nodes, then measures how long one post takes to
//! reach every socket, the servers' memory per idle socket, and events per
//! second under a burst of posts. `bench/streaming.sh` seeds the accounts,
//! starts the nodes and runs it; the figures go to docs/performance.md.
//!
//! Environment: `BENCH_BASES` (comma-separated base URLs; sockets are spread
//! over them round-robin, posts go to the first), `BENCH_TOKENS` (the
//! seeder's tokens file), `BENCH_PIDS` (the nodes' process ids, for VmRSS),
//! `BENCH_SOCKETS` (1000), `BENCH_POSTS` (20), `BENCH_BURST` (50).

// A load tool: a failed setup step ends the run with its message.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::collections::HashMap;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}

/// Resident memory of the server processes, in kB.
fn rss_kb(pids: &[String]) -> u64 {
    pids.iter()
        .filter_map(|pid| std::fs::read_to_string(format!("/proc/{pid}/status")).ok())
        .filter_map(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u64>().ok())
        })
        .sum()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

#[tokio::main]
async fn main() {
    let bases: Vec<String> = env_or("BENCH_BASES", "http://127.0.0.1:18993")
        .split(',')
        .map(str::to_string)
        .collect();
    let pids: Vec<String> = env_or("BENCH_PIDS", "")
        .split(',')
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect();
    let sockets: usize = env_or("BENCH_SOCKETS", "1000").parse().unwrap_or(1000);
    let posts: usize = env_or("BENCH_POSTS", "20").parse().unwrap_or(20);
    let burst: usize = env_or("BENCH_BURST", "50").parse().unwrap_or(50);
    let tokens = std::fs::read_to_string(env_or("BENCH_TOKENS", "tokens.tsv"))
        .expect("BENCH_TOKENS: the seeder's tokens file");
    let rows: Vec<Vec<&str>> = tokens
        .lines()
        .map(|l| l.split('\t').collect())
        .filter(|r: &Vec<&str>| r.len() == 4)
        .collect();
    let poster = rows
        .iter()
        .find(|r| r[0] == "mid")
        .expect("a token for mid")[3]
        .to_string();
    let readers: Vec<String> = rows
        .iter()
        .filter(|r| r[0] == "reader")
        .take(sockets)
        .map(|r| r[3].to_string())
        .collect();
    roost::net::install_crypto_provider();
    let http = reqwest::Client::new();

    let before = rss_kb(&pids);
    // Every socket reports (socket, status id) when an update arrives.
    let (tx, mut rx) = mpsc::unbounded_channel::<(usize, String, Instant)>();
    let opened = Instant::now();
    let mut handles = Vec::new();
    for (i, token) in readers.iter().enumerate() {
        let base = &bases[i % bases.len()];
        let url = format!(
            "{}/api/v1/streaming?stream=user&access_token={token}",
            base.replacen("http", "ws", 1)
        );
        let (ws, _) = tokio_tungstenite::connect_async(url).await.expect("socket");
        let tx = tx.clone();
        handles.push(tokio::spawn(async move {
            let (_, mut read) = ws.split();
            while let Some(Ok(m)) = read.next().await {
                if let Message::Text(t) = m {
                    let at = Instant::now();
                    // The status id is the payload's first field; found
                    // without parsing, so that 1,000 sockets' JSON work on
                    // this machine does not delay the measurement.
                    const MARK: &str = r#""event":"update","payload":"{\"id\":\""#;
                    if let Some(start) = t.find(MARK).map(|p| p + MARK.len()) {
                        let id: String = t[start..]
                            .chars()
                            .take_while(char::is_ascii_digit)
                            .collect();
                        let _ = tx.send((i, id, at));
                    }
                }
            }
        }));
    }
    println!(
        "opened {} sockets over {} node(s) in {}",
        readers.len(),
        bases.len(),
        ms(opened.elapsed())
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    let after = rss_kb(&pids);
    if !pids.is_empty() {
        let per = (after.saturating_sub(before)) as f64 / readers.len().max(1) as f64;
        println!(
            "server RSS: {before} kB before, {after} kB with the sockets open: {per:.1} kB per idle socket (first sockets, caches warming)"
        );
        // The first batch also fills the token, account and database page
        // caches; a second batch on the same tokens measures what one more
        // socket costs once they are warm. Closed before the timings.
        let mut extra = Vec::new();
        for (i, token) in readers.iter().enumerate() {
            let base = &bases[i % bases.len()];
            let url = format!(
                "{}/api/v1/streaming?stream=user&access_token={token}",
                base.replacen("http", "ws", 1)
            );
            extra.push(
                tokio_tungstenite::connect_async(url)
                    .await
                    .expect("socket")
                    .0,
            );
        }
        tokio::time::sleep(Duration::from_secs(3)).await;
        let more = rss_kb(&pids);
        let per = (more.saturating_sub(after)) as f64 / extra.len().max(1) as f64;
        println!(
            "server RSS: {more} kB with {} more sockets on warm caches: {per:.1} kB per idle socket",
            extra.len()
        );
        for mut ws in extra {
            let _ = ws.close(None).await;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }

    let post = |text: String| {
        let http = http.clone();
        let url = format!("{}/api/v1/statuses", bases[0]);
        let poster = poster.clone();
        async move {
            let r = http
                .post(url)
                .bearer_auth(poster)
                .json(&serde_json::json!({"status": text}))
                .send()
                .await
                .expect("post");
            assert!(r.status().is_success(), "post: {}", r.status());
            let v: serde_json::Value = r.json().await.expect("status JSON");
            v["id"].as_str().unwrap_or("").to_string()
        }
    };

    // Warm-up: how many sockets hear mid's posts (those of mid's followers).
    let warm = post("warm-up".into()).await;
    let mut expected = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while let Ok(Some((_, id, _))) = tokio::time::timeout_at(deadline, rx.recv()).await {
        if id == warm {
            expected += 1;
        }
    }
    println!("{expected} of {} sockets follow the poster", readers.len());

    let mut last = Vec::new();
    let mut first = Vec::new();
    for n in 0..posts {
        let t0 = Instant::now();
        let id = post(format!("fan-out {n}")).await;
        let mut got = 0;
        let mut first_at = None;
        let mut last_at = t0;
        while got < expected {
            let Ok(Some((_, sid, at))) =
                tokio::time::timeout(Duration::from_secs(10), rx.recv()).await
            else {
                println!("post {n}: only {got} of {expected} sockets heard it");
                break;
            };
            if sid == id {
                got += 1;
                first_at.get_or_insert(at);
                last_at = at;
            }
        }
        last.push(last_at - t0);
        first.push(first_at.unwrap_or(last_at) - t0);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    last.sort();
    first.sort();
    println!(
        "post to first socket: median {}, post to last socket: median {}, p90 {}, max {} ({} posts)",
        ms(percentile(&first, 0.5)),
        ms(percentile(&last, 0.5)),
        ms(percentile(&last, 0.9)),
        ms(percentile(&last, 1.0)),
        last.len()
    );

    // A burst: `burst` posts at once; events delivered per second until the
    // last socket has the last post.
    let t0 = Instant::now();
    let ids: Vec<String> =
        futures_util::future::join_all((0..burst).map(|n| post(format!("burst {n}")))).await;
    let posted = t0.elapsed();
    let wanted: HashMap<String, usize> = ids.into_iter().map(|i| (i, 0)).collect();
    let mut wanted = wanted;
    let total = expected * burst;
    let mut delivered = 0;
    let mut end = t0;
    while delivered < total {
        let Ok(Some((_, id, at))) = tokio::time::timeout(Duration::from_secs(20), rx.recv()).await
        else {
            println!("burst: only {delivered} of {total} events arrived");
            break;
        };
        if let Some(n) = wanted.get_mut(&id) {
            *n += 1;
            delivered += 1;
            end = at;
        }
    }
    let secs = (end - t0).as_secs_f64();
    println!(
        "burst of {burst} posts (accepted in {}): {delivered} events in {:.2} s = {:.0} events/s",
        ms(posted),
        secs,
        delivered as f64 / secs
    );
    for h in handles {
        h.abort();
    }
}
