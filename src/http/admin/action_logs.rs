//! `/admin/action_logs`: the audit log, newest first.

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

use super::{Frame, Staff, when};
use crate::app::AppState;
use crate::http::pages::render;
use crate::model::Page;
use crate::service::moderation::log::{self, LogQuery};

pub fn router() -> Router<Arc<AppState>> {
    Router::new().route("/admin/action_logs", get(index))
}

const PAGE: i64 = 100;

struct LogRow {
    created: String,
    who: String,
    action: String,
    target: String,
    link: Option<String>,
    text: String,
}

#[derive(Template)]
#[template(path = "admin/action_logs.html")]
struct LogPage {
    frame: Frame,
    rows: Vec<LogRow>,
    older: Option<String>,
}

#[derive(Deserialize, Default)]
struct LogParams {
    max_id: Option<i64>,
}

/// `GET /admin/action_logs`
async fn index(
    State(app): State<Arc<AppState>>,
    me: Staff,
    Query(q): Query<LogParams>,
) -> Response {
    let page = Page {
        max_id: q.max_id,
        since_id: None,
        min_id: None,
        limit: PAGE,
    };
    let lines = match log::list(&app, me.user(), LogQuery::default(), &page).await {
        Ok(l) => l,
        Err(e) => return e.into_response(),
    };
    let older = (lines.len() as i64 == PAGE)
        .then(|| lines.last())
        .flatten()
        .map(|(l, _)| format!("/admin/action_logs?max_id={}", l.id));
    let rows = lines
        .iter()
        .map(|(l, who)| LogRow {
            created: when(l.created_at),
            who: who.as_ref().map(|a| a.acct()).unwrap_or_else(|| "?".into()),
            action: l.action.clone(),
            target: l.target_name.clone(),
            link: match (l.target_type.as_str(), l.target_id) {
                ("Account", Some(id)) => Some(format!("/admin/accounts/{id}")),
                ("Report", Some(id)) => Some(format!("/admin/reports/{id}")),
                _ => None,
            },
            text: l.text.clone(),
        })
        .collect();
    let frame = Frame::new(&app, &me, None);
    render(StatusCode::OK, &LogPage { frame, rows, older })
}
