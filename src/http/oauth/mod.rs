//! OAuth 2 endpoints: the authorize page, token, revoke, server metadata.
//! <https://docs.joinmastodon.org/methods/oauth/>

use std::sync::Arc;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::constant_time_eq;
use crate::error::{Error, Kind, Result};
use crate::http::extract::{ClientIp, Params, de};
use crate::http::mastodon::entities;
use crate::http::pages::{self, current_session, render, sign_in_form};
use crate::model::scope;
use crate::service::oauth::{self, AuthorizeError, AuthorizeParams, AuthorizeRequest, OOB};

/// The browser side: the login and consent pages (no CORS).
pub fn pages_router() -> Router<Arc<AppState>> {
    Router::new().route(
        "/oauth/authorize",
        get(authorize_page).post(authorize_decision),
    )
}

/// The machine side: token, revoke and metadata (CORS open for browser clients).
pub fn api_router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/oauth/token", post(token))
        .route("/oauth/revoke", post(revoke))
        .route("/.well-known/oauth-authorization-server", get(metadata))
        .route("/oauth/userinfo", get(userinfo).post(userinfo))
}

#[derive(Deserialize, Default)]
pub struct AuthorizeQuery {
    response_type: Option<String>,
    client_id: Option<String>,
    redirect_uri: Option<String>,
    scope: Option<String>,
    state: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    force_login: Option<String>,
    csrf_token: Option<String>,
    decision: Option<String>,
}

impl AuthorizeQuery {
    fn params(&self) -> AuthorizeParams {
        AuthorizeParams {
            response_type: self.response_type.clone(),
            client_id: self.client_id.clone(),
            redirect_uri: self.redirect_uri.clone(),
            scope: self.scope.clone(),
            state: self.state.clone(),
            code_challenge: self.code_challenge.clone(),
            code_challenge_method: self.code_challenge_method.clone(),
        }
    }

    /// The authorize URL again, without `force_login`, to come back to after sign-in.
    fn return_path(&self) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        let fields = [
            ("response_type", &self.response_type),
            ("client_id", &self.client_id),
            ("redirect_uri", &self.redirect_uri),
            ("scope", &self.scope),
            ("state", &self.state),
            ("code_challenge", &self.code_challenge),
            ("code_challenge_method", &self.code_challenge_method),
        ];
        for (k, v) in fields {
            if let Some(v) = v {
                q.append_pair(k, v);
            }
        }
        format!("/oauth/authorize?{}", q.finish())
    }
}

#[derive(Template)]
#[template(path = "authorize.html")]
struct AuthorizePage {
    instance_title: String,
    app_name: String,
    app_website: Option<String>,
    acct: String,
    scopes: Vec<&'static str>,
    csrf_token: String,
    client_id: String,
    redirect_uri: String,
    scope: String,
    state: String,
    code_challenge: String,
    code_challenge_method: String,
}

#[derive(Template)]
#[template(path = "oob.html")]
struct OobPage {
    instance_title: String,
    code: String,
}

fn truthy(v: Option<&str>) -> bool {
    v.is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "true" | "1" | "yes" | "on"))
}

/// Sends the browser back to the client with `params` (code and state, or error).
fn redirect_back(redirect_uri: &str, params: &[(&str, &str)]) -> Response {
    let Ok(mut url) = url::Url::parse(redirect_uri) else {
        return Error::bad_request("Invalid redirect URI").into_response();
    };
    {
        let mut q = url.query_pairs_mut();
        for (k, v) in params {
            q.append_pair(k, v);
        }
    }
    // 302 like Doorkeeper: clients with custom schemes expect a plain redirect.
    (
        StatusCode::FOUND,
        [(header::LOCATION, url.as_str().to_string())],
    )
        .into_response()
}

