//! Serves files of local media storage at `/media/{key}`. Keys are ones
//! roost generated; the content type comes from the key's extension, which
//! roost chose after processing, never from the uploader.

use std::sync::Arc;

use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;

use crate::app::AppState;

/// The content type of a stored file, by the extension roost gave it.
fn content_type(key: &str) -> &'static str {
    match key.rsplit_once('.').map(|(_, ext)| ext) {
        Some("jpg") => "image/jpeg",
        Some("png") => "image/png",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("mp4") => "video/mp4",
        Some("mp3") => "audio/mpeg",
        _ => "application/octet-stream",
    }
}

/// `GET /media/{key}`: with range requests (video seeking) and
/// conditional requests, cached for a year (files never change: a new
/// version gets a new key).
pub async fn serve(
    State(app): State<Arc<AppState>>,
    Path(key): Path<String>,
    req: Request,
) -> Response {
    let Some(path) = app.media.storage.local_path(&key) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    // An account's archive is served to its owner only, at
    // /settings/exports/archive/{id}.
    if key.starts_with(crate::service::archive::KEY_PREFIX) {
        return StatusCode::NOT_FOUND.into_response();
    }
    // A suspended account's files are gone until it is unsuspended.
    match crate::service::media::withheld(&app, &key).await {
        Ok(false) => {}
        Ok(true) => return StatusCode::NOT_FOUND.into_response(),
        Err(e) => return e.into_response(),
    }
    let mime = content_type(&key);
    let Ok(mut res) = tower_http::services::ServeFile::new(path)
        .oneshot(req)
        .await;
    if res.status() == StatusCode::NOT_FOUND {
        return StatusCode::NOT_FOUND.into_response();
    }
    let headers = res.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static(if mime == "application/octet-stream" {
            "attachment"
        } else {
            "inline"
        }),
    );
    if let Some(id) = cached_remote_id(&key) {
        touch(&app, id).await;
    }
    res.into_response()
}

/// The attachment id in a cached remote file's key (`cache/{id}/…`).
fn cached_remote_id(key: &str) -> Option<i64> {
    key.strip_prefix("cache/")?.split('/').next()?.parse().ok()
}

/// Notes that a cached remote file was viewed, at most once an hour, so
/// pruning keeps what people look at.
async fn touch(app: &AppState, id: i64) {
    if let Err(e) = crate::service::media::record_view(app, id).await {
        tracing::warn!(error = %e, "cannot record a media view");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_roosts_own_extensions() {
        assert_eq!(content_type("attachments/ab/abcd.jpg"), "image/jpeg");
        assert_eq!(content_type("attachments/ab/abcd.mp4"), "video/mp4");
        assert_eq!(
            content_type("sources/ab/abcd.bin"),
            "application/octet-stream"
        );
        assert_eq!(content_type("x/ab/abcd.html"), "application/octet-stream");
        assert_eq!(cached_remote_id("cache/42/ab/cd.jpg"), Some(42));
        assert_eq!(cached_remote_id("attachments/ab/cd.jpg"), None);
    }
}
