//! "Your data": archives of an account's posts and imports of Mastodon's
//! CSV files (docs/your-data.md).

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::Json;
use super::row::db_row;

/// Where an archive or an import is in its life.
pub mod state {
    /// An archive waiting for (or in) its job.
    pub const PENDING: &str = "pending";
    /// An archive whose zip is ready to download.
    pub const DONE: &str = "done";
    /// An archive whose job gave up.
    pub const FAILED: &str = "failed";
    /// An import whose overwrite (removing what the file does not list)
    /// has not run yet.
    pub const SCHEDULED: &str = "scheduled";
    /// An import whose rows are being applied.
    pub const IN_PROGRESS: &str = "in_progress";
    /// An import with every row applied or failed.
    pub const FINISHED: &str = "finished";
}

db_row! {
    /// An archive of an account's posts and media as an ActivityPub
    /// outbox, built into a zip by a job.
    #[derive(Debug, Clone)]
    pub struct Archive {
        pub id: i64,
        pub account_id: i64,
        pub state: String,
        /// The zip in media storage, once done.
        pub storage_key: Option<String>,
        pub size: i64,
        pub created_at: DateTime<Utc>,
        pub finished_at: Option<DateTime<Utc>>,
    }
}

db_row! {
    /// An uploaded CSV file whose rows a job applies.
    #[derive(Debug, Clone)]
    pub struct Import {
        pub id: i64,
        pub account_id: i64,
        /// [`ImportKind::as_str`].
        pub kind: String,
        /// Whether what the file does not list is removed first.
        pub overwrite: bool,
        pub state: String,
        pub file_name: String,
        pub total_rows: i64,
        pub processed_rows: i64,
        pub imported_rows: i64,
        pub created_at: DateTime<Utc>,
        pub finished_at: Option<DateTime<Utc>>,
    }
}

db_row! {
    /// One row of an import: waiting (`done` false) or failed.
    #[derive(Debug, Clone)]
    pub struct ImportRow {
        pub import_id: i64,
        pub position: i64,
        /// What the row names (`service::imports::RowData`).
        pub data: Json<Value>,
        pub done: bool,
        pub failure: Option<String>,
    }
}

/// What a CSV file lists, with Mastodon's names for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportKind {
    Following,
    Blocks,
    Mutes,
    DomainBlocks,
    Bookmarks,
    Lists,
}

impl ImportKind {
    pub const ALL: [ImportKind; 6] = [
        ImportKind::Following,
        ImportKind::Blocks,
        ImportKind::Mutes,
        ImportKind::DomainBlocks,
        ImportKind::Bookmarks,
        ImportKind::Lists,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ImportKind::Following => "following",
            ImportKind::Blocks => "blocks",
            ImportKind::Mutes => "mutes",
            ImportKind::DomainBlocks => "domain_blocks",
            ImportKind::Bookmarks => "bookmarks",
            ImportKind::Lists => "lists",
        }
    }

    pub fn parse(s: &str) -> Option<ImportKind> {
        ImportKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// How the import page names it.
    pub fn label(self) -> &'static str {
        match self {
            ImportKind::Following => "Following list",
            ImportKind::Blocks => "Blocking list",
            ImportKind::Mutes => "Muting list",
            ImportKind::DomainBlocks => "Domain blocking list",
            ImportKind::Bookmarks => "Bookmarks",
            ImportKind::Lists => "Lists",
        }
    }
}

impl Import {
    pub fn kind(&self) -> Option<ImportKind> {
        ImportKind::parse(&self.kind)
    }

    pub fn is_finished(&self) -> bool {
        self.state == state::FINISHED
    }
}
