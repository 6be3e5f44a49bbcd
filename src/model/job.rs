//! A row of the persistent job queue.

use chrono::Utc;
use serde_json::Value;

use super::row::db_row;

db_row! {
    /// A queued piece of work.
    #[derive(Debug, Clone)]
    pub struct Job {
        pub id: i64,
        pub queue: String,
        pub kind: String,
        pub payload: super::Json<Value>,
        pub run_at: chrono::DateTime<Utc>,
        pub attempts: i64,
        pub max_attempts: i64,
        pub locked_until: Option<chrono::DateTime<Utc>>,
        pub last_error: Option<String>,
        pub failed_at: Option<chrono::DateTime<Utc>>,
        pub created_at: chrono::DateTime<Utc>,
    }
}
