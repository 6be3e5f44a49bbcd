//! Server-rendered HTML: sign-in and sign-out for the browser, the home page.
//! Forms carry a CSRF token: before sign-in a double-submit cookie, after
//! sign-in the session's own token.

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::{constant_time_eq, random_token};
use crate::error::{Error, Kind, Result};
use crate::http::extract::ClientIp;
use crate::model::{Account, Session};
use crate::service::{accounts, oauth, two_factor};

pub mod about;
pub(crate) mod charts;
pub mod cookies;
mod insights;
pub mod password;
pub mod public;
pub mod settings;

use cookies::{CSRF_COOKIE, OTP_COOKIE, SESSION_COOKIE, get_cookie, set_cookie};

pub fn router(app: &AppState) -> Router<Arc<AppState>> {
    Router::new()
        .route("/", get(home))
        .route("/about", get(about::show))
        .route("/auth/sign_in", get(sign_in_page).post(sign_in))
        .merge(password::router())
        .merge(settings::router(app))
        .merge(insights::router())
        .route("/auth/sign_out", axum::routing::post(sign_out))
        .route("/robots.txt", get(robots))
        .route("/tags/{name}", get(public::tag))
        .route("/{handle}", get(public::profile))
        .route("/{handle}/{id}", get(public::status))
}

/// Renders a template into a response, or a 500 if the template fails. Pages
/// carry forms and codes: never cached, never framed, their forms posting
/// only to this server.
pub fn render(status: StatusCode, t: &impl Template) -> Response {
    render_with_form_action(status, t, None)
}

/// [`render`] for a page whose form ends in a redirect to `redirect` (the
/// OAuth consent page: browsers apply `form-action` to the redirect too).
pub fn render_with_form_action(
    status: StatusCode,
    t: &impl Template,
    redirect: Option<&str>,
) -> Response {
    let html = match t.render() {
        Ok(html) => html,
        Err(e) => return Error::internal(e).into_response(),
    };
    let extra = redirect.and_then(csp_source).unwrap_or_default();
    let csp = format!(
        "default-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'; \
         form-action 'self'{extra}; base-uri 'none'; object-src 'none'"
    );
    let mut response = (
        status,
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::X_FRAME_OPTIONS, "DENY"),
        ],
        Html(html),
    )
        .into_response();
    if let Ok(v) = axum::http::HeaderValue::from_str(&csp) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, v);
    }
    response
}

/// A CSP source for a redirect URI, with its leading space: the origin of
/// an http(s) URI, the scheme of an app's custom one (`com.example.app:`).
fn csp_source(uri: &str) -> Option<String> {
    let url = url::Url::parse(uri).ok()?;
    match url.scheme() {
        "http" | "https" => Some(format!(" {}", url.origin().ascii_serialization())),
        scheme => Some(format!(" {scheme}:")),
    }
}

#[derive(Template)]
#[template(path = "sign_in.html")]
pub struct SignInPage {
    pub instance_title: String,
    pub error: Option<String>,
    pub csrf_token: String,
    pub redirect_to: String,
    pub username: String,
    /// Whether to offer "Forgot your password?" (e-mail is configured).
    pub password_reset: bool,
}

#[derive(Template)]
#[template(path = "sign_in_otp.html")]
struct OtpPage {
    instance_title: String,
    error: Option<String>,
    csrf_token: String,
    redirect_to: String,
}

#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage {
    pub instance_title: String,
    pub heading: String,
    pub message: String,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    instance_title: String,
    description: String,
    signed_in: Option<String>,
    csrf_token: String,
}

/// An HTML error page.
pub fn message(app: &AppState, status: StatusCode, heading: &str, message: &str) -> Response {
    let page = MessagePage {
        instance_title: app.config.instance.title.clone(),
        heading: heading.to_string(),
        message: message.to_string(),
    };
    render(status, &page)
}

/// The signed-in browser's session, if any.
pub async fn current_session(
    app: &AppState,
    headers: &HeaderMap,
) -> Result<Option<(Session, Account)>> {
    match get_cookie(headers, SESSION_COOKIE) {
        Some(value) => oauth::find_session(app, &value).await,
        None => Ok(None),
    }
}

/// The sign-in form, with a fresh double-submit CSRF cookie when none is set.
pub fn sign_in_form(
    app: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    redirect_to: &str,
    error: Option<String>,
    username: &str,
) -> Response {
    with_csrf(app, headers, |csrf_token| {
        let page = SignInPage {
            instance_title: app.config.instance.title.clone(),
            error,
            csrf_token,
            redirect_to: redirect_to.to_string(),
            username: username.to_string(),
            password_reset: crate::service::passwords::offered(app),
        };
        render(status, &page)
    })
}

