//! `/admin/announcements`: what the server announces to everyone signed in
//! (admins only).

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Deserialize;

use super::reports::CsrfForm;
use super::{Frame, NoticeQuery, Staff, bad_csrf, change_by_id, done, refused};
use crate::app::AppState;
use crate::error::Error;
use crate::http::pages::render;
use crate::model::{Announcement, Role};
use crate::service::{announcements, moderation};

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/admin/announcements", get(index).post(create))
        .route("/admin/announcements/{id}/delete", post(remove))
}

#[derive(Template)]
#[template(path = "admin/announcements.html")]
struct AnnouncementsPage {
    frame: Frame,
    announcements: Vec<Announcement>,
    now: DateTime<Utc>,
}

/// `GET /admin/announcements`
async fn index(
    State(app): State<Arc<AppState>>,
    me: Staff,
    Query(q): Query<NoticeQuery>,
) -> Response {
    if let Err(e) = moderation::require(me.user(), Role::Admin) {
        return refused(&app, e);
    }
    match announcements::all(&app).await {
        Ok(list) => render(
            StatusCode::OK,
            &AnnouncementsPage {
                frame: Frame::new(&app, &me, q.notice.as_deref()),
                announcements: list,
                now: Utc::now(),
            },
        ),
        Err(e) => e.into_response(),
    }
}

#[derive(Deserialize)]
struct AnnouncementForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    text: String,
    /// `YYYY-MM-DDTHH:MM` (a `datetime-local` field), in UTC.
    #[serde(default)]
    starts_at: String,
    #[serde(default)]
    ends_at: String,
    #[serde(default)]
    all_day: Option<String>,
}

/// A `datetime-local` value read as UTC; empty is none.
fn when(field: &str, value: &str) -> Result<Option<DateTime<Utc>>, Error> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S"))
        .map(|t| Some(t.and_utc()))
        .map_err(|_| {
            Error::unprocessable(format!("Validation failed: {field} is not a date and time"))
        })
}

/// `POST /admin/announcements`
async fn create(
    State(app): State<Arc<AppState>>,
    me: Staff,
    Form(f): Form<AnnouncementForm>,
) -> Response {
    if !me.csrf_ok(&f.csrf_token) {
        return bad_csrf(&app);
    }
    let (starts_at, ends_at) = match (when("Start", &f.starts_at), when("End", &f.ends_at)) {
        (Ok(s), Ok(e)) => (s, e),
        (Err(e), _) | (_, Err(e)) => return refused(&app, e),
    };
    let all_day = f.all_day.is_some();
    match announcements::create(&app, me.user(), &f.text, starts_at, ends_at, all_day).await {
        Ok(_) => done("/admin/announcements", "saved"),
        Err(e) => refused(&app, e),
    }
}

/// `POST /admin/announcements/:id/delete`
async fn remove(
    State(app): State<Arc<AppState>>,
    me: Staff,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let delete = async |id| announcements::delete(&app, me.user(), id).await;
    change_by_id(
        &app,
        &me,
        &f.csrf_token,
        &id,
        delete,
        "/admin/announcements",
        "removed",
    )
    .await
}
