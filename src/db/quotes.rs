//! Quote posts: the record of each post quoting another, and who may quote.

use chrono::{DateTime, Utc};
use sqlx::AssertSqlSafe;

use super::params::{Sql, bind_params};
use super::{BeginWrite, Store, on_pool};
use crate::cache::Invalidation;
use crate::error::Result;
use crate::model::Quote;

/// Inserts a quote in an open transaction (with its post, or alone),
/// counting it on the quoted post when accepted; evaluates to whether it
/// was inserted (false when the post quotes something already).
macro_rules! insert_quote {
    ($tx:expr, $q:expr) => {
        async {
            let q: &crate::model::Quote = $q;
            let n = sqlx::query(
                "INSERT INTO quotes (id, status_id, account_id, quoted_uri, quoted_status_id, quoted_account_id,
                    state, legacy, activity_uri, approval_uri, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (status_id) DO NOTHING")
                .bind(q.id).bind(q.status_id).bind(q.account_id).bind(&q.quoted_uri)
                .bind(q.quoted_status_id).bind(q.quoted_account_id).bind(&q.state).bind(q.legacy)
                .bind(&q.activity_uri).bind(&q.approval_uri).bind(q.created_at).bind(q.updated_at)
                .execute(&mut *$tx).await?.rows_affected();
            if n == 1 && q.is_accepted() && !q.legacy && let Some(quoted) = q.quoted_status_id {
                sqlx::query("UPDATE statuses SET quotes_count = quotes_count + 1 WHERE id = $1")
                    .bind(quoted).execute(&mut *$tx).await?;
            }
            Ok::<bool, sqlx::Error>(n == 1)
        }
    };
}
pub(super) use insert_quote;

impl Store {
    /// The quote a post makes, if it quotes anything.
    pub async fn get_quote_by_status(&self, status_id: i64) -> Result<Option<Quote>> {
        let row = on_pool!(self, pool => sqlx::query_as("SELECT * FROM quotes WHERE status_id = $1")
            .bind(status_id).fetch_optional(pool).await)?;
        Ok(row)
    }

    /// The quotes `status_ids` make (one query for a page of statuses).
    pub async fn quotes_of(&self, status_ids: &[i64]) -> Result<Vec<Quote>> {
        if status_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new("SELECT * FROM quotes WHERE status_id IN ");
        sql.bind_list(status_ids);
        let rows = on_pool!(self, pool => bind_params!(sqlx::query_as(AssertSqlSafe(sql.text.clone())), &sql.params)
            .fetch_all(pool).await)?;
        Ok(rows)
    }

    /// The quote a QuoteRequest (`activity_uri`) asked for.
    pub async fn get_quote_by_activity(&self, activity_uri: &str) -> Result<Option<Quote>> {
        let row = on_pool!(self, pool => sqlx::query_as("SELECT * FROM quotes WHERE activity_uri = $1")
            .bind(activity_uri).fetch_optional(pool).await)?;
        Ok(row)
    }

    /// The quote a stamp (QuoteAuthorization) approved.
    pub async fn get_quote_by_approval(&self, approval_uri: &str) -> Result<Option<Quote>> {
        let row = on_pool!(self, pool => sqlx::query_as("SELECT * FROM quotes WHERE approval_uri = $1")
            .bind(approval_uri).fetch_optional(pool).await)?;
        Ok(row)
    }

    pub async fn get_quote(&self, id: i64) -> Result<Option<Quote>> {
        let row = on_pool!(self, pool => sqlx::query_as("SELECT * FROM quotes WHERE id = $1")
            .bind(id).fetch_optional(pool).await)?;
        Ok(row)
    }

    /// Records a quote of a post already stored (a remote post whose quote
    /// is learnt as it arrives); nothing when the post quotes already.
    pub async fn put_quote(&self, q: &Quote) -> Result<()> {
        let inserted = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = insert_quote!(tx, q).await?;
            tx.commit().await.map(|()| n)
        })?;
        if inserted {
            self.invalidate_quote(q);
        }
        Ok(())
    }

    /// Moves a quote to `state`, keeping the quoted post's `quotes_count`
    /// (accepted quotes) right; `approval_uri` replaces the stamp when given.
    pub async fn set_quote_state(
        &self,
        q: &Quote,
        state: &str,
        approval_uri: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let was: Option<String> = sqlx::query_scalar("SELECT state FROM quotes WHERE id = $1")
                .bind(q.id).fetch_optional(&mut *tx).await?;
            sqlx::query("UPDATE quotes SET state = $2, approval_uri = COALESCE($3, approval_uri), updated_at = $4 WHERE id = $1")
                .bind(q.id).bind(state).bind(approval_uri).bind(now).execute(&mut *tx).await?;
            let accepted = crate::model::quote::state::ACCEPTED;
            if let Some(quoted) = q.quoted_status_id.filter(|_| !q.legacy) {
                let was_accepted = was.as_deref() == Some(accepted);
                if was_accepted && state != accepted {
                    sqlx::query("UPDATE statuses SET quotes_count = quotes_count - 1 WHERE id = $1 AND quotes_count > 0")
                        .bind(quoted).execute(&mut *tx).await?;
                } else if !was_accepted && state == accepted {
                    sqlx::query("UPDATE statuses SET quotes_count = quotes_count + 1 WHERE id = $1")
                        .bind(quoted).execute(&mut *tx).await?;
                }
            }
            tx.commit().await
        })?;
        self.invalidate_quote(q);
        Ok(())
    }

    /// Records the QuoteRequest sent for a quote.
    pub async fn set_quote_activity(&self, id: i64, activity_uri: &str) -> Result<()> {
        on_pool!(self, pool => sqlx::query("UPDATE quotes SET activity_uri = $2 WHERE id = $1")
            .bind(id).bind(activity_uri).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// Accepted quotes of `quoted_status_id` as `(quote id, quoting status
    /// id)`, newest first, paged by quote id as Mastodon pages them.
    pub async fn quotes_page(
        &self,
        quoted_status_id: i64,
        page: &super::params::Page,
    ) -> Result<Vec<(i64, i64)>> {
        let mut sql = Sql::new(
            "SELECT id, status_id FROM quotes WHERE state = 'accepted' AND quoted_status_id = ",
        );
        sql.bind_i64(quoted_status_id);
        page.apply(&mut sql, "id");
        self.query_pairs(&sql).await
    }

    /// Links quotes of `uri` that arrived before the post they quote; a
    /// quote of one's own post is accepted then. Nothing to do (one
    /// indexed probe) for the posts nobody quoted early.
    pub async fn link_quotes(&self, uri: &str, status_id: i64, account_id: i64) -> Result<()> {
        let waiting: Option<i64> = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT id FROM quotes WHERE quoted_uri = $1 AND quoted_status_id IS NULL LIMIT 1")
            .bind(uri).fetch_optional(pool).await)?;
        if waiting.is_none() {
            return Ok(());
        }
        let linked = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query(
                "UPDATE quotes SET quoted_status_id = $2, quoted_account_id = $3,
                    state = CASE WHEN account_id = $3 THEN 'accepted' ELSE state END
                 WHERE quoted_uri = $1 AND quoted_status_id IS NULL")
                .bind(uri).bind(status_id).bind(account_id).execute(&mut *tx).await?.rows_affected();
            if n > 0 {
                sqlx::query(
                    "UPDATE statuses SET quotes_count = (SELECT COUNT(*) FROM quotes
                        WHERE quoted_status_id = $1 AND state = 'accepted' AND NOT legacy)
                     WHERE id = $1")
                    .bind(status_id).execute(&mut *tx).await?;
            }
            tx.commit().await.map(|()| n)
        })?;
        if linked > 0 {
            self.cache.invalidate(Invalidation::Status(status_id));
        }
        Ok(())
    }

    /// Changes who may quote a post.
    pub async fn set_quote_policy(&self, status_id: i64, policy: i64) -> Result<()> {
        on_pool!(self, pool => sqlx::query("UPDATE statuses SET quote_policy = $2 WHERE id = $1")
            .bind(status_id).bind(policy).execute(pool).await.map(|_| ()))?;
        self.cache.invalidate(Invalidation::Status(status_id));
        Ok(())
    }

    fn invalidate_quote(&self, q: &Quote) {
        self.cache.invalidate(Invalidation::Status(q.status_id));
        if let Some(id) = q.quoted_status_id {
            self.cache.invalidate(Invalidation::Status(id));
        }
    }
}
