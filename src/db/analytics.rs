//! Analytics: day counts per metric and subject, the current day's
//! once-per-day marks (salted hashes), and each post's reach.

use chrono::{DateTime, Utc};
use sqlx::AssertSqlSafe;

use super::params::{Param, Sql, bind_params};
use super::{BeginWrite, Store, on_pool};
use crate::error::Result;
use crate::model::analytics::{DimensionKey, MeasureKey};

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
    /// (day, local user) seen.
    pub active: Vec<(String, i64)>,
}

impl Store {
    /// Writes a recorder's batch in one transaction.
    pub async fn flush_analytics(&self, b: &AnalyticsBatch) -> Result<()> {
        // Reach comes a row per post: one statement takes them all, as a
        // JSON array of [status, local, remote].
        let reach_sql = if self.backend() == "postgres" {
            "INSERT INTO status_reach (status_id, local, remote)
             SELECT s.id, (d.value->>1)::bigint, (d.value->>2)::bigint
             FROM jsonb_array_elements($1::jsonb) d JOIN statuses s ON s.id = (d.value->>0)::bigint
             JOIN users u ON u.account_id = s.account_id WHERE u.insights
             ON CONFLICT (status_id) DO UPDATE SET local = status_reach.local + excluded.local,
                remote = status_reach.remote + excluded.remote"
        } else {
            "INSERT INTO status_reach (status_id, local, remote)
             SELECT s.id, json_extract(d.value, '$[1]'), json_extract(d.value, '$[2]')
             FROM json_each($1) d JOIN statuses s ON s.id = json_extract(d.value, '$[0]')
             JOIN users u ON u.account_id = s.account_id WHERE u.insights
             ON CONFLICT (status_id) DO UPDATE SET local = status_reach.local + excluded.local,
                remote = status_reach.remote + excluded.remote"
        };
        let reach = serde_json::to_string(&b.reach)
            .map_err(|e| crate::error::Error::internal(format!("reach: {e}")))?;
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
            if !b.reach.is_empty() {
                sqlx::query(sqlx::AssertSqlSafe(reach_sql)).bind(&reach).execute(&mut *tx).await?;
            }
            for (day, account_id) in &b.active {
                sqlx::query(
                    "INSERT INTO user_activity (day, account_id)
                     SELECT $1, $2 WHERE EXISTS (SELECT 1 FROM users WHERE account_id = $2 AND insights)
                     ON CONFLICT DO NOTHING")
                    .bind(day).bind(*account_id)
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
            sqlx::query("DELETE FROM user_activity WHERE day < $1").bind(keep_from).execute(pool).await?;
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

/// The UTC day (`YYYY-MM-DD`) of a time column.
fn day_of_time(pg: bool, col: &str) -> String {
    if pg {
        format!("to_char({col} AT TIME ZONE 'UTC', 'YYYY-MM-DD')")
    } else {
        format!("substr({col}, 1, 10)")
    }
}

/// The UTC day of a time-sortable id column (its millisecond).
fn day_of_id(pg: bool, col: &str) -> String {
    if pg {
        format!("to_char(to_timestamp(({col} >> 16) / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD')")
    } else {
        format!("date(({col} >> 16) / 1000, 'unixepoch')")
    }
}

fn id_at(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis() << 16
}

/// Appends a window condition on a time column (`AND col >= from AND col < to`).
fn time_window(sql: &mut Sql, col: &str, w: Option<(DateTime<Utc>, DateTime<Utc>)>) {
    if let Some((from, to)) = w {
        sql.push(&format!(" AND {col} >= "))
            .bind(Param::Time(from))
            .push(&format!(" AND {col} < "))
            .bind(Param::Time(to));
    }
}

/// Appends a window condition on an id column.
fn id_window(sql: &mut Sql, col: &str, w: Option<(DateTime<Utc>, DateTime<Utc>)>) {
    if let Some((from, to)) = w {
        sql.push(&format!(" AND {col} >= "))
            .bind_i64(id_at(from))
            .push(&format!(" AND {col} < "))
            .bind_i64(id_at(to));
    }
}

impl Store {
    /// Appends `key`'s events within `w` (all time when None) as a
    /// subquery of `(day, v, x)` rows, and gives the aggregate that
    /// measures them: `SUM(v)` or `COUNT(DISTINCT x)`.
    fn measure_events(
        &self,
        key: &MeasureKey,
        w: Option<(DateTime<Utc>, DateTime<Utc>)>,
        sql: &mut Sql,
    ) -> &'static str {
        let pg = self.backend() == "postgres";
        let t = |col: &str| day_of_time(pg, col);
        let i = |col: &str| day_of_id(pg, col);
        const SUM: &str = "CAST(COALESCE(SUM(v), 0) AS BIGINT)";
        const DISTINCT: &str = "COUNT(DISTINCT x)";
        match key {
            MeasureKey::ActiveUsers => {
                sql.push("SELECT day, 1 AS v, account_id AS x FROM user_activity WHERE 1 = 1");
                if let Some((from, to)) = w {
                    sql.push(" AND day >= ")
                        .bind(Param::Text(from.date_naive().to_string()))
                        .push(" AND day < ")
                        .bind(Param::Text(to.date_naive().to_string()));
                }
                DISTINCT
            }
            MeasureKey::NewUsers => {
                sql.push(&format!(
                    "SELECT {} AS day, 1 AS v, 0 AS x FROM users u WHERE 1 = 1",
                    t("u.created_at")
                ));
                time_window(sql, "u.created_at", w);
                SUM
            }
            MeasureKey::Interactions => {
                sql.push(&format!(
                    "SELECT {} AS day, 1 AS v, 0 AS x FROM favourites f JOIN accounts a ON a.id = f.account_id WHERE a.domain IS NULL",
                    t("f.created_at")
                ));
                time_window(sql, "f.created_at", w);
                sql.push(&format!(
                    " UNION ALL SELECT {} AS day, 1 AS v, 0 AS x FROM statuses s JOIN accounts a ON a.id = s.account_id
                     WHERE a.domain IS NULL AND (s.reblog_of_id IS NOT NULL
                       OR (s.in_reply_to_account_id IS NOT NULL AND s.in_reply_to_account_id <> s.account_id))",
                    i("s.id")
                ));
                id_window(sql, "s.id", w);
                sql.push(&format!(
                    " UNION ALL SELECT {} AS day, 1 AS v, 0 AS x FROM follows f JOIN accounts a ON a.id = f.account_id WHERE a.domain IS NULL",
                    t("f.created_at")
                ));
                time_window(sql, "f.created_at", w);
                sql.push(&format!(
                    " UNION ALL SELECT {} AS day, 1 AS v, 0 AS x FROM poll_votes p JOIN accounts a ON a.id = p.account_id WHERE a.domain IS NULL",
                    t("p.created_at")
                ));
                time_window(sql, "p.created_at", w);
                SUM
            }
            MeasureKey::OpenedReports => {
                sql.push(&format!(
                    "SELECT {} AS day, 1 AS v, 0 AS x FROM reports r WHERE 1 = 1",
                    t("r.created_at")
                ));
                time_window(sql, "r.created_at", w);
                SUM
            }
            MeasureKey::ResolvedReports => {
                sql.push(&format!(
                    "SELECT {} AS day, 1 AS v, 0 AS x FROM reports r WHERE r.action_taken_at IS NOT NULL",
                    t("r.action_taken_at")
                ));
                time_window(sql, "r.action_taken_at", w);
                SUM
            }
            MeasureKey::TagAccounts(tag)
            | MeasureKey::TagUses(tag)
            | MeasureKey::TagServers(tag) => {
                let x = match key {
                    MeasureKey::TagAccounts(_) => "s.account_id",
                    MeasureKey::TagServers(_) => "a.domain",
                    _ => "0",
                };
                sql.push(&format!(
                    "SELECT {} AS day, 1 AS v, {x} AS x FROM status_tags st JOIN statuses s ON s.id = st.status_id
                     JOIN accounts a ON a.id = s.account_id
                     WHERE s.visibility = 'public' AND s.reblog_of_id IS NULL AND st.tag_id = ",
                    i("s.id")
                ))
                .bind_i64(*tag);
                id_window(sql, "st.status_id", w);
                if matches!(key, MeasureKey::TagUses(_)) {
                    SUM
                } else {
                    DISTINCT
                }
            }
            MeasureKey::InstanceAccounts(domain) => {
                sql.push(&format!(
                    "SELECT {} AS day, 1 AS v, 0 AS x FROM accounts a WHERE a.domain = ",
                    t("a.created_at")
                ))
                .bind(Param::Text(domain.clone()));
                time_window(sql, "a.created_at", w);
                SUM
            }
            MeasureKey::InstanceMediaAttachments(domain) => {
                sql.push(&format!(
                    "SELECT {} AS day, m.file_size + m.thumbnail_size AS v, 0 AS x FROM media_attachments m
                     JOIN accounts a ON a.id = m.account_id WHERE a.domain = ",
                    t("m.created_at")
                ))
                .bind(Param::Text(domain.clone()));
                time_window(sql, "m.created_at", w);
                SUM
            }
            MeasureKey::InstanceReports(domain) => {
                sql.push(&format!(
                    "SELECT {} AS day, 1 AS v, 0 AS x FROM reports r JOIN accounts a ON a.id = r.target_account_id WHERE a.domain = ",
                    t("r.created_at")
                ))
                .bind(Param::Text(domain.clone()));
                time_window(sql, "r.created_at", w);
                SUM
            }
            MeasureKey::InstanceStatuses(domain) => {
                sql.push(&format!(
                    "SELECT {} AS day, 1 AS v, 0 AS x FROM statuses s JOIN accounts a ON a.id = s.account_id WHERE a.domain = ",
                    i("s.id")
                ))
                .bind(Param::Text(domain.clone()));
                id_window(sql, "s.id", w);
                SUM
            }
            MeasureKey::InstanceFollows(domain) | MeasureKey::InstanceFollowers(domain) => {
                let side = if matches!(key, MeasureKey::InstanceFollows(_)) {
                    "f.target_account_id"
                } else {
                    "f.account_id"
                };
                sql.push(&format!(
                    "SELECT {} AS day, 1 AS v, 0 AS x FROM follows f JOIN accounts a ON a.id = {side} WHERE a.domain = ",
                    t("f.created_at")
                ))
                .bind(Param::Text(domain.clone()));
                time_window(sql, "f.created_at", w);
                SUM
            }
        }
    }

    /// `key` measured from `from` to `to` (exclusive): the total over that
    /// window (all time for `instance_*` keys) and the value of each day
    /// with any (`YYYY-MM-DD`).
    pub async fn measure(
        &self,
        key: &MeasureKey,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<(i64, Vec<(String, i64)>)> {
        let mut inner = Sql::default();
        let agg = self.measure_events(key, Some((from, to)), &mut inner);
        // The outer text has no placeholders of its own: the inner query's
        // are used as they are.
        let text = format!(
            "SELECT day, {agg} FROM ({}) e GROUP BY day ORDER BY day",
            inner.text
        );
        let per_day: Vec<(String, i64)> = on_pool!(self, pool => bind_params!(sqlx::query_as(AssertSqlSafe(text.clone())), &inner.params)
            .fetch_all(pool).await)?;
        let total = self
            .measure_total(key, (!key.all_time()).then_some((from, to)))
            .await?;
        Ok((total, per_day))
    }

    /// Whether hashtag `id` exists.
    pub async fn tag_exists(&self, id: i64) -> Result<bool> {
        let n: i64 = on_pool!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM tags WHERE id = $1")
            .bind(id).fetch_one(pool).await)?;
        Ok(n > 0)
    }

    /// Local users who signed up from `from` to `to` (exclusive), with when.
    pub async fn local_sign_ups(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<(i64, DateTime<Utc>)>> {
        let rows = on_pool!(self, pool => sqlx::query_as(
            "SELECT account_id, created_at FROM users WHERE created_at >= $1 AND created_at < $2")
            .bind(from).bind(to).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// The days (from `from` to `to`, exclusive) on which `accounts` used
    /// the server: `(account, day)`.
    pub async fn activity_days(
        &self,
        accounts: &[i64],
        from: &str,
        to: &str,
    ) -> Result<Vec<(i64, String)>> {
        if accounts.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new("SELECT account_id, day FROM user_activity WHERE day >= ");
        sql.bind(Param::Text(from.to_string()))
            .push(" AND day < ")
            .bind(Param::Text(to.to_string()))
            .push(" AND account_id IN ")
            .bind_list(accounts);
        let rows = on_pool!(self, pool => bind_params!(sqlx::query_as(AssertSqlSafe(sql.text.clone())), &sql.params)
            .fetch_all(pool).await)?;
        Ok(rows)
    }

    /// Public and unlisted posts (boosts included, as Mastodon counts them)
    /// by local accounts from `from` to `to`.
    pub async fn local_public_posts(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<i64> {
        let n = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM statuses WHERE local AND visibility IN ('public', 'unlisted') AND id >= $1 AND id < $2")
            .bind(id_at(from)).bind(id_at(to)).fetch_one(pool).await)?;
        Ok(n)
    }

    /// `key`'s total over a window, or all time.
    pub async fn measure_total(
        &self,
        key: &MeasureKey,
        w: Option<(DateTime<Utc>, DateTime<Utc>)>,
    ) -> Result<i64> {
        let mut inner = Sql::default();
        let agg = self.measure_events(key, w, &mut inner);
        let text = format!("SELECT {agg} FROM ({}) e", inner.text);
        let total: i64 = on_pool!(self, pool => bind_params!(sqlx::query_scalar(AssertSqlSafe(text.clone())), &inner.params)
            .fetch_one(pool).await)?;
        Ok(total)
    }

    /// `key`'s largest groups from `from` to `to` (exclusive): `(group,
    /// value)`, largest first, at most `limit`. A server group is `""` for
    /// this one, a language `""` when posts do not say. Not for
    /// `space_usage` and `software_versions` (see `database_size` and
    /// `database_version`).
    pub async fn dimension(
        &self,
        key: &DimensionKey,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<(String, i64)>> {
        let mut sql = Sql::default();
        match key {
            DimensionKey::Languages => {
                sql.push(
                    "SELECT u.locale AS k, COUNT(DISTINCT u.account_id) AS v FROM users u
                     JOIN user_activity ua ON ua.account_id = u.account_id WHERE ua.day >= ",
                )
                .bind(Param::Text(from.date_naive().to_string()))
                .push(" AND ua.day < ")
                .bind(Param::Text(to.date_naive().to_string()))
                .push(" GROUP BY u.locale");
            }
            DimensionKey::Sources => {
                sql.push(
                    "SELECT COALESCE(ap.name, '') AS k, COUNT(*) AS v FROM users u
                     LEFT JOIN apps ap ON ap.id = u.created_by_app_id WHERE 1 = 1",
                );
                time_window(&mut sql, "u.created_at", Some((from, to)));
                sql.push(" GROUP BY COALESCE(ap.name, '')");
            }
            DimensionKey::Servers => {
                sql.push(
                    "SELECT COALESCE(a.domain, '') AS k, COUNT(*) AS v FROM statuses s
                     JOIN accounts a ON a.id = s.account_id WHERE 1 = 1",
                );
                id_window(&mut sql, "s.id", Some((from, to)));
                sql.push(" GROUP BY COALESCE(a.domain, '')");
            }
            DimensionKey::TagServers(tag) | DimensionKey::TagLanguages(tag) => {
                let group = if matches!(key, DimensionKey::TagServers(_)) {
                    "COALESCE(a.domain, '')"
                } else {
                    "COALESCE(s.language, '')"
                };
                sql.push(&format!(
                    "SELECT {group} AS k, COUNT(*) AS v FROM status_tags st JOIN statuses s ON s.id = st.status_id
                     JOIN accounts a ON a.id = s.account_id
                     WHERE s.visibility = 'public' AND s.reblog_of_id IS NULL AND st.tag_id = "
                ))
                .bind_i64(*tag);
                id_window(&mut sql, "st.status_id", Some((from, to)));
                sql.push(&format!(" GROUP BY {group}"));
            }
            DimensionKey::InstanceAccounts(domain) => {
                sql.push(
                    "SELECT a.username AS k, COUNT(*) AS v FROM follows f
                     JOIN accounts a ON a.id = f.target_account_id WHERE a.domain = ",
                )
                .bind(Param::Text(domain.clone()));
                time_window(&mut sql, "f.created_at", Some((from, to)));
                sql.push(" GROUP BY a.username");
            }
            DimensionKey::InstanceLanguages(domain) => {
                sql.push(
                    "SELECT COALESCE(s.language, '') AS k, COUNT(*) AS v FROM statuses s
                     JOIN accounts a ON a.id = s.account_id WHERE a.domain = ",
                )
                .bind(Param::Text(domain.clone()));
                id_window(&mut sql, "s.id", Some((from, to)));
                sql.push(" GROUP BY COALESCE(s.language, '')");
            }
            DimensionKey::SpaceUsage | DimensionKey::SoftwareVersions => {
                return Err(crate::error::Error::internal(
                    "space_usage and software_versions are not grouped rows",
                ));
            }
        }
        sql.push(" ORDER BY v DESC, k LIMIT ").bind_i64(limit);
        let rows: Vec<(String, i64)> = on_pool!(self, pool => bind_params!(sqlx::query_as(AssertSqlSafe(sql.text.clone())), &sql.params)
            .fetch_all(pool).await)?;
        Ok(rows)
    }

    /// Bytes the database takes (PostgreSQL: the database; SQLite: its
    /// main file, without the write-ahead log).
    pub async fn database_size(&self) -> Result<i64> {
        let sql = if self.backend() == "postgres" {
            "SELECT pg_database_size(current_database())"
        } else {
            "SELECT p.page_count * s.page_size FROM pragma_page_count() p, pragma_page_size() s"
        };
        let n: i64 = on_pool!(self, pool => sqlx::query_scalar(sql).fetch_one(pool).await)?;
        Ok(n)
    }

    /// The database server's version (`16.4`, or SQLite's `3.46.0`).
    pub async fn database_version(&self) -> Result<String> {
        let sql = if self.backend() == "postgres" {
            "SELECT current_setting('server_version')"
        } else {
            "SELECT sqlite_version()"
        };
        let v: String = on_pool!(self, pool => sqlx::query_scalar(sql).fetch_one(pool).await)?;
        Ok(v)
    }

    /// Bytes of every media file kept here (attachments and their
    /// thumbnails, local and fetched).
    pub async fn media_bytes(&self) -> Result<i64> {
        let n: i64 = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(file_size + thumbnail_size), 0) AS BIGINT) FROM media_attachments")
            .fetch_one(pool).await)?;
        Ok(n)
    }
}
