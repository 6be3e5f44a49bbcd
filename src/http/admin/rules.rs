//! `/admin/rules`: the server's rules and the texts it shows on `/about`
//! (admins only).

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::reports::CsrfForm;
use super::{Frame, NoticeQuery, Staff, bad_csrf, change_by_id, done, refused};
use crate::app::AppState;
use crate::http::pages::render;
use crate::model::{Role, Rule};
use crate::service::moderation::{self, rules::ServerText};

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/admin/rules", get(index).post(create))
        .route("/admin/rules/texts", post(texts))
        .route("/admin/rules/{id}", post(update))
        .route("/admin/rules/{id}/delete", post(remove))
}

#[derive(Template)]
#[template(path = "admin/rules.html")]
struct RulesPage {
    frame: Frame,
    rules: Vec<Rule>,
    /// `(form key, title, current text)`.
    texts: Vec<(&'static str, &'static str, String)>,
}

/// `GET /admin/rules`
async fn index(
    State(app): State<Arc<AppState>>,
    me: Staff,
    Query(q): Query<NoticeQuery>,
) -> Response {
    if let Err(e) = moderation::require(me.user(), Role::Admin) {
        return refused(&app, e);
    }
    let rules = match moderation::rules::list(&app).await {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    let mut texts = Vec::new();
    for which in ServerText::ALL {
        let source = match moderation::rules::text(&app, which).await {
            Ok(t) => t.map(|t| t.source).unwrap_or_default(),
            Err(e) => return e.into_response(),
        };
        texts.push((which.key(), which.title(), source));
    }
    let frame = Frame::new(&app, &me, q.notice.as_deref());
    render(
        StatusCode::OK,
        &RulesPage {
            frame,
            rules,
            texts,
        },
    )
}

#[derive(Deserialize)]
struct RuleForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    hint: String,
    #[serde(default)]
    position: String,
}

/// `POST /admin/rules`
async fn create(State(app): State<Arc<AppState>>, me: Staff, Form(f): Form<RuleForm>) -> Response {
    if !me.csrf_ok(&f.csrf_token) {
        return bad_csrf(&app);
    }
    let position = f.position.trim().parse().ok();
    match moderation::rules::create(&app, me.user(), &f.text, &f.hint, position).await {
        Ok(_) => done("/admin/rules", "saved"),
        Err(e) => refused(&app, e),
    }
}

/// `POST /admin/rules/:id`
async fn update(
    State(app): State<Arc<AppState>>,
    me: Staff,
    Path(id): Path<String>,
    Form(f): Form<RuleForm>,
) -> Response {
    let position = f.position.trim().parse().ok();
    let update =
        async |id| moderation::rules::update(&app, me.user(), id, &f.text, &f.hint, position).await;
    change_by_id(
        &app,
        &me,
        &f.csrf_token,
        &id,
        update,
        "/admin/rules",
        "saved",
    )
    .await
}

/// `POST /admin/rules/:id/delete`
async fn remove(
    State(app): State<Arc<AppState>>,
    me: Staff,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let delete = async |id| moderation::rules::delete(&app, me.user(), id).await;
    change_by_id(
        &app,
        &me,
        &f.csrf_token,
        &id,
        delete,
        "/admin/rules",
        "removed",
    )
    .await
}

#[derive(Deserialize)]
struct TextsForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    extended_description: String,
    #[serde(default)]
    privacy_policy: String,
    #[serde(default)]
    terms_of_service: String,
}

/// `POST /admin/rules/texts`: the three texts at once.
async fn texts(State(app): State<Arc<AppState>>, me: Staff, Form(f): Form<TextsForm>) -> Response {
    if !me.csrf_ok(&f.csrf_token) {
        return bad_csrf(&app);
    }
    for (which, source) in [
        (ServerText::ExtendedDescription, &f.extended_description),
        (ServerText::PrivacyPolicy, &f.privacy_policy),
        (ServerText::TermsOfService, &f.terms_of_service),
    ] {
        let unchanged = match moderation::rules::text(&app, which).await {
            Ok(t) => t.map(|t| t.source).unwrap_or_default() == source.trim(),
            Err(e) => return e.into_response(),
        };
        if unchanged {
            continue;
        }
        if let Err(e) = moderation::rules::set_text(&app, me.user(), which, source).await {
            return refused(&app, e);
        }
    }
    done("/admin/rules", "saved")
}
