//! `/admin`: the dashboard, what waits for staff.

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::{Frame, NoticeQuery, Staff};
use crate::app::AppState;
use crate::http::pages::render;
use crate::service::moderation::{self, Dashboard};

pub fn router() -> Router<Arc<AppState>> {
    Router::new().route("/admin", get(show))
}

#[derive(Template)]
#[template(path = "admin/dashboard.html")]
struct DashboardPage {
    frame: Frame,
    d: Dashboard,
}

/// `GET /admin`
async fn show(
    State(app): State<Arc<AppState>>,
    me: Staff,
    Query(q): Query<NoticeQuery>,
) -> Response {
    match moderation::dashboard(&app, me.user()).await {
        Ok(d) => {
            let frame = Frame::new(&app, &me, q.notice.as_deref());
            render(StatusCode::OK, &DashboardPage { frame, d })
        }
        Err(e) => e.into_response(),
    }
}
