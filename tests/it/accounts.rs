//! Registration, profiles, lookups.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::*;

/// An app token with `write:accounts`, as clients use for sign-up.
fn signup(username: &str, email: &str, password: &str) -> serde_json::Value {
    json!({"username": username, "email": email, "password": password, "agreement": true, "locale": "en"})
}

#[tokio::test]
async fn registration_returns_a_working_token() {
    let s = TestServer::start().await;
    let token = s.app_token().await;
    let (status, body) = s
        .request(
            Method::POST,
            "/api/v1/accounts",
            Some(&token),
            Some(signup("newbie", "newbie@example.org", "long enough pw")),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    let (status, me) = s
        .get(
            "/api/v1/accounts/verify_credentials",
            body["access_token"].as_str(),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["username"], "newbie");
    assert_eq!(me["acct"], "newbie");
    assert_eq!(me["source"]["privacy"], "public");
    assert_eq!(me["role"]["name"], "");
    // No key pair yet: it is made when federation first needs it.
    let id: i64 = me["id"].as_str().unwrap().parse().unwrap();
    let account = s.app.store.get_account(id).await.unwrap().unwrap();
    assert!(
        account.public_key_pem.is_empty(),
        "a key before any federation"
    );
    assert!(account.private_key_pem.is_none());
    // Two fetches of the actor at once agree on one pair, the one stored:
    // on PostgreSQL through two nodes (each with its own in-process lock,
    // so the database's conditional write decides).
    let node = match std::env::var("ROOST_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => Some(TestServer::start_node_of(&s).await),
        _ => None,
    };
    let other = node.as_ref().map_or(s.base.clone(), |n| n.base.clone());
    let fetch = |base: String| {
        let http = s.http.clone();
        async move {
            let resp = http
                .get(format!("{base}/users/newbie"))
                .header("Accept", "application/activity+json")
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), StatusCode::OK);
            let actor: serde_json::Value = resp.json().await.unwrap();
            actor["publicKey"]["publicKeyPem"]
                .as_str()
                .unwrap()
                .to_string()
        }
    };
    let (first, second) = tokio::join!(fetch(s.base.clone()), fetch(other.clone()));
    assert!(first.contains("BEGIN PUBLIC KEY"), "{first}");
    assert_eq!(first, second, "two key pairs for one account");
    let account = s.app.store.get_account(id).await.unwrap().unwrap();
    assert_eq!(account.public_key_pem, first);
    let private = account.private_key_pem.expect("the private key stored");
    use rsa::pkcs8::{DecodePrivateKey, EncodePublicKey, LineEnding};
    let private = rsa::RsaPrivateKey::from_pkcs8_pem(&private).unwrap();
    let public = rsa::RsaPublicKey::from(&private)
        .to_public_key_pem(LineEnding::LF)
        .unwrap();
    assert_eq!(
        public, first,
        "the stored private key is not the served key's"
    );
    assert_eq!(fetch(other).await, first, "the key changed");
    assert_eq!(account.uri, s.url("/users/newbie"));
}

