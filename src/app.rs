//! The shared state every request and job sees.

use std::sync::Arc;

use crate::config::Config;
use crate::db::Store;
use crate::error::Result;
use crate::federation::Federation;
use crate::metrics::Metrics;
use crate::ratelimit::RateLimiter;

/// Everything long-lived: configuration, database, limits, metrics.
pub struct AppState {
    pub config: Config,
    pub store: Store,
    pub limiter: RateLimiter,
    /// Who wrote lately, for reads from replicas (`service::reads`).
    pub writers: crate::service::reads::Writers,
    pub metrics: Metrics,
    /// `scheme://domain` of this instance.
    pub base_url: String,
    /// Wakes a local job worker when a job is queued.
    pub jobs_wakeup: tokio::sync::Notify,
    /// Wakes a local delivery worker when a delivery is queued.
    pub deliver_wakeup: tokio::sync::Notify,
    /// Wakes a local media worker when media work is queued.
    pub media_wakeup: tokio::sync::Notify,
    /// Wakes the search indexer when a post is queued for its index entry.
    pub search_wakeup: tokio::sync::Notify,
    /// Analytics counted in memory, written every few seconds.
    pub analytics: crate::service::analytics::Recorder,
    /// The public weekly activity figures, reused for a few minutes.
    pub activity_cache: crate::service::measures::ActivityCache,
    /// The guarded HTTP client and the keys federation signs with.
    pub federation: Federation,
    /// Media storage, the video tools and the image work limit.
    pub media: crate::media::Media,
    /// Outgoing e-mail (none unless `mail.smtp_url` is set).
    pub mail: crate::mail::Mailer,
    /// Events for live sockets and other nodes' caches.
    pub bus: crate::bus::Bus,
    /// The instance's Web Push (VAPID) key.
    pub vapid: crate::push::Vapid,
    /// The streaming API's sockets on this node.
    pub streaming: crate::http::mastodon::streaming::hub::Hub,
    /// This process among the cluster's nodes (its listen address and
    /// process id), as the database records who ran a periodic task.
    pub node: String,
}

impl AppState {
    /// Connects to the database and applies migrations.
    pub async fn open(config: Config) -> Result<Arc<Self>> {
        let mut store = Store::connect(&config.database_url(), config.pool_size()).await?;
        store.migrate().await?;
        store
            .attach_replicas(
                &config.database.replica_urls,
                config.pool_size(),
                std::time::Duration::from_secs(config.database.replica_max_lag_secs),
            )
            .await?;
        Self::with_store(config, store).await
    }

    /// Builds the state on a migrated store: the guarded client, the
    /// instance's settings and VAPID key (its actor key waits for first use).
    pub async fn with_store(config: Config, store: Store) -> Result<Arc<Self>> {
        let base_url = config.base_url();
        let policy = crate::net::Policy {
            allow_http: config.federation.allow_http,
            allow_private: config.federation.allow_private_addresses,
        };
        let agent = format!("roost/{} (+{base_url}/)", env!("CARGO_PKG_VERSION"));
        let http = crate::net::Client::new(policy, &agent)
            .map_err(|e| crate::error::Error::internal(format!("HTTP client: {e}")))?;
        // "new_domains" reviews servers first met after review was turned on.
        let review_since = match config.moderation.review_remote.as_str() {
            "new_domains" => {
                let now = chrono::Utc::now().to_rfc3339();
                let since = store.put_setting_once("review_remote_since", &now).await?;
                chrono::DateTime::parse_from_rfc3339(&since)
                    .ok()
                    .map(|t| t.with_timezone(&chrono::Utc))
            }
            _ => None,
        };
        let federation = Federation::new(http, review_since);
        let media = crate::media::Media::open(&config).await?;
        let mail = crate::mail::Mailer::new(&config)?;
        let vapid = vapid_key(&store).await?;
        let bus = crate::bus::Bus::start(&store);
        let node = format!("{} pid {}", config.server.listen, std::process::id());
        let limiter = RateLimiter::default();
        limiter.share_through(store.clone());
        let app = Arc::new(Self {
            config,
            store,
            limiter,
            writers: Default::default(),
            metrics: Metrics::new(),
            base_url,
            jobs_wakeup: tokio::sync::Notify::new(),
            deliver_wakeup: tokio::sync::Notify::new(),
            media_wakeup: tokio::sync::Notify::new(),
            search_wakeup: tokio::sync::Notify::new(),
            analytics: Default::default(),
            activity_cache: Default::default(),
            federation,
            media,
            mail,
            bus,
            vapid,
            streaming: Default::default(),
            node,
        });
        crate::http::mastodon::streaming::dispatch::start(&app);
        Ok(app)
    }

    /// The in-process caches (rows and rendered JSON).
    pub fn caches(&self) -> &crate::cache::Caches {
        &self.store.cache
    }

    /// The instance actor's key pair, loaded on first use (made then on a
    /// new instance: a server that never federates never pays for it).
    pub async fn instance_key(&self) -> Result<&crate::federation::InstanceKey> {
        self.federation
            .instance
            .get_or_try_init(|| async {
                let (private_pem, public_pem) = instance_keys(&self.store).await?;
                crate::federation::InstanceKey::from_pems(&private_pem, public_pem)
            })
            .await
    }

    /// The absolute URL of a local path such as `/users/alice`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }
}

/// The instance actor's key pair, created on first use. Several nodes
/// making one at once agree on the first one stored.
async fn instance_keys(store: &Store) -> Result<(String, String)> {
    let stored = match store.get_setting("actor_key_pair").await? {
        Some(pair) => pair,
        None => {
            let keys = tokio::task::spawn_blocking(crate::auth::keys::generate)
                .await
                .map_err(crate::error::Error::internal)??;
            let pair = serde_json::json!([keys.private_pem, keys.public_pem]).to_string();
            store.put_setting_once("actor_key_pair", &pair).await?
        }
    };
    serde_json::from_str(&stored).map_err(crate::error::Error::internal)
}

/// The instance's VAPID key, made on first start (several nodes starting at
/// once agree on the first stored).
async fn vapid_key(store: &Store) -> Result<crate::push::Vapid> {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    let stored = match store.get_setting("vapid_key").await? {
        Some(key) => key,
        None => {
            let der = crate::push::Vapid::generate()?;
            store
                .put_setting_once("vapid_key", &STANDARD.encode(der))
                .await?
        }
    };
    let der = STANDARD
        .decode(stored)
        .map_err(|_| crate::error::Error::internal("the stored VAPID key is not base64"))?;
    crate::push::Vapid::from_pkcs8(&der)
}
