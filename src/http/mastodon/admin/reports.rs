//! `/api/v1/admin/reports`: staff read reports, take them, resolve them and
//! open them again. <https://docs.joinmastodon.org/methods/admin/reports/>

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::http::extract::{AdminReadReports, AdminWriteReports, Auth, QueryParams};
use crate::http::mastodon::entities::{AdminReportEntity, admin_report};
use crate::http::mastodon::paging::{PageParams, link_header, with_link};
use crate::model::{Account, ReportQuery};
use crate::service::moderation::reports::{self, ReportView};

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/admin/reports", get(index))
        .route("/api/v1/admin/reports/{id}", get(show))
        .route(
            "/api/v1/admin/reports/{id}/assign_to_self",
            post(assign_to_self),
        )
        .route("/api/v1/admin/reports/{id}/unassign", post(unassign))
        .route("/api/v1/admin/reports/{id}/resolve", post(resolve))
        .route("/api/v1/admin/reports/{id}/reopen", post(reopen))
}

fn report_id(id: &str) -> Result<i64> {
    id.parse().map_err(|_| Error::not_found())
}

fn id_param(q: &QueryParams, key: &str) -> Option<i64> {
    q.str(key).and_then(|v| v.parse().ok())
}

/// `GET /api/v1/admin/reports`: open reports unless `resolved=true`.
async fn index(
    State(app): State<Arc<AppState>>,
    auth: Auth<AdminReadReports>,
    q: QueryParams,
    Query(page): Query<PageParams>,
) -> Result<Response> {
    let query = ReportQuery {
        resolved: q.flag("resolved"),
        account_id: id_param(&q, "account_id"),
        target_account_id: id_param(&q, "target_account_id"),
    };
    let found = reports::list(&app, &auth.user, &query, &page.page(100, 200)).await?;
    let link = link_header(
        &app,
        "/api/v1/admin/reports",
        &[],
        found.first().map(|r| r.report.id),
        found.last().map(|r| r.report.id),
    );
    let mut body = Vec::with_capacity(found.len());
    for r in &found {
        body.push(admin_report(&app, &auth.account, r).await?);
    }
    Ok(with_link(Json(body), link))
}

async fn one(app: &AppState, viewer: &Account, r: &ReportView) -> Result<Json<AdminReportEntity>> {
    Ok(Json(admin_report(app, viewer, r).await?))
}

/// `GET /api/v1/admin/reports/:id`
async fn show(
    State(app): State<Arc<AppState>>,
    auth: Auth<AdminReadReports>,
    Path(id): Path<String>,
) -> Result<Json<AdminReportEntity>> {
    let r = reports::get(&app, &auth.user, report_id(&id)?).await?;
    one(&app, &auth.account, &r).await
}

/// `POST /api/v1/admin/reports/:id/assign_to_self`
async fn assign_to_self(
    State(app): State<Arc<AppState>>,
    auth: Auth<AdminWriteReports>,
    Path(id): Path<String>,
) -> Result<Json<AdminReportEntity>> {
    let r = reports::assign(&app, &auth.user, report_id(&id)?, true).await?;
    one(&app, &auth.account, &r).await
}

/// `POST /api/v1/admin/reports/:id/unassign`
async fn unassign(
    State(app): State<Arc<AppState>>,
    auth: Auth<AdminWriteReports>,
    Path(id): Path<String>,
) -> Result<Json<AdminReportEntity>> {
    let r = reports::assign(&app, &auth.user, report_id(&id)?, false).await?;
    one(&app, &auth.account, &r).await
}

/// `POST /api/v1/admin/reports/:id/resolve`
async fn resolve(
    State(app): State<Arc<AppState>>,
    auth: Auth<AdminWriteReports>,
    Path(id): Path<String>,
) -> Result<Json<AdminReportEntity>> {
    let r = reports::resolve(&app, &auth.user, report_id(&id)?, true).await?;
    one(&app, &auth.account, &r).await
}

/// `POST /api/v1/admin/reports/:id/reopen`
async fn reopen(
    State(app): State<Arc<AppState>>,
    auth: Auth<AdminWriteReports>,
    Path(id): Path<String>,
) -> Result<Json<AdminReportEntity>> {
    let r = reports::resolve(&app, &auth.user, report_id(&id)?, false).await?;
    one(&app, &auth.account, &r).await
}
