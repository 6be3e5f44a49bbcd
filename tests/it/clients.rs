//! Real clients against the real binary: Mastodon.py and toot (from the Python
//! venv that `scripts/test` creates at `.venv`), and headless Chromium driven by
//! playwright-core (`tests/browser`, installed by `scripts/test` with `npm ci`).

use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::cli::roost;
use crate::common::*;

fn python() -> PathBuf {
    let path = std::env::var("ROOST_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python"));
    assert!(
        path.exists(),
        "{} is missing: run `scripts/test` (it creates the venv from tests/clients/requirements.txt) or set ROOST_TEST_PYTHON",
        path.display()
    );
    path
}

fn node_script(name: &str) -> (PathBuf, PathBuf) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    assert!(
        dir.join("node_modules/playwright-core").exists(),
        "tests/browser/node_modules is missing: run `scripts/test` (it runs `npm ci` there)"
    );
    (PathBuf::from("node"), dir.join(name))
}

fn python_script(name: &str) -> (PathBuf, PathBuf) {
    (
        python(),
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/clients")
            .join(name),
    )
}

/// Starts `roost serve` with one account and runs `program script` against it.
async fn run_client_script((program, script_path): (PathBuf, PathBuf)) {
    let script = script_path.display().to_string();
    let dir = tempfile::tempdir().unwrap();
    let db = database_url(dir.path()).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = roost(dir.path(), &db)
        .args([
            "admin",
            "create-account",
            "--username",
            "alice",
            "--email",
            "alice@example.org",
            "--password",
            PASSWORD,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Killed when the test ends, whether it passes or panics.
    let _server = KillOnDrop(
        roost(dir.path(), &db)
            .env("ROOST_SERVER_LISTEN", format!("127.0.0.1:{port}"))
            .env("ROOST_SERVER_DOMAIN", format!("127.0.0.1:{port}"))
            // The scenarios sign up and sign in several accounts from one address.
            .env("ROOST_LIMITS_REGISTRATIONS_PER_30MIN", "1000")
            .env("ROOST_LIMITS_SIGN_IN_PER_5MIN", "1000")
            .env("ROOST_LIMITS_TOKEN_PER_5MIN", "1000")
            // Trends a script makes show within a second.
            .env("ROOST_DISCOVERY_TRENDS_INTERVAL_SECS", "1")
            .arg("serve")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap(),
    );
    let base = format!("http://127.0.0.1:{port}");
    roost::net::install_crypto_provider();
    let health = format!("{base}/health");
    // `eventually` fails the test, naming what never happened, after 15 s.
    eventually("roost serve to answer /health", || async {
        let resp = reqwest::get(&health).await.ok()?;
        resp.status().is_success().then_some(())
    })
    .await;
    let out = tokio::task::spawn_blocking(move || {
        Command::new(program)
            .arg(script_path)
            .env("ROOST_BASE_URL", &base)
            .env("ROOST_TEST_USERNAME", "alice")
            .env("ROOST_TEST_EMAIL", "alice@example.org")
            .env("ROOST_TEST_PASSWORD", PASSWORD)
            .env("ROOST_OPENAPI", openapi_spec().unwrap_or_default())
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{script} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The OpenAPI description of the Mastodon client API: `ROOST_OPENAPI`, or
/// the team's reference copy beside the repository.
fn openapi_spec() -> Option<String> {
    let candidates = [
        std::env::var("ROOST_OPENAPI").ok(),
        Some(
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../shared/reference/mastodon-api.openapi.json"
            )
            .to_string(),
        ),
        Some("/work/shared/reference/mastodon-api.openapi.json".to_string()),
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|p| std::path::Path::new(p).is_file())
}

/// Every GET of the Mastodon API that roost answers is valid against the
/// OpenAPI description's schema, on an instance with posts, polls, media,
/// lists, filters and notifications in it.
#[tokio::test]
async fn answers_are_valid_against_the_mastodon_openapi_schemas() {
    if openapi_spec().is_none() {
        eprintln!("SKIPPED: no OpenAPI description of the Mastodon API (set ROOST_OPENAPI)");
        return;
    }
    run_client_script(python_script("openapi_conformance.py")).await;
}

#[tokio::test]
async fn mastodon_py_logs_in_with_pkce_and_updates_the_profile() {
    run_client_script(python_script("mastodon_py_login.py")).await;
}

#[tokio::test]
async fn mastodon_py_streams_the_user_timeline_over_server_sent_events() {
    run_client_script(python_script("mastodon_py_stream.py")).await;
}

#[tokio::test]
async fn toot_logs_in_and_updates_the_profile() {
    run_client_script(python_script("toot_login.py")).await;
}

#[tokio::test]
async fn chromium_signs_in_consents_denies_and_signs_out() {
    run_client_script(node_script("oauth_login.mjs")).await;
}

#[tokio::test]
async fn chromium_manages_profile_two_factor_sessions_apps_email_and_password() {
    run_client_script(node_script("settings.mjs")).await;
}

/// `/insights` on a phone-sized Chromium (tests/browser/insights.mjs): the
/// figures of a day made through the API, two charts that fit the screen,
/// and the switch.
#[tokio::test]
async fn chromium_shows_insights_with_charts_on_a_phone() {
    run_client_script(node_script("insights.mjs")).await;
}

/// `/settings/import` and `/settings/export` in Chromium (tests/browser/your_data.mjs).
#[tokio::test]
async fn chromium_imports_exports_and_downloads_the_archive() {
    run_client_script(node_script("your_data.mjs")).await;
}

#[tokio::test]
async fn masto_js_follows_posts_reads_home_and_notifications() {
    run_client_script(node_script("masto_social.mjs")).await;
}

#[tokio::test]
async fn mastodon_py_three_account_daily_flow() {
    run_client_script(python_script("mastodon_py_social.py")).await;
}

#[tokio::test]
async fn mastodon_py_quotes_lists_closes_and_revokes() {
    run_client_script(python_script("mastodon_py_quotes.py")).await;
}

#[tokio::test]
async fn mastodon_py_searches_follows_trends_and_recommendations() {
    run_client_script(python_script("mastodon_py_discovery.py")).await;
}

#[tokio::test]
async fn mastodon_py_uploads_describes_and_posts_media() {
    run_client_script(python_script("mastodon_py_media.py")).await;
}

/// The moderation pages in Chromium (tests/browser/admin.mjs): a report to
/// act on and a remote post held for review, set up here on two servers;
/// the script moderates them through the pages; the effects are checked here.
#[tokio::test]
async fn chromium_moderates_a_report_and_the_review_queue() {
    use crate::federation::{in_home, post, remote_follower};
    let a = TestServer::start_with(|c| {
        federating(c);
        c.moderation.review_remote = "all".into();
    })
    .await;
    let b = TestServer::start_with(federating).await;
    let warden = a.create_account("warden").await;
    sql_execute(
        &a.app,
        &format!(
            "UPDATE users SET role = 'moderator' WHERE account_id = {}",
            warden.id
        ),
    )
    .await;
    a.app.store.cache.users.clear();
    let chief = a.create_account("chief").await;
    sql_execute(
        &a.app,
        &format!(
            "UPDATE users SET role = 'admin' WHERE account_id = {}",
            chief.id
        ),
    )
    .await;
    let bob = a.user("bob").await;
    let carol = a.user("carol").await;
    let erin = a.user("erin").await;
    let dave = b.user("dave").await;
    let spam = post(
        &a,
        &carol,
        serde_json::json!({"status": "buy cheap watches"}),
    )
    .await;
    act(
        &a,
        &bob,
        reqwest::Method::POST,
        "/api/v1/reports",
        Some(
            serde_json::json!({"account_id": carol.id, "status_ids": [spam["id"]],
            "comment": "spam", "category": "spam"}),
        ),
    )
    .await;
    remote_follower(&b, &a, &dave, &erin).await;
    let held = post(&b, &dave, serde_json::json!({"status": "hello from b"})).await;
    eventually("dave's post held on a", || async {
        (sql_count(&a.app, "SELECT COUNT(*) FROM held_statuses").await == 1).then_some(())
    })
    .await;
    assert!(in_home(&a, &erin, &held["uri"]).await.is_none());

    let (program, script) = node_script("admin.mjs");
    let base = a.base.clone();
    let held_acct = format!("dave@{}", b.domain());
    let out = tokio::task::spawn_blocking(move || {
        let mut cmd = Command::new(program);
        cmd.arg(script)
            .env("ROOST_BASE_URL", &base)
            .env("ROOST_TEST_USERNAME", "warden")
            .env("ROOST_TEST_PASSWORD", PASSWORD)
            .env("ROOST_PLAIN_USERNAME", "bob")
            .env("ROOST_REPORTED", "carol")
            .env("ROOST_HELD_ACCT", held_acct)
            .env("ROOST_ADMIN_USERNAME", "chief");
        if let Ok(dir) = std::env::var("ROOST_SCREENSHOTS") {
            cmd.env("ROOST_SCREENSHOTS", dir);
        }
        cmd.output().unwrap()
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "admin.mjs failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // What the pages did holds on the API.
    let (status, _) = a
        .get("/api/v1/accounts/verify_credentials", Some(&carol.token))
        .await;
    assert_eq!(status, reqwest::StatusCode::FORBIDDEN);
    assert_eq!(
        sql_count(
            &a.app,
            "SELECT COUNT(*) FROM reports WHERE action_taken_at IS NULL"
        )
        .await,
        0
    );
    eventually("the approved post in erin's home", || async {
        in_home(&a, &erin, &held["uri"]).await
    })
    .await;
    let (_, rules) = a.get("/api/v1/instance/rules", None).await;
    assert_eq!(rules[0]["text"], "Be kind to one another");
    assert_eq!(
        a.app
            .store
            .domain_block("spam.example")
            .await
            .unwrap()
            .as_deref(),
        Some("suspend")
    );
}

/// The README's Mastodon.py example, run as written (only its
/// `http://localhost:8080` pointed at the test server): it prints the
/// authorization URL, a browser signs in and approves, the code goes to its
/// prompt, and it prints the signed-in username.
#[tokio::test]
async fn the_readme_mastodon_py_example_runs_as_written() {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme
        .find("```python\nfrom mastodon import Mastodon")
        .expect("the example")
        + "```python\n".len();
    let end = readme[start..].find("```").unwrap() + start;
    let s = TestServer::start().await;
    s.user("alice").await;
    let example = readme[start..end].replace("http://localhost:8080", &s.base);
    let dir = tempfile::tempdir().unwrap();
    let mut child = tokio::process::Command::new(python())
        .args(["-c", &example])
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).await.unwrap();
    let Some((_, query)) = line.trim().split_once('?') else {
        let out = child.wait_with_output().await.unwrap();
        panic!(
            "not an authorization URL: {line:?}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let code = code_from_location(&s.authorize(&browser(), query).await);
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(format!("{code}\n").as_bytes())
        .await
        .unwrap();
    drop(stdin);
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).await.unwrap();
    let out = child.wait_with_output().await.unwrap();
    assert!(
        out.status.success(),
        "the example failed: {rest}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(rest.trim().trim_start_matches("code: "), "alice");
}
