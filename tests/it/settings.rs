//! The signed-in settings pages (issue 15): profile, password, e-mail,
//! two-factor sign-in, authorized apps and sessions, driven as a browser
//! would (forms, cookies, redirects); every change checked through the API.

use reqwest::StatusCode;
use serde_json::Value;

use crate::common::*;

/// Signs `login` in at `/auth/sign_in`; the status and the page answered.
async fn sign_in(
    s: &TestServer,
    b: &reqwest::Client,
    login: &str,
    password: &str,
) -> (StatusCode, String) {
    let (status, page) = form_page(b, &s.url("/auth/sign_in")).await;
    assert_eq!(status, StatusCode::OK);
    submit(
        b,
        &s.url("/auth/sign_in"),
        &page,
        &[("username", login), ("password", password)],
    )
    .await
}

/// A browser signed in as `login` (one step: no two-factor).
pub(crate) async fn signed_in(s: &TestServer, login: &str) -> reqwest::Client {
    let b = browser();
    let (status, page) = sign_in(s, &b, login, PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    b
}

/// Posts `fields` plus the page's CSRF token to `path`; status, Location, body.
async fn post(
    s: &TestServer,
    b: &reqwest::Client,
    page_path: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, String, String) {
    let (status, html) = form_page(b, &s.url(page_path)).await;
    assert_eq!(status, StatusCode::OK, "{page_path}: {html}");
    let csrf = csrf_of(&html);
    let mut form: Vec<(&str, &str)> = vec![("csrf_token", &csrf)];
    form.extend_from_slice(fields);
    let resp = b.post(s.url(path)).form(&form).send().await.unwrap();
    let status = resp.status();
    let location = resp
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, location, resp.text().await.unwrap())
}

async fn me(s: &TestServer, token: &str) -> (StatusCode, Value) {
    s.get("/api/v1/accounts/verify_credentials", Some(token))
        .await
}

