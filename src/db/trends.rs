//! Trends: the raw engagement they are computed from, the ranking each
//! recomputation writes, and staff's reviews.

use chrono::{DateTime, Utc};
use sqlx::AssertSqlSafe;

use super::params::{Sql, bind_params};
use super::{BeginWrite, Store, on_pool};
use crate::error::Result;

/// Authors whose posts may trend: discoverable, neither suspended nor
/// silenced.
const MAY_TREND: &str = "a.discoverable AND a.suspended_at IS NULL AND a.silenced_at IS NULL";

/// One ranked item as a recomputation writes it.
#[derive(Debug, Clone)]
pub struct Ranked {
    pub key: String,
    pub id: i64,
    pub score: f64,
    /// Posts (tags, links) or votes (posts) in the window.
    pub uses: i64,
    /// Distinct accounts behind them.
    pub accounts: i64,
}

/// A ranked item as the API reads it back, with staff's review.
#[derive(Debug, Clone)]
pub struct TrendRow {
    pub key: String,
    pub id: i64,
    pub score: f64,
    pub uses: i64,
    pub accounts: i64,
    /// `approved`, `rejected`, or None when not reviewed.
    pub state: Option<String>,
}

impl Store {
    /// Public uses of hashtags since status id `since_id` by accounts whose
    /// posts may trend: `(tag name, account, its latest such status id)`.
    pub async fn trend_tag_uses(&self, since_id: i64) -> Result<Vec<(String, i64, i64)>> {
        let sql = format!(
            "SELECT t.name, s.account_id, MAX(s.id) FROM status_tags st JOIN statuses s ON s.id = st.status_id
             JOIN tags t ON t.id = st.tag_id JOIN accounts a ON a.id = s.account_id
             WHERE st.status_id >= $1 AND s.visibility = 'public' AND {MAY_TREND}
             GROUP BY t.name, s.account_id"
        );
        let rows = on_pool!(self, pool => sqlx::query_as(AssertSqlSafe(sql.clone()))
            .bind(since_id).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// Public posts since `since_id` whose authors may trend and are
    /// indexable, with how many other accounts favourited or boosted them.
    pub async fn trend_status_votes(&self, since_id: i64) -> Result<Vec<(i64, i64)>> {
        let sql = format!(
            "SELECT s.id, COUNT(DISTINCT x.account_id) FROM (
               SELECT status_id, account_id FROM favourites WHERE status_id >= $1
               UNION ALL SELECT reblog_of_id, account_id FROM statuses WHERE reblog_of_id >= $1
             ) x JOIN statuses s ON s.id = x.status_id JOIN accounts a ON a.id = s.account_id
             WHERE s.visibility = 'public' AND s.reblog_of_id IS NULL AND a.indexable AND {MAY_TREND}
               AND x.account_id <> s.account_id
             GROUP BY s.id"
        );
        let rows = on_pool!(self, pool => sqlx::query_as(AssertSqlSafe(sql.clone()))
            .bind(since_id).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// The content and author of public posts since `since_id` that link
    /// somewhere, by accounts whose posts may trend (at most `limit`,
    /// newest first).
    pub async fn trend_link_posts(
        &self,
        since_id: i64,
        limit: i64,
    ) -> Result<Vec<(String, i64, i64)>> {
        let sql = format!(
            "SELECT s.content, s.account_id, s.id FROM statuses s JOIN accounts a ON a.id = s.account_id
             WHERE s.id >= $1 AND s.visibility = 'public' AND s.reblog_of_id IS NULL AND {MAY_TREND}
               AND s.content LIKE '%href=\"http%'
             ORDER BY s.id DESC LIMIT $2"
        );
        let rows = on_pool!(self, pool => sqlx::query_as(AssertSqlSafe(sql.clone()))
            .bind(since_id).bind(limit).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// Replaces the ranking of `kind` (`tag`, `status`, `link`).
    pub async fn replace_trends(
        &self,
        kind: &str,
        ranked: &[Ranked],
        now: DateTime<Utc>,
    ) -> Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM trends WHERE kind = $1").bind(kind).execute(&mut *tx).await?;
            for r in ranked {
                sqlx::query(
                    "INSERT INTO trends (kind, key, id, score, uses, accounts, computed_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)")
                    .bind(kind).bind(&r.key).bind(r.id).bind(r.score).bind(r.uses).bind(r.accounts).bind(now)
                    .execute(&mut *tx).await?;
            }
            tx.commit().await
        })?;
        Ok(())
    }

    /// A page of the ranking of `kind`, best first, with reviews: rejected
    /// items left out unless `with_rejected`, unreviewed ones too when
    /// `approved_only`.
    pub async fn trends(
        &self,
        kind: &str,
        approved_only: bool,
        with_rejected: bool,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<TrendRow>> {
        let mut sql = Sql::new(
            "SELECT t.key, t.id, t.score, t.uses, t.accounts, r.state FROM trends t
             LEFT JOIN trend_reviews r ON r.kind = t.kind AND r.id = t.id WHERE t.kind = ",
        );
        sql.bind(super::params::Param::Text(kind.to_string()));
        if approved_only {
            sql.push(" AND r.state = 'approved'");
        } else if !with_rejected {
            sql.push(" AND (r.state IS NULL OR r.state <> 'rejected')");
        }
        sql.push(" ORDER BY t.score DESC, t.id DESC LIMIT ")
            .bind_i64(limit)
            .push(" OFFSET ")
            .bind_i64(offset);
        let rows: Vec<(String, i64, f64, i64, i64, Option<String>)> = on_pool!(self, pool => bind_params!(sqlx::query_as(AssertSqlSafe(sql.text.clone())), &sql.params)
            .fetch_all(pool).await)?;
        Ok(rows
            .into_iter()
            .map(|(key, id, score, uses, accounts, state)| TrendRow {
                key,
                id,
                score,
                uses,
                accounts,
                state,
            })
            .collect())
    }

    /// Staff approve or reject item `id` of `kind`; false when no such item
    /// trends now.
    pub async fn review_trend(
        &self,
        kind: &str,
        id: i64,
        state: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let found: i64 = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM trends WHERE kind = $1 AND id = $2")
            .bind(kind).bind(id).fetch_one(pool).await)?;
        if found == 0 {
            return Ok(false);
        }
        on_pool!(self, pool => sqlx::query(
            "INSERT INTO trend_reviews (kind, id, state, reviewed_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (kind, id) DO UPDATE SET state = EXCLUDED.state, reviewed_at = EXCLUDED.reviewed_at")
            .bind(kind).bind(id).bind(state).bind(now).execute(pool).await.map(|_| ()))?;
        Ok(true)
    }

    /// Public posts since `since_id` that link to `url` (a link in their
    /// HTML), paged by id.
    pub async fn statuses_linking(
        &self,
        url: &str,
        since_id: i64,
        page: &super::params::Page,
    ) -> Result<Vec<crate::model::Status>> {
        let escaped = url
            .replace('&', "&amp;")
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let mut sql = Sql::new(
            "SELECT s.* FROM statuses s WHERE s.visibility = 'public' AND s.reblog_of_id IS NULL AND s.id >= ",
        );
        sql.bind_i64(since_id)
            .push(" AND s.content LIKE ")
            .bind(super::params::Param::Text(format!("%href=\"{escaped}%")))
            .push(" ESCAPE '\\'");
        page.apply(&mut sql, "s.id");
        let rows = on_pool!(self, pool => bind_params!(sqlx::query_as(AssertSqlSafe(sql.text.clone())), &sql.params)
            .fetch_all(pool).await)?;
        Ok(rows)
    }
}
