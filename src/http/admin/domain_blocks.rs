//! `/admin/domain_blocks`: the servers this one limits or suspends (admins
//! only: the service refuses moderators).

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::reports::CsrfForm;
use super::{Frame, NoticeQuery, Staff, bad_csrf, change_by_id, done, refused};
use crate::app::AppState;
use crate::http::pages::render;
use crate::service::moderation::{self, BlockRequest};

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/admin/domain_blocks", get(index).post(create))
        .route("/admin/domain_blocks/{id}/delete", post(remove))
}

struct BlockRow {
    id: i64,
    domain: String,
    severity: String,
    reject_media: bool,
    reject_reports: bool,
    note: String,
}

#[derive(Template)]
#[template(path = "admin/domain_blocks.html")]
struct BlocksPage {
    frame: Frame,
    rows: Vec<BlockRow>,
}

/// `GET /admin/domain_blocks`
async fn index(
    State(app): State<Arc<AppState>>,
    me: Staff,
    Query(q): Query<NoticeQuery>,
) -> Response {
    let blocks = match moderation::domain_blocks(&app, me.user()).await {
        Ok(b) => b,
        Err(e) => return refused(&app, e),
    };
    let rows = blocks
        .into_iter()
        .map(|b| BlockRow {
            id: b.id,
            domain: b.domain,
            severity: b.severity,
            reject_media: b.reject_media,
            reject_reports: b.reject_reports,
            note: b.private_comment.unwrap_or_default(),
        })
        .collect();
    let frame = Frame::new(&app, &me, q.notice.as_deref());
    render(StatusCode::OK, &BlocksPage { frame, rows })
}

#[derive(Deserialize)]
struct BlockForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    domain: String,
    #[serde(default)]
    severity: String,
    reject_media: Option<String>,
    reject_reports: Option<String>,
    #[serde(default)]
    private_comment: String,
    #[serde(default)]
    public_comment: String,
}

/// `POST /admin/domain_blocks`
async fn create(State(app): State<Arc<AppState>>, me: Staff, Form(f): Form<BlockForm>) -> Response {
    if !me.csrf_ok(&f.csrf_token) {
        return bad_csrf(&app);
    }
    let optional = |s: String| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let request = BlockRequest {
        domain: f.domain,
        severity: optional(f.severity),
        reject_media: f.reject_media.is_some(),
        reject_reports: f.reject_reports.is_some(),
        private_comment: optional(f.private_comment),
        public_comment: optional(f.public_comment),
    };
    match moderation::block_domain(&app, me.user(), request).await {
        Ok(_) => done("/admin/domain_blocks", "blocked"),
        Err(e) => refused(&app, e),
    }
}

/// `POST /admin/domain_blocks/:id/delete`
async fn remove(
    State(app): State<Arc<AppState>>,
    me: Staff,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let unblock = async |id| moderation::unblock_domain(&app, me.user(), id).await;
    let back = "/admin/domain_blocks";
    change_by_id(&app, &me, &f.csrf_token, &id, unblock, back, "unblocked").await
}
