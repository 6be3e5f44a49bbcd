//! OAuth 2 as Mastodon clients use it: app registration, authorization codes
//! with PKCE, the token grants, revocation, and resolving a bearer token.
//! <https://docs.joinmastodon.org/spec/oauth/>

use chrono::{Duration, Utc};

use crate::app::AppState;
use crate::auth::{constant_time_eq, digest, pkce_s256, random_token};
use crate::error::{Error, Kind, Result, Validation};
use crate::model::{Account, App, AuthCode, Scopes, Session, Token, User};
use crate::service::accounts;

/// The redirect URI that shows the code instead of redirecting.
pub const OOB: &str = "urn:ietf:wg:oauth:2.0:oob";
/// Scope granted when a request names none, as in Mastodon.
pub const DEFAULT_SCOPE: &str = "read";

fn invalid_grant() -> Error {
    Error::oauth(
        Kind::BadRequest,
        "invalid_grant",
        "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.",
    )
}

fn invalid_client() -> Error {
    Error::oauth(
        Kind::Unauthorized,
        "invalid_client",
        "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.",
    )
}

fn invalid_scope() -> Error {
    Error::oauth(
        Kind::BadRequest,
        "invalid_scope",
        "The requested scope is invalid, unknown, or malformed.",
    )
}

/// Checks one redirect URI: absolute, no fragment, not a script scheme.
fn valid_redirect_uri(uri: &str) -> bool {
    if uri == OOB {
        return true;
    }
    match url::Url::parse(uri) {
        Ok(u) => {
            u.fragment().is_none()
                && !matches!(u.scheme(), "javascript" | "data" | "vbscript" | "file")
                && uri.len() <= 2000
        }
        Err(_) => false,
    }
}

/// Registers a client application; returns it with its client secret (shown once).
pub async fn create_app(
    app: &AppState,
    ip: std::net::IpAddr,
    name: &str,
    redirect_uris: &[String],
    scopes: Option<&str>,
    website: Option<&str>,
) -> Result<(App, String)> {
    app.limiter
        .hit_shared(
            &format!("apps:{}", crate::ratelimit::address_bucket(ip)),
            app.config.limits.apps_per_5min,
            crate::ratelimit::FIVE_MINUTES,
        )
        .await?;
    let mut v = Validation::new();
    let name = name.trim();
    if name.is_empty() {
        v.add("client_name", "ERR_BLANK", "can't be blank");
    } else if name.chars().count() > 60 {
        v.add(
            "client_name",
            "ERR_TOO_LONG",
            "is too long (maximum is 60 characters)",
        );
    }
    let uris: Vec<&str> = redirect_uris
        .iter()
        .flat_map(|s| s.split_whitespace())
        .collect();
    if uris.is_empty() {
        v.add("redirect_uris", "ERR_BLANK", "can't be blank");
    } else if uris.len() > 10 || !uris.iter().all(|u| valid_redirect_uri(u)) {
        v.add(
            "redirect_uris",
            "ERR_INVALID",
            "must be absolute URIs without fragments",
        );
    }
    let scopes = match Scopes::parse(scopes.unwrap_or(DEFAULT_SCOPE)) {
        Ok(s) if !s.is_empty() => s,
        Ok(_) => Scopes::parse_lenient(DEFAULT_SCOPE),
        Err(bad) => {
            v.add(
                "scopes",
                "ERR_INVALID",
                format!("includes an unknown scope: {bad}"),
            );
            Scopes::default()
        }
    };
    let website = website.map(str::trim).filter(|w| !w.is_empty());
    if let Some(w) = website
        && (w.len() > 2000
            || !matches!(
                url::Url::parse(w)
                    .map(|u| u.scheme().to_string())
                    .as_deref(),
                Ok("http" | "https")
            ))
    {
        v.add("website", "ERR_INVALID", "is invalid");
    }
    v.finish()?;

    let secret = random_token();
    let record = App {
        id: crate::id::new_id(),
        name: name.to_string(),
        website: website.map(str::to_string),
        redirect_uris: uris.join("\n"),
        scopes: scopes.to_scope_string(),
        client_id: random_token(),
        client_secret_hash: digest(&secret),
        created_at: Utc::now(),
    };
    app.store.put_app(&record).await?;
    Ok((record, secret))
}

