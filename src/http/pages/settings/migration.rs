//! `/settings/migration`: aliases (the accounts that may move here) and
//! moving this account to another one.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::{Frame, NoticeQuery, SignedIn, bad_csrf, done, refused};
use crate::app::AppState;
use crate::http::pages::render;
use crate::service::moves;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/settings/migration", get(show).post(move_account))
        .route("/settings/aliases", post(add_alias))
        .route("/settings/aliases/delete", post(remove_alias))
}

#[derive(Template)]
#[template(path = "settings_migration.html")]
struct MigrationPage {
    frame: Frame,
    aliases: Vec<String>,
    moved: bool,
}

fn page(me: &SignedIn, frame: Frame, status: StatusCode) -> Response {
    render(
        status,
        &MigrationPage {
            frame,
            aliases: me.account.also_known_as.0.clone(),
            moved: me.account.moved_to_account_id.is_some(),
        },
    )
}

/// `GET /settings/migration`
async fn show(
    State(app): State<Arc<AppState>>,
    me: SignedIn,
    Query(q): Query<NoticeQuery>,
) -> Response {
    let frame = Frame::new(&app, &me, q.notice.as_deref());
    page(&me, frame, StatusCode::OK)
}

#[derive(Deserialize)]
struct AliasForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    acct: String,
}

/// `POST /settings/aliases`: `acct` may move to this account.
async fn add_alias(
    State(app): State<Arc<AppState>>,
    me: SignedIn,
    Form(f): Form<AliasForm>,
) -> Response {
    if !me.csrf_ok(&f.csrf_token) {
        return bad_csrf(&app);
    }
    match moves::add_alias(&app, &me.account, &f.acct).await {
        Ok(_) => done("/settings/migration", "alias_added"),
        Err(e) => refused(&app, &me, e, |frame, status| page(&me, frame, status)),
    }
}

#[derive(Deserialize)]
struct RemoveAliasForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    uri: String,
}

/// `POST /settings/aliases/delete`
async fn remove_alias(
    State(app): State<Arc<AppState>>,
    me: SignedIn,
    Form(f): Form<RemoveAliasForm>,
) -> Response {
    if !me.csrf_ok(&f.csrf_token) {
        return bad_csrf(&app);
    }
    match moves::remove_alias(&app, &me.account, &f.uri).await {
        Ok(_) => done("/settings/migration", "alias_removed"),
        Err(e) => refused(&app, &me, e, |frame, status| page(&me, frame, status)),
    }
}

#[derive(Deserialize)]
struct MoveForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    acct: String,
    #[serde(default)]
    current_password: String,
}

/// `POST /settings/migration`: moves this account to `acct`.
async fn move_account(
    State(app): State<Arc<AppState>>,
    me: SignedIn,
    Form(f): Form<MoveForm>,
) -> Response {
    if !me.csrf_ok(&f.csrf_token) {
        return bad_csrf(&app);
    }
    match moves::move_to(&app, &me.account, &me.user, &f.acct, &f.current_password).await {
        Ok(_) => done("/settings/migration", "moved"),
        Err(e) => refused(&app, &me, e, |frame, status| page(&me, frame, status)),
    }
}
