//! Issue 15: rate limits on what can be abused in bulk, each answering
//! Mastodon's 429 with `X-RateLimit-*` headers, and the sign-in limit that
//! cannot lock an account's owner out.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::*;

/// Sends `n` requests with `send`; returns the statuses.
async fn statuses<F, Fut>(n: usize, mut send: F) -> Vec<StatusCode>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = StatusCode>,
{
    let mut out = Vec::new();
    for i in 0..n {
        out.push(send(i).await);
    }
    out
}

#[tokio::test]
async fn posting_is_limited_per_account_and_the_refusal_stores_nothing() {
    let s = TestServer::start_with(|c| c.limits.statuses_per_3h = 3).await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let post = |token: String, i: usize| {
        let s = &s;
        async move {
            s.request(
                Method::POST,
                "/api/v1/statuses",
                Some(&token),
                Some(json!({"status": format!("post {i}")})),
            )
            .await
            .0
        }
    };
    let got = statuses(4, |i| post(alice.token.clone(), i)).await;
    assert_eq!(got[..3], [StatusCode::OK; 3]);
    assert_eq!(got[3], StatusCode::TOO_MANY_REQUESTS);
    let resp = s
        .http
        .post(s.url("/api/v1/statuses"))
        .bearer_auth(&alice.token)
        .json(&json!({"status": "one more"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(resp.headers()["x-ratelimit-limit"], "3");
    assert_eq!(resp.headers()["x-ratelimit-remaining"], "0");
    assert!(resp.headers().contains_key("x-ratelimit-reset"));
    let alice_id: i64 = alice.id.parse().unwrap();
    let stored = sql_count(
        &s.app,
        &format!("SELECT COUNT(*) FROM statuses WHERE account_id = {alice_id}"),
    )
    .await;
    assert_eq!(stored, 3);
    // Another account has its own budget.
    assert_eq!(post(bob.token.clone(), 0).await, StatusCode::OK);
}

#[tokio::test]
async fn follows_reports_and_app_registrations_are_limited() {
    let s = TestServer::start_with(|c| {
        c.limits.follows_per_24h = 1;
        c.limits.reports_per_24h = 1;
        c.limits.apps_per_5min = 4;
    })
    .await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let carol = s.user("carol").await;
    let follow = |id: &str| {
        let path = format!("/api/v1/accounts/{id}/follow");
        let s = &s;
        let token = alice.token.clone();
        async move { s.request(Method::POST, &path, Some(&token), None).await.0 }
    };
    assert_eq!(follow(&bob.id).await, StatusCode::OK);
    // Following again changes nothing new: not counted.
    assert_eq!(follow(&bob.id).await, StatusCode::OK);
    assert_eq!(follow(&carol.id).await, StatusCode::TOO_MANY_REQUESTS);
    let report = |id: &str| {
        let s = &s;
        let token = alice.token.clone();
        let body = json!({"account_id": id});
        async move {
            s.request(Method::POST, "/api/v1/reports", Some(&token), Some(body))
                .await
                .0
        }
    };
    assert_eq!(report(&bob.id).await, StatusCode::OK);
    assert_eq!(report(&carol.id).await, StatusCode::TOO_MANY_REQUESTS);
    // Apps: the three users above registered theirs over HTTP from this
    // address; one more fits in the budget of four.
    let register = || async {
        s.request(
            Method::POST,
            "/api/v1/apps",
            None,
            Some(json!({"client_name": "x", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"})),
        )
        .await
        .0
    };
    assert_eq!(register().await, StatusCode::OK);
    assert_eq!(register().await, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn the_api_is_limited_per_token_and_per_address() {
    let s = TestServer::start_with(|c| {
        c.limits.api_per_5min = 5;
        c.limits.api_anonymous_per_5min = 3;
        c.server.trust_proxy_headers = true;
    })
    .await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let got = statuses(6, |_| {
        let s = &s;
        let token = alice.token.clone();
        async move {
            s.get("/api/v1/accounts/verify_credentials", Some(&token))
                .await
                .0
        }
    })
    .await;
    assert_eq!(got[..5], [StatusCode::OK; 5]);
    assert_eq!(got[5], StatusCode::TOO_MANY_REQUESTS);
    // Bob's token has its own budget.
    assert_eq!(
        s.get("/api/v1/accounts/verify_credentials", Some(&bob.token))
            .await
            .0,
        StatusCode::OK
    );
    // Without a token, per address (a fresh one: registering the apps above
    // spent some of 127.0.0.1's budget).
    let got = statuses(4, |_| {
        let s = &s;
        async move {
            s.http
                .get(s.url("/api/v1/timelines/public"))
                .header("x-forwarded-for", "192.0.2.1")
                .send()
                .await
                .unwrap()
                .status()
        }
    })
    .await;
    assert_eq!(got[..3], [StatusCode::OK; 3]);
    assert_eq!(got[3], StatusCode::TOO_MANY_REQUESTS);
    // Other servers' lookups are not API requests.
    let resource = format!("acct:alice@{}", s.app.config.server.domain);
    assert_eq!(
        s.get(&format!("/.well-known/webfinger?resource={resource}"), None)
            .await
            .0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_stranger_guessing_cannot_lock_the_owner_out() {
    let s = TestServer::start_with(|c| {
        c.server.trust_proxy_headers = true;
        c.limits.sign_in_per_5min = 3;
        c.limits.sign_in_per_account_per_hour = 20;
    })
    .await;
    s.create_account("alice").await;
    let (id, secret) = s.create_app("read", "urn:ietf:wg:oauth:2.0:oob").await;
    let grant = |from: &'static str, password: &'static str| {
        let s = &s;
        let (id, secret) = (id.clone(), secret.clone());
        async move {
            s.http
                .post(s.url("/oauth/token"))
                .header("x-forwarded-for", from)
                .form(&[
                    ("grant_type", "password"),
                    ("client_id", id.as_str()),
                    ("client_secret", secret.as_str()),
                    ("username", "alice@example.org"),
                    ("password", password),
                    ("scope", "read"),
                ])
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    for _ in 0..3 {
        assert_eq!(grant("203.0.113.9", "wrong").await, StatusCode::BAD_REQUEST);
    }
    assert_eq!(
        grant("203.0.113.9", "wrong").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // The owner, from their own address, still gets in.
    assert_eq!(grant("198.51.100.7", PASSWORD).await, StatusCode::OK);
}
