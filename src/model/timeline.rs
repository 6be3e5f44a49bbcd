//! What a timeline request asks for: the page and the filters, as the
//! services and the store share them.

/// Pagination as Mastodon clients send it.
/// <https://docs.joinmastodon.org/api/guidelines/#pagination>
#[derive(Debug, Clone, Copy, Default)]
pub struct Page {
    pub max_id: Option<i64>,
    pub since_id: Option<i64>,
    pub min_id: Option<i64>,
    pub limit: i64,
}

/// Which public statuses a public timeline shows.
#[derive(Debug, Default, Clone, Copy)]
pub struct PublicFilter {
    pub local: bool,
    pub remote: bool,
    pub only_media: bool,
}

/// A hashtag timeline: posts with any of `any`, all of `all`, none of
/// `none` (names as typed; compared lower-cased).
#[derive(Debug, Default, Clone)]
pub struct TagFilter {
    pub any: Vec<String>,
    pub all: Vec<String>,
    pub none: Vec<String>,
    pub local: bool,
}

/// Which of an account's statuses `GET /api/v1/accounts/:id/statuses` shows.
#[derive(Debug, Default, Clone)]
pub struct AccountFilter {
    pub exclude_replies: bool,
    pub exclude_reblogs: bool,
    pub only_media: bool,
    pub pinned: bool,
    pub tagged: Option<String>,
}

/// Which replies a list's timeline shows (Mastodon's `replies_policy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RepliesPolicy {
    /// Replies to any followed account.
    Followed,
    /// Replies to members of the list.
    List,
    /// No replies.
    None,
}

impl RepliesPolicy {
    pub fn parse(s: &str) -> RepliesPolicy {
        match s {
            "none" => RepliesPolicy::None,
            "list" => RepliesPolicy::List,
            _ => RepliesPolicy::Followed,
        }
    }
}
