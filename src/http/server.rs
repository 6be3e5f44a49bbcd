//! Serving connections: HTTP/1.1 (a proxy in front speaks HTTP/2 to
//! clients) with the limits a server on the open internet needs. A client
//! has `limits.header_timeout_secs` to send its headers, and an idle
//! keep-alive connection closes after the same time; a request body that
//! sends nothing for `limits.body_idle_timeout_secs` is dropped; at most
//! `limits.max_connections` connections are served at once (more are closed
//! on accept). Without these, a few slow clients (slowloris) hold every
//! connection.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;
use tower_http::timeout::TimeoutBody;

use crate::config::Limits;

/// How long open requests may take to finish once shutdown begins.
const DRAIN: Duration = Duration::from_secs(30);

/// Serves `router` on `listener` until `shutdown` resolves, then lets the
/// requests in flight finish (for up to 30 seconds).
pub async fn serve(
    router: Router,
    listener: TcpListener,
    limits: &Limits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use tower::Layer;
    // Mastodon.py asks for `/api/v1/instance/`, toot for `/oauth/authorize/`.
    let service =
        tower_http::normalize_path::NormalizePathLayer::trim_trailing_slash().layer(router);
    let header_timeout = Duration::from_secs(limits.header_timeout_secs);
    let body_idle = Duration::from_secs(limits.body_idle_timeout_secs);
    let slots = Arc::new(Semaphore::new(
        usize::try_from(limits.max_connections).unwrap_or(usize::MAX),
    ));
    // HTTP/1.1 only: the proxy in front speaks HTTP/2 to clients.
    let mut builder = auto::Builder::new(TokioExecutor::new()).http1_only();
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors and the like: wait, do not spin.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            tracing::debug!(%peer, "connection refused: limits.max_connections reached");
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let service = service.clone();
        let handler = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
            let mut req = req.map(|body| Body::new(TimeoutBody::new(body_idle, body)));
            req.extensions_mut().insert(ConnectInfo(peer));
            service.clone().oneshot(req)
        });
        // With upgrades: the streaming API's WebSockets start as HTTP/1.1.
        let connection = graceful.watch(
            builder
                .serve_connection_with_upgrades(TokioIo::new(stream), handler)
                .into_owned(),
        );
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::trace!(error = %e, %peer, "connection ended with an error");
            }
            drop(slot);
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("requests still open after 30 s of shutdown were dropped");
    }
    Ok(())
}
