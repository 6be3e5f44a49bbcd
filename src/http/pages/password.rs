//! The pages mailed links lead to (Mastodon's paths), only when e-mail is
//! configured (404 otherwise): forgotten passwords (`/auth/password/new`
//! asks for the address, `POST /auth/password` mails a link,
//! `/auth/password/edit?reset_password_token=…` chooses the new password)
//! and address confirmation (`/auth/confirmation?confirmation_token=…`).

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::{MessagePage, csrf_ok, render, with_csrf};
use crate::app::AppState;
use crate::error::{Error, Kind};
use crate::http::extract::ClientIp;
use crate::service::passwords;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/auth/password/new", get(new))
        .route("/auth/password", post(create))
        .route("/auth/password/edit", get(edit).post(update))
        .route("/auth/confirmation", get(confirmation))
}

#[derive(Deserialize)]
struct ConfirmationQuery {
    #[serde(default)]
    confirmation_token: String,
}

/// `GET /auth/confirmation?confirmation_token=…`: confirms the address the
/// link was mailed to. (A GET that changes state, as Mastodon's: the token
/// is the proof, and opening the link is the whole gesture.)
async fn confirmation(
    State(app): State<Arc<AppState>>,
    Query(q): Query<ConfirmationQuery>,
) -> Response {
    if !app.mail.enabled() {
        return Error::not_found().into_response();
    }
    match crate::service::confirmations::confirm(&app, &q.confirmation_token).await {
        Ok(true) => message(
            &app,
            StatusCode::OK,
            "Address confirmed",
            "Thank you: your account is ready. Sign in from your app or this site.",
        ),
        Ok(false) => message(
            &app,
            StatusCode::NOT_FOUND,
            "This link does not work",
            "It was already used, or a newer one was sent. Your app can send a new one.",
        ),
        Err(e) => e.into_response(),
    }
}

#[derive(Template)]
#[template(path = "password_new.html")]
struct NewPage {
    instance_title: String,
    error: Option<String>,
    csrf_token: String,
}

#[derive(Template)]
#[template(path = "password_edit.html")]
struct EditPage {
    instance_title: String,
    error: Option<String>,
    csrf_token: String,
    token: String,
}

fn message(app: &AppState, status: StatusCode, heading: &str, text: &str) -> Response {
    render(
        status,
        &MessagePage {
            instance_title: app.config.instance.title.clone(),
            heading: heading.into(),
            message: text.into(),
        },
    )
}

fn new_form(
    app: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    error: Option<String>,
) -> Response {
    with_csrf(app, headers, |csrf_token| {
        render(
            status,
            &NewPage {
                instance_title: app.config.instance.title.clone(),
                error,
                csrf_token,
            },
        )
    })
}

fn edit_form(
    app: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    token: &str,
    error: Option<String>,
) -> Response {
    with_csrf(app, headers, |csrf_token| {
        render(
            status,
            &EditPage {
                instance_title: app.config.instance.title.clone(),
                error,
                csrf_token,
                token: token.to_string(),
            },
        )
    })
}

/// `GET /auth/password/new`
async fn new(State(app): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    if !passwords::offered(&app) {
        return Error::not_found().into_response();
    }
    new_form(&app, &headers, StatusCode::OK, None)
}

#[derive(Deserialize)]
struct NewForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    csrf_token: String,
}

/// `POST /auth/password`: the same answer whether or not the address has
/// an account here.
async fn create(
    State(app): State<Arc<AppState>>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    axum::Form(form): axum::Form<NewForm>,
) -> Response {
    if !passwords::offered(&app) {
        return Error::not_found().into_response();
    }
    if !csrf_ok(&headers, &form.csrf_token) {
        let error = Some("Your session expired; please try again.".to_string());
        return new_form(&app, &headers, StatusCode::FORBIDDEN, error);
    }
    match passwords::request_reset(&app, ip, &form.email).await {
        Ok(()) => message(
            &app,
            StatusCode::OK,
            "Check your e-mail",
            "If this address belongs to an account here, a link to choose a new password is on its way.",
        ),
        Err(e) if e.kind == Kind::TooManyRequests => {
            let mut response = new_form(
                &app,
                &headers,
                StatusCode::TOO_MANY_REQUESTS,
                Some("Too many attempts; please wait a few minutes.".into()),
            );
            super::add_rate_limit_headers(&mut response, &e);
            response
        }
        Err(e) => e.into_response(),
    }
}

#[derive(Deserialize)]
struct EditQuery {
    #[serde(default)]
    reset_password_token: String,
}

/// `GET /auth/password/edit?reset_password_token=…`
async fn edit(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(q): Query<EditQuery>,
) -> Response {
    if !passwords::offered(&app) {
        return Error::not_found().into_response();
    }
    match passwords::token_is_live(&app, &q.reset_password_token).await {
        Ok(true) => edit_form(
            &app,
            &headers,
            StatusCode::OK,
            &q.reset_password_token,
            None,
        ),
        Ok(false) => message(
            &app,
            StatusCode::NOT_FOUND,
            "This link does not work",
            "It has expired or was already used. Ask for a new one from the sign-in page.",
        ),
        Err(e) => e.into_response(),
    }
}

#[derive(Deserialize)]
struct EditForm {
    #[serde(default)]
    reset_password_token: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirmation: String,
    #[serde(default)]
    csrf_token: String,
}

/// `POST /auth/password/edit`: sets the password; every session and token
/// of the account ends.
async fn update(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<EditForm>,
) -> Response {
    if !passwords::offered(&app) {
        return Error::not_found().into_response();
    }
    let token = form.reset_password_token.as_str();
    if !csrf_ok(&headers, &form.csrf_token) {
        let error = Some("Your session expired; please try again.".to_string());
        return edit_form(&app, &headers, StatusCode::FORBIDDEN, token, error);
    }
    match passwords::reset(&app, token, &form.password, &form.password_confirmation).await {
        Ok(()) => message(
            &app,
            StatusCode::OK,
            "Password changed",
            "Sign in with your new password. Every other session was signed out.",
        ),
        Err(e) if e.kind == Kind::Unprocessable => {
            let text = if e.details.is_empty() {
                e.message
            } else {
                e.details
                    .iter()
                    .flat_map(|(field, errs)| {
                        errs.iter()
                            .map(move |x| format!("{} {}", field.replace('_', " "), x.description))
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            edit_form(
                &app,
                &headers,
                StatusCode::UNPROCESSABLE_ENTITY,
                token,
                Some(text),
            )
        }
        Err(e) => e.into_response(),
    }
}
