//! Link preview cards (issue 19): the first link of a post is read from a
//! real local web server (OpenGraph, oEmbed, its image), shown in the
//! Status entity and `/api/v1/statuses/:id/card`, shared by posts linking
//! the same page, dropped when an edit removes the link; and a card URL on
//! a private address is refused by the guarded client.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::*;
use crate::federation::post;

/// A web site on loopback that counts the requests for each path.
#[derive(Clone, Default)]
struct Site {
    hits: Arc<Mutex<HashMap<String, usize>>>,
    base: Arc<Mutex<String>>,
}

impl Site {
    async fn start() -> (Site, String) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let site = Site::default();
        *site.base.lock().unwrap() = base.clone();
        let app = axum::Router::new()
            .route("/{*path}", axum::routing::get(page))
            .with_state(site.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        (site, base)
    }

    fn hits(&self, path: &str) -> usize {
        self.hits.lock().unwrap().get(path).copied().unwrap_or(0)
    }
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x * 4) as u8, (y * 4) as u8, 128])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

async fn page(State(site): State<Site>, Path(path): Path<String>) -> axum::response::Response {
    let path = format!("/{path}");
    *site.hits.lock().unwrap().entry(path.clone()).or_default() += 1;
    let base = site.base.lock().unwrap().clone();
    let html =
        |body: String| ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response();
    match path.as_str() {
        "/story" => html(format!(
            r#"<!doctype html><html lang="en"><head><title>Fallback title</title>
            <meta property="og:title" content="Ducks &amp; geese">
            <meta property="og:description" content="All about waterfowl.">
            <meta property="og:site_name" content="Bird News">
            <meta property="og:image" content="/duck.png">
            <meta property="og:image:alt" content="A duck">
            <script>var x = '<meta property="og:title" content="injected">';</script>
            </head><body>{}</body></html>"#,
            // Past the 1 MiB read: the card comes from the head alone.
            "<p>words</p>".repeat(150_000)
        )),
        "/duck.png" => ([(header::CONTENT_TYPE, "image/png")], png(64, 48)).into_response(),
        "/video" => html(format!(
            r#"<html><head><title>A clip</title>
            <link rel="alternate" type="application/json+oembed" href="{base}/oembed.json"></head></html>"#
        )),
        "/oembed.json" => (
            [(header::CONTENT_TYPE, "application/json")],
            json!({
                "version": "1.0", "type": "video", "title": "The clip",
                "author_name": "Filmer", "provider_name": "Clips",
                "width": 480, "height": 270,
                "html": format!("<script>alert(1)</script><iframe src=\"{base}/embed/1\"></iframe>"),
            })
            .to_string(),
        )
            .into_response(),
        "/plain.txt" => "no html here".into_response(),
        _ => (StatusCode::NOT_FOUND, "gone").into_response(),
    }
}

async fn card_of(s: &TestServer, user: &TestUser, id: &str) -> Value {
    let (status, v) = s
        .get(&format!("/api/v1/statuses/{id}"), Some(&user.token))
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    v["card"].clone()
}

async fn card_appears(s: &TestServer, user: &TestUser, id: &str) -> Value {
    eventually("the post's card", || async {
        let card = card_of(s, user, id).await;
        (!card.is_null()).then_some(card)
    })
    .await
}

