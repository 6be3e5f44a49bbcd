//! Request metrics: the middleware that records every request in
//! [`crate::metrics`], and `GET /metrics`.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::app::AppState;

/// Middleware: counts and times every request under its route template, so
/// `/api/v1/accounts/1` and `/api/v1/accounts/2` share one series.
pub async fn track(State(app): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    // Only standard methods get their own series: the label set stays bounded.
    let method = match req.method().as_str() {
        m @ ("GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS") => m.to_string(),
        _ => "other".to_string(),
    };
    let start = Instant::now();
    let response = next.run(req).await;
    let status = response.status().as_u16();
    app.metrics
        .observe_request(method, route, status, start.elapsed().as_secs_f64());
    response
}

/// `GET /metrics` on the public listener: only for a scrape that sends
/// `server.metrics_token`; a 404 for everyone else, as if it were not there.
pub async fn serve(State(app): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let token = &app.config.server.metrics_token;
    let sent = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if token.is_empty() || !crate::auth::constant_time_eq(sent.as_bytes(), token.as_bytes()) {
        return crate::error::Error::not_found().into_response();
    }
    render(&app)
}

/// The metrics in Prometheus' text format.
fn render(app: &AppState) -> Response {
    app.metrics.observe_caches(app.caches());
    (
        [("content-type", "text/plain; version=0.0.4; charset=utf-8")],
        app.metrics.render(),
    )
        .into_response()
}

/// The router of `server.metrics_listen`: `GET /metrics`, no token.
pub fn private_router(app: Arc<AppState>) -> axum::Router {
    axum::Router::new()
        .route(
            "/metrics",
            axum::routing::get(|State(app): State<Arc<AppState>>| async move { render(&app) }),
        )
        .with_state(app)
}
