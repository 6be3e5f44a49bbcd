//! Lists, hashtags, notes, endorsements, polls, conversation mutes.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::*;

async fn post(s: &TestServer, token: &str, body: Value) -> Value {
    let (status, v) = s
        .request(Method::POST, "/api/v1/statuses", Some(token), Some(body))
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    v
}

fn ids(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn lists_need_follows_and_show_members_posts() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let carol = s.user("carol").await;
    let (status, list) = s
        .request(
            Method::POST,
            "/api/v1/lists",
            Some(&alice.token),
            Some(json!({"title": "Friends"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let list_id = list["id"].as_str().unwrap();
    assert_eq!(list["replies_policy"], "list");
    // Not followed yet: refused, nothing added.
    let path = format!("/api/v1/lists/{list_id}/accounts");
    let (status, _) = s
        .request(
            Method::POST,
            &path,
            Some(&alice.token),
            Some(json!({"account_ids": [bob.id]})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    s.request(
        Method::POST,
        &format!("/api/v1/accounts/{}/follow", bob.id),
        Some(&alice.token),
        None,
    )
    .await;
    let (status, _) = s
        .request(
            Method::POST,
            &path,
            Some(&alice.token),
            Some(json!({"account_ids": [bob.id]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        ids(&s.get(&path, Some(&alice.token)).await.1),
        vec![bob.id.clone()]
    );
    let b1 = post(&s, &bob.token, json!({"status": "from bob"})).await;
    post(&s, &carol.token, json!({"status": "from carol"})).await;
    let (_, tl) = s
        .get(
            &format!("/api/v1/timelines/list/{list_id}"),
            Some(&alice.token),
        )
        .await;
    assert_eq!(ids(&tl), vec![b1["id"].as_str().unwrap().to_string()]);
    // Someone else's list is a 404, and its timeline too.
    assert_eq!(
        s.get(&format!("/api/v1/lists/{list_id}"), Some(&carol.token))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        s.get(
            &format!("/api/v1/timelines/list/{list_id}"),
            Some(&carol.token)
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    let (_, lists) = s
        .get(
            &format!("/api/v1/accounts/{}/lists", bob.id),
            Some(&alice.token),
        )
        .await;
    assert_eq!(lists[0]["title"], "Friends");
    // Exclusive lists keep their members out of home.
    s.request(
        Method::PUT,
        &format!("/api/v1/lists/{list_id}"),
        Some(&alice.token),
        Some(json!({"exclusive": true})),
    )
    .await;
    let (_, home) = s.get("/api/v1/timelines/home", Some(&alice.token)).await;
    assert!(!ids(&home).contains(&b1["id"].as_str().unwrap().to_string()));
    assert_eq!(
        s.request(
            Method::POST,
            "/api/v1/lists",
            Some(&alice.token),
            Some(json!({"title": ""}))
        )
        .await
        .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        s.request(
            Method::DELETE,
            &format!("/api/v1/lists/{list_id}"),
            Some(&alice.token),
            None
        )
        .await
        .0,
        StatusCode::OK
    );
    assert_eq!(
        s.get("/api/v1/lists", Some(&alice.token)).await.1,
        json!([])
    );
}

#[tokio::test]
async fn followed_hashtags_feed_the_home_timeline() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let (status, tag) = s
        .request(
            Method::POST,
            "/api/v1/tags/RoostTag/follow",
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (tag["name"].as_str(), tag["following"].as_bool()),
        (Some("roosttag"), Some(true))
    );
    let public = post(&s, &bob.token, json!({"status": "hello #roosttag"})).await;
    let unlisted = post(
        &s,
        &bob.token,
        json!({"status": "quiet #roosttag", "visibility": "unlisted"}),
    )
    .await;
    let (_, home) = s.get("/api/v1/timelines/home", Some(&alice.token)).await;
    let home = ids(&home);
    assert!(home.contains(&public["id"].as_str().unwrap().to_string()));
    assert!(!home.contains(&unlisted["id"].as_str().unwrap().to_string()));
    let (_, followed) = s.get("/api/v1/followed_tags", Some(&alice.token)).await;
    assert_eq!(followed[0]["name"], "roosttag");
    s.request(
        Method::POST,
        "/api/v1/tags/roosttag/unfollow",
        Some(&alice.token),
        None,
    )
    .await;
    assert_eq!(
        s.get("/api/v1/followed_tags", Some(&alice.token)).await.1,
        json!([])
    );
}

#[tokio::test]
async fn featured_tags_notes_and_endorsements() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    post(&s, &alice.token, json!({"status": "about #rust"})).await;
    let (status, ft) = s
        .request(
            Method::POST,
            "/api/v1/featured_tags",
            Some(&alice.token),
            Some(json!({"name": "Rust"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{ft}");
    assert_eq!(
        (ft["name"].as_str(), ft["statuses_count"].as_str()),
        (Some("rust"), Some("1"))
    );
    let (_, public) = s
        .get(
            &format!("/api/v1/accounts/{}/featured_tags", alice.id),
            None,
        )
        .await;
    assert_eq!(public[0]["name"], "rust");
    assert_eq!(
        s.request(
            Method::POST,
            "/api/v1/featured_tags",
            Some(&alice.token),
            Some(json!({"name": "no spaces"}))
        )
        .await
        .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // Notes are private to their writer.
    let (_, rel) = s
        .request(
            Method::POST,
            &format!("/api/v1/accounts/{}/note", bob.id),
            Some(&alice.token),
            Some(json!({"comment": "met at the café"})),
        )
        .await;
    assert_eq!(rel["note"], "met at the café");
    let (_, rels) = s
        .get(
            &format!("/api/v1/accounts/relationships?id[]={}", alice.id),
            Some(&bob.token),
        )
        .await;
    assert_eq!(rels[0]["note"], "");
    // Endorsing needs a follow.
    assert_eq!(
        s.request(
            Method::POST,
            &format!("/api/v1/accounts/{}/pin", bob.id),
            Some(&alice.token),
            None
        )
        .await
        .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    s.request(
        Method::POST,
        &format!("/api/v1/accounts/{}/follow", bob.id),
        Some(&alice.token),
        None,
    )
    .await;
    let (_, rel) = s
        .request(
            Method::POST,
            &format!("/api/v1/accounts/{}/pin", bob.id),
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(rel["endorsed"], true);
    assert_eq!(
        ids(&s.get("/api/v1/endorsements", Some(&alice.token)).await.1),
        vec![bob.id.clone()]
    );
}

#[tokio::test]
async fn polls_take_one_vote_per_account_and_hide_totals_until_the_end() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let carol = s.user("carol").await;
    for bad in [
        json!({"status": "q", "poll": {"options": ["only"], "expires_in": 3600}}),
        json!({"status": "q", "poll": {"options": ["a", "b"], "expires_in": 10}}),
        json!({"status": "q", "poll": {"options": ["a", "b"]}}),
        json!({"status": "q", "poll": {"options": ["a", "a"], "expires_in": 3600}}),
        json!({"status": "q", "poll": {"options": ["a", "b", "c", "d", "e"], "expires_in": 3600}}),
    ] {
        assert_eq!(
            s.request(
                Method::POST,
                "/api/v1/statuses",
                Some(&alice.token),
                Some(bad.clone())
            )
            .await
            .0,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}"
        );
    }
    let st = post(&s, &alice.token, json!({"status": "tea?", "poll": {"options": ["tea", "coffee"], "expires_in": 3600, "hide_totals": true}})).await;
    let poll_id = st["poll"]["id"].as_str().unwrap().to_string();
    assert_eq!(
        st["poll"]["options"][0]["votes_count"], 0,
        "the author sees totals"
    );
    let votes = format!("/api/v1/polls/{poll_id}/votes");
    let (status, poll) = s
        .request(
            Method::POST,
            &votes,
            Some(&bob.token),
            Some(json!({"choices": ["1"]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{poll}");
    assert_eq!(
        (poll["voted"].as_bool(), poll["own_votes"].clone()),
        (Some(true), json!([1]))
    );
    assert_eq!(
        poll["options"][1]["votes_count"],
        Value::Null,
        "hidden totals while the poll runs"
    );
    assert_eq!(
        s.request(
            Method::POST,
            &votes,
            Some(&bob.token),
            Some(json!({"choices": [0]}))
        )
        .await
        .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        s.request(
            Method::POST,
            &votes,
            Some(&carol.token),
            Some(json!({"choices": [0, 1]}))
        )
        .await
        .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        s.request(
            Method::POST,
            &votes,
            Some(&carol.token),
            Some(json!({"choices": [7]}))
        )
        .await
        .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        s.request(
            Method::POST,
            &votes,
            Some(&alice.token),
            Some(json!({"choices": [0]}))
        )
        .await
        .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let (_, poll) = s
        .get(&format!("/api/v1/polls/{poll_id}"), Some(&alice.token))
        .await;
    assert_eq!(
        (poll["votes_count"].as_i64(), poll["voters_count"].as_i64()),
        (Some(1), Some(1))
    );
    assert_eq!(poll["options"][1]["votes_count"], 1);
}

#[tokio::test]
async fn a_muted_conversation_sends_no_notifications() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let root = post(&s, &alice.token, json!({"status": "thread start"})).await;
    let root_id = root["id"].as_str().unwrap();
    let (status, muted) = s
        .request(
            Method::POST,
            &format!("/api/v1/statuses/{root_id}/mute"),
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(
        (status, muted["muted"].as_bool()),
        (StatusCode::OK, Some(true))
    );
    post(
        &s,
        &bob.token,
        json!({"status": "@alice reply", "in_reply_to_id": root_id}),
    )
    .await;
    s.request(
        Method::POST,
        &format!("/api/v1/statuses/{root_id}/favourite"),
        Some(&bob.token),
        None,
    )
    .await;
    assert_eq!(
        s.get("/api/v1/notifications", Some(&alice.token)).await.1,
        json!([])
    );
    // Bob is not part of Alice's thread: he cannot mute it.
    let other = post(&s, &alice.token, json!({"status": "another"})).await;
    let (status, _) = s
        .request(
            Method::POST,
            &format!("/api/v1/statuses/{}/mute", other["id"].as_str().unwrap()),
            Some(&bob.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    s.request(
        Method::POST,
        &format!("/api/v1/statuses/{root_id}/unmute"),
        Some(&alice.token),
        None,
    )
    .await;
    s.request(
        Method::POST,
        &format!("/api/v1/statuses/{root_id}/unfavourite"),
        Some(&bob.token),
        None,
    )
    .await;
    s.request(
        Method::POST,
        &format!("/api/v1/statuses/{root_id}/favourite"),
        Some(&bob.token),
        None,
    )
    .await;
    let (_, notes) = s.get("/api/v1/notifications", Some(&alice.token)).await;
    assert_eq!(notes[0]["type"], "favourite");
}

#[tokio::test]
async fn scheduled_posts_wait_then_publish() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let soon = (chrono::Utc::now() + chrono::Duration::minutes(2)).to_rfc3339();
    let (status, _) = s
        .request(
            Method::POST,
            "/api/v1/statuses",
            Some(&alice.token),
            Some(json!({"status": "x", "scheduled_at": soon})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "less than 5 minutes ahead"
    );
    let later = (chrono::Utc::now() + chrono::Duration::hours(2)).to_rfc3339();
    let (status, sched) = s
        .request(
            Method::POST,
            "/api/v1/statuses",
            Some(&alice.token),
            Some(json!({"status": "from the past", "scheduled_at": later})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{sched}");
    let id = sched["id"].as_str().unwrap().to_string();
    assert_eq!(sched["params"]["text"], "from the past");
    let (_, list) = s
        .get("/api/v1/scheduled_statuses", Some(&alice.token))
        .await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    // Someone else cannot see or move it.
    let bob = s.user("bob").await;
    assert_eq!(
        s.get(
            &format!("/api/v1/scheduled_statuses/{id}"),
            Some(&bob.token)
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    let even_later = (chrono::Utc::now() + chrono::Duration::hours(3)).to_rfc3339();
    let (status, moved) = s
        .request(
            Method::PUT,
            &format!("/api/v1/scheduled_statuses/{id}"),
            Some(&alice.token),
            Some(json!({"scheduled_at": even_later})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_ne!(moved["scheduled_at"], sched["scheduled_at"]);
    assert_eq!(
        s.app.store.count_local_statuses().await.unwrap(),
        0,
        "nothing published yet"
    );
    // Time passes: the job for its time publishes it.
    let past = chrono::Utc::now() - chrono::Duration::seconds(5);
    s.app
        .store
        .reschedule(id.parse().unwrap(), past)
        .await
        .unwrap();
    roost::service::scheduled::publish_scheduled(&s.app, id.parse().unwrap())
        .await
        .unwrap();
    let (_, statuses) = s
        .get(
            &format!("/api/v1/accounts/{}/statuses", alice.id),
            Some(&alice.token),
        )
        .await;
    assert_eq!(statuses[0]["content"], "<p>from the past</p>");
    assert_eq!(
        s.get("/api/v1/scheduled_statuses", Some(&alice.token))
            .await
            .1,
        json!([])
    );
}
