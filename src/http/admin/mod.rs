//! The web moderation UI under `/admin`: server-rendered pages for staff
//! (moderators and admins) signed in with a browser session. A visitor
//! without a session is sent to the sign-in page and back; a signed-in user
//! without a staff role gets 403. Every form carries the session's CSRF
//! token, checked before anything changes; every change goes through the
//! same moderation services as the admin API, so it lands in the audit
//! log. Works without JavaScript.

use std::sync::Arc;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};

use crate::app::AppState;
use crate::error::Error;
use crate::http::pages::settings::SignedIn;
use crate::model::Role;

mod accounts;
mod action_logs;
mod announcements;
mod custom_emojis;
mod dashboard;
mod domain_blocks;
mod reports;
mod review;
mod rules;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .merge(dashboard::router())
        .merge(reports::router())
        .merge(accounts::router())
        .merge(review::router())
        .merge(domain_blocks::router())
        .merge(rules::router())
        .merge(announcements::router())
        .merge(custom_emojis::router())
        .merge(action_logs::router())
}

/// A signed-in staff member behind an `/admin` request.
pub struct Staff(pub SignedIn);

impl FromRequestParts<Arc<AppState>> for Staff {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let me = SignedIn::from_request_parts(parts, app).await?;
        if me.user.role() < Role::Moderator {
            return Err(crate::http::pages::message(
                app,
                StatusCode::FORBIDDEN,
                "Staff only",
                "These pages are for the moderators and admins of this server.",
            ));
        }
        Ok(Staff(me))
    }
}

impl Staff {
    pub fn csrf_ok(&self, token: &str) -> bool {
        self.0.csrf_ok(token)
    }

    pub fn user(&self) -> &crate::model::User {
        &self.0.user
    }
}

/// What every admin page shows around its own part.
pub struct Frame {
    pub instance_title: String,
    pub acct: String,
    pub csrf_token: String,
    pub notice: Option<String>,
    pub error: Option<String>,
    /// Admins see the pages about whole servers.
    pub is_admin: bool,
}

impl Frame {
    pub fn new(app: &AppState, me: &Staff, notice: Option<&str>) -> Self {
        Frame {
            instance_title: app.config.instance.title.clone(),
            acct: me.0.account.acct(),
            csrf_token: me.0.session.csrf_token.clone(),
            notice: notice.and_then(notice_text).map(str::to_string),
            error: None,
            is_admin: me.0.user.role() >= Role::Admin,
        }
    }
}

/// The notices a redirect after a change may name (`?notice=…`); unknown
/// names show nothing, so the query cannot put words on the page.
fn notice_text(key: &str) -> Option<&'static str> {
    Some(match key {
        "action" => "Done. The action is in the audit log.",
        "resolved" => "The report is resolved.",
        "reopened" => "The report is open again.",
        "assigned" => "The report is yours.",
        "unassigned" => "The report is assigned to nobody.",
        "approved" => "Approved.",
        "rejected" => "Rejected.",
        "lifted" => "Lifted.",
        "blocked" => "The domain block is saved.",
        "unblocked" => "The domain block is lifted.",
        "saved" => "Saved.",
        "removed" => "Removed.",
        _ => return None,
    })
}

#[derive(serde::Deserialize, Default)]
pub struct NoticeQuery {
    pub notice: Option<String>,
}

/// A redirect back to `path` naming a notice.
pub fn done(path: &str, notice: &str) -> Response {
    let sep = if path.contains('?') { '&' } else { '?' };
    Redirect::to(&format!("{path}{sep}notice={notice}")).into_response()
}

/// The answer to a form whose CSRF token is wrong: nothing changed.
pub fn bad_csrf(app: &AppState) -> Response {
    crate::http::pages::settings::bad_csrf(app)
}

/// A refused change: the service's message on a page of its own, with the
/// error's status (403, 404, 422), or the error itself when it is not the
/// user's to fix.
pub fn refused(app: &AppState, e: Error) -> Response {
    match e.kind {
        crate::error::Kind::Unprocessable
        | crate::error::Kind::BadRequest
        | crate::error::Kind::Forbidden
        | crate::error::Kind::NotFound => {
            let status = StatusCode::from_u16(e.kind.status()).unwrap_or(StatusCode::FORBIDDEN);
            crate::http::pages::message(app, status, "Nothing was changed", &e.message)
        }
        _ => e.into_response(),
    }
}

/// A timestamp as the pages show it.
pub fn when(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// A form that changes one thing by its id: the session's CSRF token is
/// checked first, then `change` runs on the id; success redirects to
/// `back` (the id filled in for `{id}`) with `notice`, a refusal shows its
/// message.
pub async fn change_by_id<T>(
    app: &AppState,
    me: &Staff,
    token: &str,
    id: &str,
    change: impl AsyncFnOnce(i64) -> crate::error::Result<T>,
    back: &str,
    notice: &str,
) -> Response {
    if !me.csrf_ok(token) {
        return bad_csrf(app);
    }
    let Some(id) = path_id(id) else {
        return not_found();
    };
    match change(id).await {
        Ok(_) => done(&back.replace("{id}", &id.to_string()), notice),
        Err(e) => refused(app, e),
    }
}

/// An id from a path segment or form field.
pub fn path_id(id: &str) -> Option<i64> {
    id.parse().ok()
}

/// The 404 for an id that is not one.
pub fn not_found() -> Response {
    Error::not_found().into_response()
}
