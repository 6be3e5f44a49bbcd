//! Several roost nodes on one PostgreSQL database behind nginx, as an
//! operator runs them (issue 18): real `roost serve` processes with roles,
//! a real nginx balancing them, real clients.
//!
//! PostgreSQL only (`ROOST_TEST_DATABASE_URL`), and needs `nginx` (CI
//! installs it); otherwise each test says SKIPPED and passes.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;

use reqwest::{Method, StatusCode};
use roost::app::AppState;
use serde_json::json;

use crate::common::*;
use crate::federation::post;
use crate::streaming::Socket;

fn nginx() -> Option<String> {
    ["/usr/sbin/nginx", "nginx"]
        .into_iter()
        .find(|p| {
            Command::new(p)
                .arg("-v")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok()
        })
        .map(str::to_string)
}

/// The PostgreSQL server the tests may use, or None (then the test skips).
pub(crate) fn postgres() -> Option<String> {
    std::env::var("ROOST_TEST_DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))
}

/// A cluster: one database, nginx on `domain`, nodes started and killed
/// at will.
struct Cluster {
    dir: tempfile::TempDir,
    db: String,
    /// `127.0.0.1:port` of nginx: the instance's domain.
    domain: String,
    /// Opened on the database for setting up accounts and reading rows.
    setup: Arc<AppState>,
    /// Through nginx.
    front: TestServer,
    _nginx: KillOnDrop,
}

/// One `roost serve` process.
struct Node {
    /// Straight to this node (not through nginx).
    server: TestServer,
    child: KillOnDrop,
    log: PathBuf,
}

impl Node {
    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Cluster {
    /// The database, and nginx balancing over `ports` (nodes started later).
    async fn new(admin_url: &str, ports: &[u16]) -> Cluster {
        Self::start(admin_url, ports, &[]).await.0
    }

    /// A fresh database, nginx balancing over `ports`, and the nodes of
    /// `first` (name, role, port) started together on the database before
    /// anything has migrated it: they migrate it at once.
    async fn start(
        admin_url: &str,
        ports: &[u16],
        first: &[(&str, &str, u16)],
    ) -> (Cluster, Vec<Node>) {
        let dir = tempfile::tempdir().unwrap();
        let db = fresh_postgres(admin_url).await;
        let front_port = free_port();
        let domain = format!("127.0.0.1:{front_port}");
        let started: Vec<_> = first
            .iter()
            .map(|(name, role, port)| {
                let (child, log) = spawn_node(dir.path(), &db, &domain, name, role, *port);
                (*name, *port, child, log)
            })
            .collect();
        let mut nodes = Vec::new();
        for (name, port, child, log) in started {
            wait_for_health(name, port).await;
            nodes.push((port, child, log));
        }
        let setup = setup_app(&domain, &dir.path().join("data"), &db).await;
        let nginx = start_nginx(dir.path(), front_port, ports);
        let front = TestServer::attach(setup.clone(), &format!("http://{domain}"));
        let nodes = nodes
            .into_iter()
            .map(|(port, child, log)| Node {
                server: TestServer::attach(setup.clone(), &format!("http://127.0.0.1:{port}")),
                child: KillOnDrop(child),
                log,
            })
            .collect();
        let cluster = Cluster {
            dir,
            db,
            domain,
            setup,
            front,
            _nginx: nginx,
        };
        (cluster, nodes)
    }

    /// Starts `roost serve --role ROLE` on `port` and waits for `/health`.
    async fn node(&self, name: &str, role: &str, port: u16) -> Node {
        let (child, log) = spawn_node(self.dir.path(), &self.db, &self.domain, name, role, port);
        wait_for_health(name, port).await;
        Node {
            server: TestServer::attach(self.setup.clone(), &format!("http://127.0.0.1:{port}")),
            child: KillOnDrop(child),
            log,
        }
    }

    /// A user made on the database, with a token that works on every node.
    async fn user(&self, name: &str) -> TestUser {
        self.front.user(name).await
    }

    async fn sql_count(&self, sql: &str) -> i64 {
        sql_count(&self.setup, sql).await
    }
}

/// The instance on `domain` opened in the test's process, on database `db`
/// with media under `data`, for setting up accounts and reading rows.
pub(crate) async fn setup_app(domain: &str, data: &Path, db: &str) -> Arc<AppState> {
    let mut config = roost::config::Config::default();
    config.server.domain = domain.to_string();
    config.server.listen = domain.to_string();
    config.storage.data_dir = data.to_path_buf();
    config.database.url = db.to_string();
    config.database.max_connections = 5;
    AppState::open(config).await.unwrap()
}

/// `roost serve --role ROLE` on `port`, on database `db`, logging to
/// `dir/NAME.log`.
pub(crate) fn spawn_node(
    dir: &Path,
    db: &str,
    domain: &str,
    name: &str,
    role: &str,
    port: u16,
) -> (std::process::Child, PathBuf) {
    spawn_node_with(dir, db, domain, name, role, port, &[])
}

/// [`spawn_node`] with `extra` environment variables set last.
pub(crate) fn spawn_node_with(
    dir: &Path,
    db: &str,
    domain: &str,
    name: &str,
    role: &str,
    port: u16,
    extra: &[(&str, &str)],
) -> (std::process::Child, PathBuf) {
    let log = dir.join(format!("{name}.log"));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_roost"));
    for (k, _) in std::env::vars() {
        if k.starts_with("ROOST_") || k == "RUST_LOG" {
            cmd.env_remove(k);
        }
    }
    let child = cmd
        .args(["serve", "--role", role])
        // One media directory for all, as a shared volume would be.
        .env("ROOST_STORAGE_DATA_DIR", dir.join("data"))
        .env("ROOST_DATABASE_URL", db)
        .env("ROOST_DATABASE_MAX_CONNECTIONS", "8")
        .env("ROOST_SERVER_DOMAIN", domain)
        .env("ROOST_SERVER_LISTEN", format!("127.0.0.1:{port}"))
        .env("ROOST_SERVER_TRUST_PROXY_HEADERS", "true")
        .env("ROOST_LIMITS_API_PER_5MIN", "1000000")
        .env("ROOST_LIMITS_STATUSES_PER_3H", "100000")
        // Every fan-out goes through the queue, even to one follower.
        .env("ROOST_LIMITS_INLINE_FAN_OUT_FOLLOWERS", "0")
        // A killed node's claimed jobs return to the queue soon.
        .env("ROOST_JOBS_LEASE_SECS", "5")
        .env("RUST_LOG", "info")
        .envs(extra.iter().copied())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    (child, log)
}

/// Waits until the node on `port` answers `/health` (after its migrations).
pub(crate) async fn wait_for_health(name: &str, port: u16) {
    roost::net::install_crypto_provider();
    let http = reqwest::Client::new();
    let health = format!("http://127.0.0.1:{port}/health");
    eventually_within(60, &format!("{name} to answer"), || async {
        let resp = http.get(&health).send().await.ok()?;
        (resp.status() == StatusCode::OK).then_some(())
    })
    .await;
}

/// nginx on `front` balancing round-robin over `ports`, with the WebSocket
/// upgrade passed on, as docs/deployment.md configures it.
fn start_nginx(dir: &Path, front: u16, ports: &[u16]) -> KillOnDrop {
    let d = dir.display();
    let upstreams: String = ports
        .iter()
        .map(|p| format!("server 127.0.0.1:{p} max_fails=1 fail_timeout=2s;\n"))
        .collect();
    let conf = format!(
        "daemon off;
        master_process off;
        worker_processes 1;
        pid {d}/nginx.pid;
        error_log {d}/nginx-error.log info;
        events {{ worker_connections 1024; }}
        http {{
            access_log off;
            client_body_temp_path {d}/body;
            proxy_temp_path {d}/proxy;
            fastcgi_temp_path {d}/fastcgi;
            uwsgi_temp_path {d}/uwsgi;
            scgi_temp_path {d}/scgi;
            map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
            upstream roost {{ {upstreams} keepalive 16; }}
            server {{
                listen 127.0.0.1:{front};
                location / {{
                    proxy_pass http://roost;
                    proxy_http_version 1.1;
                    proxy_set_header Host $http_host;
                    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                    proxy_set_header X-Forwarded-Proto $scheme;
                    proxy_set_header Upgrade $http_upgrade;
                    proxy_set_header Connection $connection_upgrade;
                }}
            }}
        }}\n"
    );
    std::fs::write(dir.join("nginx.conf"), conf).unwrap();
    let nginx = nginx().expect("nginx");
    let child = Command::new(nginx)
        .args(["-p", &d.to_string(), "-c", &format!("{d}/nginx.conf")])
        .args(["-e", &format!("{d}/nginx-error.log")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    KillOnDrop(child)
}

fn skip(why: &str) -> bool {
    eprintln!("SKIPPED: {why}");
    true
}

/// The PostgreSQL URL and nginx, or None when the test cannot run here.
fn requirements() -> Option<String> {
    let Some(pg) = postgres() else {
        skip("several nodes share PostgreSQL only (set ROOST_TEST_DATABASE_URL)");
        return None;
    };
    if nginx().is_none() {
        skip("nginx is not installed");
        return None;
    }
    Some(pg)
}

async fn follow(s: &TestServer, who: &TestUser, whom: &TestUser) {
    let (status, body) = s
        .request(
            Method::POST,
            &format!("/api/v1/accounts/{}/follow", whom.id),
            Some(&who.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn home_ids(s: &TestServer, user: &TestUser) -> Vec<String> {
    let (status, home) = s
        .get("/api/v1/timelines/home?limit=40", Some(&user.token))
        .await;
    assert_eq!(status, StatusCode::OK, "{home}");
    home.as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn web_nodes_leave_jobs_to_workers_and_migrations_run_once() {
    let Some(pg) = requirements() else { return };
    let ports = [free_port(), free_port(), free_port()];
    // Two web nodes start together on a fresh database: both migrate it
    // at once (one waits on the other's lock), and both come up.
    let (c, nodes) = Cluster::start(
        &pg,
        &ports[..2],
        &[("web1", "web", ports[0]), ("web2", "web", ports[1])],
    )
    .await;
    let [web1, web2]: [Node; 2] = nodes.try_into().ok().unwrap();
    assert_eq!(
        c.sql_count("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
            .await,
        c.sql_count("SELECT MAX(version) FROM _sqlx_migrations")
            .await,
        "each migration applied once"
    );
    for node in [&web1, &web2] {
        assert!(
            !node.log_text().contains("migration failed"),
            "{}",
            node.log_text()
        );
    }
    let alice = c.user("alice").await;
    let bob = c.user("bob").await;
    follow(&c.front, &bob, &alice).await;
    let posted = post(&c.front, &alice, json!({"status": "waits for a worker"})).await;
    let id = posted["id"].as_str().unwrap().to_string();
    // The post is stored; its fan-out waits in the queue.
    let (status, _) = web2
        .server
        .get(&format!("/api/v1/statuses/{id}"), Some(&bob.token))
        .await;
    assert_eq!(status, StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert!(
        c.sql_count("SELECT COUNT(*) FROM jobs WHERE kind = 'fan_out'")
            .await
            >= 1,
        "web nodes ran the fan-out"
    );
    assert!(!home_ids(&web1.server, &bob).await.contains(&id));
    // A worker node answers /health only, and takes the queue.
    let worker = c.node("worker", "worker", ports[2]).await;
    let (status, body) = worker.server.get("/api/v1/instance", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    eventually("the worker to fan the post out", || async {
        home_ids(&web1.server, &bob)
            .await
            .contains(&id)
            .then_some(())
    })
    .await;
    // Periodic tasks ran on the worker, once.
    assert!(
        c.sql_count("SELECT COUNT(*) FROM periodic_runs").await >= 1,
        "no periodic task ran"
    );
    for (name, node) in [("web1", &web1), ("web2", &web2)] {
        assert!(
            !node.log_text().contains("job failed"),
            "{name} ran jobs:\n{}",
            node.log_text()
        );
    }
}

#[tokio::test]
async fn a_change_through_one_node_is_seen_at_once_on_the_others() {
    let Some(pg) = requirements() else { return };
    let ports = [free_port(), free_port(), free_port()];
    let c = Cluster::new(&pg, &ports).await;
    let n1 = c.node("n1", "all", ports[0]).await;
    let n2 = c.node("n2", "web", ports[1]).await;
    let n3 = c.node("n3", "streaming", ports[2]).await;
    let alice = c.user("alice").await;
    let bob = c.user("bob").await;
    follow(&n1.server, &bob, &alice).await;
    follow(&n1.server, &alice, &bob).await;

    // A stream held on the streaming node hears a post made through n2.
    let mut ws = Socket::open(&n3.server, &bob.token, "&stream=user").await;
    let p = post(&n2.server, &alice, json!({"status": "across nodes"})).await;
    let (_, event, payload) = ws.event().await;
    assert_eq!(event, "update");
    assert_eq!(payload["id"], p["id"]);
    // The streaming node serves nothing else.
    let (status, _) = n3.server.get("/api/v1/instance", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Warm both HTTP nodes' caches, change through one, read at once
    // through the other: profile, deleted post, block.
    let profile = format!("/api/v1/accounts/{}", alice.id);
    let status_path = format!("/api/v1/statuses/{}", p["id"].as_str().unwrap());
    let b_post = post(&n1.server, &bob, json!({"status": "bob's"})).await;
    let b_id = b_post["id"].as_str().unwrap().to_string();
    eventually("bob's post in alice's feed", || async {
        home_ids(&n2.server, &alice)
            .await
            .contains(&b_id)
            .then_some(())
    })
    .await;
    for n in [&n1, &n2] {
        let (_, a) = n.server.get(&profile, Some(&bob.token)).await;
        assert_eq!(a["display_name"], "");
        let (status, _) = n.server.get(&status_path, Some(&bob.token)).await;
        assert_eq!(status, StatusCode::OK);
    }
    for (i, (writer, reader)) in [(&n1, &n2), (&n2, &n1)].into_iter().enumerate() {
        let name = format!("Alice {i}");
        let (status, _) = writer
            .server
            .request(
                Method::PATCH,
                "/api/v1/accounts/update_credentials",
                Some(&alice.token),
                Some(json!({"display_name": name})),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let (_, a) = reader.server.get(&profile, Some(&bob.token)).await;
        assert_eq!(a["display_name"], name.as_str(), "a stale profile");
    }
    let (status, _) = n1
        .server
        .request(Method::DELETE, &status_path, Some(&alice.token), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = n2.server.get(&status_path, Some(&bob.token)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a deleted post on n2");
    let (status, _) = n1
        .server
        .request(
            Method::POST,
            &format!("/api/v1/accounts/{}/block", bob.id),
            Some(&alice.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !home_ids(&n2.server, &alice).await.contains(&b_id),
        "a blocked account's post in the feed on n2"
    );
}

#[tokio::test]
async fn a_node_killed_under_load_loses_no_acknowledged_post() {
    let Some(pg) = requirements() else { return };
    let ports = [free_port(), free_port(), free_port()];
    let c = Cluster::new(&pg, &ports).await;
    let n1 = c.node("n1", "all", ports[0]).await;
    let mut n2 = c.node("n2", "all", ports[1]).await;
    let _n3 = c.node("n3", "web", ports[2]).await;
    let alice = c.user("alice").await;
    let bob = c.user("bob").await;
    follow(&n1.server, &bob, &alice).await;

    // Four posters through nginx; n2 is killed (SIGKILL) midway.
    let acknowledged = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let mut posters = Vec::new();
    for w in 0..4 {
        let front = TestServer::attach(c.setup.clone(), &c.front.base);
        let token = alice.token.clone();
        let acknowledged = acknowledged.clone();
        posters.push(tokio::spawn(async move {
            for i in 0..40 {
                let (status, body) = front
                    .request(
                        Method::POST,
                        "/api/v1/statuses",
                        Some(&token),
                        Some(json!({"status": format!("load {w}-{i}")})),
                    )
                    .await;
                if status == StatusCode::OK {
                    acknowledged
                        .lock()
                        .unwrap()
                        .push(body["id"].as_str().unwrap().to_string());
                }
            }
        }));
    }
    eventually("some posts before the kill", || async {
        (acknowledged.lock().unwrap().len() >= 30).then_some(())
    })
    .await;
    n2.child.0.kill().unwrap();
    n2.child.0.wait().unwrap();
    for p in posters {
        p.await.unwrap();
    }

    let ids = acknowledged.lock().unwrap().clone();
    assert!(ids.len() >= 100, "most posts went through: {}", ids.len());
    // Every acknowledged post exists and reaches bob's feed once: n2's
    // claimed jobs come back to the others when their lease runs out. (A
    // post whose request died with n2 has its effects redone by a job a
    // minute later: not waited for, as that post was not acknowledged.)
    eventually_within(60, "the queue to drain after the kill", || async {
        let left = c
            .sql_count("SELECT COUNT(*) FROM jobs WHERE failed_at IS NULL AND run_at <= now()")
            .await;
        (left == 0).then_some(())
    })
    .await;
    let list = ids.join(",");
    assert_eq!(
        c.sql_count(&format!(
            "SELECT COUNT(*) FROM statuses WHERE id IN ({list})"
        ))
        .await,
        i64::try_from(ids.len()).unwrap()
    );
    assert_eq!(
        c.sql_count(&format!(
            "SELECT COUNT(*) FROM home_feed WHERE account_id = {} AND status_id IN ({list})",
            bob.id
        ))
        .await,
        i64::try_from(ids.len()).unwrap(),
        "every acknowledged post in bob's feed exactly once"
    );
    assert!(!n1.log_text().contains("panicked"), "{}", n1.log_text());
}

/// Rate limits hold across nodes: the strict ones (here the token
/// endpoint's) exactly, attempt by attempt; the general API limit within
/// about a second of the other nodes' counts. Per-process counting would
/// let each node allow the whole limit again.
#[tokio::test]
async fn rate_limits_are_counted_across_nodes() {
    let Some(pg) = postgres() else {
        skip("several nodes share PostgreSQL only (set ROOST_TEST_DATABASE_URL)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_postgres(&pg).await;
    let (pa, pb) = (free_port(), free_port());
    let domain = format!("127.0.0.1:{pa}");
    let limits = [
        ("ROOST_LIMITS_TOKEN_PER_5MIN", "6"),
        ("ROOST_LIMITS_API_PER_5MIN", "40"),
    ];
    let (a, _) = spawn_node_with(dir.path(), &db, &domain, "a", "all", pa, &limits);
    let _a = KillOnDrop(a);
    wait_for_health("a", pa).await;
    let (b, _) = spawn_node_with(dir.path(), &db, &domain, "b", "all", pb, &limits);
    let _b = KillOnDrop(b);
    wait_for_health("b", pb).await;
    let setup = setup_app(&domain, &dir.path().join("data"), &db).await;
    let na = TestServer::attach(setup.clone(), &format!("http://127.0.0.1:{pa}"));
    let nb = TestServer::attach(setup.clone(), &format!("http://127.0.0.1:{pb}"));

    // Six token requests, alternating nodes, are answered (400: no grant);
    // the seventh is refused on either node.
    let token_request = |node: &TestServer| {
        node.http
            .post(node.url("/oauth/token"))
            .form(&[("grant_type", "")])
            .send()
    };
    for i in 0..6 {
        let node = if i % 2 == 0 { &na } else { &nb };
        let resp = token_request(node).await.unwrap();
        assert_ne!(
            resp.status(),
            StatusCode::TOO_MANY_REQUESTS,
            "attempt {}",
            i + 1
        );
    }
    for node in [&na, &nb] {
        let resp = token_request(node).await.unwrap();
        assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(resp.headers().contains_key("x-ratelimit-reset"));
    }

    // The API limit: 30 requests on a, one on b, a moment for the nodes to
    // share their counts; b then allows about the 9 left, not 39.
    let alice = na.user("alice").await;
    for _ in 0..30 {
        let (status, _) = na
            .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, _) = nb
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await;
    assert_eq!(status, StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let mut allowed = 0;
    for _ in 0..20 {
        let (status, _) = nb
            .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
            .await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            break;
        }
        assert_eq!(status, StatusCode::OK);
        allowed += 1;
    }
    assert!(
        allowed <= 9,
        "b allowed {allowed} more of the 40 after a's 30 and its 1; {:?}",
        sql_texts(&setup, "SELECT concat_ws(' ', key, node, hits, expires_at, (extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM rate_limits").await
    );
    assert!(allowed >= 5, "b allowed only {allowed}");
    // The shared rows hold digests, never the token itself.
    let key = roost::auth::digest(&format!("api:token:{}", alice.token));
    assert_eq!(
        sql_count(
            &setup,
            &format!("SELECT COUNT(*) FROM rate_limits WHERE key = '{key}'")
        )
        .await,
        2
    );
    assert_eq!(
        sql_count(
            &setup,
            &format!(
                "SELECT COUNT(*) FROM rate_limits WHERE key LIKE '%{}%'",
                alice.token
            )
        )
        .await,
        0
    );
}
