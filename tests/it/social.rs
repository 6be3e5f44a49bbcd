//! The social core (issue 4): statuses and their privacy, relationships and
//! follow requests, home/public/tag/account timelines and their pagination,
//! notifications and markers, direct messages, and the fan-out job queue.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::*;

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// `POST /api/v1/statuses` as `u` with a JSON body.
async fn post_status(s: &TestServer, u: &TestUser, body: Value) -> (StatusCode, Value) {
    s.request(Method::POST, "/api/v1/statuses", Some(&u.token), Some(body))
        .await
}

/// Posts `text` with `visibility`; returns the new status id.
async fn post(s: &TestServer, u: &TestUser, text: &str, visibility: &str) -> String {
    let (status, body) = post_status(s, u, json!({"status": text, "visibility": visibility})).await;
    assert_eq!(status, StatusCode::OK, "posting {text:?}: {body}");
    body["id"].as_str().unwrap().to_string()
}

/// Replies to `to`; returns the reply's id.
async fn reply(s: &TestServer, u: &TestUser, text: &str, visibility: &str, to: &str) -> String {
    let (status, body) = post_status(
        s,
        u,
        json!({"status": text, "visibility": visibility, "in_reply_to_id": to}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "replying {text:?}: {body}");
    assert_eq!(body["in_reply_to_id"], json!(to));
    body["id"].as_str().unwrap().to_string()
}

/// `DELETE /api/v1/statuses/:id` as `u`.
async fn delete_status(s: &TestServer, u: &TestUser, id: &str) -> (StatusCode, Value) {
    s.request(
        Method::DELETE,
        &format!("/api/v1/statuses/{id}"),
        Some(&u.token),
        None,
    )
    .await
}

/// A POST without a body (the action endpoints).
async fn act(s: &TestServer, u: &TestUser, path: &str) -> (StatusCode, Value) {
    s.request(Method::POST, path, Some(&u.token), None).await
}

/// `who` follows `whom`; returns the Relationship.
async fn follow(s: &TestServer, who: &TestUser, whom: &TestUser) -> Value {
    let (status, rel) = act(s, who, &format!("/api/v1/accounts/{}/follow", whom.id)).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "{} follows {}: {rel}",
        who.username,
        whom.username
    );
    rel
}

/// The Relationship of `me` to `other`.
async fn relationship(s: &TestServer, me: &TestUser, other: &TestUser) -> Value {
    let (status, body) = s
        .get(
            &format!("/api/v1/accounts/relationships?id[]={}", other.id),
            Some(&me.token),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body[0]["id"], json!(other.id), "{body}");
    body[0].clone()
}

/// Makes `u`'s account locked (follows need approval).
async fn lock(s: &TestServer, u: &TestUser) {
    let (status, body) = s
        .request(
            Method::PATCH,
            "/api/v1/accounts/update_credentials",
            Some(&u.token),
            Some(json!({"locked": true})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["locked"], true, "{body}");
}

/// The `id`s of a JSON array of entities.
fn ids(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("expected an array: {v}"))
        .iter()
        .map(|x| x["id"].as_str().unwrap().to_string())
        .collect()
}

/// A list endpoint's items, asserting 200.
async fn list(s: &TestServer, path: &str, token: Option<&str>) -> Value {
    let (status, body) = s.get(path, token).await;
    assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
    assert!(body.is_array(), "GET {path}: {body}");
    body
}

/// The ids on the first 40 items of `u`'s home timeline.
async fn home_ids(s: &TestServer, u: &TestUser) -> Vec<String> {
    ids(&list(s, "/api/v1/timelines/home?limit=40", Some(&u.token)).await)
}

/// The ids of `author`'s statuses as `viewer` (None: signed out) sees them.
async fn account_status_ids(
    s: &TestServer,
    viewer: Option<&TestUser>,
    author: &TestUser,
) -> Vec<String> {
    ids(&list(
        s,
        &format!("/api/v1/accounts/{}/statuses?limit=40", author.id),
        viewer.map(|v| v.token.as_str()),
    )
    .await)
}

/// `u`'s notifications, with an optional extra query string.
async fn notifications(s: &TestServer, u: &TestUser, query: &str) -> Vec<Value> {
    let path = if query.is_empty() {
        "/api/v1/notifications".to_string()
    } else {
        format!("/api/v1/notifications?{query}")
    };
    list(s, &path, Some(&u.token))
        .await
        .as_array()
        .unwrap()
        .clone()
}

/// `(type, from account id, status id)` of each notification.
fn summary(ns: &[Value]) -> Vec<(String, String, Option<String>)> {
    ns.iter()
        .map(|n| {
            (
                n["type"].as_str().unwrap().to_string(),
                n["account"]["id"].as_str().unwrap().to_string(),
                n["status"]["id"].as_str().map(str::to_string),
            )
        })
        .collect()
}

async fn status_count(s: &TestServer) -> i64 {
    s.app.store.count_local_statuses().await.unwrap()
}

/// A GET of an absolute URL: status, body and the `Link` header as rel → URL.
async fn get_page(
    s: &TestServer,
    url: &str,
    token: &str,
) -> (StatusCode, Value, HashMap<String, String>) {
    let resp = s.http.get(url).bearer_auth(token).send().await.unwrap();
    let status = resp.status();
    let links = resp
        .headers()
        .get("link")
        .map(|h| parse_link(h.to_str().unwrap()))
        .unwrap_or_default();
    let body = resp.json().await.unwrap_or(Value::Null);
    (status, body, links)
}

/// `<url>; rel="next", <url>; rel="prev"` → {"next": url, "prev": url}.
fn parse_link(header: &str) -> HashMap<String, String> {
    header
        .split(',')
        .filter_map(|part| {
            let (url, rest) = part.trim().split_once(';')?;
            let url = url.trim().trim_start_matches('<').trim_end_matches('>');
            let rel = rest.trim().strip_prefix("rel=")?.trim_matches('"');
            Some((rel.to_string(), url.to_string()))
        })
        .collect()
}

/// Follows `rel` links from `first` until an empty page; returns the pages' ids.
async fn walk(s: &TestServer, token: &str, first: &str, rel: &str) -> Vec<Vec<i64>> {
    let mut pages = Vec::new();
    let mut url = first.to_string();
    for _ in 0..100 {
        let (status, body, links) = get_page(s, &url, token).await;
        assert_eq!(status, StatusCode::OK, "GET {url}: {body}");
        let page: Vec<i64> = ids(&body).iter().map(|i| i.parse().unwrap()).collect();
        if page.is_empty() {
            return pages;
        }
        pages.push(page);
        url = links
            .get(rel)
            .unwrap_or_else(|| panic!("a non-empty page of {url} has no rel=\"{rel}\" link"))
            .clone();
    }
    panic!("pagination from {first} did not end after 100 pages");
}

fn assert_strictly_descending(list: &[i64], what: &str) {
    for w in list.windows(2) {
        assert!(w[0] > w[1], "{what}: not strictly newest first: {list:?}");
    }
}

// ---------------------------------------------------------------------------
// Followers-only posts
// ---------------------------------------------------------------------------

#[tokio::test]
async fn private_post_is_seen_by_its_author_and_followers_only() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let carol = s.user("carol").await;
    follow(&s, &bob, &alice).await;
    let public = post(&s, &alice, "for everyone", "public").await;
    let private = post(&s, &alice, "for followers only", "private").await;

    // The public post is readable by all, so a 404 below is about privacy.
    for token in [Some(&carol.token), None] {
        let (status, _) = s
            .get(
                &format!("/api/v1/statuses/{public}"),
                token.map(String::as_str),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    let path = format!("/api/v1/statuses/{private}");
    let (status, body) = s.get(&path, Some(&alice.token)).await;
    assert_eq!(status, StatusCode::OK, "author: {body}");
    assert_eq!(body["visibility"], "private");
    let (status, body) = s.get(&path, Some(&bob.token)).await;
    assert_eq!(status, StatusCode::OK, "follower: {body}");
    assert_eq!(body["id"], json!(private));
    let (status, body) = s.get(&path, Some(&carol.token)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "non-follower: {body}");
    let (status, body) = s.get(&path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "anonymous: {body}");
}

#[tokio::test]
async fn private_post_is_visible_to_a_mentioned_non_follower() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let dave = s.user("dave").await;
    let carol = s.user("carol").await;
    let id = post(
        &s,
        &alice,
        "@dave just between followers and you",
        "private",
    )
    .await;
    let (status, body) = s
        .get(&format!("/api/v1/statuses/{id}"), Some(&dave.token))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = s
        .get(&format!("/api/v1/statuses/{id}"), Some(&carol.token))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn private_post_is_absent_from_non_followers_view_of_account_statuses() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let carol = s.user("carol").await;
    follow(&s, &bob, &alice).await;
    let public = post(&s, &alice, "public one", "public").await;
    let private = post(&s, &alice, "private one", "private").await;

    for (who, viewer) in [("non-follower", Some(&carol)), ("anonymous", None)] {
        let seen = account_status_ids(&s, viewer, &alice).await;
        assert!(seen.contains(&public), "{who}: {seen:?}");
        assert!(!seen.contains(&private), "{who} sees the private post");
    }
    for (who, viewer) in [("follower", &bob), ("author", &alice)] {
        let seen = account_status_ids(&s, Some(viewer), &alice).await;
        assert!(
            seen.contains(&public) && seen.contains(&private),
            "{who}: {seen:?}"
        );
    }
}

