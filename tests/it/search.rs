//! Full-text search of statuses (issue 19): words, phrases, exclusions and
//! Mastodon's operators, on SQLite's FTS5 and PostgreSQL's tsvector, and
//! only what the searcher may find.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::*;
use crate::federation::post;

async fn search(s: &TestServer, user: &TestUser, q: &str) -> Vec<String> {
    indexed(&s.app).await;
    let path = format!(
        "/api/v2/search?type=statuses&limit=40&{}",
        query(&[("q", q)])
    );
    let (status, found) = s.get(&path, Some(&user.token)).await;
    assert_eq!(status, StatusCode::OK, "{found}");
    found["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["content"].as_str().unwrap().to_string())
        .collect()
}

/// The texts found, as the posts were written (`<p>…</p>` dropped).
async fn texts(s: &TestServer, user: &TestUser, q: &str) -> Vec<String> {
    search(s, user, q)
        .await
        .into_iter()
        .map(|c| roost::text::html_to_text(&c))
        .collect()
}

async fn act(s: &TestServer, user: &TestUser, m: Method, path: &str, body: Value) -> Value {
    let (status, v) = s.request(m, path, Some(&user.token), Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{path}: {v}");
    v
}

#[tokio::test]
async fn statuses_are_found_by_words_phrases_and_operators() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let p1 = post(
        &s,
        &alice,
        json!({"status": "Blue birds sing at dawn", "language": "en"}),
    )
    .await;
    post(
        &s,
        &alice,
        json!({"status": "A cat watches the birds", "language": "en"}),
    )
    .await;
    post(&s, &alice, json!({"status": "Vögel singen", "language": "de", "sensitive": true, "spoiler_text": "Lärm"})).await;
    post(
        &s,
        &alice,
        json!({"status": "Which birds? https://example.org/birds", "poll": {"options": ["blue", "red"], "expires_in": 3600}}),
    )
    .await;
    post(
        &s,
        &bob,
        json!({"status": "@alice birds everywhere", "in_reply_to_id": p1["id"]}),
    )
    .await;
    post(&s, &bob, json!({"status": "Nothing to see"})).await;

    let all = texts(&s, &bob, "birds").await;
    assert_eq!(all.len(), 4, "{all:?}");
    // Newest first.
    assert_eq!(all[0], "@alice birds everywhere");
    // Case and accents do not matter; every word must be there.
    assert_eq!(
        texts(&s, &bob, "BIRDS dawn").await,
        vec!["Blue birds sing at dawn"]
    );
    assert_eq!(texts(&s, &bob, "vogel").await, vec!["Vögel singen"]);
    assert_eq!(
        texts(&s, &bob, "larm").await,
        vec!["Vögel singen"],
        "the content warning is searched"
    );
    // Phrases keep their order; exclusions leave posts out.
    assert_eq!(
        texts(&s, &bob, "\"birds sing\"").await,
        vec!["Blue birds sing at dawn"]
    );
    assert!(texts(&s, &bob, "\"sing birds\"").await.is_empty());
    assert_eq!(
        texts(&s, &bob, "birds -cat -everywhere -which").await,
        vec!["Blue birds sing at dawn"]
    );
    // Operators.
    assert_eq!(
        texts(&s, &bob, "birds from:bob").await,
        vec!["@alice birds everywhere"]
    );
    assert_eq!(
        texts(&s, &bob, "birds from:me").await,
        vec!["@alice birds everywhere"]
    );
    assert_eq!(
        texts(&s, &bob, "birds -from:alice").await,
        vec!["@alice birds everywhere"]
    );
    assert!(texts(&s, &bob, "birds from:nobody").await.is_empty());
    assert_eq!(
        texts(&s, &bob, "birds is:reply").await,
        vec!["@alice birds everywhere"]
    );
    assert_eq!(texts(&s, &bob, "birds -is:reply").await.len(), 3);
    assert_eq!(texts(&s, &bob, "is:sensitive").await, vec!["Vögel singen"]);
    assert_eq!(texts(&s, &bob, "has:poll").await.len(), 1);
    assert_eq!(
        texts(&s, &bob, "has:link birds").await,
        vec!["Which birds? example.org/birds"]
    );
    assert!(texts(&s, &bob, "has:media").await.is_empty());
    assert_eq!(texts(&s, &bob, "language:de").await, vec!["Vögel singen"]);
    assert_eq!(texts(&s, &bob, "birds language:en").await.len(), 2);
    let today = chrono::Utc::now().date_naive();
    let tomorrow = today.succ_opt().unwrap();
    assert_eq!(
        texts(&s, &bob, &format!("birds during:{today}"))
            .await
            .len(),
        4
    );
    assert!(
        texts(&s, &bob, &format!("birds before:{today}"))
            .await
            .is_empty()
    );
    assert!(
        texts(&s, &bob, &format!("birds after:{today}"))
            .await
            .is_empty()
    );
    assert_eq!(
        texts(&s, &bob, &format!("birds before:{tomorrow}"))
            .await
            .len(),
        4
    );
    // in:library is what bob wrote or touched; in:public the others'.
    assert_eq!(
        texts(&s, &bob, "birds in:library").await,
        vec!["@alice birds everywhere"]
    );
    act(
        &s,
        &bob,
        Method::POST,
        &format!("/api/v1/statuses/{}/bookmark", p1["id"].as_str().unwrap()),
        json!({}),
    )
    .await;
    assert_eq!(texts(&s, &bob, "birds in:library").await.len(), 2);
    assert_eq!(texts(&s, &bob, "birds in:public").await.len(), 4);
    // The API's account_id, limit and offset.
    let path = format!(
        "/api/v2/search?type=statuses&q=birds&account_id={}&limit=1&offset=1",
        alice.id
    );
    let (_, found) = s.get(&path, Some(&bob.token)).await;
    assert_eq!(found["statuses"].as_array().unwrap().len(), 1, "{found}");
    assert_eq!(found["statuses"][0]["account"]["id"], alice.id.as_str());
    // Paging by id: older than the second, newer than the third.
    let (_, page) = s
        .get("/api/v2/search?type=statuses&q=birds", Some(&bob.token))
        .await;
    let ids: Vec<&str> = page["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 4);
    let (_, older) = s
        .get(
            &format!("/api/v2/search?type=statuses&q=birds&max_id={}", ids[1]),
            Some(&bob.token),
        )
        .await;
    let older: Vec<&str> = older["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(older, ids[2..].to_vec());
    let (_, newer) = s
        .get(
            &format!("/api/v2/search?type=statuses&q=birds&min_id={}", ids[2]),
            Some(&bob.token),
        )
        .await;
    let newer: Vec<&str> = newer["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(newer, ids[..2].to_vec());
    // Search without type finds statuses too; unsigned search is refused.
    let (_, found) = s.get("/api/v2/search?q=dawn", Some(&bob.token)).await;
    assert_eq!(found["statuses"].as_array().unwrap().len(), 1, "{found}");
    let (status, _) = s.get("/api/v2/search?q=dawn", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Odd input finds nothing and breaks nothing.
    for q in [
        "\"",
        "-",
        "\"unclosed phrase",
        "NEAR(a b)",
        "a* OR b",
        "from:",
        "::",
        "-\"\"",
    ] {
        let path = format!("/api/v2/search?type=statuses&{}", query(&[("q", q)]));
        let (status, v) = s.get(&path, Some(&bob.token)).await;
        assert_eq!(status, StatusCode::OK, "{q}: {v}");
    }

    // PostgreSQL also finds a word's other forms in the post's language
    // (stemmed as the searcher's locale, English here); SQLite matches
    // whole words only.
    post(
        &s,
        &alice,
        json!({"status": "The owls were singing", "language": "en"}),
    )
    .await;
    let stemmed = texts(&s, &bob, "sings").await;
    if s.app.store.backend() == "postgres" {
        // (German "singen" stems to "sing" as well.)
        assert!(
            stemmed.contains(&"The owls were singing".to_string()),
            "{stemmed:?}"
        );
        assert!(
            stemmed.contains(&"Blue birds sing at dawn".to_string()),
            "{stemmed:?}"
        );
    } else {
        assert!(stemmed.is_empty(), "{stemmed:?}");
    }

    // An edit changes what finds it; a deleted post is gone.
    let id = p1["id"].as_str().unwrap();
    act(
        &s,
        &alice,
        Method::PUT,
        &format!("/api/v1/statuses/{id}"),
        json!({"status": "Blue herons at dusk"}),
    )
    .await;
    assert!(texts(&s, &bob, "dawn").await.is_empty());
    assert_eq!(texts(&s, &bob, "herons").await, vec!["Blue herons at dusk"]);
    act(
        &s,
        &alice,
        Method::DELETE,
        &format!("/api/v1/statuses/{id}"),
        json!({}),
    )
    .await;
    assert!(texts(&s, &bob, "herons").await.is_empty());
}

#[tokio::test]
async fn search_finds_only_what_the_searcher_may_find() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let carol = s.user("carol").await;
    let dave = s.user("dave").await;
    act(
        &s,
        &bob,
        Method::POST,
        &format!("/api/v1/accounts/{}/follow", alice.id),
        json!({}),
    )
    .await;
    let private = post(
        &s,
        &alice,
        json!({"status": "secret owls", "visibility": "private"}),
    )
    .await;
    post(
        &s,
        &alice,
        json!({"status": "direct owls @carol", "visibility": "direct"}),
    )
    .await;
    post(
        &s,
        &alice,
        json!({"status": "unlisted owls", "visibility": "unlisted"}),
    )
    .await;
    post(&s, &alice, json!({"status": "public owls"})).await;

    // Strangers find the public post only; the author finds all hers.
    assert_eq!(texts(&s, &dave, "owls").await, vec!["public owls"]);
    assert_eq!(texts(&s, &alice, "owls").await.len(), 4);
    // A follower does not find followers-only posts by searching, unless
    // they are in his library; a mention finds its direct post.
    assert_eq!(texts(&s, &bob, "owls").await, vec!["public owls"]);
    act(
        &s,
        &bob,
        Method::POST,
        &format!(
            "/api/v1/statuses/{}/favourite",
            private["id"].as_str().unwrap()
        ),
        json!({}),
    )
    .await;
    assert_eq!(
        texts(&s, &bob, "owls").await,
        vec!["public owls", "secret owls"]
    );
    assert_eq!(
        texts(&s, &carol, "owls").await,
        vec!["public owls", "direct owls @carol"]
    );
    // A favourite kept past the end of a follow finds nothing it may no
    // longer see.
    act(
        &s,
        &bob,
        Method::POST,
        &format!("/api/v1/accounts/{}/unfollow", alice.id),
        json!({}),
    )
    .await;
    assert_eq!(texts(&s, &bob, "owls").await, vec!["public owls"]);

    // Blocks and mutes hide; accounts that are not indexable are not found
    // by others.
    act(
        &s,
        &dave,
        Method::POST,
        &format!("/api/v1/accounts/{}/mute", alice.id),
        json!({}),
    )
    .await;
    assert!(texts(&s, &dave, "owls").await.is_empty());
    act(
        &s,
        &alice,
        Method::POST,
        &format!("/api/v1/accounts/{}/block", carol.id),
        json!({}),
    )
    .await;
    assert!(texts(&s, &carol, "owls").await.is_empty());
    act(
        &s,
        &alice,
        Method::PATCH,
        "/api/v1/accounts/update_credentials",
        json!({"indexable": false}),
    )
    .await;
    assert!(texts(&s, &bob, "owls").await.is_empty());
    assert_eq!(texts(&s, &alice, "owls").await.len(), 4);
}

#[tokio::test]
async fn posts_written_before_the_index_are_indexed_after_start() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    post(&s, &alice, json!({"status": "old wren"})).await;
    post(&s, &alice, json!({"status": "older wren"})).await;
    indexed(&s.app).await;
    sql_execute(&s.app, "DELETE FROM status_search").await;
    assert!(texts(&s, &alice, "wren").await.is_empty());
    let mut after = 0;
    while let Some(last) = roost::service::search::backfill(&s.app, after, 1)
        .await
        .unwrap()
    {
        after = last;
    }
    assert_eq!(
        texts(&s, &alice, "wren").await,
        vec!["older wren", "old wren"]
    );
}

#[tokio::test]
async fn posts_queued_for_the_index_before_a_restart_are_indexed() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let p = post(&s, &alice, json!({"status": "queued heron"})).await;
    indexed(&s.app).await;
    // As a crash would leave it: the post queued, its entry not written,
    // and nothing to wake the indexer; plus a queued post since deleted.
    sql_execute(&s.app, "DELETE FROM status_search").await;
    sql_execute(
        &s.app,
        &format!(
            "INSERT INTO search_queue (status_id) VALUES ({}), (12345)",
            p["id"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(texts(&s, &alice, "heron").await, vec!["queued heron"]);
    assert_eq!(
        sql_count(&s.app, "SELECT COUNT(*) FROM search_queue").await,
        0
    );
}

#[tokio::test]
async fn hashtags_carry_their_id_and_a_week_of_history() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    post(&s, &alice, json!({"status": "#Birds one"})).await;
    post(
        &s,
        &alice,
        json!({"status": "#birds two", "visibility": "unlisted"}),
    )
    .await;
    post(&s, &bob, json!({"status": "more #birds"})).await;
    post(
        &s,
        &bob,
        json!({"status": "hidden #birds", "visibility": "private"}),
    )
    .await;
    let today = chrono::Utc::now().date_naive();
    let midnight = today.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp();

    let (status, tag) = s.get("/api/v1/tags/Birds", Some(&bob.token)).await;
    assert_eq!(status, StatusCode::OK, "{tag}");
    assert_eq!(tag["name"], "birds");
    assert!(!tag["id"].as_str().unwrap().is_empty(), "{tag}");
    assert_eq!(tag["following"], false);
    let history = tag["history"].as_array().unwrap();
    assert_eq!(history.len(), 7);
    // Today first: three public or unlisted posts by two accounts (the
    // followers-only one does not count); the days before, nothing.
    assert_eq!(
        history[0],
        json!({"day": midnight.to_string(), "uses": "3", "accounts": "2"})
    );
    assert_eq!(history[1]["day"], (midnight - 86_400).to_string());
    assert!(
        history[1..]
            .iter()
            .all(|d| d["uses"] == "0" && d["accounts"] == "0")
    );

    // A tag nobody used: no id, an empty week; a name that is not a tag: 404.
    let (status, unused) = s.get("/api/v1/tags/nothinghere", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(unused["id"], "");
    assert_eq!(unused["history"].as_array().unwrap().len(), 7);
    let (status, _) = s.get("/api/v1/tags/not%20a%20tag", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Following it, and finding it by prefix, show the same figures.
    let (_, followed) = s
        .request(
            Method::POST,
            "/api/v1/tags/birds/follow",
            Some(&bob.token),
            None,
        )
        .await;
    assert_eq!(followed["history"][0]["uses"], "3");
    let (_, list) = s.get("/api/v1/followed_tags", Some(&bob.token)).await;
    assert_eq!(list[0]["id"], tag["id"]);
    assert_eq!(list[0]["history"][0]["accounts"], "2");
    let (_, found) = s
        .get("/api/v2/search?type=hashtags&q=%23bir", Some(&bob.token))
        .await;
    assert_eq!(found["hashtags"][0]["name"], "birds", "{found}");
    assert_eq!(found["hashtags"][0]["following"], true);
    assert_eq!(found["hashtags"][0]["history"][0]["uses"], "3");

    // Featuring it on one's profile, and no longer.
    let (status, featured) = s
        .request(
            Method::POST,
            "/api/v1/tags/birds/feature",
            Some(&bob.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{featured}");
    assert_eq!(featured["featuring"], true);
    let (_, mine) = s.get("/api/v1/featured_tags", Some(&bob.token)).await;
    assert_eq!(mine[0]["name"], "birds", "{mine}");
    let (_, shown) = s.get("/api/v1/tags/birds", Some(&bob.token)).await;
    assert_eq!(shown["featuring"], true);
    let (_, unfeatured) = s
        .request(
            Method::POST,
            "/api/v1/tags/birds/unfeature",
            Some(&bob.token),
            None,
        )
        .await;
    assert_eq!(unfeatured["featuring"], false);
    let (_, mine) = s.get("/api/v1/featured_tags", Some(&bob.token)).await;
    assert_eq!(mine, json!([]));

    // The web page the hashtags in posts link to.
    let page = s.http.get(s.url("/tags/Birds")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("<h1>#birds</h1>"), "{html}");
    assert!(html.contains("3 posts in the last 7 days"), "{html}");
    assert!(html.contains("more <a"), "{html}");
    assert!(
        !html.contains("hidden"),
        "a followers-only post on the public page: {html}"
    );
    let missing = s
        .http
        .get(s.url("/tags/not%20a%20tag"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

/// A post from another server is indexed as it arrives (its HTML as
/// text), and found by words there; its edit and delete follow.
#[tokio::test]
async fn posts_from_other_servers_are_found_by_their_words() {
    let (a, b) = federated_pair().await;
    let alice = a.user("alice").await;
    let bob = b.user("bob").await;
    crate::federation::remote_follower(&b, &a, &bob, &alice).await;
    let remote = post(
        &b,
        &bob,
        json!({"status": "Distant <b>herons</b> gather at the lake"}),
    )
    .await;
    let found = eventually("the remote post to be found by its words", || async {
        let found = texts(&a, &alice, "herons lake").await;
        (!found.is_empty()).then_some(found)
    })
    .await;
    assert_eq!(found, vec!["Distant <b>herons</b> gather at the lake"]);
    let id = remote["id"].as_str().unwrap();
    act(
        &b,
        &bob,
        Method::PUT,
        &format!("/api/v1/statuses/{id}"),
        json!({"status": "Distant cranes gather"}),
    )
    .await;
    eventually("the edit to reach the index", || async {
        (texts(&a, &alice, "cranes").await.len() == 1).then_some(())
    })
    .await;
    assert!(texts(&a, &alice, "herons").await.is_empty());
    act(
        &b,
        &bob,
        Method::DELETE,
        &format!("/api/v1/statuses/{id}"),
        json!({}),
    )
    .await;
    eventually("the delete to reach the index", || async {
        texts(&a, &alice, "cranes").await.is_empty().then_some(())
    })
    .await;
}
