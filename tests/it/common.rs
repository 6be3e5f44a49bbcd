//! The test world: a real roost router served on an ephemeral loopback port,
//! on a fresh SQLite file, or on a fresh PostgreSQL database when
//! `ROOST_TEST_DATABASE_URL` is set.

#![allow(dead_code)]

use std::sync::Arc;

use reqwest::{Method, StatusCode};
use roost::app::AppState;
use roost::config::Config;
use roost::db::Store;
use roost::model::{Role, Scopes};
use roost::service::{accounts, oauth};
use serde_json::Value;
use sqlx::Connection;

pub const PASSWORD: &str = "correct horse battery";

/// A running server and what a test needs to talk to it.
pub struct TestServer {
    pub base: String,
    pub app: Arc<AppState>,
    pub http: reqwest::Client,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    pub dir: tempfile::TempDir,
}

/// A signed-up user with an all-scopes token.
pub struct TestUser {
    pub id: String,
    pub username: String,
    pub email: String,
    pub token: String,
}

/// Creates a fresh PostgreSQL database next to `ROOST_TEST_DATABASE_URL` and
/// returns its URL; drops databases left behind by test processes that died.
pub async fn fresh_postgres(admin_url: &str) -> String {
    let mut conn = sqlx::PgConnection::connect(admin_url)
        .await
        .expect("connect to ROOST_TEST_DATABASE_URL");
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT datname::text FROM pg_database WHERE datname LIKE 'roost_test_%'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap_or_default();
    for name in names {
        let pid = name
            .trim_start_matches("roost_test_")
            .split('_')
            .next()
            .unwrap_or("");
        if !pid.is_empty() && !std::path::Path::new(&format!("/proc/{pid}")).exists() {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
            )))
            .execute(&mut conn)
            .await;
        }
    }
    let name = format!(
        "roost_test_{}_{}",
        std::process::id(),
        rand::random::<u32>()
    );
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .execute(&mut conn)
        .await
        .expect("create test database");
    let mut url = url::Url::parse(admin_url).expect("ROOST_TEST_DATABASE_URL is a URL");
    url.set_path(&format!("/{name}"));
    url.to_string()
}