/// A page with a form before sign-in: `page` gets the double-submit CSRF
/// token (the cookie's, or a new one set with the answer).
pub fn with_csrf(
    app: &AppState,
    headers: &HeaderMap,
    page: impl FnOnce(String) -> Response,
) -> Response {
    let (token, fresh) = match get_cookie(headers, CSRF_COOKIE) {
        Some(t) if t.len() >= 32 => (t, false),
        _ => (random_token(), true),
    };
    let mut response = page(token.clone());
    if fresh {
        set_cookie(&mut response, app, CSRF_COOKIE, &token, None);
    }
    response
}

/// Whether a form before sign-in carries the CSRF cookie's token.
pub fn csrf_ok(headers: &HeaderMap, form_token: &str) -> bool {
    get_cookie(headers, CSRF_COOKIE).is_some_and(|c| {
        !form_token.is_empty() && constant_time_eq(c.as_bytes(), form_token.as_bytes())
    })
}

/// Only same-site paths are followed after sign-in, never another host.
/// Browsers drop tabs and newlines from URLs and read `\\` as `/`, so any of
/// those could turn a path into `//other.host`: refuse them all.
fn safe_redirect(target: &str) -> &str {
    let local_path = target.starts_with('/')
        && !target.starts_with("//")
        && !target
            .chars()
            .any(|c| c.is_control() || c == '\\' || c.is_whitespace());
    if local_path { target } else { "/" }
}

#[derive(Deserialize)]
pub struct SignInQuery {
    redirect_to: Option<String>,
}

/// `GET /auth/sign_in`
async fn sign_in_page(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
    q: axum::extract::Query<SignInQuery>,
) -> Response {
    let target = safe_redirect(q.redirect_to.as_deref().unwrap_or("/"));
    sign_in_form(&app, &headers, StatusCode::OK, target, None, "")
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    redirect_to: String,
    /// The second step's code (present only on that step's form).
    otp: Option<String>,
}

/// `POST /auth/sign_in`: checks CSRF, rate limits, credentials; starts a
/// session, or, for an account with two-factor on, asks for its code (the
/// same path, field `otp`).
async fn sign_in(
    State(app): State<Arc<AppState>>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    axum::Form(form): axum::Form<SignInForm>,
) -> Response {
    let target = safe_redirect(&form.redirect_to).to_string();
    if !csrf_ok(&headers, &form.csrf_token) {
        return sign_in_form(
            &app,
            &headers,
            StatusCode::FORBIDDEN,
            &target,
            Some("Your session expired; please try again.".into()),
            &form.username,
        );
    }
    if let Some(code) = &form.otp {
        return otp_step(&app, &headers, &ip.to_string(), &target, code).await;
    }
    if let Err(e) = accounts::limit_sign_in(&app, ip, &form.username).await {
        let mut response = sign_in_form(
            &app,
            &headers,
            StatusCode::TOO_MANY_REQUESTS,
            &target,
            Some("Too many attempts; please wait a few minutes.".into()),
            &form.username,
        );
        add_rate_limit_headers(&mut response, &e);
        return response;
    }
    match accounts::sign_in(&app, &form.username, &form.password, ip).await {
        Ok((account, user)) if user.two_factor() => {
            match two_factor::start_challenge(&app, &account).await {
                Ok(token) => {
                    let mut response = otp_form(&app, &headers, StatusCode::OK, &target, None);
                    set_cookie(&mut response, &app, OTP_COOKIE, &token, Some(600));
                    response
                }
                Err(e) => e.into_response(),
            }
        }
        Ok((account, _)) => signed_in(&app, &headers, &account, &ip.to_string(), &target).await,
        Err(e) if matches!(e.kind, Kind::Unauthorized | Kind::Forbidden) => {
            let status = if e.kind == Kind::Forbidden {
                StatusCode::FORBIDDEN
            } else {
                StatusCode::UNAUTHORIZED
            };
            sign_in_form(
                &app,
                &headers,
                status,
                &target,
                Some(e.message),
                &form.username,
            )
        }
        Err(e) => e.into_response(),
    }
}

