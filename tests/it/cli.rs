//! The real `roost` binary: subcommands, configuration errors, serving, shutdown.

use std::process::{Command, Stdio};
use std::time::Duration;

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_roost");

/// A command with a clean environment: no inherited `ROOST_*` variables.
pub fn roost(dir: &std::path::Path, db_url: &str) -> Command {
    let mut cmd = Command::new(BIN);
    for (k, _) in std::env::vars() {
        if k.starts_with("ROOST_") {
            cmd.env_remove(k);
        }
    }
    cmd.env("ROOST_STORAGE_DATA_DIR", dir)
        .env("ROOST_DATABASE_URL", db_url)
        .env("RUST_LOG", "warn");
    cmd
}

#[tokio::test]
async fn version_flag() {
    let out = Command::new(BIN).arg("--version").output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("roost "));
}

/// Issue 15: the SQLite database holds every private key and password
/// hash; only its owner may read it, and a data directory roost creates is
/// the owner's alone. (SQLite only: PostgreSQL keeps no file here.)
#[cfg(unix)]
#[tokio::test]
async fn the_database_and_a_new_data_directory_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("fresh");
    let out = roost(&data, "")
        .env_remove("ROOST_DATABASE_URL")
        .arg("migrate")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("roost.db")), 0o600);
}

#[tokio::test]
async fn migrate_then_create_account_then_refuse_duplicate() {
    let dir = tempfile::tempdir().unwrap();
    let db = database_url(dir.path()).await;
    let out = roost(dir.path(), &db).arg("migrate").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Twice is fine.
    assert!(
        roost(dir.path(), &db)
            .arg("migrate")
            .status()
            .unwrap()
            .success()
    );
    let create = |name: &str, email: &str| {
        roost(dir.path(), &db)
            .args([
                "admin",
                "create-account",
                "--username",
                name,
                "--email",
                email,
                "--password",
                PASSWORD,
                "--role",
                "admin",
            ])
            .output()
            .unwrap()
    };
    // The README's first-admin command: operators may take reserved names.
    let out = create("admin", "admin@example.org");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = create("root_user", "root@example.org");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("@root_user"));
    let out = create("root_user", "other@example.org");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Username has already been taken"));
    let out = create("bad name", "x@example.org");
    assert!(!out.status.success());
    let out = roost(dir.path(), &db)
        .args([
            "admin",
            "create-account",
            "--username",
            "x",
            "--email",
            "x@example.org",
            "--password",
            PASSWORD,
            "--role",
            "emperor",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
}

#[tokio::test]
async fn config_errors_name_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("roost.toml");
    std::fs::write(&file, "[server]\nlisten = \"127.0.0.1:0\"\nbogus_key = 1\n").unwrap();
    let out = roost(dir.path(), "")
        .args(["--config", file.to_str().unwrap(), "migrate"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("server.bogus_key"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = roost(dir.path(), "")
        .env("ROOST_INSTANCE_REGISTRATIONS", "maybe")
        .arg("migrate")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("instance.registrations"));
    // ROOST_CONFIG works like --config.
    let out = roost(dir.path(), "")
        .env("ROOST_CONFIG", &file)
        .arg("migrate")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    // A node role that does not exist, by flag or by variable.
    let out = roost(dir.path(), "")
        .args(["serve", "--role", "janitor"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--role"));
    let out = roost(dir.path(), "")
        .env("ROOST_SERVER_ROLE", "janitor")
        .arg("serve")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("server.role"));
}

#[tokio::test]
async fn serve_answers_health_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let db = database_url(dir.path()).await;
    let port = free_port();
    let metrics_port = free_port();
    let mut child = roost(dir.path(), &db)
        .env("ROOST_SERVER_LISTEN", format!("127.0.0.1:{port}"))
        .env("ROOST_SERVER_DOMAIN", format!("127.0.0.1:{port}"))
        .env(
            "ROOST_SERVER_METRICS_LISTEN",
            format!("127.0.0.1:{metrics_port}"),
        )
        .arg("serve")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    roost::net::install_crypto_provider();
    let client = reqwest::Client::new();
    let mut healthy = false;
    for _ in 0..100 {
        if let Ok(resp) = client
            .get(format!("http://127.0.0.1:{port}/health"))
            .send()
            .await
            && resp.status().is_success()
        {
            healthy = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(healthy, "roost serve never answered /health");
    // Metrics: on their own listener, not on the public one.
    let public = client
        .get(format!("http://127.0.0.1:{port}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(public.status(), reqwest::StatusCode::NOT_FOUND);
    let private = client
        .get(format!("http://127.0.0.1:{metrics_port}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(private.status(), reqwest::StatusCode::OK);
    assert!(private.text().await.unwrap().contains("roost_"));
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let mut exited = None;
    for _ in 0..100 {
        if let Some(status) = child.try_wait().unwrap() {
            exited = Some(status);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = child.kill();
    assert!(
        exited.is_some_and(|s| s.success()),
        "roost did not exit cleanly on SIGTERM: {exited:?}"
    );
}
