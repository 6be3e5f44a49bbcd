//! `/settings/two_factor`: set up an authenticator app (the secret as text,
//! as `data-otp-secret`, and as a QR code drawn in inline SVG), enable it
//! with a current code (field `code`), see the ten recovery codes once,
//! renew them, or turn two-factor off with the password.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::{Frame, NoticeQuery, SignedIn, bad_csrf, done, user_error};
use crate::app::AppState;
use crate::http::pages::render;
use crate::service::two_factor;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/settings/two_factor", get(show).post(enable))
        .route("/settings/two_factor/recovery_codes", post(renew))
        .route("/settings/two_factor/disable", post(disable))
}

#[derive(Template)]
#[template(path = "settings_two_factor.html")]
struct TwoFactorPage {
    frame: Frame,
    enabled: bool,
    /// While off: what to set the authenticator app up with.
    secret: String,
    otpauth_url: String,
    qr_svg: String,
    /// Right after enabling or renewing: the codes, shown this once.
    recovery_codes: Vec<String>,
    codes_left: i64,
}

/// The page for the account as it is now (re-read: a change just happened).
async fn page(
    app: &AppState,
    me: &SignedIn,
    frame: Frame,
    status: StatusCode,
    recovery_codes: Vec<String>,
    fresh: bool,
) -> Response {
    let result = async {
        let (user, _) = crate::service::accounts::credentials(app, &me.account).await?;
        let mut p = TwoFactorPage {
            frame,
            enabled: user.two_factor(),
            secret: String::new(),
            otpauth_url: String::new(),
            qr_svg: String::new(),
            recovery_codes,
            codes_left: 0,
        };
        if p.enabled {
            p.codes_left = two_factor::recovery_codes_left(app, &me.account).await?;
        } else {
            let setup = two_factor::setup(app, &me.account, &user, fresh).await?;
            p.secret = setup.secret;
            p.otpauth_url = setup.url;
            p.qr_svg = setup.qr_svg;
        }
        Ok::<_, crate::error::Error>(p)
    }
    .await;
    match result {
        Ok(p) => render(status, &p),
        Err(e) => e.into_response(),
    }
}

/// `GET /settings/two_factor`
async fn show(
    State(app): State<Arc<AppState>>,
    me: SignedIn,
    Query(q): Query<NoticeQuery>,
) -> Response {
    let frame = Frame::new(&app, &me, q.notice.as_deref());
    page(&app, &me, frame, StatusCode::OK, Vec::new(), true).await
}

#[derive(Deserialize)]
struct CodeForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    code: String,
    /// Needed to turn two-factor on when the browser did not sign in lately.
    #[serde(default)]
    current_password: String,
}

/// Answers a change: the page with the new codes, or with the error.
async fn answer(
    app: &AppState,
    me: &SignedIn,
    result: crate::error::Result<Vec<String>>,
) -> Response {
    match result {
        Ok(codes) => {
            page(
                app,
                me,
                Frame::new(app, me, None),
                StatusCode::OK,
                codes,
                false,
            )
            .await
        }
        Err(e) => match user_error(&e) {
            Some(status) => {
                let frame = Frame::new(app, me, None).with_error(Some(e.message));
                page(app, me, frame, status, Vec::new(), false).await
            }
            None => e.into_response(),
        },
    }
}

/// `POST /settings/two_factor`: enables two-factor with a current code.
async fn enable(
    State(app): State<Arc<AppState>>,
    me: SignedIn,
    Form(f): Form<CodeForm>,
) -> Response {
    if !me.csrf_ok(&f.csrf_token) {
        return bad_csrf(&app);
    }
    let result = two_factor::enable(
        &app,
        &me.account,
        &me.user,
        me.session.created_at,
        &f.current_password,
        &f.code,
    )
    .await;
    answer(&app, &me, result).await
}

/// `POST /settings/two_factor/recovery_codes`: new codes after a current code.
async fn renew(
    State(app): State<Arc<AppState>>,
    me: SignedIn,
    Form(f): Form<CodeForm>,
) -> Response {
    if !me.csrf_ok(&f.csrf_token) {
        return bad_csrf(&app);
    }
    let result = two_factor::renew_recovery_codes(&app, &me.account, &me.user, &f.code).await;
    answer(&app, &me, result).await
}

#[derive(Deserialize)]
struct DisableForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    current_password: String,
}

/// `POST /settings/two_factor/disable`: turns two-factor off after the password.
async fn disable(
    State(app): State<Arc<AppState>>,
    me: SignedIn,
    Form(f): Form<DisableForm>,
) -> Response {
    if !me.csrf_ok(&f.csrf_token) {
        return bad_csrf(&app);
    }
    match two_factor::disable(&app, &me.user, &f.current_password).await {
        Ok(()) => done("/settings/two_factor", "two_factor_off"),
        Err(e) => answer(&app, &me, Err(e)).await,
    }
}
