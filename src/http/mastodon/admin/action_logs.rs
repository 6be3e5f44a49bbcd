//! `GET /api/v1/roost/admin/action_logs`: the audit log (roost's own;
//! Mastodon shows it only on its web pages). Documented in docs/api.md.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};

use crate::app::AppState;
use crate::error::Result;
use crate::http::extract::{AdminRead, Auth, QueryParams};
use crate::http::mastodon::entities::{ActionLogEntity, action_log};
use crate::http::mastodon::paging::{PageParams, link_header, with_link};
use crate::service::moderation::log::{self, LogQuery};

pub fn router() -> Router<Arc<AppState>> {
    Router::new().route("/api/v1/roost/admin/action_logs", get(index))
}

/// `GET /api/v1/roost/admin/action_logs`: newest first; `account_id` (the
/// staff member) and `target_account_id` narrow it.
async fn index(
    State(app): State<Arc<AppState>>,
    auth: Auth<AdminRead>,
    q: QueryParams,
    Query(page): Query<PageParams>,
) -> Result<Response> {
    let query = LogQuery {
        account_id: q.str("account_id").and_then(|v| v.parse().ok()),
        target_account_id: q.str("target_account_id").and_then(|v| v.parse().ok()),
    };
    let lines = log::list(&app, &auth.user, query, &page.page(40, 200)).await?;
    let link = link_header(
        &app,
        "/api/v1/roost/admin/action_logs",
        &[],
        lines.first().map(|(l, _)| l.id),
        lines.last().map(|(l, _)| l.id),
    );
    let body: Vec<ActionLogEntity> = lines
        .iter()
        .map(|(l, who)| action_log(&app, l, who.as_ref()))
        .collect();
    Ok(with_link(Json(body), link))
}
