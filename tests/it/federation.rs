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

// ---------------------------------------------------------------------------
// Two instances on loopback, checked end to end through the Mastodon API.

/// Alice on `a` follows bob on `b`; returns bob's id on `a`.
async fn follow_remote(a: &TestServer, alice: &TestUser, bob_acct: &str) -> String {
    let bob_on_a = a.resolve(&alice.token, bob_acct).await;
    let (status, rel) = a
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/accounts/{bob_on_a}/follow"),
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{rel}");
    bob_on_a
}

async fn relationship(s: &TestServer, token: &str, id: &str) -> Value {
    let (status, body) = s
        .get(
            &format!("/api/v1/accounts/relationships?id[]={id}"),
            Some(token),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body[0].clone()
}

#[tokio::test]
async fn remote_follow_is_accepted_and_posts_arrive() {
    let (a, b) = federated_pair().await;
    let alice = a.user("alice").await;
    let bob = b.user("bob").await;
    let bob_acct = format!("bob@{}", b.domain());
    let bob_on_a = follow_remote(&a, &alice, &bob_acct).await;

    // The Follow reaches b, b accepts, and a records the follow.
    eventually("the follow to be accepted", || async {
        let rel = relationship(&a, &alice.token, &bob_on_a).await;
        (rel["following"] == json!(true)).then_some(())
    })
    .await;
    let (_, followers) = b
        .get(
            &format!("/api/v1/accounts/{}/followers", bob.id),
            Some(&bob.token),
        )
        .await;
    assert_eq!(followers[0]["acct"], json!(format!("alice@{}", a.domain())));

    // Bob posts; it reaches alice's home timeline with bob's remote acct.
    let (status, posted) = b
        .request(
            reqwest::Method::POST,
            "/api/v1/statuses",
            Some(&bob.token),
            Some(json!({"status": "hello from b #federation"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{posted}");
    let home = eventually("bob's post in alice's home", || async {
        let (_, home) = a.get("/api/v1/timelines/home", Some(&alice.token)).await;
        home.as_array()
            .and_then(|h| h.iter().find(|s| s["uri"] == posted["uri"]).cloned())
    })
    .await;
    assert_eq!(home["account"]["acct"], json!(bob_acct));
    assert!(home["content"].as_str().unwrap().contains("hello from b"));
    assert_eq!(home["visibility"], json!("public"));
    assert_eq!(home["url"], posted["url"]);

    // Alice favourites it; bob is notified.
    let (status, _) = a
        .request(
            reqwest::Method::POST,
            &format!(
                "/api/v1/statuses/{}/favourite",
                home["id"].as_str().unwrap()
            ),
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    eventually("the favourite notification on b", || async {
        let (_, n) = b
            .get("/api/v1/notifications?types[]=favourite", Some(&bob.token))
            .await;
        n.as_array().filter(|n| !n.is_empty()).map(|_| ())
    })
    .await;

    // Bob deletes it; it leaves alice's timeline.
    let (status, _) = b
        .request(
            reqwest::Method::DELETE,
            &format!("/api/v1/statuses/{}", posted["id"].as_str().unwrap()),
            Some(&bob.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    eventually("the post to leave alice's home", || async {
        let (_, home) = a.get("/api/v1/timelines/home", Some(&alice.token)).await;
        (!home
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["uri"] == posted["uri"]))
        .then_some(())
    })
    .await;

    // Alice unfollows; bob loses the follower.
    a.request(
        reqwest::Method::POST,
        &format!("/api/v1/accounts/{bob_on_a}/unfollow"),
        Some(&alice.token),
        None,
    )
    .await;
    eventually("the unfollow on b", || async {
        let (_, followers) = b
            .get(
                &format!("/api/v1/accounts/{}/followers", bob.id),
                Some(&bob.token),
            )
            .await;
        followers.as_array().unwrap().is_empty().then_some(())
    })
    .await;
}

#[tokio::test]
async fn locked_account_approves_remote_follow_request() {
    let (a, b) = federated_pair().await;
    let alice = a.user("alice").await;
    let carol = b.user("carol").await;
    let (status, _) = b
        .request(
            reqwest::Method::PATCH,
            "/api/v1/accounts/update_credentials",
            Some(&carol.token),
            Some(json!({"locked": true})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let carol_on_a = follow_remote(&a, &alice, &format!("carol@{}", b.domain())).await;
    let rel = relationship(&a, &alice.token, &carol_on_a).await;
    assert_eq!(rel["requested"], json!(true));
    assert_eq!(rel["following"], json!(false));

    let alice_on_b = eventually("the follow request on b", || async {
        let (_, reqs) = b.get("/api/v1/follow_requests", Some(&carol.token)).await;
        reqs.as_array()
            .and_then(|r| r.first())
            .map(|r| r["id"].as_str().unwrap().to_string())
    })
    .await;
    let (status, _) = b
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/follow_requests/{alice_on_b}/authorize"),
            Some(&carol.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    eventually("the approval on a", || async {
        let rel = relationship(&a, &alice.token, &carol_on_a).await;
        (rel["following"] == json!(true)).then_some(())
    })
    .await;

    // Followers-only posts reach the approved follower.
    let (_, posted) = b
        .request(
            reqwest::Method::POST,
            "/api/v1/statuses",
            Some(&carol.token),
            Some(json!({"status": "for followers", "visibility": "private"})),
        )
        .await;
    let seen = eventually("the private post on a", || async {
        let (_, home) = a.get("/api/v1/timelines/home", Some(&alice.token)).await;
        home.as_array()
            .and_then(|h| h.iter().find(|s| s["uri"] == posted["uri"]).cloned())
    })
    .await;
    assert_eq!(seen["visibility"], json!("private"));
}

#[tokio::test]
async fn remote_follow_request_can_be_rejected() {
    let (a, b) = federated_pair().await;
    let alice = a.user("alice").await;
    let carol = b.user("carol").await;
    b.request(
        reqwest::Method::PATCH,
        "/api/v1/accounts/update_credentials",
        Some(&carol.token),
        Some(json!({"locked": true})),
    )
    .await;
    let carol_on_a = follow_remote(&a, &alice, &format!("carol@{}", b.domain())).await;
    let alice_on_b = eventually("the follow request on b", || async {
        let (_, reqs) = b.get("/api/v1/follow_requests", Some(&carol.token)).await;
        reqs.as_array()
            .and_then(|r| r.first())
            .map(|r| r["id"].as_str().unwrap().to_string())
    })
    .await;
    b.request(
        reqwest::Method::POST,
        &format!("/api/v1/follow_requests/{alice_on_b}/reject"),
        Some(&carol.token),
        None,
    )
    .await;
    eventually("the rejection on a", || async {
        let rel = relationship(&a, &alice.token, &carol_on_a).await;
        (rel["requested"] == json!(false) && rel["following"] == json!(false)).then_some(())
    })
    .await;
}
