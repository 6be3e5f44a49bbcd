//! Hashtags' figures: ids by name and uses per day.

use sqlx::AssertSqlSafe;

use super::params::{Param, Sql, bind_params};
use super::{Store, on_pool};
use crate::error::Result;

/// A day's span of status ids (ids carry their millisecond in the high 48
/// bits): `id / DAY_OF_IDS` is the day since the epoch.
pub const DAY_OF_IDS: i64 = 86_400_000 * 65_536;

fn names_in(sql: &mut Sql, names: &[String]) {
    sql.push("(");
    for (i, n) in names.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.bind(Param::Text(n.clone()));
    }
    sql.push(")");
}

impl Store {
    /// The ids of the hashtags named (those that exist).
    pub async fn tag_ids(&self, names: &[String]) -> Result<Vec<(String, i64)>> {
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new("SELECT name, id FROM tags WHERE name IN ");
        names_in(&mut sql, names);
        let rows = on_pool!(self, pool => bind_params!(sqlx::query_as(AssertSqlSafe(sql.text.clone())), &sql.params)
            .fetch_all(pool).await)?;
        Ok(rows)
    }

    /// The hashtags named that staff approved as trends (`exclude_unreviewed`).
    pub async fn reviewed_tags(&self, names: &[String]) -> Result<Vec<String>> {
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new(
            "SELECT t.name FROM tags t JOIN trend_reviews r ON r.kind = 'tag' AND r.id = t.id \
             AND r.state = 'approved' WHERE t.name IN ",
        );
        names_in(&mut sql, names);
        let rows = on_pool!(self, pool => bind_params!(sqlx::query_scalar(AssertSqlSafe(sql.text.clone())), &sql.params)
            .fetch_all(pool).await)?;
        Ok(rows)
    }

    /// How the hashtags named were used by public and unlisted posts since
    /// status id `since_id`: `(name, day since the epoch, posts, accounts)`
    /// for each day with a use. Served by the `status_tags` primary key
    /// (tag, then status id range).
    pub async fn tag_uses_by_day(
        &self,
        names: &[String],
        since_id: i64,
    ) -> Result<Vec<(String, i64, i64, i64)>> {
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new(&format!(
            "SELECT t.name, st.status_id / {DAY_OF_IDS} AS day, COUNT(*), COUNT(DISTINCT s.account_id)
             FROM tags t JOIN status_tags st ON st.tag_id = t.id JOIN statuses s ON s.id = st.status_id
             WHERE s.visibility IN ('public', 'unlisted') AND st.status_id >= "
        ));
        sql.bind_i64(since_id).push(" AND t.name IN ");
        names_in(&mut sql, names);
        sql.push(" GROUP BY t.name, st.status_id / ")
            .push(&DAY_OF_IDS.to_string());
        let rows = on_pool!(self, pool => bind_params!(sqlx::query_as(AssertSqlSafe(sql.text.clone())), &sql.params)
            .fetch_all(pool).await)?;
        Ok(rows)
    }
}
