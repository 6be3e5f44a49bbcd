//! Federation as it runs on the internet: real `roost serve` processes behind
//! a real nginx with TLS and HTTP/2 (`listen … ssl http2`, the line in
//! Mastodon's shipped configuration), certificates from a CA made here that
//! roost trusts through `SSL_CERT_FILE`, and a third instance whose CA nobody
//! trusts.
//!
//! Needs `nginx` and `openssl` on the PATH (CI installs both); without them
//! the test says SKIPPED and passes, as the ffmpeg tests do.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;

use reqwest::{Method, StatusCode};
use roost::app::AppState;
use serde_json::{Value, json};

use crate::common::*;

/// nginx from the PATH, or Debian's /usr/sbin (not on every user's PATH).
fn nginx() -> String {
    if Path::new("/usr/sbin/nginx").exists() {
        "/usr/sbin/nginx".into()
    } else {
        "nginx".into()
    }
}

fn have(program: &str) -> bool {
    Command::new(program)
        .arg("-v")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A certificate authority in `dir/{name}-ca.crt` and a server certificate
/// it signed for the address 127.0.0.1 (`{name}.crt`, `{name}.key`).
fn make_ca_and_server_cert(dir: &Path, name: &str) {
    let ca_key = format!("{name}-ca.key");
    let ca_crt = format!("{name}-ca.crt");
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "2",
            "-subj",
            &format!("/CN=roost test CA {name}"),
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
            "-keyout",
            &ca_key,
            "-out",
            &ca_crt,
        ],
    );
    let ext = format!("{name}.ext");
    std::fs::write(
        dir.join(&ext),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n\
         keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            &format!("{name}.key"),
            "-out",
            &format!("{name}.csr"),
        ],
    );
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            &format!("{name}.csr"),
            "-CA",
            &ca_crt,
            "-CAkey",
            &ca_key,
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            &ext,
            "-out",
            &format!("{name}.crt"),
        ],
    );
}

/// One roost instance: `roost serve` on a loopback port behind nginx's TLS
/// port, which is its domain.
struct Node {
    /// API calls go straight to roost (`http://127.0.0.1:backend`); its
    /// `app` is opened on the same database to make accounts.
    server: TestServer,
    /// `127.0.0.1:tls_port`: the domain in handles and URLs.
    domain: String,
    log: PathBuf,
    _child: KillOnDrop,
}

