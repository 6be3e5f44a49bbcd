//! <https://docs.joinmastodon.org/methods/instance/>

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use crate::app::AppState;
use crate::config::Registrations;
use crate::error::Result;
use crate::service::instance;

/// What clients compare to enable features: Mastodon-semver-shaped.
pub fn version_string() -> String {
    format!("4.3.0 (compatible; roost {})", env!("CARGO_PKG_VERSION"))
}

/// The MIME types uploads may have.
fn supported_mime_types(app: &AppState) -> Vec<&'static str> {
    let mut types = vec!["image/jpeg", "image/png", "image/gif", "image/webp"];
    if app.media.tools.is_some() {
        types.extend([
            "video/webm",
            "video/mp4",
            "video/quicktime",
            "video/x-matroska",
            "audio/wave",
            "audio/wav",
            "audio/x-wav",
            "audio/mpeg",
            "audio/mp3",
            "audio/ogg",
            "audio/vorbis",
            "audio/opus",
            "audio/flac",
            "audio/mp4",
            "audio/m4a",
            "audio/x-m4a",
            "audio/aac",
        ]);
    }
    types
}

/// The `configuration` limits clients read to size their composers.
fn configuration(app: &AppState) -> Value {
    let i = &app.config.instance;
    let m = &app.config.media;
    json!({
        "urls": { "streaming": app.base_url.replacen("http", "ws", 1) },
        "vapid": { "public_key": "" },
        "accounts": { "max_featured_tags": 10, "max_pinned_statuses": 5 },
        "statuses": {
            "max_characters": i.max_status_chars,
            "max_media_attachments": i.max_media_attachments,
            "characters_reserved_per_url": 23,
        },
        "media_attachments": {
            // What detection accepts (src/media/mod.rs); video and audio
            // only when ffmpeg is installed.
            "supported_mime_types": supported_mime_types(app),
            "description_limit": crate::media::process::MAX_DESCRIPTION_CHARS,
            "image_size_limit": m.image_max_bytes,
            "image_matrix_limit": m.image_max_input_pixels,
            "video_size_limit": m.video_max_bytes,
            "video_frame_rate_limit": m.video_max_fps,
            // Larger frames are accepted and scaled down; this is the refusal line.
            "video_matrix_limit": crate::media::video::MAX_INPUT_PIXELS,
        },
        "polls": {
            "max_options": i.max_poll_options,
            "max_characters_per_option": i.max_poll_option_chars,
            "min_expiration": 300,
            "max_expiration": 2_629_746,
        },
        "translation": { "enabled": false },
    })
}

fn contact_email(app: &AppState) -> &str {
    &app.config.instance.contact_email
}

/// `GET /api/v2/instance`
pub async fn v2(State(app): State<Arc<AppState>>) -> Result<Json<Value>> {
    let i = &app.config.instance;
    let active = instance::active_month(&app).await?;
    Ok(Json(json!({
        "domain": app.config.server.domain,
        "title": i.title,
        "version": version_string(),
        "source_url": "https://example.invalid/roost",
        "description": i.description,
        "usage": { "users": { "active_month": active } },
        "thumbnail": { "url": app.url("/headers/original/missing.png"), "blurhash": null, "versions": {} },
        "icon": [],
        "languages": i.languages,
        "configuration": configuration(&app),
        "registrations": {
            "enabled": i.registrations != Registrations::Closed,
            "approval_required": i.registrations == Registrations::Approval,
            "reason_required": i.registrations == Registrations::Approval,
            "message": null,
            "url": null,
        },
        "api_versions": { "mastodon": 2, "roost": 1 },
        "contact": { "email": contact_email(&app), "account": null },
        "rules": [],
    })))
}

/// `GET /api/v1/instance` (deprecated in Mastodon, still read by many clients)
pub async fn v1(State(app): State<Arc<AppState>>) -> Result<Json<Value>> {
    let i = &app.config.instance;
    let stats = instance::stats(&app).await?;
    let mut config = configuration(&app);
    if let Value::Object(map) = &mut config {
        map.remove("urls");
        map.remove("vapid");
        map.remove("translation");
    }
    Ok(Json(json!({
        "uri": app.config.server.domain,
        "title": i.title,
        "short_description": i.description,
        "description": i.description,
        "email": contact_email(&app),
        "version": version_string(),
        "urls": { "streaming_api": app.base_url.replacen("http", "ws", 1) },
        "stats": { "user_count": stats.users, "status_count": stats.local_statuses, "domain_count": stats.domains },
        "thumbnail": app.url("/headers/original/missing.png"),
        "languages": i.languages,
        "registrations": i.registrations != Registrations::Closed,
        "approval_required": i.registrations == Registrations::Approval,
        "invites_enabled": false,
        "configuration": config,
        "contact_account": null,
        "rules": [],
    })))
}

/// `GET /api/v1/custom_emojis`: none until custom emoji exist.
pub async fn custom_emojis() -> Json<Value> {
    Json(json!([]))
}

/// `GET /api/v1/instance/peers`: the domains roost has met, minus suspended ones.
/// <https://docs.joinmastodon.org/methods/instance/#peers>
pub async fn peers(State(app): State<Arc<AppState>>) -> Result<Json<Vec<String>>> {
    Ok(Json(instance::peers(&app).await?))
}