#[tokio::test]
async fn context_hides_private_posts_from_non_followers() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let carol = s.user("carol").await;
    follow(&s, &bob, &alice).await;
    let root = post(&s, &alice, "private root", "private").await;
    let middle = reply(&s, &alice, "public middle", "public", &root).await;
    let leaf = reply(&s, &alice, "private leaf", "private", &middle).await;

    let (status, ctx) = s
        .get(
            &format!("/api/v1/statuses/{middle}/context"),
            Some(&bob.token),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{ctx}");
    assert_eq!(ids(&ctx["ancestors"]), vec![root.clone()]);
    assert_eq!(ids(&ctx["descendants"]), vec![leaf.clone()]);

    for (who, token) in [
        ("non-follower", Some(carol.token.as_str())),
        ("anonymous", None),
    ] {
        let (status, ctx) = s
            .get(&format!("/api/v1/statuses/{middle}/context"), token)
            .await;
        assert_eq!(status, StatusCode::OK, "{who}: {ctx}");
        assert_eq!(ids(&ctx["ancestors"]), Vec::<String>::new(), "{who}");
        assert_eq!(ids(&ctx["descendants"]), Vec::<String>::new(), "{who}");
        for hidden in [&root, &leaf] {
            let (status, _) = s
                .get(&format!("/api/v1/statuses/{hidden}/context"), token)
                .await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{who}: context of {hidden}");
        }
    }
}

#[tokio::test]
async fn non_follower_cannot_favourite_boost_or_list_interactions_on_a_private_post() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let carol = s.user("carol").await;
    follow(&s, &bob, &alice).await;
    let id = post(&s, &alice, "followers only", "private").await;

    for action in ["favourite", "reblog", "bookmark"] {
        let (status, body) = act(&s, &carol, &format!("/api/v1/statuses/{id}/{action}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{action}: {body}");
    }
    for which in ["favourited_by", "reblogged_by"] {
        for token in [Some(carol.token.as_str()), None] {
            let (status, body) = s
                .get(&format!("/api/v1/statuses/{id}/{which}"), token)
                .await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{which}: {body}");
        }
    }
    let (_, status_now) = s
        .get(&format!("/api/v1/statuses/{id}"), Some(&alice.token))
        .await;
    assert_eq!(status_now["favourites_count"], 0);
    assert_eq!(status_now["reblogs_count"], 0);

    // A follower may favourite it (so the 404s above are about privacy)…
    let (status, body) = act(&s, &bob, &format!("/api/v1/statuses/{id}/favourite")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["favourited"], true);
    assert_eq!(body["favourites_count"], 1);
    let by = list(
        &s,
        &format!("/api/v1/statuses/{id}/favourited_by"),
        Some(&bob.token),
    )
    .await;
    assert_eq!(ids(&by), vec![bob.id.clone()]);
    // …but not boost it: followers-only posts cannot be boosted by others.
    let (status, body) = act(&s, &bob, &format!("/api/v1/statuses/{id}/reblog")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let senders: Vec<String> = notifications(&s, &alice, "")
        .await
        .iter()
        .map(|n| n["account"]["id"].as_str().unwrap().to_string())
        .collect();
    assert!(!senders.contains(&carol.id), "{senders:?}");
}

// ---------------------------------------------------------------------------
// Direct messages
// ---------------------------------------------------------------------------

#[tokio::test]
async fn direct_message_is_seen_only_by_its_author_and_mentioned_accounts() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let carol = s.user("carol").await;
    follow(&s, &bob, &alice).await;
    follow(&s, &carol, &alice).await;
    let dm = post(&s, &alice, "@bob this is between us", "direct").await;
    let path = format!("/api/v1/statuses/{dm}");

    let (status, body) = s.get(&path, Some(&alice.token)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["visibility"], "direct");
    let (status, body) = s.get(&path, Some(&bob.token)).await;
    assert_eq!(status, StatusCode::OK, "recipient: {body}");
    let (status, _) = s.get(&path, Some(&carol.token)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "third account (a follower)");
    let (status, _) = s.get(&path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "anonymous");
    let (status, _) = s.get(&format!("{path}/context"), Some(&carol.token)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = act(&s, &carol, &format!("{path}/favourite")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = post_status(
        &s,
        &carol,
        json!({"status": "butting in", "in_reply_to_id": dm, "visibility": "direct"}),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "replying to an unseen DM: {body}"
    );
    assert_eq!(status_count(&s).await, 1);

    // Nowhere in the third account's lists either, though she follows alice.
    assert!(!home_ids(&s, &carol).await.contains(&dm));
    assert!(
        !account_status_ids(&s, Some(&carol), &alice)
            .await
            .contains(&dm)
    );
    assert!(!ids(&list(&s, "/api/v1/timelines/public", Some(&carol.token)).await).contains(&dm));
    // The mentioned follower has it in home; the author in her statuses.
    assert!(home_ids(&s, &bob).await.contains(&dm));
    assert!(
        account_status_ids(&s, Some(&bob), &alice)
            .await
            .contains(&dm)
    );
}

/// Lets strangers' private mentions into `user`'s notifications (Mastodon's
/// default policy holds them back as requests; grouped.rs tests that).
async fn accept_private_mentions(s: &TestServer, user: &TestUser) {
    let (status, _) = s
        .request(
            reqwest::Method::PATCH,
            "/api/v2/notifications/policy",
            Some(&user.token),
            Some(json!({"for_private_mentions": "accept"})),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK);
}

#[tokio::test]
async fn direct_message_appears_in_the_recipients_conversations() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let carol = s.user("carol").await;
    accept_private_mentions(&s, &bob).await;
    let dm = post(&s, &alice, "@bob are you there?", "direct").await;

    let convs = list(&s, "/api/v1/conversations", Some(&bob.token)).await;
    let conv = convs
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["last_status"]["id"] == json!(dm))
        .unwrap_or_else(|| panic!("bob's conversations lack the DM: {convs}"))
        .clone();
    assert_eq!(ids(&conv["accounts"]), vec![alice.id.clone()], "{conv}");
    assert_eq!(conv["unread"], true, "{conv}");
    // The recipient is mentioned, so she heard of it.
    let ns = notifications(&s, &bob, "").await;
    assert_eq!(
        summary(&ns),
        vec![("mention".into(), alice.id.clone(), Some(dm.clone()))]
    );

    let mine = list(&s, "/api/v1/conversations", Some(&alice.token)).await;
    assert!(
        mine.as_array()
            .unwrap()
            .iter()
            .any(|c| c["last_status"]["id"] == json!(dm)),
        "{mine}"
    );
    let theirs = list(&s, "/api/v1/conversations", Some(&carol.token)).await;
    assert_eq!(theirs, json!([]));

    let id = conv["id"].as_str().unwrap();
    let (status, body) = act(&s, &bob, &format!("/api/v1/conversations/{id}/read")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["unread"], false);
    let (status, _) = act(&s, &carol, &format!("/api/v1/conversations/{id}/read")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "someone else's conversation");
}

// ---------------------------------------------------------------------------
// Editing and deleting
// ---------------------------------------------------------------------------

