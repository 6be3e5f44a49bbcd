//! The rules, one module per domain. Handlers and jobs call these; these call
//! the store. Nothing here knows about HTTP.

pub mod accounts;
pub mod analytics;
pub mod announcements;
pub mod archive;
pub mod bookmarks;
pub mod cards;
pub mod confirmations;
pub mod conversations;
pub mod discovery;
pub mod domain_blocks;
pub mod emojis;
pub mod endorsements;
pub mod exports;
pub mod featured_collections;
pub mod filters;
pub mod imports;
pub mod instance;
pub mod lists;
pub mod markers;
pub mod measures;
pub mod media;
pub mod moderation;
pub mod moves;
pub mod notification_requests;
pub mod notifications;
pub mod oauth;
pub mod passwords;
pub mod polls;
pub mod public;
pub mod push;
pub mod quotes;
pub mod reads;
pub mod relationships;
pub mod rendering;
pub mod reports;
pub mod scheduled;
pub mod search;
pub mod statuses;
pub mod tags;
pub mod timelines;
pub mod trends;
pub mod two_factor;
pub mod visibility;

/// Runs CPU-heavy work (hashing, key generation) off the async workers.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> crate::error::Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(crate::error::Error::internal)
}
