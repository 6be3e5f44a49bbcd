//! The HTTP server: one router for the Mastodon API, OAuth, web pages and
//! operational endpoints, with the layers every request passes through.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use tower_http::LatencyUnit;
use tower_http::cors::{Any, CorsLayer};
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::{DefaultOnResponse, TraceLayer};

use crate::app::AppState;
use crate::error::{Error, Kind};

pub mod activitypub;
pub mod admin;
pub mod extract;
pub mod mastodon;
pub mod media;
pub mod metrics;
pub mod nodeinfo;
pub mod oauth;
pub mod pages;
pub mod server;
pub mod webfinger;

static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Every route of the server, with its layers.
pub fn router(app: Arc<AppState>) -> Router {
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
            Method::OPTIONS,
        ])
        .allow_headers(Any)
        .expose_headers([
            header::LINK,
            HeaderName::from_static("x-ratelimit-limit"),
            HeaderName::from_static("x-ratelimit-remaining"),
            HeaderName::from_static("x-ratelimit-reset"),
            REQUEST_ID.clone(),
        ])
        .max_age(Duration::from_secs(3600));
    // Routes browser-based clients call from other origins.
    let cross_origin = mastodon::router(&app)
        .merge(oauth::api_router())
        .merge(nodeinfo::router())
        .merge(webfinger::router())
        // Unknown API paths answer their JSON 404 with CORS headers too, so
        // browser clients probing endpoints see a 404, not a network error.
        .route("/api/{*rest}", axum::routing::any(api_not_found))
        // Before the layers, so that CORS still answers preflights (a
        // fallback set after a layer would replace the layered one).
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            api_rate_limit,
        ))
        .layer(cors);
    let body_limit = usize::try_from(app.config.limits.max_body_bytes).unwrap_or(usize::MAX);
    let same_origin = Router::new()
        .merge(oauth::pages_router())
        .merge(activitypub::router())
        .merge(admin::router())
        .merge(pages::router(&app))
        .route("/media/{*key}", get(media::serve))
        .route("/health", get(health))
        .route("/metrics", get(metrics::serve))
        .route(
            "/avatars/original/missing.png",
            get(|| async { png(include_bytes!("../../static/avatar-missing.png")) }),
        )
        .route(
            "/headers/original/missing.png",
            get(|| async { png(include_bytes!("../../static/header-missing.png")) }),
        )
        .method_not_allowed_fallback(method_not_allowed);
    Router::new()
        .merge(cross_origin)
        .merge(same_origin)
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            role_gate,
        ))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            metrics::track,
        ))
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            check_host,
        ))
        .layer(axum::middleware::from_fn_with_state(app.clone(), ip_gate))
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            security_headers,
        ))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request| {
                    let id = req.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("");
                    tracing::info_span!("request", id, method = %req.method(), path = req.uri().path())
                })
                // One line per request at info level: status and latency.
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO).latency_unit(LatencyUnit::Micros)),
        )
        .layer(PropagateRequestIdLayer::new(REQUEST_ID.clone()))
        .layer(SetRequestIdLayer::new(REQUEST_ID.clone(), MakeId))
        .with_state(app)
}

/// A node answers only what its role serves (`server.role`): a worker
/// `/health` and `/metrics`, a streaming node those and the streaming
/// API; anything else is 404 there, as a load balancer routing it there
/// is misconfigured. A write (any method but GET, HEAD and OPTIONS)
/// answers once what it published has been handed to the other nodes.
async fn role_gate(
    State(app): State<Arc<AppState>>,
    req: Request,
    next: axum::middleware::Next,
) -> Response {
    let role = app.config.node_role();
    if role.serves(req.uri().path()) {
        let writes = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
        // Only replicas need to know who is asking (a digest per request).
        let caller = crate::service::reads::enabled(&app)
            .then(|| caller_of(&req))
            .flatten();
        let response = crate::service::reads::serve(&app, caller, writes, next.run(req)).await;
        // A write's invalidations and events leave for the other nodes
        // before its response does (read-your-writes across nodes).
        if writes {
            crate::service::reads::wrote(&app, caller);
            app.bus.flushed().await;
        }
        response
    } else {
        Error::new(
            Kind::NotFound,
            format!("This node serves the {} role only", role.as_str()),
        )
        .into_response()
    }
}

