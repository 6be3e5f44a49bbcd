//! Accounts (local and remote actors) and users (the login behind a local account).

use chrono::{DateTime, Utc};

use super::row::db_row;
use serde::{Deserialize, Serialize};
use sqlx::types::Json;

/// A profile metadata field (Mastodon's `fields`, ActivityPub's PropertyValue).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    /// Plain text for local accounts; sanitized HTML for remote ones.
    pub value: String,
    #[serde(default)]
    pub verified_at: Option<DateTime<Utc>>,
}

/// A custom emoji an account's profile names, kept with the account.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AccountEmoji {
    pub shortcode: String,
    pub url: String,
    /// This server's emoji's id (for its `Emoji` tag), none for others'.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub content_type: String,
}

db_row! {
/// An actor: a local account (domain `None`) or a remote one.
    #[derive(Debug, Clone, PartialEq)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub domain: Option<String>,
    pub display_name: String,
    /// HTML shown to clients.
    pub note: String,
    /// What a local user typed (the `source.note` of the API).
    pub note_source: String,
    pub fields: Json<Vec<Field>>,
    pub locked: bool,
    pub bot: bool,
    pub group_actor: bool,
    pub discoverable: bool,
    pub indexable: bool,
    pub hide_collections: bool,
    pub uri: String,
    pub url: Option<String>,
    pub inbox_url: Option<String>,
    pub shared_inbox_url: Option<String>,
    pub outbox_url: Option<String>,
    pub followers_url: Option<String>,
    pub following_url: Option<String>,
    pub featured_url: Option<String>,
    pub public_key_pem: String,
    pub private_key_pem: Option<String>,
    pub avatar_remote_url: Option<String>,
    pub header_remote_url: Option<String>,
    /// A local account's avatar and header files (storage keys).
    pub avatar_key: Option<String>,
    pub header_key: Option<String>,
    pub statuses_count: i64,
    pub followers_count: i64,
    pub following_count: i64,
    pub last_status_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub fetched_at: Option<DateTime<Utc>>,
    pub suspended_at: Option<DateTime<Utc>>,
    pub silenced_at: Option<DateTime<Utc>>,
    /// Set by moderators: the media of its posts are shown as sensitive.
    pub sensitized_at: Option<DateTime<Utc>>,
    /// A local account its owner or an admin deleted (it stays suspended).
    pub deleted_at: Option<DateTime<Utc>>,
    pub moved_to_account_id: Option<i64>,
    /// A remote actor's keyId as published (local keys are `uri#main-key`).
    pub public_key_id: Option<String>,
    /// `Person`, `Service`, `Group`, `Application`…
    pub actor_type: String,
    /// Other identities of the actor (`alsoKnownAs`, for Move).
    pub also_known_as: Json<Vec<String>>,
    /// The custom emoji its name, note and fields name.
    pub emojis: Json<Vec<AccountEmoji>>,
}
}

impl Account {
    pub fn is_local(&self) -> bool {
        self.domain.is_none()
    }

    /// `username` for local accounts, `username@domain` for remote ones.
    pub fn acct(&self) -> String {
        match &self.domain {
            None => self.username.clone(),
            Some(domain) => format!("{}@{domain}", self.username),
        }
    }
}

/// What a local user may do beyond their own account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Moderator,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Moderator => "moderator",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "user" => Some(Role::User),
            "moderator" => Some(Role::Moderator),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

db_row! {
/// The login and settings behind a local account.
    #[derive(Debug, Clone)]
pub struct User {
    pub account_id: i64,
    pub email: String,
    pub password_hash: String,
    pub role: String,
    pub locale: String,
    pub approved: bool,
    pub disabled: bool,
    pub registration_reason: Option<String>,
    pub default_visibility: String,
    pub default_sensitive: bool,
    pub default_language: Option<String>,
    /// Who may quote new posts by default: `public`, `followers` or `nobody`.
    pub default_quote_policy: String,
    pub created_at: DateTime<Utc>,
    pub last_sign_in_at: Option<DateTime<Utc>>,
    /// When the e-mail address was confirmed; None while a sign-up waits
    /// for its confirmation link.
    pub confirmed_at: Option<DateTime<Utc>>,
    pub confirmation_token_hash: Option<String>,
    /// The TOTP secret (base 32): offered while `otp_enabled_at` is None,
    /// asked for at sign-in once set.
    pub otp_secret: Option<String>,
    pub otp_enabled_at: Option<DateTime<Utc>>,
    /// The time step of the last code accepted; older and equal steps are refused.
    pub otp_last_step: Option<i64>,
    /// A new address waiting for its confirmation link.
    pub unconfirmed_email: Option<String>,
    /// Whether analytics are recorded for the account (`/insights`).
    pub insights: bool,
}
}

impl User {
    /// Whether sign-in asks for a second factor.
    pub fn two_factor(&self) -> bool {
        self.otp_enabled_at.is_some()
    }

    pub fn role(&self) -> Role {
        Role::parse(&self.role).unwrap_or(Role::User)
    }
}
