//! Media uploads. <https://docs.joinmastodon.org/methods/media/>

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::entities::{Empty, MediaAttachmentEntity, media_attachment};
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::http::extract::{Auth, FormWithFiles, WriteMedia, de};
use crate::media::process::{self, NewUpload};
use crate::model::MediaAttachment;
use crate::service::media::{self as media_service, MediaChanges};

#[derive(Deserialize)]
pub struct MediaForm {
    #[serde(default, deserialize_with = "de::opt_string")]
    description: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    focus: Option<String>,
}

impl MediaForm {
    /// The focal point, if one was sent (`"x,y"`).
    fn focus(&self) -> Result<Option<crate::media::image::Focus>> {
        self.focus
            .as_deref()
            .filter(|f| !f.is_empty())
            .map(process::parse_focus)
            .transpose()
    }
}

fn upload_from(form: FormWithFiles<MediaForm>) -> Result<NewUpload> {
    let FormWithFiles { params, mut files } = form;
    let file = files
        .remove("file")
        .ok_or_else(|| Error::unprocessable("Validation failed: File can't be blank"))?;
    let focus = params.focus()?;
    Ok(NewUpload {
        file,
        thumbnail: files.remove("thumbnail"),
        description: params.description,
        focus,
    })
}

/// The attachment, with 206 while it is processing (Mastodon's status for
/// `GET` and `PUT` on media not ready yet).
fn with_state(app: &AppState, m: &MediaAttachment) -> Response {
    let status = if m.is_processing() {
        StatusCode::PARTIAL_CONTENT
    } else {
        StatusCode::OK
    };
    (status, Json(media_attachment(app, m))).into_response()
}

/// `POST /api/v2/media`: 200 when the file is processed at once (images),
/// 202 while a video or audio file is still processing.
pub async fn create_v2(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteMedia>,
    form: FormWithFiles<MediaForm>,
) -> Result<Response> {
    let upload = upload_from(form)?;
    let m = process::upload(&app, auth.account.id, upload, false).await?;
    let status = if m.is_processing() {
        StatusCode::ACCEPTED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(media_attachment(&app, &m))).into_response())
}

/// `POST /api/v1/media` (deprecated): processes before answering.
pub async fn create_v1(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteMedia>,
    form: FormWithFiles<MediaForm>,
) -> Result<Json<MediaAttachmentEntity>> {
    let upload = upload_from(form)?;
    let m = process::upload(&app, auth.account.id, upload, true).await?;
    Ok(Json(media_attachment(&app, &m)))
}

/// `GET /api/v1/media/:id`: 206 while processing.
pub async fn show(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteMedia>,
    Path(id): Path<String>,
) -> Result<Response> {
    let m = media_service::owned(&app, &auth.account, &id).await?;
    if m.state == crate::model::media::state::FAILED {
        return Err(Error::unprocessable(
            "Validation failed: Media could not be processed",
        ));
    }
    Ok(with_state(&app, &m))
}

/// `PUT /api/v1/media/:id`: alt text, focal point, thumbnail.
pub async fn update(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteMedia>,
    Path(id): Path<String>,
    form: FormWithFiles<MediaForm>,
) -> Result<Response> {
    let FormWithFiles { params, mut files } = form;
    let focus = params.focus()?;
    let changes = MediaChanges {
        description: params.description,
        focus,
        thumbnail: files.remove("thumbnail"),
    };
    let m = media_service::update(&app, &auth.account, &id, changes).await?;
    Ok(with_state(&app, &m))
}

/// `DELETE /api/v1/media/:id`: only while no post has it.
pub async fn delete(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteMedia>,
    Path(id): Path<String>,
) -> Result<Json<Empty>> {
    media_service::delete(&app, &auth.account, &id).await?;
    Ok(Json(Empty {}))
}

/// The routes that take files, with a body limit fitting the largest
/// upload (the rest of the API keeps `limits.max_body_bytes`).
pub fn router(app: &AppState) -> axum::Router<Arc<AppState>> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/api/v2/media", post(create_v2))
        .route("/api/v1/media", post(create_v1))
        .route("/api/v1/media/{id}", get(show).put(update).delete(delete))
        .layer(upload_limit(app))
}

/// The body limit of requests that carry files (uploads, avatars): room for
/// the largest file, a thumbnail and the form around them.
pub fn upload_limit(app: &AppState) -> axum::extract::DefaultBodyLimit {
    let m = &app.config.media;
    let limit = m.video_max_bytes + m.image_max_bytes + 1024 * 1024;
    axum::extract::DefaultBodyLimit::max(usize::try_from(limit).unwrap_or(usize::MAX))
}
