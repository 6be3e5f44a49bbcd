//! The one guarded HTTP client: every request roost sends to another server
//! (actor and object fetches, WebFinger, deliveries, later media) goes through
//! [`Client`] (DESIGN.md decision 10, "safety by default").
//!
//! What the client guarantees, whatever the caller passes:
//! - only `https` URLs, unless [`Policy::allow_http`];
//! - no loopback, private, link-local or otherwise non-public address, neither
//!   as an IP literal nor behind a name, unless [`Policy::allow_private`]
//!   ([`addr`] holds the rules);
//! - no proxy, no credentials in URLs;
//! - at most [`MAX_REDIRECTS`] redirects on a GET, each hop checked and signed
//!   again, none on a POST;
//! - time limits (5 s to resolve and connect, 10 s between reads, 30 s in all)
//!   and a size cap on every body, enforced while it streams in;
//! - exactly one host per request, set by the HTTP stack from the URL:
//!   `Host` on HTTP/1.1, `:authority` on HTTP/2 (negotiated over ALPN). A
//!   `Host` in the caller's headers (HTTP signatures add the one they sign)
//!   is dropped; the stack sends the same value, `host[:port]` with the port
//!   only when it is not the scheme's default. nginx refuses an HTTP/2
//!   request carrying both with 400 ("client sent duplicate host header").
//!
//! The module depends on no other part of roost; callers turn [`NetError`]
//! into their own errors, and [`NetError::is_permanent`] tells a delivery
//! worker whether to retry.

use std::error::Error as StdError;
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use http::HeaderMap;
use http::header::{ACCEPT, CONTENT_TYPE, HOST, HeaderValue, LOCATION, RETRY_AFTER};
use url::Url;

pub mod addr;

pub use addr::{GuardedResolver, check_url, is_public};

/// How many redirects a GET follows, as Mastodon does (`follow(max_hops: 3)`).
pub const MAX_REDIRECTS: usize = 3;

/// How much of a POST's response body is read (and dropped) so that the
/// connection can go back to the pool.
const POST_RESPONSE_LIMIT: usize = 64 * 1024;

/// What the client may reach beyond public `https` URLs. Both flags are for
/// development and tests on one machine; production leaves them `false`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Policy {
    /// Allow plain `http` URLs.
    pub allow_http: bool,
    /// Allow loopback, private and other non-public addresses.
    pub allow_private: bool,
}

/// Why a request failed.
#[derive(Debug)]
pub enum NetError {
    /// The policy refused the URL, the name's addresses or the peer.
    Blocked(String),
    /// The response body is larger than the caller's cap.
    TooLarge,
    /// A DNS lookup, the connection, a read or the whole request timed out;
    /// `true` when it was the connection (DNS, TCP or TLS handshake).
    Timeout { connect: bool },
    /// The peer's TLS certificate was refused: untrusted, expired, not valid
    /// for the host name. The text says which, in an operator's words.
    Certificate(String),
    /// The connection failed or broke (DNS failure, refused, reset, TLS).
    Connect(String),
    /// A status the caller does not accept (a POST's non-2xx), with the
    /// `Retry-After` delay in seconds form for a 429 or 503 that sent one.
    Status(u16, Option<Duration>),
    /// More than [`MAX_REDIRECTS`] redirects.
    Redirects,
    /// The response could not be read or makes no sense (e.g. a bad
    /// `Location`).
    BadResponse(String),
    /// The client or the request could not be built (a bad header value or
    /// user agent); a bug or a configuration error, not the remote's doing.
    Request(String),
}

impl NetError {
    /// The HTTP status of a [`NetError::Status`].
    pub fn status(&self) -> Option<u16> {
        match self {
            NetError::Status(code, _) => Some(*code),
            _ => None,
        }
    }

