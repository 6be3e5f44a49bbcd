//! Lists: accounts whose posts make a timeline of their own.

use chrono::{DateTime, Utc};

use super::row::db_row;

db_row! {
    /// A list of accounts whose posts make a timeline.
    #[derive(Debug, Clone)]
    pub struct List {
        pub id: i64,
        pub account_id: i64,
        pub title: String,
        pub replies_policy: String,
        pub exclusive: bool,
        pub created_at: DateTime<Utc>,
    }
}
