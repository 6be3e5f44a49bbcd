//! `/settings/password`: a new password, after the current one. Every
//! token is revoked and every other browser signed out.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;

use super::{Frame, NoticeQuery, SignedIn, bad_csrf, done, refused};
use crate::app::AppState;
use crate::http::pages::render;
use crate::service::passwords;

pub fn router() -> Router<Arc<AppState>> {
    Router::new().route("/settings/password", get(show).post(update))
}

#[derive(Template)]
#[template(path = "settings_password.html")]
struct PasswordPage {
    frame: Frame,
}

/// `GET /settings/password`
async fn show(
    State(app): State<Arc<AppState>>,
    me: SignedIn,
    Query(q): Query<NoticeQuery>,
) -> Response {
    let frame = Frame::new(&app, &me, q.notice.as_deref());
    render(StatusCode::OK, &PasswordPage { frame })
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirmation: String,
}

/// `POST /settings/password`
async fn update(
    State(app): State<Arc<AppState>>,
    me: SignedIn,
    Form(f): Form<PasswordForm>,
) -> Response {
    if !me.csrf_ok(&f.csrf_token) {
        return bad_csrf(&app);
    }
    let result = passwords::change(
        &app,
        &me.user,
        &me.session,
        &f.current_password,
        &f.password,
        &f.password_confirmation,
    )
    .await;
    match result {
        Ok(()) => done("/settings/password", "password"),
        Err(e) => refused(&app, &me, e, |frame, status| {
            render(status, &PasswordPage { frame })
        }),
    }
}
