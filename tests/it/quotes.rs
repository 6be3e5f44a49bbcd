//! Quote posts (Mastodon 4.5): quoting within one server under each
//! policy, the refusals, the quotes list, revoking, changing a policy;
//! and between two servers through FEP-044f's QuoteRequest, Accept and
//! the Delete of a stamp.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::*;
use crate::federation::{ap_get, in_home, post, remote_follower};

async fn quote(s: &TestServer, user: &TestUser, quoted: &str, extra: Value) -> (StatusCode, Value) {
    let mut body = json!({"status": "so true", "quoted_status_id": quoted});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    s.request(
        Method::POST,
        "/api/v1/statuses",
        Some(&user.token),
        Some(body),
    )
    .await
}

async fn status(s: &TestServer, user: &TestUser, id: &str) -> Value {
    let (code, body) = s
        .get(&format!("/api/v1/statuses/{id}"), Some(&user.token))
        .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    body
}

#[tokio::test]
async fn local_quotes_follow_each_policy_and_can_be_revoked() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let carol = s.user("carol").await;

    let original = post(&s, &alice, json!({"status": "a thought"})).await;
    let id = original["id"].as_str().unwrap();
    assert_eq!(original["quote_approval"]["automatic"], json!(["public"]));
    assert_eq!(original["quote_approval"]["current_user"], "automatic");
    assert_eq!(original["quotes_count"], 0);
    assert_eq!(
        status(&s, &bob, id).await["quote_approval"]["current_user"],
        "automatic"
    );

    let (code, quoting) = quote(&s, &bob, id, json!({})).await;
    assert_eq!(code, StatusCode::OK, "{quoting}");
    assert_eq!(quoting["quote"]["state"], "accepted");
    assert_eq!(quoting["quote"]["quoted_status"]["id"], id);
    // The quoted post inside a quote carries a ShallowQuote.
    assert!(quoting["quote"]["quoted_status"]["quote"].is_null());
    let content = quoting["content"].as_str().unwrap();
    assert!(
        content.starts_with("<p class=\"quote-inline\">RE: "),
        "{content}"
    );
    assert!(
        content.contains(original["url"].as_str().unwrap()),
        "{content}"
    );
    let quoting_id = quoting["id"].as_str().unwrap();
    assert_eq!(status(&s, &carol, id).await["quotes_count"], 1);
    let (code, notes) = s
        .get("/api/v1/notifications?types[]=quote", Some(&alice.token))
        .await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(notes[0]["type"], "quote", "{notes}");
    assert_eq!(notes[0]["status"]["id"], quoting_id);

    // A quote of a quote shows the inner quote as a ShallowQuote.
    let (code, nested) = quote(&s, &carol, quoting_id, json!({})).await;
    assert_eq!(code, StatusCode::OK, "{nested}");
    assert_eq!(
        nested["quote"]["quoted_status"]["quote"],
        json!({"state": "accepted", "quoted_status_id": id})
    );

    let (code, list) = s
        .get(&format!("/api/v1/statuses/{id}/quotes"), Some(&carol.token))
        .await;
    assert_eq!(code, StatusCode::OK);
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![quoting_id]);

    // An edit of the quoted post tells the one who quoted it, once.
    let (code, edited) = s
        .request(
            Method::PUT,
            &format!("/api/v1/statuses/{id}"),
            Some(&alice.token),
            Some(json!({"status": "a better thought"})),
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{edited}");
    let (_, notes) = s
        .get(
            "/api/v1/notifications?types[]=quoted_update",
            Some(&bob.token),
        )
        .await;
    assert_eq!(notes.as_array().unwrap().len(), 1, "{notes}");
    assert_eq!(notes[0]["status"]["id"], id);
    assert_eq!(notes[0]["account"]["id"], alice.id.as_str());
    let (_, notes) = s
        .get(
            "/api/v1/notifications?types[]=quoted_update",
            Some(&carol.token),
        )
        .await;
    assert_eq!(notes, json!([]), "carol quoted bob's post, not alice's");

    // Refusals, each changing nothing: a policy of nobody, a followers-only
    // post, a private mention, a direct quote that does not mention the
    // quoted author, an unknown policy, a missing post, a malformed id.
    let before = sql_count(&s.app, "SELECT COUNT(*) FROM statuses").await;
    let closed = post(
        &s,
        &alice,
        json!({"status": "mine only", "quote_approval_policy": "nobody"}),
    )
    .await;
    let closed_id = closed["id"].as_str().unwrap();
    assert_eq!(closed["quote_approval"]["automatic"], json!([]));
    assert_eq!(
        status(&s, &bob, closed_id).await["quote_approval"]["current_user"],
        "denied"
    );
    let private = post(
        &s,
        &alice,
        json!({"status": "friends", "visibility": "private"}),
    )
    .await;
    let direct = post(
        &s,
        &alice,
        json!({"status": "@bob psst", "visibility": "direct"}),
    )
    .await;
    act(
        &s,
        &bob,
        Method::POST,
        &format!("/api/v1/accounts/{}/follow", alice.id),
        None,
    )
    .await;
    for (quoted, extra, want) in [
        (closed_id, json!({}), StatusCode::NOT_FOUND),
        (
            private["id"].as_str().unwrap(),
            json!({}),
            StatusCode::NOT_FOUND,
        ),
        (
            direct["id"].as_str().unwrap(),
            json!({}),
            StatusCode::NOT_FOUND,
        ),
        (
            id,
            json!({"visibility": "direct"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            id,
            json!({"quote_approval_policy": "everyone"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        ("999999999", json!({}), StatusCode::NOT_FOUND),
        ("not-an-id", json!({}), StatusCode::NOT_FOUND),
    ] {
        let (code, body) = quote(&s, &bob, quoted, extra.clone()).await;
        assert_eq!(code, want, "{quoted} {extra}: {body}");
        assert!(body["error"].is_string(), "{body}");
    }
    assert_eq!(
        sql_count(&s.app, "SELECT COUNT(*) FROM statuses").await,
        before + 3
    );
    // The author may quote their own, even under nobody.
    let (code, own) = quote(&s, &alice, closed_id, json!({})).await;
    assert_eq!(code, StatusCode::OK, "{own}");
    assert_eq!(own["quote"]["state"], "accepted");
    // A direct quote that mentions the quoted author is fine.
    let (code, dm) = quote(
        &s,
        &bob,
        id,
        json!({"status": "@alice look", "visibility": "direct"}),
    )
    .await;
    assert_eq!(code, StatusCode::OK, "{dm}");

    // Followers-only policy: carol (not a follower) is refused, bob is not.
    let (code, updated) = s
        .request(
            Method::PATCH,
            "/api/v1/accounts/update_credentials",
            Some(&alice.token),
            Some(json!({"source": {"quote_policy": "followers"}})),
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{updated}");
    assert_eq!(updated["source"]["quote_policy"], "followers");
    let (_, prefs) = s.get("/api/v1/preferences", Some(&alice.token)).await;
    assert_eq!(prefs["posting:default:quote_policy"], "followers");
    let (code, bad) = s
        .request(
            Method::PATCH,
            "/api/v1/accounts/update_credentials",
            Some(&alice.token),
            Some(json!({"source": {"quote_policy": "friends"}})),
        )
        .await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    let for_followers = post(&s, &alice, json!({"status": "followers may quote"})).await;
    let ff = for_followers["id"].as_str().unwrap();
    assert_eq!(
        for_followers["quote_approval"]["automatic"],
        json!(["followers"])
    );
    assert_eq!(
        status(&s, &carol, ff).await["quote_approval"]["current_user"],
        "denied"
    );
    assert_eq!(
        status(&s, &bob, ff).await["quote_approval"]["current_user"],
        "automatic"
    );
    assert_eq!(
        quote(&s, &carol, ff, json!({})).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(quote(&s, &bob, ff, json!({})).await.0, StatusCode::OK);

    // Changing a post's policy: only its author, only known settings.
    let path = format!("/api/v1/statuses/{id}/interaction_policy");
    let nobody = json!({"quote_approval_policy": "nobody"});
    let (code, _) = s
        .request(Method::PUT, &path, Some(&bob.token), Some(nobody.clone()))
        .await;
    assert_eq!(code, StatusCode::NOT_FOUND);
    let (code, _) = s
        .request(
            Method::PUT,
            &path,
            Some(&alice.token),
            Some(json!({"quote_approval_policy": "x"})),
        )
        .await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY);
    let (code, changed) = s
        .request(Method::PUT, &path, Some(&alice.token), Some(nobody))
        .await;
    assert_eq!(code, StatusCode::OK, "{changed}");
    assert_eq!(changed["quote_approval"]["automatic"], json!([]));
    // Quotes made before stay.
    assert_eq!(
        status(&s, &bob, quoting_id).await["quote"]["state"],
        "accepted"
    );

    // Revoking: not by someone else, then by the quoted author.
    let revoke = format!("/api/v1/statuses/{id}/quotes/{quoting_id}/revoke");
    let (code, _) = s
        .request(Method::POST, &revoke, Some(&carol.token), None)
        .await;
    assert_eq!(code, StatusCode::FORBIDDEN);
    let (code, _) = s
        .request(
            Method::POST,
            &format!("/api/v1/statuses/{id}/quotes/{}/revoke", closed_id),
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(code, StatusCode::NOT_FOUND);
    let (code, revoked) = s
        .request(Method::POST, &revoke, Some(&alice.token), None)
        .await;
    assert_eq!(code, StatusCode::OK, "{revoked}");
    assert_eq!(revoked["id"], quoting_id);
    assert_eq!(
        revoked["quote"],
        json!({"state": "revoked", "quoted_status": null})
    );
    assert_eq!(
        status(&s, &carol, id).await["quotes_count"],
        1,
        "the direct quote remains"
    );
    let (_, list) = s
        .get(&format!("/api/v1/statuses/{id}/quotes"), Some(&alice.token))
        .await;
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .all(|q| q["id"] != quoting_id),
        "{list}"
    );

    // The quoted post deleted: the quote says so.
    act(
        &s,
        &alice,
        Method::DELETE,
        &format!("/api/v1/statuses/{ff}"),
        None,
    )
    .await;
    let (_, mine) = s
        .get(
            &format!("/api/v1/accounts/{}/statuses?limit=40", bob.id),
            Some(&bob.token),
        )
        .await;
    let orphan = mine
        .as_array()
        .unwrap()
        .iter()
        .find(|st| st["quote"]["state"] == "deleted")
        .cloned();
    assert!(orphan.is_some(), "{mine}");
    s.stop().await;
}

#[tokio::test]
async fn quotes_across_servers_are_requested_approved_and_revoked() {
    let (a, b) = federated_pair().await;
    let alice = a.user("alice").await;
    let bob = b.user("bob").await;
    remote_follower(&a, &b, &alice, &bob).await;
    let original = post(&a, &alice, json!({"status": "quotable thought"})).await;
    let closed = post(
        &a,
        &alice,
        json!({"status": "not quotable", "quote_approval_policy": "nobody"}),
    )
    .await;
    let on_b = eventually("the post to reach bob", || async {
        in_home(&b, &bob, &original["uri"]).await
    })
    .await;
    let closed_on_b = eventually("the closed post to reach bob", || async {
        in_home(&b, &bob, &closed["uri"]).await
    })
    .await;
    // Read from the Note's canQuote: anyone for one, nobody for the other.
    assert_eq!(on_b["quote_approval"]["automatic"], json!(["public"]));
    assert_eq!(on_b["quote_approval"]["current_user"], "automatic");
    assert_eq!(closed_on_b["quote_approval"]["current_user"], "denied");
    let (code, _) = quote(&b, &bob, closed_on_b["id"].as_str().unwrap(), json!({})).await;
    assert_eq!(code, StatusCode::NOT_FOUND);

    // Bob quotes: pending until alice's server approves.
    let (code, quoting) = quote(&b, &bob, on_b["id"].as_str().unwrap(), json!({})).await;
    assert_eq!(code, StatusCode::OK, "{quoting}");
    let quoting_id = quoting["id"].as_str().unwrap().to_string();
    eventually("a to approve the quote", || async {
        let st = status(&b, &bob, &quoting_id).await;
        (st["quote"]["state"] == "accepted").then_some(())
    })
    .await;
    let shown = status(&b, &bob, &quoting_id).await;
    assert_eq!(shown["quote"]["quoted_status"]["uri"], original["uri"]);

    // On a: alice is told, her post counts it and lists it, and the
    // stamp resolves.
    let id = original["id"].as_str().unwrap();
    let quote_on_a = eventually("the quote to be listed on a", || async {
        let (_, list) = a
            .get(&format!("/api/v1/statuses/{id}/quotes"), Some(&alice.token))
            .await;
        list.as_array()?.first().cloned()
    })
    .await;
    assert_eq!(quote_on_a["uri"], quoting["uri"]);
    assert_eq!(quote_on_a["quote"]["state"], "accepted");
    assert_eq!(status(&a, &alice, id).await["quotes_count"], 1);
    let (_, notes) = a
        .get("/api/v1/notifications?types[]=quote", Some(&alice.token))
        .await;
    assert_eq!(notes[0]["status"]["uri"], quoting["uri"], "{notes}");
    let stamp = sql_texts(
        &b.app,
        &format!("SELECT approval_uri FROM quotes WHERE status_id = {quoting_id}"),
    )
    .await
    .pop()
    .unwrap();
    assert!(
        stamp.starts_with(&format!("{}/users/alice/quote_authorizations/", a.base)),
        "{stamp}"
    );
    let (code, _, doc) = ap_get(&a, &stamp).await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(doc["type"], "QuoteAuthorization");
    assert_eq!(doc["interactingObject"], quoting["uri"]);
    assert_eq!(doc["interactionTarget"], original["uri"]);
    // The quoting Note, as b serves it, names the quote and the stamp.
    let (_, _, note) = ap_get(&b, quoting["uri"].as_str().unwrap()).await;
    assert_eq!(note["quote"], original["uri"]);
    assert_eq!(note["_misskey_quote"], original["uri"]);
    assert_eq!(note["quoteAuthorization"], json!(stamp));

    // Alice revokes: the stamp is gone and b hears of it.
    let revoke = format!(
        "/api/v1/statuses/{id}/quotes/{}/revoke",
        quote_on_a["id"].as_str().unwrap()
    );
    act(&a, &alice, Method::POST, &revoke, None).await;
    let (code, _, _) = ap_get(&a, &stamp).await;
    assert_eq!(code, StatusCode::NOT_FOUND);
    eventually("b to learn of the revocation", || async {
        let st = status(&b, &bob, &quoting_id).await;
        (st["quote"]["state"] == "revoked").then_some(())
    })
    .await;
    assert_eq!(status(&a, &alice, id).await["quotes_count"], 0);
}