#[tokio::test]
async fn settings_pages_send_strangers_to_sign_in_and_back() {
    let s = TestServer::start().await;
    for path in [
        "/settings/profile",
        "/settings/password",
        "/settings/email",
        "/settings/two_factor",
        "/settings/applications",
        "/settings/sessions",
    ] {
        let resp = browser().get(s.url(path)).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{path}");
        let back = path.replace('/', "%2F");
        assert_eq!(
            resp.headers()["location"].to_str().unwrap(),
            format!("/auth/sign_in?redirect_to={back}")
        );
    }
    // Posting without a session changes nothing either.
    let resp = browser()
        .post(s.url("/settings/password"))
        .form(&[("password", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn settings_pages_carry_csp_and_refuse_a_wrong_csrf_token() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let b = signed_in(&s, "alice").await;
    let resp = b.get(s.url("/settings/profile")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let csp = resp.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("form-action 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    let resp = b
        .post(s.url("/settings/profile"))
        .form(&[("csrf_token", "forged"), ("display_name", "Mallory")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let (_, account) = me(&s, &alice.token).await;
    assert_ne!(account["display_name"], "Mallory");
}

#[tokio::test]
async fn the_profile_page_changes_the_profile() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let b = signed_in(&s, "alice").await;
    let (status, location, _) = post(
        &s,
        &b,
        "/settings/profile",
        "/settings/profile",
        &[
            ("display_name", "Alice A."),
            ("note", "Hello *there*"),
            ("locked", "1"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, "/settings/profile?notice=profile");
    let (_, account) = me(&s, &alice.token).await;
    assert_eq!(account["display_name"], "Alice A.");
    assert_eq!(account["source"]["note"], "Hello *there*");
    assert_eq!(account["locked"], true);
    let (_, html) = form_page(&b, &s.url(&location)).await;
    assert!(html.contains("Your profile was saved."), "{html}");
    assert!(html.contains("value=\"Alice A.\""), "{html}");

    // Invalid input: 422, the message on the page, nothing changed.
    let long = "x".repeat(31);
    let (status, _, html) = post(
        &s,
        &b,
        "/settings/profile",
        "/settings/profile",
        &[("display_name", &long)],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("class=\"error\""), "{html}");
    let (_, account) = me(&s, &alice.token).await;
    assert_eq!(account["display_name"], "Alice A.");
    // Unticked boxes are turned off.
    let (status, _, _) = post(
        &s,
        &b,
        "/settings/profile",
        "/settings/profile",
        &[("display_name", "Alice")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, account) = me(&s, &alice.token).await;
    assert_eq!(account["locked"], false);
}

#[tokio::test]
async fn a_password_change_needs_the_old_one_and_signs_out_everything_else() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let b = signed_in(&s, "alice").await;
    let other = signed_in(&s, "alice").await;

    let (status, _, html) = post(
        &s,
        &b,
        "/settings/password",
        "/settings/password",
        &[
            ("current_password", "wrong wrong"),
            ("password", "a brand new one"),
            ("password_confirmation", "a brand new one"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Invalid password."), "{html}");
    assert_eq!(
        me(&s, &alice.token).await.0,
        StatusCode::OK,
        "nothing changed"
    );
    let (status, _, _) = post(
        &s,
        &b,
        "/settings/password",
        "/settings/password",
        &[
            ("current_password", PASSWORD),
            ("password", "a brand new one"),
            ("password_confirmation", "not the same"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let (status, location, _) = post(
        &s,
        &b,
        "/settings/password",
        "/settings/password",
        &[
            ("current_password", PASSWORD),
            ("password", "a brand new one"),
            ("password_confirmation", "a brand new one"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, "/settings/password?notice=password");
    // Tokens revoked, the other browser signed out, this one still in.
    assert_eq!(me(&s, &alice.token).await.0, StatusCode::UNAUTHORIZED);
    let resp = other.get(s.url("/settings/profile")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let resp = b.get(s.url("/settings/profile")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    // The old password is refused, the new one works.
    assert_eq!(
        s.password_grant("alice", PASSWORD).await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        s.password_grant("alice", "a brand new one").await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn an_email_change_needs_the_password_and_a_free_address() {
    let s = TestServer::start().await;
    let _alice = s.user("alice").await;
    let _bob = s.user("bob").await;
    let b = signed_in(&s, "alice").await;
    let (status, _, _) = post(
        &s,
        &b,
        "/settings/email",
        "/settings/email",
        &[
            ("email", "new@example.org"),
            ("current_password", "wrong wrong"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _, html) = post(
        &s,
        &b,
        "/settings/email",
        "/settings/email",
        &[("email", "BOB@example.org"), ("current_password", PASSWORD)],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("already been taken"), "{html}");
    let (status, _, _) = post(
        &s,
        &b,
        "/settings/email",
        "/settings/email",
        &[("email", "not an address"), ("current_password", PASSWORD)],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        s.password_grant("alice@example.org", PASSWORD).await.0,
        StatusCode::OK
    );

    // Without mail configured the change happens at once.
    let (status, location, _) = post(
        &s,
        &b,
        "/settings/email",
        "/settings/email",
        &[
            ("email", "Alice@New.example"),
            ("current_password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, "/settings/email?notice=email");
    assert_eq!(
        s.password_grant("alice@new.example", PASSWORD).await.0,
        StatusCode::OK
    );
    assert_eq!(
        s.password_grant("alice@example.org", PASSWORD).await.0,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn the_apps_page_lists_and_revokes_an_apps_access() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let b = signed_in(&s, "alice").await;
    let (_, html) = form_page(&b, &s.url("/settings/applications")).await;
    assert!(html.contains("test app"), "{html}");
    let app_id = html
        .split("data-app-id=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .to_string();
    // Another account cannot revoke it: 404, still working.
    let _bob = s.user("bob").await;
    let bob_browser = signed_in(&s, "bob").await;
    let path = format!("/settings/applications/{app_id}/revoke");
    let (status, _, _) = post(&s, &bob_browser, "/settings/applications", &path, &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(me(&s, &alice.token).await.0, StatusCode::OK);

    let (status, location, _) = post(&s, &b, "/settings/applications", &path, &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    assert_eq!(me(&s, &alice.token).await.0, StatusCode::UNAUTHORIZED);
    let (_, html) = form_page(&b, &s.url("/settings/applications")).await;
    assert!(!html.contains("data-app-id"), "{html}");
}

#[tokio::test]
async fn the_sessions_page_signs_out_another_browser() {
    let s = TestServer::start().await;
    let _alice = s.user("alice").await;
    let b = signed_in(&s, "alice").await;
    let other = signed_in(&s, "alice").await;
    let (_, html) = form_page(&b, &s.url("/settings/sessions")).await;
    assert_eq!(
        html.matches("action=\"/settings/sessions/revoke\"").count(),
        2,
        "{html}"
    );
    // The row that is not "This browser": its id.
    let row = html
        .split("<tr")
        .find(|r| r.contains("/settings/sessions/revoke") && !r.contains("class=\"current\""))
        .unwrap();
    let id = hidden_inputs(row)
        .into_iter()
        .find(|(k, _)| k == "id")
        .unwrap()
        .1;
    let (status, location, _) = post(
        &s,
        &b,
        "/settings/sessions",
        "/settings/sessions/revoke",
        &[("id", &id)],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, "/settings/sessions?notice=session_ended");
    assert_eq!(
        other
            .get(s.url("/settings/sessions"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        b.get(s.url("/settings/sessions"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    // An unknown id: 404.
    let (status, _, _) = post(
        &s,
        &b,
        "/settings/sessions",
        "/settings/sessions/revoke",
        &[("id", &id)],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_disabled_accounts_browser_session_stops_working() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let b = signed_in(&s, "alice").await;
    assert_eq!(
        b.get(s.url("/settings/profile"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    sql_execute(
        &s.app,
        &format!(
            "UPDATE users SET disabled = TRUE WHERE account_id = {}",
            alice.id
        ),
    )
    .await;
    s.app.store.cache.users.clear();
    assert_eq!(
        b.get(s.url("/settings/profile"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::SEE_OTHER
    );
}
