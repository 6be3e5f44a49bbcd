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

/// Seeds a rising hashtag, a post two others took up, a shared link, and
/// things that must not trend; returns the trending post's id.
async fn seed_trends(s: &TestServer) -> (TestUser, String) {
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let carol = s.user("carol").await;
    let dave = s.user("dave").await;
    act(
        s,
        &dave,
        Method::PATCH,
        "/api/v1/accounts/update_credentials",
        json!({"discoverable": false}),
    )
    .await;
    post(
        s,
        &bob,
        json!({"status": "#Rising and https://example.org/story#part2"}),
    )
    .await;
    post(
        s,
        &carol,
        json!({"status": "#rising too, https://example.org/story"}),
    )
    .await;
    post(
        s,
        &alice,
        json!({"status": "#solo https://example.org/alone"}),
    )
    .await;
    post(
        s,
        &bob,
        json!({"status": "#hush", "visibility": "unlisted"}),
    )
    .await;
    post(
        s,
        &carol,
        json!({"status": "#hush", "visibility": "unlisted"}),
    )
    .await;
    let hot = post(
        s,
        &alice,
        json!({"status": "a thought many liked", "language": "en"}),
    )
    .await;
    let lukewarm = post(s, &alice, json!({"status": "a thought one liked"})).await;
    let hidden = post(s, &dave, json!({"status": "not discoverable"})).await;
    for (who, id, what) in [
        (&bob, &hot, "favourite"),
        (&carol, &hot, "reblog"),
        (&bob, &lukewarm, "favourite"),
        (&bob, &hidden, "favourite"),
        (&carol, &hidden, "favourite"),
    ] {
        act(
            s,
            who,
            Method::POST,
            &format!("/api/v1/statuses/{}/{what}", id["id"].as_str().unwrap()),
            json!({}),
        )
        .await;
    }
    (alice, hot["id"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn trends_rank_what_several_accounts_took_up() {
    let s = TestServer::start().await;
    let (alice, hot) = seed_trends(&s).await;
    let (_, before) = s.get("/api/v1/trends/tags", None).await;
    assert_eq!(
        before,
        json!([]),
        "nothing trends before the first computation"
    );
    roost::service::trends::recompute(&s.app).await.unwrap();

    let (status, tags) = s.get("/api/v1/trends/tags", None).await;
    assert_eq!(status, StatusCode::OK, "{tags}");
    let names: Vec<&str> = tags
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    // One account is not a trend, nor are unlisted posts.
    assert_eq!(names, vec!["rising"]);
    assert_eq!(tags[0]["history"][0]["accounts"], "2");
    let (_, posts) = s.get("/api/v1/trends/statuses", None).await;
    let ids: Vec<&str> = posts
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![hot.as_str()], "{posts}");
    let (_, links) = s.get("/api/v1/trends/links", Some(&alice.token)).await;
    assert_eq!(links.as_array().unwrap().len(), 1, "{links}");
    assert_eq!(links[0]["url"], "https://example.org/story");
    assert_eq!(links[0]["history"][0]["accounts"], "2");
    // The posts sharing a trending link; a link that does not trend is 404.
    let (status, sharing) = s
        .get(
            "/api/v1/timelines/link?url=https%3A%2F%2Fexample.org%2Fstory",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{sharing}");
    assert_eq!(sharing.as_array().unwrap().len(), 2, "{sharing}");
    let (status, _) = s
        .get(
            "/api/v1/timelines/link?url=https%3A%2F%2Fexample.org%2Falone",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = s.get("/api/v1/timelines/link", None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // The older path, and a viewer who mutes the author.
    let (_, legacy) = s.get("/api/v1/trends", None).await;
    assert_eq!(legacy[0]["name"], "rising");
    let viewer = s.user("viewer").await;
    act(
        &s,
        &viewer,
        Method::POST,
        &format!("/api/v1/accounts/{}/mute", alice.id),
        json!({}),
    )
    .await;
    let (_, posts) = s.get("/api/v1/trends/statuses", Some(&viewer.token)).await;
    assert_eq!(posts, json!([]));
}

#[tokio::test]
async fn account_searches_can_keep_to_those_you_follow() {
    let s = TestServer::start().await;
    let me = s.user("searcher").await;
    let followed = s.user("birdy").await;
    s.user("birdo").await;
    act(
        &s,
        &me,
        Method::POST,
        &format!("/api/v1/accounts/{}/follow", followed.id),
        json!({}),
    )
    .await;
    let names = |path: String| {
        let s = &s;
        let me = &me;
        async move {
            let (status, found) = s.get(&path, Some(&me.token)).await;
            assert_eq!(status, StatusCode::OK, "{found}");
            let list = found.get("accounts").unwrap_or(&found).clone();
            let mut names: Vec<String> = list
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["acct"].as_str().unwrap().to_string())
                .collect();
            names.sort();
            names
        }
    };
    assert_eq!(
        names("/api/v2/search?type=accounts&q=bird".into()).await,
        vec!["birdo", "birdy"]
    );
    assert_eq!(
        names("/api/v2/search?type=accounts&q=bird&following=true".into()).await,
        vec!["birdy"]
    );
    assert_eq!(
        names("/api/v1/accounts/search?q=bird&following=true".into()).await,
        vec!["birdy"]
    );
    assert_eq!(
        names("/api/v1/accounts/search?q=bird&following=false".into()).await,
        vec!["birdo", "birdy"]
    );
}

#[tokio::test]
async fn trending_posts_join_the_recommended_feed_in_your_language() {
    let s = TestServer::start().await;
    let (alice, hot) = seed_trends(&s).await;
    roost::service::trends::recompute(&s.app).await.unwrap();
    let recommended = |user: TestUser| {
        let s = &s;
        async move {
            let (status, feed) = s
                .get("/api/v1/roost/timelines/recommended", Some(&user.token))
                .await;
            assert_eq!(status, StatusCode::OK, "{feed}");
            feed.as_array().unwrap().clone()
        }
    };
    // Someone who follows nobody still gets what trends here, with why.
    let reader = s.user("reader").await;
    let feed = recommended(reader).await;
    assert_eq!(feed.len(), 1, "{feed:?}");
    assert_eq!(feed[0]["id"], hot.as_str());
    assert_eq!(
        feed[0]["roost"]["reason"],
        format!("Trending on {}", s.app.config.server.domain)
    );
    // Not in another language, not to those who follow the author already,
    // not to the author.
    let other = s.user("other_tongue").await;
    act(
        &s,
        &other,
        Method::PATCH,
        "/api/v1/accounts/update_credentials",
        json!({"source": {"language": "ja"}}),
    )
    .await;
    assert!(recommended(other).await.is_empty());
    let fan = s.user("fan").await;
    act(
        &s,
        &fan,
        Method::POST,
        &format!("/api/v1/accounts/{}/follow", alice.id),
        json!({}),
    )
    .await;
    assert!(recommended(fan).await.is_empty());
    assert!(recommended(alice).await.is_empty());
}

#[tokio::test]
async fn with_review_required_only_what_staff_approved_trends() {
    let s = TestServer::start_with(|c| {
        c.discovery.trends_require_review = true;
        c.discovery.trends_interval_secs = 1;
    })
    .await;
    let boss = s.admin("boss").await;
    let (alice, hot) = seed_trends(&s).await;
    // The periodic recomputation, as `roost serve` runs it.
    tokio::spawn(roost::service::trends::refresh_forever(s.app.clone()));
    let pending = eventually("the trends to be computed", || async {
        let (_, list) = s.get("/api/v1/admin/trends/tags", Some(&boss.token)).await;
        list.as_array().filter(|l| !l.is_empty()).cloned()
    })
    .await;
    assert_eq!(pending[0]["name"], "rising");
    assert_eq!(pending[0]["requires_review"], true);
    let (_, public) = s.get("/api/v1/trends/tags", None).await;
    assert_eq!(public, json!([]), "not reviewed yet");

    // Only staff review; then it shows.
    let id = pending[0]["id"].as_str().unwrap();
    let path = format!("/api/v1/admin/trends/tags/{id}/approve");
    let (status, _) = s
        .request(Method::POST, &path, Some(&alice.token), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = s
        .request(Method::POST, &path, Some(&boss.token), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, public) = s.get("/api/v1/trends/tags", None).await;
    assert_eq!(public[0]["name"], "rising");
    // A rejected post stays out; unknown ids are 404.
    let (status, _) = s
        .request(
            Method::POST,
            &format!("/api/v1/admin/trends/statuses/{hot}/reject"),
            Some(&boss.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, admin_posts) = s
        .get("/api/v1/admin/trends/statuses", Some(&boss.token))
        .await;
    assert_eq!(admin_posts[0]["trendable"], false, "{admin_posts}");
    assert_eq!(admin_posts[0]["requires_review"], false);
    let (_, public) = s.get("/api/v1/trends/statuses", None).await;
    assert_eq!(public, json!([]));
    let (status, _) = s
        .request(
            Method::POST,
            "/api/v1/admin/trends/statuses/424242/approve",
            Some(&boss.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = s
        .request(
            Method::POST,
            &format!("/api/v1/admin/trends/widgets/{hot}/approve"),
            Some(&boss.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let logged = sql_count(
        &s.app,
        "SELECT COUNT(*) FROM admin_action_logs WHERE action LIKE '%_trend_%'",
    )
    .await;
    assert_eq!(logged, 2);
    // Search's exclude_unreviewed keeps only the hashtags staff approved.
    let tags = |q: &'static str| {
        let s = &s;
        let alice = &alice;
        async move {
            let (status, found) = s
                .get(
                    &format!("/api/v2/search?type=hashtags&{q}"),
                    Some(&alice.token),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{found}");
            found["hashtags"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["name"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(tags("q=risi&exclude_unreviewed=true").await, vec!["rising"]);
    assert_eq!(tags("q=sol").await, vec!["solo"]);
    assert!(tags("q=sol&exclude_unreviewed=true").await.is_empty());
    // The tag named exactly is always found, as in Mastodon.
    assert_eq!(
        tags("q=%23solo&exclude_unreviewed=true").await,
        vec!["solo"]
    );
}