    /// How long the remote asked us to wait (429 or 503 with `Retry-After`).
    /// The value is the remote's; callers should clamp it to their own limits.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            NetError::Status(_, after) => *after,
            _ => None,
        }
    }

    /// Whether retrying cannot help, following Mastodon's delivery rules: a
    /// 4xx other than 401, 408 and 429 (and a 501) is final, as are a refused
    /// URL and an oversized body; network errors, timeouts, 3xx, 5xx and 429
    /// are worth another try.
    pub fn is_permanent(&self) -> bool {
        match self {
            NetError::Status(code, _) => {
                *code == 501 || ((400..500).contains(code) && !matches!(code, 401 | 408 | 429))
            }
            NetError::Blocked(_) | NetError::TooLarge | NetError::Redirects => true,
            NetError::Request(_) => true,
            // A certificate may be renewed or a CA installed: worth a retry.
            NetError::Timeout { .. }
            | NetError::Certificate(_)
            | NetError::Connect(_)
            | NetError::BadResponse(_) => false,
        }
    }

    fn from_reqwest(err: reqwest::Error) -> NetError {
        let mut source = err.source();
        while let Some(cause) = source {
            if let Some(refused) = cause.downcast_ref::<addr::NonPublicName>() {
                return NetError::Blocked(refused.to_string());
            }
            source = cause.source();
        }
        if err.is_timeout() {
            NetError::Timeout {
                connect: err.is_connect(),
            }
        } else if let Some(why) = certificate_problem(&err) {
            NetError::Certificate(why)
        } else if err.is_body() || err.is_decode() {
            NetError::BadResponse(error_chain(&err))
        } else if err.is_builder() {
            NetError::Request(error_chain(&err))
        } else {
            NetError::Connect(error_chain(&err))
        }
    }
}

impl fmt::Display for NetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NetError::Blocked(why) => write!(f, "request refused: {why}"),
            NetError::TooLarge => f.write_str("response body too large"),
            NetError::Timeout { connect: true } => f.write_str("connect timed out"),
            NetError::Timeout { connect: false } => f.write_str("request timed out"),
            NetError::Certificate(why) => write!(f, "TLS certificate refused: {why}"),
            NetError::Connect(why) => write!(f, "connection failed: {why}"),
            NetError::Status(code, None) => write!(f, "HTTP status {code}"),
            NetError::Status(code, Some(after)) => {
                write!(f, "HTTP status {code}, retry after {} s", after.as_secs())
            }
            NetError::Redirects => write!(f, "more than {MAX_REDIRECTS} redirects"),
            NetError::BadResponse(why) => write!(f, "bad response: {why}"),
            NetError::Request(why) => write!(f, "invalid request: {why}"),
        }
    }
}

impl StdError for NetError {}

impl NetError {
    /// A short, stable reason for logs, without URLs or addresses, so that
    /// repeats of one failure can be counted together.
    pub fn reason(&self) -> String {
        match self {
            NetError::Blocked(_) => "refused by policy".into(),
            NetError::TooLarge => "response too large".into(),
            NetError::Timeout { connect: true } => "connect timeout".into(),
            NetError::Timeout { connect: false } => "read timeout".into(),
            NetError::Certificate(why) => why.clone(),
            NetError::Connect(_) => "connection failed".into(),
            NetError::Status(code, _) => format!("HTTP {code}"),
            NetError::Redirects => "too many redirects".into(),
            NetError::BadResponse(_) => "bad response".into(),
            NetError::Request(_) => "invalid request".into(),
        }
    }
}

