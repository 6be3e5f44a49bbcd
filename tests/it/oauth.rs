//! OAuth 2: the authorize page, grants, PKCE, revocation, scopes.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::*;

const CALLBACK: &str = "http://localhost:9/callback";

async fn setup() -> (TestServer, String, String) {
    let s = TestServer::start().await;
    s.create_account("alice").await;
    let (id, secret) = s
        .create_app(
            "read write follow",
            &format!("urn:ietf:wg:oauth:2.0:oob\n{CALLBACK}\ntusky://oauth"),
        )
        .await;
    (s, id, secret)
}

fn authorize_query(client_id: &str, redirect: &str, extra: &[(&str, &str)]) -> String {
    let mut pairs = vec![
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", redirect),
        ("scope", "read write"),
    ];
    pairs.extend_from_slice(extra);
    query(&pairs)
}

async fn exchange(
    s: &TestServer,
    id: &str,
    secret: &str,
    code: &str,
    redirect: &str,
    verifier: Option<&str>,
) -> (StatusCode, serde_json::Value) {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("client_id", id),
        ("client_secret", secret),
        ("code", code),
        ("redirect_uri", redirect),
    ];
    if let Some(v) = verifier {
        form.push(("code_verifier", v));
    }
    s.post_form("/oauth/token", None, &form).await
}

#[tokio::test]
async fn pkce_code_flow_issues_a_working_token() {
    let (s, id, secret) = setup().await;
    let b = browser();
    let q = authorize_query(
        &id,
        CALLBACK,
        &[
            ("state", "xyz"),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ],
    );
    let location = s.authorize(&b, &q).await;
    assert!(location.starts_with(CALLBACK), "{location}");
    assert!(location.contains("state=xyz"), "{location}");
    let code = code_from_location(&location);
    let (status, body) = exchange(&s, &id, &secret, &code, CALLBACK, Some(VERIFIER)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], "read write");
    assert!(body["created_at"].as_i64().unwrap() > 1_700_000_000);
    let token = body["access_token"].as_str().unwrap();
    let (status, me) = s
        .get("/api/v1/accounts/verify_credentials", Some(token))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["username"], "alice");
}

#[tokio::test]
async fn oob_shows_the_code_and_custom_scheme_redirects() {
    let (s, id, secret) = setup().await;
    let b = browser();
    let location = s
        .authorize(&b, &authorize_query(&id, "urn:ietf:wg:oauth:2.0:oob", &[]))
        .await;
    let code = code_from_location(&location);
    let (status, _) = exchange(&s, &id, &secret, &code, "urn:ietf:wg:oauth:2.0:oob", None).await;
    assert_eq!(status, StatusCode::OK);
    // Same browser, already signed in: straight to consent, custom scheme redirect.
    let location = s
        .consent(&b, &authorize_query(&id, "tusky://oauth", &[]), "approve")
        .await;
    assert!(location.starts_with("tusky://oauth?code="), "{location}");
}