/// Who is asking, for read-your-writes on replicas: the bearer token or
/// the web session, as a 64-bit digest.
fn caller_of(req: &Request) -> Option<u64> {
    let headers = req.headers();
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string);
    token
        .or_else(|| pages::cookies::get_cookie(headers, pages::cookies::SESSION_COOKIE))
        .map(|secret| crate::service::reads::caller(&secret))
}

/// Mastodon's general API limits: `limits.api_per_5min` requests per access
/// token, `limits.api_anonymous_per_5min` per client address without one.
/// Only `/api/` paths count (WebFinger and NodeInfo serve other servers).
/// Refuses every request from an address under a `no_access` IP block
/// (`/health` excepted: load balancers probe it).
async fn ip_gate(
    State(app): State<Arc<AppState>>,
    req: Request,
    next: axum::middleware::Next,
) -> Response {
    if req.uri().path() != "/health" {
        let ip = extract::client_ip_of(&req, &app);
        match crate::service::moderation::sign_up_blocks::may_access(&app, ip).await {
            Ok(true) => {}
            Ok(false) => {
                return crate::error::Error::forbidden("Access from your address is blocked")
                    .into_response();
            }
            Err(e) => return e.into_response(),
        }
    }
    next.run(req).await
}

async fn api_rate_limit(
    State(app): State<Arc<AppState>>,
    req: Request,
    next: axum::middleware::Next,
) -> Response {
    if req.uri().path().starts_with("/api/") {
        let limits = &app.config.limits;
        let token = extract::bearer_of(req.headers(), req.uri())
            .filter(|t| !t.is_empty() && t.len() <= 256);
        let hit = match token {
            Some(t) => app.limiter.hit(
                &format!("api:token:{t}"),
                limits.api_per_5min,
                crate::ratelimit::FIVE_MINUTES,
            ),
            None => {
                let ip = extract::client_ip_of(&req, &app);
                app.limiter.hit(
                    &format!("api:ip:{}", crate::ratelimit::address_bucket(ip)),
                    limits.api_anonymous_per_5min,
                    crate::ratelimit::FIVE_MINUTES,
                )
            }
        };
        if let Err(e) = hit {
            return e.into_response();
        }
    }
    next.run(req).await
}

/// Headers every response carries: no content sniffing (an error page
/// echoing input stays text), no full URLs in `Referer` to other sites, and
/// HSTS when the public URLs are https.
async fn security_headers(
    State(app): State<Arc<AppState>>,
    req: Request,
    next: axum::middleware::Next,
) -> Response {
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers
        .entry(header::REFERRER_POLICY)
        .or_insert(HeaderValue::from_static("same-origin"));
    if app.config.scheme() == "https" {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000; includeSubDomains"),
        );
    }
    response
}

/// Whether a request with a foreign `Host` has been reported.
static HOST_MISMATCH_LOGGED: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

/// Warns once per process when a request's `Host` is not `server.domain`:
/// behind a proxy that does not pass `Host` through, every signed request
/// from another server fails its signature while the rest looks fine.
/// Health checks and metrics scrapes, which often use an address, are left
/// out.
async fn check_host(
    State(app): State<Arc<AppState>>,
    req: Request,
    next: axum::middleware::Next,
) -> Response {
    use std::sync::atomic::Ordering;
    let path = req.uri().path();
    if !HOST_MISMATCH_LOGGED.load(Ordering::Relaxed) && path != "/health" && path != "/metrics" {
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !host.eq_ignore_ascii_case(&app.config.server.domain)
            && !HOST_MISMATCH_LOGGED.swap(true, Ordering::Relaxed)
        {
            tracing::warn!(
                host,
                domain = %app.config.server.domain,
                path,
                "a request arrived with Host {host:?}, not server.domain {:?}; \
                 signatures from other servers cover Host and will fail: \
                 make the reverse proxy pass it through (nginx: proxy_set_header Host $host). \
                 Logged once.",
                app.config.server.domain
            );
        }
    }
    next.run(req).await
}

