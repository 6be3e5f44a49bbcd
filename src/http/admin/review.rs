//! `/admin/review`: the queue of remote posts held for review
//! (`moderation.review_remote`): approve or reject one post, everything
//! from one account, or everything from one server.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::reports::CsrfForm;
use super::{
    Frame, NoticeQuery, Staff, bad_csrf, change_by_id, done, not_found, path_id, refused, when,
};
use crate::app::AppState;
use crate::http::pages::render;
use crate::service::moderation::{self, HeldFrom};

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/admin/review", get(index))
        .route("/admin/review/{id}/approve", post(approve))
        .route("/admin/review/{id}/reject", post(reject))
        .route("/admin/review/bulk", post(bulk))
}

struct HeldRow {
    id: i64,
    account_id: i64,
    acct: String,
    domain: Option<String>,
    received: String,
    /// Sanitized here: the object is as the remote server sent it.
    content: String,
}

#[derive(Template)]
#[template(path = "admin/review.html")]
struct ReviewPage {
    frame: Frame,
    rows: Vec<HeldRow>,
}

/// `GET /admin/review`: oldest first.
async fn index(
    State(app): State<Arc<AppState>>,
    me: Staff,
    Query(q): Query<NoticeQuery>,
) -> Response {
    let held = match moderation::held_statuses(&app, me.user()).await {
        Ok(h) => h,
        Err(e) => return e.into_response(),
    };
    let rows = held
        .iter()
        .map(|(h, author)| HeldRow {
            id: h.id,
            account_id: author.id,
            acct: author.acct(),
            domain: author.domain.clone(),
            received: when(h.received_at),
            content: crate::text::sanitize::html(
                h.object
                    .0
                    .get("content")
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or(""),
            ),
        })
        .collect();
    let frame = Frame::new(&app, &me, q.notice.as_deref());
    render(StatusCode::OK, &ReviewPage { frame, rows })
}

/// `POST /admin/review/:id/approve`
async fn approve(
    State(app): State<Arc<AppState>>,
    me: Staff,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let approve = async |id| moderation::approve_held(&app, me.user(), id).await;
    change_by_id(
        &app,
        &me,
        &f.csrf_token,
        &id,
        approve,
        "/admin/review",
        "approved",
    )
    .await
}

/// `POST /admin/review/:id/reject`
async fn reject(
    State(app): State<Arc<AppState>>,
    me: Staff,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let reject = async |id| moderation::reject_held(&app, me.user(), id).await;
    change_by_id(
        &app,
        &me,
        &f.csrf_token,
        &id,
        reject,
        "/admin/review",
        "rejected",
    )
    .await
}

#[derive(Deserialize)]
struct BulkForm {
    #[serde(default)]
    csrf_token: String,
    account_id: Option<String>,
    domain: Option<String>,
    #[serde(default)]
    decision: String,
}

/// `POST /admin/review/bulk`: everything held from one account or server.
async fn bulk(State(app): State<Arc<AppState>>, me: Staff, Form(f): Form<BulkForm>) -> Response {
    if !me.csrf_ok(&f.csrf_token) {
        return bad_csrf(&app);
    }
    let from = match (f.account_id.as_deref(), f.domain) {
        (Some(id), _) => match path_id(id) {
            Some(id) => HeldFrom::Account(id),
            None => return not_found(),
        },
        (None, Some(d)) if !d.trim().is_empty() => HeldFrom::Domain(d.trim().to_string()),
        _ => return not_found(),
    };
    let approve = match f.decision.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return crate::error::Error::bad_request("Unknown decision").into_response(),
    };
    match moderation::decide_held_from(&app, me.user(), from, approve).await {
        Ok(_) => done(
            "/admin/review",
            if approve { "approved" } else { "rejected" },
        ),
        Err(e) => refused(&app, e),
    }
}