#[tokio::test]
async fn reused_code_is_refused() {
    let (s, id, secret) = setup().await;
    let b = browser();
    let code = code_from_location(&s.authorize(&b, &authorize_query(&id, CALLBACK, &[])).await);
    assert_eq!(
        exchange(&s, &id, &secret, &code, CALLBACK, None).await.0,
        StatusCode::OK
    );
    let (status, body) = exchange(&s, &id, &secret, &code, CALLBACK, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");
}

#[tokio::test]
async fn wrong_or_missing_pkce_verifier_is_refused() {
    let (s, id, secret) = setup().await;
    let b = browser();
    let q = authorize_query(
        &id,
        CALLBACK,
        &[
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ],
    );
    let code = code_from_location(&s.authorize(&b, &q).await);
    let wrong = "x".repeat(43);
    let (status, body) = exchange(&s, &id, &secret, &code, CALLBACK, Some(&wrong)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    // The failed attempt spent the code.
    assert_eq!(
        exchange(&s, &id, &secret, &code, CALLBACK, Some(VERIFIER))
            .await
            .0,
        StatusCode::BAD_REQUEST
    );
    let code = code_from_location(&s.consent(&b, &q, "approve").await);
    assert_eq!(
        exchange(&s, &id, &secret, &code, CALLBACK, None).await.0,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn plain_pkce_method_is_refused_with_a_redirect() {
    let (s, id, _) = setup().await;
    let q = authorize_query(
        &id,
        CALLBACK,
        &[
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "plain"),
            ("state", "s1"),
        ],
    );
    let resp = browser()
        .get(s.url(&format!("/oauth/authorize?{q}")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FOUND);
    let location = resp.headers()["location"].to_str().unwrap();
    assert!(
        location.starts_with(CALLBACK)
            && location.contains("error=invalid_request")
            && location.contains("state=s1"),
        "{location}"
    );
}

#[tokio::test]
async fn unregistered_redirect_uri_is_never_followed() {
    let (s, id, _) = setup().await;
    for evil in [
        "https://evil.example/cb",
        "http://localhost:9/callback/extra",
        "tusky://oauth2",
    ] {
        let q = authorize_query(&id, evil, &[]);
        let resp = browser()
            .get(s.url(&format!("/oauth/authorize?{q}")))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{evil}");
        assert!(resp.headers().get("location").is_none());
        assert!(resp.text().await.unwrap().contains("redirect URI"));
    }
    // Unknown client: error page, no redirect.
    let q = authorize_query("nope", CALLBACK, &[]);
    let resp = browser()
        .get(s.url(&format!("/oauth/authorize?{q}")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert!(resp.headers().get("location").is_none());
}

#[tokio::test]
async fn code_exchange_with_another_redirect_uri_fails() {
    let (s, id, secret) = setup().await;
    let code = code_from_location(
        &s.authorize(&browser(), &authorize_query(&id, CALLBACK, &[]))
            .await,
    );
    let (status, body) = exchange(&s, &id, &secret, &code, "tusky://oauth", None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn scope_beyond_the_app_is_refused() {
    let (s, id, _) = setup().await;
    let q = query(&[
        ("response_type", "code"),
        ("client_id", &id),
        ("redirect_uri", CALLBACK),
        ("scope", "read admin:read"),
    ]);
    let resp = browser()
        .get(s.url(&format!("/oauth/authorize?{q}")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FOUND);
    assert!(
        resp.headers()["location"]
            .to_str()
            .unwrap()
            .contains("error=invalid_scope")
    );
}

#[tokio::test]
async fn wrong_password_on_the_form_gives_no_session() {
    let (s, id, _) = setup().await;
    let b = browser();
    let q = authorize_query(&id, CALLBACK, &[]);
    let status = s
        .browser_sign_in(&b, &q, "alice@example.org", "wrong password")
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Still not signed in: the authorize page shows the sign-in form again.
    let html = b
        .get(s.url(&format!("/oauth/authorize?{q}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("action=\"/auth/sign_in\""));
}

#[tokio::test]
async fn sign_in_without_csrf_token_is_refused() {
    let (s, _, _) = setup().await;
    let resp = browser()
        .post(s.url("/auth/sign_in"))
        .form(&[
            ("username", "alice"),
            ("password", PASSWORD),
            ("redirect_to", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert!(
        resp.headers()
            .get("set-cookie")
            .is_none_or(|c| !c.to_str().unwrap().contains("roost_session="))
    );
}

#[tokio::test]
async fn consent_without_session_csrf_token_is_refused() {
    let (s, id, _) = setup().await;
    let b = browser();
    let q = authorize_query(&id, CALLBACK, &[]);
    assert_eq!(
        s.browser_sign_in(&b, &q, "alice", PASSWORD).await,
        StatusCode::SEE_OTHER
    );
    let form = [
        ("client_id", id.as_str()),
        ("redirect_uri", CALLBACK),
        ("response_type", "code"),
        ("scope", "read"),
        ("decision", "approve"),
        ("csrf_token", "forged"),
    ];
    let resp = b
        .post(s.url("/oauth/authorize"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert!(resp.headers().get("location").is_none());
}

#[tokio::test]
async fn deny_redirects_with_access_denied() {
    let (s, id, _) = setup().await;
    let b = browser();
    let q = authorize_query(&id, CALLBACK, &[("state", "st")]);
    assert_eq!(
        s.browser_sign_in(&b, &q, "alice", PASSWORD).await,
        StatusCode::SEE_OTHER
    );
    let location = s.consent(&b, &q, "deny").await;
    assert!(
        location.contains("error=access_denied") && location.contains("state=st"),
        "{location}"
    );
}

#[tokio::test]
async fn force_login_shows_the_form_to_a_signed_in_browser() {
    let (s, id, _) = setup().await;
    let b = browser();
    let q = authorize_query(&id, CALLBACK, &[]);
    assert_eq!(
        s.browser_sign_in(&b, &q, "alice", PASSWORD).await,
        StatusCode::SEE_OTHER
    );
    let forced = authorize_query(&id, CALLBACK, &[("force_login", "True")]);
    let html = b
        .get(s.url(&format!("/oauth/authorize?{forced}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("action=\"/auth/sign_in\""));
    assert!(
        !html.contains("force_login"),
        "the return path must drop force_login"
    );
}

#[tokio::test]
async fn password_grant_accepts_email_or_username_and_refuses_wrong_password() {
    let (s, id, secret) = setup().await;
    for login in ["alice@example.org", "alice", "ALICE"] {
        let (status, body) = s
            .post_form(
                "/oauth/token",
                None,
                &[
                    ("grant_type", "password"),
                    ("client_id", &id),
                    ("client_secret", &secret),
                    ("username", login),
                    ("password", PASSWORD),
                    ("scope", "read"),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{login}: {body}");
    }
    let (status, body) = s
        .post_form(
            "/oauth/token",
            None,
            &[
                ("grant_type", "password"),
                ("client_id", &id),
                ("client_secret", &secret),
                ("username", "alice"),
                ("password", "wrong wrong"),
            ],
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn password_grant_can_be_switched_off() {
    let s = TestServer::start_with(|c| c.auth.password_grant = false).await;
    s.create_account("alice").await;
    let (id, secret) = s.create_app("read", "urn:ietf:wg:oauth:2.0:oob").await;
    let (status, body) = s
        .post_form(
            "/oauth/token",
            None,
            &[
                ("grant_type", "password"),
                ("client_id", &id),
                ("client_secret", &secret),
                ("username", "alice"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("unsupported_grant_type"))
    );
    let (_, meta) = s.get("/.well-known/oauth-authorization-server", None).await;
    assert!(
        !meta["grant_types_supported"]
            .as_array()
            .unwrap()
            .contains(&json!("password"))
    );
}

#[tokio::test]
async fn wrong_client_secret_is_invalid_client() {
    let (s, id, _) = setup().await;
    let (status, body) = s
        .post_form(
            "/oauth/token",
            None,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &id),
                ("client_secret", "nope"),
            ],
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );
}

#[tokio::test]
async fn client_credentials_token_cannot_act_as_a_user() {
    let (s, id, secret) = setup().await;
    let (status, body) = s
        .post_form(
            "/oauth/token",
            None,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &id),
                ("client_secret", &secret),
                ("scope", "read"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.get("refresh_token").is_none());
    let token = body["access_token"].as_str().unwrap();
    let (status, app) = s.get("/api/v1/apps/verify_credentials", Some(token)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app["name"], "test app");
    assert!(app.get("client_secret").is_none());
    let (status, body) = s
        .get("/api/v1/accounts/verify_credentials", Some(token))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

#[tokio::test]
async fn refresh_rotates_the_token() {
    let (s, id, secret) = setup().await;
    let (_, body) = s
        .post_form(
            "/oauth/token",
            None,
            &[
                ("grant_type", "password"),
                ("client_id", &id),
                ("client_secret", &secret),
                ("username", "alice"),
                ("password", PASSWORD),
                ("scope", "read write"),
            ],
        )
        .await;
    let old = body["access_token"].as_str().unwrap().to_string();
    let refresh = body["refresh_token"].as_str().unwrap().to_string();
    let form = [
        ("grant_type", "refresh_token"),
        ("client_id", id.as_str()),
        ("client_secret", secret.as_str()),
        ("refresh_token", refresh.as_str()),
    ];
    let (status, fresh) = s.post_form("/oauth/token", None, &form).await;
    assert_eq!(status, StatusCode::OK, "{fresh}");
    assert_eq!(fresh["scope"], "read write");
    assert_eq!(
        s.get("/api/v1/accounts/verify_credentials", Some(&old))
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        s.get(
            "/api/v1/accounts/verify_credentials",
            fresh["access_token"].as_str()
        )
        .await
        .0,
        StatusCode::OK
    );
    // A refresh token is spent once.
    assert_eq!(
        s.post_form("/oauth/token", None, &form).await.0,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn revoked_token_is_refused() {
    let (s, id, secret) = setup().await;
    let (_, body) = s
        .post_form(
            "/oauth/token",
            None,
            &[
                ("grant_type", "password"),
                ("client_id", &id),
                ("client_secret", &secret),
                ("username", "alice"),
                ("password", PASSWORD),
            ],
        )
        .await;
    let token = body["access_token"].as_str().unwrap();
    // Another app's credentials cannot revoke it.
    let (other_id, other_secret) = s.create_app("read", "urn:ietf:wg:oauth:2.0:oob").await;
    let (status, _) = s
        .post_form(
            "/oauth/revoke",
            None,
            &[
                ("client_id", &other_id),
                ("client_secret", &other_secret),
                ("token", token),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        s.get("/api/v1/accounts/verify_credentials", Some(token))
            .await
            .0,
        StatusCode::OK
    );
    let (status, body) = s
        .post_form(
            "/oauth/revoke",
            None,
            &[
                ("client_id", &id),
                ("client_secret", &secret),
                ("token", token),
            ],
        )
        .await;
    assert_eq!((status, body), (StatusCode::OK, json!({})));
    let (status, body) = s
        .get("/api/v1/accounts/verify_credentials", Some(token))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "The access token was revoked");
}

#[tokio::test]
async fn missing_and_invalid_tokens_are_401() {
    let s = TestServer::start().await;
    let (status, body) = s.get("/api/v1/accounts/verify_credentials", None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (
            StatusCode::UNAUTHORIZED,
            Some("The access token is invalid")
        )
    );
    let (status, _) = s
        .get("/api/v1/accounts/verify_credentials", Some("garbage"))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = s
        .request(Method::GET, "/api/v1/preferences", Some(""), None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn insufficient_scope_is_403_and_changes_nothing() {
    let s = TestServer::start().await;
    let reader = s.user_with_scopes("alice", "read").await;
    let (status, body) = s
        .request(
            Method::PATCH,
            "/api/v1/accounts/update_credentials",
            Some(&reader.token),
            Some(json!({"display_name": "Hacked"})),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (
            StatusCode::FORBIDDEN,
            Some("This action is outside the authorized scopes")
        )
    );
    let (_, me) = s
        .get("/api/v1/accounts/verify_credentials", Some(&reader.token))
        .await;
    assert_eq!(me["display_name"], "");
    // Granular scopes work, and the wrong granular scope does not.
    let granular = s.user_with_scopes("bob", "write:accounts").await;
    assert_eq!(
        s.get("/api/v1/accounts/verify_credentials", Some(&granular.token))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let (status, _) = s
        .request(
            Method::PATCH,
            "/api/v1/accounts/update_credentials",
            Some(&granular.token),
            Some(json!({"display_name": "Bob"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // `profile` reads only verify_credentials.
    let profile = s.user_with_scopes("carol", "profile").await;
    assert_eq!(
        s.get("/api/v1/accounts/verify_credentials", Some(&profile.token))
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        s.get("/api/v1/preferences", Some(&profile.token)).await.0,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn bcrypt_hash_from_mastodon_signs_in_and_is_upgraded() {
    let s = TestServer::start().await;
    let account = s.create_account("alice").await;
    let bcrypt = bcrypt_hash("legacy password 1");
    if let roost::db::Pool::Sqlite(pool) = &s.app.store.pool {
        sqlx::query("UPDATE users SET password_hash = $1 WHERE account_id = $2")
            .bind(&bcrypt)
            .bind(account.id)
            .execute(pool)
            .await
            .unwrap();
    } else if let roost::db::Pool::Postgres(pool) = &s.app.store.pool {
        sqlx::query("UPDATE users SET password_hash = $1 WHERE account_id = $2")
            .bind(&bcrypt)
            .bind(account.id)
            .execute(pool)
            .await
            .unwrap();
    }
    let (id, secret) = s.create_app("read", "urn:ietf:wg:oauth:2.0:oob").await;
    let (status, _) = s
        .post_form(
            "/oauth/token",
            None,
            &[
                ("grant_type", "password"),
                ("client_id", &id),
                ("client_secret", &secret),
                ("username", "alice"),
                ("password", "legacy password 1"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let user = s.app.store.get_user(account.id).await.unwrap().unwrap();
    assert!(
        user.password_hash.starts_with("$argon2id$"),
        "{}",
        user.password_hash
    );
}

/// A Mastodon-style bcrypt hash ("$2a$" cost 4), made with Python's absence in mind:
/// the `bcrypt` crate is a dependency of roost, so tests can use it too.
fn bcrypt_hash(password: &str) -> String {
    bcrypt::hash(password, 4)
        .unwrap()
        .replacen("$2b$", "$2a$", 1)
}

#[tokio::test]
async fn sign_in_is_rate_limited_per_address_and_account() {
    let s = TestServer::start_with(|c| c.limits.sign_in_per_5min = 3).await;
    s.create_account("alice").await;
    let (id, secret) = s.create_app("read", "urn:ietf:wg:oauth:2.0:oob").await;
    let guess = [
        ("grant_type", "password"),
        ("client_id", id.as_str()),
        ("client_secret", secret.as_str()),
        ("username", "alice"),
        ("password", "guess guess"),
    ];
    for _ in 0..3 {
        assert_eq!(
            s.post_form("/oauth/token", None, &guess).await.0,
            StatusCode::BAD_REQUEST
        );
    }
    let resp = s
        .http
        .post(s.url("/oauth/token"))
        .form(&[
            ("grant_type", "password"),
            ("client_id", id.as_str()),
            ("client_secret", secret.as_str()),
            ("username", "alice"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    // Even the right password is refused until the window passes.
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(resp.headers()["x-ratelimit-limit"], "3");
    assert_eq!(resp.headers()["x-ratelimit-remaining"], "0");
    assert!(resp.headers().contains_key("x-ratelimit-reset"));
}

#[tokio::test]
async fn metadata_document_lists_endpoints() {
    let s = TestServer::start().await;
    let resp = s
        .http
        .get(s.url("/.well-known/oauth-authorization-server"))
        .header("origin", "https://elk.zone")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["access-control-allow-origin"], "*");
    let meta: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(meta["token_endpoint"], s.url("/oauth/token"));
    assert_eq!(meta["code_challenge_methods_supported"], json!(["S256"]));
    assert!(
        meta["scopes_supported"]
            .as_array()
            .unwrap()
            .contains(&json!("read:accounts"))
    );
}

#[tokio::test]
async fn expired_code_is_refused() {
    let s = TestServer::start_with(|c| c.auth.code_lifetime_secs = 0).await;
    s.create_account("alice").await;
    let (id, secret) = s.create_app("read", CALLBACK).await;
    let code = code_from_location(
        &s.authorize(
            &browser(),
            &query(&[
                ("response_type", "code"),
                ("client_id", &id),
                ("redirect_uri", CALLBACK),
            ]),
        )
        .await,
    );
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (status, body) = exchange(&s, &id, &secret, &code, CALLBACK, None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn code_without_pkce_needs_the_client_secret() {
    let (s, id, secret) = setup().await;
    let b = browser();
    let code = code_from_location(&s.authorize(&b, &authorize_query(&id, CALLBACK, &[])).await);
    let (status, body) = s
        .post_form(
            "/oauth/token",
            None,
            &[
                ("grant_type", "authorization_code"),
                ("client_id", &id),
                ("code", &code),
                ("redirect_uri", CALLBACK),
            ],
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );
    // With PKCE, a public client may leave the secret out.
    let q = authorize_query(
        &id,
        CALLBACK,
        &[
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ],
    );
    let code = code_from_location(&s.consent(&b, &q, "approve").await);
    let (status, _) = s
        .post_form(
            "/oauth/token",
            None,
            &[
                ("grant_type", "authorization_code"),
                ("client_id", &id),
                ("code", &code),
                ("redirect_uri", CALLBACK),
                ("code_verifier", VERIFIER),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let _ = secret;
}

#[tokio::test]
async fn token_responses_are_not_cached() {
    let (s, id, secret) = setup().await;
    let resp = s
        .http
        .post(s.url("/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", id.as_str()),
            ("client_secret", secret.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["cache-control"], "no-store");
}

#[tokio::test]
async fn per_account_sign_in_limit_holds_across_addresses_and_spellings() {
    let s = TestServer::start_with(|c| {
        c.limits.sign_in_per_account_per_hour = 3;
        c.server.trust_proxy_headers = true;
    })
    .await;
    s.create_account("alice").await;
    let (id, secret) = s.create_app("read", "urn:ietf:wg:oauth:2.0:oob").await;
    let attempt = |ip: String, login: &'static str| {
        s.http
            .post(s.url("/oauth/token"))
            .header("x-forwarded-for", ip)
            .form(&[
                ("grant_type", "password"),
                ("client_id", id.as_str()),
                ("client_secret", secret.as_str()),
                ("username", login),
                ("password", "guess guess"),
            ])
            .send()
    };
    for (i, login) in ["alice", "@alice", "ALICE"].into_iter().enumerate() {
        assert_eq!(
            attempt(format!("10.0.0.{i}"), login)
                .await
                .unwrap()
                .status(),
            StatusCode::BAD_REQUEST
        );
    }
    // A fourth address, the e-mail spelling: still the same account's budget.
    assert_eq!(
        attempt("10.0.0.9".into(), "alice@example.org")
            .await
            .unwrap()
            .status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    // Another account from a fresh address is unaffected.
    assert_eq!(
        attempt("10.0.0.10".into(), "bob").await.unwrap().status(),
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn per_address_limit_holds_across_accounts_and_ipv6_64s() {
    let s = TestServer::start_with(|c| {
        c.limits.sign_in_per_5min = 2;
        c.server.trust_proxy_headers = true;
    })
    .await;
    let (id, secret) = s.create_app("read", "urn:ietf:wg:oauth:2.0:oob").await;
    let attempt = |ip: &'static str, login: &'static str| {
        s.http
            .post(s.url("/oauth/token"))
            .header("x-forwarded-for", ip)
            .form(&[
                ("grant_type", "password"),
                ("client_id", id.as_str()),
                ("client_secret", secret.as_str()),
                ("username", login),
                ("password", "guess guess"),
            ])
            .send()
    };
    assert_eq!(
        attempt("2001:db8::1", "u1").await.unwrap().status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        attempt("2001:db8::2", "u2").await.unwrap().status(),
        StatusCode::BAD_REQUEST
    );
    // Same /64, third account name: refused by the address limit alone.
    assert_eq!(
        attempt("2001:db8::3", "u3").await.unwrap().status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        attempt("2001:db8:1::1", "u4").await.unwrap().status(),
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn web_form_sign_in_is_rate_limited() {
    let s = TestServer::start_with(|c| c.limits.sign_in_per_5min = 2).await;
    s.create_account("alice").await;
    let (id, _) = s.create_app("read write", CALLBACK).await;
    let b = browser();
    let q = authorize_query(&id, CALLBACK, &[]);
    for _ in 0..2 {
        assert_eq!(
            s.browser_sign_in(&b, &q, "alice", "wrong wrong").await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        s.browser_sign_in(&b, &q, "alice", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn token_endpoint_is_rate_limited() {
    let s = TestServer::start_with(|c| c.limits.token_per_5min = 2).await;
    let (id, secret) = s.create_app("read", "urn:ietf:wg:oauth:2.0:oob").await;
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", id.as_str()),
        ("client_secret", secret.as_str()),
    ];
    assert_eq!(
        s.post_form("/oauth/token", None, &form).await.0,
        StatusCode::OK
    );
    assert_eq!(
        s.post_form("/oauth/token", None, &form).await.0,
        StatusCode::OK
    );
    assert_eq!(
        s.post_form("/oauth/token", None, &form).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn authorize_pages_cannot_be_framed_or_cached() {
    let (s, id, _) = setup().await;
    let resp = browser()
        .get(s.url(&format!(
            "/oauth/authorize?{}",
            authorize_query(&id, CALLBACK, &[])
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["x-frame-options"], "DENY");
    assert_eq!(resp.headers()["cache-control"], "no-store");
    assert!(
        resp.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
}

/// Issue 15: pages' forms post only to this server (`form-action`), except
/// that the consent page may end in a redirect to the app's own redirect
/// URI; no `<base>` can move relative URLs; every response says `nosniff`
/// and keeps its URL out of other sites' `Referer`.
#[tokio::test]
async fn pages_restrict_forms_and_every_response_refuses_sniffing() {
    let (s, id, _) = setup().await;
    for path in ["/health", "/api/v1/nothing-here", "/nothing-here"] {
        let resp = s.http.get(s.url(path)).send().await.unwrap();
        assert_eq!(
            resp.headers()["x-content-type-options"],
            "nosniff",
            "{path}"
        );
        assert_eq!(resp.headers()["referrer-policy"], "same-origin", "{path}");
        assert!(resp.headers().get("strict-transport-security").is_none());
    }
    let b = browser();
    let csp_of = |q: String| {
        let (b, url) = (b.clone(), s.url(&format!("/oauth/authorize?{q}")));
        async move {
            let page = b.get(url).send().await.unwrap();
            page.headers()["content-security-policy"]
                .to_str()
                .unwrap()
                .to_string()
        }
    };
    let q = authorize_query(&id, CALLBACK, &[]);
    let csp = csp_of(q.clone()).await;
    assert!(csp.contains("form-action 'self';"), "{csp}");
    assert!(csp.contains("base-uri 'none'"), "{csp}");
    assert_eq!(
        s.browser_sign_in(&b, &q, "alice", PASSWORD).await,
        StatusCode::SEE_OTHER
    );
    let csp = csp_of(q).await;
    assert!(
        csp.contains("form-action 'self' http://localhost:9;"),
        "{csp}"
    );
    let csp = csp_of(authorize_query(&id, "tusky://oauth", &[])).await;
    assert!(csp.contains("form-action 'self' tusky:;"), "{csp}");
}
