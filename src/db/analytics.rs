//! Analytics: day counts per metric and subject, the current day's
//! once-per-day marks (salted hashes), and each post's reach.

use super::{BeginWrite, Store, on_pool};
use crate::error::Result;

/// Adds `$n` to a day count inside the caller's transaction, when the
/// subject is the instance (0) or a local account that has insights on.
macro_rules! bump_metric {
    ($tx:expr, $metric:expr, $subject:expr, $day:expr, $n:expr) => {
        sqlx::query(
            "INSERT INTO daily_metrics (metric, subject, day, value)
             SELECT $1, $2, $3, $4 WHERE $2 = 0 OR EXISTS (SELECT 1 FROM users WHERE account_id = $2 AND insights)
             ON CONFLICT (metric, subject, day) DO UPDATE SET value = daily_metrics.value + excluded.value",
        )
        .bind($metric)
        .bind($subject)
        .bind($day)
        .bind($n)
        .execute(&mut *$tx)
    };
}
pub(crate) use bump_metric;

/// What the recorder gathered since its last flush.
#[derive(Debug, Default)]
pub struct AnalyticsBatch {
    /// (metric, subject, day, amount).
    pub counts: Vec<(&'static str, i64, String, i64)>,
    /// (metric, subject, day, salted visitor hash): each new one adds 1 to
    /// the day's count of `metric`.
    pub uniques: Vec<(&'static str, i64, String, String)>,
    /// (status, home feeds, remote followers) to add.
    pub reach: Vec<(i64, i64, i64)>,
}

impl Store {
    /// Writes a recorder's batch in one transaction.
    pub async fn flush_analytics(&self, b: &AnalyticsBatch) -> Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            for (metric, subject, day, n) in &b.counts {
                bump_metric!(tx, *metric, *subject, day, *n).await?;
            }
            for (metric, subject, day, visitor) in &b.uniques {
                let fresh = sqlx::query(
                    "INSERT INTO daily_uniques (metric, subject, day, visitor)
                     SELECT $1, $2, $3, $4 WHERE $2 = 0 OR EXISTS (SELECT 1 FROM users WHERE account_id = $2 AND insights)
                     ON CONFLICT DO NOTHING")
                    .bind(*metric).bind(*subject).bind(day).bind(visitor)
                    .execute(&mut *tx).await?.rows_affected();
                if fresh == 1 {
                    bump_metric!(tx, *metric, *subject, day, 1i64).await?;
                }
            }
            for (status_id, local, remote) in &b.reach {
                sqlx::query(
                    "INSERT INTO status_reach (status_id, local, remote)
                     SELECT s.id, $2, $3 FROM statuses s JOIN users u ON u.account_id = s.account_id
                     WHERE s.id = $1 AND u.insights
                     ON CONFLICT (status_id) DO UPDATE SET local = status_reach.local + excluded.local,
                        remote = status_reach.remote + excluded.remote")
                    .bind(*status_id).bind(*local).bind(*remote)
                    .execute(&mut *tx).await?;
            }
            tx.commit().await
        })?;
        Ok(())
    }

    /// The salt of `day`'s visitor hashes: made once by whichever node asks
    /// first, the same for every node.
    pub async fn day_salt(&self, day: &str, fresh: &str) -> Result<String> {
        let salt = on_pool!(self, pool => {
            sqlx::query("INSERT INTO analytics_salts (day, salt) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(day).bind(fresh).execute(pool).await?;
            sqlx::query_scalar::<_, String>("SELECT salt FROM analytics_salts WHERE day = $1")
                .bind(day).fetch_one(pool).await
        })?;
        Ok(salt)
    }

    /// Forgets the marks and salts of days before `today`, and day counts
    /// before `keep_from`.
    pub async fn prune_analytics(&self, today: &str, keep_from: &str) -> Result<()> {
        on_pool!(self, pool => {
            sqlx::query("DELETE FROM daily_uniques WHERE day < $1").bind(today).execute(pool).await?;
            sqlx::query("DELETE FROM analytics_salts WHERE day < $1").bind(today).execute(pool).await?;
            sqlx::query("DELETE FROM daily_metrics WHERE day < $1").bind(keep_from).execute(pool).await.map(|_| ())
        })?;
        Ok(())
    }

    /// The day counts of `metric` for `subject` from `from` to `to` (days,
    /// both included), days with none left out.
    pub async fn metric_days(
        &self,
        metric: &str,
        subject: i64,
        from: &str,
        to: &str,
    ) -> Result<Vec<(String, i64)>> {
        let rows = on_pool!(self, pool => sqlx::query_as(
            "SELECT day, value FROM daily_metrics WHERE metric = $1 AND subject = $2 AND day >= $3 AND day <= $4 ORDER BY day")
            .bind(metric).bind(subject).bind(from).bind(to).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// An account's posts (not boosts) from `since_id` on, each with its
    /// favourites, boosts, replies, and reach (home feeds, remote
    /// followers), newest first.
    pub async fn post_insights(
        &self,
        account_id: i64,
        since_id: i64,
    ) -> Result<Vec<(i64, i64, i64, i64, i64, i64)>> {
        let rows = on_pool!(self, pool => sqlx::query_as(
            "SELECT s.id, s.favourites_count, s.reblogs_count, s.replies_count,
                    COALESCE(r.local, 0), COALESCE(r.remote, 0)
             FROM statuses s LEFT JOIN status_reach r ON r.status_id = s.id
             WHERE s.account_id = $1 AND s.id >= $2 AND s.reblog_of_id IS NULL
             ORDER BY s.id DESC")
            .bind(account_id).bind(since_id).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// A post's reach: (home feeds, remote followers).
    pub async fn status_reach(&self, status_id: i64) -> Result<(i64, i64)> {
        let row = on_pool!(self, pool => sqlx::query_as(
            "SELECT local, remote FROM status_reach WHERE status_id = $1")
            .bind(status_id).fetch_optional(pool).await)?;
        Ok(row.unwrap_or((0, 0)))
    }

    /// Turns recording for a local account on or off.
    pub async fn set_insights(&self, account_id: i64, on: bool) -> Result<()> {
        on_pool!(self, pool => sqlx::query("UPDATE users SET insights = $2 WHERE account_id = $1")
            .bind(account_id).bind(on).execute(pool).await.map(|_| ()))?;
        self.cache
            .invalidate(crate::cache::Invalidation::User(account_id));
        Ok(())
    }

    /// How many remote accounts follow `account_id` (a post's remote reach
    /// as it is delivered).
    pub async fn count_remote_followers(&self, account_id: i64) -> Result<i64> {
        let n = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM follows f JOIN accounts a ON a.id = f.account_id
             WHERE a.domain IS NOT NULL AND f.target_account_id = $1")
            .bind(account_id).fetch_one(pool).await)?;
        Ok(n)
    }
}
