//! NodeInfo 2.0 and 2.1: what software this is and how much it is used.
//! <https://nodeinfo.diaspora.software/protocol.html>

use std::sync::Arc;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::app::AppState;
use crate::config::Registrations;
use crate::error::Result;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/.well-known/nodeinfo", get(discovery))
        .route("/nodeinfo/2.0", get(|s| schema(s, "2.0")))
        .route("/nodeinfo/2.1", get(|s| schema(s, "2.1")))
}

/// `GET /.well-known/nodeinfo`
async fn discovery(State(app): State<Arc<AppState>>) -> Json<serde_json::Value> {
    Json(json!({
        "links": [
            { "rel": "http://nodeinfo.diaspora.software/ns/schema/2.0", "href": app.url("/nodeinfo/2.0") },
            { "rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": app.url("/nodeinfo/2.1") },
        ]
    }))
}

/// `GET /nodeinfo/2.0`, `GET /nodeinfo/2.1`
async fn schema(State(app): State<Arc<AppState>>, version: &'static str) -> Result<Response> {
    let stats = crate::service::instance::stats(&app).await?;
    let mut software = json!({ "name": "roost", "version": env!("CARGO_PKG_VERSION") });
    if version == "2.1" {
        software["repository"] = json!(env!("CARGO_PKG_REPOSITORY"));
    }
    let body = json!({
        "version": version,
        "software": software,
        "protocols": ["activitypub"],
        "services": { "outbound": [], "inbound": [] },
        "usage": {
            "users": { "total": stats.users, "activeMonth": stats.active_month, "activeHalfyear": stats.active_half_year },
            "localPosts": stats.local_posts,
        },
        "openRegistrations": app.config.instance.registrations == Registrations::Open,
        "metadata": {
            "nodeName": app.config.instance.title,
            "nodeDescription": app.config.instance.description,
        },
    });
    let content_type = format!(
        "application/json; profile=\"http://nodeinfo.diaspora.software/ns/schema/{version}#\""
    );
    Ok(([(header::CONTENT_TYPE, content_type)], body.to_string()).into_response())
}
