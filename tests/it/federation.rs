//! Federation (issue 5): discovery first — WebFinger and host-meta.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::*;

/// `GET /.well-known/webfinger?resource=…`: status, Content-Type and body.
async fn webfinger(s: &TestServer, resource: Option<&str>) -> (StatusCode, String, Value) {
    let mut req = s.http.get(s.url("/.well-known/webfinger"));
    if let Some(r) = resource {
        req = req.query(&[("resource", r)]);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    let content_type = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = resp.json().await.unwrap_or(Value::Null);
    (status, content_type, body)
}

#[tokio::test]
async fn webfinger_finds_local_accounts_by_acct_and_by_url() {
    let s = TestServer::start().await;
    s.user("alice").await;
    let domain = s.base.trim_start_matches("http://").to_string();
    let actor = format!("{}/users/alice", s.base);
    let profile = format!("{}/@alice", s.base);
    for resource in [
        format!("acct:alice@{domain}"),
        format!("acct:ALICE@{}", domain.to_uppercase()),
        format!("alice@{domain}"),
        format!("@alice@{domain}"),
        actor.clone(),
        profile.clone(),
    ] {
        let (status, content_type, body) = webfinger(&s, Some(&resource)).await;
        assert_eq!(status, StatusCode::OK, "{resource}: {body}");
        assert!(
            content_type.starts_with("application/jrd+json"),
            "{content_type}"
        );
        assert_eq!(body["subject"], json!(format!("acct:alice@{domain}")));
        assert_eq!(body["aliases"], json!([profile, actor]));
        let link = |rel: &str| {
            body["links"]
                .as_array()
                .unwrap()
                .iter()
                .find(|l| l["rel"] == json!(rel))
                .cloned()
                .unwrap_or(Value::Null)
        };
        assert_eq!(link("self")["type"], json!("application/activity+json"));
        assert_eq!(link("self")["href"], json!(actor));
        assert_eq!(
            link("http://webfinger.net/rel/profile-page")["href"],
            json!(profile)
        );
    }
    s.stop().await;
}

#[tokio::test]
async fn webfinger_refuses_unknown_foreign_and_missing_resources() {
    let s = TestServer::start().await;
    s.user("alice").await;
    let domain = s.base.trim_start_matches("http://").to_string();
    for resource in [
        format!("acct:nobody@{domain}"),
        "acct:alice@elsewhere.example".to_string(),
        "https://elsewhere.example/users/alice".to_string(),
        format!("{}/users/alice/statuses/1", s.base),
        format!("{}/about", s.base),
        "acct:".to_string(),
        "alice".to_string(),
    ] {
        let (status, _, body) = webfinger(&s, Some(&resource)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{resource}: {body}");
    }
    let (status, _, body) = webfinger(&s, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["error"].is_string());
    s.stop().await;
}

#[tokio::test]
async fn host_meta_points_at_webfinger() {
    let s = TestServer::start().await;
    let resp = s
        .http
        .get(s.url("/.well-known/host-meta"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/xrd+xml")
    );
    let xml = resp.text().await.unwrap();
    let template = format!(
        "template=\"{}/.well-known/webfinger?resource={{uri}}\"",
        s.base
    );
    assert!(xml.contains(&template), "{xml}");
    s.stop().await;
}
