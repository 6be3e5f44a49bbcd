//! The signed-in settings pages (`/settings/…`): profile, password, e-mail
//! address, two-factor sign-in, authorized apps, browser sessions, moving,
//! and exporting and importing one's data. Every
//! page needs a browser session (else a redirect to the sign-in page and
//! back); every form carries the session's CSRF token, checked before
//! anything changes. Successful changes redirect back with a notice.

use std::sync::Arc;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};

use super::cookies::{SESSION_COOKIE, get_cookie};
use crate::app::AppState;
use crate::auth::constant_time_eq;
use crate::error::{Error, Kind};
use crate::model::{Account, Session, User};

mod applications;
mod email;
mod export;
mod import;
mod migration;
mod password;
mod profile;
mod sessions;
mod two_factor;

pub fn router(app: &AppState) -> Router<Arc<AppState>> {
    Router::new()
        .route(
            "/settings",
            axum::routing::get(|| async { Redirect::to("/settings/profile") }),
        )
        .merge(profile::router(app))
        .merge(password::router())
        .merge(email::router())
        .merge(two_factor::router())
        .merge(applications::router())
        .merge(sessions::router())
        .merge(migration::router())
        .merge(export::router())
        .merge(import::router(app))
}

/// The signed-in browser behind a settings request.
pub struct SignedIn {
    pub session: Session,
    pub account: Account,
    pub user: User,
}

impl FromRequestParts<Arc<AppState>> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let found = match get_cookie(&parts.headers, SESSION_COOKIE) {
            Some(cookie) => crate::service::oauth::find_signed_in(app, &cookie)
                .await
                .map_err(IntoResponse::into_response)?,
            None => None,
        };
        match found {
            Some((session, account, user)) => Ok(SignedIn {
                session,
                account,
                user,
            }),
            None => {
                let back: String =
                    url::form_urlencoded::byte_serialize(parts.uri.path().as_bytes()).collect();
                Err(Redirect::to(&format!("/auth/sign_in?redirect_to={back}")).into_response())
            }
        }
    }
}

impl SignedIn {
    /// Whether a form carries this session's CSRF token.
    pub fn csrf_ok(&self, form_token: &str) -> bool {
        !form_token.is_empty()
            && constant_time_eq(self.session.csrf_token.as_bytes(), form_token.as_bytes())
    }
}

/// What every settings page shows around its own part.
pub struct Frame {
    pub instance_title: String,
    pub acct: String,
    pub csrf_token: String,
    pub notice: Option<String>,
    pub error: Option<String>,
}

impl Frame {
    pub fn new(app: &AppState, me: &SignedIn, notice: Option<&str>) -> Self {
        Frame {
            instance_title: app.config.instance.title.clone(),
            acct: me.account.acct(),
            csrf_token: me.session.csrf_token.clone(),
            notice: notice.and_then(notice_text).map(str::to_string),
            error: None,
        }
    }

    pub fn with_error(mut self, error: Option<String>) -> Self {
        self.error = error;
        self
    }
}

/// The notices a redirect after a change may name (`?notice=…`); unknown
/// names show nothing, so the query cannot put words on the page.
fn notice_text(key: &str) -> Option<&'static str> {
    Some(match key {
        "profile" => "Your profile was saved.",
        "password" => {
            "Your password was changed. Other browsers were signed out and apps must sign in again."
        }
        "email_sent" => {
            "Check the new address: the change happens when you open the link sent to it."
        }
        "email" => "Your e-mail address was changed.",
        "two_factor_off" => "Two-factor authentication is off.",
        "app_revoked" => "The app's access was revoked.",
        "session_ended" => "That browser was signed out.",
        "alias_added" => "The alias was added.",
        "alias_removed" => "The alias was removed.",
        "moved" => "This account has moved; its followers are following the new one.",
        "archive_requested" => {
            "Your archive is being prepared; it will be listed here when it is ready."
        }
        "insights_on" => "Insights are on: your figures are recorded again.",
        "insights_off" => "Insights are off: nothing new is recorded for your account.",
        "import_started" => {
            "The file was accepted; its rows are being imported (reload to see the progress)."
        }
        _ => return None,
    })
}

#[derive(serde::Deserialize, Default)]
pub struct NoticeQuery {
    pub notice: Option<String>,
}

/// The answer to a form whose CSRF token is wrong: nothing changed.
pub fn bad_csrf(app: &AppState) -> Response {
    super::message(
        app,
        StatusCode::FORBIDDEN,
        "Nothing was changed",
        "This form expired; go back, reload the page and try again.",
    )
}

/// The status a failed change answers with when the failure is the user's
/// to fix (its message then shows on the page); None for the rest
/// (database, internal), which answer as themselves.
pub fn user_error(e: &Error) -> Option<StatusCode> {
    match e.kind {
        Kind::Unprocessable | Kind::BadRequest => Some(StatusCode::UNPROCESSABLE_ENTITY),
        Kind::TooManyRequests => Some(StatusCode::TOO_MANY_REQUESTS),
        Kind::PayloadTooLarge => Some(StatusCode::PAYLOAD_TOO_LARGE),
        Kind::NotFound => Some(StatusCode::NOT_FOUND),
        _ => None,
    }
}

/// The answer to a refused change: the page again (drawn by `page`) with
/// the error's message and status when it is the user's to fix, else the
/// error's own response.
pub fn refused(
    app: &AppState,
    me: &SignedIn,
    e: Error,
    page: impl FnOnce(Frame, StatusCode) -> Response,
) -> Response {
    match user_error(&e) {
        Some(status) => page(
            Frame::new(app, me, None).with_error(Some(e.message)),
            status,
        ),
        None => e.into_response(),
    }
}

/// [`refused`] for a page that reads data to draw itself (`page` may fail).
pub async fn refused_async<F, Fut>(app: &AppState, me: &SignedIn, e: Error, page: F) -> Response
where
    F: FnOnce(Frame, StatusCode) -> Fut,
    Fut: std::future::Future<Output = crate::error::Result<Response>>,
{
    match user_error(&e) {
        Some(status) => page(
            Frame::new(app, me, None).with_error(Some(e.message)),
            status,
        )
        .await
        .unwrap_or_else(IntoResponse::into_response),
        None => e.into_response(),
    }
}

/// A redirect back to `path` naming a notice.
pub fn done(path: &str, notice: &str) -> Response {
    Redirect::to(&format!("{path}?notice={notice}")).into_response()
}
