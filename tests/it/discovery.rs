//! Discovery (issue 19): the profile directory, follow suggestions and
//! featured-tag suggestions, and what each must leave out.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::*;
use crate::federation::post;

async fn act(s: &TestServer, user: &TestUser, m: Method, path: &str, body: Value) -> Value {
    let (status, v) = s.request(m, path, Some(&user.token), Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{path}: {v}");
    v
}

fn usernames(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|a| a["username"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn the_directory_lists_discoverable_accounts_by_activity_or_age() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let carol = s.user("carol").await;
    let dave = s.user("dave").await;
    act(
        &s,
        &carol,
        Method::PATCH,
        "/api/v1/accounts/update_credentials",
        json!({"discoverable": false}),
    )
    .await;
    post(&s, &bob, json!({"status": "first"})).await;
    post(&s, &alice, json!({"status": "latest"})).await;

    let (status, active) = s.get("/api/v1/directory?order=active", None).await;
    assert_eq!(status, StatusCode::OK, "{active}");
    // Latest post first, then those without posts (newest first).
    assert_eq!(usernames(&active), vec!["alice", "bob", "dave"]);
    let (_, newest) = s.get("/api/v1/directory?order=new&local=true", None).await;
    assert_eq!(usernames(&newest), vec!["dave", "bob", "alice"]);
    let (_, page) = s
        .get("/api/v1/directory?order=new&limit=1&offset=1", None)
        .await;
    assert_eq!(usernames(&page), vec!["bob"]);
    let (status, _) = s.get("/api/v1/directory?order=sideways", None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // Whom the viewer blocks or mutes is left out; so is a silenced account.
    act(
        &s,
        &dave,
        Method::POST,
        &format!("/api/v1/accounts/{}/block", alice.id),
        json!({}),
    )
    .await;
    let (_, seen) = s.get("/api/v1/directory", Some(&dave.token)).await;
    assert_eq!(usernames(&seen), vec!["bob", "dave"]);
    let bob_id: i64 = bob.id.parse().unwrap();
    sql_execute(
        &s.app,
        &format!("UPDATE accounts SET silenced_at = created_at WHERE id = {bob_id}"),
    )
    .await;
    s.app.store.cache.accounts.clear();
    let (_, seen) = s.get("/api/v1/directory", None).await;
    assert_eq!(usernames(&seen), vec!["alice", "dave"]);
}

#[tokio::test]
async fn suggestions_come_with_reasons_and_leave_out_what_they_must() {
    let s = TestServer::start().await;
    let boss = s.admin("boss").await;
    let me = s.user("me_myself").await;
    let bob = s.user("bob").await;
    let carol = s.user("carol").await;
    let dave = s.user("dave").await;
    let erin = s.user("erin").await;
    let frank = s.user("frank").await;
    let gina = s.user("gina").await;
    act(
        &s,
        &dave,
        Method::PATCH,
        "/api/v1/accounts/update_credentials",
        json!({"discoverable": false}),
    )
    .await;
    act(
        &s,
        &frank,
        Method::PATCH,
        "/api/v1/accounts/update_credentials",
        json!({"locked": true}),
    )
    .await;
    act(
        &s,
        &me,
        Method::POST,
        &format!("/api/v1/accounts/{}/follow", bob.id),
        json!({}),
    )
    .await;
    act(
        &s,
        &me,
        Method::POST,
        &format!("/api/v1/accounts/{}/follow", frank.id),
        json!({}),
    )
    .await;
    act(
        &s,
        &me,
        Method::POST,
        &format!("/api/v1/accounts/{}/mute", erin.id),
        json!({}),
    )
    .await;
    for target in [&carol, &dave, &erin, &frank] {
        act(
            &s,
            &bob,
            Method::POST,
            &format!("/api/v1/accounts/{}/follow", target.id),
            json!({}),
        )
        .await;
    }
    // Staff feature gina on their profile.
    act(
        &s,
        &boss,
        Method::POST,
        &format!("/api/v1/accounts/{}/follow", gina.id),
        json!({}),
    )
    .await;
    act(
        &s,
        &boss,
        Method::POST,
        &format!("/api/v1/accounts/{}/endorse", gina.id),
        json!({}),
    )
    .await;

    let (status, v2) = s.get("/api/v2/suggestions", Some(&me.token)).await;
    assert_eq!(status, StatusCode::OK, "{v2}");
    let list = v2.as_array().unwrap();
    let names: Vec<&str> = list
        .iter()
        .map(|x| x["account"]["username"].as_str().unwrap())
        .collect();
    for never in ["me_myself", "bob", "dave", "erin", "frank"] {
        assert!(!names.contains(&never), "{never} suggested: {names:?}");
    }
    let carol_entry = list
        .iter()
        .find(|x| x["account"]["username"] == "carol")
        .expect("carol");
    assert_eq!(
        carol_entry["sources"][0], "friends_of_friends",
        "{carol_entry}"
    );
    assert_eq!(carol_entry["source"], "past_interactions");
    let gina_entry = list
        .iter()
        .find(|x| x["account"]["username"] == "gina")
        .expect("gina");
    assert_eq!(gina_entry["sources"][0], "featured", "{gina_entry}");
    assert_eq!(gina_entry["source"], "staff");

    // Dismissed: gone for good, from v1 too.
    let (status, _) = s
        .request(
            Method::DELETE,
            &format!("/api/v1/suggestions/{}", carol.id),
            Some(&me.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, v1) = s.get("/api/v1/suggestions", Some(&me.token)).await;
    let names = usernames(&v1);
    assert!(!names.contains(&"carol".to_string()), "{names:?}");
    assert!(names.contains(&"gina".to_string()), "{names:?}");
    let (status, _) = s
        .request(
            Method::DELETE,
            "/api/v1/suggestions/424242",
            Some(&me.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = s.get("/api/v2/suggestions", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn featured_tag_suggestions_are_your_most_used_unfeatured_hashtags() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    post(&s, &alice, json!({"status": "#rust one"})).await;
    post(&s, &alice, json!({"status": "#rust two #go"})).await;
    post(&s, &alice, json!({"status": "#zig"})).await;
    act(
        &s,
        &alice,
        Method::POST,
        "/api/v1/featured_tags",
        json!({"name": "go"}),
    )
    .await;
    let (status, tags) = s
        .get("/api/v1/featured_tags/suggestions", Some(&alice.token))
        .await;
    assert_eq!(status, StatusCode::OK, "{tags}");
    let names: Vec<&str> = tags
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["rust", "zig"]);
    assert_eq!(tags[0]["history"][0]["uses"], "2");
}

#[tokio::test]
async fn the_recommended_feed_shows_what_those_you_follow_liked_with_why() {
    let s = TestServer::start().await;
    let me = s.user("me_myself").await;
    let bob = s.user("bob").await;
    let carol = s.user("carol").await;
    let dave = s.user("dave").await;
    let erin = s.user("erin").await;
    for f in [&bob, &carol, &erin] {
        act(
            &s,
            &me,
            Method::POST,
            &format!("/api/v1/accounts/{}/follow", f.id),
            json!({}),
        )
        .await;
    }
    let popular = post(&s, &dave, json!({"status": "a popular thought"})).await;
    let quiet = post(&s, &dave, json!({"status": "a quiet thought"})).await;
    let private = post(
        &s,
        &dave,
        json!({"status": "for followers", "visibility": "private"}),
    )
    .await;
    let followed = post(&s, &erin, json!({"status": "erin, already followed"})).await;
    act(
        &s,
        &bob,
        Method::POST,
        &format!("/api/v1/accounts/{}/follow", dave.id),
        json!({}),
    )
    .await;
    for (who, id, what) in [
        (&bob, &popular, "favourite"),
        (&carol, &popular, "reblog"),
        (&carol, &quiet, "favourite"),
        (&bob, &private, "favourite"),
        (&bob, &followed, "favourite"),
    ] {
        act(
            &s,
            who,
            Method::POST,
            &format!("/api/v1/statuses/{}/{what}", id["id"].as_str().unwrap()),
            json!({}),
        )
        .await;
    }
    let (status, feed) = s
        .get("/api/v1/roost/timelines/recommended", Some(&me.token))
        .await;
    assert_eq!(status, StatusCode::OK, "{feed}");
    let ids: Vec<&str> = feed
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    // Two of those you follow beat one; followers-only posts and posts of
    // accounts you follow already are not recommended.
    assert_eq!(
        ids,
        vec![
            popular["id"].as_str().unwrap(),
            quiet["id"].as_str().unwrap()
        ]
    );
    assert_eq!(
        feed[0]["roost"]["reason"],
        "Liked or boosted by @bob and 1 other you follow"
    );
    assert_eq!(
        feed[1]["roost"]["reason"],
        "Liked or boosted by @carol, whom you follow"
    );
    // Muting the author empties it; signed out, it is refused.
    act(
        &s,
        &me,
        Method::POST,
        &format!("/api/v1/accounts/{}/mute", dave.id),
        json!({}),
    )
    .await;
    let (_, feed) = s
        .get("/api/v1/roost/timelines/recommended", Some(&me.token))
        .await;
    assert_eq!(feed, json!([]));
    let (status, _) = s.get("/api/v1/roost/timelines/recommended", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
