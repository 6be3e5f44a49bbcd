//! Custom emoji: added by an admin with the CLI, listed for clients, shown
//! in posts that name them, and carried to other servers as `Emoji` tags.

use std::process::Output;

use reqwest::StatusCode;
use serde_json::json;

use crate::cli::roost;
use crate::common::*;
use crate::federation::{ap_get, post};

fn emoji_cli(s: &TestServer, args: &[&str]) -> Output {
    roost(s.dir.path(), &s.app.config.database_url())
        .args(["admin", "emoji"])
        .args(args)
        .output()
        .unwrap()
}

/// Writes a small PNG to the server's directory; returns its path.
fn png_file(s: &TestServer, name: &str) -> String {
    let path = s.dir.path().join(name);
    std::fs::write(&path, crate::media::png_rgba(32, 32)).unwrap();
    path.display().to_string()
}

#[tokio::test]
async fn admins_add_emoji_that_clients_list_and_posts_show() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let file = png_file(&s, "blobcat.png");
    let out = emoji_cli(&s, &["add", "blobcat", &file, "--category", "blobs"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Refused, and nothing added: a taken shortcode, a bad one, a file that
    // is not an image, one too large, one that is not there.
    let text = s.dir.path().join("notes.txt");
    std::fs::write(&text, "not an image").unwrap();
    let big = s.dir.path().join("big.png");
    std::fs::write(&big, vec![0u8; 300 * 1024]).unwrap();
    for args in [
        vec!["add", "blobcat", file.as_str()],
        vec!["add", "blob-cat", file.as_str()],
        vec!["add", "notes", text.to_str().unwrap()],
        vec!["add", "big", big.to_str().unwrap()],
        vec!["add", "ghost", "/nonexistent/ghost.png"],
    ] {
        let out = emoji_cli(&s, &args);
        assert!(!out.status.success(), "{args:?} was accepted");
        assert!(!out.stderr.is_empty(), "{args:?} said nothing");
    }

    let (status, list) = s.get("/api/v1/custom_emojis", None).await;
    assert_eq!(status, StatusCode::OK);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["shortcode"], "blobcat");
    assert_eq!(list[0]["category"], "blobs");
    assert_eq!(list[0]["visible_in_picker"], true);
    let url = list[0]["url"].as_str().unwrap().to_string();
    let image = s.http.get(&url).send().await.unwrap();
    assert_eq!(image.status(), StatusCode::OK);
    assert_eq!(image.headers()["content-type"], "image/png");

    // A post naming it (and one that does not exist) shows only it.
    let posted = post(
        &s,
        &alice,
        json!({"status": "hello :blobcat: and :nothere:", "spoiler_text": ":blobcat:"}),
    )
    .await;
    assert_eq!(
        posted["emojis"],
        json!([{"shortcode": "blobcat", "url": url, "static_url": url,
                "visible_in_picker": true, "category": "blobs"}])
    );
    let plain = post(&s, &alice, json!({"status": "time is 12:30:00"})).await;
    assert_eq!(plain["emojis"], json!([]));

    // Its Emoji tag rides on the Note, and its id resolves.
    let (_, _, note) = ap_get(&s, posted["uri"].as_str().unwrap()).await;
    let tag = note["tag"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["type"] == "Emoji")
        .cloned()
        .expect("an Emoji tag");
    assert_eq!(tag["name"], ":blobcat:");
    assert_eq!(tag["icon"]["url"], url.as_str());
    let (_, _, doc) = ap_get(&s, tag["id"].as_str().unwrap()).await;
    assert_eq!(
        (doc["type"].as_str(), doc["name"].as_str()),
        (Some("Emoji"), Some(":blobcat:"))
    );

    // Names and fields show them too, and the actor carries their tags.
    let (status, me) = s
        .request(
            reqwest::Method::PATCH,
            "/api/v1/accounts/update_credentials",
            Some(&alice.token),
            Some(json!({"display_name": "Alice :blobcat:", "fields_attributes": [{"name": "mood", "value": ":blobcat: :nothere:"}]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["emojis"].as_array().map(Vec::len), Some(1), "{me}");
    assert_eq!(me["emojis"][0]["shortcode"], "blobcat");
    assert_eq!(me["emojis"][0]["url"], url.as_str());
    let (_, _, actor) = ap_get(&s, &s.url("/users/alice")).await;
    assert_eq!(actor["tag"][0]["type"], "Emoji", "{actor}");
    assert_eq!(actor["tag"][0]["name"], ":blobcat:");

    // Listed by the CLI, then removed: the list empties and the file goes.
    let out = emoji_cli(&s, &["list"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains(":blobcat:"));
    let out = emoji_cli(&s, &["remove", "blobcat"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(s.get("/api/v1/custom_emojis", None).await.1, json!([]));
    assert_eq!(
        s.http.get(&url).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    assert!(!emoji_cli(&s, &["remove", "blobcat"]).status.success());
}

#[tokio::test]
async fn emoji_travel_with_posts_to_other_servers() {
    let (a, b) = federated_pair().await;
    let alice = a.user("alice").await;
    let bob = b.user("bob").await;
    let file = png_file(&a, "party.png");
    let out = emoji_cli(&a, &["add", "party", &file]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    crate::federation::remote_follower(&a, &b, &alice, &bob).await;

    let posted = post(&a, &alice, json!({"status": "it is :party: time"})).await;
    let on_b = eventually("alice's post on b", || async {
        crate::federation::in_home(&b, &bob, &posted["uri"]).await
    })
    .await;
    let emojis = on_b["emojis"].as_array().unwrap();
    assert_eq!(emojis.len(), 1, "{on_b}");
    assert_eq!(emojis[0]["shortcode"], "party");
    // Not in b's own picker: it is a's emoji.
    assert_eq!(emojis[0]["visible_in_picker"], false);
    assert_eq!(b.get("/api/v1/custom_emojis", None).await.1, json!([]));
    // b keeps its own copy of the image, and serves it.
    let copy = eventually("b's copy of the emoji", || async {
        let (_, s) = b
            .get(
                &format!("/api/v1/statuses/{}", on_b["id"].as_str().unwrap()),
                Some(&bob.token),
            )
            .await;
        let url = s["emojis"][0]["url"].as_str()?.to_string();
        url.starts_with(&b.base).then_some(url)
    })
    .await;
    let image = b.http.get(&copy).send().await.unwrap();
    assert_eq!(image.status(), StatusCode::OK);
    assert_eq!(image.headers()["content-type"], "image/png");

    // A name with an emoji reaches b with it (the Update of the actor).
    act(
        &a,
        &alice,
        reqwest::Method::PATCH,
        "/api/v1/accounts/update_credentials",
        Some(json!({"display_name": "Alice :party:"})),
    )
    .await;
    let alice_on_b = b
        .resolve(&bob.token, &format!("alice@{}", a.domain()))
        .await;
    let account = eventually("alice's new name on b", || async {
        let (_, acc) = b
            .get(&format!("/api/v1/accounts/{alice_on_b}"), Some(&bob.token))
            .await;
        (acc["display_name"] == json!("Alice :party:")).then_some(acc)
    })
    .await;
    assert_eq!(account["emojis"][0]["shortcode"], "party", "{account}");
    assert_eq!(account["emojis"][0]["url"], copy.as_str());
}

/// The moderation UI's emoji page: admins add one from an image and remove
/// it; bad input and a wrong CSRF token change nothing; moderators and
/// users cannot reach it; the audit log keeps both changes.
#[tokio::test]
async fn admins_manage_emoji_on_the_moderation_pages() {
    let s = TestServer::start().await;
    s.admin("boss").await;
    s.user("alice").await;
    let moderator = s.user("mod_erator").await;
    let id: i64 = moderator.id.parse().unwrap();
    sql_execute(
        &s.app,
        &format!("UPDATE users SET role = 'moderator' WHERE account_id = {id}"),
    )
    .await;
    s.app.store.cache.users.clear();
    let admin = crate::settings::signed_in(&s, "boss").await;
    let page_url = s.url("/admin/custom_emojis");
    for who in ["alice", "mod_erator"] {
        let b = crate::settings::signed_in(&s, who).await;
        let (status, _) = form_page(&b, &page_url).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{who}");
    }
    let (status, page) = form_page(&admin, &page_url).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("No custom emoji yet"), "{page}");
    let csrf = csrf_of(&page);
    let png = crate::media::png_rgba(32, 32);
    let add = async |csrf: &str, code: &str, bytes: Vec<u8>| {
        let form = reqwest::multipart::Form::new()
            .text("csrf_token", csrf.to_string())
            .text("shortcode", code.to_string())
            .text("category", "blobs")
            .part(
                "image",
                reqwest::multipart::Part::bytes(bytes).file_name("e.png"),
            );
        admin
            .post(&page_url)
            .multipart(form)
            .send()
            .await
            .unwrap()
            .status()
    };
    // Refused: a wrong token, a bad shortcode, a file that is not an image,
    // one too large.
    assert_eq!(
        add("wrong", "blobcat", png.clone()).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        add(&csrf, "blob-cat", png.clone()).await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        add(&csrf, "notes", b"not an image".to_vec()).await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_ne!(
        add(&csrf, "big", vec![0u8; 300 * 1024]).await,
        StatusCode::SEE_OTHER
    );
    let (_, list) = s.get("/api/v1/custom_emojis", None).await;
    assert_eq!(list, json!([]));

    assert_eq!(
        add(&csrf, "blobcat", png.clone()).await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        add(&csrf, "blobcat", png).await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let (_, list) = s.get("/api/v1/custom_emojis", None).await;
    assert_eq!(list[0]["shortcode"], "blobcat", "{list}");
    assert_eq!(list[0]["category"], "blobs");
    let image = s
        .http
        .get(list[0]["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(image.status(), StatusCode::OK);
    let (_, page) = form_page(&admin, &page_url).await;
    assert!(page.contains(":blobcat:"), "{page}");

    let remove = |token: &str| {
        admin
            .post(s.url("/admin/custom_emojis/blobcat/delete"))
            .form(&[("csrf_token", token.to_string())])
            .send()
    };
    assert_eq!(
        remove("wrong").await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        s.get("/api/v1/custom_emojis", None)
            .await
            .1
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(remove(&csrf).await.unwrap().status(), StatusCode::SEE_OTHER);
    assert_eq!(s.get("/api/v1/custom_emojis", None).await.1, json!([]));
    let actions = sql_texts(
        &s.app,
        "SELECT action FROM admin_action_logs WHERE target_type = 'CustomEmoji' ORDER BY id",
    )
    .await;
    assert_eq!(actions, vec!["create_custom_emoji", "destroy_custom_emoji"]);
}
