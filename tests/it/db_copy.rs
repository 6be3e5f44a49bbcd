//! `roost db copy`: an instance used on SQLite moves to PostgreSQL with
//! nothing lost, and its clients carry on with their old tokens (issue 18).
//!
//! Real processes throughout: `roost serve` on SQLite, `roost db copy`,
//! `roost serve` on PostgreSQL on the same address and data directory.
//! PostgreSQL only (`ROOST_TEST_DATABASE_URL`); otherwise it says SKIPPED.

use std::collections::BTreeMap;
use std::process::{Command, Output};

use reqwest::{Method, StatusCode};
use serde_json::json;
use sqlx::Connection;

use crate::cluster::{postgres, setup_app, spawn_node, wait_for_health};
use crate::common::*;
use crate::media::{png_rgba, upload};

/// `roost db copy --to URL` (or another `roost` command) on the instance
/// whose data directory is `data` and database `db`.
fn roost(data: &std::path::Path, db: &str, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_roost"));
    for (k, _) in std::env::vars() {
        if k.starts_with("ROOST_") {
            cmd.env_remove(k);
        }
    }
    cmd.env("ROOST_STORAGE_DATA_DIR", data)
        .env("ROOST_DATABASE_URL", db)
        .env("RUST_LOG", "warn")
        .args(args)
        .output()
        .unwrap()
}

/// Rows per table on each side (the search index aside: each backend
/// builds its own).
async fn sqlite_counts(url: &str) -> BTreeMap<String, i64> {
    let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
         AND name NOT LIKE 'status_search%' AND name NOT IN ('_sqlx_migrations', 'search_queue')",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let mut counts = BTreeMap::new();
    for t in tables {
        let n: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM \"{t}\"")))
                .fetch_one(&mut conn)
                .await
                .unwrap();
        counts.insert(t, n);
    }
    counts
}

async fn postgres_count(url: &str, table: &str) -> i64 {
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT count(*) FROM \"{table}\""
    )))
    .fetch_one(&mut conn)
    .await
    .unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[tokio::test]
