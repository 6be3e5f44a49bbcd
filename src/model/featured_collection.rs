//! Collections (Mastodon 4.6): named lists of accounts a user recommends,
//! and their items. <https://docs.joinmastodon.org/entities/Collection/>

use chrono::{DateTime, Utc};

use super::row::db_row;

/// The most characters in a collection's name, and in its description.
pub const MAX_NAME: usize = 40;
pub const MAX_DESCRIPTION: usize = 100;
/// The most accounts (pending or accepted) one collection features.
pub const MAX_ITEMS: i64 = 25;
/// The most collections one account curates (Mastodon's default role limit).
pub const MAX_PER_ACCOUNT: i64 = 10;

db_row! {
    /// A collection of accounts its curator recommends.
    #[derive(Debug, Clone, PartialEq)]
    pub struct FeaturedCollection {
        pub id: i64,
        /// The curator.
        pub account_id: i64,
        pub name: String,
        /// Plain text, as typed.
        pub description: String,
        pub language: Option<String>,
        pub sensitive: bool,
        /// Listed on the curator's profile (others may still open it by id).
        pub discoverable: bool,
        /// One hashtag describing it, lower-cased, without `#`.
        pub tag_name: Option<String>,
        pub created_at: DateTime<Utc>,
        pub updated_at: DateTime<Utc>,
    }
}

db_row! {
    /// One account in a collection.
    #[derive(Debug, Clone, PartialEq)]
    pub struct CollectionItem {
        pub id: i64,
        pub collection_id: i64,
        pub account_id: i64,
        /// `pending`, `accepted`, `rejected` or `revoked`.
        pub state: String,
        /// Its place in the collection (added last, last).
        pub position: i64,
        pub created_at: DateTime<Utc>,
    }
}

/// Item states as Mastodon names them.
pub mod state {
    pub const PENDING: &str = "pending";
    pub const ACCEPTED: &str = "accepted";
    pub const REVOKED: &str = "revoked";
}

/// Whether a curator may feature a local account: it must be discoverable,
/// and a locked account only by its followers (Mastodon 4.6's rule; blocks
/// are checked apart).
pub fn featureable(discoverable: bool, locked: bool, curator_follows: bool) -> bool {
    discoverable && (!locked || curator_follows)
}

#[cfg(test)]
mod tests {
    use super::featureable;

    #[test]
    fn discoverable_accounts_are_featureable_and_locked_ones_by_followers() {
        assert!(featureable(true, false, false));
        assert!(!featureable(false, false, true));
        assert!(!featureable(true, true, false));
        assert!(featureable(true, true, true));
    }
}
