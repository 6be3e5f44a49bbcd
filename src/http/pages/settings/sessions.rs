//! `/settings/sessions`: the browsers signed in to the account, with where
//! and when they signed in, and a button that signs each one out.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::{Frame, NoticeQuery, SignedIn, bad_csrf, done};
use crate::app::AppState;
use crate::http::pages::render;
use crate::service::oauth;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/settings/sessions", get(show))
        .route("/settings/sessions/revoke", post(revoke))
}

struct SessionRow {
    /// The session's digest: names it in the form, cannot be used as the cookie.
    id: String,
    browser: String,
    ip: String,
    signed_in: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "settings_sessions.html")]
struct SessionsPage {
    frame: Frame,
    sessions: Vec<SessionRow>,
}

/// `GET /settings/sessions`
async fn show(
    State(app): State<Arc<AppState>>,
    me: SignedIn,
    Query(q): Query<NoticeQuery>,
) -> Response {
    let list = match oauth::sessions(&app, &me.account).await {
        Ok(list) => list,
        Err(e) => return e.into_response(),
    };
    let sessions = list
        .into_iter()
        .map(|s| SessionRow {
            current: s.id_hash == me.session.id_hash,
            id: s.id_hash,
            browser: s.user_agent.unwrap_or_else(|| "Unknown browser".into()),
            ip: s.ip.unwrap_or_default(),
            signed_in: s.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        })
        .collect();
    let frame = Frame::new(&app, &me, q.notice.as_deref());
    render(StatusCode::OK, &SessionsPage { frame, sessions })
}

#[derive(Deserialize)]
struct RevokeForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    id: String,
}

/// `POST /settings/sessions/revoke`: signs out one of the account's browsers.
async fn revoke(
    State(app): State<Arc<AppState>>,
    me: SignedIn,
    Form(f): Form<RevokeForm>,
) -> Response {
    if !me.csrf_ok(&f.csrf_token) {
        return bad_csrf(&app);
    }
    match oauth::end_account_session(&app, &me.account, &f.id).await {
        Ok(()) if f.id == me.session.id_hash => axum::response::Redirect::to("/").into_response(),
        Ok(()) => done("/settings/sessions", "session_ended"),
        Err(e) => e.into_response(),
    }
}
