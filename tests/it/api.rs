//! Instance endpoints, placeholders, errors, CORS, health and metrics.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn instance_v2_has_the_fields_clients_read() {
    let s = TestServer::start().await;
    let (status, i) = s.get("/api/v2/instance", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(i["domain"], s.app.config.server.domain.as_str());
    assert!(
        i["version"]
            .as_str()
            .unwrap()
            .starts_with("4.5.0 (compatible; roost ")
    );
    assert_eq!(i["api_versions"]["mastodon"], 7, "quote posts (4.5)");
    assert!(i["api_versions"]["roost"].is_number());
    assert_eq!(i["configuration"]["statuses"]["max_characters"], 500);
    assert_eq!(i["configuration"]["polls"]["max_options"], 4);
    assert_eq!(i["registrations"]["enabled"], true);
    assert!(
        i["configuration"]["urls"]["streaming"]
            .as_str()
            .unwrap()
            .starts_with("ws://")
    );
}

#[tokio::test]
async fn instance_v1_counts_users_and_answers_with_trailing_slash() {
    let s = TestServer::start().await;
    s.create_account("alice").await;
    s.create_account("bob").await;
    let (status, i) = s.get("/api/v1/instance/", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(i["uri"], s.app.config.server.domain.as_str());
    assert_eq!(i["stats"]["user_count"], 2);
    assert!(i["urls"].is_object() && i["languages"].is_array() && i["rules"].is_array());
}

#[tokio::test]
async fn placeholder_lists_are_empty_for_users_and_closed_to_strangers() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    for path in [
        "/api/v1/lists",
        "/api/v1/followed_tags",
        "/api/v1/filters",
        "/api/v2/filters",
        "/api/v1/announcements",
        "/api/v1/trends/tags",
        "/api/v1/trends/statuses",
        "/api/v2/suggestions",
    ] {
        assert_eq!(
            s.get(path, Some(&alice.token)).await,
            (StatusCode::OK, json!([])),
            "{path}"
        );
        // Trends are public in Mastodon; the rest need a signed-in user.
        let expected = if path.starts_with("/api/v1/trends/") {
            StatusCode::OK
        } else {
            StatusCode::UNAUTHORIZED
        };
        assert_eq!(s.get(path, None).await.0, expected, "{path}");
    }
    assert_eq!(
        s.get("/api/v1/custom_emojis", None).await,
        (StatusCode::OK, json!([]))
    );
}

#[tokio::test]
async fn preferences_follow_the_source_settings() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    s.request(
        reqwest::Method::PATCH,
        "/api/v1/accounts/update_credentials",
        Some(&alice.token),
        Some(json!({"source": {"privacy": "private", "sensitive": true}})),
    )
    .await;
    let (status, p) = s.get("/api/v1/preferences", Some(&alice.token)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(p["posting:default:visibility"], "private");
    assert_eq!(p["posting:default:sensitive"], true);
}

