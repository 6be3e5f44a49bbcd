//! Account security: two-factor secrets, recovery codes and the second
//! sign-in step; the settings that end other credentials (password and
//! e-mail changes, authorized apps, browser sessions).

use chrono::{DateTime, Utc};

use super::{BeginWrite, Store, on_pool};
use crate::cache::Invalidation;
use crate::error::Result;
use crate::model::Session;

crate::model::row::db_row! {
/// An app holding live tokens of an account (the authorized-apps page).
    #[derive(Debug, Clone)]
pub struct AuthorizedApp {
    pub app_id: i64,
    pub name: String,
    pub website: Option<String>,
    /// The scopes of its newest live token.
    pub scopes: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}
}

impl Store {
    /// Offers `secret` for two-factor sign-in (not yet enabled).
    pub async fn set_otp_secret(&self, account_id: i64, secret: &str) -> Result<()> {
        on_pool!(self, pool => sqlx::query(
            "UPDATE users SET otp_secret = $2 WHERE account_id = $1 AND otp_enabled_at IS NULL")
            .bind(account_id)
            .bind(secret)
            .execute(pool)
            .await
            .map(|_| ()))?;
        self.cache.invalidate(Invalidation::User(account_id));
        Ok(())
    }

    /// Turns two-factor sign-in on with the offered secret, spending the
    /// code's `step`, and stores the recovery codes' digests (replacing any).
    /// False when it was already on.
    pub async fn enable_otp(
        &self,
        account_id: i64,
        step: i64,
        recovery_hashes: &[String],
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let done = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query(
                "UPDATE users SET otp_enabled_at = $2, otp_last_step = $3
                 WHERE account_id = $1 AND otp_enabled_at IS NULL AND otp_secret IS NOT NULL")
                .bind(account_id).bind(now).bind(step).execute(&mut *tx).await?.rows_affected();
            if n == 1 {
                sqlx::query("DELETE FROM recovery_codes WHERE account_id = $1")
                    .bind(account_id).execute(&mut *tx).await?;
                for hash in recovery_hashes {
                    sqlx::query("INSERT INTO recovery_codes (account_id, code_hash) VALUES ($1, $2)")
                        .bind(account_id).bind(hash).execute(&mut *tx).await?;
                }
            }
            tx.commit().await.map(|()| n == 1)
        })?;
        self.cache.invalidate(Invalidation::User(account_id));
        Ok(done)
    }

    /// Replaces the account's recovery codes.
    pub async fn replace_recovery_codes(&self, account_id: i64, hashes: &[String]) -> Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM recovery_codes WHERE account_id = $1")
                .bind(account_id).execute(&mut *tx).await?;
            for hash in hashes {
                sqlx::query("INSERT INTO recovery_codes (account_id, code_hash) VALUES ($1, $2)")
                    .bind(account_id).bind(hash).execute(&mut *tx).await?;
            }
            tx.commit().await
        })?;
        Ok(())
    }

    /// Turns two-factor sign-in off: secret, recovery codes and pending
    /// second steps gone.
    pub async fn disable_otp(&self, account_id: i64) -> Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "UPDATE users SET otp_secret = NULL, otp_enabled_at = NULL, otp_last_step = NULL
                 WHERE account_id = $1")
                .bind(account_id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM recovery_codes WHERE account_id = $1")
                .bind(account_id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM sign_in_challenges WHERE account_id = $1")
                .bind(account_id).execute(&mut *tx).await?;
            tx.commit().await
        })?;
        self.cache.invalidate(Invalidation::User(account_id));
        Ok(())
    }

    /// Spends a code's time step: true when `step` is newer than the last
    /// accepted one (two requests with one code: only one wins).
    pub async fn spend_otp_step(&self, account_id: i64, step: i64) -> Result<bool> {
        let n = on_pool!(self, pool => sqlx::query(
            "UPDATE users SET otp_last_step = $2
             WHERE account_id = $1 AND otp_enabled_at IS NOT NULL
               AND (otp_last_step IS NULL OR otp_last_step < $2)")
            .bind(account_id)
            .bind(step)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        self.cache.invalidate(Invalidation::User(account_id));
        Ok(n == 1)
    }

    /// Spends a recovery code; true when it was there.
    pub async fn spend_recovery_code(&self, account_id: i64, code_hash: &str) -> Result<bool> {
        let n = on_pool!(self, pool => sqlx::query(
            "DELETE FROM recovery_codes WHERE account_id = $1 AND code_hash = $2")
            .bind(account_id)
            .bind(code_hash)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// How many recovery codes are left.
    pub async fn count_recovery_codes(&self, account_id: i64) -> Result<i64> {
        let n = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM recovery_codes WHERE account_id = $1")
            .bind(account_id)
            .fetch_one(pool)
            .await)?;
        Ok(n)
    }

    /// Opens a second sign-in step for `account_id`.
    pub async fn put_sign_in_challenge(
        &self,
        token_hash: &str,
        account_id: i64,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        on_pool!(self, pool => sqlx::query(
            "INSERT INTO sign_in_challenges (token_hash, account_id, expires_at) VALUES ($1, $2, $3)")
            .bind(token_hash)
            .bind(account_id)
            .bind(expires_at)
            .execute(pool)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// Counts an attempt at a live second step, in one statement (parallel
    /// requests cannot pass the cap together); the account it is for, or
    /// None when unknown, expired, or out of its `max_attempts`.
    pub async fn attempt_sign_in_challenge(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
        max_attempts: i64,
    ) -> Result<Option<i64>> {
        let id = on_pool!(self, pool => sqlx::query_scalar(
            "UPDATE sign_in_challenges SET failures = failures + 1
             WHERE token_hash = $1 AND expires_at > $2 AND failures < $3
             RETURNING account_id")
            .bind(token_hash)
            .bind(now)
            .bind(max_attempts)
            .fetch_optional(pool)
            .await)?;
        Ok(id)
    }

    /// Ends a second step (passed, or given up); true when it was there,
    /// so one step opens one session.
    pub async fn delete_sign_in_challenge(&self, token_hash: &str) -> Result<bool> {
        let n = on_pool!(self, pool => sqlx::query(
            "DELETE FROM sign_in_challenges WHERE token_hash = $1")
            .bind(token_hash)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Drops second steps that expired before `now` (housekeeping).
    pub async fn delete_expired_sign_in_challenges(&self, now: DateTime<Utc>) -> Result<u64> {
        let n = on_pool!(self, pool => sqlx::query(
            "DELETE FROM sign_in_challenges WHERE expires_at < $1")
            .bind(now)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(n)
    }

    /// Sets a new password hash, revokes every token of the account and ends
    /// its browser sessions except `keep_session` (the one making the change).
    pub async fn change_password(
        &self,
        account_id: i64,
        password_hash: &str,
        keep_session: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE users SET password_hash = $2 WHERE account_id = $1")
                .bind(account_id).bind(password_hash).execute(&mut *tx).await?;
            sqlx::query("UPDATE tokens SET revoked_at = $2 WHERE account_id = $1 AND revoked_at IS NULL")
                .bind(account_id).bind(now).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM sessions WHERE account_id = $1 AND id_hash <> $2")
                .bind(account_id).bind(keep_session).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM password_resets WHERE account_id = $1")
                .bind(account_id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM sign_in_challenges WHERE account_id = $1")
                .bind(account_id).execute(&mut *tx).await?;
            tx.commit().await
        })?;
        self.cache.invalidate(Invalidation::User(account_id));
        self.cache.invalidate(Invalidation::AllTokens);
        Ok(())
    }

    /// Changes the address at once (no mail configured to confirm it).
    pub async fn set_email(&self, account_id: i64, email: &str) -> Result<()> {
        on_pool!(self, pool => sqlx::query(
            "UPDATE users SET email = $2, unconfirmed_email = NULL, confirmation_token_hash = NULL
             WHERE account_id = $1")
            .bind(account_id)
            .bind(email)
            .execute(pool)
            .await
            .map(|_| ()))?;
        self.cache.invalidate(Invalidation::User(account_id));
        Ok(())
    }

    /// Records a new address that waits for its confirmation link (the old
    /// one stays in use until then).
    pub async fn set_email_change(&self, account_id: i64, email: &str) -> Result<()> {
        // Links mailed for an earlier request die with it.
        on_pool!(self, pool => sqlx::query(
            "UPDATE users SET unconfirmed_email = $2, confirmation_token_hash = NULL WHERE account_id = $1")
            .bind(account_id)
            .bind(email)
            .execute(pool)
            .await
            .map(|_| ()))?;
        self.cache.invalidate(Invalidation::User(account_id));
        Ok(())
    }

    /// The account's live browser sessions, newest first.
    pub async fn list_sessions(&self, account_id: i64, now: DateTime<Utc>) -> Result<Vec<Session>> {
        let rows = on_pool!(self, pool => sqlx::query_as(
            "SELECT * FROM sessions WHERE account_id = $1 AND expires_at > $2
             ORDER BY created_at DESC LIMIT 200")
            .bind(account_id)
            .bind(now)
            .fetch_all(pool)
            .await)?;
        Ok(rows)
    }

    /// Ends one of the account's sessions; false when it is not theirs.
    pub async fn delete_account_session(&self, account_id: i64, id_hash: &str) -> Result<bool> {
        let n = on_pool!(self, pool => sqlx::query(
            "DELETE FROM sessions WHERE account_id = $1 AND id_hash = $2")
            .bind(account_id)
            .bind(id_hash)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// The apps holding live tokens of the account, most recently
    /// authorized first.
    pub async fn list_authorized_apps(&self, account_id: i64) -> Result<Vec<AuthorizedApp>> {
        let rows = on_pool!(self, pool => sqlx::query_as(
            "SELECT t.app_id, a.name, a.website, t.scopes, t.created_at, t.last_used_at
             FROM tokens t JOIN apps a ON a.id = t.app_id
             WHERE t.account_id = $1 AND t.revoked_at IS NULL
               AND t.id = (SELECT MAX(t2.id) FROM tokens t2
                           WHERE t2.account_id = $1 AND t2.app_id = t.app_id AND t2.revoked_at IS NULL)
             ORDER BY t.id DESC LIMIT 200")
            .bind(account_id)
            .fetch_all(pool)
            .await)?;
        Ok(rows)
    }

    /// Revokes every live token the account gave `app_id`; false when there was none.
    pub async fn revoke_app_tokens(
        &self,
        account_id: i64,
        app_id: i64,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let n = on_pool!(self, pool => sqlx::query(
            "UPDATE tokens SET revoked_at = $3 WHERE account_id = $1 AND app_id = $2 AND revoked_at IS NULL")
            .bind(account_id)
            .bind(app_id)
            .bind(now)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        self.cache.invalidate(Invalidation::AllTokens);
        Ok(n > 0)
    }
}
