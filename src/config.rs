//! Configuration: built-in defaults, then the TOML file, then `ROOST_<SECTION>_<KEY>`
//! environment variables. Every key is documented in `config.example.toml`.
//!
//! Unknown keys and values of the wrong type stop start-up with a message that
//! names the key, so a typo never silently falls back to a default.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The whole configuration, one struct per TOML section.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub server: Server,
    pub database: Database,
    pub storage: Storage,
    pub media: Media,
    pub instance: Instance,
    pub auth: Auth,
    pub limits: Limits,
    pub federation: Federation,
    pub moderation: Moderation,
    pub jobs: Jobs,
    pub mail: Mail,
    pub log: Log,
    pub discovery: Discovery,
    pub analytics: Analytics,
}

/// Outgoing e-mail: confirmations, password resets, moderation warnings.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Mail {
    /// `smtp://user:password@host:port` (STARTTLS when the server offers it;
    /// `?tls=required` insists on it) or `smtps://…` (TLS from the start).
    /// Empty: no e-mail is sent, and sign-ups need no confirmation.
    pub smtp_url: String,
    /// The sender, e.g. `roost <notifications@example.com>`; empty means
    /// `notifications@` the instance's domain.
    pub from: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Server {
    /// Public host name (with port when not 80/443) used in every URL and actor id.
    pub domain: String,
    /// Address the HTTP server binds to.
    pub listen: String,
    /// `auto`, `https` or `http`: the scheme of public URLs. `auto` means http for
    /// localhost and loopback addresses, https for everything else.
    pub protocol: String,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted proxy).
    pub trust_proxy_headers: bool,
    /// A second address serving only `GET /metrics`, without a token (for a
    /// Prometheus on a private network). Empty: none.
    pub metrics_listen: String,
    /// A bearer token that opens `GET /metrics` on the public listener.
    /// Empty: `/metrics` is not served there (404).
    pub metrics_token: String,
    /// What this node does: `all` (the default), `web`, `worker` or
    /// `streaming` ([`NodeRole`]).
    pub role: String,
}

/// What one node of a cluster does (`server.role`, `roost serve --role`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeRole {
    /// Everything: one node, or any node of a small cluster.
    All,
    /// HTTP (API, pages, federation, streaming); queues jobs but runs none.
    Web,
    /// The job queue and the periodic tasks; HTTP answers `/health` and
    /// `/metrics` only.
    Worker,
    /// The streaming API (and `/health`, `/metrics`) only.
    Streaming,
}

impl NodeRole {
    pub fn parse(s: &str) -> Option<NodeRole> {
        match s {
            "all" => Some(NodeRole::All),
            "web" => Some(NodeRole::Web),
            "worker" => Some(NodeRole::Worker),
            "streaming" => Some(NodeRole::Streaming),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            NodeRole::All => "all",
            NodeRole::Web => "web",
            NodeRole::Worker => "worker",
            NodeRole::Streaming => "streaming",
        }
    }

    /// Runs job workers and the periodic tasks.
    pub fn runs_jobs(self) -> bool {
        matches!(self, NodeRole::All | NodeRole::Worker)
    }

    /// Whether this node answers a request for `path`.
    pub fn serves(self, path: &str) -> bool {
        let always = path == "/health" || path == "/metrics";
        match self {
            NodeRole::All | NodeRole::Web => true,
            NodeRole::Worker => always,
            NodeRole::Streaming => {
                always || path == "/api/v1/streaming" || path.starts_with("/api/v1/streaming/")
            }
        }
    }
}

