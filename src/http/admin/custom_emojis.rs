//! `/admin/custom_emojis`: this server's custom emoji, added from an image
//! and removed (admins only), the same as `roost admin emoji`.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::reports::CsrfForm;
use super::{Frame, NoticeQuery, Staff, bad_csrf, done, refused};
use crate::app::AppState;
use crate::error::Error;
use crate::http::extract::FormWithFiles;
use crate::http::pages::render;
use crate::model::Role;
use crate::service::{emojis, moderation};

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/admin/custom_emojis", get(index).post(create))
        .route("/admin/custom_emojis/{shortcode}/delete", post(remove))
}

/// One emoji as the page lists it.
struct Row {
    shortcode: String,
    url: String,
    category: String,
}

#[derive(Template)]
#[template(path = "admin/custom_emojis.html")]
struct EmojisPage {
    frame: Frame,
    emojis: Vec<Row>,
}

/// `GET /admin/custom_emojis`
async fn index(
    State(app): State<Arc<AppState>>,
    me: Staff,
    Query(q): Query<NoticeQuery>,
) -> Response {
    if let Err(e) = moderation::require(me.user(), Role::Admin) {
        return refused(&app, e);
    }
    match emojis::local(&app).await {
        Ok(list) => render(
            StatusCode::OK,
            &EmojisPage {
                frame: Frame::new(&app, &me, q.notice.as_deref()),
                emojis: list
                    .iter()
                    .map(|e| Row {
                        shortcode: e.shortcode.clone(),
                        url: emojis::image_url(&app, e).unwrap_or_default(),
                        category: e.category.clone().unwrap_or_default(),
                    })
                    .collect(),
            },
        ),
        Err(e) => e.into_response(),
    }
}

#[derive(Deserialize)]
struct EmojiForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    shortcode: String,
    #[serde(default)]
    category: String,
}

/// `POST /admin/custom_emojis` (multipart: `shortcode`, `category` and the
/// `image` file).
async fn create(
    State(app): State<Arc<AppState>>,
    me: Staff,
    form: FormWithFiles<EmojiForm>,
) -> Response {
    let FormWithFiles { params: f, files } = form;
    if !me.csrf_ok(&f.csrf_token) {
        return bad_csrf(&app);
    }
    let Some(file) = files.get("image").filter(|f| f.size > 0) else {
        return refused(
            &app,
            Error::unprocessable("Validation failed: Image can't be blank"),
        );
    };
    let bytes = match tokio::fs::read(&file.path).await {
        Ok(b) => b,
        Err(e) => return Error::internal(e).into_response(),
    };
    let category = Some(f.category.as_str());
    match emojis::add_by(&app, me.user(), &f.shortcode, bytes, category).await {
        Ok(_) => done("/admin/custom_emojis", "saved"),
        Err(e) => refused(&app, e),
    }
}

/// `POST /admin/custom_emojis/:shortcode/delete`
async fn remove(
    State(app): State<Arc<AppState>>,
    me: Staff,
    Path(shortcode): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if !me.csrf_ok(&f.csrf_token) {
        return bad_csrf(&app);
    }
    match emojis::remove_by(&app, me.user(), &shortcode).await {
        Ok(_) => done("/admin/custom_emojis", "removed"),
        Err(e) => refused(&app, e),
    }
}
