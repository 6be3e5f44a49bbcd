//! What moderation keeps: domain blocks and remote posts held for review.

use chrono::{DateTime, Utc};

use super::Json;
use super::row::db_row;

db_row! {
    /// An instance-level block of a remote server.
    #[derive(Debug, Clone)]
    pub struct DomainBlock {
        pub id: i64,
        pub domain: String,
        /// `suspend`, `silence` or `noop`.
        pub severity: String,
        pub reject_media: bool,
        pub reject_reports: bool,
        pub private_comment: Option<String>,
        pub public_comment: Option<String>,
        pub created_at: DateTime<Utc>,
    }
}

db_row! {
    /// A remote post waiting in the moderation queue.
    #[derive(Debug, Clone)]
    pub struct HeldStatus {
        pub id: i64,
        pub account_id: i64,
        pub uri: String,
        pub object: Json<serde_json::Value>,
        pub received_at: DateTime<Utc>,
    }
}