impl Node {
    fn tls_base(&self) -> String {
        format!("https://{}", self.domain)
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    async fn start(dir: &Path, name: &str, tls_port: u16, backend: u16, ca_file: &Path) -> Node {
        let data = dir.join(name);
        std::fs::create_dir_all(&data).unwrap();
        let db = database_url(&data).await;
        let domain = format!("127.0.0.1:{tls_port}");
        let mut config = roost::config::Config::default();
        config.server.domain = domain.clone();
        config.server.listen = format!("127.0.0.1:{backend}");
        config.server.protocol = "https".into();
        config.storage.data_dir = data.clone();
        config.database.url = db.clone();
        config.federation.allow_private_addresses = true;
        config.federation.authorized_fetch = true;
        let setup: Arc<AppState> = AppState::open(config).await.unwrap();
        let log = dir.join(format!("{name}.log"));
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_roost"));
        for (k, _) in std::env::vars() {
            if k.starts_with("ROOST_") || k == "RUST_LOG" {
                cmd.env_remove(k);
            }
        }
        // The default log level: what an operator sees.
        let child = cmd
            .arg("serve")
            .env("ROOST_STORAGE_DATA_DIR", &data)
            .env("ROOST_DATABASE_URL", &db)
            .env("ROOST_SERVER_DOMAIN", &domain)
            .env("ROOST_SERVER_LISTEN", format!("127.0.0.1:{backend}"))
            .env("ROOST_SERVER_PROTOCOL", "https")
            .env("ROOST_FEDERATION_ALLOW_PRIVATE_ADDRESSES", "true")
            .env("ROOST_FEDERATION_AUTHORIZED_FETCH", "true")
            .env("ROOST_JOBS_RETRY_BASE_MS", "300")
            // The test polls the API while it waits.
            .env("ROOST_LIMITS_API_PER_5MIN", "1000000")
            .env("SSL_CERT_FILE", ca_file)
            .env_remove("SSL_CERT_DIR")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let server = TestServer::attach(setup, &format!("http://127.0.0.1:{backend}"));
        let health = server.url("/health");
        eventually(&format!("{name} to answer"), || async {
            let resp = server.http.get(&health).send().await.ok()?;
            (resp.status() == StatusCode::OK).then_some(())
        })
        .await;
        Node {
            server,
            domain,
            log,
            _child: KillOnDrop(child),
        }
    }
}

/// nginx in front of the nodes: `(tls_port, backend_port, cert name)` each.
fn start_nginx(dir: &Path, sites: &[(u16, u16, &str)]) -> KillOnDrop {
    let d = dir.display();
    let mut servers = String::new();
    for (tls, backend, cert) in sites {
        servers.push_str(&format!(
            "server {{
                listen 127.0.0.1:{tls} ssl http2;
                ssl_certificate {d}/{cert}.crt;
                ssl_certificate_key {d}/{cert}.key;
                location / {{
                    proxy_pass http://127.0.0.1:{backend};
                    proxy_http_version 1.1;
                    proxy_set_header Host $host:$server_port;
                    proxy_set_header X-Forwarded-Proto $scheme;
                    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                }}
            }}\n"
        ));
    }
    // One process in the foreground, every path under the test's directory.
    let conf = format!(
        "daemon off;
        master_process off;
        worker_processes 1;
        pid {d}/nginx.pid;
        error_log {d}/nginx-error.log info;
        events {{ worker_connections 512; }}
        http {{
            log_format proto '$server_protocol $request_method $uri $status \"$http_user_agent\"';
            access_log {d}/nginx-access.log proto;
            client_body_temp_path {d}/body;
            proxy_temp_path {d}/proxy;
            fastcgi_temp_path {d}/fastcgi;
            uwsgi_temp_path {d}/uwsgi;
            scgi_temp_path {d}/scgi;
            {servers}
        }}\n"
    );
    std::fs::write(dir.join("nginx.conf"), conf).unwrap();
    let child = Command::new(nginx())
        .args(["-p", &d.to_string(), "-c", &format!("{d}/nginx.conf")])
        .args(["-e", &format!("{d}/nginx-error.log")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    KillOnDrop(child)
}

async fn wait_for_port(port: u16) {
    eventually(&format!("port {port} to accept"), || async {
        tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .ok()
            .map(|_| ())
    })
    .await;
}

/// `user@domain` resolved on `s`; its local id there.
async fn lookup(s: &TestServer, user: &TestUser, acct: &str) -> String {
    let (status, body) = s
        .get(
            &format!("/api/v1/accounts/lookup?acct={acct}"),
            Some(&user.token),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "lookup {acct}: {body}");
    body["id"].as_str().unwrap().to_string()
}

/// `follower` on `a` follows `followed` on `b` and waits for the Accept.
async fn follow(a: &Node, follower: &TestUser, b: &Node, followed: &TestUser) -> String {
    let id = lookup(
        &a.server,
        follower,
        &format!("{}@{}", followed.username, b.domain),
    )
    .await;
    act(
        &a.server,
        follower,
        Method::POST,
        &format!("/api/v1/accounts/{id}/follow"),
        None,
    )
    .await;
    eventually("the follow to be accepted", || async {
        let (_, rel) = a
            .server
            .get(
                &format!("/api/v1/accounts/relationships?id[]={id}"),
                Some(&follower.token),
            )
            .await;
        (rel[0]["following"] == json!(true)).then_some(())
    })
    .await;
    id
}

async fn in_home(s: &TestServer, user: &TestUser, uri: &Value) -> Option<Value> {
    let (_, home) = s.get("/api/v1/timelines/home", Some(&user.token)).await;
    home.as_array()?
        .iter()
        .find(|st| st["uri"] == *uri)
        .cloned()
}

async fn notified(s: &TestServer, user: &TestUser, kind: &str, status_uri: &Value) -> Option<()> {
    let (_, list) = s.get("/api/v1/notifications", Some(&user.token)).await;
    list.as_array()?
        .iter()
        .any(|n| n["type"] == json!(kind) && n["status"]["uri"] == *status_uri)
        .then_some(())
}

/// Searches `q` on `s` with `resolve=true`.
async fn search(s: &TestServer, user: &TestUser, q: &str) -> Value {
    let (status, body) = s
        .get(
            &format!("/api/v2/search?resolve=true&{}", query(&[("q", q)])),
            Some(&user.token),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{q}: {body}");
    body
}

/// Both directions between two instances behind nginx with TLS and HTTP/2;
/// then a third whose certificate nobody trusts.
#[tokio::test]
async fn federation_works_through_nginx_with_tls_and_http2() {
    if !have(&nginx()) || !have("openssl") {
        eprintln!("SKIPPED: nginx or openssl not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    make_ca_and_server_cert(d, "trusted");
    make_ca_and_server_cert(d, "rogue");
    let [tls_a, tls_b, tls_c, back_a, back_b, back_c] = [(); 6].map(|_| free_port());
    let _nginx = start_nginx(
        d,
        &[
            (tls_a, back_a, "trusted"),
            (tls_b, back_b, "trusted"),
            (tls_c, back_c, "rogue"),
        ],
    );
    for port in [tls_a, tls_b, tls_c] {
        wait_for_port(port).await;
    }
    let ca = d.join("trusted-ca.crt");
    let a = Node::start(d, "a", tls_a, back_a, &ca).await;
    let b = Node::start(d, "b", tls_b, back_b, &ca).await;
    let c = Node::start(d, "c", tls_c, back_c, &ca).await;
    let alice = a.server.user("alice").await;
    let carol = a.server.user("carol").await;
    let bob = b.server.user("bob").await;
    let dave = b.server.user("dave").await;
    c.server.user("mallory").await;

    // WebFinger and follows, both ways, with authorized fetch on: every
    // lookup is a signed GET through nginx.
    let bob_on_a = follow(&a, &alice, &b, &bob).await;
    let alice_on_b = follow(&b, &bob, &a, &alice).await;

    // A post reaches the follower's home.
    let posted = act(
        &b.server,
        &bob,
        Method::POST,
        "/api/v1/statuses",
        Some(json!({"status": "over TLS and HTTP/2"})),
    )
    .await;
    let on_a = eventually("bob's post in alice's home", || {
        in_home(&a.server, &alice, &posted["uri"])
    })
    .await;
    assert_eq!(on_a["account"]["id"], json!(bob_on_a));

    // A reply and a like from a; bob is notified of both.
    let on_a_id = on_a["id"].as_str().unwrap();
    let reply = act(
        &a.server,
        &alice,
        Method::POST,
        "/api/v1/statuses",
        Some(json!({"status": format!("@bob@{} right back", b.domain), "in_reply_to_id": on_a_id})),
    )
    .await;
    act(
        &a.server,
        &alice,
        Method::POST,
        &format!("/api/v1/statuses/{on_a_id}/favourite"),
        None,
    )
    .await;
    eventually("the reply's mention on b", || {
        notified(&b.server, &bob, "mention", &reply["uri"])
    })
    .await;
    eventually("the like on b", || {
        notified(&b.server, &bob, "favourite", &posted["uri"])
    })
    .await;

    // A followers-only post from a reaches its follower on b, and b's
    // status page shows it to bob only.
    let private = act(
        &a.server,
        &alice,
        Method::POST,
        "/api/v1/statuses",
        Some(json!({"status": "for followers", "visibility": "private"})),
    )
    .await;
    let on_b = eventually("the followers-only post on b", || {
        in_home(&b.server, &bob, &private["uri"])
    })
    .await;
    assert_eq!(on_b["visibility"], json!("private"));
    assert_eq!(on_b["account"]["id"], json!(alice_on_b));

    // Authorized fetch over TLS: unsigned GETs of an actor are refused;
    // the signed ones above succeeded.
    let tls_client = {
        let pem = std::fs::read(&ca).unwrap();
        reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
            .build()
            .unwrap()
    };
    let unsigned = tls_client
        .get(format!("{}/users/alice", a.tls_base()))
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(unsigned.version(), reqwest::Version::HTTP_2);

    // Browser URLs speak ActivityPub: b finds carol's post and profile on a
    // by their page URLs, which b has never seen.
    let carols = act(
        &a.server,
        &carol,
        Method::POST,
        "/api/v1/statuses",
        Some(json!({"status": "found by its link"})),
    )
    .await;
    let page = carols["url"].as_str().unwrap();
    assert_eq!(
        page,
        format!("{}/@carol/{}", a.tls_base(), carols["id"].as_str().unwrap())
    );
    let found = search(&b.server, &bob, page).await;
    assert_eq!(found["statuses"][0]["uri"], carols["uri"], "{found}");
    let found = search(&b.server, &bob, &format!("{}/@carol", a.tls_base())).await;
    assert_eq!(
        found["accounts"][0]["acct"],
        json!(format!("carol@{}", a.domain)),
        "{found}"
    );
    // And the other way.
    let daves = act(
        &b.server,
        &dave,
        Method::POST,
        "/api/v1/statuses",
        Some(json!({"status": "the other way"})),
    )
    .await;
    let found = search(&a.server, &alice, daves["url"].as_str().unwrap()).await;
    assert_eq!(found["statuses"][0]["uri"], daves["uri"], "{found}");
    let found = search(&a.server, &alice, &format!("{}/@dave", b.tls_base())).await;
    assert_eq!(
        found["accounts"][0]["acct"],
        json!(format!("dave@{}", b.domain)),
        "{found}"
    );

    // No request carried two hosts, and roost's own requests went over h2.
    let errors = std::fs::read_to_string(d.join("nginx-error.log")).unwrap();
    assert!(!errors.contains("duplicate host header"), "{errors}");
    let access = std::fs::read_to_string(d.join("nginx-access.log")).unwrap();
    let roost_requests: Vec<&str> = access.lines().filter(|l| l.contains("\"roost/")).collect();
    assert!(roost_requests.len() > 10, "{access}");
    assert!(
        roost_requests.iter().all(|l| l.starts_with("HTTP/2.0 ")),
        "roost spoke something other than HTTP/2:\n{access}"
    );
    assert!(
        !roost_requests.iter().any(|l| l.contains(" 400 ")),
        "{access}"
    );

    // The third instance's certificate comes from a CA nobody trusts: the
    // lookup fails, a keeps serving, and its log names the host and why.
    let (status, _) = a
        .server
        .get(
            &format!("/api/v1/accounts/lookup?acct=mallory@{}", c.domain),
            Some(&alice.token),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let found = search(&a.server, &alice, &format!("mallory@{}", c.domain)).await;
    assert_eq!(found["accounts"], json!([]));
    let (status, _) = a
        .server
        .get("/api/v1/timelines/home", Some(&alice.token))
        .await;
    assert_eq!(status, StatusCode::OK);
    // The lookup answered after the failure was logged.
    let log = a.log_text();
    let line = log
        .lines()
        .find(|l| {
            l.contains("WARN") && l.contains(&c.domain) && l.contains("certificate untrusted")
        })
        .unwrap_or_else(|| panic!("no line names {} and the certificate:\n{log}", c.domain));
    assert!(line.contains("webfinger"), "{line}");
    // Repeats are condensed: two lookups above, one line.
    let lines = a
        .log_text()
        .lines()
        .filter(|l| l.contains(&c.domain) && l.contains("certificate"))
        .count();
    assert_eq!(lines, 1, "{}", a.log_text());
    assert!(
        !a.log_text().contains('\u{1b}'),
        "no colour codes in a log file"
    );
}
