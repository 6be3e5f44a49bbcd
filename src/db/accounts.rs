//! Accounts and users.

use chrono::{DateTime, Utc};
use sqlx::types::Json;

use super::{BeginWrite, Store, on_pool};
use crate::cache::Invalidation;
use crate::error::Result;
use crate::model::{Account, Field, User};

/// A new local account with its user, written in one transaction.
pub struct NewLocalAccount<'a> {
    pub id: i64,
    pub username: &'a str,
    pub uri: &'a str,
    pub url: &'a str,
    pub inbox_url: &'a str,
    pub shared_inbox_url: &'a str,
    pub outbox_url: &'a str,
    pub followers_url: &'a str,
    pub following_url: &'a str,
    pub featured_url: &'a str,
    pub public_key_pem: &'a str,
    pub private_key_pem: Option<&'a str>,
    pub email: &'a str,
    pub password_hash: &'a str,
    pub role: &'a str,
    pub locale: &'a str,
    pub approved: bool,
    /// False when the address must still be confirmed by mail.
    pub confirmed: bool,
    pub registration_reason: Option<&'a str>,
    /// The app the sign-up came through (None from the command line).
    pub app_id: Option<i64>,
    pub now: DateTime<Utc>,
}

/// The profile fields `update_credentials` may change.
pub struct ProfileUpdate {
    pub display_name: String,
    pub note: String,
    pub note_source: String,
    pub fields: Vec<Field>,
    pub locked: bool,
    pub bot: bool,
    pub discoverable: bool,
    pub indexable: bool,
    pub hide_collections: bool,
    pub default_visibility: String,
    pub default_sensitive: bool,
    pub default_language: Option<String>,
    pub default_quote_policy: String,
    /// The custom emoji the name, note and fields name.
    pub emojis: Vec<crate::model::AccountEmoji>,
}