/// The database URL a test should use: a fresh PostgreSQL database or SQLite in `dir`.
pub async fn database_url(dir: &std::path::Path) -> String {
    match std::env::var("ROOST_TEST_DATABASE_URL") {
        Ok(admin) if !admin.is_empty() => fresh_postgres(&admin).await,
        _ => format!("sqlite://{}", dir.join("roost.db").display()),
    }
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// Starts a server after `tweak` adjusts its configuration.
    pub async fn start_with(tweak: impl FnOnce(&mut Config)) -> Self {
        Self::start_on(None, tweak).await
    }

    /// Starts a second node of `other`: another server on the same database.
    pub async fn start_node_of(other: &TestServer) -> Self {
        let url = other.app.config.database.url.clone();
        Self::start_on(Some(url), |_| {}).await
    }

    /// Starts a server on database `url`, or on a fresh one.
    async fn start_on(url: Option<String>, tweak: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let mut config = Config::default();
        config.server.domain = addr.to_string();
        config.server.listen = addr.to_string();
        config.storage.data_dir = dir.path().to_path_buf();
        config.database.url = match url {
            Some(url) => url,
            None => database_url(dir.path()).await,
        };
        config.database.max_connections = 5;
        // Tests sign in often from one address; the rate-limit tests lower these.
        config.limits.sign_in_per_5min = 1000;
        config.limits.token_per_5min = 1000;
        config.limits.registrations_per_30min = 1000;
        config.limits.apps_per_5min = 1000;
        config.limits.sign_in_per_account_per_hour = 1000;
        // Tests poll the API quickly while they wait; the limit tests lower it.
        config.limits.api_per_5min = 1_000_000;
        config.limits.api_anonymous_per_5min = 1_000_000;
        tweak(&mut config);
        let store = Store::connect(&config.database_url(), config.database.max_connections)
            .await
            .expect("connect");
        store.migrate().await.expect("migrate");
        let app = AppState::with_store(config, store)
            .await
            .expect("app state");
        roost::jobs::start_workers(&app, 1, 2);
        let tx = serve_on(&app, listener);
        roost::net::install_crypto_provider();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Self {
            base: format!("http://{addr}"),
            app,
            http,
            shutdown: Some(tx),
            dir,
        }
    }

    /// A handle on a server this process does not serve (a `roost serve`
    /// subprocess on `base`), with `app` open on the same database for
    /// setting up accounts.
    pub fn attach(app: Arc<AppState>, base: &str) -> Self {
        roost::net::install_crypto_provider();
        Self {
            base: base.to_string(),
            app,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            shutdown: None,
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    /// Stops answering HTTP (the server is "down"); its workers keep running.
    pub async fn pause(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        // Wait until the port refuses connections.
        let addr = self.domain();
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(&addr).await.is_err() {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("server on {addr} did not stop");
    }

    /// Answers HTTP again on the same address after [`TestServer::pause`].
    pub async fn resume(&mut self) {
        let listener = tokio::net::TcpListener::bind(self.domain())
            .await
            .expect("rebind");
        self.shutdown = Some(serve_on(&self.app, listener));
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Creates a local account directly through the service layer.
    pub async fn create_account(&self, username: &str) -> roost::model::Account {
        accounts::register(
            &self.app,
            accounts::Registration {
                username,
                email: &format!("{username}@example.org"),
                password: PASSWORD,
                role: Role::User,
                locale: "en",
                approved: true,
                confirmed: true,
                allow_reserved: false,
                reason: None,
                app_id: None,
            },
        )
        .await
        .expect("register")
    }

    /// An app registered over HTTP: `(client_id, client_secret)`.
    pub async fn create_app(&self, scopes: &str, redirect_uris: &str) -> (String, String) {
        let (status, body) = self
            .request(
                Method::POST,
                "/api/v1/apps",
                None,
                Some(serde_json::json!({"client_name": "test app", "redirect_uris": redirect_uris, "scopes": scopes})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        (
            body["client_id"].as_str().unwrap().to_string(),
            body["client_secret"].as_str().unwrap().to_string(),
        )
    }

    /// An app's own token (client credentials, `read write`), as sign-up needs.
    pub async fn app_token(&self) -> String {
        let (id, secret) = self
            .create_app("read write follow push", "urn:ietf:wg:oauth:2.0:oob")
            .await;
        let (_, body) = self
            .post_form(
                "/oauth/token",
                None,
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", &id),
                    ("client_secret", &secret),
                    ("scope", "read write"),
                ],
            )
            .await;
        body["access_token"].as_str().unwrap().to_string()
    }

    /// A user with a token carrying `scopes`.
    pub async fn user_with_scopes(&self, username: &str, scopes: &str) -> TestUser {
        let account = self.create_account(username).await;
        self.token_for(&account, scopes).await
    }

    /// An all-scopes token for an account made earlier.
    pub async fn user_for(&self, account: &roost::model::Account) -> TestUser {
        self.token_for(account, "read write follow push").await
    }

    async fn token_for(&self, account: &roost::model::Account, scopes: &str) -> TestUser {
        let username = account.username.as_str();
        let (client_id, _) = self
            .create_app(
                "read write follow push admin:read admin:write",
                "urn:ietf:wg:oauth:2.0:oob",
            )
            .await;
        let record = self
            .app
            .store
            .get_app_by_client_id(&client_id)
            .await
            .unwrap()
            .unwrap();
        let grant = oauth::issue_user_token(
            &self.app,
            record.id,
            account.id,
            &Scopes::parse(scopes).unwrap(),
        )
        .await
        .expect("token");
        TestUser {
            id: account.id.to_string(),
            username: username.into(),
            email: format!("{username}@example.org"),
            token: grant.access_token,
        }
    }

    /// An admin with a token carrying the admin scopes as well.
    pub async fn admin(&self, username: &str) -> TestUser {
        let user = self
            .user_with_scopes(username, "read write follow push admin:read admin:write")
            .await;
        let id: i64 = user.id.parse().unwrap();
        sql_execute(
            &self.app,
            &format!("UPDATE users SET role = 'admin' WHERE account_id = {id}"),
        )
        .await;
        self.app.store.cache.users.clear();
        user
    }

    pub async fn user(&self, username: &str) -> TestUser {
        self.user_with_scopes(username, "read write follow push")
            .await
    }

    /// Sends a request with an optional bearer token and JSON body; returns
    /// the status and the body parsed as JSON (`Value::Null` when not JSON).
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.http.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("send");
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        self.request(Method::GET, path, token, None).await
    }

    /// POSTs a form (as Mastodon clients often do).
    pub async fn post_form(
        &self,
        path: &str,
        token: Option<&str>,
        form: &[(&str, &str)],
    ) -> (StatusCode, Value) {
        let mut req = self.http.post(self.url(path)).form(form);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.expect("send");
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Pulls `name="…" value="…"` hidden inputs out of an HTML form.
pub fn hidden_inputs(html: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for tag in html.split("<input").skip(1) {
        let tag = tag.split('>').next().unwrap_or("");
        if !tag.contains("type=\"hidden\"") {
            continue;
        }
        let attr = |name: &str| {
            let start = tag.find(&format!("{name}=\""))? + name.len() + 2;
            let end = tag[start..].find('"')? + start;
            Some(unescape(&tag[start..end]))
        };
        if let (Some(n), Some(v)) = (attr("name"), attr("value")) {
            out.push((n, v));
        }
    }
    out
}

/// Undoes HTML escaping as a browser would: the named entities askama and
/// ammonia write, and decimal or hex character references (`&#38;`).
pub fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(end) = rest.find(';').filter(|e| *e <= 10) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..end];
        let decoded = match entity {
            "quot" => Some('"'),
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// A browser: a cookie-keeping client that does not follow redirects.
pub fn browser() -> reqwest::Client {
    roost::net::install_crypto_provider();
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// The PKCE pair used by the tests (RFC 7636 Appendix B).
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

impl TestServer {
    /// Signs `login` in through the HTML form in `browser`; returns the final status.
    pub async fn browser_sign_in(
        &self,
        browser: &reqwest::Client,
        authorize_query: &str,
        login: &str,
        password: &str,
    ) -> StatusCode {
        let page = browser
            .get(self.url(&format!("/oauth/authorize?{authorize_query}")))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.unwrap();
        assert!(
            html.contains("action=\"/auth/sign_in\""),
            "expected the sign-in form: {html}"
        );
        let mut form = hidden_inputs(&html);
        form.push(("username".into(), login.into()));
        form.push(("password".into(), password.into()));
        browser
            .post(self.url("/auth/sign_in"))
            .form(&form)
            .send()
            .await
            .unwrap()
            .status()
    }

    /// Drives the whole browser flow and returns the redirect `Location` (or the
    /// OOB page's code as `oob:CODE`).
    pub async fn authorize(&self, browser: &reqwest::Client, authorize_query: &str) -> String {
        let status = self
            .browser_sign_in(browser, authorize_query, "alice@example.org", PASSWORD)
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        self.consent(browser, authorize_query, "approve").await
    }

    /// With a signed-in `browser`, answers the consent page with `decision`.
    pub async fn consent(
        &self,
        browser: &reqwest::Client,
        authorize_query: &str,
        decision: &str,
    ) -> String {
        let page = browser
            .get(self.url(&format!("/oauth/authorize?{authorize_query}")))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.unwrap();
        assert!(
            html.contains("action=\"/oauth/authorize\""),
            "expected the consent form: {html}"
        );
        let mut form = hidden_inputs(&html);
        form.push(("decision".into(), decision.into()));
        let resp = browser
            .post(self.url("/oauth/authorize"))
            .form(&form)
            .send()
            .await
            .unwrap();
        if resp.status() == StatusCode::FOUND {
            return resp.headers()["location"].to_str().unwrap().to_string();
        }
        let html = resp.text().await.unwrap();
        let start = html.find("id=\"authorization-code\">").expect("oob code")
            + "id=\"authorization-code\">".len();
        let end = html[start..].find('<').unwrap() + start;
        format!("oob:{}", &html[start..end])
    }
}

/// The `code` parameter of a redirect `Location`.
pub fn code_from_location(location: &str) -> String {
    if let Some(code) = location.strip_prefix("oob:") {
        return code.to_string();
    }
    let url = url::Url::parse(location).unwrap();
    url.query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("code in redirect")
}

pub fn query(pairs: &[(&str, &str)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

/// Serves `app` on `listener` until the returned sender fires.
fn serve_on(
    app: &Arc<AppState>,
    listener: tokio::net::TcpListener,
) -> tokio::sync::oneshot::Sender<()> {
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let served = app.clone();
    tokio::spawn(async move {
        let _ = roost::http::serve(served, listener, async {
            let _ = rx.await;
        })
        .await;
    });
    tx
}

/// Two servers that federate with each other over plain http on loopback.
pub async fn federated_pair() -> (TestServer, TestServer) {
    let a = TestServer::start_with(federating).await;
    let b = TestServer::start_with(federating).await;
    (a, b)
}

/// The configuration tweak that lets a test server federate on loopback.
pub fn federating(c: &mut Config) {
    c.federation.allow_http = true;
    c.federation.allow_private_addresses = true;
    // Failed deliveries retry within moments, not 20 s.
    c.jobs.retry_base_ms = 200;
}

/// Waits until `app`'s job queue has nothing left to run (every queued job
/// done, or failed for good): the moment to assert that something did *not*
/// happen. Timers set for later (a poll's end, a scheduled post) are not
/// work in flight and do not count.
pub async fn drained(app: &AppState) {
    eventually("the job queue to drain", || async {
        let pending = sql_count(
            app,
            "SELECT COUNT(*) FROM jobs WHERE failed_at IS NULL \
             AND kind NOT IN ('poll_ended', 'publish_scheduled')",
        )
        .await;
        (pending == 0).then_some(())
    })
    .await;
}

/// Waits until every post queued for the search index has its entry (the
/// indexer writes them a moment after they are stored).
pub async fn indexed(app: &AppState) {
    eventually("the search index to catch up", || async {
        let queued = sql_count(app, "SELECT COUNT(*) FROM search_queue").await;
        (queued == 0).then_some(())
    })
    .await;
}

/// Polls `check` every 50 ms for up to 15 s until it gives `Some`.
pub async fn eventually<T, F, Fut>(what: &str, check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    eventually_within(15, what, check).await
}

/// [`eventually`] with a deadline of `secs` seconds.
pub async fn eventually_within<T, F, Fut>(secs: u64, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

impl TestServer {
    /// `host:port` of this server, the domain part of its handles.
    pub fn domain(&self) -> String {
        self.base.trim_start_matches("http://").to_string()
    }

    /// Resolves `user@domain` through this server's lookup endpoint and
    /// returns the account's local id here.
    pub async fn resolve(&self, token: &str, acct: &str) -> String {
        let (status, body) = self
            .get(&format!("/api/v1/accounts/lookup?acct={acct}"), Some(token))
            .await;
        assert_eq!(status, StatusCode::OK, "lookup {acct}: {body}");
        body["id"].as_str().unwrap().to_string()
    }
}

/// A free loopback port (bound, then released for the caller to use).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// A child process killed when the test ends, even by a panic.
pub struct KillOnDrop(pub std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Sends an authenticated request that must succeed; returns its body.
pub async fn act(
    s: &TestServer,
    user: &TestUser,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> Value {
    let (status, out) = s.request(method, path, Some(&user.token), body).await;
    assert!(status.is_success(), "{path}: {status} {out}");
    out
}

/// Runs one statement on `app`'s database over a connection of the test's
/// own (roost keeps its SQL inside `db`); returns the rows affected. For
/// setting up states no API reaches, such as a failure history.
pub async fn sql_execute(app: &AppState, sql: &str) -> u64 {
    let url = app.config.database_url();
    let sql = sqlx::AssertSqlSafe(sql.to_string());
    if url.starts_with("postgres") {
        let mut c = sqlx::PgConnection::connect(&url).await.unwrap();
        sqlx::query(sql)
            .execute(&mut c)
            .await
            .unwrap()
            .rows_affected()
    } else {
        let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::query(sql)
            .execute(&mut c)
            .await
            .unwrap()
            .rows_affected()
    }
}

/// The `COUNT(*)` (or any one integer) a query on `app`'s database answers.
pub async fn sql_count(app: &AppState, sql: &str) -> i64 {
    let url = app.config.database_url();
    let sql = sqlx::AssertSqlSafe(sql.to_string());
    if url.starts_with("postgres") {
        let mut c = sqlx::PgConnection::connect(&url).await.unwrap();
        sqlx::query_scalar(sql).fetch_one(&mut c).await.unwrap()
    } else {
        let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::query_scalar(sql).fetch_one(&mut c).await.unwrap()
    }
}

/// A page a browser opens: status and HTML.
pub async fn form_page(b: &reqwest::Client, url: &str) -> (StatusCode, String) {
    let resp = b.get(url).send().await.unwrap();
    (resp.status(), resp.text().await.unwrap())
}

/// Submits the form in `html` (its hidden inputs plus `fields`) to `url`.
pub async fn submit(
    b: &reqwest::Client,
    url: &str,
    html: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, String) {
    let mut form = hidden_inputs(html);
    for (k, v) in fields {
        form.push(((*k).into(), (*v).into()));
    }
    let resp = b.post(url).form(&form).send().await.unwrap();
    (resp.status(), resp.text().await.unwrap())
}

/// The `csrf_token` hidden value in a page.
pub fn csrf_of(html: &str) -> String {
    hidden_inputs(html)
        .into_iter()
        .find(|(k, _)| k == "csrf_token")
        .map(|(_, v)| v)
        .expect("a csrf_token in the page")
}

impl TestServer {
    /// `grant_type=password` for `login` with a new `read` app: the status
    /// and the token response (or OAuth error).
    pub async fn password_grant(&self, login: &str, password: &str) -> (StatusCode, Value) {
        let (id, secret) = self.create_app("read", "urn:ietf:wg:oauth:2.0:oob").await;
        self.post_form(
            "/oauth/token",
            None,
            &[
                ("grant_type", "password"),
                ("client_id", &id),
                ("client_secret", &secret),
                ("username", login),
                ("password", password),
                ("scope", "read"),
            ],
        )
        .await
    }
}

/// Rows of `sql` (one text column) on `app`'s database, for diagnostics.
pub async fn sql_texts(app: &AppState, sql: &str) -> Vec<String> {
    let url = app.config.database_url();
    let sql = sqlx::AssertSqlSafe(sql.to_string());
    if url.starts_with("postgres") {
        let mut c = sqlx::PgConnection::connect(&url).await.unwrap();
        sqlx::query_scalar(sql).fetch_all(&mut c).await.unwrap()
    } else {
        let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::query_scalar(sql).fetch_all(&mut c).await.unwrap()
    }
}
