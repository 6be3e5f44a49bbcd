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
pub(crate) async fn follow_remote(a: &TestServer, alice: &TestUser, bob_acct: &str) -> String {
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

pub(crate) async fn relationship(s: &TestServer, token: &str, id: &str) -> Value {
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

/// Deliveries to `s`'s peers that failed at least once and wait for a retry.
async fn failed_deliveries(app: &roost::app::AppState) -> i64 {
    sql_count(
        app,
        "SELECT COUNT(*) FROM jobs WHERE queue = 'deliver' AND attempts >= 1 AND last_error IS NOT NULL AND failed_at IS NULL",
    )
    .await
}

/// Bob on `b` follows alice on `a` and waits for the Accept; returns
/// alice's id on `b`.
pub(crate) async fn remote_follower(
    a: &TestServer,
    b: &TestServer,
    alice: &TestUser,
    bob: &TestUser,
) -> String {
    let alice_on_b = follow_remote(b, bob, &format!("{}@{}", alice.username, a.domain())).await;
    eventually(
        &format!("{} to follow {}", bob.username, alice.username),
        || async {
            let rel = relationship(b, &bob.token, &alice_on_b).await;
            (rel["following"] == json!(true)).then_some(())
        },
    )
    .await;
    alice_on_b
}

pub(crate) async fn post(s: &TestServer, user: &TestUser, body: Value) -> Value {
    let (status, posted) = s
        .request(
            reqwest::Method::POST,
            "/api/v1/statuses",
            Some(&user.token),
            Some(body),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{posted}");
    posted
}

pub(crate) async fn in_home(s: &TestServer, user: &TestUser, uri: &Value) -> Option<Value> {
    let (_, home) = s.get("/api/v1/timelines/home", Some(&user.token)).await;
    home.as_array()?
        .iter()
        .find(|st| st["uri"] == *uri)
        .cloned()
}

#[tokio::test]
async fn delivery_to_a_server_that_is_down_arrives_when_it_is_back() {
    let (a, mut b) = federated_pair().await;
    let alice = a.user("alice").await;
    let bob = b.user("bob").await;
    remote_follower(&a, &b, &alice, &bob).await;

    b.pause().await;
    let posted = post(&a, &alice, json!({"status": "while you were away"})).await;
    eventually("a failed delivery attempt", || async {
        (failed_deliveries(&a.app).await > 0).then_some(())
    })
    .await;
    b.resume().await;
    eventually("the post on b after it came back", || async {
        in_home(&b, &bob, &posted["uri"]).await
    })
    .await;
}

#[tokio::test]
async fn deliveries_queued_when_roost_is_killed_go_out_after_restart() {
    use std::process::{Command, Stdio};
    let (_, mut b) = federated_pair().await;
    let bob = b.user("bob").await;

    // Server A is the real binary, on its own database.
    let dir = tempfile::tempdir().unwrap();
    let db = database_url(dir.path()).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut config = roost::config::Config::default();
    config.server.domain = format!("127.0.0.1:{port}");
    config.server.listen = config.server.domain.clone();
    config.storage.data_dir = dir.path().to_path_buf();
    config.database.url = db.clone();
    federating(&mut config);
    // Alice and her token are made through the services, on A's database.
    // (Her token's app is registered over HTTP once A is up.)
    let setup = roost::app::AppState::open(config).await.unwrap();
    let a = TestServer::attach(setup.clone(), &format!("http://127.0.0.1:{port}"));
    let spawn = || {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_roost"));
        for (k, _) in std::env::vars() {
            if k.starts_with("ROOST_") {
                cmd.env_remove(k);
            }
        }
        cmd.arg("serve")
            .env("ROOST_STORAGE_DATA_DIR", dir.path())
            .env("ROOST_DATABASE_URL", &db)
            .env("ROOST_SERVER_DOMAIN", format!("127.0.0.1:{port}"))
            .env("ROOST_SERVER_LISTEN", format!("127.0.0.1:{port}"))
            .env("ROOST_FEDERATION_ALLOW_HTTP", "true")
            .env("ROOST_FEDERATION_ALLOW_PRIVATE_ADDRESSES", "true")
            .env("ROOST_JOBS_RETRY_BASE_MS", "300")
            // The test polls the API while it waits.
            .env("ROOST_LIMITS_API_PER_5MIN", "1000000")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map(KillOnDrop)
            .unwrap()
    };
    let mut child = spawn();
    let health = a.url("/health");
    eventually("A to answer", || async {
        let resp = a.http.get(&health).send().await.ok()?;
        (resp.status() == StatusCode::OK).then_some(())
    })
    .await;
    let alice = a.user("alice").await;
    remote_follower(&a, &b, &alice, &bob).await;

    // B goes down; A queues the post's delivery and fails once.
    b.pause().await;
    let posted = post(&a, &alice, json!({"status": "survives a crash"})).await;
    eventually("a failed delivery attempt on A", || async {
        (failed_deliveries(&setup).await > 0).then_some(())
    })
    .await;
    // SIGKILL: no chance to tidy up.
    child.0.kill().unwrap();
    child.0.wait().unwrap();
    assert!(
        failed_deliveries(&setup).await > 0,
        "the queued delivery survived the kill"
    );

    b.resume().await;
    let _child = spawn();
    eventually("the post on b after A restarted", || async {
        in_home(&b, &bob, &posted["uri"]).await
    })
    .await;
}

#[tokio::test]
async fn replies_boosts_edits_and_profile_updates_reach_the_other_side() {
    let (a, b) = federated_pair().await;
    let alice = a.user("alice").await;
    let bob = b.user("bob").await;
    remote_follower(&a, &b, &alice, &bob).await;
    remote_follower(&b, &a, &bob, &alice).await;

    // Alice posts; bob replies from b; the reply threads under it on a.
    let original = post(&a, &alice, json!({"status": "first"})).await;
    let on_b = eventually("alice's post on b", || async {
        in_home(&b, &bob, &original["uri"]).await
    })
    .await;
    let reply = post(
        &b,
        &bob,
        json!({"status": format!("@alice@{} welcome", a.domain()), "in_reply_to_id": on_b["id"]}),
    )
    .await;
    let reply_on_a = eventually("bob's reply on a", || async {
        let (_, ctx) = a
            .get(
                &format!(
                    "/api/v1/statuses/{}/context",
                    original["id"].as_str().unwrap()
                ),
                Some(&alice.token),
            )
            .await;
        ctx["descendants"]
            .as_array()?
            .iter()
            .find(|s| s["uri"] == reply["uri"])
            .cloned()
    })
    .await;
    assert_eq!(reply_on_a["in_reply_to_id"], original["id"]);
    // The post's replies collection on a lists bob's reply among others'.
    let others = format!(
        "{}/replies?only_other_accounts=true&page=true",
        original["uri"].as_str().unwrap()
    );
    let page: Value = a
        .http
        .get(&others)
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"], json!([reply["uri"]]), "{page}");
    // The mention notified alice.
    eventually("the mention notification", || async {
        let (_, n) = a
            .get("/api/v1/notifications?types[]=mention", Some(&alice.token))
            .await;
        n.as_array().filter(|n| !n.is_empty()).map(|_| ())
    })
    .await;

    // Bob boosts alice's post; alice hears of it and the boost counts.
    act(
        &b,
        &bob,
        reqwest::Method::POST,
        &format!("/api/v1/statuses/{}/reblog", on_b["id"].as_str().unwrap()),
        None,
    )
    .await;
    eventually("the boost on a", || async {
        let (_, s) = a
            .get(
                &format!("/api/v1/statuses/{}", original["id"].as_str().unwrap()),
                Some(&alice.token),
            )
            .await;
        (s["reblogs_count"] == json!(1)).then_some(())
    })
    .await;
    act(
        &b,
        &bob,
        reqwest::Method::POST,
        &format!("/api/v1/statuses/{}/unreblog", on_b["id"].as_str().unwrap()),
        None,
    )
    .await;
    eventually("the unboost on a", || async {
        let (_, s) = a
            .get(
                &format!("/api/v1/statuses/{}", original["id"].as_str().unwrap()),
                Some(&alice.token),
            )
            .await;
        (s["reblogs_count"] == json!(0)).then_some(())
    })
    .await;

    // Alice edits; b shows the new text.
    act(
        &a,
        &alice,
        reqwest::Method::PUT,
        &format!("/api/v1/statuses/{}", original["id"].as_str().unwrap()),
        Some(json!({"status": "first, edited"})),
    )
    .await;
    eventually("the edit on b", || async {
        let (_, s) = b
            .get(
                &format!("/api/v1/statuses/{}", on_b["id"].as_str().unwrap()),
                Some(&bob.token),
            )
            .await;
        (s["content"].as_str()?.contains("edited") && s["edited_at"].is_string()).then_some(())
    })
    .await;

    // Alice renames herself; b refreshes her profile.
    act(
        &a,
        &alice,
        reqwest::Method::PATCH,
        "/api/v1/accounts/update_credentials",
        Some(json!({"display_name": "Alice A."})),
    )
    .await;
    let alice_on_b = b
        .resolve(&bob.token, &format!("alice@{}", a.domain()))
        .await;
    eventually("the new name on b", || async {
        let (_, acc) = b
            .get(&format!("/api/v1/accounts/{alice_on_b}"), Some(&bob.token))
            .await;
        (acc["display_name"] == json!("Alice A.")).then_some(())
    })
    .await;
}

#[tokio::test]
async fn direct_and_followers_only_posts_reach_exactly_their_audience() {
    let (a, b) = federated_pair().await;
    let c = TestServer::start_with(federating).await;
    let alice = a.user("alice").await;
    let bob = b.user("bob").await;
    let carol = c.user("carol").await;
    let dave = b.user("dave").await;
    // Bob (b) and carol (c) follow alice; dave (b) does not.
    remote_follower(&a, &b, &alice, &bob).await;
    remote_follower(&a, &c, &alice, &carol).await;

    let dm = post(
        &a,
        &alice,
        json!({"status": format!("@bob@{} just you", b.domain()), "visibility": "direct"}),
    )
    .await;
    let private = post(
        &a,
        &alice,
        json!({"status": "followers only", "visibility": "private"}),
    )
    .await;
    // Bob gets both; the DM as a conversation.
    eventually("the DM for bob", || async {
        let (_, convs) = b.get("/api/v1/conversations", Some(&bob.token)).await;
        convs
            .as_array()?
            .iter()
            .find(|c| c["last_status"]["uri"] == dm["uri"])
            .map(|_| ())
    })
    .await;
    eventually("the private post for carol", || async {
        in_home(&c, &carol, &private["uri"]).await
    })
    .await;
    // Carol never gets the DM; dave (same server as bob) cannot read either.
    let (_, search) = c
        .get(
            &format!(
                "/api/v2/search?q={}&resolve=true",
                dm["uri"].as_str().unwrap()
            ),
            Some(&carol.token),
        )
        .await;
    assert_eq!(search["statuses"], json!([]), "the DM is not fetchable");
    assert!(in_home(&c, &carol, &dm["uri"]).await.is_none());
    let dm_on_b = b
        .app
        .store
        .get_status_by_uri(dm["uri"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    let (status, _) = b
        .get(
            &format!("/api/v1/statuses/{}", dm_on_b.id),
            Some(&dave.token),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let private_on_b = b
        .app
        .store
        .get_status_by_uri(private["uri"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    let (status, _) = b
        .get(
            &format!("/api/v1/statuses/{}", private_on_b.id),
            Some(&dave.token),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // And an unsigned fetch of either from a is refused.
    for uri in [&dm["uri"], &private["uri"]] {
        let resp = a
            .http
            .get(uri.as_str().unwrap())
            .header("accept", "application/activity+json")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn blocks_reports_and_domain_blocks_cross_over() {
    let (a, b) = federated_pair().await;
    let alice = a.user("alice").await;
    let bob = b.user("bob").await;
    remote_follower(&a, &b, &alice, &bob).await;
    let bob_on_a = a
        .resolve(&alice.token, &format!("bob@{}", b.domain()))
        .await;
    let alice_on_b = b
        .resolve(&bob.token, &format!("alice@{}", a.domain()))
        .await;

    // Alice reports bob's post and forwards the report: b gets a Flag.
    let bad = post(&b, &bob, json!({"status": "something reportable"})).await;
    let bad_on_a = eventually("bob's post on a", || async {
        let (_, r) = a
            .get(
                &format!(
                    "/api/v2/search?q={}&resolve=true",
                    bad["uri"].as_str().unwrap()
                ),
                Some(&alice.token),
            )
            .await;
        r["statuses"].as_array()?.first().cloned()
    })
    .await;
    let report = act(
        &a,
        &alice,
        reqwest::Method::POST,
        "/api/v1/reports",
        Some(json!({"account_id": bob_on_a, "status_ids": [bad_on_a["id"]], "comment": "spam", "forward": true})),
    )
    .await;
    assert_eq!(report["forwarded"], json!(true));
    let bob_id: i64 = bob.id.parse().unwrap();
    let reports = eventually("the Flag on b", || async {
        let r = b.app.store.reports_against(bob_id).await.unwrap();
        (!r.is_empty()).then_some(r)
    })
    .await;
    assert_eq!(reports[0].2, "spam");
    assert_eq!(
        reports[0].1.0,
        vec![bad["id"].as_str().unwrap().parse::<i64>().unwrap()]
    );

    // Alice blocks bob: b drops bob's follow of alice.
    act(
        &a,
        &alice,
        reqwest::Method::POST,
        &format!("/api/v1/accounts/{bob_on_a}/block"),
        None,
    )
    .await;
    eventually("the block severing the follow on b", || async {
        let rel = relationship(&b, &bob.token, &alice_on_b).await;
        (rel["following"] == json!(false)).then_some(())
    })
    .await;

    // b suspends a's domain: a's posts no longer get in, and a gives up.
    b.app
        .store
        .put_domain_block(&a.domain(), "suspend")
        .await
        .unwrap();
    act(
        &a,
        &alice,
        reqwest::Method::POST,
        &format!("/api/v1/accounts/{bob_on_a}/unblock"),
        None,
    )
    .await;
    let posted = post(
        &a,
        &alice,
        json!({"status": format!("@bob@{} hello?", b.domain())}),
    )
    .await;
    eventually("a's deliveries to b to be given up", || async {
        (a.app.store.count_pending_jobs().await.unwrap() == 0).then_some(())
    })
    .await;
    assert!(
        b.app
            .store
            .get_status_by_uri(posted["uri"].as_str().unwrap())
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn held_remote_posts_wait_for_a_moderator() {
    let a = TestServer::start_with(|c| {
        federating(c);
        c.moderation.review_remote = "all".into();
    })
    .await;
    let b = TestServer::start_with(federating).await;
    let alice = a.user("alice").await;
    let admin = a.admin("modder").await;
    let bob = b.user("bob").await;
    remote_follower(&b, &a, &bob, &alice).await;
    let first = post(&b, &bob, json!({"status": "needs review"})).await;
    let second = post(&b, &bob, json!({"status": "also held"})).await;

    // Both wait in the queue, shown nowhere.
    let held = eventually("two held posts", || async {
        let (_, held) = a
            .get("/api/v1/admin/held_statuses", Some(&admin.token))
            .await;
        held.as_array().filter(|h| h.len() == 2).cloned()
    })
    .await;
    assert!(in_home(&a, &alice, &first["uri"]).await.is_none());
    let (_, public) = a.get("/api/v1/timelines/public", Some(&alice.token)).await;
    assert_eq!(public, json!([]));
    let (_, found) = a
        .get(
            &format!("/api/v2/search?q={}", first["uri"].as_str().unwrap()),
            Some(&alice.token),
        )
        .await;
    assert_eq!(found["statuses"], json!([]));
    // Only moderators see the queue.
    let (status, _) = a
        .get("/api/v1/admin/held_statuses", Some(&alice.token))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let id_of = |uri: &Value| {
        held.iter().find(|h| h["uri"] == *uri).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (status, approved) = a
        .request(
            reqwest::Method::POST,
            &format!(
                "/api/v1/admin/held_statuses/{}/approve",
                id_of(&first["uri"])
            ),
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{approved}");
    assert_eq!(approved["uri"], first["uri"]);
    assert!(in_home(&a, &alice, &first["uri"]).await.is_some());
    let (status, _) = a
        .request(
            reqwest::Method::POST,
            &format!(
                "/api/v1/admin/held_statuses/{}/reject",
                id_of(&second["uri"])
            ),
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, held) = a
        .get("/api/v1/admin/held_statuses", Some(&admin.token))
        .await;
    assert_eq!(held, json!([]));
    assert!(in_home(&a, &alice, &second["uri"]).await.is_none());
}

#[tokio::test]
async fn admin_domain_blocks_refuse_a_server_until_lifted() {
    let (a, b) = federated_pair().await;
    let admin = a.admin("operator").await;
    let alice = a.user("alice").await;
    b.user("bob").await;
    // Validation first: nothing is stored.
    let (status, _) = a
        .request(
            reqwest::Method::POST,
            "/api/v1/admin/domain_blocks",
            Some(&admin.token),
            Some(json!({"domain": b.domain(), "severity": "obliterate"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = a
        .request(
            reqwest::Method::POST,
            "/api/v1/admin/domain_blocks",
            Some(&alice.token),
            Some(json!({"domain": b.domain(), "severity": "suspend"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, block) = a
        .request(
            reqwest::Method::POST,
            "/api/v1/admin/domain_blocks",
            Some(&admin.token),
            Some(json!({"domain": b.domain(), "severity": "suspend"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{block}");
    assert_eq!(block["severity"], json!("suspend"));
    // Lookups of the blocked server fail without asking it.
    let (status, _) = a
        .get(
            &format!("/api/v1/accounts/lookup?acct=bob@{}", b.domain()),
            Some(&alice.token),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, peers) = a.get("/api/v1/instance/peers", None).await;
    assert!(!peers.as_array().unwrap().contains(&json!(b.domain())));
    // Lifted: the lookup works.
    let (status, _) = a
        .request(
            reqwest::Method::DELETE,
            &format!(
                "/api/v1/admin/domain_blocks/{}",
                block["id"].as_str().unwrap()
            ),
            Some(&admin.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    a.resolve(&alice.token, &format!("bob@{}", b.domain()))
        .await;
}

#[tokio::test]
async fn authorized_fetch_needs_a_signature_except_for_the_instance_actor() {
    let a = TestServer::start_with(|c| {
        federating(c);
        c.federation.authorized_fetch = true;
    })
    .await;
    let b = TestServer::start_with(federating).await;
    let alice = a.user("alice").await;
    let bob = b.user("bob").await;
    let get = |url: String| {
        let http = a.http.clone();
        async move {
            http.get(url)
                .header("accept", "application/activity+json")
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    // Unsigned: the actor is refused, the instance actor is served.
    assert_eq!(get(a.url("/users/alice")).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        get(a.url("/users/alice/followers")).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(get(a.url("/actor")).await, StatusCode::OK);
    // b's signed GETs work: bob resolves and follows alice, and gets her posts.
    remote_follower(&a, &b, &alice, &bob).await;
    let posted = post(&a, &alice, json!({"status": "secure mode"})).await;
    eventually("the post on b", || async {
        in_home(&b, &bob, &posted["uri"]).await
    })
    .await;
    // A post b has never received is fetched, signed, through b's search.
    let carol = a.user("carol").await;
    let unseen = post(&a, &carol, json!({"status": "fetch me"})).await;
    let uri = unseen["uri"].as_str().unwrap();
    assert!(b.app.store.get_status_by_uri(uri).await.unwrap().is_none());
    let (_, found) = b
        .get(
            &format!("/api/v2/search?q={uri}&resolve=true"),
            Some(&bob.token),
        )
        .await;
    assert_eq!(found["statuses"][0]["uri"], unseen["uri"]);
    assert_eq!(get(uri.to_string()).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_silenced_server_stays_out_of_public_timelines_but_reaches_followers() {
    let (a, b) = federated_pair().await;
    let admin = a.admin("operator").await;
    let alice = a.user("alice").await;
    let bob = b.user("bob").await;
    remote_follower(&b, &a, &bob, &alice).await;
    let (status, _) = a
        .request(
            reqwest::Method::POST,
            "/api/v1/admin/domain_blocks",
            Some(&admin.token),
            Some(json!({"domain": b.domain(), "severity": "silence", "reject_media": true})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let posted = post(&b, &bob, json!({"status": "quiet please"})).await;
    let seen = eventually("the post in alice's home", || async {
        in_home(&a, &alice, &posted["uri"]).await
    })
    .await;
    assert_eq!(
        seen["account"]["acct"],
        json!(format!("bob@{}", b.domain()))
    );
    let (_, public) = a.get("/api/v1/timelines/public", Some(&alice.token)).await;
    assert!(
        !public
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["uri"] == posted["uri"])
    );
}

#[tokio::test]
async fn remote_polls_arrive_and_votes_go_back_to_their_author() {
    let (a, b) = federated_pair().await;
    let alice = a.user("alice").await;
    let bob = b.user("bob").await;
    remote_follower(&b, &a, &bob, &alice).await;
    let question = post(
        &b,
        &bob,
        json!({"status": "tea or coffee?", "poll": {"options": ["tea", "coffee"], "expires_in": 3600}}),
    )
    .await;
    let on_a = eventually("the poll on a", || async {
        in_home(&a, &alice, &question["uri"]).await
    })
    .await;
    let poll = &on_a["poll"];
    assert_eq!(poll["options"][0]["title"], json!("tea"));
    assert_eq!(poll["options"][1]["title"], json!("coffee"));
    assert_eq!(poll["expired"], json!(false));
    let (status, voted) = a
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/polls/{}/votes", poll["id"].as_str().unwrap()),
            Some(&alice.token),
            Some(json!({"choices": [1]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{voted}");
    assert_eq!(voted["options"][1]["votes_count"], json!(1));
    assert_eq!(voted["own_votes"], json!([1]));
    // The vote reaches bob's server and counts there.
    let poll_on_b = question["poll"]["id"].as_str().unwrap().to_string();
    eventually("the vote on b", || async {
        let (_, p) = b
            .get(&format!("/api/v1/polls/{poll_on_b}"), Some(&bob.token))
            .await;
        (p["options"][1]["votes_count"] == json!(1) && p["voters_count"] == json!(1)).then_some(())
    })
    .await;
}

#[tokio::test]
async fn outbox_pages_posts_and_remote_profiles_show_remote_counts() {
    let (a, b) = federated_pair().await;
    let alice = a.user("alice").await;
    let bob = b.user("bob").await;
    let carol = b.user("carol").await;
    for i in 0..3 {
        post(&b, &bob, json!({"status": format!("post {i}")})).await;
    }
    post(
        &b,
        &bob,
        json!({"status": "not in the outbox", "visibility": "private"}),
    )
    .await;
    // carol follows bob on b: one follower.
    act(
        &b,
        &carol,
        reqwest::Method::POST,
        &format!("/api/v1/accounts/{}/follow", bob.id),
        None,
    )
    .await;

    let outbox = format!("{}/users/bob/outbox", b.base);
    let get = |url: String| {
        let http = b.http.clone();
        async move {
            http.get(url)
                .header("accept", "application/activity+json")
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let summary = get(outbox.clone()).await;
    assert_eq!(summary["totalItems"], json!(4));
    let page = get(summary["first"].as_str().unwrap().to_string()).await;
    let items = page["orderedItems"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(items[0]["type"], json!("Create"));
    assert!(
        items[0]["object"]["content"]
            .as_str()
            .unwrap()
            .contains("post 2")
    );

    // a shows bob's counts as b reports them.
    let bob_on_a = a
        .resolve(&alice.token, &format!("bob@{}", b.domain()))
        .await;
    eventually("bob's counts on a", || async {
        let (_, acc) = a
            .get(&format!("/api/v1/accounts/{bob_on_a}"), Some(&alice.token))
            .await;
        (acc["statuses_count"] == json!(4) && acc["followers_count"] == json!(1)).then_some(())
    })
    .await;
}

#[tokio::test]
async fn a_host_failing_on_seven_days_is_skipped_until_it_answers() {
    let (a, mut b) = federated_pair().await;
    let alice = a.user("alice").await;
    let bob = b.user("bob").await;
    remote_follower(&a, &b, &alice, &bob).await;
    // Six failing days are on record already; the seventh comes now.
    let domain = b.domain();
    let changed = sql_execute(
        &a.app,
        &format!("UPDATE instances SET failure_days = 6, last_failure_day = '2000-01-01', last_success_at = NULL WHERE domain = '{domain}'"),
    )
    .await;
    assert_eq!(changed, 1);
    a.app.store.cache.healthy_hosts.clear();
    b.pause().await;
    post(&a, &alice, json!({"status": "into the void"})).await;
    eventually("b to be marked unavailable", || async {
        a.app
            .store
            .instance_unavailable(&domain)
            .await
            .unwrap()
            .then_some(())
    })
    .await;
    b.resume().await;
    // While marked, deliveries to b are dropped without trying.
    let skipped = post(&a, &alice, json!({"status": "skipped"})).await;
    eventually("the skipped delivery to finish", || async {
        (a.app.store.count_pending_jobs().await.unwrap() == 0).then_some(())
    })
    .await;
    assert!(in_home(&b, &bob, &skipped["uri"]).await.is_none());
    // Any verified request from b clears the mark: bob likes alice's post.
    let first = post(&a, &alice, json!({"status": "are you back?"})).await;
    let (status, found) = b
        .get(
            &format!(
                "/api/v2/search?q={}&resolve=true",
                first["uri"].as_str().unwrap()
            ),
            Some(&bob.token),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let id = found["statuses"][0]["id"].as_str().unwrap().to_string();
    act(
        &b,
        &bob,
        reqwest::Method::POST,
        &format!("/api/v1/statuses/{id}/favourite"),
        None,
    )
    .await;
    eventually("the mark to clear", || async {
        (!a.app.store.instance_unavailable(&domain).await.unwrap()).then_some(())
    })
    .await;
    let back = post(&a, &alice, json!({"status": "welcome back"})).await;
    eventually("deliveries to resume", || async {
        in_home(&b, &bob, &back["uri"]).await
    })
    .await;
}

#[tokio::test]
async fn a_deleted_account_disappears_from_other_servers() {
    let (a, b) = federated_pair().await;
    let alice = a.user("alice").await;
    let bob = b.user("bob").await;
    remote_follower(&a, &b, &alice, &bob).await;
    let posted = post(&a, &alice, json!({"status": "goodbye soon"})).await;
    eventually("the post on b", || async {
        in_home(&b, &bob, &posted["uri"]).await
    })
    .await;

    let account = a
        .app
        .store
        .get_local_account_by_username("alice")
        .await
        .unwrap()
        .unwrap();
    roost::service::accounts::delete_account(&a.app, &account)
        .await
        .unwrap();
    // Locally: no posts, no sign-in, the token is gone.
    let (status, _) = a
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Remotely: the account and its posts are gone.
    eventually("alice gone from b", || async {
        b.app
            .store
            .get_account_by_uri(&account.uri)
            .await
            .unwrap()
            .is_none()
            .then_some(())
    })
    .await;
    assert!(in_home(&b, &bob, &posted["uri"]).await.is_none());
}

#[tokio::test]
async fn bad_reports_are_refused_and_store_nothing() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let carol = s.user("carol").await;
    let carols = post(&s, &carol, json!({"status": "not bob's"})).await;
    let cases = [
        json!({"account_id": bob.id, "comment": "x".repeat(1001)}),
        json!({"account_id": bob.id, "category": "boredom"}),
        json!({"account_id": bob.id, "status_ids": [carols["id"]]}),
        json!({"account_id": alice.id}),
    ];
    for body in cases {
        let (status, out) = s
            .request(
                reqwest::Method::POST,
                "/api/v1/reports",
                Some(&alice.token),
                Some(body.clone()),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body} {out}");
    }
    let (status, _) = s
        .request(
            reqwest::Method::POST,
            "/api/v1/reports",
            Some(&alice.token),
            Some(json!({"account_id": "999"})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Issue 15: bob's followers-only post, which alice cannot see, answers
    // exactly as a post that does not exist.
    let bobs_private = post(&s, &bob, json!({"status": "mine", "visibility": "private"})).await;
    let mut answers = Vec::new();
    for id in [bobs_private["id"].clone(), json!("1")] {
        let (status, out) = s
            .request(
                reqwest::Method::POST,
                "/api/v1/reports",
                Some(&alice.token),
                Some(json!({"account_id": bob.id, "status_ids": [id]})),
            )
            .await;
        answers.push((status, out));
    }
    assert_eq!(answers[0].0, StatusCode::NOT_FOUND, "{:?}", answers[0]);
    assert_eq!(answers[0], answers[1]);
    let bob_id: i64 = bob.id.parse().unwrap();
    assert!(
        s.app
            .store
            .reports_against(bob_id)
            .await
            .unwrap()
            .is_empty()
    );
    // A good one is filed, not forwarded (bob is local).
    let (status, report) = s
        .request(
            reqwest::Method::POST,
            "/api/v1/reports",
            Some(&alice.token),
            Some(json!({"account_id": bob.id, "comment": "spam", "category": "spam", "forward": true})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["forwarded"], json!(false));
    assert_eq!(report["category"], json!("spam"));
    assert_eq!(s.app.store.reports_against(bob_id).await.unwrap().len(), 1);
}

/// GETs `url` as ActivityPub JSON: (status, content type, body).
pub(crate) async fn ap_get(s: &TestServer, url: &str) -> (StatusCode, String, Value) {
    let resp = s
        .http
        .get(url)
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let kind = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, kind, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn replies_collections_activity_ids_and_the_instance_outbox_resolve() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let carol = s.user("carol").await;
    let original = post(&s, &alice, json!({"status": "a thread"})).await;
    let reply_to = |text: &str, visibility: &str| json!({"status": text, "in_reply_to_id": original["id"], "visibility": visibility});
    let own = post(&s, &alice, reply_to("more", "public")).await;
    let other = post(&s, &carol, reply_to("@alice nice", "unlisted")).await;
    post(&s, &carol, reply_to("@alice psst", "private")).await;
    let uri = original["uri"].as_str().unwrap();

    // The collection embeds its first page (the author's own replies),
    // which leads on to everyone else's; followers-only replies stay out.
    let (status, _, replies) = ap_get(&s, &format!("{uri}/replies")).await;
    assert_eq!(status, StatusCode::OK, "{replies}");
    assert_eq!(replies["type"], "Collection");
    assert_eq!(replies["first"]["items"], json!([own["uri"]]));
    let next = replies["first"]["next"].as_str().unwrap().to_string();
    let (_, _, page) = ap_get(&s, &next).await;
    assert_eq!(page["items"], json!([other["uri"]]), "{page}");
    assert!(page.get("next").is_none(), "{page}");
    // The Note points at the same chain.
    let (_, _, note) = ap_get(&s, uri).await;
    let (_, _, first) = ap_get(&s, note["replies"]["first"]["next"].as_str().unwrap()).await;
    assert_eq!(first["items"], json!([own["uri"]]));

    // Every activity id resolves: a post's Create and a boost's Announce,
    // whose id is the boost's uri (not `…/activity/activity`).
    let (status, _, create) = ap_get(&s, &format!("{uri}/activity")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (create["type"].as_str(), create["id"].as_str()),
        (Some("Create"), Some(format!("{uri}/activity").as_str()))
    );
    let (_, boost) = s
        .request(
            reqwest::Method::POST,
            &format!(
                "/api/v1/statuses/{}/reblog",
                original["id"].as_str().unwrap()
            ),
            Some(&carol.token),
            None,
        )
        .await;
    let boost_uri = boost["uri"].as_str().unwrap();
    assert!(!boost_uri.ends_with("/activity/activity"), "{boost_uri}");
    let (status, _, announce) = ap_get(&s, boost_uri).await;
    assert_eq!(status, StatusCode::OK, "{announce}");
    assert_eq!(
        (announce["type"].as_str(), announce["id"].as_str()),
        (Some("Announce"), Some(boost_uri))
    );
    assert_eq!(announce["object"], original["uri"]);

    // The instance actor has an (empty) outbox.
    let (_, _, actor) = ap_get(&s, &s.url("/actor")).await;
    let (status, _, outbox) = ap_get(&s, actor["outbox"].as_str().unwrap()).await;
    assert_eq!(
        (status, outbox["totalItems"].as_i64()),
        (StatusCode::OK, Some(0))
    );

    // Unknown ActivityPub paths answer JSON, not an HTML page.
    for path in [
        format!("{uri}/likes/elsewhere"),
        s.url("/users/nobody/statuses/1/replies"),
        format!("{}/replies", s.url(&format!("/users/alice/statuses/{}", 1))),
    ] {
        let (status, kind, body) = ap_get(&s, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(kind.starts_with("application/json"), "{path}: {kind}");
        assert_eq!(body["error"], "Record not found");
    }
}