/// Validates the request; on failure answers with the right page or redirect.
async fn validated(
    app: &AppState,
    q: &AuthorizeQuery,
) -> std::result::Result<AuthorizeRequest, Response> {
    match oauth::check_authorize(app, &q.params()).await {
        Err(e) => Err(e.into_response()),
        Ok(Ok(req)) => Ok(req),
        Ok(Err(AuthorizeError::Fatal(message))) => Err(pages::message(
            app,
            StatusCode::BAD_REQUEST,
            "Authorization failed",
            &message,
        )),
        Ok(Err(AuthorizeError::Redirect {
            redirect_uri,
            state,
            error,
            description,
        })) => {
            if redirect_uri == OOB {
                return Err(pages::message(
                    app,
                    StatusCode::BAD_REQUEST,
                    "Authorization failed",
                    &description,
                ));
            }
            let mut params = vec![
                ("error", error),
                ("error_description", description.as_str()),
            ];
            if let Some(s) = state.as_deref() {
                params.push(("state", s));
            }
            Err(redirect_back(&redirect_uri, &params))
        }
    }
}

/// `GET /oauth/authorize`: sign-in form, or the consent page for a signed-in browser.
async fn authorize_page(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(q): Query<AuthorizeQuery>,
) -> Response {
    let req = match validated(&app, &q).await {
        Ok(req) => req,
        Err(response) => return response,
    };
    let session = match current_session(&app, &headers).await {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    let Some((session, account)) = session.filter(|_| !truthy(q.force_login.as_deref())) else {
        return sign_in_form(&app, &headers, StatusCode::OK, &q.return_path(), None, "");
    };
    let page = AuthorizePage {
        instance_title: app.config.instance.title.clone(),
        app_name: req.app.name.clone(),
        app_website: req.app.website.clone(),
        acct: account.acct(),
        scopes: req.scopes.names(),
        csrf_token: session.csrf_token,
        client_id: req.app.client_id.clone(),
        redirect_uri: req.redirect_uri.clone(),
        scope: req.scopes.to_scope_string(),
        state: req.state.clone().unwrap_or_default(),
        code_challenge: req.code_challenge.clone().unwrap_or_default(),
        code_challenge_method: if req.code_challenge.is_some() {
            "S256".into()
        } else {
            String::new()
        },
    };
    let redirect = (req.redirect_uri != OOB).then_some(req.redirect_uri.as_str());
    crate::http::pages::render_with_form_action(StatusCode::OK, &page, redirect)
}

/// `POST /oauth/authorize`: the consent form's answer.
async fn authorize_decision(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
    axum::Form(q): axum::Form<AuthorizeQuery>,
) -> Response {
    let session = match current_session(&app, &headers).await {
        Ok(Some(s)) => s,
        Ok(None) => {
            return sign_in_form(
                &app,
                &headers,
                StatusCode::UNAUTHORIZED,
                &q.return_path(),
                Some("Please sign in first.".into()),
                "",
            );
        }
        Err(e) => return e.into_response(),
    };
    let (session, account) = session;
    let csrf = q.csrf_token.as_deref().unwrap_or("");
    if !constant_time_eq(csrf.as_bytes(), session.csrf_token.as_bytes()) {
        return pages::message(
            &app,
            StatusCode::FORBIDDEN,
            "Authorization failed",
            "Invalid CSRF token; go back and try again.",
        );
    }
    let mut q = q;
    // An empty hidden field means the parameter was absent.
    for field in [
        &mut q.state,
        &mut q.code_challenge,
        &mut q.code_challenge_method,
    ] {
        if field.as_deref() == Some("") {
            *field = None;
        }
    }
    let req = match validated(&app, &q).await {
        Ok(req) => req,
        Err(response) => return response,
    };
    let state = req.state.clone();
    if q.decision.as_deref() != Some("approve") {
        if req.redirect_uri == OOB {
            return pages::message(
                &app,
                StatusCode::OK,
                "Authorization denied",
                "You denied the application access.",
            );
        }
        let mut params = vec![
            ("error", "access_denied"),
            (
                "error_description",
                "The resource owner denied the request.",
            ),
        ];
        if let Some(s) = state.as_deref() {
            params.push(("state", s));
        }
        return redirect_back(&req.redirect_uri, &params);
    }
    let code = match oauth::issue_code(&app, &req, &account).await {
        Ok(code) => code,
        Err(e) => return e.into_response(),
    };
    if req.redirect_uri == OOB {
        return render(
            StatusCode::OK,
            &OobPage {
                instance_title: app.config.instance.title.clone(),
                code,
            },
        );
    }
    let mut params = vec![("code", code.as_str())];
    if let Some(s) = state.as_deref() {
        params.push(("state", s));
    }
    redirect_back(&req.redirect_uri, &params)
}

#[derive(Deserialize)]
pub struct TokenParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    grant_type: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    client_id: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    client_secret: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    code: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    redirect_uri: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    code_verifier: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    username: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    password: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    refresh_token: Option<String>,
    #[serde(default, deserialize_with = "scope_param")]
    scope: Option<String>,
}

