//! Rate-limit counts shared by the nodes on one PostgreSQL database
//! (migration 0029; see [`crate::ratelimit`]). SQLite serves one node, whose
//! counts stay in memory: these are no-ops there.

use super::{Pool, Store};
use crate::error::Result;

/// What to send of one node's count of a key.
pub struct NodeCount {
    pub key: String,
    pub hits: i64,
    /// When the node's window ends, in ms since the epoch.
    pub expires_at: i64,
}

impl Store {
    /// Counts one attempt on `key` in a window of `window_ms` that starts at
    /// its first attempt; returns the attempts in the current window and the
    /// milliseconds left in it. One atomic upsert, so every node sees every
    /// attempt at once. None on SQLite.
    pub async fn rate_limit_hit(&self, key: &str, window_ms: i64) -> Result<Option<(i64, i64)>> {
        let Pool::Postgres(pool) = &self.pool else {
            return Ok(None);
        };
        let row: (i64, i64) = sqlx::query_as(
            "WITH now AS (SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS ms)
             INSERT INTO rate_limits AS r (key, node, hits, expires_at)
             SELECT $1, '', 1, now.ms + $2 FROM now
             ON CONFLICT (key, node) DO UPDATE SET
                 hits = CASE WHEN r.expires_at <= (SELECT ms FROM now) THEN 1 ELSE r.hits + 1 END,
                 expires_at = CASE WHEN r.expires_at <= (SELECT ms FROM now)
                                   THEN excluded.expires_at ELSE r.expires_at END
             RETURNING hits, expires_at - (SELECT ms FROM now)",
        )
        .bind(key)
        .bind(window_ms)
        .fetch_one(pool)
        .await?;
        Ok(Some(row))
    }

    /// Writes this node's `counts` and answers, for each key of `read`, the
    /// sum of the other nodes' counts in windows still open (keys no other
    /// node counts are left out).
    pub async fn rate_limit_share(
        &self,
        node: &str,
        counts: &[NodeCount],
        read: &[String],
    ) -> Result<std::collections::HashMap<String, i64>> {
        let Pool::Postgres(pool) = &self.pool else {
            return Ok(Default::default());
        };
        if !counts.is_empty() {
            let keys: Vec<&str> = counts.iter().map(|c| c.key.as_str()).collect();
            let hits: Vec<i64> = counts.iter().map(|c| c.hits).collect();
            let expiries: Vec<i64> = counts.iter().map(|c| c.expires_at).collect();
            sqlx::query(
                "INSERT INTO rate_limits (key, node, hits, expires_at)
                 SELECT k, $1, h, e FROM UNNEST($2::text[], $3::bigint[], $4::bigint[]) AS t(k, h, e)
                 ON CONFLICT (key, node) DO UPDATE
                 SET hits = excluded.hits, expires_at = excluded.expires_at",
            )
            .bind(node)
            .bind(&keys)
            .bind(&hits)
            .bind(&expiries)
            .execute(pool)
            .await?;
        }
        let others: Vec<(String, i64)> = sqlx::query_as(
            "SELECT key, sum(hits)::bigint FROM rate_limits
             WHERE key = ANY($1) AND node <> $2 AND node <> ''
               AND expires_at > (extract(epoch FROM clock_timestamp()) * 1000)::bigint
             GROUP BY key",
        )
        .bind(read)
        .bind(node)
        .fetch_all(pool)
        .await?;
        Ok(others.into_iter().collect())
    }

    /// Forgets counts whose window has ended (housekeeping).
    pub async fn prune_rate_limits(&self) -> Result<u64> {
        let Pool::Postgres(pool) = &self.pool else {
            return Ok(0);
        };
        let done = sqlx::query(
            "DELETE FROM rate_limits
             WHERE expires_at < (extract(epoch FROM clock_timestamp()) * 1000)::bigint",
        )
        .execute(pool)
        .await?;
        Ok(done.rows_affected())
    }
}
