//! What e-mail links lead to: password resets (the digests of mailed reset
//! tokens, and the reset itself: new hash, every token and session of the
//! account gone) and address confirmations.

use chrono::{DateTime, Utc};

use super::{BeginWrite, Store, on_pool};
use crate::cache::Invalidation;
use crate::error::Result;

impl Store {
    /// Records a reset token's digest for `account_id`, valid until `expires_at`.
    pub async fn put_password_reset(
        &self,
        token_hash: &str,
        account_id: i64,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        on_pool!(self, pool => sqlx::query(
            "INSERT INTO password_resets (token_hash, account_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(token_hash)
            .bind(account_id)
            .bind(now)
            .bind(expires_at)
            .execute(pool)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// The account a live reset token is for.
    pub async fn password_reset_account(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>> {
        let id = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT account_id FROM password_resets WHERE token_hash = $1 AND expires_at > $2")
            .bind(token_hash)
            .bind(now)
            .fetch_optional(pool)
            .await)?;
        Ok(id)
    }

    /// Spends a live reset token: sets the new password hash, revokes every
    /// token of the account, ends its sessions and drops its other reset
    /// tokens, in one transaction. Returns the account, or None when the
    /// token is unknown, spent or expired.
    pub async fn reset_password(
        &self,
        token_hash: &str,
        password_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>> {
        let account = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let account: Option<i64> = sqlx::query_scalar(
                "DELETE FROM password_resets WHERE token_hash = $1 AND expires_at > $2 RETURNING account_id")
                .bind(token_hash).bind(now).fetch_optional(&mut *tx).await?;
            if let Some(id) = account {
                sqlx::query("UPDATE users SET password_hash = $2 WHERE account_id = $1")
                    .bind(id).bind(password_hash).execute(&mut *tx).await?;
                sqlx::query("UPDATE tokens SET revoked_at = $2 WHERE account_id = $1 AND revoked_at IS NULL")
                    .bind(id).bind(now).execute(&mut *tx).await?;
                sqlx::query("DELETE FROM sessions WHERE account_id = $1")
                    .bind(id).execute(&mut *tx).await?;
                sqlx::query("DELETE FROM password_resets WHERE account_id = $1")
                    .bind(id).execute(&mut *tx).await?;
            }
            tx.commit().await.map(|()| account)
        })?;
        if let Some(id) = account {
            self.cache.invalidate(Invalidation::User(id));
            self.cache.invalidate(Invalidation::AllTokens);
        }
        Ok(account)
    }

    /// Records the digest of a confirmation token about to be mailed to
    /// `account_id` for `pending` (the new address of an e-mail change, or
    /// None for a sign-up's own), replacing any earlier one: only the newest
    /// link works. False, and nothing recorded, when the account is no
    /// longer waiting for that address (it changed again meanwhile).
    pub async fn set_confirmation_token(
        &self,
        account_id: i64,
        token_hash: &str,
        pending: Option<&str>,
    ) -> Result<bool> {
        let n = on_pool!(self, pool => sqlx::query(
            "UPDATE users SET confirmation_token_hash = $2
             WHERE account_id = $1 AND COALESCE(unconfirmed_email, '') = $3
               AND (confirmed_at IS NULL OR unconfirmed_email IS NOT NULL)")
            .bind(account_id)
            .bind(token_hash)
            .bind(pending.unwrap_or(""))
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        self.cache.invalidate(Invalidation::User(account_id));
        Ok(n == 1)
    }

    /// Confirms the address whose token has this digest (a sign-up's, or
    /// the new one of an e-mail change, which then replaces the old);
    /// returns its account, or None for an unknown or spent token.
    pub async fn confirm_email(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<i64>> {
        let account: Option<i64> = on_pool!(self, pool => sqlx::query_scalar(
            "UPDATE users SET confirmed_at = COALESCE(confirmed_at, $2),
                 email = COALESCE(unconfirmed_email, email),
                 unconfirmed_email = NULL, confirmation_token_hash = NULL
             WHERE confirmation_token_hash = $1 RETURNING account_id")
            .bind(token_hash)
            .bind(now)
            .fetch_optional(pool)
            .await)?;
        if let Some(id) = account {
            self.cache.invalidate(Invalidation::User(id));
        }
        Ok(account)
    }

    /// Changes the address of an account still waiting for confirmation.
    pub async fn set_unconfirmed_email(&self, account_id: i64, email: &str) -> Result<()> {
        on_pool!(self, pool => sqlx::query(
            "UPDATE users SET email = $2 WHERE account_id = $1 AND confirmed_at IS NULL")
            .bind(account_id)
            .bind(email)
            .execute(pool)
            .await
            .map(|_| ()))?;
        self.cache.invalidate(Invalidation::User(account_id));
        Ok(())
    }
}