/// `scope` as a space-separated string or a list.
fn scope_param<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<String>, D::Error> {
    let list = de::string_or_list(d)?;
    Ok((!list.is_empty()).then(|| list.join(" ")))
}

/// Client credentials from `Authorization: Basic` (RFC 6749 §2.3.1), if sent.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    let unescape = |s: &str| {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
    };
    Some((unescape(id)?, unescape(secret)?))
}

/// `POST /oauth/token` <https://docs.joinmastodon.org/methods/oauth/#token>
async fn token(
    State(app): State<Arc<AppState>>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Params(p): Params<TokenParams>,
) -> Result<impl IntoResponse> {
    let window = std::time::Duration::from_secs(300);
    app.limiter
        .hit_shared(
            &format!("token:{ip}"),
            app.config.limits.token_per_5min,
            window,
        )
        .await?;
    let (client_id, client_secret) = match basic_credentials(&headers) {
        Some((id, secret)) => (Some(id), Some(secret)),
        None => (p.client_id.clone(), p.client_secret.clone()),
    };
    let (id, secret) = (client_id.as_deref(), client_secret.as_deref());
    let scope = p.scope.as_deref();
    let grant = match p.grant_type.as_deref() {
        Some("authorization_code") => {
            let code = p
                .code
                .as_deref()
                .filter(|c| !c.is_empty())
                .ok_or_else(|| missing("code"))?;
            oauth::exchange_code(
                &app,
                id,
                secret,
                code,
                p.redirect_uri.as_deref(),
                p.code_verifier.as_deref(),
            )
            .await?
        }
        Some("password") => {
            let client = oauth::authenticate_client(&app, id, secret, false).await?;
            let login = p.username.as_deref().unwrap_or("");
            crate::service::accounts::limit_sign_in(&app, ip, login).await?;
            oauth::password_grant(
                &app,
                &client,
                login,
                p.password.as_deref().unwrap_or(""),
                scope,
                ip,
            )
            .await?
        }
        Some("client_credentials") => {
            let client = oauth::authenticate_client(&app, id, secret, false).await?;
            oauth::client_credentials(&app, &client, scope).await?
        }
        Some("refresh_token") => {
            let client = oauth::authenticate_client(&app, id, secret, false).await?;
            let refresh = p
                .refresh_token
                .as_deref()
                .filter(|r| !r.is_empty())
                .ok_or_else(|| missing("refresh_token"))?;
            oauth::refresh(&app, &client, refresh, scope).await?
        }
        None => return Err(missing("grant_type")),
        Some(_) => {
            return Err(Error::oauth(
                Kind::BadRequest,
                "unsupported_grant_type",
                "The authorization grant type is not supported by the authorization server.",
            ));
        }
    };
    // RFC 6749 §5.1: token responses must not be cached.
    Ok((
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::PRAGMA, "no-cache"),
        ],
        Json(entities::token(&grant)),
    ))
}

fn missing(param: &str) -> Error {
    Error::oauth(
        Kind::BadRequest,
        "invalid_request",
        format!("The request is missing a required parameter: {param}."),
    )
}