/// Starts the browser's session and sends it on to `target`.
async fn signed_in(
    app: &AppState,
    headers: &HeaderMap,
    account: &Account,
    ip: &str,
    target: &str,
) -> Response {
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    match oauth::start_session(app, account, user_agent, Some(ip)).await {
        Ok(secret) => {
            let mut response = Redirect::to(target).into_response();
            let max_age = app.config.auth.session_lifetime_days * 86_400;
            set_cookie(&mut response, app, SESSION_COOKIE, &secret, Some(max_age));
            set_cookie(&mut response, app, OTP_COOKIE, "", Some(0));
            response
        }
        Err(e) => e.into_response(),
    }
}

/// The second step's form.
fn otp_form(
    app: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    redirect_to: &str,
    error: Option<String>,
) -> Response {
    with_csrf(app, headers, |csrf_token| {
        let page = OtpPage {
            instance_title: app.config.instance.title.clone(),
            error,
            csrf_token,
            redirect_to: redirect_to.to_string(),
        };
        render(status, &page)
    })
}

/// The second sign-in step: the code for the challenge the cookie names.
/// A wrong code leaves the step open (up to a few tries); an expired or
/// worn-out step starts again from the password.
async fn otp_step(
    app: &AppState,
    headers: &HeaderMap,
    ip: &str,
    target: &str,
    code: &str,
) -> Response {
    let Some(token) = get_cookie(headers, OTP_COOKIE).filter(|t| !t.is_empty()) else {
        return sign_in_form(
            app,
            headers,
            StatusCode::UNAUTHORIZED,
            target,
            Some("Your sign-in expired; please start again.".into()),
            "",
        );
    };
    match two_factor::pass_challenge(app, &token, code).await {
        Ok((account, _)) => signed_in(app, headers, &account, ip, target).await,
        Err(two_factor::ChallengeError::WrongCode) => otp_form(
            app,
            headers,
            StatusCode::UNAUTHORIZED,
            target,
            Some("Invalid two-factor code.".into()),
        ),
        Err(two_factor::ChallengeError::Expired) => {
            let mut response = sign_in_form(
                app,
                headers,
                StatusCode::UNAUTHORIZED,
                target,
                Some("Your sign-in expired; please start again.".into()),
                "",
            );
            set_cookie(&mut response, app, OTP_COOKIE, "", Some(0));
            response
        }
        Err(two_factor::ChallengeError::Other(e)) if e.kind == Kind::TooManyRequests => {
            let mut response = otp_form(
                app,
                headers,
                StatusCode::TOO_MANY_REQUESTS,
                target,
                Some("Too many attempts; please wait a few minutes.".into()),
            );
            add_rate_limit_headers(&mut response, &e);
            response
        }
        Err(two_factor::ChallengeError::Other(e)) => e.into_response(),
    }
}

pub fn add_rate_limit_headers(response: &mut Response, e: &Error) {
    crate::http::rate_limit_headers(response.headers_mut(), e);
}

#[derive(Deserialize)]
struct SignOutForm {
    #[serde(default)]
    csrf_token: String,
}

/// `POST /auth/sign_out`
async fn sign_out(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<SignOutForm>,
) -> Result<Response> {
    let Some(cookie) = get_cookie(&headers, SESSION_COOKIE) else {
        return Ok(Redirect::to("/").into_response());
    };
    let Some((session, _)) = oauth::find_session(&app, &cookie).await? else {
        return Ok(Redirect::to("/").into_response());
    };
    if !constant_time_eq(session.csrf_token.as_bytes(), form.csrf_token.as_bytes()) {
        return Err(Error::forbidden("Invalid CSRF token"));
    }
    oauth::end_session(&app, &cookie).await?;
    let mut response = Redirect::to("/").into_response();
    set_cookie(&mut response, &app, SESSION_COOKIE, "", Some(0));
    Ok(response)
}

/// `GET /robots.txt`: crawlers may read public pages, not the API, sign-in,
/// settings or moderation pages. (Profiles of accounts that are not
/// indexable say `noindex` themselves.)
async fn robots() -> impl axum::response::IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; charset=utf-8",
        )],
        "User-agent: *\nDisallow: /api/\nDisallow: /oauth/\nDisallow: /auth/\nDisallow: /settings/\nDisallow: /admin/\n",
    )
}

/// `GET /`
async fn home(State(app): State<Arc<AppState>>, headers: HeaderMap) -> Result<Response> {
    let session = current_session(&app, &headers).await?;
    let page = HomePage {
        instance_title: app.config.instance.title.clone(),
        description: app.config.instance.description.clone(),
        csrf_token: session
            .as_ref()
            .map(|(s, _)| s.csrf_token.clone())
            .unwrap_or_default(),
        signed_in: session.map(|(_, a)| a.acct()),
    };
    Ok(render(StatusCode::OK, &page))
}
