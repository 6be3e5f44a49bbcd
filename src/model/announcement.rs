//! Announcements admins post for everyone on the server.

use chrono::{DateTime, Utc};

use super::row::db_row;

db_row! {
    /// An announcement. <https://docs.joinmastodon.org/entities/Announcement/>
    #[derive(Debug, Clone)]
    pub struct Announcement {
        pub id: i64,
        /// What the admin wrote.
        pub text: String,
        /// It as HTML.
        pub content: String,
        pub starts_at: Option<DateTime<Utc>>,
        pub ends_at: Option<DateTime<Utc>>,
        pub all_day: bool,
        pub published_at: DateTime<Utc>,
        pub created_at: DateTime<Utc>,
        pub updated_at: DateTime<Utc>,
    }
}

impl Announcement {
    /// Whether it shows at `now` (its start passed, its end not yet).
    pub fn active_at(&self, now: DateTime<Utc>) -> bool {
        self.starts_at.is_none_or(|s| s <= now) && self.ends_at.is_none_or(|e| e >= now)
    }
}
