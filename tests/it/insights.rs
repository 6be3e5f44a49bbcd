//! Insights (issue 17): after a scripted day, a user's figures are exactly
//! what happened: followers gained and lost, profile views once per viewer
//! per day (signed in or not), a post's reach and engagement; nobody else
//! reads them; nothing is recorded for an account that turned them off.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::*;
use crate::federation::post;

async fn insights(s: &TestServer, user: &TestUser, days: &str) -> (StatusCode, Value) {
    roost::service::analytics::flush(&s.app).await.unwrap();
    s.get(
        &format!("/api/v1/roost/insights?days={days}"),
        Some(&user.token),
    )
    .await
}

#[tokio::test]
async fn a_scripted_day_gives_exactly_its_figures() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let carol = s.user("carol").await;
    let dave = s.user("dave").await;
    for f in [&bob, &carol, &dave] {
        act(
            &s,
            f,
            Method::POST,
            &format!("/api/v1/accounts/{}/follow", alice.id),
            None,
        )
        .await;
    }
    act(
        &s,
        &dave,
        Method::POST,
        &format!("/api/v1/accounts/{}/unfollow", alice.id),
        None,
    )
    .await;
    // Views: bob twice, carol once, one anonymous browser on the page, and
    // alice herself (not counted).
    for viewer in [&bob, &bob, &carol, &alice] {
        let (status, _) = s
            .get(
                &format!("/api/v1/accounts/{}", alice.id),
                Some(&viewer.token),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    let page = reqwest::Client::new()
        .get(s.url("/@alice"))
        .header("user-agent", "insights-test-browser")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    // A post its followers get, favourited, boosted and replied to.
    let p = post(&s, &alice, json!({"status": "a post to measure"})).await;
    let id = p["id"].as_str().unwrap();
    act(
        &s,
        &bob,
        Method::POST,
        &format!("/api/v1/statuses/{id}/favourite"),
        None,
    )
    .await;
    act(
        &s,
        &carol,
        Method::POST,
        &format!("/api/v1/statuses/{id}/reblog"),
        None,
    )
    .await;
    post(
        &s,
        &dave,
        json!({"status": "a reply", "in_reply_to_id": id}),
    )
    .await;

    let (status, i) = insights(&s, &alice, "7").await;
    assert_eq!(status, StatusCode::OK, "{i}");
    assert_eq!(i["enabled"], true);
    assert_eq!(i["followers"]["gained"], 3, "{i}");
    assert_eq!(i["followers"]["lost"], 1);
    let days = i["followers"]["by_day"].as_array().unwrap();
    assert_eq!(days.len(), 7);
    let today = days.last().unwrap();
    assert_eq!(
        (
            today["gained"].as_i64(),
            today["lost"].as_i64(),
            today["total"].as_i64()
        ),
        (Some(3), Some(1), Some(2))
    );
    assert_eq!(days[0]["total"], 0, "no followers a week ago: {i}");
    assert_eq!(i["profile_views"]["total"], 3, "{i}");
    assert_eq!(
        i["profile_views"]["by_day"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()["views"],
        3
    );
    assert_eq!(i["posts"], json!({"count": 1, "reach": 2, "engagement": 3}));
    let top = json!({"id": id, "reach": 2, "remote_reach": 0, "favourites": 1, "reblogs": 1, "replies": 1});
    assert_eq!(i["top_statuses"], json!([top]));

    // The same viewers again the same day change nothing.
    s.get(&format!("/api/v1/accounts/{}", alice.id), Some(&bob.token))
        .await;
    let (_, again) = insights(&s, &alice, "7").await;
    assert_eq!(again["profile_views"]["total"], 3);

    // One post's figures: its author only.
    let (status, one) = s
        .get(
            &format!("/api/v1/roost/statuses/{id}/insights"),
            Some(&alice.token),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one, top);
    let (status, _) = s
        .get(
            &format!("/api/v1/roost/statuses/{id}/insights"),
            Some(&bob.token),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = s
        .get(&format!("/api/v1/roost/statuses/{id}/insights"), None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Bob's insights know nothing of alice's; bad windows are refused.
    let (_, b) = insights(&s, &bob, "30").await;
    assert_eq!(b["profile_views"]["total"], 0);
    assert_eq!(b["followers"]["gained"], 0);
    for bad in ["0", "91", "abc", "-3"] {
        let (status, e) = insights(&s, &alice, bad).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {e}");
        assert!(e["error"].as_str().unwrap().contains("days"), "{e}");
    }
    let (status, default) = s.get("/api/v1/roost/insights", Some(&alice.token)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(default["followers"]["by_day"].as_array().unwrap().len(), 30);
}

#[tokio::test]
async fn nothing_is_recorded_for_an_account_with_insights_off() {
    let s = TestServer::start().await;
    let carol = s.user("carol").await;
    let bob = s.user("bob").await;
    let account = s
        .app
        .store
        .get_account(carol.id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    roost::service::analytics::set_enabled(&s.app, &account, false)
        .await
        .unwrap();
    act(
        &s,
        &bob,
        Method::POST,
        &format!("/api/v1/accounts/{}/follow", carol.id),
        None,
    )
    .await;
    s.get(&format!("/api/v1/accounts/{}", carol.id), Some(&bob.token))
        .await;
    let p = post(&s, &carol, json!({"status": "unmeasured"})).await;
    let (_, i) = insights(&s, &carol, "1").await;
    assert_eq!(i["enabled"], false);
    assert_eq!(i["followers"]["gained"], 0, "{i}");
    assert_eq!(i["profile_views"]["total"], 0);
    assert_eq!(i["posts"]["reach"], 0);
    // Counts stay: they are the post's own, not recorded analytics.
    assert_eq!(i["posts"]["count"], 1);
    assert_eq!(
        sql_count(&s.app, "SELECT COUNT(*) FROM daily_uniques").await,
        0
    );
    assert_eq!(
        sql_count(
            &s.app,
            &format!(
                "SELECT COUNT(*) FROM status_reach WHERE status_id = {}",
                p["id"].as_str().unwrap()
            )
        )
        .await,
        0
    );
}

#[tokio::test]
async fn admin_measures_retention_and_activity_answer_in_mastodons_shapes() {
    let s = TestServer::start().await;
    let boss = s.admin("boss").await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    for u in [&boss, &alice, &bob] {
        let (status, _) = s
            .get("/api/v1/accounts/verify_credentials", Some(&u.token))
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    act(
        &s,
        &bob,
        Method::POST,
        &format!("/api/v1/accounts/{}/follow", alice.id),
        None,
    )
    .await;
    let p = post(&s, &alice, json!({"status": "counted #measured"})).await;
    let id = p["id"].as_str().unwrap();
    act(
        &s,
        &bob,
        Method::POST,
        &format!("/api/v1/statuses/{id}/favourite"),
        None,
    )
    .await;
    post(&s, &bob, json!({"status": "a reply", "in_reply_to_id": id})).await;
    act(
        &s,
        &bob,
        Method::POST,
        "/api/v1/reports",
        Some(json!({"account_id": alice.id})),
    )
    .await;
    roost::service::analytics::flush(&s.app).await.unwrap();
    let (_, tag) = s.get("/api/v1/tags/measured", Some(&alice.token)).await;
    let tag_id = tag["id"].as_str().unwrap().to_string();

    let today = chrono::Utc::now().date_naive();
    let week_ago = today - chrono::Duration::days(6);
    let measures = |body: Value, who: &TestUser| {
        let s = &s;
        let token = who.token.clone();
        async move {
            s.request(
                Method::POST,
                "/api/v1/admin/measures",
                Some(&token),
                Some(body),
            )
            .await
        }
    };
    let (status, m) = measures(
        json!({
            "keys": ["new_users", "active_users", "interactions", "opened_reports",
                     "resolved_reports", "tag_uses", "nonsense", "instance_accounts"],
            "start_at": week_ago.to_string(),
            "end_at": format!("{today}T12:00:00Z"),
            "tag_uses": {"id": tag_id},
            "instance_accounts": {"domain": "remote.example"},
        }),
        &boss,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{m}");
    let keys: Vec<&str> = m
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "new_users",
            "active_users",
            "interactions",
            "opened_reports",
            "resolved_reports",
            "tag_uses",
            "instance_accounts"
        ]
    );
    let total = |k: usize| m[k]["total"].as_str().unwrap().to_string();
    assert_eq!(total(0), "3", "{m}");
    assert_eq!(m[0]["previous_total"], "0");
    assert_eq!(m[0]["unit"], Value::Null);
    let data = m[0]["data"].as_array().unwrap();
    assert_eq!(data.len(), 7);
    assert_eq!(
        data[6],
        json!({"date": format!("{today}T00:00:00Z"), "value": "3"})
    );
    assert_eq!(data[0]["value"], "0");
    assert_eq!(total(1), "3", "active users: {m}");
    assert_eq!(total(2), "3", "a follow, a favourite and a reply: {m}");
    assert_eq!(total(3), "1");
    assert_eq!(total(4), "0");
    assert_eq!(total(5), "1");
    assert_eq!(total(6), "0");
    assert!(
        m[6].get("previous_total").is_none(),
        "all-time totals have none: {m}"
    );

    // Refusals: not staff, a key without its parameter, an unknown
    // hashtag, bad dates.
    let body = json!({"keys": ["new_users"], "start_at": week_ago.to_string(), "end_at": today.to_string()});
    let (status, _) = measures(body.clone(), &alice).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, e) = measures(json!({"keys": ["tag_uses"], "start_at": week_ago.to_string(), "end_at": today.to_string()}), &boss).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{e}");
    let (status, _) = measures(json!({"keys": ["tag_uses"], "tag_uses": {"id": "424242"}, "start_at": week_ago.to_string(), "end_at": today.to_string()}), &boss).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for (start, end) in [
        ("", "2026-01-01"),
        ("yesterday", "2026-01-01"),
        ("2026-02-01", "2026-01-01"),
        ("2020-01-01", "2026-01-01"),
    ] {
        let (status, e) = measures(
            json!({"keys": ["new_users"], "start_at": start, "end_at": end}),
            &boss,
        )
        .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{start}..{end}: {e}"
        );
    }

    // Retention: today's three sign-ups, all active today.
    let (status, r) = s
        .request(
            Method::POST,
            "/api/v1/admin/retention",
            Some(&boss.token),
            Some(json!({"start_at": (today - chrono::Duration::days(1)).to_string(), "end_at": today.to_string(), "frequency": "day"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r.as_array().unwrap().len(), 2, "{r}");
    assert_eq!(r[0]["data"].as_array().unwrap().len(), 2);
    assert_eq!(r[0]["data"][0]["value"], "0");
    assert_eq!(r[1]["period"], format!("{today}T00:00:00Z"));
    assert_eq!(r[1]["frequency"], "day");
    assert_eq!(
        r[1]["data"],
        json!([{"date": format!("{today}T00:00:00Z"), "rate": 1.0, "value": "3"}])
    );

    // The public weekly activity.
    let (status, a) = s.get("/api/v1/instance/activity", None).await;
    assert_eq!(status, StatusCode::OK, "{a}");
    let weeks = a.as_array().unwrap();
    assert_eq!(weeks.len(), 12);
    assert_eq!(weeks[0]["statuses"], "2", "{a}");
    assert_eq!(weeks[0]["logins"], "3");
    assert_eq!(weeks[0]["registrations"], "3");
    assert_eq!(weeks[1]["statuses"], "0");
    assert!(
        weeks[0]["week"].as_str().unwrap().parse::<i64>().unwrap()
            > weeks[1]["week"].as_str().unwrap().parse::<i64>().unwrap()
    );
}

#[tokio::test]
async fn the_insights_page_draws_the_figures_and_turns_recording_off() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    act(
        &s,
        &bob,
        Method::POST,
        &format!("/api/v1/accounts/{}/follow", alice.id),
        None,
    )
    .await;
    s.get(&format!("/api/v1/accounts/{}", alice.id), Some(&bob.token))
        .await;
    let p = post(&s, &alice, json!({"status": "on the page"})).await;
    let id = p["id"].as_str().unwrap();
    act(
        &s,
        &bob,
        Method::POST,
        &format!("/api/v1/statuses/{id}/favourite"),
        None,
    )
    .await;
    roost::service::analytics::flush(&s.app).await.unwrap();

    // Signed out, the page asks to sign in.
    let anonymous = browser();
    let resp = anonymous.get(s.url("/insights")).send().await.unwrap();
    assert!(resp.status().is_redirection(), "{}", resp.status());
    assert!(
        resp.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/auth/sign_in")
    );

    let b = crate::settings::signed_in(&s, "alice@example.org").await;
    let (status, html) = form_page(&b, &s.url("/insights")).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    for (what, text) in [
        ("followers", r#"id="followers">1<"#),
        ("views", r#"id="views">1<"#),
        ("posts", r#"id="posts">1<"#),
        ("reach", r#"id="reach">1<"#),
        ("engagement", r#"id="engagement">1<"#),
        ("the top post", &format!(r#"href="/@alice/{id}""#)),
        ("the switch", "Turn insights off"),
    ] {
        assert!(html.contains(text), "{what}: {html}");
    }
    assert_eq!(html.matches(r#"<svg class="chart""#).count(), 2);
    assert_eq!(
        html.matches(r#"<rect class="bar""#).count(),
        30,
        "a bar a day"
    );
    let (_, week) = form_page(&b, &s.url("/insights?days=7")).await;
    assert_eq!(week.matches(r#"<rect class="bar""#).count(), 7);
    assert!(week.contains("<strong>7 days</strong>"));

    // The switch: a stale form changes nothing; the real one turns it off.
    let resp = b
        .post(s.url("/insights/settings"))
        .form(&[("csrf_token", "stale"), ("enabled", "off")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let (_, i) = s.get("/api/v1/roost/insights", Some(&alice.token)).await;
    assert_eq!(i["enabled"], true);
    let csrf = csrf_of(&html);
    let resp = b
        .post(s.url("/insights/settings"))
        .form(&[("csrf_token", csrf.as_str()), ("enabled", "off")])
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_redirection(), "{}", resp.status());
    let (_, i) = s.get("/api/v1/roost/insights", Some(&alice.token)).await;
    assert_eq!(i["enabled"], false);
    let (_, off) = form_page(&b, &s.url("/insights")).await;
    assert!(off.contains(r#"id="insights-off""#));
    assert!(off.contains("Turn insights on"));
}

#[tokio::test]
async fn remote_followers_count_in_reach_and_other_servers_in_the_dimensions() {
    let (a, b) = federated_pair().await;
    let boss = a.admin("boss").await;
    let alice = a.user("alice").await;
    let bob = b.user("bob").await;
    let carol = b.user("carol").await;
    let dave = b.user("dave").await;
    // Two followers on b; one local follower on a.
    crate::federation::remote_follower(&a, &b, &alice, &bob).await;
    crate::federation::remote_follower(&a, &b, &alice, &carol).await;
    act(
        &a,
        &boss,
        Method::POST,
        &format!("/api/v1/accounts/{}/follow", alice.id),
        None,
    )
    .await;
    // Someone on a follows dave on b, so dave's posts come here.
    crate::federation::remote_follower(&b, &a, &dave, &boss).await;

    let public = post(
        &a,
        &alice,
        json!({"status": "to both servers", "language": "en"}),
    )
    .await;
    let direct = post(
        &a,
        &alice,
        json!({"status": format!("@bob@{} only you", b.domain()), "visibility": "direct"}),
    )
    .await;
    let arrived = post(&b, &dave, json!({"status": "from b", "language": "de"})).await;
    eventually("dave's post to reach a", || async {
        crate::federation::in_home(&a, &boss, &arrived["uri"]).await
    })
    .await;
    drained(&a.app).await;
    roost::service::analytics::flush(&a.app).await.unwrap();

    let insights = |id: &str| {
        let (a, token) = (&a, alice.token.clone());
        let path = format!("/api/v1/roost/statuses/{id}/insights");
        async move { a.get(&path, Some(&token)).await }
    };
    let (status, i) = insights(public["id"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{i}");
    assert_eq!(i["remote_reach"], 2, "bob and carol: {i}");
    assert_eq!(
        i["reach"], 3,
        "boss's feed here plus two remote followers: {i}"
    );
    let (_, i) = insights(direct["id"].as_str().unwrap()).await;
    assert_eq!(
        i["remote_reach"], 0,
        "a direct post reaches no followers: {i}"
    );

    // The dimensions on a see both servers.
    let today = chrono::Utc::now().date_naive();
    let (status, d) = a
        .request(
            Method::POST,
            "/api/v1/admin/dimensions",
            Some(&boss.token),
            Some(json!({
                "keys": ["servers", "instance_accounts", "instance_languages", "languages",
                         "sources", "space_usage", "software_versions", "nonsense"],
                "start_at": today.to_string(),
                "end_at": today.to_string(),
                "instance_accounts": {"domain": b.domain()},
                "instance_languages": {"domain": b.domain()},
            })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{d}");
    let by_key = |k: &str| -> Vec<Value> {
        d.as_array()
            .unwrap()
            .iter()
            .find(|x| x["key"] == k)
            .unwrap_or_else(|| panic!("{k} missing: {d}"))["data"]
            .as_array()
            .unwrap()
            .clone()
    };
    assert_eq!(
        d.as_array().unwrap().len(),
        7,
        "unknown keys are left out: {d}"
    );
    assert_eq!(
        by_key("servers"),
        [
            json!({"key": a.domain(), "human_key": a.domain(), "value": "2"}),
            json!({"key": b.domain(), "human_key": b.domain(), "value": "1"}),
        ]
    );
    assert_eq!(
        by_key("instance_accounts"),
        [json!({"key": "dave", "human_key": "dave", "value": "1"})]
    );
    assert_eq!(
        by_key("instance_languages"),
        [json!({"key": "de", "human_key": "German", "value": "1"})]
    );
    let languages = by_key("languages");
    assert_eq!(languages[0]["key"], "en", "{languages:?}");
    assert_eq!(languages[0]["human_key"], "English");
    let space = by_key("space_usage");
    assert_eq!(space.len(), 2, "{space:?}");
    assert_eq!(space[0]["unit"], "bytes");
    assert!(space[0]["value"].as_str().unwrap().parse::<i64>().unwrap() > 0);
    assert_eq!(space[1]["key"], "media");
    let versions = by_key("software_versions");
    assert_eq!(versions[0]["key"], "roost");
    assert_eq!(versions[0]["value"], env!("CARGO_PKG_VERSION"));
    assert!(
        ["sqlite", "postgresql"].contains(&versions[1]["key"].as_str().unwrap()),
        "{versions:?}"
    );
}

#[tokio::test]
async fn admin_dimensions_group_sign_ups_and_hashtags_and_refuse_bad_requests() {
    let s = TestServer::start().await;
    let boss = s.admin("boss").await;
    // Two sign-ups through the API by one app; users made directly have no app.
    let app_token = s.app_token().await;
    for name in ["newbie", "another"] {
        let (status, body) = s
            .request(
                Method::POST,
                "/api/v1/accounts",
                Some(&app_token),
                Some(json!({"username": name, "email": format!("{name}@example.org"),
                            "password": "a long enough password", "agreement": true, "locale": "fr"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let alice = s.user("alice").await;
    post(
        &s,
        &alice,
        json!({"status": "#dimensioned en français", "language": "fr"}),
    )
    .await;
    post(
        &s,
        &alice,
        json!({"status": "#dimensioned again", "language": "fr"}),
    )
    .await;
    post(
        &s,
        &boss,
        json!({"status": "#dimensioned in English", "language": "en"}),
    )
    .await;
    let (_, tag) = s.get("/api/v1/tags/dimensioned", Some(&alice.token)).await;
    let tag_id = tag["id"].as_str().unwrap().to_string();

    let today = chrono::Utc::now().date_naive().to_string();
    let dims = |body: Value, token: String| {
        let s = &s;
        async move {
            s.request(
                Method::POST,
                "/api/v1/admin/dimensions",
                Some(&token),
                Some(body),
            )
            .await
        }
    };
    let (status, d) = dims(
        json!({"keys": ["sources", "tag_languages", "tag_servers"], "start_at": today, "end_at": today,
               "tag_languages": {"id": tag_id}, "tag_servers": {"id": tag_id}}),
        boss.token.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{d}");
    let sources = d[0]["data"].as_array().unwrap();
    assert_eq!(sources.len(), 2, "{d}");
    assert_eq!(sources[0]["key"], "unknown", "boss and alice: {d}");
    assert_eq!(sources[0]["value"], "2");
    assert_eq!(sources[1]["value"], "2", "newbie and another: {d}");
    assert_ne!(sources[1]["key"], "unknown");
    assert_eq!(
        d[1]["data"],
        json!([
            {"key": "fr", "human_key": "French", "value": "2"},
            {"key": "en", "human_key": "English", "value": "1"},
        ])
    );
    assert_eq!(
        d[2]["data"],
        json!([{"key": s.domain(), "human_key": s.domain(), "value": "3"}])
    );
    // limit cuts the groups.
    let (_, d) = dims(
        json!({"keys": ["tag_languages"], "start_at": today, "end_at": today, "limit": 1,
               "tag_languages": {"id": tag_id}}),
        boss.token.clone(),
    )
    .await;
    assert_eq!(d[0]["data"].as_array().unwrap().len(), 1, "{d}");

    // Refusals: not staff 403, missing parameter 400, unknown hashtag 404,
    // bad limit or dates 422.
    let body = json!({"keys": ["servers"], "start_at": today, "end_at": today});
    assert_eq!(
        dims(body, alice.token.clone()).await.0,
        StatusCode::FORBIDDEN
    );
    let body = json!({"keys": ["tag_servers"], "start_at": today, "end_at": today});
    assert_eq!(
        dims(body, boss.token.clone()).await.0,
        StatusCode::BAD_REQUEST
    );
    let body = json!({"keys": ["tag_servers"], "tag_servers": {"id": "4242"}, "start_at": today, "end_at": today});
    assert_eq!(
        dims(body, boss.token.clone()).await.0,
        StatusCode::NOT_FOUND
    );
    let body = json!({"keys": ["servers"], "start_at": today, "end_at": today, "limit": "-1"});
    assert_eq!(
        dims(body, boss.token.clone()).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let body = json!({"keys": ["servers"], "start_at": "2026-02-01", "end_at": "2026-01-01"});
    assert_eq!(
        dims(body, boss.token.clone()).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    // The instance's languages list names them.
    let (status, langs) = s.get("/api/v1/instance/languages", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        langs
            .as_array()
            .unwrap()
            .contains(&json!({"code": "de", "name": "German"}))
    );
}

#[tokio::test]
async fn the_admin_dashboard_charts_the_instance() {
    let s = TestServer::start().await;
    let boss = s.admin("boss").await;
    let alice = s.user("alice").await;
    for u in [&boss, &alice] {
        s.get("/api/v1/accounts/verify_credentials", Some(&u.token))
            .await;
    }
    act(
        &s,
        &alice,
        Method::POST,
        "/api/v1/reports",
        Some(json!({"account_id": boss.id})),
    )
    .await;
    post(&s, &alice, json!({"status": "on the dashboard"})).await;
    roost::service::analytics::flush(&s.app).await.unwrap();

    // Staff only.
    let plain = crate::settings::signed_in(&s, "alice@example.org").await;
    let (status, _) = form_page(&plain, &s.url("/admin")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let b = crate::settings::signed_in(&s, "boss@example.org").await;
    let (status, html) = form_page(&b, &s.url("/admin")).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    for (what, text) in [
        ("new users", r#"id="new-users">2<"#),
        ("active users", r#"id="active-users">2<"#),
        ("reports", r#"id="opened-reports">1<"#),
        ("the change", "<small>+2</small>"),
        ("this server", &format!("<td>{}</td><td>", s.domain())),
        ("software", "<td>roost</td>"),
    ] {
        assert!(html.contains(text), "{what}: {html}");
    }
    assert_eq!(html.matches(r#"<svg class="chart""#).count(), 5);
    assert_eq!(html.matches(r#"<rect class="bar""#).count(), 5 * 30);
    let (_, week) = form_page(&b, &s.url("/admin?days=7")).await;
    assert_eq!(week.matches(r#"<rect class="bar""#).count(), 5 * 7);
}
