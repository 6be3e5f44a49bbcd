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