impl Default for Server {
    fn default() -> Self {
        Self {
            domain: "localhost:8080".into(),
            listen: "127.0.0.1:8080".into(),
            protocol: "auto".into(),
            trust_proxy_headers: false,
            metrics_listen: String::new(),
            metrics_token: String::new(),
            role: "all".into(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Database {
    /// `sqlite://PATH` or `postgres://…`. Empty means SQLite at `<data_dir>/roost.db`.
    pub url: String,
    /// Upper bound of pooled connections; 0 picks one for the backend
    /// ([`Config::pool_size`]).
    pub max_connections: u32,
    /// PostgreSQL streaming replicas (hot standbys) of `url` for the heavy
    /// reads: timelines, profiles' posts, search.
    pub replica_urls: Vec<String>,
    /// A replica further behind the primary than this is not read from.
    pub replica_max_lag_secs: u64,
}

impl Default for Database {
    fn default() -> Self {
        Self {
            url: String::new(),
            max_connections: 0,
            replica_urls: Vec::new(),
            replica_max_lag_secs: 30,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Storage {
    /// Directory for the SQLite database and local media.
    pub data_dir: PathBuf,
    /// Where media files go: `local` (under `data_dir/media`, served by
    /// roost) or `s3` (an S3-compatible bucket).
    pub backend: String,
    /// S3 endpoint URL, e.g. `https://s3.eu-central-1.amazonaws.com` or a
    /// MinIO/Garage address. Empty means AWS for `s3_region`.
    pub s3_endpoint: String,
    pub s3_bucket: String,
    pub s3_region: String,
    pub s3_access_key_id: String,
    pub s3_secret_access_key: String,
    /// Address buckets as `endpoint/bucket` instead of `bucket.endpoint`.
    pub s3_path_style: bool,
    /// Base URL clients load files from (a CDN or the bucket's public
    /// address); empty means `s3_endpoint/s3_bucket`.
    pub s3_public_url: String,
}

impl Default for Storage {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("./data"),
            backend: "local".into(),
            s3_endpoint: String::new(),
            s3_bucket: String::new(),
            s3_region: "us-east-1".into(),
            s3_access_key_id: String::new(),
            s3_secret_access_key: String::new(),
            s3_path_style: false,
            s3_public_url: String::new(),
        }
    }
}

/// Limits and processing of uploaded and fetched media (Mastodon's defaults).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Media {
    /// Largest image upload, in bytes.
    pub image_max_bytes: u64,
    /// Largest video, GIF or audio upload, in bytes.
    pub video_max_bytes: u64,
    /// Images with more pixels than this are refused before decoding.
    pub image_max_input_pixels: u64,
    /// Stored images are downsized to at most this many pixels.
    pub image_max_pixels: u64,
    /// Videos are scaled down to fit this frame.
    pub video_max_width: u32,
    pub video_max_height: u32,
    pub video_max_fps: u32,
    /// Longest video or audio accepted, in seconds.
    pub video_max_duration_secs: u32,
    /// A video or audio file whose processing takes longer fails (at most
    /// 280: a job's claim lasts 300 seconds).
    pub processing_timeout_secs: u64,
    /// Images decoded or encoded at once, per node. Each adds ~120 MB to
    /// the peak memory for 12-megapixel photos (see docs/performance.md).
    pub image_concurrency: u32,
    /// Workers transcoding video and audio, per node.
    pub video_workers: u32,
    /// Path or name of the ffmpeg and ffprobe programs.
    pub ffmpeg: String,
    pub ffprobe: String,
    /// Fetch and keep copies of remote attachments.
    pub cache_remote: bool,
    /// Cached remote media not viewed for this many days is removed by the
    /// periodic prune (0 keeps it forever).
    pub remote_cache_days: u32,
    /// Largest remote file fetched, in bytes.
    pub remote_max_bytes: u64,
}

impl Default for Media {
    fn default() -> Self {
        Self {
            image_max_bytes: 16 * 1024 * 1024,
            video_max_bytes: 99 * 1024 * 1024,
            image_max_input_pixels: 7680 * 4320,
            image_max_pixels: 3840 * 2160,
            video_max_width: 1920,
            video_max_height: 1080,
            video_max_fps: 60,
            video_max_duration_secs: 3600,
            processing_timeout_secs: 240,
            image_concurrency: 1,
            video_workers: 1,
            ffmpeg: "ffmpeg".into(),
            ffprobe: "ffprobe".into(),
            cache_remote: true,
            remote_cache_days: 30,
            remote_max_bytes: 40 * 1024 * 1024,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Instance {
    pub title: String,
    pub description: String,
    pub contact_email: String,
    /// `open`, `approval` or `closed`.
    pub registrations: Registrations,
    /// Maximum characters in a post.
    pub max_status_chars: u32,
    /// Maximum media attachments in a post.
    pub max_media_attachments: u32,
    /// Maximum poll options.
    pub max_poll_options: u32,
    /// Maximum characters per poll option.
    pub max_poll_option_chars: u32,
    /// Language codes the instance is mainly used in.
    pub languages: Vec<String>,
    /// Who may read the list of blocked servers (`/about`,
    /// `/api/v1/instance/domain_blocks`): `disabled`, `users` or `all`.
    pub show_domain_blocks: ShowDomainBlocks,
}

impl Default for Instance {
    fn default() -> Self {
        Self {
            title: "roost".into(),
            description: "A roost server".into(),
            contact_email: String::new(),
            registrations: Registrations::Open,
            max_status_chars: 500,
            max_media_attachments: 4,
            max_poll_options: 4,
            max_poll_option_chars: 50,
            languages: vec!["en".into()],
            show_domain_blocks: ShowDomainBlocks::Disabled,
        }
    }
}

/// Who may read the list of blocked servers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ShowDomainBlocks {
    Disabled,
    /// Signed-in users.
    Users,
    All,
}

/// Who may sign up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Registrations {
    Open,
    Approval,
    Closed,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Auth {
    /// Allow the OAuth password grant (used by CLI clients such as toot).
    pub password_grant: bool,
    /// Lifetime of an OAuth authorization code, in seconds.
    pub code_lifetime_secs: u64,
    /// Lifetime of a web session, in days.
    pub session_lifetime_days: u64,
}

impl Default for Auth {
    fn default() -> Self {
        Self {
            password_grant: true,
            code_lifetime_secs: 600,
            session_lifetime_days: 30,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Largest request body accepted outside media uploads, in bytes.
    pub max_body_bytes: u64,
    /// Sign-in attempts (web form and password grant) per client address and per
    /// account, per 5 minutes.
    pub sign_in_per_5min: u32,
    /// Requests to `/oauth/token` per client address, per 5 minutes.
    pub token_per_5min: u32,
    /// Sign-ups per client address, per 30 minutes.
    pub registrations_per_30min: u32,
    /// A new post reaches the home feeds of up to this many local followers
    /// before the request returns; beyond it the fan-out runs as a queued job.
    pub inline_fan_out_followers: u32,
    /// Seconds a client has to send a request's headers, and the longest an
    /// idle keep-alive connection stays open.
    pub header_timeout_secs: u64,
    /// Seconds a request body may go without sending any data.
    pub body_idle_timeout_secs: u64,
    /// Client connections served at once; more are closed on accept.
    pub max_connections: u32,
    /// Sign-in attempts per account from all addresses together, per hour:
    /// the ceiling above the per-address limit.
    pub sign_in_per_account_per_hour: u32,
    /// Posts per account, per 3 hours (Mastodon's default).
    pub statuses_per_3h: u32,
    /// Boosts per account, per 3 hours.
    pub reblogs_per_3h: u32,
    /// Media uploads per account, per 30 minutes.
    pub media_per_30min: u32,
    /// Follows (and follow requests) per account, per day.
    pub follows_per_24h: u32,
    /// Reports per account, per day.
    pub reports_per_24h: u32,
    /// App registrations per client address, per 5 minutes.
    pub apps_per_5min: u32,
    /// API requests per access token, per 5 minutes.
    pub api_per_5min: u32,
    /// API requests without a token per client address, per 5 minutes.
    pub api_anonymous_per_5min: u32,
    /// Inbox deliveries per remote server, per 5 minutes.
    pub inbox_per_host_per_5min: u32,
    /// Keys never seen before, fetched to check inbox signatures, per
    /// remote server, per 5 minutes.
    pub new_keys_per_host_per_5min: u32,
    /// Streaming connections (WebSocket and server-sent events) this node
    /// holds at once.
    pub streaming_connections: u32,
    /// Streaming connections one account may hold at once on this node.
    pub streaming_per_account: u32,
    /// Largest CSV file `/settings/import` takes, in bytes.
    pub import_max_bytes: u64,
    /// Most rows one imported CSV file may have.
    pub import_max_rows: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: 1024 * 1024,
            sign_in_per_5min: 10,
            token_per_5min: 60,
            registrations_per_30min: 5,
            inline_fan_out_followers: 1000,
            header_timeout_secs: 20,
            body_idle_timeout_secs: 20,
            max_connections: 2048,
            sign_in_per_account_per_hour: 100,
            statuses_per_3h: 300,
            reblogs_per_3h: 300,
            media_per_30min: 30,
            follows_per_24h: 400,
            reports_per_24h: 400,
            apps_per_5min: 30,
            api_per_5min: 1500,
            api_anonymous_per_5min: 300,
            inbox_per_host_per_5min: 3000,
            new_keys_per_host_per_5min: 100,
            streaming_connections: 10_000,
            streaming_per_account: 30,
            import_max_bytes: 20 * 1024 * 1024,
            import_max_rows: 20_000,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Federation {
    /// Talk to peers over plain http (tests, local development).
    pub allow_http: bool,
    /// Fetch from loopback and private addresses (tests, LAN).
    pub allow_private_addresses: bool,
    /// Require signed GETs for actors, objects and collections.
    pub authorized_fetch: bool,
    /// Federate only with the servers admins allow (`/api/v1/admin/domain_allows`);
    /// every other server is treated as suspended.
    pub allowlist_mode: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Moderation {
    /// Hold statuses from remote instances for a moderator's approval:
    /// `off`, `new_domains` (instances first seen after this was turned on)
    /// or `all`.
    pub review_remote: String,
    /// How long a suspended account's data is kept (an unsuspension within
    /// it restores everything) before it is deleted for good; 0 keeps it.
    pub suspension_retention_days: u32,
}

impl Default for Moderation {
    fn default() -> Self {
        Self {
            review_remote: "off".into(),
            suspension_retention_days: 30,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Jobs {
    /// Workers for local background work and inbound activities, per node.
    pub workers: u32,
    /// Workers sending activities to other servers, per node.
    pub delivery_workers: u32,
    /// The first retry of a failed job waits this many milliseconds; each
    /// later retry twice as long, up to 6 hours.
    pub retry_base_ms: u64,
    /// How long a worker's claim on a job lasts unless renewed; a running
    /// job's claim is renewed every third of this, so the jobs of a worker
    /// that died (a crash, kill -9, a lost node) run again within this time.
    pub lease_secs: u64,
}

impl Default for Jobs {
    fn default() -> Self {
        Self {
            workers: 2,
            delivery_workers: 8,
            retry_base_ms: 10_000,
            lease_secs: 30,
        }
    }
}

/// Trends: what is recomputed how often, and whether staff see it first.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Discovery {
    /// Seconds between two recomputations of the trending hashtags, posts
    /// and links.
    pub trends_interval_secs: u64,
    /// Show a trending item only once staff approved it (the admin trends
    /// API); off, everything that trends shows unless staff rejected it.
    pub trends_require_review: bool,
}

impl Default for Discovery {
    fn default() -> Self {
        Self {
            trends_interval_secs: 300,
            trends_require_review: false,
        }
    }
}

/// Analytics and insights: how long day counts are kept.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Analytics {
    /// Days of day counts kept (the instance's and each user's); older
    /// days are deleted. Once-per-day marks are always gone the next day.
    pub retention_days: u32,
}

impl Default for Analytics {
    fn default() -> Self {
        Self {
            retention_days: 400,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Log {
    /// A tracing filter such as `info` or `roost=debug,sqlx=warn`. `RUST_LOG` wins.
    pub level: String,
    /// `text` or `json`.
    pub format: String,
}

impl Default for Log {
    fn default() -> Self {
        Self {
            level: "info".into(),
            format: "text".into(),
        }
    }
}

/// A configuration problem, worded for the operator.
#[derive(Debug)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Loads defaults < `file` < `ROOST_*` variables from `env`, then validates.
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let defaults = toml::Value::try_from(Config::default())
            .map_err(|e| ConfigError(format!("internal: defaults do not serialize: {e}")))?;
        let mut tree = toml::Table::new();
        if let Some(path) = file {
            let text = std::fs::read_to_string(path).map_err(|e| {
                ConfigError(format!("cannot read config file {}: {e}", path.display()))
            })?;
            tree = text
                .parse::<toml::Table>()
                .map_err(|e| ConfigError(format!("config file {}: {e}", path.display())))?;
            check_keys(&tree, &defaults, file)?;
        }
        for (name, value) in env {
            apply_env(&mut tree, &defaults, &name, &value)?;
        }
        let config: Config = match toml::Value::Table(tree.clone()).try_into() {
            Ok(c) => c,
            Err(e) => return Err(name_bad_key(&tree, file, &e)),
        };
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let bad = |key: &str, why: &str| Err(ConfigError(format!("{key}: {why}")));
        if self.server.domain.is_empty() || self.server.domain.contains(['/', ' ', '@']) {
            return bad(
                "server.domain",
                "must be a host name with an optional port, e.g. social.example.org",
            );
        }
        if self.server.listen.parse::<SocketAddr>().is_err() {
            return bad(
                "server.listen",
                "must be an address:port such as 127.0.0.1:8080",
            );
        }
        if !matches!(self.server.protocol.as_str(), "auto" | "http" | "https") {
            return bad("server.protocol", "must be \"auto\", \"http\" or \"https\"");
        }
        if NodeRole::parse(&self.server.role).is_none() {
            return bad(
                "server.role",
                "must be \"all\", \"web\", \"worker\" or \"streaming\"",
            );
        }
        let url = &self.database.url;
        if !(url.is_empty()
            || url.starts_with("sqlite:")
            || url.starts_with("postgres://")
            || url.starts_with("postgresql://"))
        {
            return bad("database.url", "must start with sqlite: or postgres://");
        }
        if !matches!(self.log.format.as_str(), "text" | "json") {
            return bad("log.format", "must be \"text\" or \"json\"");
        }
        if !matches!(
            self.moderation.review_remote.as_str(),
            "off" | "new_domains" | "all"
        ) {
            return bad(
                "moderation.review_remote",
                "must be \"off\", \"new_domains\" or \"all\"",
            );
        }
        if self.jobs.lease_secs < 3 {
            return bad("jobs.lease_secs", "must be at least 3");
        }
        if self.analytics.retention_days < 90 {
            return bad(
                "analytics.retention_days",
                "must be at least 90 (insights show up to 90 days)",
            );
        }
        if self.discovery.trends_interval_secs == 0 {
            return bad("discovery.trends_interval_secs", "must be at least 1");
        }
        if self.jobs.retry_base_ms == 0 {
            return bad("jobs.retry_base_ms", "must be at least 1");
        }
        if !matches!(self.storage.backend.as_str(), "local" | "s3") {
            return bad("storage.backend", "must be \"local\" or \"s3\"");
        }
        if self.storage.backend == "s3" && self.storage.s3_bucket.is_empty() {
            return bad(
                "storage.s3_bucket",
                "must be set when storage.backend is \"s3\"",
            );
        }
        if !(1..=280).contains(&self.media.processing_timeout_secs) {
            return bad("media.processing_timeout_secs", "must be from 1 to 280");
        }
        if self.media.image_concurrency == 0 {
            return bad("media.image_concurrency", "must be at least 1");
        }
        if self.media.image_max_bytes < 1024 || self.media.video_max_bytes < 1024 {
            return bad("media.image_max_bytes", "byte limits must be at least 1024");
        }
        if self.limits.max_body_bytes < 1024 {
            return bad("limits.max_body_bytes", "must be at least 1024");
        }
        if self.limits.header_timeout_secs == 0 || self.limits.body_idle_timeout_secs == 0 {
            return bad(
                "limits.header_timeout_secs",
                "timeouts must be at least 1 second",
            );
        }
        if !self.database.replica_urls.is_empty() && !self.database_url().starts_with("postgres") {
            return bad(
                "database.replica_urls",
                "replicas need database.url to be PostgreSQL",
            );
        }
        if let Some(url) = self
            .database
            .replica_urls
            .iter()
            .find(|u| !(u.starts_with("postgres://") || u.starts_with("postgresql://")))
        {
            return bad(
                "database.replica_urls",
                &format!("{url:?} is not a postgres:// URL"),
            );
        }
        if self.database.replica_max_lag_secs == 0 {
            return bad("database.replica_max_lag_secs", "must be at least 1");
        }
        if self.limits.max_connections == 0 {
            return bad("limits.max_connections", "must be at least 1");
        }
        if self.limits.import_max_bytes == 0 || self.limits.import_max_rows == 0 {
            return bad("limits.import_max_bytes", "must be at least 1");
        }
        if self.limits.streaming_connections == 0 || self.limits.streaming_per_account == 0 {
            return bad("limits.streaming_connections", "must be at least 1");
        }
        Ok(())
    }

    /// The scheme of public URLs.
    pub fn scheme(&self) -> &'static str {
        match self.server.protocol.as_str() {
            "http" => "http",
            "https" => "https",
            _ => {
                let host = self.server.domain.rsplit_once(':').map_or(
                    self.server.domain.as_str(),
                    |(h, p)| {
                        if p.chars().all(|c| c.is_ascii_digit()) {
                            h
                        } else {
                            &self.server.domain
                        }
                    },
                );
                let loopback = host == "localhost"
                    || host.ends_with(".localhost")
                    || host
                        .trim_matches(['[', ']'])
                        .parse::<std::net::IpAddr>()
                        .is_ok_and(|ip| ip.is_loopback());
                if loopback { "http" } else { "https" }
            }
        }
    }

    /// What this node does (`server.role`, checked at load).
    pub fn node_role(&self) -> NodeRole {
        NodeRole::parse(&self.server.role).unwrap_or(NodeRole::All)
    }

    /// `scheme://domain`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("{}://{}", self.scheme(), self.server.domain)
    }

    /// The connection pool's size: `database.max_connections`, or when that
    /// is 0, 4 on SQLite (each connection has its own thread and page cache;
    /// WAL lets 4 read at once and writes are serialized anyway) and 16 on
    /// PostgreSQL.
    pub fn pool_size(&self) -> u32 {
        match self.database.max_connections {
            0 if self.database_url().starts_with("sqlite:") => 4,
            0 => 16,
            n => n,
        }
    }

    /// The database URL, with the SQLite default filled in.
    pub fn database_url(&self) -> String {
        if self.database.url.is_empty() {
            format!(
                "sqlite://{}",
                self.storage.data_dir.join("roost.db").display()
            )
        } else {
            self.database.url.clone()
        }
    }
}

/// Finds which key made deserialization fail (toml's message does not say) by
/// trying the keys one at a time, and words the error around it.
fn name_bad_key(tree: &toml::Table, file: Option<&Path>, whole: &toml::de::Error) -> ConfigError {
    let origin = file
        .map(|p| format!(" (in {})", p.display()))
        .unwrap_or_default();
    for (section, value) in tree {
        let Some(table) = value.as_table() else {
            continue;
        };
        for (key, v) in table {
            let mut inner = toml::Table::new();
            inner.insert(key.clone(), v.clone());
            let mut one = toml::Table::new();
            one.insert(section.clone(), toml::Value::Table(inner));
            if let Err(e) = toml::Value::Table(one).try_into::<Config>() {
                return ConfigError(format!("{section}.{key}{origin}: {}", e.message().trim()));
            }
        }
    }
    ConfigError(format!(
        "invalid configuration{origin}: {}",
        whole.message().trim()
    ))
}

/// Refuses keys that are not in the defaults tree, naming the first one found.
fn check_keys(
    tree: &toml::Table,
    defaults: &toml::Value,
    file: Option<&Path>,
) -> Result<(), ConfigError> {
    let origin = file
        .map(|p| format!(" in {}", p.display()))
        .unwrap_or_default();
    for (section, value) in tree {
        let Some(known) = defaults.get(section) else {
            return Err(ConfigError(format!(
                "unknown config section [{section}]{origin}"
            )));
        };
        let Some(table) = value.as_table() else {
            return Err(ConfigError(format!(
                "config key {section}{origin} must be a [section]"
            )));
        };
        for key in table.keys() {
            if known.get(key).is_none() {
                return Err(ConfigError(format!(
                    "unknown config key {section}.{key}{origin}"
                )));
            }
        }
    }
    Ok(())
}

/// Applies one `ROOST_<SECTION>_<KEY>` variable. Variables whose section is not a
/// config section (such as `ROOST_CONFIG`) are not config keys and are skipped.
fn apply_env(
    tree: &mut toml::Table,
    defaults: &toml::Value,
    name: &str,
    value: &str,
) -> Result<(), ConfigError> {
    let Some(rest) = name.strip_prefix("ROOST_") else {
        return Ok(());
    };
    let rest = rest.to_ascii_lowercase();
    let Some((section, key)) = rest.split_once('_') else {
        return Ok(());
    };
    let Some(known_section) = defaults.get(section) else {
        return Ok(());
    };
    let Some(default) = known_section.get(key) else {
        return Err(ConfigError(format!(
            "unknown config key {section}.{key} (from environment variable {name})"
        )));
    };
    let parsed = match default {
        toml::Value::String(_) => toml::Value::String(value.to_string()),
        toml::Value::Boolean(_) => match value.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => toml::Value::Boolean(true),
            "false" | "0" | "no" | "off" => toml::Value::Boolean(false),
            _ => {
                return Err(ConfigError(format!(
                    "{section}.{key} (from {name}): expected true or false, got {value:?}"
                )));
            }
        },
        toml::Value::Integer(_) => toml::Value::Integer(value.trim().parse().map_err(|_| {
            ConfigError(format!(
                "{section}.{key} (from {name}): expected an integer, got {value:?}"
            ))
        })?),
        toml::Value::Array(_) => {
            let items = value.split(',').map(str::trim).filter(|s| !s.is_empty());
            toml::Value::Array(items.map(|s| toml::Value::String(s.to_string())).collect())
        }
        _ => toml::Value::String(value.to_string()),
    };
    let entry = tree
        .entry(section.to_string())
        .or_insert_with(|| toml::Value::Table(toml::Table::new()));
    if let toml::Value::Table(t) = entry {
        t.insert(key.to_string(), parsed);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_need_no_file() {
        let c = Config::load(None, env(&[])).unwrap();
        assert_eq!(c.server.domain, "localhost:8080");
        assert_eq!(c.server.listen, "127.0.0.1:8080");
        assert_eq!(c.base_url(), "http://localhost:8080");
        assert!(c.database_url().starts_with("sqlite://"));
    }

    #[test]
    fn env_overrides_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(
            &path,
            "[server]\ndomain = \"a.example\"\n[federation]\nallow_http = false\n",
        )
        .unwrap();
        let c = Config::load(
            Some(&path),
            env(&[
                ("ROOST_FEDERATION_ALLOW_HTTP", "true"),
                ("ROOST_CONFIG", "x"),
                ("ROOST_TEST_DATABASE_URL", "y"),
            ]),
        )
        .unwrap();
        assert_eq!(c.server.domain, "a.example");
        assert!(c.federation.allow_http);
        assert_eq!(c.base_url(), "https://a.example");
    }

    #[test]
    fn unknown_file_key_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "[server]\ndomian = \"a.example\"\n").unwrap();
        let err = Config::load(Some(&path), env(&[])).unwrap_err().to_string();
        assert!(err.contains("server.domian"), "{err}");
    }

    #[test]
    fn unknown_env_key_is_named() {
        let err = Config::load(None, env(&[("ROOST_SERVER_DOMIAN", "x")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("server.domian"), "{err}");
    }

    #[test]
    fn bad_value_is_named() {
        let err = Config::load(None, env(&[("ROOST_INSTANCE_REGISTRATIONS", "sometimes")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("registrations"), "{err}");
        let err = Config::load(None, env(&[("ROOST_LIMITS_MAX_BODY_BYTES", "lots")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("limits.max_body_bytes"), "{err}");
        let err = Config::load(None, env(&[("ROOST_SERVER_LISTEN", "nowhere")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("server.listen"), "{err}");
    }
}

#[cfg(test)]
mod documentation {
    use super::*;

    /// `section.key` for every key roost knows.
    fn all_keys() -> Vec<String> {
        let defaults = toml::Value::try_from(Config::default()).unwrap();
        let mut keys = Vec::new();
        for (section, table) in defaults.as_table().unwrap() {
            for key in table.as_table().unwrap().keys() {
                keys.push(format!("{section}.{key}"));
            }
        }
        keys
    }

    #[test]
    fn example_config_loads_and_sets_every_key_to_its_default() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml");
        let loaded = Config::load(Some(&path), Vec::new()).unwrap();
        let as_loaded = toml::Value::try_from(&loaded).unwrap();
        let defaults = toml::Value::try_from(Config::default()).unwrap();
        assert_eq!(
            as_loaded, defaults,
            "config.example.toml must show the defaults"
        );
        let text = std::fs::read_to_string(&path).unwrap();
        let file: toml::Table = text.parse().unwrap();
        for key in all_keys() {
            let (section, name) = key.split_once('.').unwrap();
            assert!(
                file.get(section).and_then(|s| s.get(name)).is_some(),
                "config.example.toml lacks {key}"
            );
            // Each key has a comment on the line above it.
            let line = text
                .lines()
                .position(|l| l.starts_with(&format!("{name} =")))
                .unwrap();
            assert!(
                text.lines().nth(line - 1).unwrap().starts_with('#'),
                "{key} has no comment"
            );
        }
    }

    #[test]
    fn configuration_doc_covers_every_key() {
        let doc = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/configuration.md"),
        )
        .unwrap();
        for key in all_keys() {
            assert!(
                doc.contains(&format!("`{key}`")),
                "docs/configuration.md does not document {key}"
            );
            let env = format!("ROOST_{}", key.replace('.', "_").to_uppercase());
            assert!(
                doc.contains(&env),
                "docs/configuration.md does not name {env}"
            );
        }
    }
}
