//! Web Push subscriptions.

use super::{BeginWrite, Store, on_pool};
use crate::error::Result;
use crate::model::PushSubscription;

impl Store {
    /// Stores `s`, replacing the token's earlier subscription.
    pub async fn put_push_subscription(&self, s: &PushSubscription) -> Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM push_subscriptions WHERE token_id = $1")
                .bind(s.token_id).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO push_subscriptions (id, token_id, account_id, endpoint, key_p256dh, key_auth, standard, alerts, policy, access_token, created_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
                .bind(s.id).bind(s.token_id).bind(s.account_id).bind(&s.endpoint)
                .bind(&s.key_p256dh).bind(&s.key_auth).bind(s.standard).bind(&s.alerts)
                .bind(&s.policy).bind(&s.access_token).bind(s.created_at)
                .execute(&mut *tx).await?;
            tx.commit().await
        })?;
        Ok(())
    }

    /// The subscription of token `token_id`, if any.
    pub async fn push_subscription_of_token(
        &self,
        token_id: i64,
    ) -> Result<Option<PushSubscription>> {
        let row = on_pool!(self, pool => sqlx::query_as("SELECT * FROM push_subscriptions WHERE token_id = $1")
            .bind(token_id).fetch_optional(pool).await)?;
        Ok(row)
    }

    pub async fn get_push_subscription(&self, id: i64) -> Result<Option<PushSubscription>> {
        let row = on_pool!(self, pool => sqlx::query_as("SELECT * FROM push_subscriptions WHERE id = $1")
            .bind(id).fetch_optional(pool).await)?;
        Ok(row)
    }

    /// An account's subscriptions (one per token that asked).
    pub async fn push_subscriptions_of(&self, account_id: i64) -> Result<Vec<PushSubscription>> {
        let rows = on_pool!(self, pool => sqlx::query_as("SELECT * FROM push_subscriptions WHERE account_id = $1")
            .bind(account_id).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// Changes what a subscription wants.
    pub async fn update_push_subscription(&self, s: &PushSubscription) -> Result<()> {
        on_pool!(self, pool => sqlx::query("UPDATE push_subscriptions SET alerts = $2, policy = $3 WHERE id = $1")
            .bind(s.id).bind(&s.alerts).bind(&s.policy).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    pub async fn delete_push_subscription(&self, id: i64) -> Result<()> {
        on_pool!(self, pool => sqlx::query("DELETE FROM push_subscriptions WHERE id = $1")
            .bind(id).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// Removes token `token_id`'s subscription.
    pub async fn delete_push_subscription_of_token(&self, token_id: i64) -> Result<()> {
        on_pool!(self, pool => sqlx::query("DELETE FROM push_subscriptions WHERE token_id = $1")
            .bind(token_id).execute(pool).await.map(|_| ()))?;
        Ok(())
    }
}
