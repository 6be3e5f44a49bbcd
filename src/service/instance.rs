//! What the instance tells about itself: its numbers for
//! `/api/v1/instance`, `/api/v2/instance` and NodeInfo, the servers it
//! knows, and whether its database answers.

use chrono::{Duration, Utc};

use crate::app::AppState;
use crate::error::Result;

/// The instance's usage numbers.
#[derive(Debug, Clone, Copy, Default)]
pub struct Stats {
    pub users: i64,
    pub active_month: i64,
    pub active_half_year: i64,
    /// Local posts (statuses, boosts excluded).
    pub local_posts: i64,
    /// Local statuses, boosts included (Mastodon's `status_count`).
    pub local_statuses: i64,
    pub domains: i64,
}

pub async fn stats(app: &AppState) -> Result<Stats> {
    let now = Utc::now();
    Ok(Stats {
        users: app.store.count_local_users().await?,
        active_month: app
            .store
            .count_active_users(now - Duration::days(30))
            .await?,
        active_half_year: app
            .store
            .count_active_users(now - Duration::days(180))
            .await?,
        local_posts: app.store.count_local_posts().await?,
        local_statuses: app.store.count_local_statuses().await?,
        domains: app.store.count_known_domains().await?,
    })
}

/// Local accounts active in the last 30 days.
pub async fn active_month(app: &AppState) -> Result<i64> {
    app.store
        .count_active_users(Utc::now() - Duration::days(30))
        .await
}

/// The domains roost has met, minus suspended ones.
pub async fn peers(app: &AppState) -> Result<Vec<String>> {
    app.store.peers().await
}

/// Whether the database answers (`/health`).
pub async fn health(app: &AppState) -> Result<()> {
    app.store.ping().await
}
