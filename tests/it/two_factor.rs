//! Two-factor sign-in (issue 15): set up from the page's secret, codes
//! computed here as an authenticator app would (RFC 6238), the second
//! sign-in step, recovery codes, replays and the password grant.

use reqwest::StatusCode;

use crate::common::*;

/// The code an authenticator app shows for `secret`, `offset` seconds from now.
fn code(secret: &str, offset: i64) -> String {
    let totp = totp_rs::Builder::new()
        .with_secret(totp_rs::Secret::try_from_base32(secret).unwrap())
        .build()
        .unwrap();
    let now = chrono::Utc::now().timestamp() + offset;
    totp.generate(u64::try_from(now).unwrap()).to_string()
}

fn attr<'a>(html: &'a str, name: &str) -> &'a str {
    let start = html.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
    let end = html[start..].find('"').unwrap() + start;
    &html[start..end]
}

/// The password step; `(status, html)`.
async fn password_step(
    s: &TestServer,
    b: &reqwest::Client,
    password: &str,
) -> (StatusCode, String) {
    let (_, page) = form_page(b, &s.url("/auth/sign_in")).await;
    submit(
        b,
        &s.url("/auth/sign_in"),
        &page,
        &[("username", "alice"), ("password", password)],
    )
    .await
}

/// The second step with `otp`; the status.
async fn otp_step(
    s: &TestServer,
    b: &reqwest::Client,
    page: &str,
    otp: &str,
) -> (StatusCode, String) {
    submit(b, &s.url("/auth/sign_in"), page, &[("otp", otp)]).await
}

async fn settings_status(s: &TestServer, b: &reqwest::Client) -> StatusCode {
    b.get(s.url("/settings/two_factor"))
        .send()
        .await
        .unwrap()
        .status()
}

