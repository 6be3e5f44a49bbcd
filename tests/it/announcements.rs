//! Announcements: admins post them on `/admin/announcements`; users read,
//! dismiss and react to them through the API.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::*;
use crate::settings::signed_in;

async fn announce(s: &TestServer, admin: &reqwest::Client, fields: &[(&str, &str)]) -> StatusCode {
    let (_, page) = form_page(admin, &s.url("/admin/announcements")).await;
    let csrf = csrf_of(&page);
    let mut form = vec![("csrf_token", csrf.as_str())];
    form.extend_from_slice(fields);
    admin
        .post(s.url("/admin/announcements"))
        .form(&form)
        .send()
        .await
        .unwrap()
        .status()
}

fn texts(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|a| a["content"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn admins_announce_and_users_dismiss_and_react() {
    let s = TestServer::start().await;
    s.admin("boss").await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    let admin = signed_in(&s, "boss").await;
    let mut socket = crate::streaming::Socket::open(&s, &bob.token, "").await;
    socket.subscribe("user", json!({})).await;

    // Only admins reach the page.
    let (status, _) = form_page(
        &signed_in(&s, "alice").await,
        &s.url("/admin/announcements"),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        announce(&s, &admin, &[("text", "Maintenance tonight <b>at 10</b>")]).await,
        StatusCode::SEE_OTHER
    );
    // Not yet in force, already over: not shown.
    announce(
        &s,
        &admin,
        &[("text", "Future"), ("starts_at", "2099-01-01T10:00")],
    )
    .await;
    announce(
        &s,
        &admin,
        &[("text", "Past"), ("ends_at", "2001-01-01T10:00")],
    )
    .await;
    // Refused, nothing stored: blank, an end before its start, a bad date.
    for bad in [
        vec![("text", "  ")],
        vec![
            ("text", "x"),
            ("starts_at", "2030-01-02T00:00"),
            ("ends_at", "2030-01-01T00:00"),
        ],
        vec![("text", "x"), ("starts_at", "tomorrow")],
    ] {
        assert_eq!(
            announce(&s, &admin, &bad).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad:?}"
        );
    }
    // A bad CSRF token changes nothing.
    let resp = admin
        .post(s.url("/admin/announcements"))
        .form(&[("csrf_token", "forged"), ("text", "Forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);

    // Bob's stream hears of the one in force at once.
    let seen = socket.until(|_, event, _| event == "announcement").await;
    let (_, _, live) = seen.last().unwrap();
    assert!(
        live["content"].as_str().unwrap().contains("Maintenance"),
        "{live}"
    );
    let (status, list) = s.get("/api/v1/announcements", Some(&alice.token)).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(
        texts(&list),
        vec!["<p>Maintenance tonight &lt;b&gt;at 10&lt;/b&gt;</p>"]
    );
    let a = &list[0];
    assert_eq!(
        (a["read"].as_bool(), a["published"].as_bool()),
        (Some(false), Some(true))
    );
    let id = a["id"].as_str().unwrap().to_string();
    assert_eq!(
        s.get("/api/v1/announcements", None).await.0,
        StatusCode::UNAUTHORIZED
    );

    // Reactions: counted per emoji, "me" per viewer; at most once each.
    let react = |who: &TestUser, name: &str, method: Method| {
        let path = format!("/api/v1/announcements/{id}/reactions/{}", urlencode(name));
        let token = who.token.clone();
        let s = &s;
        async move { s.request(method, &path, Some(&token), None).await.0 }
    };
    assert_eq!(react(&alice, "👍", Method::PUT).await, StatusCode::OK);
    assert_eq!(react(&alice, "👍", Method::PUT).await, StatusCode::OK);
    assert_eq!(react(&bob, "👍", Method::PUT).await, StatusCode::OK);
    assert_eq!(react(&bob, "🎉", Method::PUT).await, StatusCode::OK);
    for bad in ["thumbs", "no such", "", "<b>"] {
        assert_ne!(
            react(&bob, bad, Method::PUT).await,
            StatusCode::OK,
            "{bad:?}"
        );
    }
    let seen = socket
        .until(|_, event, p| event == "announcement.reaction" && p["name"] == "🎉")
        .await;
    assert_eq!(seen.last().unwrap().2["count"], 1);
    assert_eq!(seen.last().unwrap().2["announcement_id"], id.as_str());
    let (_, list) = s.get("/api/v1/announcements", Some(&alice.token)).await;
    assert_eq!(
        list[0]["reactions"],
        json!([{"name": "👍", "count": 2, "me": true}, {"name": "🎉", "count": 1, "me": false}])
    );
    assert_eq!(react(&alice, "👍", Method::DELETE).await, StatusCode::OK);
    let (_, list) = s.get("/api/v1/announcements", Some(&bob.token)).await;
    assert_eq!(
        list[0]["reactions"][0],
        json!({"name": "👍", "count": 1, "me": true})
    );

    // Dismissed: gone for alice (unless asked for), still there for bob.
    let (status, _) = s
        .request(
            Method::POST,
            &format!("/api/v1/announcements/{id}/dismiss"),
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        s.get("/api/v1/announcements", Some(&alice.token)).await.1,
        json!([])
    );
    let (_, all) = s
        .get(
            "/api/v1/announcements?with_dismissed=true",
            Some(&alice.token),
        )
        .await;
    assert_eq!(all[0]["read"], true);
    assert_eq!(
        texts(&s.get("/api/v1/announcements", Some(&bob.token)).await.1).len(),
        1
    );
    // Unknown ones are 404.
    assert_eq!(
        s.request(
            Method::POST,
            "/api/v1/announcements/1/dismiss",
            Some(&alice.token),
            None
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );

    // Deleted by the admin: gone, and in the audit log.
    let (_, page) = form_page(&admin, &s.url("/admin/announcements")).await;
    let csrf = csrf_of(&page);
    let resp = admin
        .post(s.url(&format!("/admin/announcements/{id}/delete")))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let seen = socket
        .until(|_, event, _| event == "announcement.delete")
        .await;
    assert_eq!(seen.last().unwrap().2.to_string().trim_matches('"'), id);
    assert_eq!(
        s.get("/api/v1/announcements", Some(&bob.token)).await.1,
        json!([])
    );
    let logged = sql_texts(&s.app, "SELECT action FROM admin_action_logs ORDER BY id").await;
    assert!(
        logged.contains(&"create_announcement".to_string()),
        "{logged:?}"
    );
    assert!(
        logged.contains(&"destroy_announcement".to_string()),
        "{logged:?}"
    );
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}
