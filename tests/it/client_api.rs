//! The rest of the Mastodon client API: batch reads by id, featured
//! accounts, the profile API, oEmbed, OpenID userinfo, the features roost
//! answers as Mastodon does without them (translation, annual reports), and
//! the JSON error for a method a path does not take.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::*;
use crate::federation::post;

fn ids(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|x| x["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn statuses_by_id_keep_the_order_asked_and_leave_out_what_the_caller_may_not_see() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let public = post(&s, &alice, json!({"status": "one"})).await;
    let private = post(
        &s,
        &alice,
        json!({"status": "two", "visibility": "private"}),
    )
    .await;
    let unlisted = post(
        &s,
        &alice,
        json!({"status": "three", "visibility": "unlisted"}),
    )
    .await;
    let (p, x, u) = (
        public["id"].as_str().unwrap(),
        private["id"].as_str().unwrap(),
        unlisted["id"].as_str().unwrap(),
    );
    let path = format!("/api/v1/statuses?id[]={u}&id[]={x}&id[]=999&id[]=nope&id[]={p}&id[]={u}");
    // The author sees all three, in the order asked, each once.
    let (status, mine) = s.get(&path, Some(&alice.token)).await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    assert_eq!(ids(&mine), vec![u, x, p]);
    // A stranger and an anonymous caller do not see the followers-only one.
    assert_eq!(ids(&s.get(&path, Some(&bob.token)).await.1), vec![u, p]);
    assert_eq!(ids(&s.get(&path, None).await.1), vec![u, p]);
    // Too many ids: refused.
    let many: Vec<String> = (1..=41).map(|i| format!("id[]={i}")).collect();
    let (status, err) = s
        .get(&format!("/api/v1/statuses?{}", many.join("&")), None)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
}

#[tokio::test]
async fn accounts_by_id_leave_out_unknown_and_unapproved_ones() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let patient = s.create_account("patient").await;
    sql_execute(
        &s.app,
        &format!(
            "UPDATE users SET approved = FALSE WHERE account_id = {}",
            patient.id
        ),
    )
    .await;
    s.app.store.cache.users.clear();
    let path = format!(
        "/api/v1/accounts?id[]={}&id[]={}&id[]=12345&id[]={}",
        bob.id, patient.id, alice.id
    );
    let (status, found) = s.get(&path, None).await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(ids(&found), vec![bob.id.clone(), alice.id.clone()]);
    assert_eq!(found[0]["acct"], "bob");
    // Mastodon.py sends the ids of a GET as a JSON body.
    let resp = s
        .http
        .get(s.url("/api/v1/accounts"))
        .json(&json!({"id": [alice.id]}))
        .send()
        .await
        .unwrap();
    let body: Value = resp.json().await.unwrap();
    assert_eq!(ids(&body), vec![alice.id.clone()]);
    let many: Vec<String> = (1..=41).map(|i| format!("id[]={i}")).collect();
    assert_eq!(
        s.get(&format!("/api/v1/accounts?{}", many.join("&")), None)
            .await
            .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

#[tokio::test]
async fn endorse_and_unendorse_show_on_the_public_list_of_featured_accounts() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let carol = s.user("carol").await;
    let endorse = |id: String, on: bool| {
        let s = &s;
        let token = alice.token.clone();
        async move {
            let verb = if on { "endorse" } else { "unendorse" };
            s.request(
                Method::POST,
                &format!("/api/v1/accounts/{id}/{verb}"),
                Some(&token),
                None,
            )
            .await
        }
    };
    // Endorsing needs a follow; nothing is featured after a refusal.
    assert_eq!(
        endorse(bob.id.clone(), true).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let featured = format!("/api/v1/accounts/{}/endorsements", alice.id);
    assert_eq!(s.get(&featured, None).await, (StatusCode::OK, json!([])));
    for who in [&bob, &carol] {
        s.request(
            Method::POST,
            &format!("/api/v1/accounts/{}/follow", who.id),
            Some(&alice.token),
            None,
        )
        .await;
    }
    let (status, rel) = endorse(bob.id.clone(), true).await;
    assert_eq!(
        (status, rel["endorsed"].as_bool()),
        (StatusCode::OK, Some(true))
    );
    endorse(carol.id.clone(), true).await;
    // Anyone may read them, newest first.
    assert_eq!(
        ids(&s.get(&featured, None).await.1),
        vec![carol.id.clone(), bob.id.clone()]
    );
    let (_, rel) = endorse(carol.id.clone(), false).await;
    assert_eq!(rel["endorsed"], false);
    assert_eq!(
        ids(&s.get(&featured, Some(&bob.token)).await.1),
        vec![bob.id.clone()]
    );
    assert_eq!(
        s.get("/api/v1/accounts/424242/endorsements", None).await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn profile_api_shows_sources_updates_and_removes_images() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let (status, p) = s.get("/api/v1/profile", Some(&alice.token)).await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(p["id"], alice.id.as_str());
    assert_eq!(p["avatar"], Value::Null, "unset images are null");
    assert_eq!(p["show_media"], true);
    assert_eq!(
        s.get("/api/v1/profile", None).await.0,
        StatusCode::UNAUTHORIZED
    );

    // The note comes back as typed, not as HTML.
    let (status, p) = s
        .request(
            Method::PATCH,
            "/api/v1/profile",
            Some(&alice.token),
            Some(json!({"note": "I <3 #rust", "locked": true})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(
        (p["note"].as_str(), p["locked"].as_bool()),
        (Some("I <3 #rust"), Some(true))
    );
    // A bad value changes nothing.
    let (status, _) = s
        .request(
            Method::PATCH,
            "/api/v1/profile",
            Some(&alice.token),
            Some(json!({"display_name": "x".repeat(31), "locked": false})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        s.get("/api/v1/profile", Some(&alice.token)).await.1["locked"],
        true
    );

    // An avatar, then its removal: the placeholder shows again and the file goes.
    let form = reqwest::multipart::Form::new().part(
        "avatar",
        reqwest::multipart::Part::bytes(crate::media::png_rgba(64, 64))
            .file_name("a.png")
            .mime_str("image/png")
            .unwrap(),
    );
    let resp = s
        .http
        .patch(s.url("/api/v1/profile"))
        .bearer_auth(&alice.token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let p: Value = resp.json().await.unwrap();
    let avatar = p["avatar"].as_str().expect("avatar set").to_string();
    assert_eq!(
        s.http.get(&avatar).send().await.unwrap().status(),
        StatusCode::OK
    );
    let (status, me) = s
        .request(
            Method::DELETE,
            "/api/v1/profile/avatar",
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert!(
        me["avatar"]
            .as_str()
            .unwrap()
            .ends_with("/avatars/original/missing.png")
    );
    assert!(me["source"].is_object(), "a CredentialAccount");
    assert_eq!(
        s.get("/api/v1/profile", Some(&alice.token)).await.1["avatar"],
        Value::Null
    );
    assert_eq!(
        s.http.get(&avatar).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    // Removing what is not there is fine.
    let (status, _) = s
        .request(
            Method::DELETE,
            "/api/v1/profile/header",
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // Read-only tokens cannot change the profile.
    let reader = s.user_with_scopes("reader", "read").await;
    assert_eq!(
        s.request(
            Method::DELETE,
            "/api/v1/profile/avatar",
            Some(&reader.token),
            None
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn oembed_describes_public_posts_only() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let public = post(&s, &alice, json!({"status": "embed <me>"})).await;
    let private = post(
        &s,
        &alice,
        json!({"status": "hidden", "visibility": "private"}),
    )
    .await;
    let url = public["url"].as_str().unwrap();
    let (status, o) = s
        .get(&format!("/api/oembed?{}", query(&[("url", url)])), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{o}");
    assert_eq!(
        (o["type"].as_str(), o["version"].as_str()),
        (Some("rich"), Some("1.0"))
    );
    assert_eq!(o["author_name"], "alice");
    assert_eq!(o["width"], 400);
    let html = o["html"].as_str().unwrap();
    assert!(html.contains("embed &lt;me&gt;"), "{html}");
    assert!(!html.contains("<script"), "{html}");
    // The ActivityPub form of the URL names the same post.
    let uri = public["uri"].as_str().unwrap();
    assert_eq!(
        s.get(&format!("/api/oembed?{}", query(&[("url", uri)])), None)
            .await
            .0,
        StatusCode::OK
    );
    for bad in [
        private["url"].as_str().unwrap().to_string(),
        format!(
            "https://elsewhere.example/@alice/{}",
            public["id"].as_str().unwrap()
        ),
        "not a url".to_string(),
        s.url("/@alice/123"),
    ] {
        assert_eq!(
            s.get(&format!("/api/oembed?{}", query(&[("url", &bad)])), None)
                .await
                .0,
            StatusCode::NOT_FOUND,
            "{bad}"
        );
    }
}

#[tokio::test]
async fn userinfo_needs_the_profile_scope_and_is_in_the_metadata() {
    let s = TestServer::start().await;
    let (_, meta) = s.get("/.well-known/oauth-authorization-server", None).await;
    assert_eq!(meta["userinfo_endpoint"], s.url("/oauth/userinfo"));
    let alice = s.user_with_scopes("alice", "profile").await;
    let (status, info) = s.get("/oauth/userinfo", Some(&alice.token)).await;
    assert_eq!(status, StatusCode::OK, "{info}");
    assert_eq!(info["preferred_username"], "alice");
    assert_eq!(info["sub"], s.url("/users/alice"));
    assert_eq!(info["iss"], s.url("/"));
    let bob = s.user_with_scopes("bob", "read write").await;
    assert_eq!(
        s.get("/oauth/userinfo", Some(&bob.token)).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        s.get("/oauth/userinfo", None).await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn features_roost_lacks_answer_as_mastodon_does_without_them() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let public = post(&s, &alice, json!({"status": "hola"})).await;
    let private = post(
        &s,
        &alice,
        json!({"status": "secreto", "visibility": "private"}),
    )
    .await;
    let t = &alice.token;
    assert_eq!(
        s.get("/api/v1/instance/translation_languages", None).await,
        (StatusCode::OK, json!({}))
    );
    // No translation engine: 404 for a post the caller sees, and for one they do not.
    for (id, token) in [(&public["id"], t), (&private["id"], &bob.token)] {
        let path = format!("/api/v1/statuses/{}/translate", id.as_str().unwrap());
        assert_eq!(
            s.request(Method::POST, &path, Some(token), None).await.0,
            StatusCode::NOT_FOUND
        );
    }
    assert_eq!(
        s.get("/api/v1/annual_reports", Some(t)).await,
        (
            StatusCode::OK,
            json!({"annual_reports": [], "accounts": [], "statuses": []})
        )
    );
    assert_eq!(
        s.get("/api/v1/annual_reports/2026/state", Some(t)).await,
        (StatusCode::OK, json!({"state": "ineligible"}))
    );
    assert_eq!(
        s.get("/api/v1/annual_reports/2026", Some(t)).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        s.get("/api/v1/annual_reports/soon/state", Some(t)).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        s.request(
            Method::POST,
            "/api/v1/annual_reports/2026/generate",
            Some(t),
            None
        )
        .await
        .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        s.get("/api/v1/annual_reports", None).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        s.get("/api/v1_alpha/async_refreshes/1", Some(t)).await,
        (StatusCode::NOT_FOUND, json!({"error": "Record not found"}))
    );
    assert_eq!(
        s.get(
            &format!("/api/v1/accounts/{}/identity_proofs", bob.id),
            Some(t)
        )
        .await,
        (StatusCode::OK, json!([]))
    );
    assert_eq!(
        s.get("/api/v1/accounts/777/identity_proofs", Some(t))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    // No terms of service set: no version of them either.
    assert_eq!(
        s.get("/api/v1/instance/terms_of_service/2026-01-01", None)
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    // Once set, the version of the day they took effect answers.
    let admin = s.admin("warden").await;
    let user = s
        .app
        .store
        .get_user(admin.id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    roost::service::moderation::rules::set_text(
        &s.app,
        &user,
        roost::service::moderation::rules::ServerText::TermsOfService,
        "Be nice.",
    )
    .await
    .unwrap();
    let (_, current) = s.get("/api/v1/instance/terms_of_service", None).await;
    let date = current["effective_date"].as_str().unwrap();
    assert_eq!(
        s.get(&format!("/api/v1/instance/terms_of_service/{date}"), None)
            .await,
        (StatusCode::OK, current.clone())
    );
    assert_eq!(
        s.get("/api/v1/instance/terms_of_service/1999-01-01", None)
            .await
            .0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_method_a_path_does_not_take_is_a_json_405() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let resp = s
        .http
        .delete(s.url("/api/v1/timelines/home"))
        .bearer_auth(&alice.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(resp.headers()["allow"].to_str().unwrap().contains("GET"));
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body, json!({"error": "Method not allowed"}));
    // And nothing happened: the route still answers its own method.
    assert_eq!(
        s.get("/api/v1/timelines/home", Some(&alice.token)).await.0,
        StatusCode::OK
    );
}