impl Store {
    pub async fn get_account(&self, id: i64) -> Result<Option<Account>> {
        let ticket = self.cache.accounts.ticket();
        if let Some(a) = self.cache.accounts.get(&id) {
            return Ok(Some(a));
        }
        let row: Option<Account> = on_pool!(self, pool => sqlx::query_as("SELECT * FROM accounts WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await)?;
        if let Some(a) = &row {
            self.cache.accounts.put(ticket, id, a.clone());
        }
        Ok(row)
    }

    /// A local account by username, case-insensitively.
    pub async fn get_local_account_by_username(&self, username: &str) -> Result<Option<Account>> {
        let row = on_pool!(self, pool => sqlx::query_as(
            "SELECT * FROM accounts WHERE lower(username) = lower($1) AND domain IS NULL")
            .bind(username)
            .fetch_optional(pool)
            .await)?;
        Ok(row)
    }

    /// A remote account by `username` and `domain`, case-insensitively.
    pub async fn get_remote_account_by_username(
        &self,
        username: &str,
        domain: &str,
    ) -> Result<Option<Account>> {
        let row = on_pool!(self, pool => sqlx::query_as(
            "SELECT * FROM accounts WHERE lower(username) = lower($1) AND lower(domain) = lower($2) AND domain IS NOT NULL")
            .bind(username)
            .bind(domain)
            .fetch_optional(pool)
            .await)?;
        Ok(row)
    }

    pub async fn get_user(&self, account_id: i64) -> Result<Option<User>> {
        let ticket = self.cache.users.ticket();
        if let Some(u) = self.cache.users.get(&account_id) {
            return Ok(Some(u));
        }
        let row: Option<User> = on_pool!(self, pool => sqlx::query_as("SELECT * FROM users WHERE account_id = $1")
            .bind(account_id)
            .fetch_optional(pool)
            .await)?;
        if let Some(u) = &row {
            self.cache.users.put(ticket, account_id, u.clone());
        }
        Ok(row)
    }

    /// `email` must be lower-cased by the caller (Rust folds Unicode the same
    /// way on both backends; SQLite's `lower()` folds only ASCII).
    pub async fn get_user_by_email(&self, email: &str) -> Result<Option<User>> {
        let row = on_pool!(self, pool => sqlx::query_as("SELECT * FROM users WHERE lower(email) = $1")
            .bind(email)
            .fetch_optional(pool)
            .await)?;
        Ok(row)
    }

    /// Inserts the account and its user atomically.
    pub async fn put_local_account(
        &self,
        a: &NewLocalAccount<'_>,
    ) -> std::result::Result<(), sqlx::Error> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "INSERT INTO accounts (id, username, domain, uri, url, inbox_url, shared_inbox_url, outbox_url,
                    followers_url, following_url, featured_url, public_key_pem, private_key_pem, created_at, updated_at)
                 VALUES ($1, $2, NULL, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)")
                .bind(a.id)
                .bind(a.username)
                .bind(a.uri)
                .bind(a.url)
                .bind(a.inbox_url)
                .bind(a.shared_inbox_url)
                .bind(a.outbox_url)
                .bind(a.followers_url)
                .bind(a.following_url)
                .bind(a.featured_url)
                .bind(a.public_key_pem)
                .bind(a.private_key_pem)
                .bind(a.now)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO users (account_id, email, password_hash, role, locale, approved, registration_reason, created_at, confirmed_at, created_by_app_id)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
                .bind(a.id)
                .bind(a.email)
                .bind(a.password_hash)
                .bind(a.role)
                .bind(a.locale)
                .bind(a.approved)
                .bind(a.registration_reason)
                .bind(a.now)
                .bind(a.confirmed.then_some(a.now))
                .bind(a.app_id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await
        })
    }

    /// Writes a local account's profile and posting defaults.
    pub async fn update_profile(
        &self,
        account_id: i64,
        p: &ProfileUpdate,
        now: DateTime<Utc>,
    ) -> Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "UPDATE accounts SET display_name = $2, note = $3, note_source = $4, fields = $5, locked = $6,
                    bot = $7, discoverable = $8, indexable = $9, hide_collections = $10, updated_at = $11,
                    emojis = $12
                 WHERE id = $1")
                .bind(account_id)
                .bind(&p.display_name)
                .bind(&p.note)
                .bind(&p.note_source)
                .bind(Json(&p.fields))
                .bind(p.locked)
                .bind(p.bot)
                .bind(p.discoverable)
                .bind(p.indexable)
                .bind(p.hide_collections)
                .bind(now)
                .bind(Json(&p.emojis))
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "UPDATE users SET default_visibility = $2, default_sensitive = $3, default_language = $4,
                    default_quote_policy = $5
                 WHERE account_id = $1")
                .bind(account_id)
                .bind(&p.default_visibility)
                .bind(p.default_sensitive)
                .bind(&p.default_language)
                .bind(&p.default_quote_policy)
                .execute(&mut *tx)
                .await?;
            tx.commit().await
        })?;
        self.cache.invalidate(Invalidation::Account(account_id));
        self.cache.invalidate(Invalidation::User(account_id));
        Ok(())
    }

    /// Stores a local account's first key pair unless one is already there
    /// (another request or node made it first); true when this one was kept.
    pub async fn put_account_keys(
        &self,
        account_id: i64,
        public_key_pem: &str,
        private_key_pem: &str,
    ) -> Result<bool> {
        let done = on_pool!(self, pool => sqlx::query(
            "UPDATE accounts SET public_key_pem = $2, private_key_pem = $3
             WHERE id = $1 AND domain IS NULL AND public_key_pem = ''")
            .bind(account_id)
            .bind(public_key_pem)
            .bind(private_key_pem)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        self.cache.invalidate(Invalidation::Account(account_id));
        Ok(done == 1)
    }

    /// Replaces a password hash (after a bcrypt → argon2id upgrade) and records the sign-in.
    pub async fn record_sign_in(
        &self,
        account_id: i64,
        new_hash: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        on_pool!(self, pool => sqlx::query(
            "UPDATE users SET password_hash = COALESCE($2, password_hash), last_sign_in_at = $3 WHERE account_id = $1")
            .bind(account_id)
            .bind(new_hash)
            .bind(now)
            .execute(pool)
            .await
            .map(|_| ()))?;
        self.cache.invalidate(Invalidation::User(account_id));
        Ok(())
    }

    /// Number of local users (instance statistics).
    pub async fn count_local_users(&self) -> Result<i64> {
        let n: i64 = on_pool!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(pool)
            .await)?;
        Ok(n)
    }

    /// Local users who signed in since `since` (monthly active users).
    pub async fn count_active_users(&self, since: DateTime<Utc>) -> Result<i64> {
        let n: i64 = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM users WHERE last_sign_in_at >= $1")
            .bind(since)
            .fetch_one(pool)
            .await)?;
        Ok(n)
    }

    /// Local posts (instance statistics).
    pub async fn count_local_posts(&self) -> Result<i64> {
        self.count_local_statuses().await
    }

    /// Known remote domains (instance statistics).
    pub async fn count_known_domains(&self) -> Result<i64> {
        let n: i64 = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT COUNT(DISTINCT domain) FROM accounts WHERE domain IS NOT NULL")
            .fetch_one(pool)
            .await)?;
        Ok(n)
    }
}

impl Store {
    /// Accounts by id, in no particular order; missing ids are skipped.
    pub async fn get_accounts(&self, ids: &[i64]) -> Result<Vec<Account>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let ticket = self.cache.accounts.ticket();
        let (found, missing) = self.cache.accounts.get_many(ids);
        let mut found: Vec<Account> = found.into_iter().map(|(_, a)| a).collect();
        if missing.is_empty() {
            return Ok(found);
        }
        let mut sql = super::params::Sql::new("SELECT * FROM accounts WHERE id IN ");
        sql.bind_list(&missing);
        let rows: Vec<Account> = on_pool!(self, pool => super::params::bind_params!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text.clone())), &sql.params)
            .fetch_all(pool).await)?;
        for a in rows {
            self.cache.accounts.put(ticket, a.id, a.clone());
            found.push(a);
        }
        Ok(found)
    }

    /// Local accounts whose username or display name starts with `q`
    /// (case-insensitive), discoverable ones first.
    pub async fn search_local_accounts(
        &self,
        q: &str,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<Account>> {
        let pattern = format!(
            "{}%",
            q.to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        let rows = on_pool!(self, pool => sqlx::query_as(
            "SELECT * FROM accounts WHERE domain IS NULL AND suspended_at IS NULL
               AND (lower(username) LIKE $1 ESCAPE '\\' OR lower(display_name) LIKE $1 ESCAPE '\\')
             ORDER BY discoverable DESC, followers_count DESC, id LIMIT $2 OFFSET $3")
            .bind(pattern).bind(limit).bind(offset).fetch_all(pool).await)?;
        Ok(rows)
    }
}
