//! `GET /api/oembed`: an embeddable view of a local public or unlisted post,
//! for sites that take oEmbed links. The HTML is a self-contained
//! `blockquote` (the post's sanitized content, its author and a link), with
//! no iframe and no script to load from this server.
//! <https://docs.joinmastodon.org/methods/oembed/> <https://oembed.com/>

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use crate::app::AppState;
use crate::error::Result;
use crate::service::public;
use crate::text::escape_html;

pub fn router() -> Router<Arc<AppState>> {
    Router::new().route("/api/oembed", get(show))
}

#[derive(Deserialize)]
struct OEmbedQuery {
    url: Option<String>,
    maxwidth: Option<String>,
}

/// <https://docs.joinmastodon.org/methods/oembed/#get>
#[derive(Serialize)]
struct OEmbedEntity {
    r#type: &'static str,
    version: &'static str,
    title: String,
    author_name: String,
    author_url: String,
    provider_name: String,
    provider_url: String,
    cache_age: i64,
    html: String,
    width: i64,
    height: Option<String>,
}

/// `GET /api/oembed?url=…`: 404 for anything but a local public or
/// unlisted post.
async fn show(
    State(app): State<Arc<AppState>>,
    Query(q): Query<OEmbedQuery>,
) -> Result<Json<OEmbedEntity>> {
    let (author, status) = public::post_at(&app, q.url.as_deref().unwrap_or("")).await?;
    let width = q
        .maxwidth
        .as_deref()
        .and_then(|w| w.parse::<i64>().ok())
        .map_or(400, |w| w.clamp(100, 400));
    let author_url = author.url.clone().unwrap_or_else(|| author.uri.clone());
    let post_url = status.url.clone().unwrap_or_else(|| status.uri.clone());
    let name = if author.display_name.is_empty() {
        author.username.clone()
    } else {
        author.display_name.clone()
    };
    let body = if status.spoiler_text.is_empty() {
        status.content.clone()
    } else {
        format!("<p>{}</p>", escape_html(&status.spoiler_text))
    };
    let html = format!(
        "<blockquote class=\"roost-embed\" style=\"max-width: {width}px\">{body}\
         <p>— <a href=\"{author_url}\">{name} (@{user}@{domain})</a> \
         <a href=\"{post_url}\">{date}</a></p></blockquote>",
        author_url = escape_html(&author_url),
        name = escape_html(&name),
        user = escape_html(&author.username),
        domain = escape_html(&app.config.server.domain),
        post_url = escape_html(&post_url),
        date = status.created_at.format("%Y-%m-%d"),
    );
    Ok(Json(OEmbedEntity {
        r#type: "rich",
        version: "1.0",
        title: format!("New status by {}", author.username),
        author_name: name,
        author_url,
        provider_name: app.config.server.domain.clone(),
        provider_url: app.url("/"),
        cache_age: 86_400,
        html,
        width,
        height: None,
    }))
}
