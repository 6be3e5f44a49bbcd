//! Statuses (posts and boosts) and who may see them.

use chrono::{DateTime, Utc};

use super::row::db_row;

/// Who a status is for. <https://docs.joinmastodon.org/entities/Status/#visibility>
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Visibility {
    Public,
    Unlisted,
    Private,
    Direct,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Unlisted => "unlisted",
            Visibility::Private => "private",
            Visibility::Direct => "direct",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "public" => Some(Visibility::Public),
            "unlisted" => Some(Visibility::Unlisted),
            "private" => Some(Visibility::Private),
            "direct" => Some(Visibility::Direct),
            _ => None,
        }
    }
}

db_row! {
    /// A post, or a boost (`reblog_of_id` set, no text of its own).
    #[derive(Debug, Clone, PartialEq)]
    pub struct Status {
        pub id: i64,
        pub account_id: i64,
        pub uri: String,
        pub url: Option<String>,
        pub local: bool,
        pub in_reply_to_id: Option<i64>,
        pub in_reply_to_account_id: Option<i64>,
        pub reblog_of_id: Option<i64>,
        pub conversation_id: Option<i64>,
        pub visibility: String,
        pub text: String,
        pub content: String,
        pub spoiler_text: String,
        pub sensitive: bool,
        pub language: Option<String>,
        pub application_id: Option<i64>,
        pub poll_id: Option<i64>,
        pub replies_count: i64,
        pub reblogs_count: i64,
        pub favourites_count: i64,
        pub created_at: DateTime<Utc>,
        pub edited_at: Option<DateTime<Utc>>,
        /// A remote post's attachments as its server described them (the
        /// media issue caches the files themselves).
        pub remote_attachments: Option<sqlx::types::Json<Vec<RemoteMedia>>>,
        /// Ids of the post's attachments in the author's order; None without media.
        pub media_ids: Option<sqlx::types::Json<Vec<i64>>>,
        /// Who may quote it, as a [`QuotePolicy`] bitmap.
        pub quote_policy: i64,
        /// Accepted quotes of it.
        pub quotes_count: i64,
    }
}

/// An attachment of a remote post, referenced by URL.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RemoteMedia {
    /// Mastodon's attachment type: `image`, `gifv`, `video`, `audio` or `unknown`.
    pub kind: String,
    pub url: String,
    pub description: Option<String>,
    pub blurhash: Option<String>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub focus: Option<[f64; 2]>,
}

impl Status {
    /// A boost of status `original_id` by `account_id`, whose own id is
    /// `id` and whose ActivityPub id (the Announce's) is `uri`.
    pub fn boost(
        id: i64,
        account_id: i64,
        uri: String,
        local: bool,
        original_id: i64,
        visibility: Visibility,
    ) -> Status {
        Status {
            id,
            account_id,
            uri,
            url: None,
            local,
            in_reply_to_id: None,
            in_reply_to_account_id: None,
            reblog_of_id: Some(original_id),
            conversation_id: None,
            visibility: visibility.as_str().to_string(),
            text: String::new(),
            content: String::new(),
            spoiler_text: String::new(),
            sensitive: false,
            language: None,
            application_id: None,
            poll_id: None,
            replies_count: 0,
            reblogs_count: 0,
            favourites_count: 0,
            created_at: Utc::now(),
            edited_at: None,
            remote_attachments: None,
            media_ids: None,
            quote_policy: 0,
            quotes_count: 0,
        }
    }

    pub fn visibility(&self) -> Visibility {
        Visibility::parse(&self.visibility).unwrap_or(Visibility::Direct)
    }
}

db_row! {
    /// One earlier version of an edited status.
    #[derive(Debug, Clone)]
    pub struct StatusEdit {
        pub id: i64,
        pub status_id: i64,
        pub text: String,
        pub content: String,
        pub spoiler_text: String,
        pub sensitive: bool,
        pub created_at: DateTime<Utc>,
    }
}

