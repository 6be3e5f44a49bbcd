//! Collections (Mastodon 4.6): curating, showing, paging, notifications,
//! revoking, and who may feature whom.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::*;

async fn call(
    s: &TestServer,
    m: Method,
    path: &str,
    token: &str,
    body: Value,
) -> (StatusCode, Value) {
    s.request(m, path, Some(token), Some(body)).await
}

async fn create(s: &TestServer, token: &str, body: Value) -> Value {
    let (status, v) = call(s, Method::POST, "/api/v1/collections", token, body).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    v["collection"].clone()
}

async fn notifications_of_type(s: &TestServer, token: &str, kind: &str) -> Vec<Value> {
    let (_, list) = s.get("/api/v1/notifications", Some(token)).await;
    list.as_array()
        .unwrap()
        .iter()
        .filter(|n| n["type"] == kind)
        .cloned()
        .collect()
}

#[tokio::test]
async fn collections_feature_consenting_accounts_and_tell_them() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let carol = s.user("carol").await;
    let dave = s.user("dave").await;
    // carol is locked, dave is not discoverable.
    for (who, body) in [
        (&carol, json!({"locked": true})),
        (&dave, json!({"discoverable": false})),
    ] {
        let (status, v) = call(
            &s,
            Method::PATCH,
            "/api/v1/accounts/update_credentials",
            &who.token,
            body,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{v}");
    }

    // Validation: a name is needed and short; nothing is stored on failure.
    let (status, v) = call(
        &s,
        Method::POST,
        "/api/v1/collections",
        &alice.token,
        json!({"description": "x"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["details"]["name"][0]["error"], "ERR_BLANK", "{v}");
    let long = "n".repeat(41);
    let (status, v) = call(
        &s,
        Method::POST,
        "/api/v1/collections",
        &alice.token,
        json!({"name": long}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (status, v) = call(
        &s,
        Method::POST,
        "/api/v1/collections",
        &alice.token,
        json!({"name": "ok", "tag_name": "not a tag"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    // One refused account (locked and not followed, or not discoverable)
    // refuses the whole collection.
    for refused in [&carol.id, &dave.id] {
        let (status, v) = call(
            &s,
            Method::POST,
            "/api/v1/collections",
            &alice.token,
            json!({"name": "Birders", "account_ids": [bob.id, refused]}),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{v}");
    }
    let (status, v) = call(
        &s,
        Method::POST,
        "/api/v1/collections",
        &alice.token,
        json!({"name": "x", "account_ids": ["999999"]}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{v}");
    assert_eq!(
        sql_count(&s.app, "SELECT COUNT(*) FROM featured_collections").await,
        0
    );
    // A token without write:collections may not curate.
    let reader = s.user_with_scopes("reader", "read").await;
    let (status, _) = call(
        &s,
        Method::POST,
        "/api/v1/collections",
        &reader.token,
        json!({"name": "mine"}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let c = create(
        &s,
        &alice.token,
        json!({"name": " Birders ", "description": "Good bird people", "language": "en",
               "tag_name": "#Birds", "account_ids": [bob.id]}),
    )
    .await;
    let id = c["id"].as_str().unwrap().to_string();
    assert_eq!(c["name"], "Birders");
    assert_eq!(c["account_id"], alice.id.as_str());
    assert_eq!(
        (
            c["local"].as_bool(),
            c["sensitive"].as_bool(),
            c["discoverable"].as_bool()
        ),
        (Some(true), Some(false), Some(true))
    );
    assert_eq!(c["tag"]["name"], "birds");
    assert_eq!(c["item_count"], 1);
    assert_eq!(c["items"][0]["account_id"], bob.id.as_str());
    assert_eq!(c["items"][0]["state"], "accepted");
    assert!(
        c["uri"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/featured_collections/{id}"))
    );

    // bob is told, with the collection in the notification.
    let added = notifications_of_type(&s, &bob.token, "added_to_collection").await;
    assert_eq!(added.len(), 1, "{added:?}");
    assert_eq!(added[0]["collection"]["id"], id.as_str());
    assert_eq!(added[0]["account"]["id"], alice.id.as_str());
    let (_, grouped) = s.get("/api/v2/notifications", Some(&bob.token)).await;
    let group = grouped["notification_groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["type"] == "added_to_collection")
        .expect("a grouped notification");
    assert_eq!(group["collection"]["id"], id.as_str());

    // Anyone may open it; the accounts come curator first.
    let (status, shown) = s.get(&format!("/api/v1/collections/{id}"), None).await;
    assert_eq!(status, StatusCode::OK, "{shown}");
    let accounts: Vec<&str> = shown["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(accounts, vec![alice.id.as_str(), bob.id.as_str()]);
    let (status, _) = s.get("/api/v1/collections/424242", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Items: the account is needed, once; only the curator adds.
    let items = format!("/api/v1/collections/{id}/items");
    let (status, v) = call(&s, Method::POST, &items, &alice.token, json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"], "`account_id` parameter is missing");
    let (status, v) = call(
        &s,
        Method::POST,
        &items,
        &alice.token,
        json!({"account_id": bob.id}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (status, _) = call(
        &s,
        Method::POST,
        &items,
        &bob.token,
        json!({"account_id": alice.id}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = call(
        &s,
        Method::POST,
        &items,
        &alice.token,
        json!({"account_id": carol.id}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Following carol makes her featureable (a request is not enough).
    let (status, _) = call(
        &s,
        Method::POST,
        &format!("/api/v1/accounts/{}/follow", carol.id),
        &alice.token,
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = call(
        &s,
        Method::POST,
        &format!("/api/v1/follow_requests/{}/authorize", alice.id),
        &carol.token,
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, item) = call(
        &s,
        Method::POST,
        &items,
        &alice.token,
        json!({"account_id": carol.id}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{item}");
    assert_eq!(item["collection_item"]["account_id"], carol.id.as_str());
    let carol_item = item["collection_item"]["id"].as_str().unwrap().to_string();
    assert_eq!(
        notifications_of_type(&s, &carol.token, "added_to_collection")
            .await
            .len(),
        1
    );

    // A new name tells the featured accounts; a PATCH cannot be someone else's.
    let (status, v) = call(
        &s,
        Method::PATCH,
        &format!("/api/v1/collections/{id}"),
        &alice.token,
        json!({"name": "Bird people", "discoverable": false}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["collection"]["name"], "Bird people");
    assert_eq!(v["collection"]["description"], "Good bird people");
    assert_eq!(v["collection"]["item_count"], 2);
    assert_eq!(
        notifications_of_type(&s, &bob.token, "collection_update")
            .await
            .len(),
        1
    );
    assert_eq!(
        notifications_of_type(&s, &carol.token, "collection_update")
            .await
            .len(),
        1
    );
    let (status, _) = call(
        &s,
        Method::PATCH,
        &format!("/api/v1/collections/{id}"),
        &bob.token,
        json!({"name": "mine now"}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, v) = call(
        &s,
        Method::PATCH,
        &format!("/api/v1/collections/{id}"),
        &alice.token,
        json!({"name": ""}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (_, shown) = s.get(&format!("/api/v1/collections/{id}"), None).await;
    assert_eq!(shown["collection"]["name"], "Bird people");

    // Unlisted now: out of alice's public list, still in her own.
    let list = format!("/api/v1/accounts/{}/collections", alice.id);
    let (_, public) = s.get(&list, None).await;
    assert_eq!(
        public["collections"].as_array().unwrap().len(),
        0,
        "{public}"
    );
    let (_, own) = s.get(&list, Some(&alice.token)).await;
    assert_eq!(own["collections"][0]["id"], id.as_str());

    // in_collections: your own only.
    let (_, featuring) = s
        .get(
            &format!("/api/v1/accounts/{}/in_collections", bob.id),
            Some(&bob.token),
        )
        .await;
    assert_eq!(
        featuring["collections"][0]["id"],
        id.as_str(),
        "{featuring}"
    );
    let (status, _) = s
        .get(
            &format!("/api/v1/accounts/{}/in_collections", bob.id),
            Some(&alice.token),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = s
        .get(&format!("/api/v1/accounts/{}/in_collections", bob.id), None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // bob withdraws (alice may not do it for him); the curator removes carol.
    let bob_item = shown["collection"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["account_id"] == bob.id.as_str())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let revoke = format!("/api/v1/collections/{id}/items/{bob_item}/revoke");
    let (status, _) = call(&s, Method::POST, &revoke, &alice.token, json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, v) = call(&s, Method::POST, &revoke, &bob.token, json!({})).await;
    assert_eq!((status, v), (StatusCode::OK, json!({})));
    let (status, _) = call(
        &s,
        Method::DELETE,
        &format!("/api/v1/collections/{id}/items/{carol_item}"),
        &bob.token,
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = call(
        &s,
        Method::DELETE,
        &format!("/api/v1/collections/{id}/items/{carol_item}"),
        &alice.token,
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, shown) = s
        .get(&format!("/api/v1/collections/{id}"), Some(&alice.token))
        .await;
    assert_eq!(shown["collection"]["item_count"], 0, "{shown}");
    assert_eq!(shown["accounts"].as_array().unwrap().len(), 1);
    let (_, featuring) = s
        .get(
            &format!("/api/v1/accounts/{}/in_collections", bob.id),
            Some(&bob.token),
        )
        .await;
    assert_eq!(featuring["collections"].as_array().unwrap().len(), 0);
    // A revoked account cannot simply be added again.
    let (status, _) = call(
        &s,
        Method::POST,
        &items,
        &alice.token,
        json!({"account_id": bob.id}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // Deleting is the curator's; afterwards it is gone with its notifications.
    let (status, _) = call(
        &s,
        Method::DELETE,
        &format!("/api/v1/collections/{id}"),
        &bob.token,
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = call(
        &s,
        Method::DELETE,
        &format!("/api/v1/collections/{id}"),
        &alice.token,
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = s.get(&format!("/api/v1/collections/{id}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        notifications_of_type(&s, &bob.token, "added_to_collection")
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn collection_lists_page_by_offset_and_blocks_hide_them() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let mallory = s.user("mallory").await;
    for n in 0..5 {
        create(
            &s,
            &alice.token,
            json!({"name": format!("c{n}"), "account_ids": [bob.id, mallory.id]}),
        )
        .await;
    }
    let path = format!("/api/v1/accounts/{}/collections?limit=2&offset=2", alice.id);
    let resp = s.http.get(s.url(&path)).send().await.unwrap();
    let link = resp
        .headers()
        .get("link")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let body: Value = resp.json().await.unwrap();
    let names: Vec<&str> = body["collections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["c2", "c1"]);
    assert!(link.contains("offset=4>; rel=\"next\""), "{link}");
    assert!(link.contains("offset=0>; rel=\"prev\""), "{link}");
    let (_, last) = s
        .get(
            &format!("/api/v1/accounts/{}/collections?limit=2&offset=4", alice.id),
            None,
        )
        .await;
    assert_eq!(last["collections"].as_array().unwrap().len(), 1);

    // The eleventh collection is refused.
    for n in 5..10 {
        create(&s, &alice.token, json!({"name": format!("c{n}")})).await;
    }
    let (status, v) = call(
        &s,
        Method::POST,
        "/api/v1/collections",
        &alice.token,
        json!({"name": "c10"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");

    // bob blocks mallory: he no longer sees her in alice's collections.
    let (status, _) = call(
        &s,
        Method::POST,
        &format!("/api/v1/accounts/{}/block", mallory.id),
        &bob.token,
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, seen) = s
        .get(
            &format!("/api/v1/accounts/{}/collections?limit=1&offset=5", alice.id),
            Some(&bob.token),
        )
        .await;
    let c = &seen["collections"][0];
    assert_eq!(c["name"], "c4", "{seen}");
    assert_eq!(c["item_count"], 1);
    assert_eq!(c["items"][0]["account_id"], bob.id.as_str());
    // alice blocks mallory: mallory sees none of her collections and may
    // not open one, and alice can no longer add mallory.
    let (status, _) = call(
        &s,
        Method::POST,
        &format!("/api/v1/accounts/{}/block", mallory.id),
        &alice.token,
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, seen) = s
        .get(
            &format!("/api/v1/accounts/{}/collections", alice.id),
            Some(&mallory.token),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(seen["collections"].as_array().unwrap().len(), 0);
    let id = c["id"].as_str().unwrap();
    let (status, _) = s
        .get(&format!("/api/v1/collections/{id}"), Some(&mallory.token))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let fresh = create(&s, &bob.token, json!({"name": "bob's"})).await;
    let (status, _) = call(
        &s,
        Method::POST,
        &format!(
            "/api/v1/collections/{}/items",
            fresh["id"].as_str().unwrap()
        ),
        &bob.token,
        json!({"account_id": mallory.id}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = s.get("/api/v1/accounts/999999/collections", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
