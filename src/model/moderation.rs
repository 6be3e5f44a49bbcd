//! What moderation keeps: domain blocks, remote posts held for review,
//! reports as staff handle them, warnings, the audit log, and the queries
//! of the admin lists.

use chrono::{DateTime, Utc};

use super::Json;
use super::row::db_row;

db_row! {
    /// An instance-level block of a remote server.
    #[derive(Debug, Clone)]
    pub struct DomainBlock {
        pub id: i64,
        pub domain: String,
        /// `suspend`, `silence` or `noop`.
        pub severity: String,
        pub reject_media: bool,
        pub reject_reports: bool,
        pub private_comment: Option<String>,
        pub public_comment: Option<String>,
        pub created_at: DateTime<Utc>,
    }
}

db_row! {
    /// A remote post waiting in the moderation queue.
    #[derive(Debug, Clone)]
    pub struct HeldStatus {
        pub id: i64,
        pub account_id: i64,
        pub uri: String,
        pub object: Json<serde_json::Value>,
        pub received_at: DateTime<Utc>,
    }
}

db_row! {
    /// A report, as staff handle it.
    #[derive(Debug, Clone)]
    pub struct Report {
        pub id: i64,
        pub uri: Option<String>,
        /// The reporter (a remote server's instance actor for a Flag).
        pub account_id: i64,
        pub target_account_id: i64,
        pub status_ids: Json<Vec<i64>>,
        pub rule_ids: Json<Vec<i64>>,
        pub comment: String,
        /// `spam`, `legal`, `violation` or `other`.
        pub category: String,
        pub forwarded: bool,
        pub created_at: DateTime<Utc>,
        pub updated_at: Option<DateTime<Utc>>,
        pub action_taken_at: Option<DateTime<Utc>>,
        pub action_taken_by_account_id: Option<i64>,
        pub assigned_account_id: Option<i64>,
    }
}

db_row! {
    /// A moderation action as told to the account it was taken against.
    #[derive(Debug, Clone)]
    pub struct AccountWarning {
        pub id: i64,
        /// The moderator.
        pub account_id: i64,
        pub target_account_id: i64,
        /// `none`, `sensitive`, `disable`, `silence` or `suspend`.
        pub action: String,
        pub text: String,
        pub report_id: Option<i64>,
        pub created_at: DateTime<Utc>,
    }
}

db_row! {
    /// One line of the audit log: who did what to whom, when, and why.
    #[derive(Debug, Clone)]
    pub struct ActionLog {
        pub id: i64,
        /// The staff member.
        pub account_id: i64,
        pub action: String,
        /// `Account`, `Report`, `DomainBlock`, `Status` …
        pub target_type: String,
        pub target_id: Option<i64>,
        /// The target in words (`@name@domain`, `#id`, a domain).
        pub target_name: String,
        pub text: String,
        pub created_at: DateTime<Utc>,
    }
}

/// What an admin list of accounts asks for (Mastodon's filters).
#[derive(Debug, Clone, Default)]
pub struct AccountQuery {
    /// `Some(true)` local only, `Some(false)` remote only.
    pub local: Option<bool>,
    pub by_domain: Option<String>,
    pub status: Option<AccountStatus>,
    /// Moderators and admins only.
    pub staff: bool,
    pub username: Option<String>,
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub ip: Option<String>,
}

/// An account's standing, as the admin filters name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountStatus {
    Active,
    Pending,
    Disabled,
    Silenced,
    Suspended,
    Sensitized,
}

impl AccountStatus {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "active" => Self::Active,
            "pending" => Self::Pending,
            "disabled" => Self::Disabled,
            "silenced" => Self::Silenced,
            "suspended" => Self::Suspended,
            "sensitized" => Self::Sensitized,
            _ => return None,
        })
    }
}

/// What an admin list of reports asks for.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReportQuery {
    /// Resolved reports instead of open ones.
    pub resolved: bool,
    pub account_id: Option<i64>,
    pub target_account_id: Option<i64>,
}

/// A mark on an account that moderators set and lift.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    Suspended,
    Silenced,
    Sensitized,
}

impl Standing {
    /// The accounts column holding when it was set.
    pub fn column(self) -> &'static str {
        match self {
            Standing::Suspended => "suspended_at",
            Standing::Silenced => "silenced_at",
            Standing::Sensitized => "sensitized_at",
        }
    }
}

db_row! {
    /// One of the server's rules.
    /// <https://docs.joinmastodon.org/entities/Rule/>
    #[derive(Debug, Clone)]
    pub struct Rule {
        pub id: i64,
        pub text: String,
        pub hint: String,
        pub position: i64,
        pub created_at: DateTime<Utc>,
        pub deleted_at: Option<DateTime<Utc>>,
    }
}

db_row! {
    /// An e-mail domain sign-ups may not use (subdomains included).
    #[derive(Debug, Clone)]
    pub struct EmailDomainBlock {
        pub id: i64,
        pub domain: String,
        pub created_at: DateTime<Utc>,
    }
}

db_row! {
    /// A canonical e-mail address (its SHA-256) that may not sign up again.
    #[derive(Debug, Clone)]
    pub struct CanonicalEmailBlock {
        pub id: i64,
        pub canonical_email_hash: String,
        pub created_at: DateTime<Utc>,
    }
}

db_row! {
    /// An IP range and what it stops: `sign_up_requires_approval`,
    /// `sign_up_block` or `no_access`.
    #[derive(Debug, Clone)]
    pub struct IpBlock {
        pub id: i64,
        pub ip: String,
        pub severity: String,
        pub comment: String,
        pub created_at: DateTime<Utc>,
        pub expires_at: Option<DateTime<Utc>>,
    }
}

db_row! {
    /// A server allowed to federate in allowlist mode.
    #[derive(Debug, Clone)]
    pub struct DomainAllow {
        pub id: i64,
        pub domain: String,
        pub created_at: DateTime<Utc>,
    }
}
