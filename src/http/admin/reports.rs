//! `/admin/reports` and `/admin/reports/:id`: the open (or resolved)
//! reports, and one report with the posts it points at, the account's
//! history, and the actions to take.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::accounts::{ActionBox, WarningRow, flags};
use super::{Frame, NoticeQuery, Staff, change_by_id, not_found, path_id, when};
use crate::app::AppState;
use crate::http::pages::render;
use crate::model::{Page, Report, ReportQuery};
use crate::service::moderation::{accounts, reports};

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/admin/reports", get(index))
        .route("/admin/reports/{id}", get(show))
        .route("/admin/reports/{id}/{action}", post(handle))
}

const PAGE: i64 = 50;

struct ReportRow {
    id: i64,
    target_id: i64,
    target: String,
    reporter: String,
    category: String,
    comment: String,
    created: String,
    assigned: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/reports.html")]
struct ReportsPage {
    frame: Frame,
    resolved: bool,
    rows: Vec<ReportRow>,
    older: Option<String>,
}

#[derive(Deserialize, Default)]
struct ListQuery {
    notice: Option<String>,
    resolved: Option<String>,
    max_id: Option<i64>,
}

fn snippet(text: &str) -> String {
    let mut s: String = text.chars().take(140).collect();
    if text.chars().count() > 140 {
        s.push('…');
    }
    s
}

/// `GET /admin/reports`
async fn index(
    State(app): State<Arc<AppState>>,
    me: Staff,
    Query(q): Query<ListQuery>,
) -> Response {
    let resolved = q.resolved.as_deref() == Some("true");
    let query = ReportQuery {
        resolved,
        ..Default::default()
    };
    let page = Page {
        max_id: q.max_id,
        since_id: None,
        min_id: None,
        limit: PAGE,
    };
    let found = match reports::list(&app, me.user(), &query, &page).await {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    let older = (found.len() as i64 == PAGE)
        .then(|| found.last())
        .flatten()
        .map(|r| format!("/admin/reports?resolved={resolved}&max_id={}", r.report.id));
    let rows = found
        .iter()
        .map(|r| ReportRow {
            id: r.report.id,
            target_id: r.target.account.id,
            target: r.target.account.acct(),
            reporter: r.reporter.account.acct(),
            category: r.report.category.clone(),
            comment: snippet(&r.report.comment),
            created: when(r.report.created_at),
            assigned: r.assigned.as_ref().map(|a| a.account.acct()),
        })
        .collect();
    let frame = Frame::new(&app, &me, q.notice.as_deref());
    render(
        StatusCode::OK,
        &ReportsPage {
            frame,
            resolved,
            rows,
            older,
        },
    )
}

struct ReportBox {
    id: i64,
    target_id: i64,
    target: String,
    target_flags: Vec<&'static str>,
    reporter: String,
    forwarded: bool,
    category: String,
    comment: String,
    created: String,
    assigned: Option<String>,
    assigned_to_me: bool,
    resolved: bool,
    resolved_by: Option<String>,
}

struct StatusRow {
    created: String,
    visibility: String,
    media: usize,
    sensitive: bool,
    spoiler: String,
    /// Sanitized when stored.
    content: String,
}

pub struct HistoryRow {
    pub id: i64,
    pub category: String,
    pub created: String,
    pub resolved: bool,
}

impl HistoryRow {
    pub fn of(r: &Report) -> Self {
        HistoryRow {
            id: r.id,
            category: r.category.clone(),
            created: when(r.created_at),
            resolved: r.action_taken_at.is_some(),
        }
    }
}

#[derive(Template)]
#[template(path = "admin/report.html")]
struct ReportPage {
    frame: Frame,
    r: ReportBox,
    statuses: Vec<StatusRow>,
    history: Vec<HistoryRow>,
    warnings: Vec<WarningRow>,
    action: ActionBox,
}

/// `GET /admin/reports/:id`
async fn show(
    State(app): State<Arc<AppState>>,
    me: Staff,
    Path(id): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> Response {
    let Some(id) = path_id(&id) else {
        return not_found();
    };
    let view = match reports::get(&app, me.user(), id).await {
        Ok(v) => v,
        Err(e) => return e.into_response(),
    };
    let target_id = view.target.account.id;
    let (history, warnings) = match (
        reports::history(&app, me.user(), target_id).await,
        accounts::warnings(&app, me.user(), target_id).await,
    ) {
        (Ok(h), Ok(w)) => (h, w),
        (Err(e), _) | (_, Err(e)) => return e.into_response(),
    };
    let report = &view.report;
    let r = ReportBox {
        id: report.id,
        target_id,
        target: view.target.account.acct(),
        target_flags: flags(&view.target),
        reporter: view.reporter.account.acct(),
        forwarded: report.forwarded,
        category: report.category.clone(),
        comment: report.comment.clone(),
        created: when(report.created_at),
        assigned: view.assigned.as_ref().map(|a| a.account.acct()),
        assigned_to_me: report.assigned_account_id == Some(me.user().account_id),
        resolved: report.action_taken_at.is_some(),
        resolved_by: view.action_taken_by.as_ref().map(|a| a.account.acct()),
    };
    let statuses = view
        .statuses
        .iter()
        .map(|(s, _)| StatusRow {
            created: when(s.created_at),
            visibility: s.visibility.clone(),
            media: s
                .media_ids
                .as_ref()
                .map(|m| m.0.len())
                .or_else(|| s.remote_attachments.as_ref().map(|m| m.0.len()))
                .unwrap_or(0),
            sensitive: s.sensitive,
            spoiler: s.spoiler_text.clone(),
            content: s.content.clone(),
        })
        .collect();
    let action = ActionBox {
        account_id: target_id,
        report_id: Some(report.id),
        local: view.target.user.is_some(),
    };
    let frame = Frame::new(&app, &me, q.notice.as_deref());
    render(
        StatusCode::OK,
        &ReportPage {
            frame,
            r,
            statuses,
            history: history
                .iter()
                .filter(|h| h.id != id)
                .map(HistoryRow::of)
                .collect(),
            warnings: warnings.iter().map(WarningRow::of).collect(),
            action,
        },
    )
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    pub csrf_token: String,
}

/// `POST /admin/reports/:id/{assign,unassign,resolve,reopen}`
async fn handle(
    State(app): State<Arc<AppState>>,
    me: Staff,
    Path((id, what)): Path<(String, String)>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let (to_self_or_resolved, assigning, notice) = match what.as_str() {
        "assign" => (true, true, "assigned"),
        "unassign" => (false, true, "unassigned"),
        "resolve" => (true, false, "resolved"),
        "reopen" => (false, false, "reopened"),
        _ => return not_found(),
    };
    let change = async |id| {
        if assigning {
            reports::assign(&app, me.user(), id, to_self_or_resolved).await
        } else {
            reports::resolve(&app, me.user(), id, to_self_or_resolved).await
        }
    };
    let back = "/admin/reports/{id}";
    change_by_id(&app, &me, &f.csrf_token, &id, change, back, notice).await
}