/// Identifies the client on the token and revoke endpoints. A public client
/// (no secret) is accepted only where `secret_optional` (a PKCE-bound code).
pub async fn authenticate_client(
    app: &AppState,
    client_id: Option<&str>,
    client_secret: Option<&str>,
    secret_optional: bool,
) -> Result<App> {
    let client_id = client_id
        .filter(|s| !s.is_empty())
        .ok_or_else(invalid_client)?;
    let record = app
        .store
        .get_app_by_client_id(client_id)
        .await?
        .ok_or_else(invalid_client)?;
    match client_secret.filter(|s| !s.is_empty()) {
        Some(secret)
            if constant_time_eq(
                digest(secret).as_bytes(),
                record.client_secret_hash.as_bytes(),
            ) =>
        {
            Ok(record)
        }
        None if secret_optional => Ok(record),
        _ => Err(invalid_client()),
    }
}

/// An authorization request that has passed validation.
#[derive(Debug, Clone)]
pub struct AuthorizeRequest {
    pub app: App,
    pub redirect_uri: String,
    pub scopes: Scopes,
    pub state: Option<String>,
    pub code_challenge: Option<String>,
}

/// Why an authorization request was refused.
#[derive(Debug)]
pub enum AuthorizeError {
    /// The client or redirect URI cannot be trusted: show an error page, never redirect.
    Fatal(String),
    /// Tell the client by redirecting with `error=` (RFC 6749 §4.1.2.1).
    Redirect {
        redirect_uri: String,
        state: Option<String>,
        error: &'static str,
        description: String,
    },
}

/// The raw parameters of `/oauth/authorize`.
#[derive(Debug, Default, Clone)]
pub struct AuthorizeParams {
    pub response_type: Option<String>,
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub scope: Option<String>,
    pub state: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
}

/// Validates an authorization request: first the client and redirect URI
/// (whose failures must not redirect), then everything else.
pub async fn check_authorize(
    app: &AppState,
    p: &AuthorizeParams,
) -> Result<std::result::Result<AuthorizeRequest, AuthorizeError>> {
    let fatal = |m: &str| Ok(Err(AuthorizeError::Fatal(m.to_string())));
    let Some(client_id) = p.client_id.as_deref().filter(|s| !s.is_empty()) else {
        return fatal("The request is missing the client_id parameter.");
    };
    let Some(record) = app.store.get_app_by_client_id(client_id).await? else {
        return fatal("Client authentication failed due to unknown client.");
    };
    let redirect_uri = match p.redirect_uri.as_deref().filter(|s| !s.is_empty()) {
        Some(uri) if record.allows_redirect(uri) => uri.to_string(),
        Some(_) => return fatal("The redirect URI included is not valid for this application."),
        None => match record.redirect_uri_list().as_slice() {
            [only] => only.to_string(),
            _ => return fatal("The request is missing the redirect_uri parameter."),
        },
    };
    let refuse = |error: &'static str, description: &str| {
        Ok(Err(AuthorizeError::Redirect {
            redirect_uri: redirect_uri.clone(),
            state: p.state.clone(),
            error,
            description: description.to_string(),
        }))
    };
    if p.response_type.as_deref() != Some("code") {
        return refuse(
            "unsupported_response_type",
            "The authorization server does not support this response type.",
        );
    }
    let scopes = match Scopes::parse(p.scope.as_deref().unwrap_or(DEFAULT_SCOPE)) {
        Ok(s) if s.is_empty() => Scopes::parse_lenient(DEFAULT_SCOPE),
        Ok(s) => s,
        Err(_) => {
            return refuse(
                "invalid_scope",
                "The requested scope is invalid, unknown, or malformed.",
            );
        }
    };
    if !record.scope_set().covers(&scopes) {
        return refuse(
            "invalid_scope",
            "The requested scope is invalid, unknown, or malformed.",
        );
    }
    let code_challenge = match (
        p.code_challenge.as_deref().filter(|s| !s.is_empty()),
        p.code_challenge_method.as_deref(),
    ) {
        (None, _) => None,
        (Some(c), Some("S256")) if is_pkce_string(c) => Some(c.to_string()),
        (Some(_), Some("S256")) => {
            return refuse("invalid_request", "The code challenge is malformed.");
        }
        (Some(_), _) => {
            return refuse(
                "invalid_request",
                "Only the S256 code challenge method is supported.",
            );
        }
    };
    Ok(Ok(AuthorizeRequest {
        app: record,
        redirect_uri,
        scopes,
        state: p.state.clone(),
        code_challenge,
    }))
}

