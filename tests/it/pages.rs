//! Public profile and post pages.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::*;

async fn html(s: &TestServer, path: &str) -> (StatusCode, String) {
    let resp = s.http.get(s.url(path)).send().await.unwrap();
    (resp.status(), resp.text().await.unwrap())
}

#[tokio::test]
async fn profile_page_shows_only_public_posts_with_opengraph() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    s.request(
        Method::PATCH,
        "/api/v1/accounts/update_credentials",
        Some(&alice.token),
        Some(json!({"display_name": "Alice <A>", "note": "I write <b>things</b>"})),
    )
    .await;
    let (_, public) = s
        .request(
            Method::POST,
            "/api/v1/statuses",
            Some(&alice.token),
            Some(json!({"status": "hello world"})),
        )
        .await;
    let (_, private) = s
        .request(
            Method::POST,
            "/api/v1/statuses",
            Some(&alice.token),
            Some(json!({"status": "secret words", "visibility": "private"})),
        )
        .await;
    let (_, unlisted) = s
        .request(
            Method::POST,
            "/api/v1/statuses",
            Some(&alice.token),
            Some(json!({"status": "quiet words", "visibility": "unlisted"})),
        )
        .await;
    let (status, page) = html(&s, "/@alice").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("hello world"));
    assert!(!page.contains("secret words") && !page.contains("quiet words"));
    assert!(
        page.contains("<meta property=\"og:title\" content=\"Alice &#60;A&#62; (@alice@")
            || page.contains("Alice &lt;A&gt; (@alice@"),
        "{page}"
    );
    assert!(!page.contains("<b>things</b>"), "bio markup is escaped");
    assert!(!page.contains("noindex"));
    let (status, page) = html(&s, &format!("/@alice/{}", public["id"].as_str().unwrap())).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("og:type\" content=\"article\"") && page.contains("hello world"));
    assert_eq!(
        html(&s, &format!("/@alice/{}", private["id"].as_str().unwrap()))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let (status, page) = html(&s, &format!("/@alice/{}", unlisted["id"].as_str().unwrap())).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("noindex"),
        "unlisted posts are not for search engines"
    );
    // A post under the wrong account, or an unknown account: 404.
    s.user("bob").await;
    assert_eq!(
        html(&s, &format!("/@bob/{}", public["id"].as_str().unwrap()))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(html(&s, "/@nobody").await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn unindexable_accounts_ask_search_engines_to_stay_away() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    s.request(
        Method::PATCH,
        "/api/v1/accounts/update_credentials",
        Some(&alice.token),
        Some(json!({"indexable": false})),
    )
    .await;
    let (status, page) = html(&s, "/@alice").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("<meta name=\"robots\" content=\"noindex, noarchive\">"),
        "{page}"
    );
}

/// The pages' URLs are what people paste into another server's search:
/// with an ActivityPub `Accept` they answer the actor and the Note, under
/// the same rules as the ids.
#[tokio::test]
async fn page_urls_answer_activitypub_for_an_activitypub_accept() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let post = |visibility: &'static str| {
        let (s, token) = (&s, alice.token.clone());
        async move {
            let (status, posted) = s
                .request(
                    Method::POST,
                    "/api/v1/statuses",
                    Some(&token),
                    Some(json!({"status": "a post", "visibility": visibility})),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{posted}");
            posted
        }
    };
    let public = post("public").await;
    let private = post("private").await;
    let get = |path: String, accept: &'static str| {
        let s = &s;
        async move {
            let resp = s
                .http
                .get(s.url(&path))
                .header("accept", accept)
                .send()
                .await
                .unwrap();
            let status = resp.status();
            let vary = resp
                .headers()
                .get("vary")
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_default();
            let ct = resp
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_default();
            (status, vary, ct, resp.text().await.unwrap())
        }
    };
    let ld = "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"";
    for accept in ["application/activity+json", ld] {
        let (status, vary, ct, body) = get("/@alice".into(), accept).await;
        assert_eq!(status, StatusCode::OK);
        assert!(ct.starts_with("application/activity+json"), "{ct}");
        assert!(vary.contains("Accept"), "{vary}");
        let actor: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(actor["id"], json!(s.url("/users/alice")));
        assert_eq!(actor["type"], json!("Person"));

        let path = format!("/@alice/{}", public["id"].as_str().unwrap());
        let (status, _, ct, body) = get(path, accept).await;
        assert_eq!(status, StatusCode::OK);
        assert!(ct.starts_with("application/activity+json"), "{ct}");
        let note: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(note["id"], public["uri"]);
        assert_eq!(note["type"], json!("Note"));
    }
    // Followers-only posts and unknown accounts are 404 as JSON, as at the ids.
    let path = format!("/@alice/{}", private["id"].as_str().unwrap());
    let (status, _, ct, body) = get(path, "application/activity+json").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(ct.starts_with("application/json"), "{ct}: {body}");
    let (status, _, _, _) = get("/@nobody".into(), "application/activity+json").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Browsers still get the page, marked as varying by Accept.
    let (status, vary, ct, body) = get("/@alice".into(), "text/html").await;
    assert_eq!(status, StatusCode::OK);
    assert!(ct.starts_with("text/html"), "{ct}");
    assert!(vary.contains("Accept"), "{vary}");
    assert!(body.contains("rel=\"alternate\""), "{body}");
}

#[tokio::test]
async fn robots_txt_keeps_crawlers_to_the_public_pages() {
    let s = TestServer::start().await;
    let resp = s.http.get(s.url("/robots.txt")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let body = resp.text().await.unwrap();
    assert!(body.starts_with("User-agent: *\n"), "{body}");
    for path in ["/api/", "/oauth/", "/settings/", "/admin/"] {
        assert!(
            body.contains(&format!("Disallow: {path}\n")),
            "{path}: {body}"
        );
    }
    assert!(
        !body.contains("Disallow: /@"),
        "profiles stay crawlable: {body}"
    );
}