/// What was wrong with the peer's certificate, if a TLS handshake failed on
/// it. rustls's error sits deep in reqwest's chain, inside `io::Error`s
/// nested in each other, whose `source` skips the error they wrap, so those
/// are unwrapped with `get_ref`.
fn certificate_problem(err: &(dyn StdError + 'static)) -> Option<String> {
    let mut current = Some(err);
    while let Some(cause) = current {
        let mut inner: &(dyn StdError + 'static) = cause;
        while let Some(wrapped) = inner
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
        {
            inner = wrapped;
        }
        if let Some(rustls::Error::InvalidCertificate(problem)) = inner.downcast_ref() {
            return Some(describe_certificate(problem));
        }
        current = cause.source();
    }
    None
}

fn describe_certificate(problem: &rustls::CertificateError) -> String {
    use rustls::CertificateError as C;
    match problem {
        C::UnknownIssuer => "certificate untrusted (unknown issuer)".into(),
        C::Expired | C::ExpiredContext { .. } => "certificate expired".into(),
        C::NotValidYet | C::NotValidYetContext { .. } => "certificate not yet valid".into(),
        C::NotValidForName | C::NotValidForNameContext { .. } => {
            "certificate not valid for this host name".into()
        }
        C::Revoked => "certificate revoked".into(),
        C::BadSignature => "certificate signature invalid".into(),
        other => format!("certificate refused ({other:?})"),
    }
}

/// reqwest's own message says little ("error sending request"); the causes
/// say what happened.
fn error_chain(err: &dyn StdError) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// A GET's response.
#[derive(Clone, Debug)]
pub struct Fetched {
    /// The URL that answered, after redirects.
    pub url: Url,
    /// The final status; a 404 or 410 is a response, not an error.
    pub status: u16,
    /// The `Content-Type` header, if it was valid text.
    pub content_type: Option<String>,
    /// The body, at most the caller's `max_bytes`.
    pub body: Vec<u8>,
}

/// Adds the headers that sign a request for the given URL (for roost, HTTP
/// signatures: `Date`, `Host`, `Signature`). Called once per hop.
pub type Signer<'a> = &'a (dyn Fn(&Url, &mut HeaderMap) + Send + Sync);

/// The guarded HTTP client; cheap to clone (one connection pool).
///
/// TLS is rustls on `ring`. Certificates are checked by
/// rustls-platform-verifier (reqwest's `rustls-no-provider` feature), which on
/// Linux trusts the operating system's store as rustls-native-certs finds it:
/// `SSL_CERT_FILE`/`SSL_CERT_DIR` if set, otherwise the system bundle such as
/// `/etc/ssl/certs/ca-certificates.crt`. A CA added with
/// `update-ca-certificates` is trusted after a restart. No roots are compiled
/// in, and certificate checks cannot be turned off.
#[derive(Clone, Debug)]
pub struct Client {
    inner: reqwest::Client,
    policy: Policy,
    /// Loopback sockets a test lets through under a strict policy; always
    /// empty outside tests.
    exempt: Arc<[SocketAddr]>,
}

/// Installs rustls's ring provider for the process. reqwest panics when it
/// builds a TLS client with no provider; an error here only means one is
/// installed already. Any code building its own reqwest client in this
/// process (tests, tools) calls this first.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl Client {
    /// Builds the client. `user_agent` should name roost and the instance,
    /// e.g. `roost/0.1.0 (+https://example.social)`.
    pub fn new(policy: Policy, user_agent: &str) -> Result<Client, NetError> {
        install_crypto_provider();
        let resolver = GuardedResolver {
            allow_private: policy.allow_private,
        };
        let inner = reqwest::Client::builder()
            .dns_resolver(Arc::new(resolver))
            // get() follows redirects itself so that each hop is checked and signed.
            .redirect(reqwest::redirect::Policy::none())
            .https_only(!policy.allow_http)
            // A proxy would resolve names where the resolver cannot check them.
            .no_proxy()
            .connect_timeout(Duration::from_secs(5))
            .read_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(30))
            .pool_idle_timeout(Duration::from_secs(90))
            .pool_max_idle_per_host(8)
            .tcp_nodelay(true)
            .user_agent(user_agent)
            .build()
            .map_err(|err| NetError::Request(error_chain(&err)))?;
        Ok(Client {
            inner,
            policy,
            exempt: Arc::from([]),
        })
    }

    /// The policy the client was built with.
    pub fn policy(&self) -> Policy {
        self.policy
    }

    /// Lets these exact sockets through although they are not public, so a
    /// test can check what a strict client does after a first, local hop.
    #[cfg(test)]
    fn with_exempt(mut self, exempt: &[SocketAddr]) -> Client {
        self.exempt = Arc::from(exempt);
        self
    }

    fn check(&self, url: &Url) -> Result<(), NetError> {
        addr::check_url_exempt(url, self.policy, &self.exempt)
    }

    /// The resolver and [`check_url`] should have kept us off non-public
    /// addresses; this checks where the connection actually went.
    fn check_peer(&self, resp: &reqwest::Response) -> Result<(), NetError> {
        match resp.remote_addr() {
            Some(peer)
                if !self.policy.allow_private
                    && !is_public(peer.ip())
                    && !self.exempt.contains(&peer) =>
            {
                Err(NetError::Blocked(format!(
                    "connected to {peer}, not public"
                )))
            }
            _ => Ok(()),
        }
    }

    /// GETs `url` with `Accept: accept`, following up to [`MAX_REDIRECTS`]
    /// redirects (301, 302, 303, 307, 308). Each hop is checked against the
    /// policy and, with `sign`, signed for its own URL.
    ///
    /// Any final status is returned as [`Fetched::status`]; the body is read
    /// whatever the status and fails with [`NetError::TooLarge`] past
    /// `max_bytes`.
    pub async fn get(
        &self,
        url: &Url,
        accept: &str,
        max_bytes: usize,
        sign: Option<Signer<'_>>,
    ) -> Result<Fetched, NetError> {
        self.get_capped(url, accept, max_bytes, sign, false).await
    }

    /// GETs `url` as [`Client::get`] does, unsigned, keeping the first
    /// `max_bytes` of a longer body instead of failing: for reading a web
    /// page's head, which comes first.
    pub async fn get_prefix(
        &self,
        url: &Url,
        accept: &str,
        max_bytes: usize,
    ) -> Result<Fetched, NetError> {
        self.get_capped(url, accept, max_bytes, None, true).await
    }

    async fn get_capped(
        &self,
        url: &Url,
        accept: &str,
        max_bytes: usize,
        sign: Option<Signer<'_>>,
        truncate: bool,
    ) -> Result<Fetched, NetError> {
        let accept = HeaderValue::from_str(accept)
            .map_err(|_| NetError::Request(format!("invalid Accept value {accept:?}")))?;
        let mut current = url.clone();
        let mut redirects = 0;
        loop {
            self.check(&current)?;
            let mut headers = HeaderMap::new();
            headers.insert(ACCEPT, accept.clone());
            if let Some(sign) = sign {
                sign(&current, &mut headers);
            }
            headers.remove(HOST);
            let request = self.inner.get(current.clone()).headers(headers);
            let resp = request.send().await.map_err(NetError::from_reqwest)?;
            self.check_peer(&resp)?;
            if let Some(next) = redirect_target(&current, &resp)? {
                redirects += 1;
                if redirects > MAX_REDIRECTS {
                    return Err(NetError::Redirects);
                }
                tracing::debug!(from = %current, to = %next, "following redirect");
                current = next;
                continue;
            }
            let status = resp.status().as_u16();
            let content_type = resp
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let body = read_capped(resp, max_bytes, truncate).await?;
            return Ok(Fetched {
                url: current,
                status,
                content_type,
                body,
            });
        }
    }

    /// POSTs `body` with `headers` (content type and signature included) and
    /// returns the status when it is a 2xx. Redirects are not followed: a 3xx
    /// is an error like any other non-2xx, [`NetError::Status`], which
    /// carries `Retry-After` for a 429 or 503.
    pub async fn post(
        &self,
        url: &Url,
        mut headers: HeaderMap,
        body: Vec<u8>,
    ) -> Result<u16, NetError> {
        self.check(url)?;
        headers.remove(HOST);
        let request = self.inner.post(url.clone()).headers(headers).body(body);
        let resp = request.send().await.map_err(NetError::from_reqwest)?;
        self.check_peer(&resp)?;
        let status = resp.status();
        let retry = match status.as_u16() {
            429 | 503 => retry_after(resp.headers()),
            _ => None,
        };
        drain(resp).await;
        if status.is_success() {
            Ok(status.as_u16())
        } else {
            Err(NetError::Status(status.as_u16(), retry))
        }
    }
}

