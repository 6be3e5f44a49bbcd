//! Filters (v2 and v1) and the domains a user blocks, through the API, on
//! both databases.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::*;

async fn post(s: &TestServer, u: &TestUser, text: &str) -> String {
    let body = act(
        s,
        u,
        Method::POST,
        "/api/v1/statuses",
        Some(json!({"status": text})),
    )
    .await;
    body["id"].as_str().unwrap().to_string()
}

/// The statuses of a timeline page, by id.
async fn page(s: &TestServer, u: &TestUser, path: &str) -> Vec<Value> {
    let (status, body) = s.get(path, Some(&u.token)).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    body.as_array().unwrap().clone()
}

fn find<'a>(list: &'a [Value], id: &str) -> Option<&'a Value> {
    list.iter().find(|s| s["id"] == id)
}

#[tokio::test]
async fn filters_are_made_changed_and_kept_to_their_owner() {
    let s = TestServer::start().await;
    let bob = s.user("bob").await;
    let eve = s.user("eve").await;
    let reader = s.user_with_scopes("reader", "read").await;

    let made = act(
        &s,
        &bob,
        Method::POST,
        "/api/v2/filters",
        Some(json!({"title": "Fruit", "context": ["home", "public"], "filter_action": "warn",
            "keywords_attributes": [{"keyword": "durian", "whole_word": true}, {"keyword": "jackfruit"}]})),
    )
    .await;
    let id = made["id"].as_str().unwrap().to_string();
    assert_eq!(made["title"], "Fruit");
    assert_eq!(made["context"], json!(["home", "public"]));
    assert_eq!(made["filter_action"], "warn");
    assert_eq!(made["expires_at"], Value::Null);
    assert_eq!(made["keywords"].as_array().unwrap().len(), 2);
    assert_eq!(made["keywords"][0]["keyword"], "durian");
    let durian = made["keywords"][0]["id"].as_str().unwrap().to_string();

    // Rename, drop one keyword, add another, expire.
    let changed = act(
        &s,
        &bob,
        Method::PUT,
        &format!("/api/v2/filters/{id}"),
        Some(json!({"title": "Smelly fruit", "expires_in": 3600,
            "keywords_attributes": [{"id": durian, "_destroy": true}, {"keyword": "natto", "whole_word": false}]})),
    )
    .await;
    assert_eq!(changed["title"], "Smelly fruit");
    assert!(changed["expires_at"].is_string());
    let words: Vec<&str> = changed["keywords"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["keyword"].as_str().unwrap())
        .collect();
    assert_eq!(words, ["jackfruit", "natto"]);

    // Keywords on their own.
    let k = act(
        &s,
        &bob,
        Method::POST,
        &format!("/api/v2/filters/{id}/keywords"),
        Some(json!({"keyword": "surströmming", "whole_word": true})),
    )
    .await;
    let kid = k["id"].as_str().unwrap();
    let (_, shown) = s
        .get(&format!("/api/v2/filters/keywords/{kid}"), Some(&bob.token))
        .await;
    assert_eq!(shown["keyword"], "surströmming");
    let (_, listed) = s
        .get(&format!("/api/v2/filters/{id}/keywords"), Some(&bob.token))
        .await;
    assert_eq!(listed.as_array().unwrap().len(), 3);

    // Bad input is refused and changes nothing.
    for (body, field) in [
        (json!({"title": "", "context": ["home"]}), "title"),
        (json!({"title": "x", "context": []}), "context"),
        (json!({"title": "x", "context": ["everywhere"]}), "context"),
        (
            json!({"title": "x", "context": ["home"], "filter_action": "explode"}),
            "filter_action",
        ),
        (
            json!({"title": "x".repeat(300), "context": ["home"]}),
            "title",
        ),
        (
            json!({"title": "x", "context": ["home"], "keywords_attributes": [{"keyword": ""}]}),
            "keyword",
        ),
    ] {
        let (status, err) = s
            .request(
                Method::POST,
                "/api/v2/filters",
                Some(&bob.token),
                Some(body),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
        assert!(err["details"][field].is_array(), "{field}: {err}");
    }
    let (_, all) = s.get("/api/v2/filters", Some(&bob.token)).await;
    assert_eq!(all.as_array().unwrap().len(), 1);

    // Someone else's filter does not exist for eve; a read token cannot write.
    for path in [
        format!("/api/v2/filters/{id}"),
        format!("/api/v2/filters/keywords/{kid}"),
    ] {
        let (status, _) = s.get(&path, Some(&eve.token)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        let (status, _) = s
            .request(Method::DELETE, &path, Some(&eve.token), None)
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let (status, _) = s
        .request(
            Method::POST,
            "/api/v2/filters",
            Some(&reader.token),
            Some(json!({"title": "x", "context": ["home"]})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = s.get("/api/v2/filters", Some(&reader.token)).await;
    assert_eq!(status, StatusCode::OK);

    // Version 1 sees each keyword as a filter.
    let (_, v1) = s.get("/api/v1/filters", Some(&bob.token)).await;
    let phrases: Vec<&str> = v1
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["phrase"].as_str().unwrap())
        .collect();
    assert_eq!(phrases, ["jackfruit", "natto", "surströmming"]);
    assert_eq!(v1[0]["irreversible"], false);
    let made_v1 = act(
        &s,
        &bob,
        Method::POST,
        "/api/v1/filters",
        Some(json!({"phrase": "brussels sprouts", "context": ["notifications"], "irreversible": true})),
    )
    .await;
    assert_eq!(made_v1["irreversible"], true);
    assert_eq!(made_v1["whole_word"], true);
    let v1_id = made_v1["id"].as_str().unwrap();
    let (_, v2) = s.get("/api/v2/filters", Some(&bob.token)).await;
    let sprouts = v2
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["title"] == "brussels sprouts")
        .expect("the v1 filter as a v2 filter");
    assert_eq!(sprouts["filter_action"], "hide");
    let updated = act(
        &s,
        &bob,
        Method::PUT,
        &format!("/api/v1/filters/{v1_id}"),
        Some(json!({"phrase": "sprouts", "context": ["home"], "whole_word": false})),
    )
    .await;
    assert_eq!(updated["phrase"], "sprouts");
    assert_eq!(updated["context"], json!(["home"]));
    assert_eq!(updated["whole_word"], false);
    let (status, _) = s
        .request(
            Method::POST,
            "/api/v1/filters",
            Some(&bob.token),
            Some(json!({"phrase": "", "context": ["home"]})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    act(
        &s,
        &bob,
        Method::DELETE,
        &format!("/api/v1/filters/{v1_id}"),
        None,
    )
    .await;
    act(
        &s,
        &bob,
        Method::DELETE,
        &format!("/api/v2/filters/{id}"),
        None,
    )
    .await;
    let (_, none) = s.get("/api/v2/filters", Some(&bob.token)).await;
    assert_eq!(none, json!([]));
}

#[tokio::test]
async fn filters_warn_or_hide_in_their_contexts_only() {
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
    let durian = post(&s, &alice, "I love Durian so much").await;
    let plain = post(&s, &alice, "nice weather today").await;
    let partial = post(&s, &alice, "durians are many").await;

    let f = act(
        &s,
        &bob,
        Method::POST,
        "/api/v2/filters",
        Some(
            json!({"title": "Fruit", "context": ["home"], "filter_action": "warn",
            "keywords_attributes": [{"keyword": "durian", "whole_word": true}]}),
        ),
    )
    .await;
    let fid = f["id"].as_str().unwrap().to_string();

    // Warn: in home, marked; whole words only; other contexts untouched.
    let home = page(&s, &bob, "/api/v1/timelines/home").await;
    let marked = find(&home, &durian).expect("a warned post stays");
    assert_eq!(marked["filtered"][0]["filter"]["id"], fid.as_str());
    assert_eq!(marked["filtered"][0]["keyword_matches"], json!(["durian"]));
    assert_eq!(find(&home, &plain).unwrap()["filtered"], json!([]));
    assert_eq!(find(&home, &partial).unwrap()["filtered"], json!([]));
    let public = page(&s, &bob, "/api/v1/timelines/public").await;
    assert_eq!(find(&public, &durian).unwrap()["filtered"], json!([]));
    // The author sees her own post unfiltered even with the same filter.
    act(
        &s,
        &alice,
        Method::POST,
        "/api/v2/filters",
        Some(
            json!({"title": "Fruit", "context": ["home"], "filter_action": "hide",
            "keywords_attributes": [{"keyword": "durian"}]}),
        ),
    )
    .await;
    assert!(find(&page(&s, &alice, "/api/v1/timelines/home").await, &durian).is_some());

    // Hide: gone from home and, once the context is added, from public,
    // account and thread views; a single post still opens.
    act(
        &s,
        &bob,
        Method::PUT,
        &format!("/api/v2/filters/{fid}"),
        Some(json!({"filter_action": "hide", "context": ["home", "public", "account", "thread"]})),
    )
    .await;
    let home = page(&s, &bob, "/api/v1/timelines/home").await;
    assert!(find(&home, &durian).is_none());
    assert!(find(&home, &plain).is_some());
    for path in [
        "/api/v1/timelines/public".to_string(),
        format!("/api/v1/accounts/{}/statuses", alice.id),
    ] {
        assert!(
            find(&page(&s, &bob, &path).await, &durian).is_none(),
            "{path}"
        );
    }
    let reply = act(
        &s,
        &alice,
        Method::POST,
        "/api/v1/statuses",
        Some(json!({"status": "more durian talk", "in_reply_to_id": plain})),
    )
    .await;
    let (_, thread) = s
        .get(
            &format!("/api/v1/statuses/{plain}/context"),
            Some(&bob.token),
        )
        .await;
    assert!(
        thread["descendants"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["id"] != reply["id"]),
        "{thread}"
    );
    let (status, _) = s
        .get(&format!("/api/v1/statuses/{durian}"), Some(&bob.token))
        .await;
    assert_eq!(status, StatusCode::OK);

    // A single post in a filter, whatever its words.
    act(
        &s,
        &bob,
        Method::POST,
        &format!("/api/v2/filters/{fid}/statuses"),
        Some(json!({"status_id": plain})),
    )
    .await;
    assert!(find(&page(&s, &bob, "/api/v1/timelines/home").await, &plain).is_none());
    let (status, _) = s
        .request(
            Method::POST,
            &format!("/api/v2/filters/{fid}/statuses"),
            Some(&bob.token),
            Some(json!({"status_id": plain})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "twice");

    // Notifications: a hidden mention is not listed.
    act(
        &s,
        &bob,
        Method::PUT,
        &format!("/api/v2/filters/{fid}"),
        Some(json!({"context": ["notifications"]})),
    )
    .await;
    let mention = post(&s, &alice, "@bob have some durian").await;
    let other = post(&s, &alice, "@bob hello").await;
    let (_, notes) = s.get("/api/v1/notifications", Some(&bob.token)).await;
    let about: Vec<&str> = notes
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["status"]["id"].as_str())
        .collect();
    assert!(about.contains(&other.as_str()), "{notes}");
    assert!(!about.contains(&mention.as_str()), "{notes}");
    // …while home shows everything again.
    let home = page(&s, &bob, "/api/v1/timelines/home").await;
    assert!(find(&home, &durian).is_some() && find(&home, &plain).is_some());

    // An expired filter no longer applies.
    act(
        &s,
        &bob,
        Method::PUT,
        &format!("/api/v2/filters/{fid}"),
        Some(json!({"context": ["home"], "expires_in": 1})),
    )
    .await;
    eventually("the filter to expire", || async {
        find(&page(&s, &bob, "/api/v1/timelines/home").await, &durian).map(|_| ())
    })
    .await;
}

#[tokio::test]
async fn a_blocked_domain_disappears_and_its_followers_go() {
    use crate::federation::{in_home, post as fed_post, remote_follower};
    let (a, b) = federated_pair().await;
    let bob = a.user("bob").await;
    let dave = b.user("dave").await;
    // Each follows the other.
    remote_follower(&b, &a, &dave, &bob).await;
    remote_follower(&a, &b, &bob, &dave).await;
    let hello = fed_post(&b, &dave, json!({"status": "hello from b"})).await;
    eventually("dave's post in bob's home", || async {
        in_home(&a, &bob, &hello["uri"]).await
    })
    .await;
    let (_, me) = a
        .get("/api/v1/accounts/verify_credentials", Some(&bob.token))
        .await;
    assert_eq!(me["followers_count"], 1);

    // Bad domains are refused.
    for bad in ["", "a b", &a.domain()] {
        let (status, _) = a
            .request(
                Method::POST,
                "/api/v1/domain_blocks",
                Some(&bob.token),
                Some(json!({"domain": bad})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}");
    }
    act(
        &a,
        &bob,
        Method::POST,
        "/api/v1/domain_blocks",
        Some(json!({"domain": b.domain().to_uppercase()})),
    )
    .await;
    let (_, listed) = a.get("/api/v1/domain_blocks", Some(&bob.token)).await;
    assert_eq!(listed, json!([b.domain()]));
    assert!(in_home(&a, &bob, &hello["uri"]).await.is_none());
    let (_, me) = a
        .get("/api/v1/accounts/verify_credentials", Some(&bob.token))
        .await;
    assert_eq!(me["followers_count"], 0, "dave no longer follows bob");

    act(
        &a,
        &bob,
        Method::DELETE,
        "/api/v1/domain_blocks",
        Some(json!({"domain": b.domain()})),
    )
    .await;
    let (_, listed) = a.get("/api/v1/domain_blocks", Some(&bob.token)).await;
    assert_eq!(listed, json!([]));
    assert!(in_home(&a, &bob, &hello["uri"]).await.is_some());
}
