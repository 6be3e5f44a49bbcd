//! OAuth 2 applications, authorization codes, access tokens and web sessions.

use chrono::{DateTime, Utc};

use super::row::db_row;

use super::Scopes;

db_row! {
/// A registered client application.
    #[derive(Debug, Clone)]
pub struct App {
    pub id: i64,
    pub name: String,
    pub website: Option<String>,
    /// Newline-separated registered redirect URIs.
    pub redirect_uris: String,
    /// Space-separated scopes the app may ask for.
    pub scopes: String,
    pub client_id: String,
    pub client_secret_hash: String,
    pub created_at: DateTime<Utc>,
}
}

impl App {
    pub fn redirect_uri_list(&self) -> Vec<&str> {
        self.redirect_uris
            .split('\n')
            .filter(|s| !s.is_empty())
            .collect()
    }

    pub fn allows_redirect(&self, uri: &str) -> bool {
        self.redirect_uri_list().contains(&uri)
    }

    pub fn scope_set(&self) -> Scopes {
        Scopes::parse_lenient(&self.scopes)
    }
}

db_row! {
/// A single-use authorization code, stored by hash.
    #[derive(Debug, Clone)]
pub struct AuthCode {
    pub code_hash: String,
    pub app_id: i64,
    pub account_id: i64,
    pub redirect_uri: String,
    pub scopes: String,
    pub code_challenge: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}
}

db_row! {
/// An access token, stored by hash.
    #[derive(Debug, Clone)]
pub struct Token {
    pub id: i64,
    pub token_hash: String,
    pub refresh_hash: Option<String>,
    pub app_id: i64,
    /// `None` for an app-only (client credentials) token.
    pub account_id: Option<i64>,
    pub scopes: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}
}

db_row! {
/// A signed-in browser.
    #[derive(Debug, Clone)]
pub struct Session {
    pub id_hash: String,
    pub account_id: i64,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
}
}
