//! Link preview cards: what a post's first link shows, read from the linked
//! page. <https://docs.joinmastodon.org/entities/PreviewCard/>

use chrono::{DateTime, Utc};

use super::row::db_row;

db_row! {
    /// One linked page's preview, shared by every post linking it.
    #[derive(Debug, Clone, PartialEq)]
    pub struct PreviewCard {
        pub id: i64,
        /// The link as posts carry it (the key cards are found by).
        pub url: String,
        pub title: String,
        pub description: String,
        /// `link`, `photo`, `video` or `rich` (Mastodon's `type`).
        pub kind: String,
        pub author_name: String,
        pub author_url: String,
        pub provider_name: String,
        pub provider_url: String,
        /// An oEmbed player: one `<iframe>` roost wrote itself, or empty.
        pub html: String,
        pub width: i64,
        pub height: i64,
        /// The stored copy of the page's image.
        pub image_key: Option<String>,
        pub image_width: i64,
        pub image_height: i64,
        pub image_description: String,
        pub embed_url: String,
        pub blurhash: Option<String>,
        pub language: Option<String>,
        pub published_at: Option<DateTime<Utc>>,
        pub fetched_at: DateTime<Utc>,
    }
}

/// How long a fetched card is reused before a new post linking the page
/// fetches it again (Mastodon keeps them two weeks).
pub const CARD_FRESH_DAYS: i64 = 14;