async fn an_instance_moves_from_sqlite_to_postgres_and_its_tokens_still_work() {
    let Some(admin) = postgres() else {
        eprintln!("SKIPPED: the copy's target is PostgreSQL (set ROOST_TEST_DATABASE_URL)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let sqlite = format!("sqlite://{}", data.join("roost.db").display());
    let port = free_port();
    let domain = format!("127.0.0.1:{port}");

    // A day on SQLite: follows, a post with an image and one with a poll,
    // a favourite, a boost, a reply, notifications.
    let (child, _log) = spawn_node(dir.path(), &sqlite, &domain, "sqlite", "all", port);
    let mut child = KillOnDrop(child);
    wait_for_health("the SQLite node", port).await;
    let setup = setup_app(&domain, &data, &sqlite).await;
    let s = TestServer::attach(setup.clone(), &format!("http://{domain}"));
    let alice = s.user("alice").await;
    let bob = s.user("bob").await;
    act(
        &s,
        &bob,
        Method::POST,
        &format!("/api/v1/accounts/{}/follow", alice.id),
        None,
    )
    .await;
    let (status, media) = upload(&s, &alice.token, png_rgba(40, 30), "a.png", "image/png").await;
    assert_eq!(status, StatusCode::OK, "{media}");
    let media_id = media["id"].as_str().unwrap().to_string();
    let posted = act(
        &s,
        &alice,
        Method::POST,
        "/api/v1/statuses",
        Some(json!({"status": "moving day for the heron\tand\nthe \\ crane", "media_ids": [media_id]})),
    )
    .await;
    let post_id = posted["id"].as_str().unwrap().to_string();
    act(
        &s,
        &alice,
        Method::POST,
        "/api/v1/statuses",
        Some(json!({"status": "which database?", "poll": {"options": ["sqlite", "postgres"], "expires_in": 86400}})),
    )
    .await;
    act(
        &s,
        &bob,
        Method::POST,
        &format!("/api/v1/statuses/{post_id}/favourite"),
        None,
    )
    .await;
    act(
        &s,
        &bob,
        Method::POST,
        &format!("/api/v1/statuses/{post_id}/reblog"),
        None,
    )
    .await;
    act(
        &s,
        &bob,
        Method::POST,
        "/api/v1/statuses",
        Some(json!({"status": "@alice good luck", "in_reply_to_id": post_id})),
    )
    .await;
    let notifications = eventually("alice's four notifications", || async {
        let (_, n) = s.get("/api/v1/notifications", Some(&alice.token)).await;
        (n.as_array()?.len() == 4).then_some(n)
    })
    .await;
    let home = eventually("bob's home feed", || async {
        let (_, h) = s.get("/api/v1/timelines/home", Some(&bob.token)).await;
        (h.as_array()?.len() >= 4).then_some(h)
    })
    .await;
    let (_, status_before) = s
        .get(&format!("/api/v1/statuses/{post_id}"), Some(&bob.token))
        .await;
    let (_, me_before) = s
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await;

    // Stop the SQLite instance the way an operator would.
    let _ = Command::new("kill")
        .args(["-TERM", &child.0.id().to_string()])
        .status();
    for _ in 0..200 {
        if child.0.try_wait().unwrap().is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        child.0.try_wait().unwrap().is_some(),
        "the SQLite node did not stop"
    );
    setup.store.close().await;

    // Refusals that change nothing: a target that is not PostgreSQL, a
    // source that is not SQLite.
    let out = roost(
        &data,
        &sqlite,
        &["db", "copy", "--to", "sqlite:///tmp/elsewhere.db"],
    );
    assert!(!out.status.success());
    assert!(text(&out).contains("postgres://"), "{}", text(&out));
    let target = fresh_postgres(&admin).await;
    // A wrong path is not a new, empty instance to copy.
    let nowhere = dir.path().join("nowhere");
    let missing = format!("sqlite://{}", nowhere.join("roost.db").display());
    let out = roost(&nowhere, &missing, &["db", "copy", "--to", &target]);
    assert!(!out.status.success());
    assert!(text(&out).contains("no SQLite database"), "{}", text(&out));
    assert!(!nowhere.join("roost.db").exists());
    let out = roost(&data, &target, &["db", "copy", "--to", &target]);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("reads a SQLite database"),
        "{}",
        text(&out)
    );

    // An empty schema is a valid target (what an interrupted copy leaves).
    let out = roost(&data, &target, &["migrate"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = roost(&data, &sqlite, &["db", "copy", "--to", &target]);
    assert!(out.status.success(), "{}", text(&out));
    let report = text(&out);
    assert!(report.contains("every count matches"), "{report}");
    assert!(report.contains("statuses"), "{report}");

    // Every row of every table is there.
    let counts = sqlite_counts(&sqlite).await;
    assert!(
        counts["statuses"] >= 4 && counts["media_attachments"] == 1,
        "{counts:?}"
    );
    for (table, n) in &counts {
        assert_eq!(postgres_count(&target, table).await, *n, "rows in {table}");
    }

    // A second copy into the now full database is refused and changes nothing.
    let out = roost(&data, &sqlite, &["db", "copy", "--to", &target]);
    assert!(!out.status.success());
    assert!(text(&out).contains("not empty"), "{}", text(&out));
    assert_eq!(
        postgres_count(&target, "statuses").await,
        counts["statuses"]
    );

    // The same instance on PostgreSQL: same address, same data directory.
    let (child, log) = spawn_node(dir.path(), &target, &domain, "postgres", "all", port);
    let _child = KillOnDrop(child);
    wait_for_health("the PostgreSQL node", port).await;
    let (status, me) = s
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await;
    assert_eq!(status, StatusCode::OK, "the old token: {me}");
    assert_eq!(me["id"], me_before["id"]);
    assert_eq!(me["statuses_count"], me_before["statuses_count"]);
    let (_, status_after) = s
        .get(&format!("/api/v1/statuses/{post_id}"), Some(&bob.token))
        .await;
    assert_eq!(status_after, status_before);
    let (_, n) = s.get("/api/v1/notifications", Some(&alice.token)).await;
    assert_eq!(n, notifications);
    let (_, h) = s.get("/api/v1/timelines/home", Some(&bob.token)).await;
    assert_eq!(h, home);
    let image = s
        .http
        .get(
            status_after["media_attachments"][0]["url"]
                .as_str()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(image.status(), StatusCode::OK);

    // The search index is rebuilt from the copied posts.
    eventually("the copied post to be searchable", || async {
        let (_, found) = s
            .get("/api/v2/search?q=heron&type=statuses", Some(&bob.token))
            .await;
        (found["statuses"][0]["id"] == post_id.as_str()).then_some(())
    })
    .await;
    // And the instance goes on: a new post, a new follower's feed.
    let (status, reply) = s
        .request(
            Method::POST,
            "/api/v1/statuses",
            Some(&alice.token),
            Some(json!({"status": "settled in"})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "{reply}; {}",
        std::fs::read_to_string(log).unwrap_or_default()
    );
}