#[tokio::test]
async fn editing_another_accounts_post_is_404_and_changes_nothing() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let id = post(&s, &alice, "original words", "public").await;

    let (status, body) = s
        .request(
            Method::PUT,
            &format!("/api/v1/statuses/{id}"),
            Some(&bob.token),
            Some(json!({"status": "words put in her mouth"})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (_, now) = s.get(&format!("/api/v1/statuses/{id}"), None).await;
    assert!(
        now["content"].as_str().unwrap().contains("original words"),
        "{now}"
    );
    assert_eq!(now["edited_at"], Value::Null);
    let history = list(&s, &format!("/api/v1/statuses/{id}/history"), None).await;
    assert_eq!(history.as_array().unwrap().len(), 1, "{history}");
    let (status, _) = s
        .get(&format!("/api/v1/statuses/{id}/source"), Some(&bob.token))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn editing_own_post_keeps_its_history() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let id = post(&s, &alice, "first draft", "public").await;
    let (status, body) = s
        .request(
            Method::PUT,
            &format!("/api/v1/statuses/{id}"),
            Some(&alice.token),
            Some(json!({"status": "second draft"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["content"].as_str().unwrap().contains("second draft"));
    assert!(body["edited_at"].is_string(), "{body}");
    let history = list(&s, &format!("/api/v1/statuses/{id}/history"), None).await;
    let contents: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["content"].as_str().unwrap())
        .collect();
    assert_eq!(contents.len(), 2, "{history}");
    assert!(contents[0].contains("first draft") && contents[1].contains("second draft"));
    let (status, source) = s
        .get(&format!("/api/v1/statuses/{id}/source"), Some(&alice.token))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(source["text"], "second draft");
}

#[tokio::test]
async fn deleting_another_accounts_post_is_404_and_keeps_it() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let id = post(&s, &alice, "still here", "public").await;
    let (status, body) = delete_status(&s, &bob, &id).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, _) = s.get(&format!("/api/v1/statuses/{id}"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(status_count(&s).await, 1);
}

#[tokio::test]
async fn deleting_own_post_returns_its_source_text_and_removes_it() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    follow(&s, &bob, &alice).await;
    let text = "to be redrafted #later @bob https://example.org/x";
    let id = post(&s, &alice, text, "public").await;
    assert!(home_ids(&s, &bob).await.contains(&id));

    let (status, body) = delete_status(&s, &alice, &id).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["id"], json!(id));
    assert_eq!(body["text"], text, "delete & redraft needs the source text");
    let (status, _) = s
        .get(&format!("/api/v1/statuses/{id}"), Some(&alice.token))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!home_ids(&s, &bob).await.contains(&id));
    assert_eq!(status_count(&s).await, 0);
    let (status, _) = delete_status(&s, &alice, &id).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "deleting twice");
}

#[tokio::test]
async fn deleting_a_post_removes_its_boosts() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let carol = s.user("carol").await;
    follow(&s, &carol, &bob).await;
    let id = post(&s, &alice, "boost me, then I vanish", "public").await;
    let (status, boost) = act(&s, &bob, &format!("/api/v1/statuses/{id}/reblog")).await;
    assert_eq!(status, StatusCode::OK, "{boost}");
    let boost_id = boost["id"].as_str().unwrap().to_string();
    assert!(home_ids(&s, &carol).await.contains(&boost_id));
    assert!(account_status_ids(&s, None, &bob).await.contains(&boost_id));

    let (status, _) = delete_status(&s, &alice, &id).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = s
        .get(&format!("/api/v1/statuses/{boost_id}"), Some(&bob.token))
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "the boost outlived its original"
    );
    assert!(!account_status_ids(&s, None, &bob).await.contains(&boost_id));
    assert!(!home_ids(&s, &carol).await.contains(&boost_id));
    let (_, me) = s
        .get("/api/v1/accounts/verify_credentials", Some(&bob.token))
        .await;
    assert_eq!(me["statuses_count"], 0, "{me}");
}

#[tokio::test]
async fn post_text_is_escaped_not_markup() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let text =
        "<script>alert(1)</script> <b>bold</b> & \"quotes\" <a href=\"https://evil.example\">x</a>";
    let (status, body) = post_status(&s, &alice, json!({"status": text})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let content = body["content"].as_str().unwrap();
    for raw in ["<script", "<b>", "<a href=\"https://evil.example\">"] {
        assert!(!content.contains(raw), "{raw} became markup: {content}");
    }
    assert!(content.contains("&lt;script&gt;"), "{content}");
    assert!(content.contains("&amp;"), "{content}");
}

// ---------------------------------------------------------------------------
// Blocks
// ---------------------------------------------------------------------------

#[tokio::test]
async fn following_an_account_that_blocks_you_is_forbidden() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let (status, rel) = act(&s, &alice, &format!("/api/v1/accounts/{}/block", bob.id)).await;
    assert_eq!(status, StatusCode::OK, "{rel}");
    assert_eq!(rel["blocking"], true);

    let (status, body) = act(&s, &bob, &format!("/api/v1/accounts/{}/follow", alice.id)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let rel = relationship(&s, &bob, &alice).await;
    assert_eq!(rel["following"], false, "{rel}");
    assert_eq!(rel["requested"], false, "{rel}");
    assert_eq!(rel["blocked_by"], true, "{rel}");
    assert_eq!(rel["blocking"], false, "{rel}");
    let rel = relationship(&s, &alice, &bob).await;
    assert_eq!(rel["blocking"], true, "{rel}");
    assert_eq!(rel["blocked_by"], false, "{rel}");
    assert_eq!(rel["followed_by"], false, "{rel}");
    let followers = list(
        &s,
        &format!("/api/v1/accounts/{}/followers", alice.id),
        Some(&alice.token),
    )
    .await;
    assert_eq!(followers, json!([]));
}

#[tokio::test]
async fn blocking_ends_follows_both_ways_and_hides_each_from_the_other() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    follow(&s, &alice, &bob).await;
    follow(&s, &bob, &alice).await;
    let from_bob = post(&s, &bob, "bob speaks", "public").await;
    let from_alice = post(&s, &alice, "alice speaks", "public").await;
    assert!(home_ids(&s, &alice).await.contains(&from_bob));
    assert!(home_ids(&s, &bob).await.contains(&from_alice));
    let rel = relationship(&s, &alice, &bob).await;
    assert_eq!(
        (rel["following"].clone(), rel["followed_by"].clone()),
        (json!(true), json!(true))
    );

    let (status, rel) = act(&s, &alice, &format!("/api/v1/accounts/{}/block", bob.id)).await;
    assert_eq!(status, StatusCode::OK, "{rel}");
    for (k, v) in [
        ("blocking", true),
        ("blocked_by", false),
        ("following", false),
        ("followed_by", false),
    ] {
        assert_eq!(rel[k], v, "alice→bob {k}: {rel}");
    }
    let rel = relationship(&s, &bob, &alice).await;
    for (k, v) in [
        ("blocking", false),
        ("blocked_by", true),
        ("following", false),
        ("followed_by", false),
    ] {
        assert_eq!(rel[k], v, "bob→alice {k}: {rel}");
    }
    assert!(!home_ids(&s, &alice).await.contains(&from_bob));
    assert!(!home_ids(&s, &bob).await.contains(&from_alice));
    let (status, _) = s
        .get(&format!("/api/v1/statuses/{from_alice}"), Some(&bob.token))
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "the blocked reads the blocker's post"
    );
    for (who, id) in [(&alice, &bob.id), (&bob, &alice.id)] {
        for which in ["followers", "following"] {
            let l = list(
                &s,
                &format!("/api/v1/accounts/{id}/{which}"),
                Some(&who.token),
            )
            .await;
            assert_eq!(l, json!([]), "{which} of {id}");
        }
    }
}

// ---------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------

#[tokio::test]
async fn blank_post_is_rejected() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    for body in [
        json!({"status": ""}),
        json!({"status": "  \n\t "}),
        json!({}),
    ] {
        let (status, err) = post_status(&s, &alice, body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {err}");
        assert!(
            err["error"]
                .as_str()
                .unwrap()
                .starts_with("Validation failed"),
            "{err}"
        );
    }
    assert_eq!(status_count(&s).await, 0);
}

