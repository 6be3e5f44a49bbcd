//! Notification policies, accepted senders, and the requests held back.

use super::params::{Page, Sql};
use super::{BeginWrite, Store, on_pool};
use crate::error::Result;
use crate::model::NotificationPolicy;

pub use crate::model::RequestRow;

impl Store {
    pub async fn get_notification_policy(
        &self,
        account_id: i64,
    ) -> Result<Option<NotificationPolicy>> {
        let row = on_pool!(self, pool => sqlx::query_as("SELECT * FROM notification_policies WHERE account_id = $1")
            .bind(account_id).fetch_optional(pool).await)?;
        Ok(row)
    }

    pub async fn put_notification_policy(&self, p: &NotificationPolicy) -> Result<()> {
        on_pool!(self, pool => sqlx::query(
            "INSERT INTO notification_policies (account_id, for_not_following, for_not_followers, for_new_accounts, for_private_mentions, for_limited_accounts)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (account_id) DO UPDATE SET for_not_following = $2, for_not_followers = $3,
                 for_new_accounts = $4, for_private_mentions = $5, for_limited_accounts = $6")
            .bind(p.account_id).bind(&p.for_not_following).bind(&p.for_not_followers).bind(&p.for_new_accounts)
            .bind(&p.for_private_mentions).bind(&p.for_limited_accounts)
            .execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// Whether `account_id` accepted `from`'s notifications.
    pub async fn notification_permitted(&self, account_id: i64, from: i64) -> Result<bool> {
        let n: i64 = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM notification_permissions WHERE account_id = $1 AND from_account_id = $2")
            .bind(account_id).bind(from).fetch_one(pool).await)?;
        Ok(n > 0)
    }

    /// `account_id`'s requests, newest first, paged by their newest
    /// notification id; one sender's with `from`.
    pub async fn notification_requests(
        &self,
        account_id: i64,
        from: Option<i64>,
        page: &Page,
    ) -> Result<Vec<RequestRow>> {
        let mut sql = Sql::new(
            "SELECT from_account_id, COUNT(*) AS count, MAX(id) AS newest_id, MIN(id) AS oldest_id, MAX(status_id) AS last_status_id
             FROM notifications WHERE filtered AND account_id = ",
        );
        sql.bind_i64(account_id);
        if let Some(from) = from {
            sql.push(" AND from_account_id = ").bind_i64(from);
        }
        sql.push(" GROUP BY from_account_id HAVING 1 = 1");
        if let Some(max) = page.max_id {
            sql.push(" AND MAX(id) < ").bind_i64(max);
        }
        if let Some(since) = page.since_id.or(page.min_id) {
            sql.push(" AND MAX(id) > ").bind_i64(since);
        }
        sql.push(" ORDER BY newest_id DESC LIMIT ")
            .bind_i64(page.limit);
        let rows: Vec<(i64, i64, i64, i64, Option<i64>)> = on_pool!(self, pool => super::params::bind_params!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text.clone())), &sql.params)
            .fetch_all(pool).await)?;
        Ok(rows
            .into_iter()
            .map(
                |(from_account_id, count, newest_id, oldest_id, last_status_id)| RequestRow {
                    from_account_id,
                    count,
                    newest_id,
                    oldest_id,
                    last_status_id,
                },
            )
            .collect())
    }

    /// Accepts `from`'s request: its notifications join the list, and
    /// later ones are never held back. False when there was none.
    pub async fn accept_notification_request(&self, account_id: i64, from: i64) -> Result<bool> {
        let moved = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let moved = sqlx::query("UPDATE notifications SET filtered = $3 WHERE account_id = $1 AND from_account_id = $2 AND filtered")
                .bind(account_id).bind(from).bind(false).execute(&mut *tx).await?.rows_affected();
            if moved > 0 {
                sqlx::query("INSERT INTO notification_permissions (account_id, from_account_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(account_id).bind(from).execute(&mut *tx).await?;
            }
            tx.commit().await.map(|()| moved)
        })?;
        Ok(moved > 0)
    }

    /// Dismisses `from`'s request: its notifications are deleted. False
    /// when there was none.
    pub async fn dismiss_notification_request(&self, account_id: i64, from: i64) -> Result<bool> {
        let n = on_pool!(self, pool => sqlx::query("DELETE FROM notifications WHERE account_id = $1 AND from_account_id = $2 AND filtered")
            .bind(account_id).bind(from).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    /// `(requests, notifications)` held back for `account_id`.
    pub async fn pending_requests(&self, account_id: i64) -> Result<(i64, i64)> {
        let row: (i64, i64) = on_pool!(self, pool => sqlx::query_as(
            "SELECT COUNT(DISTINCT from_account_id), COUNT(*) FROM notifications WHERE filtered AND account_id = $1")
            .bind(account_id).fetch_one(pool).await)?;
        Ok(row)
    }
}