#[tokio::test]
async fn a_posts_first_link_gets_a_card_from_the_page() {
    let (site, base) = Site::start().await;
    let s = TestServer::start_with(federating).await;
    let alice = s.user("alice").await;
    let story = format!("{base}/story");
    let p = post(
        &s,
        &alice,
        json!({"status": format!("Look: {story} and @nobody #birds")}),
    )
    .await;
    let id = p["id"].as_str().unwrap();
    let card = card_appears(&s, &alice, id).await;
    assert_eq!(card["url"], story);
    assert_eq!(card["title"], "Ducks & geese");
    assert_eq!(card["description"], "All about waterfowl.");
    assert_eq!(card["provider_name"], "Bird News");
    assert_eq!(card["type"], "link");
    assert_eq!(card["image_description"], "A duck");
    assert_eq!(card["language"], "en");
    assert_eq!(
        (card["width"].as_i64(), card["height"].as_i64()),
        (Some(64), Some(48))
    );
    assert!(
        card["blurhash"].as_str().is_some_and(|b| !b.is_empty()),
        "{card}"
    );
    // The image is served from this server, not the linked site.
    let image = card["image"].as_str().unwrap();
    assert!(image.starts_with(&s.base), "{image}");
    let got = reqwest::get(image).await.unwrap();
    assert_eq!(got.status(), StatusCode::OK);
    assert!(!got.bytes().await.unwrap().is_empty());

    // The old endpoint answers the same card; a post without a link, `{}`.
    let (status, same) = s.get(&format!("/api/v1/statuses/{id}/card"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(same, card);
    let plain = post(&s, &alice, json!({"status": "no link"})).await;
    let (status, empty) = s
        .get(
            &format!("/api/v1/statuses/{}/card", plain["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!((status, empty), (StatusCode::OK, json!({})));

    // Another post of the page shares the card: the page is read once.
    let again = post(&s, &alice, json!({"status": format!("again {story}")})).await;
    let card2 = card_appears(&s, &alice, again["id"].as_str().unwrap()).await;
    assert_eq!(card2, card);
    assert_eq!(site.hits("/story"), 1);
    assert_eq!(site.hits("/duck.png"), 1);

    // An edit that removes the link takes the card away.
    act(
        &s,
        &alice,
        Method::PUT,
        &format!("/api/v1/statuses/{id}"),
        Some(json!({"status": "link removed"})),
    )
    .await;
    eventually("the card to go", || async {
        card_of(&s, &alice, id).await.is_null().then_some(())
    })
    .await;

    // A followers-only post's card is not shown to others.
    let private = post(
        &s,
        &alice,
        json!({"status": format!("secret {story}"), "visibility": "private"}),
    )
    .await;
    card_appears(&s, &alice, private["id"].as_str().unwrap()).await;
    let bob = s.user("bob").await;
    let (status, _) = s
        .get(
            &format!("/api/v1/statuses/{}/card", private["id"].as_str().unwrap()),
            Some(&bob.token),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    s.stop().await;
}

#[tokio::test]
async fn an_oembed_player_is_one_iframe_and_pages_that_say_nothing_give_no_card() {
    let (site, base) = Site::start().await;
    let s = TestServer::start_with(federating).await;
    let alice = s.user("alice").await;
    let clip = post(&s, &alice, json!({"status": format!("{base}/video")})).await;
    let card = card_appears(&s, &alice, clip["id"].as_str().unwrap()).await;
    assert_eq!(card["type"], "video");
    assert_eq!(card["title"], "The clip");
    assert_eq!(card["author_name"], "Filmer");
    assert_eq!(card["provider_name"], "Clips");
    assert_eq!(
        card["html"],
        format!(
            "<iframe src=\"{base}/embed/1\" width=\"480\" height=\"270\" frameborder=\"0\" allowfullscreen=\"true\"></iframe>"
        )
    );
    // Not HTML, missing, and a link to this server itself: no card.
    let mut ids = vec![];
    for link in [
        format!("{base}/plain.txt"),
        format!("{base}/missing"),
        s.url("/about"),
    ] {
        let p = post(&s, &alice, json!({"status": format!("see {link}")})).await;
        ids.push(p["id"].as_str().unwrap().to_string());
    }
    drained(&s.app).await;
    for id in &ids {
        assert!(card_of(&s, &alice, id).await.is_null());
    }
    assert_eq!(site.hits("/plain.txt"), 1);
    assert_eq!(site.hits("/missing"), 1);
    s.stop().await;
}

#[tokio::test]
async fn a_card_url_on_a_private_address_is_refused() {
    let (site, base) = Site::start().await;
    // Plain http allowed, private addresses not: as in production, but for
    // the scheme.
    let s = TestServer::start_with(|c| c.federation.allow_http = true).await;
    let alice = s.user("alice").await;
    let p = post(
        &s,
        &alice,
        json!({"status": format!("inside {base}/story")}),
    )
    .await;
    drained(&s.app).await;
    assert!(
        card_of(&s, &alice, p["id"].as_str().unwrap())
            .await
            .is_null()
    );
    assert_eq!(site.hits("/story"), 0, "the private address was reached");
    assert_eq!(
        sql_count(&s.app, "SELECT COUNT(*) FROM preview_cards").await,
        0
    );
    s.stop().await;
}
