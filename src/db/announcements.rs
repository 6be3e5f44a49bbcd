//! Announcements, their dismissals and their reactions.

use sqlx::AssertSqlSafe;

use super::params::{Sql, bind_params};
use super::{BeginWrite, Store, on_pool};
use crate::error::Result;
use crate::model::Announcement;

impl Store {
    /// Every announcement, newest first (the admin page).
    pub async fn announcements(&self) -> Result<Vec<Announcement>> {
        let rows = on_pool!(self, pool => sqlx::query_as("SELECT * FROM announcements ORDER BY id DESC")
            .fetch_all(pool).await)?;
        Ok(rows)
    }

    pub async fn get_announcement(&self, id: i64) -> Result<Option<Announcement>> {
        let row = on_pool!(self, pool => sqlx::query_as("SELECT * FROM announcements WHERE id = $1")
            .bind(id).fetch_optional(pool).await)?;
        Ok(row)
    }

    pub async fn put_announcement(&self, a: &Announcement) -> Result<()> {
        on_pool!(self, pool => sqlx::query(
            "INSERT INTO announcements (id, text, content, starts_at, ends_at, all_day, published_at,
                created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
            .bind(a.id).bind(&a.text).bind(&a.content).bind(a.starts_at).bind(a.ends_at)
            .bind(a.all_day).bind(a.published_at).bind(a.created_at).bind(a.updated_at)
            .execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// Deletes an announcement with its dismissals and reactions; false
    /// when there was none.
    pub async fn delete_announcement(&self, id: i64) -> Result<bool> {
        let n = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM announcement_dismissals WHERE announcement_id = $1")
                .bind(id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM announcement_reactions WHERE announcement_id = $1")
                .bind(id).execute(&mut *tx).await?;
            let n = sqlx::query("DELETE FROM announcements WHERE id = $1")
                .bind(id).execute(&mut *tx).await?.rows_affected();
            tx.commit().await?;
            Ok::<u64, sqlx::Error>(n)
        })?;
        Ok(n == 1)
    }

    pub async fn dismiss_announcement(&self, id: i64, account_id: i64) -> Result<()> {
        on_pool!(self, pool => sqlx::query(
            "INSERT INTO announcement_dismissals (announcement_id, account_id) VALUES ($1, $2)
             ON CONFLICT DO NOTHING")
            .bind(id).bind(account_id).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// Which of `ids` `account_id` dismissed.
    pub async fn dismissed_announcements(&self, account_id: i64, ids: &[i64]) -> Result<Vec<i64>> {
        let mut sql =
            Sql::new("SELECT announcement_id FROM announcement_dismissals WHERE account_id = ");
        sql.bind_i64(account_id)
            .push(" AND announcement_id IN ")
            .bind_list(ids);
        self.query_ids(&sql).await
    }

    /// Adds `account_id`'s reaction; false when it was there already.
    pub async fn add_announcement_reaction(
        &self,
        id: i64,
        account_id: i64,
        name: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<bool> {
        let n = on_pool!(self, pool => sqlx::query(
            "INSERT INTO announcement_reactions (announcement_id, account_id, name, created_at)
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
            .bind(id).bind(account_id).bind(name).bind(now).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    pub async fn remove_announcement_reaction(
        &self,
        id: i64,
        account_id: i64,
        name: &str,
    ) -> Result<()> {
        on_pool!(self, pool => sqlx::query(
            "DELETE FROM announcement_reactions WHERE announcement_id = $1 AND account_id = $2 AND name = $3")
            .bind(id).bind(account_id).bind(name).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// The distinct reaction names on an announcement.
    pub async fn announcement_reaction_names(&self, id: i64) -> Result<Vec<String>> {
        let rows = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT DISTINCT name FROM announcement_reactions WHERE announcement_id = $1")
            .bind(id).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// `(announcement, name, count, whether account_id is among them)` of
    /// the reactions on `ids`, oldest name first.
    pub async fn announcement_reactions(
        &self,
        ids: &[i64],
        account_id: i64,
    ) -> Result<Vec<(i64, String, i64, i64)>> {
        let mut sql = Sql::new(
            "SELECT announcement_id, name, COUNT(*), \
             SUM(CASE WHEN account_id = ",
        );
        sql.bind_i64(account_id)
            .push(" THEN 1 ELSE 0 END) FROM announcement_reactions WHERE announcement_id IN ")
            .bind_list(ids)
            .push(" GROUP BY announcement_id, name ORDER BY MIN(created_at)");
        let rows = on_pool!(self, pool => bind_params!(sqlx::query_as(AssertSqlSafe(sql.text.clone())), &sql.params)
            .fetch_all(pool).await)?;
        Ok(rows)
    }
}
