//! Web Push subscriptions.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sqlx::types::Json;

use super::row::db_row;

db_row! {
/// A Web Push subscription: where to send an access token's notifications
/// and which of them.
/// <https://docs.joinmastodon.org/entities/WebPushSubscription/>
#[derive(Debug, Clone, PartialEq)]
pub struct PushSubscription {
    pub id: i64,
    pub token_id: i64,
    pub account_id: i64,
    pub endpoint: String,
    /// The client's P-256 public key (URL-safe base64).
    pub key_p256dh: String,
    /// The client's authentication secret (URL-safe base64).
    pub key_auth: String,
    /// RFC 8291 `aes128gcm` when true, the draft `aesgcm` otherwise.
    pub standard: bool,
    /// Notification type → wanted.
    pub alerts: Json<BTreeMap<String, bool>>,
    /// `all`, `followed`, `follower` or `none`.
    pub policy: String,
    /// The subscribing token's text, sent back in the payload as Mastodon does.
    pub access_token: String,
    pub created_at: DateTime<Utc>,
}
}
