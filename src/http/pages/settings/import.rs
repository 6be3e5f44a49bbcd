//! `/settings/import`: a CSV file in one of Mastodon's formats, merged
//! into the account's data or overwriting it; the page shows each recent
//! import's progress and the rows that failed.
//! <https://docs.joinmastodon.org/user/moving/#import>

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::multipart::{Multipart, MultipartError, MultipartRejection};
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;

use super::{Frame, NoticeQuery, SignedIn, bad_csrf, done, refused_async};
use crate::app::AppState;
use crate::error::{Error, Kind, Result};
use crate::http::pages::render;
use crate::model::ImportKind;
use crate::service::imports::{self, Upload};

/// Room around the file in the form's body (the other fields, the parts'
/// headers).
const FORM_OVERHEAD: u64 = 64 * 1024;

pub fn router(app: &AppState) -> Router<Arc<AppState>> {
    let limit = app.config.limits.import_max_bytes + FORM_OVERHEAD;
    Router::new().route(
        "/settings/import",
        get(show).post(upload).layer(DefaultBodyLimit::max(
            usize::try_from(limit).unwrap_or(usize::MAX),
        )),
    )
}

/// One kind in the form's choice.
struct KindOption {
    value: &'static str,
    label: &'static str,
}

/// One import as the page shows it.
struct ImportView {
    kind: &'static str,
    file_name: String,
    overwrite: bool,
    state: &'static str,
    total: i64,
    processed: i64,
    imported: i64,
    created_at: String,
    failures: Vec<(i64, String, String)>,
}

#[derive(Template)]
#[template(path = "settings_import.html")]
struct ImportPage {
    frame: Frame,
    kinds: Vec<KindOption>,
    imports: Vec<ImportView>,
    max_kb: u64,
    max_rows: u32,
}

async fn page(app: &AppState, me: &SignedIn, frame: Frame, status: StatusCode) -> Result<Response> {
    let imports = imports::recent(app, &me.account)
        .await?
        .into_iter()
        .map(|r| ImportView {
            kind: r.import.kind().map_or("", ImportKind::label),
            state: if r.import.is_finished() {
                "finished"
            } else {
                "in progress"
            },
            file_name: r.import.file_name,
            overwrite: r.import.overwrite,
            total: r.import.total_rows,
            processed: r.import.processed_rows,
            imported: r.import.imported_rows,
            created_at: r.import.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            failures: r.failures,
        })
        .collect();
    Ok(render(
        status,
        &ImportPage {
            frame,
            kinds: ImportKind::ALL
                .into_iter()
                .map(|k| KindOption {
                    value: k.as_str(),
                    label: k.label(),
                })
                .collect(),
            imports,
            max_kb: app.config.limits.import_max_bytes / 1024,
            max_rows: app.config.limits.import_max_rows,
        },
    ))
}

/// `GET /settings/import`
async fn show(
    State(app): State<Arc<AppState>>,
    me: SignedIn,
    Query(q): Query<NoticeQuery>,
) -> Result<Response> {
    let frame = Frame::new(&app, &me, q.notice.as_deref());
    page(&app, &me, frame, StatusCode::OK).await
}

/// The form's fields: `csrf_token`, `type`, `mode` (merge or overwrite)
/// and the file, `data`.
#[derive(Default)]
struct UploadForm {
    csrf_token: String,
    kind: String,
    mode: String,
    file_name: String,
    data: Vec<u8>,
}

/// Reads the multipart form; the file up to one byte past the limit (the
/// service refuses it whole), the other fields up to a few kilobytes.
async fn read_form(mut multipart: Multipart, max: u64) -> Result<UploadForm> {
    let mut form = UploadForm::default();
    while let Some(mut field) = multipart.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "data" {
            form.file_name = field.file_name().unwrap_or_default().to_string();
            while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
                form.data.extend_from_slice(&chunk);
                if form.data.len() as u64 > max {
                    return Ok(form);
                }
            }
            continue;
        }
        let mut text = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
            text.extend_from_slice(&chunk);
            if text.len() > 4096 {
                return Err(Error::bad_request("A form field is too long"));
            }
        }
        let text = String::from_utf8_lossy(&text).into_owned();
        match name.as_str() {
            "csrf_token" => form.csrf_token = text,
            "type" => form.kind = text,
            "mode" => form.mode = text,
            _ => {}
        }
    }
    Ok(form)
}

fn multipart_error(e: MultipartError) -> Error {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        Error::new(Kind::PayloadTooLarge, "The file is too large")
    } else {
        Error::bad_request(format!("The form could not be read: {}", e.body_text()))
    }
}

/// `POST /settings/import`: checks the file and queues its rows.
async fn upload(
    State(app): State<Arc<AppState>>,
    me: SignedIn,
    multipart: std::result::Result<Multipart, MultipartRejection>,
) -> Response {
    let result = async {
        let multipart = multipart.map_err(|_| Error::bad_request("Send the form as multipart"))?;
        read_form(multipart, app.config.limits.import_max_bytes).await
    }
    .await;
    let form = match result {
        // A file too large for the body limit may end before the CSRF
        // token is read: its refusal changes nothing either.
        Ok(form) => form,
        Err(e) => return refused(&app, &me, e).await,
    };
    if !me.csrf_ok(&form.csrf_token) {
        return bad_csrf(&app);
    }
    let Some(kind) = ImportKind::parse(&form.kind) else {
        return refused(
            &app,
            &me,
            Error::unprocessable("Choose what the file lists"),
        )
        .await;
    };
    if form.file_name.is_empty() && form.data.is_empty() {
        return refused(&app, &me, Error::unprocessable("Choose a file")).await;
    }
    let upload = Upload {
        kind,
        overwrite: form.mode == "overwrite",
        file_name: &form.file_name,
        bytes: &form.data,
    };
    match imports::create(&app, &me.account, upload).await {
        Ok(_) => done("/settings/import", "import_started"),
        Err(e) => refused(&app, &me, e).await,
    }
}

/// The page again with the refusal's message and status, when it is the
/// user's to fix.
async fn refused(app: &AppState, me: &SignedIn, e: Error) -> Response {
    refused_async(app, me, e, |frame, status| page(app, me, frame, status)).await
}
