//! Read replicas (`database.replica_urls`, issue 18): a real PostgreSQL
//! primary and a real hot standby streaming from it, made for the test
//! with initdb and pg_basebackup, and two real `roost serve` nodes reading
//! from the standby.
//!
//! Needs PostgreSQL's server programs and root (to run them as the
//! `postgres` user); otherwise it says SKIPPED.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use reqwest::{Method, StatusCode};
use serde_json::json;
use sqlx::Connection;

use crate::cluster::{postgres, setup_app, spawn_node_with, wait_for_health};
use crate::common::*;

/// PostgreSQL's server programs (initdb, pg_ctl, pg_basebackup).
fn pg_bin() -> Option<PathBuf> {
    let dirs = std::fs::read_dir("/usr/lib/postgresql").ok()?;
    dirs.filter_map(|d| d.ok())
        .map(|d| d.path().join("bin"))
        .find(|bin| bin.join("initdb").exists() && bin.join("pg_basebackup").exists())
}

/// Runs `program args` as the `postgres` user; panics with its output on failure.
fn as_postgres(program: &Path, args: &[&str]) {
    let out = Command::new("runuser")
        .args(["-u", "postgres", "--"])
        .arg(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{} {args:?}: {}{}",
        program.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A primary and a standby streaming from it, each on its own port; both
/// stop when this is dropped.
struct Pair {
    bin: PathBuf,
    dir: tempfile::TempDir,
    primary: u16,
    standby: u16,
}

impl Pair {
    fn start(bin: PathBuf) -> Pair {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let status = Command::new("chown")
            .args(["postgres:postgres", &d.display().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let (primary, standby) = (free_port(), free_port());
        let p = d.join("primary");
        let s = d.join("standby");
        as_postgres(
            &bin.join("initdb"),
            &[
                "-D",
                &p.display().to_string(),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
            ],
        );
        let opts = |port: u16| {
            format!(
                "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60",
                d.display()
            )
        };
        as_postgres(
            &bin.join("pg_ctl"),
            &[
                "-D",
                &p.display().to_string(),
                "-o",
                &opts(primary),
                "-l",
                &d.join("primary.log").display().to_string(),
                "-w",
                "start",
            ],
        );
        as_postgres(
            &bin.join("pg_basebackup"),
            &[
                "-h",
                "127.0.0.1",
                "-p",
                &primary.to_string(),
                "-U",
                "postgres",
                "-D",
                &s.display().to_string(),
                "-R",
                "-X",
                "stream",
            ],
        );
        as_postgres(
            &bin.join("pg_ctl"),
            &[
                "-D",
                &s.display().to_string(),
                "-o",
                &opts(standby),
                "-l",
                &d.join("standby.log").display().to_string(),
                "-w",
                "start",
            ],
        );
        Pair {
            bin,
            dir,
            primary,
            standby,
        }
    }

    fn url(port: u16) -> String {
        format!("postgres://postgres@127.0.0.1:{port}/postgres")
    }

    async fn on_standby(&self, sql: &str) {
        let mut c = sqlx::PgConnection::connect(&Self::url(self.standby))
            .await
            .unwrap();
        sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(&mut c)
            .await
            .unwrap();
    }

    fn stop(&self, which: &str) {
        let _ = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join("pg_ctl"))
            .args([
                "-D",
                &self.dir.path().join(which).display().to_string(),
                "-m",
                "immediate",
                "stop",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

impl Drop for Pair {
    fn drop(&mut self) {
        self.stop("standby");
        self.stop("primary");
    }
}

async fn public_ids(s: &TestServer, token: &str) -> Vec<String> {
    let (status, page) = s
        .get("/api/v1/timelines/public?limit=40", Some(token))
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page.as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn reads_go_to_the_replica_and_writers_read_their_writes_on_every_node() {
    if postgres().is_none() {
        eprintln!("SKIPPED: replicas are PostgreSQL's (set ROOST_TEST_DATABASE_URL)");
        return;
    }
    let Some(bin) = pg_bin() else {
        eprintln!("SKIPPED: PostgreSQL's server programs are not installed");
        return;
    };
    if !Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
        || !Command::new("id")
            .arg("postgres")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    {
        eprintln!("SKIPPED: making a standby needs root and the postgres user");
        return;
    }
    let pair = Pair::start(bin);
    let primary = Pair::url(pair.primary);
    let replica = Pair::url(pair.standby);
    let dir = tempfile::tempdir().unwrap();
    let (p1, p2) = (free_port(), free_port());
    let domain = format!("127.0.0.1:{p1}");
    let env = [
        ("ROOST_DATABASE_REPLICA_URLS", replica.as_str()),
        ("ROOST_DATABASE_REPLICA_MAX_LAG_SECS", "600"),
    ];
    let (a, log) = spawn_node_with(dir.path(), &primary, &domain, "a", "all", p1, &env);
    let _a = KillOnDrop(a);
    wait_for_health("a", p1).await;
    let (b, _) = spawn_node_with(dir.path(), &primary, &domain, "b", "web", p2, &env);
    let _b = KillOnDrop(b);
    wait_for_health("b", p2).await;
    let setup = setup_app(&domain, &dir.path().join("data"), &primary).await;
    let n1 = TestServer::attach(setup.clone(), &format!("http://127.0.0.1:{p1}"));
    let n2 = TestServer::attach(setup.clone(), &format!("http://127.0.0.1:{p2}"));
    let bob = n1.user("bob").await;
    let carol = n1.user("carol").await;

    // The standby follows: a post is soon on the public timeline for all.
    let first = act(
        &n1,
        &bob,
        Method::POST,
        "/api/v1/statuses",
        Some(json!({"status": "first"})),
    )
    .await;
    let first = first["id"].as_str().unwrap().to_string();
    eventually("carol to see the first post", || async {
        public_ids(&n2, &carol.token)
            .await
            .contains(&first)
            .then_some(())
    })
    .await;

    // The standby stops replaying. Bob posts through node 1; his reads,
    // on either node, still show his post (they go to the primary), while
    // carol's come from the standby, which lacks it.
    pair.on_standby("SELECT pg_wal_replay_pause()").await;
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    let second = act(
        &n1,
        &bob,
        Method::POST,
        "/api/v1/statuses",
        Some(json!({"status": "second"})),
    )
    .await;
    let second = second["id"].as_str().unwrap().to_string();
    assert!(
        public_ids(&n2, &bob.token).await.contains(&second),
        "bob through node 2"
    );
    assert!(
        public_ids(&n1, &bob.token).await.contains(&second),
        "bob through node 1"
    );
    let (status, own) = n2
        .get(
            &format!("/api/v1/accounts/{}/statuses", bob.id),
            Some(&bob.token),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        own[0]["id"],
        second.as_str(),
        "bob's profile through node 2"
    );
    for node in [&n1, &n2] {
        let seen = public_ids(node, &carol.token).await;
        assert!(seen.contains(&first), "{seen:?}");
        assert!(
            !seen.contains(&second),
            "carol's read came from the primary, not the paused standby; {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }

    // Replay resumes: carol sees it.
    pair.on_standby("SELECT pg_wal_replay_resume()").await;
    eventually("carol to see the second post", || async {
        public_ids(&n1, &carol.token)
            .await
            .contains(&second)
            .then_some(())
    })
    .await;

    // The standby goes away: reads fall back to the primary.
    pair.stop("standby");
    let third = act(
        &n1,
        &bob,
        Method::POST,
        "/api/v1/statuses",
        Some(json!({"status": "third"})),
    )
    .await;
    let third = third["id"].as_str().unwrap().to_string();
    eventually("carol to read from the primary", || async {
        public_ids(&n2, &carol.token)
            .await
            .contains(&third)
            .then_some(())
    })
    .await;
}
