//! Grouped notifications (`/api/v2/notifications`, Mastodon 4.3).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::*;

async fn favourite(s: &TestServer, who: &TestUser, id: &str) {
    act(
        s,
        who,
        Method::POST,
        &format!("/api/v1/statuses/{id}/favourite"),
        None,
    )
    .await;
}

fn group<'a>(page: &'a Value, kind: &str) -> Vec<&'a Value> {
    page["notification_groups"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["type"] == kind)
        .collect()
}

#[tokio::test]
async fn favourites_boosts_and_follows_arrive_in_groups() {
    let s = TestServer::start().await;
    let bob = s.user("bob").await;
    let fans = [
        s.user("carol").await,
        s.user("dave").await,
        s.user("erin").await,
    ];
    let post = act(
        &s,
        &bob,
        Method::POST,
        "/api/v1/statuses",
        Some(json!({"status": "liked"})),
    )
    .await;
    let id = post["id"].as_str().unwrap();
    for f in &fans {
        favourite(&s, f, id).await;
    }
    act(
        &s,
        &fans[0],
        Method::POST,
        &format!("/api/v1/statuses/{id}/reblog"),
        None,
    )
    .await;
    for f in &fans[..2] {
        act(
            &s,
            f,
            Method::POST,
            &format!("/api/v1/accounts/{}/follow", bob.id),
            None,
        )
        .await;
    }
    act(
        &s,
        &fans[2],
        Method::POST,
        "/api/v1/statuses",
        Some(json!({"status": "hi @bob"})),
    )
    .await;

    let (status, page) = s.get("/api/v2/notifications", Some(&bob.token)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let groups = page["notification_groups"].as_array().unwrap();
    let kinds: Vec<&str> = groups.iter().map(|g| g["type"].as_str().unwrap()).collect();
    // Newest first: the mention, the follows, the boost, the favourites.
    assert_eq!(
        kinds,
        ["mention", "follow", "reblog", "favourite"],
        "{page}"
    );
    let favs = group(&page, "favourite")[0];
    assert_eq!(favs["notifications_count"], 3);
    assert_eq!(favs["status_id"], post["id"]);
    let sample: Vec<&str> = favs["sample_account_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        sample,
        [
            fans[2].id.as_str(),
            fans[1].id.as_str(),
            fans[0].id.as_str()
        ]
    );
    assert!(
        favs["group_key"]
            .as_str()
            .unwrap()
            .starts_with(&format!("favourite-{id}-"))
    );
    assert!(favs["page_min_id"].as_str().unwrap() <= favs["page_max_id"].as_str().unwrap());
    assert_eq!(favs["most_recent_notification_id"], favs["page_max_id"]);
    assert_eq!(group(&page, "follow")[0]["notifications_count"], 2);
    assert!(
        group(&page, "mention")[0]["group_key"]
            .as_str()
            .unwrap()
            .starts_with("ungrouped-")
    );
    assert_eq!(page["accounts"].as_array().unwrap().len(), 3);
    let statuses = page["statuses"].as_array().unwrap();
    assert!(statuses.iter().any(|s| s["id"] == post["id"]));

    // v1 shows the same keys.
    let (_, v1) = s
        .get("/api/v1/notifications?types[]=favourite", Some(&bob.token))
        .await;
    assert!(
        v1.as_array()
            .unwrap()
            .iter()
            .all(|n| n["group_key"] == favs["group_key"])
    );

    // Only favourites grouped: each follow is its own group.
    let (_, page) = s
        .get(
            "/api/v2/notifications?grouped_types[]=favourite",
            Some(&bob.token),
        )
        .await;
    assert_eq!(group(&page, "follow").len(), 2);
    assert_eq!(group(&page, "favourite").len(), 1);

    // Two groups per page; the Link header leads to the rest.
    let resp = s
        .http
        .get(s.url("/api/v2/notifications?limit=2"))
        .bearer_auth(&bob.token)
        .send()
        .await
        .unwrap();
    let link = resp.headers()["link"].to_str().unwrap().to_string();
    let first: Value = resp.json().await.unwrap();
    assert_eq!(first["notification_groups"].as_array().unwrap().len(), 2);
    let next = link
        .split(", ")
        .find(|l| l.ends_with("rel=\"next\""))
        .unwrap();
    let next = next.trim_start_matches('<').split('>').next().unwrap();
    let rest: Value = s
        .http
        .get(next)
        .bearer_auth(&bob.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let kinds: Vec<&str> = rest["notification_groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["reblog", "favourite"]);

    // One group, its accounts, and dismissing it.
    let key = favs["group_key"].as_str().unwrap().to_string();
    let (status, one) = s
        .get(&format!("/api/v2/notifications/{key}"), Some(&bob.token))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one["notification_groups"][0]["notifications_count"], 3);
    let (_, accounts) = s
        .get(
            &format!("/api/v2/notifications/{key}/accounts"),
            Some(&bob.token),
        )
        .await;
    let names: Vec<&str> = accounts
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["erin", "dave", "carol"]);
    let (_, count) = s
        .get("/api/v2/notifications/unread_count", Some(&bob.token))
        .await;
    assert_eq!(count["count"], 4);
    act(
        &s,
        &bob,
        Method::POST,
        &format!("/api/v2/notifications/{key}/dismiss"),
        None,
    )
    .await;
    let (status, _) = s
        .get(&format!("/api/v2/notifications/{key}"), Some(&bob.token))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, v1) = s
        .get("/api/v1/notifications?types[]=favourite", Some(&bob.token))
        .await;
    assert_eq!(v1, json!([]));
    // Someone else's group is not found.
    let (status, _) = s
        .get(
            &format!(
                "/api/v2/notifications/{}",
                group(&first, "follow")[0]["group_key"].as_str().unwrap()
            ),
            Some(&fans[0].token),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_notification_policy_holds_back_strangers_until_accepted() {
    let s = TestServer::start().await;
    let bob = s.user("bob").await;
    let carol = s.user("carol").await;
    let dave = s.user("dave").await;
    let erin = s.user("erin").await;

    // Mastodon's defaults: strangers' private mentions wait as requests.
    let (status, policy) = s
        .get("/api/v2/notifications/policy", Some(&bob.token))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(policy["for_private_mentions"], "filter");
    assert_eq!(policy["for_not_following"], "accept");
    assert_eq!(policy["summary"]["pending_requests_count"], 0);

    let dm = act(
        &s,
        &carol,
        Method::POST,
        "/api/v1/statuses",
        Some(json!({"status": "@bob psst", "visibility": "direct"})),
    )
    .await;
    act(
        &s,
        &carol,
        Method::POST,
        "/api/v1/statuses",
        Some(json!({"status": "@bob again", "visibility": "direct"})),
    )
    .await;
    let (_, list) = s.get("/api/v1/notifications", Some(&bob.token)).await;
    assert_eq!(list, json!([]), "held back from the list");
    let (_, page) = s.get("/api/v2/notifications", Some(&bob.token)).await;
    assert_eq!(page["notification_groups"], json!([]));
    let (_, count) = s
        .get("/api/v1/notifications/unread_count", Some(&bob.token))
        .await;
    assert_eq!(count["count"], 0);
    let (_, requests) = s
        .get("/api/v1/notifications/requests", Some(&bob.token))
        .await;
    let requests = requests.as_array().unwrap();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0]["id"], carol.id.as_str());
    assert_eq!(requests[0]["account"]["username"], "carol");
    assert_eq!(requests[0]["notifications_count"], "2");
    assert!(
        requests[0]["last_status"]["content"]
            .as_str()
            .unwrap()
            .contains("again")
    );
    let (_, policy) = s
        .get("/api/v2/notifications/policy", Some(&bob.token))
        .await;
    assert_eq!(
        policy["summary"],
        json!({"pending_requests_count": 1, "pending_notifications_count": 2})
    );
    // Someone else cannot see or act on bob's requests.
    let (status, _) = s
        .get(
            &format!("/api/v1/notifications/requests/{}", carol.id),
            Some(&dave.token),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Accepting brings them into the list and lets carol through after.
    act(
        &s,
        &bob,
        Method::POST,
        &format!("/api/v1/notifications/requests/{}/accept", carol.id),
        None,
    )
    .await;
    let (_, list) = s.get("/api/v1/notifications", Some(&bob.token)).await;
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|n| n["status"]["id"] == dm["id"])
    );
    act(
        &s,
        &carol,
        Method::POST,
        "/api/v1/statuses",
        Some(json!({"status": "@bob third", "visibility": "direct"})),
    )
    .await;
    let (_, list) = s.get("/api/v1/notifications", Some(&bob.token)).await;
    assert_eq!(list.as_array().unwrap().len(), 3);

    // Dropping strangers' notifications: nothing is stored.
    let (status, policy) = s
        .request(
            Method::PATCH,
            "/api/v2/notifications/policy",
            Some(&bob.token),
            Some(json!({"for_not_following": "drop"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{policy}");
    assert_eq!(policy["for_not_following"], "drop");
    act(
        &s,
        &dave,
        Method::POST,
        "/api/v1/statuses",
        Some(json!({"status": "hey @bob"})),
    )
    .await;
    let (_, list) = s.get("/api/v1/notifications", Some(&bob.token)).await;
    assert_eq!(list.as_array().unwrap().len(), 3);
    let (_, requests) = s
        .get("/api/v1/notifications/requests", Some(&bob.token))
        .await;
    assert_eq!(requests, json!([]));
    // But someone bob follows gets through.
    act(
        &s,
        &bob,
        Method::POST,
        &format!("/api/v1/accounts/{}/follow", dave.id),
        None,
    )
    .await;
    act(
        &s,
        &dave,
        Method::POST,
        "/api/v1/statuses",
        Some(json!({"status": "hello @bob"})),
    )
    .await;
    let (_, list) = s.get("/api/v1/notifications", Some(&bob.token)).await;
    assert_eq!(list.as_array().unwrap().len(), 4);

    // Filtering, then dismissing: the request and its notifications go.
    s.request(
        Method::PATCH,
        "/api/v2/notifications/policy",
        Some(&bob.token),
        Some(json!({"for_not_following": "filter"})),
    )
    .await;
    act(
        &s,
        &erin,
        Method::POST,
        "/api/v1/statuses",
        Some(json!({"status": "yo @bob"})),
    )
    .await;
    let (_, one) = s
        .get(
            &format!("/api/v1/notifications/requests/{}", erin.id),
            Some(&bob.token),
        )
        .await;
    assert_eq!(one["notifications_count"], "1");
    act(
        &s,
        &bob,
        Method::POST,
        "/api/v1/notifications/requests/dismiss",
        Some(json!({"id": [erin.id]})),
    )
    .await;
    let (status, _) = s
        .get(
            &format!("/api/v1/notifications/requests/{}", erin.id),
            Some(&bob.token),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, list) = s.get("/api/v1/notifications", Some(&bob.token)).await;
    assert_eq!(list.as_array().unwrap().len(), 4);

    // A value outside accept, filter and drop changes nothing.
    let (status, _) = s
        .request(
            Method::PATCH,
            "/api/v2/notifications/policy",
            Some(&bob.token),
            Some(json!({"for_new_accounts": "maybe", "for_not_followers": "drop"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, policy) = s
        .get("/api/v2/notifications/policy", Some(&bob.token))
        .await;
    assert_eq!(policy["for_not_followers"], "accept");
    // A bulk call naming too many requests is refused.
    let many: Vec<String> = (0..101).map(|i| i.to_string()).collect();
    let (status, _) = s
        .request(
            Method::POST,
            "/api/v1/notifications/requests/accept",
            Some(&bob.token),
            Some(json!({"id": many})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, merged) = s
        .get("/api/v1/notifications/requests/merged", Some(&bob.token))
        .await;
    assert_eq!(merged, json!({"merged": true}));
}