db_row! {
    /// A follow, or a pending follow request (same shape).
    #[derive(Debug, Clone)]
    pub struct Follow {
        pub id: i64,
        pub account_id: i64,
        pub target_account_id: i64,
        pub show_reblogs: bool,
        pub notify: bool,
        pub uri: Option<String>,
        pub created_at: DateTime<Utc>,
    }
}

db_row! {
    /// Something that happened to an account.
    #[derive(Debug, Clone)]
    pub struct Notification {
        pub id: i64,
        pub account_id: i64,
        pub r#type: String,
        pub from_account_id: i64,
        pub status_id: Option<i64>,
        pub created_at: DateTime<Utc>,
        /// Shared by notifications that group together (favourites and
        /// boosts of one post, follows, within 12 hours); `None` for the
        /// others, each its own group.
        pub group_key: Option<String>,
        /// Held back by the recipient's notification policy: shown as a
        /// request from its sender, not in the list.
        pub filtered: bool,
        /// The report an `admin.report` notification is about.
        pub report_id: Option<i64>,
        /// The collection an `added_to_collection` or `collection_update`
        /// notification is about.
        pub collection_id: Option<i64>,
    }
}

db_row! {
    /// What a user's notification policy does with each kind of sender:
    /// `accept`, `filter` or `drop`.
    /// <https://docs.joinmastodon.org/entities/NotificationPolicy/>
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct NotificationPolicy {
        pub account_id: i64,
        pub for_not_following: String,
        pub for_not_followers: String,
        pub for_new_accounts: String,
        pub for_private_mentions: String,
        pub for_limited_accounts: String,
    }
}

impl NotificationPolicy {
    /// Mastodon's defaults: private mentions from strangers and accounts
    /// limited by moderators wait as requests; everything else is accepted.
    pub fn default_for(account_id: i64) -> Self {
        NotificationPolicy {
            account_id,
            for_not_following: "accept".into(),
            for_not_followers: "accept".into(),
            for_new_accounts: "accept".into(),
            for_private_mentions: "filter".into(),
            for_limited_accounts: "filter".into(),
        }
    }
}

db_row! {
    /// A poll attached to a status.
    #[derive(Debug, Clone)]
    pub struct Poll {
        pub id: i64,
        pub status_id: i64,
        pub options: sqlx::types::Json<Vec<String>>,
        pub multiple: bool,
        pub hide_totals: bool,
        pub expires_at: Option<DateTime<Utc>>,
        pub votes_count: i64,
        pub voters_count: i64,
        pub created_at: DateTime<Utc>,
        /// A remote poll's option counts, as its server reports them.
        pub remote_tallies: Option<sqlx::types::Json<Vec<i64>>>,
    }
}

impl Poll {
    pub fn expired(&self, now: DateTime<Utc>) -> bool {
        self.expires_at.is_some_and(|t| t <= now)
    }
}

db_row! {
    /// A status waiting for its `scheduled_at`.
    #[derive(Debug, Clone)]
    pub struct ScheduledStatus {
        pub id: i64,
        pub account_id: i64,
        pub scheduled_at: DateTime<Utc>,
        pub params: super::Json<serde_json::Value>,
        pub created_at: DateTime<Utc>,
    }
}

/// Statuses by id keep the order of `ids`.
pub fn in_order(ids: &[i64], mut rows: Vec<Status>) -> Vec<Status> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(pos) = rows.iter().position(|s| s.id == *id) {
            out.push(rows.swap_remove(pos));
        }
    }
    out
}

/// A sender's held-back notifications, as one notification request.
#[derive(Debug, Clone)]
pub struct RequestRow {
    pub from_account_id: i64,
    pub count: i64,
    /// The newest of them (the request's place in the list).
    pub newest_id: i64,
    pub oldest_id: i64,
    pub last_status_id: Option<i64>,
}