/// Where a redirect response points, resolved against the URL that sent it;
/// `None` when the response is not a redirect to follow.
fn redirect_target(current: &Url, resp: &reqwest::Response) -> Result<Option<Url>, NetError> {
    if !matches!(resp.status().as_u16(), 301 | 302 | 303 | 307 | 308) {
        return Ok(None);
    }
    let Some(location) = resp.headers().get(LOCATION) else {
        // A redirect without a target is the final answer.
        return Ok(None);
    };
    let location = location
        .to_str()
        .map_err(|_| NetError::BadResponse("Location is not text".into()))?;
    current
        .join(location)
        .map(Some)
        .map_err(|err| NetError::BadResponse(format!("bad Location {location:?}: {err}")))
}

/// Reads the whole body, failing as soon as it passes `max` bytes, whether or
/// not the server announced its length.
async fn read_capped(
    mut resp: reqwest::Response,
    max: usize,
    truncate: bool,
) -> Result<Vec<u8>, NetError> {
    let announced = resp.content_length();
    if !truncate && announced.is_some_and(|len| len > u64::try_from(max).unwrap_or(u64::MAX)) {
        return Err(NetError::TooLarge);
    }
    let capacity = announced.and_then(|len| usize::try_from(len).ok());
    let mut body = Vec::with_capacity(capacity.unwrap_or(0).min(max));
    while let Some(chunk) = resp.chunk().await.map_err(NetError::from_reqwest)? {
        if body.len() + chunk.len() > max {
            if !truncate {
                return Err(NetError::TooLarge);
            }
            // The rest is not read; the connection is dropped with it.
            body.extend_from_slice(&chunk[..max - body.len()]);
            break;
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Reads and drops up to [`POST_RESPONSE_LIMIT`] of a response body; its
/// failures do not matter, the status is already known.
async fn drain(mut resp: reqwest::Response) {
    let mut read = 0;
    while read < POST_RESPONSE_LIMIT {
        match resp.chunk().await {
            Ok(Some(chunk)) => read += chunk.len(),
            Ok(None) => break,
            Err(err) => {
                tracing::debug!(error = %err, "reading a POST response failed");
                break;
            }
        }
    }
}

/// `Retry-After` in its seconds form (the HTTP-date form is ignored).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpListener;
    use std::sync::Mutex;

    /// A tiny HTTP/1.1 server on 127.0.0.1: one thread per connection, one
    /// response per connection, every request kept for the test to inspect.
    struct TestServer {
        addr: SocketAddr,
        requests: Arc<Mutex<Vec<String>>>,
    }

    impl TestServer {
        fn start(respond: impl Fn(&str) -> Vec<u8> + Send + Sync + 'static) -> TestServer {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            let requests = Arc::new(Mutex::new(Vec::new()));
            let (seen, respond) = (requests.clone(), Arc::new(respond));
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    let (seen, respond) = (seen.clone(), respond.clone());
                    std::thread::spawn(move || {
                        let mut stream = stream.unwrap();
                        let request = read_request(&mut stream);
                        seen.lock().unwrap().push(request.clone());
                        let _ = stream.write_all(&respond(&request));
                    });
                }
            });
            TestServer { addr, requests }
        }

        fn url(&self, path: &str) -> Url {
            Url::parse(&format!("http://{}{path}", self.addr)).unwrap()
        }

        fn requests(&self) -> Vec<String> {
            self.requests.lock().unwrap().clone()
        }
    }

    /// The head and body of one request, as text.
    fn read_request(stream: &mut std::net::TcpStream) -> String {
        let mut data = Vec::new();
        let mut buf = [0; 4096];
        loop {
            let n = stream.read(&mut buf).unwrap();
            data.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&data).into_owned();
            if let Some(end) = text.find("\r\n\r\n") {
                let length = text[..end]
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse::<usize>().unwrap())
                    })
                    .unwrap_or(0);
                if n == 0 || data.len() >= end + 4 + length {
                    return text;
                }
            }
            if n == 0 {
                return text;
            }
        }
    }

    fn response(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
        let mut out = format!("HTTP/1.1 {status}\r\nconnection: close\r\n");
        for (name, value) in headers {
            out.push_str(&format!("{name}: {value}\r\n"));
        }
        out.push_str("\r\n");
        let mut out = out.into_bytes();
        out.extend_from_slice(body);
        out
    }

    fn sized(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
        let length = body.len().to_string();
        let mut all = headers.to_vec();
        all.push(("content-length", &length));
        response(status, &all, body)
    }

    /// The path of a request line, "GET /a HTTP/1.1" → "/a".
    fn path(request: &str) -> &str {
        request.split(' ').nth(1).unwrap()
    }

    fn header<'a>(request: &'a str, name: &str) -> Option<&'a str> {
        request.lines().find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }

    const LOCAL: Policy = Policy {
        allow_http: true,
        allow_private: true,
    };
    const HTTP_ONLY: Policy = Policy {
        allow_http: true,
        allow_private: false,
    };

    fn client(policy: Policy) -> Client {
        Client::new(policy, "roost-test/0").unwrap()
    }

    /// A server whose `/N` redirects to `/N+1` until `/{hops}`, which answers.
    fn redirect_chain(hops: usize) -> TestServer {
        TestServer::start(move |request| {
            let n: usize = path(request)[1..].parse().unwrap();
            if n < hops {
                sized("302 Found", &[("location", &format!("/{}", n + 1))], b"")
            } else {
                sized("200 OK", &[("content-type", "text/plain")], b"end")
            }
        })
    }

    #[tokio::test]
    async fn get_from_loopback_returns_status_body_and_content_type() {
        let server = TestServer::start(|request| match path(request) {
            "/note" => sized(
                "200 OK",
                &[("content-type", "application/activity+json")],
                b"{}",
            ),
            _ => sized("410 Gone", &[], b"gone"),
        });
        let client = client(LOCAL);
        let fetched = client
            .get(
                &server.url("/note"),
                "application/activity+json",
                1024,
                None,
            )
            .await
            .unwrap();
        assert_eq!(fetched.status, 200);
        assert_eq!(fetched.body, b"{}");
        assert_eq!(
            fetched.content_type.as_deref(),
            Some("application/activity+json")
        );
        assert_eq!(fetched.url, server.url("/note"));
        let sent = &server.requests()[0];
        assert_eq!(header(sent, "accept"), Some("application/activity+json"));
        assert_eq!(header(sent, "user-agent"), Some("roost-test/0"));

        let gone = client
            .get(&server.url("/old"), "*/*", 1024, None)
            .await
            .unwrap();
        assert_eq!((gone.status, gone.body.as_slice()), (410, &b"gone"[..]));
    }

    #[tokio::test]
    async fn name_resolving_to_loopback_is_blocked_by_the_resolver() {
        let server = TestServer::start(|_| sized("200 OK", &[], b"secret"));
        let client = client(HTTP_ONLY);
        let url = Url::parse(&format!("http://localhost:{}/", server.addr.port())).unwrap();
        // check_url already refuses "localhost"; send past it to reach the resolver.
        let err = client.inner.get(url).send().await.unwrap_err();
        let err = NetError::from_reqwest(err);
        assert!(
            matches!(&err, NetError::Blocked(why) if why.contains("non-public")),
            "{err}"
        );
        assert!(server.requests().is_empty());
    }

    #[tokio::test]
    async fn three_redirects_are_followed_and_each_hop_is_signed() {
        let server = redirect_chain(3);
        let signed = Mutex::new(Vec::new());
        let sign = |url: &Url, headers: &mut HeaderMap| {
            signed.lock().unwrap().push(url.path().to_owned());
            headers.insert("signature", HeaderValue::from_str(url.path()).unwrap());
        };
        let fetched = client(LOCAL)
            .get(&server.url("/0"), "*/*", 1024, Some(&sign))
            .await
            .unwrap();
        assert_eq!(
            (fetched.status, fetched.body.as_slice()),
            (200, &b"end"[..])
        );
        assert_eq!(fetched.url, server.url("/3"));
        assert_eq!(*signed.lock().unwrap(), ["/0", "/1", "/2", "/3"]);
        for request in server.requests() {
            assert_eq!(header(&request, "signature"), Some(path(&request)));
        }
    }

    /// Every `host:` line of a request's head.
    fn hosts(request: &str) -> Vec<&str> {
        request
            .lines()
            .take_while(|l| !l.is_empty())
            .filter_map(|l| l.split_once(':'))
            .filter(|(n, _)| n.eq_ignore_ascii_case("host"))
            .map(|(_, v)| v.trim())
            .collect()
    }

    #[tokio::test]
    async fn requests_carry_one_host_from_the_url_whatever_the_signer_adds() {
        let server = TestServer::start(|_| sized("202 Accepted", &[], b""));
        let sign = |_: &Url, headers: &mut HeaderMap| {
            headers.insert(HOST, HeaderValue::from_static("signed.example"));
            headers.append(HOST, HeaderValue::from_static("second.example"));
        };
        let client = client(LOCAL);
        client
            .get(&server.url("/a"), "*/*", 1024, Some(&sign))
            .await
            .unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(HOST, HeaderValue::from_static("signed.example"));
        client
            .post(&server.url("/inbox"), headers, b"{}".to_vec())
            .await
            .unwrap();
        let expected = server.addr.to_string();
        for request in server.requests() {
            assert_eq!(hosts(&request), [expected.as_str()], "{request}");
        }
    }

    #[tokio::test]
    async fn fourth_redirect_is_refused() {
        let server = redirect_chain(4);
        let err = client(LOCAL)
            .get(&server.url("/0"), "*/*", 1024, None)
            .await
            .unwrap_err();
        assert!(matches!(err, NetError::Redirects), "{err}");
        assert_eq!(server.requests().len(), 4);
    }

    #[tokio::test]
    async fn redirect_to_a_refused_address_is_blocked() {
        let inside = TestServer::start(|_| sized("200 OK", &[], b"internal"));
        let by_name = format!("http://localhost:{}/", inside.addr.port());
        let by_ip = inside.url("/admin").to_string();
        for target in [by_name, by_ip] {
            let outside =
                TestServer::start(move |_| sized("301 Moved", &[("location", &target)], b""));
            let client = client(HTTP_ONLY).with_exempt(&[outside.addr]);
            let err = client
                .get(&outside.url("/"), "*/*", 1024, None)
                .await
                .unwrap_err();
            assert!(matches!(err, NetError::Blocked(_)), "{err}");
            assert_eq!(
                outside.requests().len(),
                1,
                "the exempt first hop is fetched"
            );
        }
        assert!(inside.requests().is_empty());
    }

    #[tokio::test]
    async fn strict_client_refuses_loopback_before_connecting() {
        let server = TestServer::start(|_| sized("200 OK", &[], b""));
        let err = client(HTTP_ONLY)
            .get(&server.url("/"), "*/*", 1024, None)
            .await
            .unwrap_err();
        assert!(matches!(err, NetError::Blocked(_)), "{err}");
        assert!(err.is_permanent());
        let https_only = Policy::default();
        let err = client(https_only)
            .get(&server.url("/"), "*/*", 1024, None)
            .await
            .unwrap_err();
        assert!(matches!(err, NetError::Blocked(_)), "{err}");
        assert!(server.requests().is_empty());
    }

    #[tokio::test]
    async fn body_over_the_cap_is_too_large() {
        let server = TestServer::start(|request| match path(request) {
            "/sized" => sized("200 OK", &[], &[b'x'; 2000]),
            "/exact" => sized("200 OK", &[], &[b'x'; 1000]),
            // No Content-Length: the body runs until the connection closes.
            _ => response("200 OK", &[], &[b'x'; 2000]),
        });
        let client = client(LOCAL);
        for path in ["/sized", "/streamed"] {
            let err = client
                .get(&server.url(path), "*/*", 1000, None)
                .await
                .unwrap_err();
            assert!(matches!(err, NetError::TooLarge), "{path}: {err}");
        }
        let exact = client
            .get(&server.url("/exact"), "*/*", 1000, None)
            .await
            .unwrap();
        assert_eq!(exact.body.len(), 1000);
        let streamed = client
            .get(&server.url("/streamed"), "*/*", 2000, None)
            .await
            .unwrap();
        assert_eq!(streamed.body.len(), 2000);
    }

    #[tokio::test]
    async fn post_returns_status_and_carries_retry_after() {
        let server = TestServer::start(|request| match path(request) {
            "/inbox" => sized("202 Accepted", &[], b""),
            "/busy" => sized(
                "429 Too Many Requests",
                &[("retry-after", "120")],
                b"slow down",
            ),
            "/down" => sized(
                "503 Service Unavailable",
                &[("retry-after", "Fri, 31 Dec 1999 23:59:59 GMT")],
                b"",
            ),
            "/moved" => sized("301 Moved", &[("location", "/inbox")], b""),
            _ => sized("410 Gone", &[], b""),
        });
        let client = client(LOCAL);
        let mut headers = HeaderMap::new();
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/activity+json"),
        );
        let post = async |path: &str| {
            let body = b"{\"type\":\"Follow\"}".to_vec();
            client.post(&server.url(path), headers.clone(), body).await
        };

        assert_eq!(post("/inbox").await.unwrap(), 202);
        let sent = &server.requests()[0];
        assert_eq!(
            header(sent, "content-type"),
            Some("application/activity+json")
        );
        assert!(sent.ends_with("{\"type\":\"Follow\"}"));

        let busy = post("/busy").await.unwrap_err();
        assert!(
            matches!(busy, NetError::Status(429, Some(d)) if d == Duration::from_secs(120)),
            "{busy}"
        );
        assert!(!busy.is_permanent());
        let down = post("/down").await.unwrap_err();
        assert!(matches!(down, NetError::Status(503, None)), "{down}");
        let moved = post("/moved").await.unwrap_err();
        assert!(matches!(moved, NetError::Status(301, None)), "{moved}");
        let gone = post("/gone").await.unwrap_err();
        assert!(gone.is_permanent());
        assert_eq!(server.requests().len(), 5, "the 301 was not followed");
    }

    #[test]
    fn permanent_failures_follow_mastodon_delivery_rules() {
        let status = |code| NetError::Status(code, None);
        for code in [400, 403, 404, 410, 422, 501] {
            assert!(status(code).is_permanent(), "{code}");
        }
        for code in [301, 401, 408, 429, 500, 502, 503, 504] {
            assert!(!status(code).is_permanent(), "{code}");
        }
        assert!(NetError::Blocked("x".into()).is_permanent());
        assert!(NetError::TooLarge.is_permanent());
        assert!(!NetError::Timeout { connect: true }.is_permanent());
        assert!(!NetError::Connect("refused".into()).is_permanent());
        assert!(!NetError::BadResponse("reset".into()).is_permanent());
    }
}