/// Alice, signed in, turns two-factor on; returns her browser, the secret,
/// the recovery codes and the step offset already spent.
async fn enable(s: &TestServer) -> (reqwest::Client, String, Vec<String>) {
    let b = browser();
    let (status, _) = password_step(s, &b, PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, html) = form_page(&b, &s.url("/settings/two_factor")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("data-enabled=\"false\""), "{html}");
    assert!(html.contains("<svg"), "a QR code drawn inline: {html}");
    let seen = attr(&html, "data-otp-secret").to_string();
    assert_eq!(seen.len(), 32, "160 bits in base 32");
    // Each visit offers a new secret: one seen before is not the one used.
    let (_, html) = form_page(&b, &s.url("/settings/two_factor")).await;
    let secret = attr(&html, "data-otp-secret").to_string();
    assert_ne!(secret, seen);
    let csrf = csrf_of(&html);
    let resp = b
        .post(s.url("/settings/two_factor"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("code", code(&seen, 0).as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "an old secret's code"
    );

    // A wrong code changes nothing.
    let wrong = if code(&secret, 0) == "000000" {
        "111111"
    } else {
        "000000"
    };
    let resp = b
        .post(s.url("/settings/two_factor"))
        .form(&[("csrf_token", csrf.as_str()), ("code", wrong)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("data-enabled=\"false\"")
    );

    let resp = b
        .post(s.url("/settings/two_factor"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("code", code(&secret, 0).as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let html = resp.text().await.unwrap();
    assert!(html.contains("data-enabled=\"true\""), "{html}");
    let codes: Vec<String> = html
        .split("<ul class=\"codes\">")
        .nth(1)
        .unwrap()
        .split("</ul>")
        .next()
        .unwrap()
        .split("<li>")
        .skip(1)
        .map(|c| c.split("</li>").next().unwrap().trim().to_string())
        .collect();
    assert_eq!(codes.len(), 10, "{html}");
    (b, secret, codes)
}

#[tokio::test]
async fn sign_in_with_two_factor_asks_for_a_code_that_works_once() {
    let s = TestServer::start().await;
    let _alice = s.user("alice").await;
    let (_, secret, _) = enable(&s).await;

    let b = browser();
    let (status, page) = password_step(&s, &b, PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "the password alone signs nobody in");
    assert!(page.contains("name=\"otp\""), "{page}");
    assert_eq!(settings_status(&s, &b).await, StatusCode::SEE_OTHER);

    // The code used to enable is spent: refused, as is garbage.
    let (status, page) = otp_step(&s, &b, &page, &code(&secret, 0)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{page}");
    assert!(page.contains("Invalid two-factor code."), "{page}");
    let (status, page) = otp_step(&s, &b, &page, "12345x").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // The next step's code (inside the allowed clock skew) signs in.
    let next = code(&secret, 30);
    let (status, _) = otp_step(&s, &b, &page, &next).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(settings_status(&s, &b).await, StatusCode::OK);

    // Another browser cannot replay that code.
    let b2 = browser();
    let (_, page) = password_step(&s, &b2, PASSWORD).await;
    let (status, _) = otp_step(&s, &b2, &page, &next).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(settings_status(&s, &b2).await, StatusCode::SEE_OTHER);
    // A code two steps ahead is outside the window.
    let (status, _) = otp_step(&s, &b2, &page, &code(&secret, 90)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_recovery_code_signs_in_once() {
    let s = TestServer::start().await;
    let _alice = s.user("alice").await;
    let (_, _, codes) = enable(&s).await;
    let b = browser();
    let (_, page) = password_step(&s, &b, PASSWORD).await;
    let (status, _) = otp_step(&s, &b, &page, &codes[3].to_uppercase()).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, html) = form_page(&b, &s.url("/settings/two_factor")).await;
    assert!(html.contains("Recovery codes left: 9"), "{html}");

    let b2 = browser();
    let (_, page) = password_step(&s, &b2, PASSWORD).await;
    let (status, _) = otp_step(&s, &b2, &page, &codes[3]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = otp_step(&s, &b2, &page, &codes[4]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn wrong_codes_wear_out_the_second_step() {
    let s = TestServer::start().await;
    let _alice = s.user("alice").await;
    let (_, secret, _) = enable(&s).await;
    let b = browser();
    let (_, page) = password_step(&s, &b, PASSWORD).await;
    let wrong = if code(&secret, 30) == "000000" {
        "111111"
    } else {
        "000000"
    };
    for _ in 0..5 {
        let (status, _) = otp_step(&s, &b, &page, wrong).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // Worn out: even the right code sends the browser back to the password.
    let (status, html) = otp_step(&s, &b, &page, &code(&secret, 30)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(html.contains("name=\"password\""), "{html}");
    assert_eq!(settings_status(&s, &b).await, StatusCode::SEE_OTHER);
    // Without the password step's cookie, a code alone does nothing.
    let fresh = browser();
    let (_, sign_in_page) = form_page(&fresh, &s.url("/auth/sign_in")).await;
    let (status, _) = otp_step(&s, &fresh, &sign_in_page, &code(&secret, 30)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(settings_status(&s, &fresh).await, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_password_grant_is_refused_while_two_factor_is_on() {
    let s = TestServer::start().await;
    let _alice = s.user("alice").await;
    let (b, _, _) = enable(&s).await;
    let grant = || s.password_grant("alice", PASSWORD);
    let (status, body) = grant().await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");

    // Turning it off needs the password; then the grant works again.
    let (_, html) = form_page(&b, &s.url("/settings/two_factor")).await;
    let csrf = csrf_of(&html);
    let resp = b
        .post(s.url("/settings/two_factor/disable"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("current_password", "wrong wrong"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(grant().await.0, StatusCode::BAD_REQUEST);
    let resp = b
        .post(s.url("/settings/two_factor/disable"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("current_password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(grant().await.0, StatusCode::OK);
    // A new setup offers a new secret.
    let (_, html) = form_page(&b, &s.url("/settings/two_factor")).await;
    assert!(html.contains("data-enabled=\"false\""), "{html}");
}

#[tokio::test]
async fn new_recovery_codes_replace_the_old_ones() {
    let s = TestServer::start().await;
    let _alice = s.user("alice").await;
    let (b, secret, old) = enable(&s).await;
    let (_, html) = form_page(&b, &s.url("/settings/two_factor")).await;
    let resp = b
        .post(s.url("/settings/two_factor/recovery_codes"))
        .form(&[
            ("csrf_token", csrf_of(&html).as_str()),
            ("code", code(&secret, 30).as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let html = resp.text().await.unwrap();
    assert_eq!(html.matches("<li>").count(), 10, "{html}");
    let b2 = browser();
    let (_, page) = password_step(&s, &b2, PASSWORD).await;
    let (status, _) = otp_step(&s, &b2, &page, &old[0]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "old codes are gone");
}

#[tokio::test]
async fn an_app_authorization_passes_through_the_second_step() {
    let s = TestServer::start().await;
    let _alice = s.user("alice").await;
    let (_, secret, _) = enable(&s).await;
    let (client_id, _) = s.create_app("read", "urn:ietf:wg:oauth:2.0:oob").await;
    let authorize = query(&[
        ("response_type", "code"),
        ("client_id", &client_id),
        ("redirect_uri", "urn:ietf:wg:oauth:2.0:oob"),
        ("scope", "read"),
    ]);
    let b = browser();
    let (_, page) = form_page(&b, &s.url(&format!("/oauth/authorize?{authorize}"))).await;
    let (status, otp_page) = submit(
        &b,
        &s.url("/auth/sign_in"),
        &page,
        &[("username", "alice"), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(otp_page.contains("name=\"otp\""), "{otp_page}");
    // The second step keeps where the browser was going.
    let resp = b
        .post(s.url("/auth/sign_in"))
        .form(&{
            let mut form = hidden_inputs(&otp_page);
            form.push(("otp".into(), code(&secret, 30)));
            form
        })
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        resp.headers()["location"].to_str().unwrap(),
        format!("/oauth/authorize?{authorize}")
    );
    let code = s.consent(&b, &authorize, "approve").await;
    assert!(code.starts_with("oob:"), "{code}");
}

#[tokio::test]
async fn a_browser_signed_in_long_ago_needs_the_password_to_turn_two_factor_on() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let b = browser();
    let (status, _) = password_step(&s, &b, PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    sql_execute(
        &s.app,
        &format!(
            "UPDATE sessions SET created_at = '2000-01-01T00:00:00+00:00' WHERE account_id = {}",
            alice.id
        ),
    )
    .await;
    let (_, html) = form_page(&b, &s.url("/settings/two_factor")).await;
    let secret = attr(&html, "data-otp-secret").to_string();
    let csrf = csrf_of(&html);
    let enable = |password: &'static str, offset: i64| {
        let (b, s, csrf, secret) = (&b, &s, &csrf, &secret);
        async move {
            let resp = b
                .post(s.url("/settings/two_factor"))
                .form(&[
                    ("csrf_token", csrf.as_str()),
                    ("code", code(secret, offset).as_str()),
                    ("current_password", password),
                ])
                .send()
                .await
                .unwrap();
            (resp.status(), resp.text().await.unwrap())
        }
    };
    let (status, html) = enable("", 0).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("Confirm with your current password."),
        "{html}"
    );
    let (status, _) = enable("wrong wrong", 0).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, html) = enable(PASSWORD, 0).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("data-enabled=\"true\""), "{html}");
}
