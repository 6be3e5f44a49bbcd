//! The shared state every request and job sees.

use std::sync::Arc;

use crate::config::Config;
use crate::db::Store;
use crate::error::Result;
use crate::http::metrics::Metrics;
use crate::http::ratelimit::RateLimiter;

/// Everything long-lived: configuration, database, limits, metrics.
pub struct AppState {
    pub config: Config,
    pub store: Store,
    pub limiter: RateLimiter,
    pub metrics: Metrics,
    /// `scheme://domain` of this instance.
    pub base_url: String,
    /// Wakes a local job worker when a job is queued.
    pub jobs_wakeup: tokio::sync::Notify,
}

impl AppState {
    /// Connects to the database and applies migrations.
    pub async fn open(config: Config) -> Result<Arc<Self>> {
        let store = Store::connect(&config.database_url(), config.pool_size()).await?;
        store.migrate().await?;
        Ok(Self::with_store(config, store))
    }

    pub fn with_store(config: Config, store: Store) -> Arc<Self> {
        let base_url = config.base_url();
        Arc::new(Self {
            config,
            store,
            limiter: RateLimiter::default(),
            metrics: Metrics::new(),
            base_url,
            jobs_wakeup: tokio::sync::Notify::new(),
        })
    }

    /// The absolute URL of a local path such as `/users/alice`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }
}
