//! `/settings/applications`: the apps holding access to the account, each
//! with its scopes and a button that revokes all its tokens.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query, State};
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
        .route("/settings/applications", get(show))
        .route("/settings/applications/{id}/revoke", post(revoke))
}

struct AppRow {
    id: i64,
    name: String,
    website: Option<String>,
    scopes: String,
    authorized: String,
    last_used: String,
}

#[derive(Template)]
#[template(path = "settings_applications.html")]
struct ApplicationsPage {
    frame: Frame,
    apps: Vec<AppRow>,
}

/// `GET /settings/applications`
async fn show(
    State(app): State<Arc<AppState>>,
    me: SignedIn,
    Query(q): Query<NoticeQuery>,
) -> Response {
    let list = match oauth::authorized_apps(&app, &me.account).await {
        Ok(list) => list,
        Err(e) => return e.into_response(),
    };
    let apps = list
        .into_iter()
        .map(|a| AppRow {
            id: a.app_id,
            name: a.name,
            website: a.website.filter(|w| crate::text::web_url(w).is_some()),
            scopes: a.scopes,
            authorized: a.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            last_used: a
                .last_used_at
                .map(|t| t.format("%Y-%m-%d").to_string())
                .unwrap_or_else(|| "never".into()),
        })
        .collect();
    let frame = Frame::new(&app, &me, q.notice.as_deref());
    render(StatusCode::OK, &ApplicationsPage { frame, apps })
}

#[derive(Deserialize)]
struct RevokeForm {
    #[serde(default)]
    csrf_token: String,
}

/// `POST /settings/applications/:id/revoke`
async fn revoke(
    State(app): State<Arc<AppState>>,
    me: SignedIn,
    Path(id): Path<i64>,
    Form(f): Form<RevokeForm>,
) -> Response {
    if !me.csrf_ok(&f.csrf_token) {
        return bad_csrf(&app);
    }
    match oauth::revoke_app(&app, &me.account, id).await {
        Ok(()) => done("/settings/applications", "app_revoked"),
        Err(e) => e.into_response(),
    }
}