#[tokio::test]
async fn post_length_limit_is_500_characters() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let (status, err) = post_status(&s, &alice, json!({"status": "a".repeat(501)})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    // The spoiler counts towards the limit.
    let (status, err) = post_status(
        &s,
        &alice,
        json!({"status": "a".repeat(300), "spoiler_text": "b".repeat(201)}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(status_count(&s).await, 0);

    let (status, body) = post_status(&s, &alice, json!({"status": "a".repeat(500)})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Characters, not bytes.
    let (status, body) = post_status(&s, &alice, json!({"status": "é".repeat(500)})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(status_count(&s).await, 2);
}

#[tokio::test]
async fn a_url_counts_as_23_characters() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let url = format!("https://example.org/{}", "p".repeat(100));
    // 476 + 1 + 23 = 500 characters as Mastodon counts them (597 raw).
    let fits = format!("{} {url}", "a".repeat(476));
    let (status, body) = post_status(&s, &alice, json!({"status": fits})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body["content"]
            .as_str()
            .unwrap()
            .contains("href=\"https://example.org/")
    );
    let too_long = format!("{} {url}", "a".repeat(477));
    let (status, err) = post_status(&s, &alice, json!({"status": too_long})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(status_count(&s).await, 1);
}

#[tokio::test]
async fn unknown_visibility_is_rejected() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let (status, err) =
        post_status(&s, &alice, json!({"status": "hi", "visibility": "secret"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(status_count(&s).await, 0);
    for v in ["public", "unlisted", "private", "direct"] {
        let (status, body) =
            post_status(&s, &alice, json!({"status": "hi", "visibility": v})).await;
        assert_eq!(status, StatusCode::OK, "{v}: {body}");
        assert_eq!(body["visibility"], v);
    }
}

#[tokio::test]
async fn poll_with_one_option_is_rejected() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let (status, err) = post_status(
        &s,
        &alice,
        json!({"status": "Pick one", "poll": {"options": ["only"], "expires_in": 3600}}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    // Refused for the option count, not for some other reason.
    assert_eq!(err["details"]["poll"][0]["error"], "ERR_TOO_SHORT", "{err}");
    assert_eq!(status_count(&s).await, 0);
}

/// Proves the one-option refusal above is about the option count: Mastodon
/// accepts a poll with two options.
#[tokio::test]
async fn poll_with_two_options_is_created() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let (status, body) = post_status(
        &s,
        &alice,
        json!({"status": "Tea or coffee?", "poll": {"options": ["tea", "coffee"], "expires_in": 3600}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let titles: Vec<&str> = body["poll"]["options"]
        .as_array()
        .unwrap_or_else(|| panic!("no poll in {body}"))
        .iter()
        .map(|o| o["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, vec!["tea", "coffee"]);
}

#[tokio::test]
async fn configured_character_limit_is_advertised_and_enforced() {
    let s = TestServer::start_with(|c| c.instance.max_status_chars = 100).await;
    let alice = s.user("alice").await;
    let (_, instance) = s.get("/api/v2/instance", None).await;
    assert_eq!(
        instance["configuration"]["statuses"]["max_characters"], 100,
        "{instance}"
    );
    let (status, _) = post_status(&s, &alice, json!({"status": "a".repeat(101)})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, body) = post_status(&s, &alice, json!({"status": "a".repeat(100)})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn scheduled_status_is_not_published_before_its_time() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let at = (chrono::Utc::now() + chrono::Duration::hours(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let (status, body) = post_status(
        &s,
        &alice,
        json!({"status": "see you in an hour", "scheduled_at": at}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Mastodon answers a ScheduledStatus, not a Status.
    assert!(
        body["scheduled_at"].is_string(),
        "not a ScheduledStatus: {body}"
    );
    assert_eq!(body["params"]["text"], "see you in an hour", "{body}");
    assert_eq!(status_count(&s).await, 0, "published at once");
    assert!(
        account_status_ids(&s, Some(&alice), &alice)
            .await
            .is_empty()
    );
}

// ---------------------------------------------------------------------------
// Idempotency
// ---------------------------------------------------------------------------

async fn post_with_key(s: &TestServer, u: &TestUser, text: &str, key: &str) -> String {
    let resp = s
        .http
        .post(s.url("/api/v1/statuses"))
        .bearer_auth(&u.token)
        .header("Idempotency-Key", key)
        .json(&json!({"status": text}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.unwrap();
    body["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn duplicate_idempotency_key_returns_the_same_post() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let first = post_with_key(&s, &alice, "once only", "key-1").await;
    let again = post_with_key(&s, &alice, "once only", "key-1").await;
    assert_eq!(first, again);
    assert_eq!(status_count(&s).await, 1);
    assert_eq!(
        account_status_ids(&s, None, &alice).await,
        vec![first.clone()]
    );

    let other = post_with_key(&s, &alice, "once only", "key-2").await;
    assert_ne!(other, first, "another key is another post");
    // Keys belong to their account: bob's key-1 is not alice's.
    let bobs = post_with_key(&s, &bob, "mine", "key-1").await;
    assert_ne!(bobs, first);
    assert_eq!(status_count(&s).await, 3);
}

// ---------------------------------------------------------------------------
// Pagination
// ---------------------------------------------------------------------------

/// alice follows bob; 45 posts land in alice's home (30 by bob, 15 by alice).
/// Returns the server, alice, bob and the home ids, newest first.
async fn home_of_45() -> (TestServer, TestUser, TestUser, Vec<i64>) {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    follow(&s, &alice, &bob).await;
    let mut created = Vec::new();
    for i in 0..45 {
        let author = if i % 3 == 2 { &alice } else { &bob };
        created.push(
            post(&s, author, &format!("post number {i}"), "public")
                .await
                .parse::<i64>()
                .unwrap(),
        );
    }
    created.reverse();
    (s, alice, bob, created)
}

#[tokio::test]
async fn home_timeline_pages_return_every_post_exactly_once() {
    let (s, alice, _bob, created) = home_of_45().await;
    let pages = walk(
        &s,
        &alice.token,
        &s.url("/api/v1/timelines/home?limit=10"),
        "next",
    )
    .await;
    assert!(pages[0].len() == 10, "first page: {:?}", pages[0]);
    let all: Vec<i64> = pages.concat();
    assert_strictly_descending(&all, "home");
    assert_eq!(all, created, "every post once, newest first");
}

#[tokio::test]
async fn account_statuses_pages_return_every_post_exactly_once() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let mut created = Vec::new();
    for i in 0..45 {
        created.push(
            post(&s, &bob, &format!("status {i}"), "public")
                .await
                .parse::<i64>()
                .unwrap(),
        );
    }
    created.reverse();
    let first = s.url(&format!("/api/v1/accounts/{}/statuses?limit=10", bob.id));
    let pages = walk(&s, &alice.token, &first, "next").await;
    assert!(pages[0].len() == 10, "first page: {:?}", pages[0]);
    let all: Vec<i64> = pages.concat();
    assert_strictly_descending(&all, "account statuses");
    assert_eq!(all, created);
}

/// Mastodon's `Link` URLs carry `limit`, so a client paging with limit=10
/// keeps getting pages of 10.
#[tokio::test]
async fn pagination_links_keep_the_limit() {
    let (s, alice, bob, _) = home_of_45().await;
    for first in [
        s.url("/api/v1/timelines/home?limit=10"),
        s.url(&format!("/api/v1/accounts/{}/statuses?limit=10", bob.id)),
    ] {
        let pages = walk(&s, &alice.token, &first, "next").await;
        for (i, page) in pages.iter().enumerate() {
            assert!(
                page.len() <= 10,
                "{first}: page {i} has {} items",
                page.len()
            );
        }
    }
}

#[tokio::test]
async fn min_id_pages_walk_forward_through_prev_links() {
    let (s, alice, bob, created) = home_of_45().await;
    let oldest = *created.last().unwrap();

    // The ten posts just after `oldest`, still newest first.
    let (status, body, _) = get_page(
        &s,
        &s.url(&format!("/api/v1/timelines/home?limit=10&min_id={oldest}")),
        &alice.token,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let page: Vec<i64> = ids(&body).iter().map(|i| i.parse().unwrap()).collect();
    assert_eq!(page, created[34..44].to_vec());

    let first = s.url(&format!("/api/v1/timelines/home?limit=10&min_id={oldest}"));
    let pages = walk(&s, &alice.token, &first, "prev").await;
    let mut seen: Vec<i64> = pages.concat();
    assert_eq!(seen.len(), 44, "{pages:?}");
    seen.sort_unstable_by(|a, b| b.cmp(a));
    seen.dedup();
    assert_eq!(
        seen,
        created[..44].to_vec(),
        "every newer post exactly once"
    );
    for p in &pages {
        assert_strictly_descending(p, "a min_id page");
    }

    // The same on an account's statuses (bob wrote 30 of them).
    let bobs: Vec<i64> = {
        let (_, body, _) = get_page(
            &s,
            &s.url(&format!("/api/v1/accounts/{}/statuses?limit=40", bob.id)),
            &alice.token,
        )
        .await;
        ids(&body).iter().map(|i| i.parse().unwrap()).collect()
    };
    assert_eq!(bobs.len(), 30);
    let first = s.url(&format!(
        "/api/v1/accounts/{}/statuses?limit=10&min_id={}",
        bob.id,
        bobs.last().unwrap()
    ));
    let mut seen: Vec<i64> = walk(&s, &alice.token, &first, "prev").await.concat();
    assert_eq!(seen.len(), 29);
    seen.sort_unstable_by(|a, b| b.cmp(a));
    seen.dedup();
    assert_eq!(seen, bobs[..29].to_vec());
}

#[tokio::test]
async fn since_id_returns_the_newest_posts_after_it() {
    let (s, alice, _bob, created) = home_of_45().await;
    let since = created[20];
    let (_, body, _) = get_page(
        &s,
        &s.url(&format!("/api/v1/timelines/home?limit=10&since_id={since}")),
        &alice.token,
    )
    .await;
    let page: Vec<i64> = ids(&body).iter().map(|i| i.parse().unwrap()).collect();
    assert_eq!(
        page,
        created[..10].to_vec(),
        "the newest ten, not the ten after since_id"
    );
    let since = created[5];
    let (_, body, _) = get_page(
        &s,
        &s.url(&format!("/api/v1/timelines/home?since_id={since}")),
        &alice.token,
    )
    .await;
    let page: Vec<i64> = ids(&body).iter().map(|i| i.parse().unwrap()).collect();
    assert_eq!(page, created[..5].to_vec());
    // max_id and since_id together bound both ends.
    let (_, body, _) = get_page(
        &s,
        &s.url(&format!(
            "/api/v1/timelines/home?since_id={}&max_id={}",
            created[10], created[4]
        )),
        &alice.token,
    )
    .await;
    let page: Vec<i64> = ids(&body).iter().map(|i| i.parse().unwrap()).collect();
    assert_eq!(page, created[5..10].to_vec());
}

#[tokio::test]
async fn account_statuses_links_keep_the_tagged_filter() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let mut tagged = Vec::new();
    for i in 0..6 {
        tagged.push(
            post(&s, &alice, &format!("#cats number {i}"), "public")
                .await
                .parse::<i64>()
                .unwrap(),
        );
        post(&s, &alice, &format!("untagged {i}"), "public").await;
    }
    tagged.reverse();
    let first = s.url(&format!(
        "/api/v1/accounts/{}/statuses?tagged=cats&limit=2",
        alice.id
    ));
    let all: Vec<i64> = walk(&s, &alice.token, &first, "next").await.concat();
    assert_eq!(all, tagged, "following next links must stay on #cats");
}

// ---------------------------------------------------------------------------
// Locked accounts and follow requests
// ---------------------------------------------------------------------------

#[tokio::test]
async fn following_a_locked_account_waits_for_authorization() {
    let s = TestServer::start().await;
    let carol = s.user("carol").await;
    let bob = s.user("bob").await;
    lock(&s, &carol).await;
    let secret = post(&s, &carol, "for approved eyes", "private").await;

    let rel = follow(&s, &bob, &carol).await;
    assert_eq!(rel["requested"], true, "{rel}");
    assert_eq!(rel["following"], false, "{rel}");
    let requests = list(&s, "/api/v1/follow_requests", Some(&carol.token)).await;
    assert_eq!(ids(&requests), vec![bob.id.clone()]);
    let rel = relationship(&s, &carol, &bob).await;
    assert_eq!(rel["requested_by"], true, "{rel}");
    assert_eq!(rel["followed_by"], false, "{rel}");
    let ns = notifications(&s, &carol, "").await;
    assert_eq!(
        summary(&ns),
        vec![("follow_request".into(), bob.id.clone(), None)]
    );
    let (status, _) = s
        .get(&format!("/api/v1/statuses/{secret}"), Some(&bob.token))
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a pending request shows nothing"
    );
    assert!(
        !account_status_ids(&s, Some(&bob), &carol)
            .await
            .contains(&secret)
    );

    let (status, rel) = act(
        &s,
        &carol,
        &format!("/api/v1/follow_requests/{}/authorize", bob.id),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{rel}");
    assert_eq!(rel["followed_by"], true, "{rel}");
    assert_eq!(rel["requested_by"], false, "{rel}");
    let rel = relationship(&s, &bob, &carol).await;
    assert_eq!(rel["following"], true, "{rel}");
    assert_eq!(rel["requested"], false, "{rel}");
    assert_eq!(
        list(&s, "/api/v1/follow_requests", Some(&carol.token)).await,
        json!([])
    );
    let followers = list(
        &s,
        &format!("/api/v1/accounts/{}/followers", carol.id),
        Some(&carol.token),
    )
    .await;
    assert_eq!(ids(&followers), vec![bob.id.clone()]);

    // Now the followers-only posts are bob's to read.
    let (status, body) = s
        .get(&format!("/api/v1/statuses/{secret}"), Some(&bob.token))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        account_status_ids(&s, Some(&bob), &carol)
            .await
            .contains(&secret)
    );
    assert!(home_ids(&s, &bob).await.contains(&secret));
    let later = post(&s, &carol, "a later private post", "private").await;
    assert!(home_ids(&s, &bob).await.contains(&later));
}

#[tokio::test]
async fn rejecting_a_follow_request_creates_no_follow() {
    let s = TestServer::start().await;
    let carol = s.user("carol").await;
    let dave = s.user("dave").await;
    lock(&s, &carol).await;
    let secret = post(&s, &carol, "still private", "private").await;
    let rel = follow(&s, &dave, &carol).await;
    assert_eq!(rel["requested"], true, "{rel}");

    let (status, rel) = act(
        &s,
        &carol,
        &format!("/api/v1/follow_requests/{}/reject", dave.id),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{rel}");
    assert_eq!(rel["requested_by"], false, "{rel}");
    assert_eq!(rel["followed_by"], false, "{rel}");
    assert_eq!(
        list(&s, "/api/v1/follow_requests", Some(&carol.token)).await,
        json!([])
    );
    let rel = relationship(&s, &dave, &carol).await;
    assert_eq!(rel["following"], false, "{rel}");
    assert_eq!(rel["requested"], false, "{rel}");
    let (status, _) = s
        .get(&format!("/api/v1/statuses/{secret}"), Some(&dave.token))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!home_ids(&s, &dave).await.contains(&secret));
    assert_eq!(notifications(&s, &carol, "").await, Vec::<Value>::new());
    // Nothing left to authorize.
    let (status, _) = act(
        &s,
        &carol,
        &format!("/api/v1/follow_requests/{}/authorize", dave.id),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let rel = relationship(&s, &dave, &carol).await;
    assert_eq!(rel["following"], false, "{rel}");
}

// ---------------------------------------------------------------------------
// Home timeline
// ---------------------------------------------------------------------------

#[tokio::test]
async fn home_timeline_has_followed_posts_their_boosts_and_own_posts() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let carol = s.user("carol").await;
    let dave = s.user("dave").await;
    follow(&s, &alice, &bob).await;
    let by_carol = post(&s, &carol, "carol, not followed", "public").await;
    let by_bob = post(&s, &bob, "bob, followed", "public").await;
    let (status, boost) = act(&s, &bob, &format!("/api/v1/statuses/{by_carol}/reblog")).await;
    assert_eq!(status, StatusCode::OK, "{boost}");
    assert_eq!(boost["reblog"]["id"], json!(by_carol));
    let boost_id = boost["id"].as_str().unwrap().to_string();
    let own = post(&s, &alice, "alice herself", "public").await;
    let by_dave = post(&s, &dave, "dave, not followed", "public").await;

    let home = list(&s, "/api/v1/timelines/home", Some(&alice.token)).await;
    assert_eq!(
        ids(&home),
        vec![own.clone(), boost_id.clone(), by_bob.clone()],
        "{home}"
    );
    assert_eq!(home[1]["reblog"]["id"], json!(by_carol));
    assert_eq!(home[1]["account"]["id"], json!(bob.id));
    assert!(!ids(&home).contains(&by_dave));
}

#[tokio::test]
async fn muting_an_account_hides_its_posts_and_boosts_of_them_from_home() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let carol = s.user("carol").await;
    follow(&s, &alice, &bob).await;
    follow(&s, &alice, &carol).await;
    let by_bob = post(&s, &bob, "noisy bob", "public").await;
    let (_, boost) = act(&s, &carol, &format!("/api/v1/statuses/{by_bob}/reblog")).await;
    let boost_id = boost["id"].as_str().unwrap().to_string();
    let by_carol = post(&s, &carol, "quiet carol", "public").await;
    let before = home_ids(&s, &alice).await;
    assert!(
        before.contains(&by_bob) && before.contains(&boost_id),
        "{before:?}"
    );

    let (status, rel) = act(&s, &alice, &format!("/api/v1/accounts/{}/mute", bob.id)).await;
    assert_eq!(status, StatusCode::OK, "{rel}");
    assert_eq!(rel["muting"], true, "{rel}");
    let after = home_ids(&s, &alice).await;
    assert_eq!(
        after,
        vec![by_carol],
        "muted posts and boosts of them vanish"
    );
}

#[tokio::test]
async fn following_without_reblogs_keeps_their_boosts_out_of_home() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let carol = s.user("carol").await;
    let (status, rel) = s
        .request(
            Method::POST,
            &format!("/api/v1/accounts/{}/follow", bob.id),
            Some(&alice.token),
            Some(json!({"reblogs": false})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{rel}");
    assert_eq!(rel["showing_reblogs"], false, "{rel}");
    let by_carol = post(&s, &carol, "boost me", "public").await;
    let (_, boost) = act(&s, &bob, &format!("/api/v1/statuses/{by_carol}/reblog")).await;
    let hidden_boost = boost["id"].as_str().unwrap().to_string();
    let by_bob = post(&s, &bob, "bob's own words", "public").await;
    let home = home_ids(&s, &alice).await;
    assert!(home.contains(&by_bob), "{home:?}");
    assert!(
        !home.contains(&hidden_boost),
        "a boost by a reblogs=false follow: {home:?}"
    );

    // Turning boosts back on lets new ones in.
    let (_, rel) = s
        .request(
            Method::POST,
            &format!("/api/v1/accounts/{}/follow", bob.id),
            Some(&alice.token),
            Some(json!({"reblogs": true})),
        )
        .await;
    assert_eq!(rel["showing_reblogs"], true, "{rel}");
    let other = post(&s, &carol, "boost me too", "public").await;
    let (_, boost) = act(&s, &bob, &format!("/api/v1/statuses/{other}/reblog")).await;
    let shown = boost["id"].as_str().unwrap().to_string();
    assert!(home_ids(&s, &alice).await.contains(&shown));
}

#[tokio::test]
async fn replies_reach_home_only_where_mastodon_shows_them() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let carol = s.user("carol").await;
    follow(&s, &alice, &bob).await;

    let by_carol = post(&s, &carol, "carol starts", "public").await;
    let to_stranger = reply(&s, &bob, "@carol I disagree", "public", &by_carol).await;
    let thread = post(&s, &bob, "a thread 1/2", "public").await;
    let self_reply = reply(&s, &bob, "a thread 2/2", "public", &thread).await;
    let mine = post(&s, &alice, "alice asks", "public").await;
    let to_me = reply(&s, &bob, "@alice an answer", "public", &mine).await;

    let home = home_ids(&s, &alice).await;
    assert!(
        !home.contains(&to_stranger),
        "reply to an account alice does not follow"
    );
    assert!(
        home.contains(&thread) && home.contains(&self_reply),
        "self-reply thread: {home:?}"
    );
    assert!(home.contains(&to_me), "a reply to alice herself: {home:?}");

    // Once alice follows both sides, such replies reach her.
    follow(&s, &alice, &carol).await;
    let now_shown = reply(&s, &bob, "@carol on second thought", "public", &by_carol).await;
    assert!(home_ids(&s, &alice).await.contains(&now_shown));
}

#[tokio::test]
async fn unfollowing_removes_their_private_posts_from_home() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    follow(&s, &alice, &bob).await;
    let secret = post(&s, &bob, "followers only", "private").await;
    let public = post(&s, &bob, "for all", "public").await;
    let home = home_ids(&s, &alice).await;
    assert!(home.contains(&secret) && home.contains(&public));

    let (status, rel) = act(&s, &alice, &format!("/api/v1/accounts/{}/unfollow", bob.id)).await;
    assert_eq!(status, StatusCode::OK, "{rel}");
    assert_eq!(rel["following"], false);
    let (status, _) = s
        .get(&format!("/api/v1/statuses/{secret}"), Some(&alice.token))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "no longer a follower");
    let home = home_ids(&s, &alice).await;
    assert!(
        !home.contains(&secret),
        "a private post leaks through the home feed: {home:?}"
    );
    assert!(
        !home.contains(&public),
        "Mastodon unmerges an unfollowed account's posts: {home:?}"
    );
}

#[tokio::test]
async fn removing_a_follower_hides_private_posts_from_their_home() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    follow(&s, &alice, &bob).await;
    let secret = post(&s, &bob, "followers only", "private").await;
    assert!(home_ids(&s, &alice).await.contains(&secret));

    let (status, rel) = act(
        &s,
        &bob,
        &format!("/api/v1/accounts/{}/remove_from_followers", alice.id),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{rel}");
    assert_eq!(rel["followed_by"], false, "{rel}");
    let (status, _) = s
        .get(&format!("/api/v1/statuses/{secret}"), Some(&alice.token))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        !home_ids(&s, &alice).await.contains(&secret),
        "private post still in the removed follower's home"
    );
}

// ---------------------------------------------------------------------------
// Notifications
// ---------------------------------------------------------------------------

/// bob follows alice, mentions her, favourites and boosts her post; carol
/// favourites it too. Returns (server, alice, bob, carol, alice's post id).
async fn notified_alice() -> (TestServer, TestUser, TestUser, TestUser, String) {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let carol = s.user("carol").await;
    let hers = post(&s, &alice, "something worth liking", "public").await;
    follow(&s, &bob, &alice).await;
    post(&s, &bob, "hello @alice", "public").await;
    let (status, _) = act(&s, &bob, &format!("/api/v1/statuses/{hers}/favourite")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = act(&s, &bob, &format!("/api/v1/statuses/{hers}/reblog")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = act(&s, &carol, &format!("/api/v1/statuses/{hers}/favourite")).await;
    assert_eq!(status, StatusCode::OK);
    (s, alice, bob, carol, hers)
}

fn types_of(ns: &[Value]) -> Vec<String> {
    ns.iter()
        .map(|n| n["type"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn notifications_record_follows_mentions_favourites_and_boosts() {
    let (s, alice, bob, carol, hers) = notified_alice().await;
    let ns = notifications(&s, &alice, "").await;
    let got = summary(&ns);
    assert_eq!(got.len(), 5, "{got:?}");
    assert_eq!(
        got[0],
        ("favourite".into(), carol.id.clone(), Some(hers.clone()))
    );
    assert_eq!(
        got[1],
        ("reblog".into(), bob.id.clone(), Some(hers.clone()))
    );
    assert_eq!(
        got[2],
        ("favourite".into(), bob.id.clone(), Some(hers.clone()))
    );
    assert_eq!(got[3].0, "mention");
    assert_eq!(got[3].1, bob.id);
    assert!(
        ns[3]["status"]["content"]
            .as_str()
            .unwrap()
            .contains("hello")
    );
    assert_eq!(got[4], ("follow".into(), bob.id.clone(), None));
    let ids_: Vec<i64> = ids(&json!(ns)).iter().map(|i| i.parse().unwrap()).collect();
    assert_strictly_descending(&ids_, "notifications");
    // Nobody else got any.
    assert_eq!(notifications(&s, &bob, "").await, Vec::<Value>::new());
}

#[tokio::test]
async fn notification_type_filters_include_and_exclude() {
    let (s, alice, _bob, _carol, _) = notified_alice().await;
    assert_eq!(
        types_of(&notifications(&s, &alice, "types[]=mention").await),
        vec!["mention"]
    );
    assert_eq!(
        types_of(&notifications(&s, &alice, "types[]=follow&types[]=reblog").await),
        vec!["reblog", "follow"]
    );
    assert_eq!(
        types_of(
            &notifications(
                &s,
                &alice,
                "exclude_types[]=favourite&exclude_types[]=reblog"
            )
            .await
        ),
        vec!["mention", "follow"]
    );
    assert_eq!(
        types_of(&notifications(&s, &alice, "types[]=favourite&exclude_types[]=favourite").await),
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn notification_account_id_filter_keeps_one_sender() {
    let (s, alice, bob, carol, _) = notified_alice().await;
    let from_carol = notifications(&s, &alice, &format!("account_id={}", carol.id)).await;
    assert_eq!(types_of(&from_carol), vec!["favourite"]);
    let from_bob = notifications(&s, &alice, &format!("account_id={}", bob.id)).await;
    assert_eq!(from_bob.len(), 4);
    assert!(from_bob.iter().all(|n| n["account"]["id"] == json!(bob.id)));
}

/// Mastodon's notification `Link` URLs keep `account_id` (and `limit`), so
/// paging a filtered list stays filtered.
#[tokio::test]
async fn notification_links_keep_the_account_filter() {
    let (s, alice, _bob, carol, _) = notified_alice().await;
    let first = s.url(&format!(
        "/api/v1/notifications?account_id={}&limit=1",
        carol.id
    ));
    let pages = walk(&s, &alice.token, &first, "next").await;
    let all: Vec<i64> = pages.concat();
    assert_eq!(
        all.len(),
        1,
        "carol sent one notification; paging found {pages:?}"
    );
}

#[tokio::test]
async fn dismissed_notification_is_gone() {
    let (s, alice, _bob, _carol, _) = notified_alice().await;
    let ns = notifications(&s, &alice, "").await;
    let id = ns[0]["id"].as_str().unwrap().to_string();
    let (status, one) = s
        .get(&format!("/api/v1/notifications/{id}"), Some(&alice.token))
        .await;
    assert_eq!(status, StatusCode::OK, "{one}");
    assert_eq!(one["id"], json!(id));
    let (status, _) = act(&s, &alice, &format!("/api/v1/notifications/{id}/dismiss")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = s
        .get(&format!("/api/v1/notifications/{id}"), Some(&alice.token))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let left = notifications(&s, &alice, "").await;
    assert_eq!(left.len(), ns.len() - 1);
    assert!(!ids(&json!(left)).contains(&id));
}

#[tokio::test]
async fn another_accounts_notification_is_404_to_read_and_to_dismiss() {
    let (s, alice, bob, _carol, _) = notified_alice().await;
    let ns = notifications(&s, &alice, "").await;
    let id = ns[0]["id"].as_str().unwrap().to_string();
    let (status, _) = s
        .get(&format!("/api/v1/notifications/{id}"), Some(&bob.token))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = act(&s, &bob, &format!("/api/v1/notifications/{id}/dismiss")).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "Mastodon: notifications.find(id) → 404"
    );
    assert_eq!(
        notifications(&s, &alice, "").await.len(),
        ns.len(),
        "alice's notification survives"
    );
}

#[tokio::test]
async fn clearing_notifications_empties_the_list() {
    let (s, alice, bob, _carol, _) = notified_alice().await;
    let (status, _) = act(&s, &alice, "/api/v1/notifications/clear").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(notifications(&s, &alice, "").await, Vec::<Value>::new());
    // Clearing is per account, and new events notify again.
    post(&s, &bob, "@alice still here?", "public").await;
    assert_eq!(
        types_of(&notifications(&s, &alice, "").await),
        vec!["mention"]
    );
}

#[tokio::test]
async fn notifications_from_a_blocked_account_are_hidden() {
    let (s, alice, bob, carol, hers) = notified_alice().await;
    let (status, _) = act(&s, &alice, &format!("/api/v1/accounts/{}/block", bob.id)).await;
    assert_eq!(status, StatusCode::OK);
    let ns = notifications(&s, &alice, "").await;
    assert_eq!(
        summary(&ns),
        vec![("favourite".into(), carol.id.clone(), Some(hers.clone()))]
    );
    let (status, _) = s
        .get(
            &format!("/api/v1/notifications?account_id={}", bob.id),
            Some(&alice.token),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        notifications(&s, &alice, &format!("account_id={}", bob.id))
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn muting_without_notifications_keeps_their_notifications() {
    let (s, alice, bob, _carol, _) = notified_alice().await;
    let before = notifications(&s, &alice, "").await.len();
    let (status, rel) = s
        .request(
            Method::POST,
            &format!("/api/v1/accounts/{}/mute", bob.id),
            Some(&alice.token),
            Some(json!({"notifications": false})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{rel}");
    assert_eq!(rel["muting"], true);
    assert_eq!(rel["muting_notifications"], false, "{rel}");
    assert_eq!(
        notifications(&s, &alice, "").await.len(),
        before,
        "a mute with notifications=false must not hide notifications"
    );
}

#[tokio::test]
async fn unread_count_counts_notifications_after_the_marker() {
    let (s, alice, _bob, _carol, _) = notified_alice().await;
    let dave = s.user("dave").await;
    let ns = notifications(&s, &alice, "").await;
    assert_eq!(ns.len(), 5);
    assert_eq!(unread_count(&s, &alice).await, 5);

    let mark = |id: String| {
        let s = &s;
        let token = alice.token.clone();
        async move {
            let (status, body) = s
                .request(
                    Method::POST,
                    "/api/v1/markers",
                    Some(&token),
                    Some(json!({"notifications": {"last_read_id": id}})),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
            assert_eq!(body["notifications"]["last_read_id"], json!(id));
        }
    };
    mark(ns[3]["id"].as_str().unwrap().to_string()).await;
    assert_eq!(unread_count(&s, &alice).await, 3);
    let newest = ns[0]["id"].as_str().unwrap().to_string();
    mark(newest.clone()).await;
    assert_eq!(unread_count(&s, &alice).await, 0);
    let markers = list_object(&s, "/api/v1/markers?timeline[]=notifications", &alice.token).await;
    assert_eq!(
        markers["notifications"]["last_read_id"],
        json!(newest),
        "{markers}"
    );

    follow(&s, &dave, &alice).await;
    assert_eq!(unread_count(&s, &alice).await, 1);
}

async fn unread_count(s: &TestServer, u: &TestUser) -> i64 {
    let (status, body) = s
        .get("/api/v1/notifications/unread_count", Some(&u.token))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["count"].as_i64().unwrap()
}

async fn list_object(s: &TestServer, path: &str, token: &str) -> Value {
    let (status, body) = s.get(path, Some(token)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

// ---------------------------------------------------------------------------
// Fan-out through the job queue
// ---------------------------------------------------------------------------

#[tokio::test]
async fn fan_out_through_the_job_queue_reaches_every_follower() {
    let s = TestServer::start_with(|c| c.limits.inline_fan_out_followers = 0).await;
    let alice = s.user("alice").await;
    let stranger = s.user("stranger").await;
    let mut followers = Vec::new();
    for name in ["f1", "f2", "f3"] {
        let f = s.user(name).await;
        follow(&s, &f, &alice).await;
        followers.push(f);
    }
    let id = post(&s, &alice, "to all three, through the queue", "public").await;
    let secret = post(&s, &alice, "followers only, through the queue", "private").await;
    // The author's own home gets it at once.
    let mine = home_ids(&s, &alice).await;
    assert!(mine.contains(&id) && mine.contains(&secret));

    let deadline = Instant::now() + Duration::from_secs(5);
    let mut pending: HashSet<String> = followers.iter().map(|f| f.username.clone()).collect();
    while !pending.is_empty() {
        for f in &followers {
            if pending.contains(&f.username) {
                let home = home_ids(&s, f).await;
                if home.contains(&id) && home.contains(&secret) {
                    pending.remove(&f.username);
                }
            }
        }
        if pending.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "fan-out never reached {pending:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(home_ids(&s, &stranger).await.is_empty());
    // The jobs finished (were not left failed or pending).
    let deadline = Instant::now() + Duration::from_secs(5);
    while s.app.store.count_pending_jobs().await.unwrap() > 0 {
        assert!(Instant::now() < deadline, "jobs left pending");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

// ---------------------------------------------------------------------------
// Scopes
// ---------------------------------------------------------------------------

#[tokio::test]
async fn read_only_token_cannot_post_or_act() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let reader = s.user_with_scopes("reader", "read").await;
    let hers = post(&s, &alice, "hello", "public").await;
    let (status, body) = post_status(&s, &reader, json!({"status": "should not exist"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, _) = s
        .post_form(
            "/api/v1/statuses",
            Some(&reader.token),
            &[("status", "nor this")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(status_count(&s).await, 1);
    for path in [
        format!("/api/v1/statuses/{hers}/favourite"),
        format!("/api/v1/statuses/{hers}/reblog"),
        format!("/api/v1/accounts/{}/follow", alice.id),
    ] {
        let (status, _) = act(&s, &reader, &path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }
    let (_, now) = s.get(&format!("/api/v1/statuses/{hers}"), None).await;
    assert_eq!(now["favourites_count"], 0);
    assert_eq!(now["reblogs_count"], 0);
    assert_eq!(
        relationship(&s, &alice, &reader).await["followed_by"],
        false
    );
    // Reading still works, and a write:statuses token may post.
    assert_eq!(
        list(&s, "/api/v1/timelines/home", Some(&reader.token)).await,
        json!([])
    );
    let writer = s.user_with_scopes("writer", "write:statuses").await;
    let (status, body) = post_status(&s, &writer, json!({"status": "allowed"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

// ---------------------------------------------------------------------------
// Public and hashtag timelines
// ---------------------------------------------------------------------------

#[tokio::test]
async fn hashtag_timeline_honours_any_all_and_none() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let cats = post(&s, &alice, "just #cats", "public").await;
    let dogs = post(&s, &alice, "just #dogs", "public").await;
    let both = post(&s, &alice, "#Cats and #dogs", "public").await;
    let birds = post(&s, &alice, "only #birds", "public").await;
    let cats_birds = post(&s, &alice, "#cats with #birds", "public").await;
    let unlisted = post(&s, &alice, "quiet #cats", "unlisted").await;
    let private = post(&s, &alice, "secret #cats", "private").await;
    let set = |v: &[&String]| v.iter().map(|x| (*x).clone()).collect::<HashSet<String>>();
    let tag = |q: &str| {
        let path = format!("/api/v1/timelines/tag/{q}");
        let s = &s;
        let token = alice.token.clone();
        async move {
            ids(&list(s, &path, Some(&token)).await)
                .into_iter()
                .collect::<HashSet<String>>()
        }
    };

    assert_eq!(
        tag("cats").await,
        set(&[&cats, &both, &cats_birds]),
        "public only"
    );
    assert_eq!(
        tag("CATS").await,
        set(&[&cats, &both, &cats_birds]),
        "case-insensitive"
    );
    assert_eq!(
        tag("cats?any[]=birds").await,
        set(&[&cats, &both, &cats_birds, &birds])
    );
    assert_eq!(tag("cats?all[]=dogs").await, set(&[&both]));
    assert_eq!(tag("cats?none[]=dogs").await, set(&[&cats, &cats_birds]));
    assert_eq!(
        tag("cats?any[]=dogs&none[]=birds").await,
        set(&[&cats, &dogs, &both])
    );
    assert_eq!(tag("cats?all[]=dogs&all[]=birds").await, HashSet::new());
    let all = tag("cats?any[]=dogs&any[]=birds").await;
    assert!(!all.contains(&unlisted) && !all.contains(&private));
    // Anonymous readers get the same public posts.
    let anon = ids(&list(&s, "/api/v1/timelines/tag/cats", None).await);
    assert_eq!(
        anon.into_iter().collect::<HashSet<_>>(),
        set(&[&cats, &both, &cats_birds])
    );
    // Four extra tags per mode are read, as Mastodon reads them: a fifth
    // adds nothing, and nearly a thousand (all the parameters a request may
    // carry) answer like four instead of failing.
    assert_eq!(
        tag("cats?any[]=a&any[]=b&any[]=c&any[]=d&any[]=birds").await,
        set(&[&cats, &both, &cats_birds])
    );
    let many: String = (0..990).map(|i| format!("any[]=t{i}&")).collect();
    let (code, body) = s
        .get(
            &format!("/api/v1/timelines/tag/cats?{many}"),
            Some(&alice.token),
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn public_timeline_shows_only_public_posts() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    follow(&s, &bob, &alice).await;
    let public = post(&s, &alice, "public words", "public").await;
    let unlisted = post(&s, &alice, "unlisted words", "unlisted").await;
    let private = post(&s, &alice, "private words", "private").await;
    let direct = post(&s, &alice, "@bob direct words", "direct").await;
    let (_, boost) = act(&s, &bob, &format!("/api/v1/statuses/{public}/reblog")).await;
    let boost_id = boost["id"].as_str().unwrap().to_string();
    // Even for a follower and mentioned reader, who may see all four.
    for (query, token) in [
        ("?local=true", Some(bob.token.as_str())),
        ("", Some(bob.token.as_str())),
        ("?local=true", None),
        ("", None),
    ] {
        let got = ids(&list(&s, &format!("/api/v1/timelines/public{query}"), token).await);
        assert_eq!(
            got,
            vec![public.clone()],
            "public{query} anonymous={}",
            token.is_none()
        );
        for hidden in [&unlisted, &private, &direct, &boost_id] {
            assert!(!got.contains(hidden));
        }
    }
    let remote = ids(&list(&s, "/api/v1/timelines/public?remote=true", None).await);
    assert!(remote.is_empty(), "no remote posts yet: {remote:?}");
}

// ---------------------------------------------------------------------------
// Cached rendering: every write shows in the next read
// ---------------------------------------------------------------------------

/// The first item of `user`'s home timeline.
async fn home_top(s: &TestServer, u: &TestUser) -> Value {
    let (status, body) = s
        .get("/api/v1/timelines/home?limit=5", Some(&u.token))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body[0].clone()
}

#[tokio::test]
async fn timelines_show_every_write_at_once_despite_the_cache() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    follow(&s, &bob, &alice).await;
    let id = post(&s, &alice, "cached once", "public").await;
    let top = home_top(&s, &bob).await;
    assert_eq!(top["id"], json!(id));
    assert_eq!(top["favourites_count"], json!(0));
    assert_eq!(top["favourited"], json!(false));

    // A favourite changes the count for everyone and the flag for the liker.
    act(&s, &bob, &format!("/api/v1/statuses/{id}/favourite")).await;
    let top = home_top(&s, &bob).await;
    assert_eq!(top["favourites_count"], json!(1));
    assert_eq!(top["favourited"], json!(true));
    assert_eq!(home_top(&s, &alice).await["favourited"], json!(false));

    // A profile update shows in the embedded author.
    let (status, _) = s
        .request(
            Method::PATCH,
            "/api/v1/accounts/update_credentials",
            Some(&alice.token),
            Some(json!({"display_name": "Alice Renamed"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let top = home_top(&s, &bob).await;
    assert_eq!(top["account"]["display_name"], json!("Alice Renamed"));
    assert_eq!(top["account"]["statuses_count"], json!(1));

    // An edit shows its new text and edited_at.
    let (status, _) = s
        .request(
            Method::PUT,
            &format!("/api/v1/statuses/{id}"),
            Some(&alice.token),
            Some(json!({"status": "edited #now"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let top = home_top(&s, &bob).await;
    assert!(top["content"].as_str().unwrap().contains("edited"), "{top}");
    assert!(top["edited_at"].is_string());
    assert_eq!(top["tags"][0]["name"], json!("now"));

    // A boost, then deleting the original, takes the boost away too.
    let carol = s.user("carol").await;
    follow(&s, &carol, &bob).await;
    act(&s, &bob, &format!("/api/v1/statuses/{id}/reblog")).await;
    let top = home_top(&s, &carol).await;
    assert_eq!(top["reblog"]["id"], json!(id));
    assert_eq!(top["reblog"]["reblogs_count"], json!(1));
    let (status, _) = delete_status(&s, &alice, &id).await;
    assert_eq!(status, StatusCode::OK);
    let (_, home) = s.get("/api/v1/timelines/home", Some(&carol.token)).await;
    assert_eq!(home, json!([]), "the boost left with its original");
    let (status, _) = s
        .get(&format!("/api/v1/statuses/{id}"), Some(&bob.token))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A block hides the blocked account's posts at once.
    let id2 = post(&s, &alice, "before the block", "public").await;
    assert_eq!(home_top(&s, &bob).await["id"], json!(id2));
    act(&s, &bob, &format!("/api/v1/accounts/{}/block", alice.id)).await;
    let (_, home) = s.get("/api/v1/timelines/home", Some(&bob.token)).await;
    assert!(
        home.as_array()
            .unwrap()
            .iter()
            .all(|st| st["id"] != json!(id2)),
        "{home}"
    );
    s.stop().await;
}

/// A direct message edited to drop a recipient: the removed person no longer
/// reads it through their notifications or conversations, as they cannot
/// through `GET /api/v1/statuses/:id`.
#[tokio::test]
async fn a_recipient_dropped_by_an_edit_no_longer_reads_the_dm_anywhere() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let carol = s.user("carol").await;
    accept_private_mentions(&s, &bob).await;
    accept_private_mentions(&s, &carol).await;
    let id = post(&s, &alice, "@bob @carol the plan", "direct").await;
    let mentioned = |user: &TestUser| {
        let (s, token, id) = (&s, user.token.clone(), id.clone());
        async move {
            let notes = list(s, "/api/v1/notifications", Some(&token)).await;
            let convs = list(s, "/api/v1/conversations", Some(&token)).await;
            let in_notes = notes
                .as_array()
                .unwrap()
                .iter()
                .any(|n| n["status"]["id"] == json!(id));
            let in_convs = convs
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["last_status"]["id"] == json!(id));
            (in_notes, in_convs)
        }
    };
    assert_eq!(mentioned(&carol).await, (true, true));
    let (status, edited) = s
        .request(
            Method::PUT,
            &format!("/api/v1/statuses/{id}"),
            Some(&alice.token),
            Some(json!({"status": "@bob the new plan"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    let (status, _) = s
        .get(&format!("/api/v1/statuses/{id}"), Some(&carol.token))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        mentioned(&carol).await,
        (false, false),
        "carol reads it no more"
    );
    assert_eq!(mentioned(&bob).await, (true, true), "bob still does");
}