#[derive(Deserialize)]
pub struct RevokeParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    client_id: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    client_secret: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    token: Option<String>,
}

/// `POST /oauth/revoke` <https://docs.joinmastodon.org/methods/oauth/#revoke>
async fn revoke(
    State(app): State<Arc<AppState>>,
    headers: HeaderMap,
    Params(p): Params<RevokeParams>,
) -> Result<Json<crate::http::mastodon::entities::Empty>> {
    let (id, secret) = match basic_credentials(&headers) {
        Some((id, secret)) => (Some(id), Some(secret)),
        None => (p.client_id, p.client_secret),
    };
    let client = oauth::authenticate_client(&app, id.as_deref(), secret.as_deref(), false)
        .await
        .map_err(|_| {
            Error::oauth(
                Kind::Forbidden,
                "unauthorized_client",
                "You are not authorized to revoke this token",
            )
        })?;
    let token = p
        .token
        .as_deref()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| missing("token"))?;
    oauth::revoke(&app, &client, token).await?;
    Ok(Json(crate::http::mastodon::entities::Empty {}))
}

/// Authorization server metadata (RFC 8414).
#[derive(serde::Serialize)]
struct Metadata {
    issuer: String,
    service_documentation: &'static str,
    authorization_endpoint: String,
    token_endpoint: String,
    app_registration_endpoint: String,
    revocation_endpoint: String,
    userinfo_endpoint: String,
    scopes_supported: &'static [&'static str],
    response_types_supported: [&'static str; 1],
    response_modes_supported: [&'static str; 1],
    code_challenge_methods_supported: [&'static str; 1],
    grant_types_supported: Vec<&'static str>,
    token_endpoint_auth_methods_supported: [&'static str; 3],
}

/// `GET /.well-known/oauth-authorization-server` (RFC 8414)
async fn metadata(State(app): State<Arc<AppState>>) -> Json<Metadata> {
    let mut grants = vec!["authorization_code", "client_credentials", "refresh_token"];
    if app.config.auth.password_grant {
        grants.push("password");
    }
    Json(Metadata {
        issuer: app.url("/"),
        service_documentation: "https://docs.joinmastodon.org/",
        authorization_endpoint: app.url("/oauth/authorize"),
        token_endpoint: app.url("/oauth/token"),
        app_registration_endpoint: app.url("/api/v1/apps"),
        revocation_endpoint: app.url("/oauth/revoke"),
        userinfo_endpoint: app.url("/oauth/userinfo"),
        scopes_supported: scope::all_names(),
        response_types_supported: ["code"],
        response_modes_supported: ["query"],
        code_challenge_methods_supported: ["S256"],
        grant_types_supported: grants,
        token_endpoint_auth_methods_supported: [
            "client_secret_basic",
            "client_secret_post",
            "none",
        ],
    })
}

/// OpenID Connect claims about the signed-in account.
/// <https://openid.net/specs/openid-connect-core-1_0.html#StandardClaims>
#[derive(serde::Serialize)]
struct UserInfo {
    iss: String,
    sub: String,
    name: String,
    preferred_username: String,
    profile: String,
    picture: String,
}

/// `GET /oauth/userinfo` (and POST, as OpenID Connect allows): needs the
/// `profile` scope.
/// <https://docs.joinmastodon.org/methods/oauth/#userinfo>
async fn userinfo(
    State(app): State<Arc<AppState>>,
    auth: crate::http::extract::Auth<crate::http::extract::Profile>,
) -> Json<UserInfo> {
    let a = &auth.account;
    let url = a.url.clone().unwrap_or_else(|| a.uri.clone());
    Json(UserInfo {
        iss: app.url("/"),
        sub: a.uri.clone(),
        name: if a.display_name.is_empty() {
            a.username.clone()
        } else {
            a.display_name.clone()
        },
        preferred_username: a.username.clone(),
        profile: url,
        picture: crate::http::mastodon::entities::avatar_url(&app, a),
    })
}
