//! NodeInfo 2.0 and 2.1: what software this is and how much it is used.
//! <https://nodeinfo.diaspora.software/protocol.html>

use std::sync::Arc;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

use crate::app::AppState;
use crate::config::Registrations;
use crate::error::Result;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/.well-known/nodeinfo", get(discovery))
        .route("/nodeinfo/2.0", get(|s| schema(s, "2.0")))
        .route("/nodeinfo/2.1", get(|s| schema(s, "2.1")))
}

/// `GET /.well-known/nodeinfo`: where the schema documents are.
async fn discovery(State(app): State<Arc<AppState>>) -> Json<Discovery> {
    let link = |version: &str| DiscoveryLink {
        rel: format!("http://nodeinfo.diaspora.software/ns/schema/{version}"),
        href: app.url(&format!("/nodeinfo/{version}")),
    };
    Json(Discovery {
        links: vec![link("2.0"), link("2.1")],
    })
}

#[derive(Serialize)]
struct Discovery {
    links: Vec<DiscoveryLink>,
}

#[derive(Serialize)]
struct DiscoveryLink {
    rel: String,
    href: String,
}

/// A NodeInfo document (2.0 and 2.1 differ only in `software.repository`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NodeInfo {
    version: &'static str,
    software: Software,
    protocols: [&'static str; 1],
    services: Services,
    usage: Usage,
    open_registrations: bool,
    metadata: Metadata,
}

#[derive(Serialize)]
struct Software {
    name: &'static str,
    version: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    repository: Option<&'static str>,
}

#[derive(Serialize)]
struct Services {
    outbound: [(); 0],
    inbound: [(); 0],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Usage {
    users: Users,
    local_posts: i64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Users {
    total: i64,
    active_month: i64,
    active_halfyear: i64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Metadata {
    node_name: String,
    node_description: String,
}

/// `GET /nodeinfo/2.0`, `GET /nodeinfo/2.1`
async fn schema(State(app): State<Arc<AppState>>, version: &'static str) -> Result<Response> {
    let stats = crate::service::instance::stats(&app).await?;
    let body = NodeInfo {
        version,
        software: Software {
            name: "roost",
            version: env!("CARGO_PKG_VERSION"),
            repository: (version == "2.1").then_some(env!("CARGO_PKG_REPOSITORY")),
        },
        protocols: ["activitypub"],
        services: Services {
            outbound: [],
            inbound: [],
        },
        usage: Usage {
            users: Users {
                total: stats.users,
                active_month: stats.active_month,
                active_halfyear: stats.active_half_year,
            },
            local_posts: stats.local_posts,
        },
        open_registrations: app.config.instance.registrations == Registrations::Open,
        metadata: Metadata {
            node_name: app.config.instance.title.clone(),
            node_description: app.config.instance.description.clone(),
        },
    };
    let content_type = format!(
        "application/json; profile=\"http://nodeinfo.diaspora.software/ns/schema/{version}#\""
    );
    Ok(([(header::CONTENT_TYPE, content_type)], Json(body)).into_response())
}
