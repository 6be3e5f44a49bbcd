//! Moving an account: the new account lists the old one as an alias, the
//! old one moves, and its followers follow the new one on both servers.

use reqwest::StatusCode;
use serde_json::json;

use crate::common::*;
use crate::federation::{ap_get, relationship, remote_follower};
use crate::settings::signed_in;

/// Posts `fields` with the migration page's CSRF token to `path`.
async fn send(
    s: &TestServer,
    b: &reqwest::Client,
    path: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, String) {
    let (status, page) = form_page(b, &s.url("/settings/migration")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let csrf = csrf_of(&page);
    let mut form = vec![("csrf_token", csrf.as_str())];
    form.extend_from_slice(fields);
    let resp = b.post(s.url(path)).form(&form).send().await.unwrap();
    (resp.status(), resp.text().await.unwrap())
}

#[tokio::test]
async fn a_move_takes_followers_along_on_both_servers() {
    let (a, b) = federated_pair().await;
    let alice = a.user("alice").await;
    let dave = a.user("dave").await;
    let bob = b.user("bob").await;
    let erin = b.user("erin").await;
    act(
        &a,
        &dave,
        reqwest::Method::POST,
        &format!("/api/v1/accounts/{}/follow", alice.id),
        None,
    )
    .await;
    let alice_on_b = remote_follower(&a, &b, &alice, &erin).await;
    let bob_acct = format!("bob@{}", b.domain());
    let alice_browser = signed_in(&a, "alice").await;

    // Before bob lists alice as an alias, and with a wrong password: refused.
    let (status, page) = send(
        &a,
        &alice_browser,
        "/settings/migration",
        &[("acct", &bob_acct), ("current_password", PASSWORD)],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains("alias"), "{page}");
    let bob_browser = signed_in(&b, "bob").await;
    for bad in ["nobody@nowhere.invalid", "bob"] {
        let (status, _) = send(&b, &bob_browser, "/settings/aliases", &[("acct", bad)]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
    let (status, _) = send(
        &b,
        &bob_browser,
        "/settings/aliases",
        &[("acct", &format!("alice@{}", a.domain()))],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = form_page(&bob_browser, &b.url("/settings/migration")).await;
    assert!(page.contains(&format!("{}/users/alice", a.base)), "{page}");
    let (status, _) = send(
        &a,
        &alice_browser,
        "/settings/migration",
        &[("acct", &bob_acct), ("current_password", "wrong password")],
    )
    .await;
    assert_ne!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        sql_count(
            &a.app,
            "SELECT COUNT(*) FROM accounts WHERE moved_to_account_id IS NOT NULL"
        )
        .await,
        0
    );

    // The move: dave (here) and erin (on b) now follow bob instead.
    let (status, page) = send(
        &a,
        &alice_browser,
        "/settings/migration",
        &[("acct", &bob_acct), ("current_password", PASSWORD)],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let bob_on_a = a.resolve(&dave.token, &bob_acct).await;
    eventually("dave to follow bob", || async {
        let rel = relationship(&a, &dave.token, &bob_on_a).await;
        (rel["following"] == json!(true) || rel["requested"] == json!(true)).then_some(())
    })
    .await;
    assert_eq!(
        relationship(&a, &dave.token, &alice.id).await["following"],
        false
    );
    eventually("erin to follow bob on b", || async {
        let rel = relationship(&b, &erin.token, &bob.id).await;
        (rel["following"] == json!(true)).then_some(())
    })
    .await;
    eventually("erin to stop following alice", || async {
        let rel = relationship(&b, &erin.token, &alice_on_b).await;
        (rel["following"] == json!(false)).then_some(())
    })
    .await;
    // The old actor names where it went.
    let (_, _, person) = ap_get(&a, &format!("{}/users/alice", a.base)).await;
    assert_eq!(person["movedTo"], json!(format!("{}/users/bob", b.base)));
    // Clients see it too: the old account's `moved` is the new one, on
    // both servers (b learned it from the Move).
    let (_, old) = a.get(&format!("/api/v1/accounts/{}", alice.id), None).await;
    assert_eq!(old["moved"]["id"], bob_on_a.as_str(), "{old}");
    assert_eq!(old["moved"]["acct"], bob_acct.as_str());
    let (_, own) = a
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await;
    assert_eq!(own["moved"]["id"], bob_on_a.as_str());
    let (_, old_on_b) = b.get(&format!("/api/v1/accounts/{alice_on_b}"), None).await;
    assert_eq!(old_on_b["moved"]["id"], bob.id.as_str(), "{old_on_b}");
    let (_, bob_here) = b.get(&format!("/api/v1/accounts/{}", bob.id), None).await;
    assert!(bob_here.get("moved").is_none(), "{bob_here}");
}