fn png(bytes: &'static [u8]) -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/png"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        bytes,
    )
        .into_response()
}

#[derive(Clone, Copy)]
struct MakeId;

impl MakeRequestId for MakeId {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        HeaderValue::from_str(&format!("{:016x}", crate::id::new_id()))
            .ok()
            .map(RequestId::new)
    }
}

/// `GET /health`: 200 when the database answers.
async fn health(State(app): State<Arc<AppState>>) -> Response {
    match crate::service::instance::health(&app).await {
        Ok(()) => (StatusCode::OK, "OK").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

async fn api_not_found() -> Error {
    Error::not_found()
}

/// A known path asked with a method it does not take: 405 (with `Allow`,
/// which the router adds) and a JSON error body, as every API error has.
async fn method_not_allowed() -> Response {
    (
        StatusCode::METHOD_NOT_ALLOWED,
        Json(serde_json::json!({"error": "Method not allowed"})),
    )
        .into_response()
}

/// Unknown paths: a JSON 404 under `/api`, under `/users/` (ActivityPub
/// ids) and to anyone asking for ActivityPub JSON; a plain page elsewhere.
async fn not_found(State(app): State<Arc<AppState>>, req: Request) -> Response {
    let path = req.uri().path();
    if path.starts_with("/api/")
        || path.starts_with("/users/")
        || activitypub::wants_activity_json(req.headers())
    {
        return Error::not_found().into_response();
    }
    pages::message(
        &app,
        StatusCode::NOT_FOUND,
        "Not found",
        "The page you are looking for is not here.",
    )
}

/// Adds `X-RateLimit-*` headers when `e` is a rate-limit refusal.
pub fn rate_limit_headers(headers: &mut HeaderMap, e: &Error) {
    let Some((limit, reset)) = e.rate_limit else {
        return;
    };
    let reset_at =
        chrono::Utc::now() + chrono::Duration::seconds(i64::try_from(reset).unwrap_or(0));
    let pairs = [
        ("x-ratelimit-limit", limit.to_string()),
        ("x-ratelimit-remaining", "0".to_string()),
        ("x-ratelimit-reset", mastodon::entities::timestamp(reset_at)),
        ("retry-after", reset.to_string()),
    ];
    for (name, value) in pairs {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(HeaderName::from_static(name), v);
        }
    }
}

/// The Error entity. <https://docs.joinmastodon.org/entities/Error/>
#[derive(serde::Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<&'a std::collections::BTreeMap<String, Vec<crate::error::FieldError>>>,
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        if self.kind == Kind::Internal || self.kind == Kind::Unavailable {
            tracing::error!(error = %self, "request failed");
        } else if let Some(cause) = &self.cause {
            tracing::debug!(error = %self.message, cause = %cause, "request refused");
        }
        let status =
            StatusCode::from_u16(self.kind.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        // OAuth endpoints answer RFC 6749's shape, the API Mastodon's.
        let body = match self.oauth_code {
            Some(code) => ErrorBody {
                error: code,
                error_description: Some(&self.message),
                details: None,
            },
            None => ErrorBody {
                error: &self.message,
                error_description: None,
                details: Some(&self.details).filter(|d| !d.is_empty()),
            },
        };
        let mut response = (status, Json(body)).into_response();
        rate_limit_headers(response.headers_mut(), &self);
        response
    }
}

/// Serves `app` on `listener` until `shutdown` resolves, then finishes the
/// requests in flight; connection limits as in [`server`].
pub async fn serve(
    app: Arc<AppState>,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = app.config.limits.clone();
    let hub = app.clone();
    // Open streams would hold the drain for its full 30 s: end them first.
    let shutdown = async move {
        shutdown.await;
        hub.streaming.close_all();
    };
    server::serve(router(app), listener, &limits, shutdown).await
}