/// RFC 7636 §4.1: 43–128 unreserved characters.
fn is_pkce_string(s: &str) -> bool {
    (43..=128).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

/// Issues a single-use authorization code for `account`.
pub async fn issue_code(
    app: &AppState,
    req: &AuthorizeRequest,
    account: &Account,
) -> Result<String> {
    let code = random_token();
    let now = Utc::now();
    let lifetime = i64::try_from(app.config.auth.code_lifetime_secs).unwrap_or(600);
    app.store
        .put_auth_code(&AuthCode {
            code_hash: digest(&code),
            app_id: req.app.id,
            account_id: account.id,
            redirect_uri: req.redirect_uri.clone(),
            scopes: req.scopes.to_scope_string(),
            code_challenge: req.code_challenge.clone(),
            created_at: now,
            expires_at: now + Duration::seconds(lifetime),
        })
        .await?;
    Ok(code)
}

/// A freshly issued token, with the secrets the client sees once.
#[derive(Debug, Clone)]
pub struct Grant {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub scope: String,
    pub created_at: i64,
}

async fn issue_token(
    app: &AppState,
    app_id: i64,
    account_id: Option<i64>,
    scopes: &Scopes,
) -> Result<Grant> {
    let access = random_token();
    let refresh = account_id.map(|_| random_token());
    let now = Utc::now();
    let scope = scopes.to_scope_string();
    app.store
        .put_token(&Token {
            id: crate::id::new_id(),
            token_hash: digest(&access),
            refresh_hash: refresh.as_deref().map(digest),
            app_id,
            account_id,
            scopes: scope.clone(),
            created_at: now,
            revoked_at: None,
            last_used_at: None,
        })
        .await?;
    Ok(Grant {
        access_token: access,
        refresh_token: refresh,
        scope,
        created_at: now.timestamp(),
    })
}

/// A token for an account, for the app that registered it (used by sign-up).
pub async fn issue_user_token(
    app: &AppState,
    app_id: i64,
    account_id: i64,
    scopes: &Scopes,
) -> Result<Grant> {
    issue_token(app, app_id, Some(account_id), scopes).await
}

/// `grant_type=authorization_code`: spends the code, checks client, redirect URI
/// and PKCE verifier, and issues a token.
pub async fn exchange_code(
    app: &AppState,
    client_id: Option<&str>,
    client_secret: Option<&str>,
    code: &str,
    redirect_uri: Option<&str>,
    code_verifier: Option<&str>,
) -> Result<Grant> {
    // Spend the code first: a second attempt finds nothing, whatever the outcome.
    let stored = app
        .store
        .take_auth_code(&digest(code))
        .await?
        .ok_or_else(invalid_grant)?;
    let client = authenticate_client(
        app,
        client_id,
        client_secret,
        stored.code_challenge.is_some(),
    )
    .await?;
    if stored.app_id != client.id || stored.expires_at < Utc::now() {
        return Err(invalid_grant());
    }
    if redirect_uri.is_some_and(|uri| uri != stored.redirect_uri)
        || (redirect_uri.is_none() && client.redirect_uri_list().len() > 1)
    {
        return Err(invalid_grant());
    }
    if let Some(challenge) = &stored.code_challenge {
        let verifier = code_verifier
            .filter(|v| is_pkce_string(v))
            .ok_or_else(invalid_grant)?;
        if !constant_time_eq(pkce_s256(verifier).as_bytes(), challenge.as_bytes()) {
            return Err(invalid_grant());
        }
    }
    let account = app
        .store
        .get_account(stored.account_id)
        .await?
        .ok_or_else(invalid_grant)?;
    let user = app
        .store
        .get_user(account.id)
        .await?
        .ok_or_else(invalid_grant)?;
    accounts::check_can_sign_in(&account, &user).map_err(|_| invalid_grant())?;
    issue_token(
        app,
        client.id,
        Some(account.id),
        &Scopes::parse_lenient(&stored.scopes),
    )
    .await
}

fn requested_scopes(client: &App, scope: Option<&str>) -> Result<Scopes> {
    let scopes = match scope.filter(|s| !s.trim().is_empty()) {
        Some(s) => Scopes::parse(s).map_err(|_| invalid_scope())?,
        None => Scopes::parse_lenient(DEFAULT_SCOPE),
    };
    if !client.scope_set().covers(&scopes) {
        return Err(invalid_scope());
    }
    Ok(scopes)
}

/// `grant_type=password`: the username field takes an e-mail address or a username.
pub async fn password_grant(
    app: &AppState,
    client: &App,
    login: &str,
    password: &str,
    scope: Option<&str>,
    ip: std::net::IpAddr,
) -> Result<Grant> {
    if !app.config.auth.password_grant {
        return Err(Error::oauth(
            Kind::BadRequest,
            "unsupported_grant_type",
            "The authorization grant type is not supported by the authorization server.",
        ));
    }
    let scopes = requested_scopes(client, scope)?;
    let (account, user) = accounts::sign_in(app, login, password, ip)
        .await
        .map_err(|e| match e.kind {
            Kind::Internal | Kind::Unavailable => e,
            _ => invalid_grant(),
        })?;
    // A password alone never signs in an account with two-factor on.
    if user.two_factor() {
        return Err(invalid_grant());
    }
    issue_token(app, client.id, Some(account.id), &scopes).await
}

/// `grant_type=client_credentials`: an app-only token.
pub async fn client_credentials(
    app: &AppState,
    client: &App,
    scope: Option<&str>,
) -> Result<Grant> {
    let scopes = requested_scopes(client, scope)?;
    issue_token(app, client.id, None, &scopes).await
}

/// `grant_type=refresh_token`: spends the refresh token (and its access token)
/// and issues a new pair with the same or narrower scopes.
pub async fn refresh(
    app: &AppState,
    client: &App,
    refresh_token: &str,
    scope: Option<&str>,
) -> Result<Grant> {
    let old = app
        .store
        .get_token_by_refresh_hash(&digest(refresh_token))
        .await?
        .ok_or_else(invalid_grant)?;
    if old.app_id != client.id || old.revoked_at.is_some() {
        return Err(invalid_grant());
    }
    let old_scopes = Scopes::parse_lenient(&old.scopes);
    let scopes = match scope.filter(|s| !s.trim().is_empty()) {
        Some(s) => Scopes::parse(s).map_err(|_| invalid_scope())?,
        None => old_scopes,
    };
    if !old_scopes.covers(&scopes) {
        return Err(invalid_scope());
    }
    if !app.store.revoke_token(old.id, Utc::now()).await? {
        return Err(invalid_grant());
    }
    issue_token(app, client.id, old.account_id, &scopes).await
}

/// Revokes an access or refresh token belonging to `client`. Unknown tokens are
/// not an error (RFC 7009 §2.2); another client's token is.
pub async fn revoke(app: &AppState, client: &App, token: &str) -> Result<()> {
    let hash = digest(token);
    let found = match app.store.get_token_by_hash(&hash).await? {
        Some(t) => Some(t),
        None => app.store.get_token_by_refresh_hash(&hash).await?,
    };
    let Some(found) = found else { return Ok(()) };
    if found.app_id != client.id {
        return Err(Error::oauth(
            Kind::Forbidden,
            "unauthorized_client",
            "You are not authorized to revoke this token",
        ));
    }
    app.store.revoke_token(found.id, Utc::now()).await?;
    Ok(())
}

/// Who a bearer token speaks for.
#[derive(Debug, Clone)]
pub struct Caller {
    pub token: Token,
    pub scopes: Scopes,
    /// `None` for an app-only token.
    pub user: Option<(Account, User)>,
}

/// Resolves a bearer token, or explains in Mastodon's words why it is refused.
pub async fn resolve_token(app: &AppState, bearer: &str) -> Result<Caller> {
    let token = app
        .store
        .get_token_by_hash(&digest(bearer))
        .await?
        .ok_or_else(|| Error::unauthorized("The access token is invalid"))?;
    if token.revoked_at.is_some() {
        return Err(Error::unauthorized("The access token was revoked"));
    }
    let user = match token.account_id {
        None => None,
        Some(id) => {
            let account = app
                .store
                .get_account(id)
                .await?
                .ok_or_else(|| Error::unauthorized("The access token is invalid"))?;
            let user = app
                .store
                .get_user(id)
                .await?
                .ok_or_else(|| Error::unauthorized("The access token is invalid"))?;
            Some((account, user))
        }
    };
    Ok(Caller {
        scopes: Scopes::parse_lenient(&token.scopes),
        token,
        user,
    })
}

/// Starts a browser session; returns the cookie value.
pub async fn start_session(
    app: &AppState,
    account: &Account,
    user_agent: Option<&str>,
    ip: Option<&str>,
) -> Result<String> {
    let secret = random_token();
    let now = Utc::now();
    let days = i64::try_from(app.config.auth.session_lifetime_days).unwrap_or(30);
    app.store
        .put_session(&Session {
            id_hash: digest(&secret),
            account_id: account.id,
            csrf_token: random_token(),
            created_at: now,
            expires_at: now + Duration::days(days),
            user_agent: user_agent.map(|s| s.chars().take(512).collect()),
            ip: ip.map(str::to_string),
        })
        .await?;
    Ok(secret)
}

/// The live session behind a cookie value, with its account; None also
/// when the account may no longer sign in (disabled, suspended, deleted).
pub async fn find_session(app: &AppState, cookie: &str) -> Result<Option<(Session, Account)>> {
    Ok(find_signed_in(app, cookie).await?.map(|(s, a, _)| (s, a)))
}

/// [`find_session`] with the account's user row (the settings pages).
pub async fn find_signed_in(
    app: &AppState,
    cookie: &str,
) -> Result<Option<(Session, Account, User)>> {
    let Some((session, account)) = app.store.get_session(&digest(cookie), Utc::now()).await? else {
        return Ok(None);
    };
    let Some(user) = app.store.get_user(account.id).await? else {
        return Ok(None);
    };
    if accounts::check_can_sign_in(&account, &user).is_err() {
        return Ok(None);
    }
    Ok(Some((session, account, user)))
}

/// The account's live browser sessions, newest first.
pub async fn sessions(app: &AppState, account: &Account) -> Result<Vec<Session>> {
    app.store.list_sessions(account.id, Utc::now()).await
}

/// Signs out one of the account's browser sessions (by the digest the
/// sessions page shows); 404 when it is not theirs.
pub async fn end_account_session(app: &AppState, account: &Account, id_hash: &str) -> Result<()> {
    if app
        .store
        .delete_account_session(account.id, id_hash)
        .await?
    {
        Ok(())
    } else {
        Err(Error::not_found())
    }
}

/// The apps holding live tokens of the account.
pub async fn authorized_apps(
    app: &AppState,
    account: &Account,
) -> Result<Vec<crate::db::security::AuthorizedApp>> {
    app.store.list_authorized_apps(account.id).await
}

/// Takes back an app's access: every token the account gave it is revoked.
pub async fn revoke_app(app: &AppState, account: &Account, app_id: i64) -> Result<()> {
    if app
        .store
        .revoke_app_tokens(account.id, app_id, Utc::now())
        .await?
    {
        Ok(())
    } else {
        Err(Error::not_found())
    }
}

pub async fn end_session(app: &AppState, cookie: &str) -> Result<()> {
    app.store.delete_session(&digest(cookie)).await
}

/// The registered app `id`.
pub async fn get_app(app: &AppState, id: i64) -> Result<crate::model::App> {
    app.store
        .get_app(id)
        .await?
        .ok_or_else(crate::error::Error::not_found)
}
