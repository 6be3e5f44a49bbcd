//! OAuth apps, authorization codes, tokens and web sessions. Secrets are stored
//! as SHA-256 hashes only.

use chrono::{DateTime, Utc};

use super::{Store, on_pool};
use crate::error::Result;
use crate::model::{Account, App, AuthCode, Session, Token};

impl Store {
    pub async fn put_app(&self, app: &App) -> Result<()> {
        on_pool!(self, pool => sqlx::query(
            "INSERT INTO apps (id, name, website, redirect_uris, scopes, client_id, client_secret_hash, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(app.id)
            .bind(&app.name)
            .bind(&app.website)
            .bind(&app.redirect_uris)
            .bind(&app.scopes)
            .bind(&app.client_id)
            .bind(&app.client_secret_hash)
            .bind(app.created_at)
            .execute(pool)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    pub async fn get_app(&self, id: i64) -> Result<Option<App>> {
        let ticket = self.cache.apps.ticket();
        if let Some(a) = self.cache.apps.get(&id) {
            return Ok(Some(a));
        }
        let row: Option<App> = on_pool!(self, pool => sqlx::query_as("SELECT * FROM apps WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await)?;
        if let Some(a) = &row {
            self.cache.apps.put(ticket, id, a.clone());
        }
        Ok(row)
    }

    pub async fn get_app_by_client_id(&self, client_id: &str) -> Result<Option<App>> {
        let row = on_pool!(self, pool => sqlx::query_as("SELECT * FROM apps WHERE client_id = $1")
            .bind(client_id)
            .fetch_optional(pool)
            .await)?;
        Ok(row)
    }

    pub async fn put_auth_code(&self, code: &AuthCode) -> Result<()> {
        on_pool!(self, pool => sqlx::query(
            "INSERT INTO oauth_codes (code_hash, app_id, account_id, redirect_uri, scopes, code_challenge, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(&code.code_hash)
            .bind(code.app_id)
            .bind(code.account_id)
            .bind(&code.redirect_uri)
            .bind(&code.scopes)
            .bind(&code.code_challenge)
            .bind(code.created_at)
            .bind(code.expires_at)
            .execute(pool)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// Removes and returns the code: whoever takes it first is the only one who
    /// gets it, so a code can be exchanged once.
    pub async fn take_auth_code(&self, code_hash: &str) -> Result<Option<AuthCode>> {
        let row = on_pool!(self, pool => sqlx::query_as("DELETE FROM oauth_codes WHERE code_hash = $1 RETURNING *")
            .bind(code_hash)
            .fetch_optional(pool)
            .await)?;
        Ok(row)
    }

    /// Deletes codes that expired before `now` (housekeeping).
    pub async fn delete_expired_auth_codes(&self, now: DateTime<Utc>) -> Result<u64> {
        let done = on_pool!(self, pool => sqlx::query("DELETE FROM oauth_codes WHERE expires_at < $1")
            .bind(now)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(done)
    }

    pub async fn put_token(&self, token: &Token) -> Result<()> {
        on_pool!(self, pool => sqlx::query(
            "INSERT INTO tokens (id, token_hash, refresh_hash, app_id, account_id, scopes, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(token.id)
            .bind(&token.token_hash)
            .bind(&token.refresh_hash)
            .bind(token.app_id)
            .bind(token.account_id)
            .bind(&token.scopes)
            .bind(token.created_at)
            .execute(pool)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    pub async fn get_token_by_hash(&self, token_hash: &str) -> Result<Option<Token>> {
        let ticket = self.cache.tokens.ticket();
        if let Some(t) = self.cache.tokens.get(&token_hash.to_string()) {
            return Ok(Some(t));
        }
        let row: Option<Token> = on_pool!(self, pool => sqlx::query_as("SELECT * FROM tokens WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(pool)
            .await)?;
        if let Some(t) = &row {
            self.cache
                .tokens
                .put(ticket, token_hash.to_string(), t.clone());
        }
        Ok(row)
    }

    pub async fn get_token_by_refresh_hash(&self, refresh_hash: &str) -> Result<Option<Token>> {
        let row = on_pool!(self, pool => sqlx::query_as("SELECT * FROM tokens WHERE refresh_hash = $1")
            .bind(refresh_hash)
            .fetch_optional(pool)
            .await)?;
        Ok(row)
    }

    /// Revokes a live token; returns whether this call revoked it (so a refresh
    /// token can be spent once even when two requests race).
    pub async fn revoke_token(&self, id: i64, now: DateTime<Utc>) -> Result<bool> {
        let n = on_pool!(self, pool => sqlx::query("UPDATE tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
            .bind(id)
            .bind(now)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        // Revocations are rare; forgetting every token is simpler than
        // indexing the cache by token id.
        self.cache.invalidate(crate::cache::Invalidation::AllTokens);
        Ok(n == 1)
    }

    pub async fn put_session(&self, s: &Session) -> Result<()> {
        on_pool!(self, pool => sqlx::query(
            "INSERT INTO sessions (id_hash, account_id, csrf_token, created_at, expires_at, user_agent, ip)
             VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(&s.id_hash)
            .bind(s.account_id)
            .bind(&s.csrf_token)
            .bind(s.created_at)
            .bind(s.expires_at)
            .bind(&s.user_agent)
            .bind(&s.ip)
            .execute(pool)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// The session and its account, if the session has not expired.
    pub async fn get_session(
        &self,
        id_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(Session, Account)>> {
        let session: Option<Session> = on_pool!(self, pool => sqlx::query_as(
            "SELECT * FROM sessions WHERE id_hash = $1 AND expires_at > $2")
            .bind(id_hash)
            .bind(now)
            .fetch_optional(pool)
            .await)?;
        let Some(session) = session else {
            return Ok(None);
        };
        Ok(self
            .get_account(session.account_id)
            .await?
            .map(|a| (session, a)))
    }

    /// Deletes sessions that expired before `now` (housekeeping).
    pub async fn delete_expired_sessions(&self, now: DateTime<Utc>) -> Result<u64> {
        let done = on_pool!(self, pool => sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
            .bind(now)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(done)
    }

    pub async fn delete_session(&self, id_hash: &str) -> Result<()> {
        on_pool!(self, pool => sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(pool)
            .await
            .map(|_| ()))?;
        Ok(())
    }
}