#[tokio::test]
async fn unknown_api_path_is_a_json_404() {
    let s = TestServer::start().await;
    let (status, body) = s.get("/api/v1/definitely/not/here", None).await;
    assert_eq!(
        (status, body),
        (StatusCode::NOT_FOUND, json!({"error": "Record not found"}))
    );
    let resp = s.http.get(s.url("/nowhere")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
}

#[tokio::test]
async fn cors_is_open_on_the_api_and_token_endpoints() {
    let s = TestServer::start().await;
    for path in [
        "/api/v1/instance",
        "/oauth/token",
        "/oauth/revoke",
        "/.well-known/oauth-authorization-server",
    ] {
        let resp = s
            .http
            .request(reqwest::Method::OPTIONS, s.url(path))
            .header("origin", "https://phanpy.social")
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "authorization")
            .send()
            .await
            .unwrap();
        assert!(resp.status().is_success(), "{path}: {}", resp.status());
        assert_eq!(resp.headers()["access-control-allow-origin"], "*", "{path}");
    }
    // The HTML pages are not cross-origin.
    let resp = s
        .http
        .get(s.url("/oauth/authorize"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert!(resp.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn health_and_metrics() {
    let s = TestServer::start_with(|c| c.server.metrics_token = "scrape-secret".into()).await;
    let resp = s.http.get(s.url("/health")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers().contains_key("x-request-id"));
    s.get("/api/v1/instance", None).await;
    // A user's token read three times: one miss, then hits.
    let alice = s.user("alice").await;
    for _ in 0..3 {
        s.get("/api/v1/accounts/verify_credentials", Some(&alice.token))
            .await;
    }
    // Issue 15: not for anyone without the token.
    for token in [None, Some("wrong")] {
        let mut req = s.http.get(s.url("/metrics"));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        assert_eq!(req.send().await.unwrap().status(), StatusCode::NOT_FOUND);
    }
    let text = s
        .http
        .get(s.url("/metrics"))
        .bearer_auth("scrape-secret")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("roost_http_requests_total"), "{text}");
    assert!(text.contains("route=\"/api/v1/instance\""), "{text}");
    assert!(
        text.contains("roost_http_request_duration_seconds_bucket"),
        "{text}"
    );
    // Each in-process cache's hits, misses and size.
    let value = |series: &str| -> f64 {
        text.lines()
            .find_map(|l| l.strip_prefix(series))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("{series} missing: {text}"))
    };
    assert!(
        value("roost_cache_hits_total{cache=\"tokens\"}") >= 2.0,
        "{text}"
    );
    assert!(
        value("roost_cache_misses_total{cache=\"tokens\"}") >= 1.0,
        "{text}"
    );
    assert!(
        value("roost_cache_entries{cache=\"tokens\"}") >= 1.0,
        "{text}"
    );
}

#[tokio::test]
async fn metrics_are_off_the_public_listener_by_default() {
    let s = TestServer::start().await;
    let resp = s.http.get(s.url("/metrics")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let resp = s
        .http
        .get(s.url("/metrics"))
        .bearer_auth("")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn health_fails_when_the_database_is_gone() {
    let s = TestServer::start().await;
    s.app.store.close().await;
    let resp = s.http.get(s.url("/health")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn web_sign_in_and_sign_out() {
    let s = TestServer::start().await;
    s.create_account("alice").await;
    let b = browser();
    let html = b
        .get(s.url("/auth/sign_in"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut form = hidden_inputs(&html);
    form.push(("username".into(), "alice".into()));
    form.push(("password".into(), PASSWORD.into()));
    let resp = b
        .post(s.url("/auth/sign_in"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let cookie = resp.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.contains("roost_session=")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let home = b
        .get(s.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("@alice"));
    // Sign-out needs the session's CSRF token.
    let forged = b
        .post(s.url("/auth/sign_out"))
        .form(&[("csrf_token", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let form = hidden_inputs(&home);
    let resp = b
        .post(s.url("/auth/sign_out"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let home = b
        .get(s.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!home.contains("@alice"));
}

#[tokio::test]
async fn sign_in_never_redirects_off_site() {
    let s = TestServer::start().await;
    s.create_account("alice").await;
    let b = browser();
    let html = b
        .get(s.url("/auth/sign_in"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut form: Vec<(String, String)> = hidden_inputs(&html)
        .into_iter()
        .filter(|(k, _)| k != "redirect_to")
        .collect();
    form.push(("username".into(), "alice".into()));
    form.push(("password".into(), PASSWORD.into()));
    form.push(("redirect_to".into(), "//evil.example/x".into()));
    let resp = b
        .post(s.url("/auth/sign_in"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["location"], "/");
}

#[tokio::test]
async fn sign_in_refuses_redirects_that_browsers_would_read_as_off_site() {
    let s = TestServer::start().await;
    s.create_account("alice").await;
    for evil in [
        "/\t/evil.example",
        "/\\evil.example",
        "/\n/evil.example",
        "https://evil.example/",
        "/ /evil.example",
    ] {
        let b = browser();
        let html = b
            .get(s.url("/auth/sign_in"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let mut form: Vec<(String, String)> = hidden_inputs(&html)
            .into_iter()
            .filter(|(k, _)| k != "redirect_to")
            .collect();
        form.push(("username".into(), "alice".into()));
        form.push(("password".into(), PASSWORD.into()));
        form.push(("redirect_to".into(), evil.into()));
        let resp = b
            .post(s.url("/auth/sign_in"))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.headers()["location"], "/", "{evil:?}");
    }
}

#[tokio::test]
async fn deeply_nested_form_is_refused_and_the_server_lives() {
    let s = TestServer::start().await;
    let key = format!("client_name{}", "[]".repeat(100_000));
    let body = format!("{key}=x&redirect_uris=urn:ietf:wg:oauth:2.0:oob");
    let resp = s
        .http
        .post(s.url("/api/v1/apps"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let many: String = (0..2000).map(|i| format!("k{i}=v&")).collect();
    let resp = s
        .http
        .post(s.url("/api/v1/apps"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(many)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(s.get("/health", None).await.0, StatusCode::OK);
}

#[tokio::test]
async fn nodeinfo_names_roost() {
    let s = TestServer::start().await;
    s.create_account("alice").await;
    let (status, links) = s.get("/.well-known/nodeinfo", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(links["links"][0]["href"], s.url("/nodeinfo/2.0"));
    for v in ["2.0", "2.1"] {
        let resp = s
            .http
            .get(s.url(&format!("/nodeinfo/{v}")))
            .header("origin", "https://x.example")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.headers()["access-control-allow-origin"], "*");
        assert!(
            resp.headers()["content-type"]
                .to_str()
                .unwrap()
                .contains(&format!("schema/{v}#"))
        );
        let info: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(info["version"], v);
        assert_eq!(info["software"]["name"], "roost");
        assert_eq!(info["protocols"], json!(["activitypub"]));
        assert_eq!(info["usage"]["users"]["total"], 1);
        assert_eq!(info["openRegistrations"], true);
    }
}

#[tokio::test]
async fn unknown_api_path_answers_cors_preflight() {
    let s = TestServer::start().await;
    let resp = s
        .http
        .request(reqwest::Method::OPTIONS, s.url("/api/v1/not_yet"))
        .header("origin", "https://elk.zone")
        .header("access-control-request-method", "GET")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["access-control-allow-origin"], "*");
    let resp = s
        .http
        .get(s.url("/api/v1/not_yet"))
        .header("origin", "https://elk.zone")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_eq!(resp.headers()["access-control-allow-origin"], "*");
}

#[tokio::test]
async fn tokens_with_the_wrong_scope_are_refused_on_read_endpoints() {
    let s = TestServer::start().await;
    let writer = s.user_with_scopes("alice", "write push").await;
    for path in [
        "/api/v1/lists",
        "/api/v1/filters",
        "/api/v2/suggestions",
        "/api/v1/preferences",
    ] {
        assert_eq!(
            s.get(path, Some(&writer.token)).await.0,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    assert_eq!(
        s.get(
            &format!("/api/v1/accounts/{}", writer.id),
            Some(&writer.token)
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        s.get("/api/v1/accounts/lookup?acct=alice", Some(&writer.token))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    // Trends are public; a token without read is still refused.
    assert_eq!(s.get("/api/v1/trends/tags", None).await.0, StatusCode::OK);
    assert_eq!(
        s.get("/api/v1/trends/tags", Some(&writer.token)).await.0,
        StatusCode::FORBIDDEN
    );
}

/// Issue 15, fault injection: the database drops every connection (a
/// restart or a failover). roost answers again without being restarted,
/// and what it reports as written is there. PostgreSQL only, the server
/// that can go away (run by the PostgreSQL leg of the suite).
#[tokio::test]
async fn the_server_recovers_when_the_database_drops_its_connections() {
    let s = TestServer::start().await;
    if !s.app.config.database_url().starts_with("postgres") {
        return;
    }
    let alice = s.user("alice").await;
    let post = |text: &'static str| {
        let s = &s;
        let token = alice.token.clone();
        async move {
            s.request(
                Method::POST,
                "/api/v1/statuses",
                Some(&token),
                Some(serde_json::json!({"status": text})),
            )
            .await
        }
    };
    assert_eq!(post("before").await.0, StatusCode::OK);
    let killed = sql_execute(
        &s.app,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .await;
    assert!(killed > 0, "no connection was dropped");
    // Whatever a request answers meanwhile, it is an answer, not a hang.
    let (status, body) = post("after").await;
    assert!(
        status == StatusCode::OK || status.is_server_error(),
        "{status} {body}"
    );
    let ok_after = status == StatusCode::OK;
    eventually("roost to answer /health again", || async {
        let r = s.http.get(s.url("/health")).send().await.ok()?;
        (r.status() == StatusCode::OK).then_some(())
    })
    .await;
    let (status, _) = post("later").await;
    assert_eq!(status, StatusCode::OK);
    let alice_id: i64 = alice.id.parse().unwrap();
    let stored = sql_count(
        &s.app,
        &format!("SELECT COUNT(*) FROM statuses WHERE account_id = {alice_id}"),
    )
    .await;
    assert_eq!(stored, if ok_after { 3 } else { 2 });
    let (status, statuses) = s
        .get(&format!("/api/v1/accounts/{}/statuses", alice.id), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(statuses.as_array().unwrap().len() as i64, stored);
}
