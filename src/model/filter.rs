//! What users filter out for themselves: filters with their keywords and
//! posts, and blocked domains.
//! <https://docs.joinmastodon.org/entities/Filter/>

use chrono::{DateTime, Utc};

use super::Json;
use super::row::db_row;

db_row! {
    /// A filter: where it applies and what it does.
    #[derive(Debug, Clone)]
    pub struct Filter {
        pub id: i64,
        pub account_id: i64,
        pub title: String,
        /// `home`, `notifications`, `public`, `thread`, `account`.
        pub context: Json<Vec<String>>,
        /// `warn`, `hide` or `blur`.
        pub action: String,
        pub expires_at: Option<DateTime<Utc>>,
        pub created_at: DateTime<Utc>,
    }
}

db_row! {
    #[derive(Debug, Clone)]
    pub struct FilterKeyword {
        pub id: i64,
        pub filter_id: i64,
        pub keyword: String,
        pub whole_word: bool,
    }
}

db_row! {
    #[derive(Debug, Clone)]
    pub struct FilterStatus {
        pub id: i64,
        pub filter_id: i64,
        pub status_id: i64,
    }
}

/// A filter with its keywords and posts, as it is applied.
#[derive(Debug, Clone)]
pub struct FullFilter {
    pub filter: Filter,
    pub keywords: Vec<FilterKeyword>,
    pub statuses: Vec<FilterStatus>,
}

/// Where statuses are shown, as filters name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterContext {
    Home,
    Notifications,
    Public,
    Thread,
    Account,
}

impl FilterContext {
    pub const ALL: [&'static str; 5] = ["home", "notifications", "public", "thread", "account"];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Home => "home",
            Self::Notifications => "notifications",
            Self::Public => "public",
            Self::Thread => "thread",
            Self::Account => "account",
        }
    }
}

db_row! {
    /// A domain a user blocked.
    #[derive(Debug, Clone)]
    pub struct AccountDomainBlock {
        pub id: i64,
        pub account_id: i64,
        pub domain: String,
        pub created_at: DateTime<Utc>,
    }
}
