//! `/settings/email`: a new address, after the password. With mail
//! configured the new address must be confirmed through its link first.

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
use crate::service::confirmations;

pub fn router() -> Router<Arc<AppState>> {
    Router::new().route("/settings/email", get(show).post(update))
}

#[derive(Template)]
#[template(path = "settings_email.html")]
struct EmailPage {
    frame: Frame,
    email: String,
    unconfirmed_email: Option<String>,
}

fn page(me: &SignedIn, frame: Frame, status: StatusCode) -> Response {
    render(
        status,
        &EmailPage {
            frame,
            email: me.user.email.clone(),
            unconfirmed_email: me.user.unconfirmed_email.clone(),
        },
    )
}

/// `GET /settings/email`
async fn show(
    State(app): State<Arc<AppState>>,
    me: SignedIn,
    Query(q): Query<NoticeQuery>,
) -> Response {
    let frame = Frame::new(&app, &me, q.notice.as_deref());
    page(&me, frame, StatusCode::OK)
}

#[derive(Deserialize)]
struct EmailForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    current_password: String,
}

/// `POST /settings/email`
async fn update(
    State(app): State<Arc<AppState>>,
    me: SignedIn,
    Form(f): Form<EmailForm>,
) -> Response {
    if !me.csrf_ok(&f.csrf_token) {
        return bad_csrf(&app);
    }
    match confirmations::change_email(&app, &me.user, &f.current_password, &f.email).await {
        Ok(()) if app.mail.enabled() => done("/settings/email", "email_sent"),
        Ok(()) => done("/settings/email", "email"),
        Err(e) => refused(&app, &me, e, |frame, status| page(&me, frame, status)),
    }
}
