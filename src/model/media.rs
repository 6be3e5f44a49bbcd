//! Media attachments: uploaded files and remote files, with what processing
//! learned about them.

use chrono::{DateTime, Utc};
use sqlx::types::Json;

use super::row::db_row;

/// Mastodon's attachment types.
/// <https://docs.joinmastodon.org/entities/MediaAttachment/#type>
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaKind {
    Image,
    Gifv,
    Video,
    Audio,
    Unknown,
}

impl MediaKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Image => "image",
            MediaKind::Gifv => "gifv",
            MediaKind::Video => "video",
            MediaKind::Audio => "audio",
            MediaKind::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> MediaKind {
        match s {
            "image" => MediaKind::Image,
            "gifv" => MediaKind::Gifv,
            "video" => MediaKind::Video,
            "audio" => MediaKind::Audio,
            _ => MediaKind::Unknown,
        }
    }
}

/// Where an attachment is in its life.
pub mod state {
    /// Processed; its files are in storage.
    pub const READY: &str = "ready";
    /// A video or audio file waiting for (or in) its transcoding job.
    pub const PROCESSING: &str = "processing";
    /// Processing gave up; the attachment cannot be posted.
    pub const FAILED: &str = "failed";
    /// A remote file, referenced by URL (and cached when `file_key` is set).
    pub const REMOTE: &str = "remote";
}

db_row! {
    /// One attachment. Local uploads belong to their uploader until a post
    /// takes them; remote ones come with their post.
    #[derive(Debug, Clone)]
    pub struct MediaAttachment {
        pub id: i64,
        pub account_id: i64,
        pub status_id: Option<i64>,
        pub kind: String,
        pub state: String,
        pub file_key: Option<String>,
        pub content_type: Option<String>,
        pub file_size: i64,
        pub thumbnail_key: Option<String>,
        pub thumbnail_size: i64,
        pub custom_thumbnail: bool,
        pub source_key: Option<String>,
        /// Mastodon's `meta` object (original/small sizes, focus, duration…).
        pub meta: Json<serde_json::Value>,
        pub description: Option<String>,
        pub focus_x: Option<f64>,
        pub focus_y: Option<f64>,
        pub blurhash: Option<String>,
        pub remote_url: Option<String>,
        pub created_at: DateTime<Utc>,
        pub updated_at: DateTime<Utc>,
        pub cached_at: Option<DateTime<Utc>>,
        pub last_viewed_at: Option<DateTime<Utc>>,
    }
}

impl MediaAttachment {
    /// A new attachment of `account_id` with nothing processed yet.
    pub fn new(id: i64, account_id: i64, kind: MediaKind, state: &str) -> MediaAttachment {
        let now = Utc::now();
        MediaAttachment {
            id,
            account_id,
            status_id: None,
            kind: kind.as_str().to_string(),
            state: state.to_string(),
            file_key: None,
            content_type: None,
            file_size: 0,
            thumbnail_key: None,
            thumbnail_size: 0,
            custom_thumbnail: false,
            source_key: None,
            meta: Json(serde_json::json!({})),
            description: None,
            focus_x: None,
            focus_y: None,
            blurhash: None,
            remote_url: None,
            created_at: now,
            updated_at: now,
            cached_at: None,
            last_viewed_at: None,
        }
    }

    pub fn kind(&self) -> MediaKind {
        MediaKind::parse(&self.kind)
    }

    pub fn is_processing(&self) -> bool {
        self.state == state::PROCESSING
    }
}