#[tokio::test]
async fn registration_refuses_bad_input_and_creates_nothing() {
    let s = TestServer::start().await;
    s.create_account("taken").await;
    let token = s.app_token().await;
    let cases = [
        (
            signup("taken", "other@example.org", "long enough pw"),
            "username",
            "ERR_TAKEN",
        ),
        (
            signup("TAKEN", "other@example.org", "long enough pw"),
            "username",
            "ERR_TAKEN",
        ),
        (
            signup("fresh", "taken@example.org", "long enough pw"),
            "email",
            "ERR_TAKEN",
        ),
        (
            signup("fresh", "TAKEN@example.org", "long enough pw"),
            "email",
            "ERR_TAKEN",
        ),
        (
            signup("fresh", "fresh@example.org", "short"),
            "password",
            "ERR_TOO_SHORT",
        ),
        (
            signup("bad name", "fresh@example.org", "long enough pw"),
            "username",
            "ERR_INVALID",
        ),
        (
            signup("admin", "fresh@example.org", "long enough pw"),
            "username",
            "ERR_RESERVED",
        ),
        (
            signup("fresh", "not-an-email", "long enough pw"),
            "email",
            "ERR_INVALID",
        ),
        (
            json!({"username": "fresh", "email": "fresh@example.org", "password": "long enough pw"}),
            "agreement",
            "ERR_ACCEPTED",
        ),
    ];
    for (body, field, code) in cases {
        let (status, err) = s
            .request(
                Method::POST,
                "/api/v1/accounts",
                Some(&token),
                Some(body.clone()),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {err}");
        assert_eq!(err["details"][field][0]["error"], code, "{body}: {err}");
        assert!(
            err["error"]
                .as_str()
                .unwrap()
                .starts_with("Validation failed")
        );
    }
    assert_eq!(s.app.store.count_local_users().await.unwrap(), 1);
}

#[tokio::test]
async fn registration_needs_an_app_token_with_write_accounts() {
    let s = TestServer::start().await;
    let (status, _) = s
        .request(
            Method::POST,
            "/api/v1/accounts",
            None,
            Some(signup("x1", "x1@example.org", "long enough pw")),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (id, secret) = s.create_app("read", "urn:ietf:wg:oauth:2.0:oob").await;
    let (_, body) = s
        .post_form(
            "/oauth/token",
            None,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &id),
                ("client_secret", &secret),
            ],
        )
        .await;
    let (status, _) = s
        .request(
            Method::POST,
            "/api/v1/accounts",
            body["access_token"].as_str(),
            Some(signup("x1", "x1@example.org", "long enough pw")),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(s.app.store.count_local_users().await.unwrap(), 0);
}

#[tokio::test]
async fn closed_registrations_refuse_sign_up() {
    let s =
        TestServer::start_with(|c| c.instance.registrations = roost::config::Registrations::Closed)
            .await;
    let token = s.app_token().await;
    let (status, _) = s
        .request(
            Method::POST,
            "/api/v1/accounts",
            Some(&token),
            Some(signup("x1", "x1@example.org", "long enough pw")),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(s.app.store.count_local_users().await.unwrap(), 0);
    let (_, instance) = s.get("/api/v2/instance", None).await;
    assert_eq!(instance["registrations"]["enabled"], false);
}

#[tokio::test]
async fn approval_registrations_need_a_reason_and_wait() {
    let s = TestServer::start_with(|c| {
        c.instance.registrations = roost::config::Registrations::Approval
    })
    .await;
    let token = s.app_token().await;
    let (status, err) = s
        .request(
            Method::POST,
            "/api/v1/accounts",
            Some(&token),
            Some(signup("x1", "x1@example.org", "long enough pw")),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["details"]["reason"][0]["error"], "ERR_BLANK");
    let mut body = signup("x1", "x1@example.org", "long enough pw");
    body["reason"] = json!("I would like to join");
    let (status, grant) = s
        .request(Method::POST, "/api/v1/accounts", Some(&token), Some(body))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, err) = s
        .get(
            "/api/v1/accounts/verify_credentials",
            grant["access_token"].as_str(),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(err["error"], "Your login is currently pending approval");
}

#[tokio::test]
async fn registration_is_rate_limited() {
    let s = TestServer::start_with(|c| c.limits.registrations_per_30min = 2).await;
    let token = s.app_token().await;
    for i in 0..2 {
        let (status, _) = s
            .request(
                Method::POST,
                "/api/v1/accounts",
                Some(&token),
                Some(signup(
                    &format!("u{i}"),
                    &format!("u{i}@example.org"),
                    "long enough pw",
                )),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, _) = s
        .request(
            Method::POST,
            "/api/v1/accounts",
            Some(&token),
            Some(signup("u9", "u9@example.org", "long enough pw")),
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(s.app.store.count_local_users().await.unwrap(), 2);
}

#[tokio::test]
async fn update_credentials_with_json_form_and_multipart() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let (status, me) = s
        .request(
            Method::PATCH,
            "/api/v1/accounts/update_credentials",
            Some(&alice.token),
            Some(json!({
                "display_name": "Alice <b>",
                "note": "Hello <script>x</script>\nsee https://example.org",
                "locked": true,
                "fields_attributes": [{"name": "Site", "value": "https://alice.example"}],
                "source": {"privacy": "unlisted", "sensitive": true, "language": "de"},
            })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["display_name"], "Alice <b>");
    assert_eq!(me["locked"], true);
    let note = me["note"].as_str().unwrap();
    assert!(
        note.contains("&lt;script&gt;") && !note.contains("<script>"),
        "{note}"
    );
    assert!(note.contains("<a href=\"https://example.org\""), "{note}");
    assert_eq!(
        me["source"]["note"],
        "Hello <script>x</script>\nsee https://example.org"
    );
    assert_eq!(me["fields"][0]["name"], "Site");
    assert!(
        me["fields"][0]["value"]
            .as_str()
            .unwrap()
            .contains("<a href=\"https://alice.example\"")
    );
    assert_eq!(me["source"]["privacy"], "unlisted");
    assert_eq!(me["source"]["language"], "de");

    // Rails-style form, as Mastodon.py and toot send it.
    let resp = s
        .http
        .patch(s.url("/api/v1/accounts/update_credentials"))
        .bearer_auth(&alice.token)
        .form(&[
            ("display_name", "Form Alice"),
            ("locked", "false"),
            ("fields_attributes[0][name]", "A"),
            ("fields_attributes[0][value]", "1"),
            ("fields_attributes[1][name]", "B"),
            ("fields_attributes[1][value]", "2"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let me: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(
        (me["display_name"].as_str(), me["locked"].as_bool()),
        (Some("Form Alice"), Some(false))
    );
    assert_eq!(me["fields"].as_array().unwrap().len(), 2);
    assert_eq!(
        me["source"]["privacy"], "unlisted",
        "absent fields keep their value"
    );

    let form = reqwest::multipart::Form::new()
        .text("display_name", "Multipart Alice")
        .text("bot", "true");
    let resp = s
        .http
        .patch(s.url("/api/v1/accounts/update_credentials"))
        .bearer_auth(&alice.token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let me: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(
        (me["display_name"].as_str(), me["bot"].as_bool()),
        (Some("Multipart Alice"), Some(true))
    );
}

#[tokio::test]
async fn update_credentials_refuses_oversized_fields_and_keeps_the_profile() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let bad = [
        json!({"display_name": "x".repeat(31)}),
        json!({"note": "x".repeat(501)}),
        json!({"fields_attributes": [{"name": "1", "value": "1"}, {"name": "2", "value": "2"}, {"name": "3", "value": "3"}, {"name": "4", "value": "4"}, {"name": "5", "value": "5"}]}),
        json!({"source": {"privacy": "everyone"}}),
        json!({"locked": "perhaps"}),
    ];
    for body in bad {
        let (status, err) = s
            .request(
                Method::PATCH,
                "/api/v1/accounts/update_credentials",
                Some(&alice.token),
                Some(body.clone()),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {err}");
    }
    let (_, me) = s
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await;
    assert_eq!(
        (
            me["display_name"].as_str(),
            me["note"].as_str(),
            me["locked"].as_bool()
        ),
        (Some(""), Some(""), Some(false))
    );
}

#[tokio::test]
async fn oversized_body_is_413() {
    let s = TestServer::start_with(|c| c.limits.max_body_bytes = 4096).await;
    let alice = s.user("alice").await;
    let (status, err) = s
        .request(
            Method::PATCH,
            "/api/v1/accounts/update_credentials",
            Some(&alice.token),
            Some(json!({"note": "x".repeat(10_000)})),
        )
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(err["error"].is_string());
    let (status, _) = s
        .post_form(
            "/api/v1/apps",
            None,
            &[
                ("client_name", &"x".repeat(10_000)),
                ("redirect_uris", "urn:ietf:wg:oauth:2.0:oob"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn account_show_and_lookup() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let (status, a) = s.get(&format!("/api/v1/accounts/{}", alice.id), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(a["username"], "alice");
    assert!(a.get("source").is_none(), "source is only for the owner");
    assert_eq!(a["url"], s.url("/@alice"));
    assert!(
        a["created_at"]
            .as_str()
            .unwrap()
            .ends_with("T00:00:00.000Z")
    );
    let (status, a) = s.get("/api/v1/accounts/lookup?acct=ALICE", None).await;
    assert_eq!(
        (status, a["id"].as_str()),
        (StatusCode::OK, Some(alice.id.as_str()))
    );
    let (status, _) = s
        .get(
            &format!(
                "/api/v1/accounts/lookup?acct=alice@{}",
                s.app.config.server.domain
            ),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        s.get("/api/v1/accounts/lookup?acct=nobody", None).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        s.get("/api/v1/accounts/123", None).await.0,
        StatusCode::NOT_FOUND
    );
    let (status, body) = s.get("/api/v1/accounts/not-a-number", None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("Record not found"))
    );
    // A bad token on a public endpoint is still refused.
    assert_eq!(
        s.get(&format!("/api/v1/accounts/{}", alice.id), Some("bogus"))
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn apps_validate_their_input() {
    let s = TestServer::start().await;
    let cases = [
        json!({"client_name": "", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"}),
        json!({"client_name": "x", "redirect_uris": ""}),
        json!({"client_name": "x", "redirect_uris": "not a uri"}),
        json!({"client_name": "x", "redirect_uris": "javascript:alert(1)"}),
        json!({"client_name": "x", "redirect_uris": "https://a.example/#frag"}),
        json!({"client_name": "x", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob", "scopes": "read bogus"}),
    ];
    for body in cases {
        let (status, err) = s
            .request(Method::POST, "/api/v1/apps", None, Some(body.clone()))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {err}");
    }
    let (status, app) = s
        .request(Method::POST, "/api/v1/apps", None, Some(json!({"client_name": "Multi", "redirect_uris": ["urn:ietf:wg:oauth:2.0:oob", "tusky://oauth"], "scopes": "read write:statuses"})))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        app["redirect_uris"],
        json!(["urn:ietf:wg:oauth:2.0:oob", "tusky://oauth"])
    );
    assert_eq!(
        app["redirect_uri"],
        "urn:ietf:wg:oauth:2.0:oob\ntusky://oauth"
    );
    assert_eq!(app["scopes"], json!(["read", "write:statuses"]));
    assert!(app["client_secret"].as_str().unwrap().len() >= 32);
    // The secret is stored hashed.
    let stored = s
        .app
        .store
        .get_app_by_client_id(app["client_id"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_ne!(
        stored.client_secret_hash,
        app["client_secret"].as_str().unwrap()
    );
}

#[tokio::test]
async fn accounts_awaiting_approval_are_not_visible_to_others() {
    let s = TestServer::start_with(|c| {
        c.instance.registrations = roost::config::Registrations::Approval
    })
    .await;
    let token = s.app_token().await;
    let mut body = signup("pending1", "pending1@example.org", "long enough pw");
    body["reason"] = json!("hello");
    let (status, grant) = s
        .request(Method::POST, "/api/v1/accounts", Some(&token), Some(body))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        s.get("/api/v1/accounts/lookup?acct=pending1", None).await.0,
        StatusCode::NOT_FOUND
    );
    // Issue 15: nor to other servers (WebFinger, the actor), and its token
    // is dead on reads where signing in is optional too.
    let resource = format!("acct:pending1@{}", s.app.config.server.domain);
    let (status, _) = s
        .get(&format!("/.well-known/webfinger?resource={resource}"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let actor = s
        .http
        .get(s.url("/users/pending1"))
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap();
    assert_eq!(actor.status(), StatusCode::NOT_FOUND);
    let (status, err) = s
        .get("/api/v1/timelines/public", grant["access_token"].as_str())
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{err}");
    assert_eq!(err["error"], "Your login is currently pending approval");
    // The same reads answer anonymously.
    assert_eq!(
        s.get("/api/v1/timelines/public", None).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn field_names_are_plain_text_and_values_one_line() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let (status, me) = s
        .request(
            Method::PATCH,
            "/api/v1/accounts/update_credentials",
            Some(&alice.token),
            Some(json!({"fields_attributes": [{"name": "Q&A", "value": "a\n\nb <i>"}]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["fields"][0]["name"], "Q&A");
    assert_eq!(me["fields"][0]["value"], "a b &lt;i&gt;");
}

#[tokio::test]
async fn emails_are_case_insensitive_on_both_backends() {
    let s = TestServer::start().await;
    let token = s.app_token().await;
    assert_eq!(
        s.request(
            Method::POST,
            "/api/v1/accounts",
            Some(&token),
            Some(signup("emil", "Émile@Example.org", "long enough pw"))
        )
        .await
        .0,
        StatusCode::OK
    );
    let (status, err) = s
        .request(
            Method::POST,
            "/api/v1/accounts",
            Some(&token),
            Some(signup("emil2", "émile@example.org", "long enough pw")),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    let (id, secret) = s.create_app("read", "urn:ietf:wg:oauth:2.0:oob").await;
    let (status, _) = s
        .post_form(
            "/oauth/token",
            None,
            &[
                ("grant_type", "password"),
                ("client_id", &id),
                ("client_secret", &secret),
                ("username", "ÉMILE@EXAMPLE.ORG"),
                ("password", "long enough pw"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn credentials_count_pending_follow_requests() {
    let s = TestServer::start().await;
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    s.request(
        Method::PATCH,
        "/api/v1/accounts/update_credentials",
        Some(&bob.token),
        Some(json!({"locked": true})),
    )
    .await;
    s.request(
        Method::POST,
        &format!("/api/v1/accounts/{}/follow", bob.id),
        Some(&alice.token),
        None,
    )
    .await;
    let (_, me) = s
        .get("/api/v1/accounts/verify_credentials", Some(&bob.token))
        .await;
    assert_eq!(me["source"]["follow_requests_count"], 1);
}
