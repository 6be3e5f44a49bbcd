//! `/settings/export`: the account's data as Mastodon's CSV files
//! (`/settings/exports/<name>.csv`), and the archive of its posts and
//! media, asked for here and built by a job, downloadable by its owner
//! only (`/settings/exports/archive/<id>`).
//! <https://docs.joinmastodon.org/user/moving/#export>

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;
use tower::ServiceExt;

use super::{Frame, NoticeQuery, SignedIn, bad_csrf, done, refused_async};
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::http::pages::render;
use crate::model::Archive;
use crate::model::export::state;
use crate::service::exports::{self, CsvExport};

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/settings/export", get(show).post(request_archive))
        .route("/settings/exports/{file}", get(csv))
        .route("/settings/exports/archive/{id}", get(archive))
}

/// One CSV file on the page.
struct CsvLink {
    label: &'static str,
    file: &'static str,
    count: i64,
}

/// The latest archive as the page shows it.
struct ArchiveView {
    id: i64,
    state: &'static str,
    created_at: String,
    size_kb: i64,
}

#[derive(Template)]
#[template(path = "settings_export.html")]
struct ExportPage {
    frame: Frame,
    files: Vec<CsvLink>,
    posts: i64,
    archive: Option<ArchiveView>,
    /// When another archive may be asked for; None when now.
    next_archive: Option<String>,
}

async fn page(app: &AppState, me: &SignedIn, frame: Frame, status: StatusCode) -> Result<Response> {
    let counts = exports::counts(app, &me.account).await?;
    let latest = exports::latest_archive(app, &me.account).await?;
    let next_archive = exports::next_archive_at(latest.as_ref())
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string());
    Ok(render(
        status,
        &ExportPage {
            frame,
            files: CsvExport::ALL
                .into_iter()
                .map(|e| CsvLink {
                    label: e.label(),
                    file: e.file_name(),
                    count: e.count(&counts),
                })
                .collect(),
            posts: counts.statuses,
            archive: latest.as_ref().map(view),
            next_archive,
        },
    ))
}

fn view(a: &Archive) -> ArchiveView {
    ArchiveView {
        id: a.id,
        state: match a.state.as_str() {
            state::DONE => "ready",
            state::FAILED => "failed",
            _ => "pending",
        },
        created_at: a.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        size_kb: (a.size + 1023) / 1024,
    }
}

/// `GET /settings/export`
async fn show(
    State(app): State<Arc<AppState>>,
    me: SignedIn,
    Query(q): Query<NoticeQuery>,
) -> Result<Response> {
    let frame = Frame::new(&app, &me, q.notice.as_deref());
    page(&app, &me, frame, StatusCode::OK).await
}

#[derive(Deserialize)]
struct ArchiveForm {
    #[serde(default)]
    csrf_token: String,
}

/// `POST /settings/export`: asks for a new archive.
async fn request_archive(
    State(app): State<Arc<AppState>>,
    me: SignedIn,
    Form(f): Form<ArchiveForm>,
) -> Response {
    if !me.csrf_ok(&f.csrf_token) {
        return bad_csrf(&app);
    }
    match exports::request_archive(&app, &me.account).await {
        Ok(_) => done("/settings/export", "archive_requested"),
        Err(e) => refused_async(&app, &me, e, |frame, status| page(&app, &me, frame, status)).await,
    }
}

/// `GET /settings/exports/{name}.csv`: one of the CSV files.
async fn csv(
    State(app): State<Arc<AppState>>,
    me: SignedIn,
    Path(file): Path<String>,
) -> Result<Response> {
    let which = CsvExport::from_file_name(&file).ok_or_else(Error::not_found)?;
    let body = exports::csv(&app, &me.account, which).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", which.file_name()),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response())
}

/// `GET /settings/exports/archive/{id}`: the owner's ready archive, as a
/// download (from local storage) or a redirect to its object (S3).
async fn archive(
    State(app): State<Arc<AppState>>,
    me: SignedIn,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response> {
    let id = id.parse::<i64>().map_err(|_| Error::not_found())?;
    let archive = exports::archive_file(&app, &me.account, id).await?;
    let key = archive.storage_key.unwrap_or_default();
    let Some(path) = app.media.storage.local_path(&key) else {
        return Ok(Redirect::to(&app.media.storage.url(&app.base_url, &key)).into_response());
    };
    let Ok(mut res) = tower_http::services::ServeFile::new(path)
        .oneshot(req)
        .await;
    if res.status() == StatusCode::NOT_FOUND {
        return Err(Error::not_found());
    }
    let name = format!(
        "attachment; filename=\"archive-{}.zip\"",
        archive.created_at.format("%Y%m%d%H%M%S")
    );
    let headers = res.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&name) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res.into_response())
}
