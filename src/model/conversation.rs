//! A participant's view of a direct-message conversation, and the reading
//! positions (markers) clients keep per timeline.

use chrono::{DateTime, Utc};

use super::row::db_row;

db_row! {
    /// One account's entry for a conversation.
    #[derive(Debug, Clone)]
    pub struct AccountConversation {
        pub id: i64,
        pub conversation_id: i64,
        pub last_status_id: i64,
        pub unread: bool,
    }
}

db_row! {
    /// Where an account stopped reading a timeline (`home`, `notifications`).
    #[derive(Debug, Clone)]
    pub struct Marker {
        pub timeline: String,
        pub last_read_id: i64,
        pub version: i64,
        pub updated_at: DateTime<Utc>,
    }
}
