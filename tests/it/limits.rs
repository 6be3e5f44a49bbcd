//! Issue 15: the limits a server on the open internet needs against slow
//! and numerous clients. Each test waits for the server to act (a closed
//! connection) with a generous bound; without the defence the connection
//! stays open and the bound fails the test.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::*;

/// Whether the server closes `stream` (reads reach EOF or fail) within
/// `bound`; the test's patience, not a timing requirement.
async fn closed_within(stream: &mut TcpStream, bound: Duration) -> bool {
    let mut buf = [0u8; 4096];
    let read_all = async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    };
    tokio::time::timeout(bound, read_all).await.is_ok()
}

fn addr(s: &TestServer) -> String {
    s.base.trim_start_matches("http://").to_string()
}

#[tokio::test]
async fn slow_headers_and_idle_connections_are_closed() {
    let s = TestServer::start_with(|c| c.limits.header_timeout_secs = 1).await;
    // Headers that never finish (slowloris).
    let mut slow = TcpStream::connect(addr(&s)).await.unwrap();
    slow.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nX-A: ")
        .await
        .unwrap();
    assert!(
        closed_within(&mut slow, Duration::from_secs(15)).await,
        "a connection with unfinished headers stayed open"
    );
    // A keep-alive connection that has had its answer and then sits idle.
    let mut idle = TcpStream::connect(addr(&s)).await.unwrap();
    idle.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    assert!(
        closed_within(&mut idle, Duration::from_secs(15)).await,
        "an idle keep-alive connection stayed open"
    );
    // The server still answers.
    assert_eq!(s.get("/health", None).await.0, reqwest::StatusCode::OK);
}

#[tokio::test]
async fn a_body_that_stops_sending_is_dropped() {
    let s = TestServer::start_with(|c| c.limits.body_idle_timeout_secs = 1).await;
    let mut stream = TcpStream::connect(addr(&s)).await.unwrap();
    let head = "POST /api/v1/apps HTTP/1.1\r\nHost: x\r\n\
                Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n";
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(b"client_name=slow").await.unwrap();
    assert!(
        closed_within(&mut stream, Duration::from_secs(15)).await,
        "a request whose body stopped coming was kept open"
    );
    let apps = sql_count(&s.app, "SELECT COUNT(*) FROM apps").await;
    assert_eq!(apps, 0);
}

#[tokio::test]
async fn connections_beyond_the_limit_are_closed_on_accept() {
    let s = TestServer::start_with(|c| c.limits.max_connections = 2).await;
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut c = TcpStream::connect(addr(&s)).await.unwrap();
        c.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut buf = [0u8; 256];
        assert!(c.read(&mut buf).await.unwrap() > 0, "no answer");
        held.push(c);
    }
    let mut third = TcpStream::connect(addr(&s)).await.unwrap();
    let _ = third
        .write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        .await;
    let mut buf = [0u8; 256];
    let n = tokio::time::timeout(Duration::from_secs(15), third.read(&mut buf))
        .await
        .expect("the third connection was neither answered nor closed");
    assert!(
        matches!(n, Ok(0) | Err(_)),
        "the third connection was served"
    );
    // Once one is let go, a new connection is served again.
    drop(held.pop());
    eventually("a free connection slot", || async {
        let answer = s.http.get(s.url("/health")).send().await.ok()?;
        (answer.status() == reqwest::StatusCode::OK).then_some(())
    })
    .await;
}
