//! What the moderation tools read and write: the admin lists of accounts and
//! reports, a report's handling, an account's standing (suspended, silenced,
//! sensitive, disabled, approved), warnings, the audit log, and the
//! addresses users sign up and sign in from.

use chrono::{DateTime, Utc};
use sqlx::AssertSqlSafe;

use super::params::{Param, Sql, bind_params};
use super::{Store, on_pool};
use crate::cache::Invalidation;
use crate::error::Result;
use crate::model::{
    AccountQuery, AccountStatus, AccountWarning, ActionLog, Page, Report, ReportQuery, Standing,
};

/// `text%` for a `lower(column) LIKE lower(…) ESCAPE '\'`: both sides are
/// folded by the database, so SQLite (ASCII folding) and PostgreSQL
/// (Unicode folding) each compare like with like.
fn starts_with(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("{escaped}%")
}

/// A new line of the audit log.
pub struct NewActionLog<'a> {
    pub account_id: i64,
    pub action: &'a str,
    pub target_type: &'a str,
    pub target_id: Option<i64>,
    pub target_name: &'a str,
    pub text: &'a str,
}

impl Store {
    /// Ids of the accounts `q` asks for, in page order.
    pub async fn admin_account_ids(&self, q: &AccountQuery, page: &Page) -> Result<Vec<i64>> {
        let mut sql =
            Sql::new("SELECT a.id FROM accounts a LEFT JOIN users u ON u.account_id = a.id WHERE ");
        sql.push(match q.local {
            Some(true) => "a.domain IS NULL",
            Some(false) => "a.domain IS NOT NULL",
            None => "1 = 1",
        });
        if let Some(domain) = &q.by_domain {
            sql.push(" AND lower(a.domain) = ")
                .bind(Param::Text(domain.to_lowercase()));
        }
        if let Some(status) = q.status {
            sql.push(match status {
                AccountStatus::Active => " AND a.suspended_at IS NULL",
                AccountStatus::Pending => " AND u.account_id IS NOT NULL AND NOT u.approved",
                AccountStatus::Disabled => " AND u.account_id IS NOT NULL AND u.disabled",
                AccountStatus::Silenced => " AND a.silenced_at IS NOT NULL",
                AccountStatus::Suspended => " AND a.suspended_at IS NOT NULL",
                AccountStatus::Sensitized => " AND a.sensitized_at IS NOT NULL",
            });
        }
        if q.staff {
            sql.push(" AND u.role IN ('moderator', 'admin')");
        }
        if let Some(name) = &q.username {
            sql.push(" AND lower(a.username) LIKE lower(")
                .bind(Param::Text(starts_with(name)))
                .push(") ESCAPE '\\'");
        }
        if let Some(name) = &q.display_name {
            sql.push(" AND lower(a.display_name) LIKE lower(")
                .bind(Param::Text(starts_with(name)))
                .push(") ESCAPE '\\'");
        }
        if let Some(email) = &q.email {
            sql.push(" AND lower(u.email) LIKE lower(")
                .bind(Param::Text(starts_with(email)))
                .push(") ESCAPE '\\'");
        }
        if let Some(ip) = &q.ip {
            sql.push(" AND (u.sign_up_ip = ")
                .bind(Param::Text(ip.clone()))
                .push(" OR EXISTS (SELECT 1 FROM user_ips i WHERE i.account_id = a.id AND i.ip = ")
                .bind(Param::Text(ip.clone()))
                .push("))");
        }
        page.apply(&mut sql, "a.id");
        self.query_ids(&sql).await
    }

    /// Sets or lifts a mark on an account (`None` lifts it).
    pub async fn set_account_standing(
        &self,
        account_id: i64,
        standing: Standing,
        at: Option<DateTime<Utc>>,
    ) -> Result<()> {
        // The column comes from a closed set of names, never from input.
        let sql = format!(
            "UPDATE accounts SET {} = $2 WHERE id = $1",
            standing.column()
        );
        on_pool!(self, pool => sqlx::query(AssertSqlSafe(sql.clone()))
            .bind(account_id).bind(at).execute(pool).await.map(|_| ()))?;
        // Statuses render the author's marks (sensitive media, suspension).
        self.cache.invalidate(match standing {
            Standing::Sensitized => Invalidation::AllAccountsAndStatuses,
            _ => Invalidation::Account(account_id),
        });
        self.cache.invalidate(Invalidation::User(account_id));
        Ok(())
    }

    /// Sets whether a local user may sign in (`disabled`) or is still
    /// waiting for approval (`approved`).
    pub async fn set_user_access(
        &self,
        account_id: i64,
        disabled: Option<bool>,
        approved: Option<bool>,
    ) -> Result<()> {
        on_pool!(self, pool => sqlx::query(
            "UPDATE users SET disabled = COALESCE($2, disabled), approved = COALESCE($3, approved)
             WHERE account_id = $1")
            .bind(account_id).bind(disabled).bind(approved).execute(pool).await.map(|_| ()))?;
        self.cache.invalidate(Invalidation::User(account_id));
        self.cache.invalidate(Invalidation::Account(account_id));
        Ok(())
    }

    /// Deletes a sign-up that was never approved, row and all (its name
    /// becomes free again: nothing of it ever left this server).
    pub async fn delete_pending_account(&self, account_id: i64) -> Result<bool> {
        let n = on_pool!(self, pool => sqlx::query(
            "DELETE FROM accounts WHERE id = $1 AND domain IS NULL
               AND EXISTS (SELECT 1 FROM users u WHERE u.account_id = $1 AND NOT u.approved)")
            .bind(account_id).execute(pool).await.map(|r| r.rows_affected()))?;
        self.cache.invalidate(Invalidation::User(account_id));
        self.cache.invalidate(Invalidation::Account(account_id));
        self.cache.invalidate(Invalidation::AllTokens);
        Ok(n > 0)
    }

    /// Notes that `account_id` used `ip` (at sign-up, `sign_up` also keeps
    /// it as the sign-up address).
    pub async fn record_user_ip(
        &self,
        account_id: i64,
        ip: &str,
        at: DateTime<Utc>,
        sign_up: bool,
    ) -> Result<()> {
        on_pool!(self, pool => sqlx::query(
            "INSERT INTO user_ips (account_id, ip, used_at) VALUES ($1, $2, $3)
             ON CONFLICT (account_id, ip) DO UPDATE SET used_at = excluded.used_at")
            .bind(account_id).bind(ip).bind(at).execute(pool).await.map(|_| ()))?;
        if sign_up {
            on_pool!(self, pool => sqlx::query("UPDATE users SET sign_up_ip = $2 WHERE account_id = $1")
                .bind(account_id).bind(ip).execute(pool).await.map(|_| ()))?;
        }
        Ok(())
    }

    /// A user's addresses, most recent first, with when each was last used.
    pub async fn user_ips(&self, account_id: i64) -> Result<Vec<(String, DateTime<Utc>)>> {
        let rows = on_pool!(self, pool => sqlx::query_as(
            "SELECT ip, used_at FROM user_ips WHERE account_id = $1 ORDER BY used_at DESC LIMIT 20")
            .bind(account_id).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// A user's sign-up address, if one was recorded.
    pub async fn sign_up_ip(&self, account_id: i64) -> Result<Option<String>> {
        let ip = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT sign_up_ip FROM users WHERE account_id = $1")
            .bind(account_id).fetch_optional(pool).await)?;
        Ok(ip.flatten())
    }

    /// Local staff (moderators and admins) who may act.
    pub async fn staff_account_ids(&self) -> Result<Vec<i64>> {
        let ids = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT u.account_id FROM users u JOIN accounts a ON a.id = u.account_id
             WHERE u.role IN ('moderator', 'admin') AND NOT u.disabled AND a.suspended_at IS NULL")
            .fetch_all(pool).await)?;
        Ok(ids)
    }

    /// How many sign-ups wait for approval.
    pub async fn count_pending_users(&self) -> Result<i64> {
        let n = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM users WHERE NOT approved").fetch_one(pool).await)?;
        Ok(n)
    }

    pub async fn get_report(&self, id: i64) -> Result<Option<Report>> {
        let r = on_pool!(self, pool => sqlx::query_as("SELECT * FROM reports WHERE id = $1")
            .bind(id).fetch_optional(pool).await)?;
        Ok(r)
    }

    /// Reports `q` asks for, in page order.
    pub async fn admin_reports(&self, q: &ReportQuery, page: &Page) -> Result<Vec<Report>> {
        let mut sql = Sql::new("SELECT * FROM reports r WHERE ");
        sql.push(if q.resolved {
            "r.action_taken_at IS NOT NULL"
        } else {
            "r.action_taken_at IS NULL"
        });
        if let Some(id) = q.account_id {
            sql.push(" AND r.account_id = ").bind_i64(id);
        }
        if let Some(id) = q.target_account_id {
            sql.push(" AND r.target_account_id = ").bind_i64(id);
        }
        page.apply(&mut sql, "r.id");
        let rows = on_pool!(self, pool => bind_params!(sqlx::query_as(AssertSqlSafe(sql.text.clone())), &sql.params)
            .fetch_all(pool).await)?;
        Ok(rows)
    }

    /// How many reports are open.
    pub async fn count_open_reports(&self) -> Result<i64> {
        let n = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM reports WHERE action_taken_at IS NULL").fetch_one(pool).await)?;
        Ok(n)
    }

    /// Gives a report to a moderator (`None`: to nobody).
    pub async fn assign_report(&self, id: i64, to: Option<i64>) -> Result<()> {
        on_pool!(self, pool => sqlx::query(
            "UPDATE reports SET assigned_account_id = $2, updated_at = $3 WHERE id = $1")
            .bind(id).bind(to).bind(Utc::now()).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// Resolves a report (by `by`) or, with `None`, opens it again.
    pub async fn resolve_report(&self, id: i64, by: Option<i64>) -> Result<()> {
        let now = Utc::now();
        let at = by.map(|_| now);
        on_pool!(self, pool => sqlx::query(
            "UPDATE reports SET action_taken_at = $2, action_taken_by_account_id = $3, updated_at = $4
             WHERE id = $1")
            .bind(id).bind(at).bind(by).bind(now).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// Resolves every open report against `target_id` (an action on the
    /// account answers them all, as Mastodon does).
    pub async fn resolve_reports_against(&self, target_id: i64, by: i64) -> Result<()> {
        let now = Utc::now();
        on_pool!(self, pool => sqlx::query(
            "UPDATE reports SET action_taken_at = $2, action_taken_by_account_id = $3, updated_at = $2
             WHERE target_account_id = $1 AND action_taken_at IS NULL")
            .bind(target_id).bind(now).bind(by).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    pub async fn put_account_warning(&self, w: &AccountWarning) -> Result<()> {
        on_pool!(self, pool => sqlx::query(
            "INSERT INTO account_warnings (id, account_id, target_account_id, action, text, report_id, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(w.id).bind(w.account_id).bind(w.target_account_id).bind(&w.action)
            .bind(&w.text).bind(w.report_id).bind(w.created_at).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// Warnings an account received, newest first.
    pub async fn account_warnings(
        &self,
        target_id: i64,
        limit: i64,
    ) -> Result<Vec<AccountWarning>> {
        let rows = on_pool!(self, pool => sqlx::query_as(
            "SELECT * FROM account_warnings WHERE target_account_id = $1 ORDER BY id DESC LIMIT $2")
            .bind(target_id).bind(limit).fetch_all(pool).await)?;
        Ok(rows)
    }

    pub async fn put_action_log(&self, l: &NewActionLog<'_>) -> Result<i64> {
        let id = crate::id::new_id();
        on_pool!(self, pool => sqlx::query(
            "INSERT INTO admin_action_logs (id, account_id, action, target_type, target_id, target_name, text, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(id).bind(l.account_id).bind(l.action).bind(l.target_type).bind(l.target_id)
            .bind(l.target_name).bind(l.text).bind(Utc::now()).execute(pool).await.map(|_| ()))?;
        Ok(id)
    }

    /// The audit log in page order, optionally by one staff member or about
    /// one target.
    pub async fn action_logs(
        &self,
        actor: Option<i64>,
        target: Option<(&str, i64)>,
        page: &Page,
    ) -> Result<Vec<ActionLog>> {
        let mut sql = Sql::new("SELECT * FROM admin_action_logs l WHERE 1 = 1");
        if let Some(id) = actor {
            sql.push(" AND l.account_id = ").bind_i64(id);
        }
        if let Some((kind, id)) = target {
            sql.push(" AND l.target_type = ")
                .bind(Param::Text(kind.to_string()))
                .push(" AND l.target_id = ")
                .bind_i64(id);
        }
        page.apply(&mut sql, "l.id");
        let rows = on_pool!(self, pool => bind_params!(sqlx::query_as(AssertSqlSafe(sql.text.clone())), &sql.params)
            .fetch_all(pool).await)?;
        Ok(rows)
    }
}

impl Store {
    pub async fn get_account_warning(&self, id: i64) -> Result<Option<AccountWarning>> {
        let w = on_pool!(self, pool => sqlx::query_as("SELECT * FROM account_warnings WHERE id = $1")
            .bind(id).fetch_optional(pool).await)?;
        Ok(w)
    }
}

impl Store {
    /// Ids of the held posts of one account, or of every account of one
    /// server, oldest first.
    pub async fn held_status_ids(
        &self,
        account_id: Option<i64>,
        domain: Option<&str>,
    ) -> Result<Vec<i64>> {
        let ids = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT h.id FROM held_statuses h JOIN accounts a ON a.id = h.account_id
             WHERE ($1 IS NULL OR h.account_id = $1) AND ($2 IS NULL OR lower(a.domain) = lower($2))
             ORDER BY h.id LIMIT 1000")
            .bind(account_id).bind(domain).fetch_all(pool).await)?;
        Ok(ids)
    }

    pub async fn count_held_statuses(&self) -> Result<i64> {
        let n = on_pool!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM held_statuses")
            .fetch_one(pool).await)?;
        Ok(n)
    }

    /// Jobs that failed for good.
    pub async fn count_failed_jobs(&self) -> Result<i64> {
        let n = on_pool!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE failed_at IS NOT NULL")
            .fetch_one(pool).await)?;
        Ok(n)
    }
}

impl Store {
    /// Withholds (or releases) the stored files of `account_id`: its
    /// attachments, previews, originals, avatar and header.
    pub async fn withhold_media(&self, account_id: i64, withheld: bool) -> Result<()> {
        if !withheld {
            on_pool!(self, pool => sqlx::query("DELETE FROM withheld_media WHERE account_id = $1")
                .bind(account_id).execute(pool).await.map(|_| ()))?;
            return Ok(());
        }
        for sql in [
            "INSERT INTO withheld_media (key, account_id) SELECT file_key, account_id FROM media_attachments
             WHERE account_id = $1 AND file_key IS NOT NULL ON CONFLICT (key) DO NOTHING",
            "INSERT INTO withheld_media (key, account_id) SELECT thumbnail_key, account_id FROM media_attachments
             WHERE account_id = $1 AND thumbnail_key IS NOT NULL ON CONFLICT (key) DO NOTHING",
            "INSERT INTO withheld_media (key, account_id) SELECT source_key, account_id FROM media_attachments
             WHERE account_id = $1 AND source_key IS NOT NULL ON CONFLICT (key) DO NOTHING",
            "INSERT INTO withheld_media (key, account_id) SELECT avatar_key, id FROM accounts
             WHERE id = $1 AND avatar_key IS NOT NULL ON CONFLICT (key) DO NOTHING",
            "INSERT INTO withheld_media (key, account_id) SELECT header_key, id FROM accounts
             WHERE id = $1 AND header_key IS NOT NULL ON CONFLICT (key) DO NOTHING",
        ] {
            on_pool!(self, pool => sqlx::query(sql).bind(account_id).execute(pool).await.map(|_| ()))?;
        }
        Ok(())
    }

    /// Whether the file stored under `key` is withheld.
    pub async fn media_withheld(&self, key: &str) -> Result<bool> {
        let found: Option<i64> = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT account_id FROM withheld_media WHERE key = $1")
            .bind(key).fetch_optional(pool).await)?;
        Ok(found.is_some())
    }
}

impl Store {
    /// The rules in force, in order.
    pub async fn rules(&self) -> Result<Vec<crate::model::Rule>> {
        let rows = on_pool!(self, pool => sqlx::query_as(
            "SELECT * FROM rules WHERE deleted_at IS NULL ORDER BY position, id")
            .fetch_all(pool).await)?;
        Ok(rows)
    }

    pub async fn put_rule(&self, r: &crate::model::Rule) -> Result<()> {
        on_pool!(self, pool => sqlx::query(
            "INSERT INTO rules (id, text, hint, position, created_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (id) DO UPDATE SET text = excluded.text, hint = excluded.hint, position = excluded.position")
            .bind(r.id).bind(&r.text).bind(&r.hint).bind(r.position).bind(r.created_at)
            .execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// Retires a rule (reports keep citing it); false if there was none.
    pub async fn delete_rule(&self, id: i64) -> Result<bool> {
        let n = on_pool!(self, pool => sqlx::query(
            "UPDATE rules SET deleted_at = $2 WHERE id = $1 AND deleted_at IS NULL")
            .bind(id).bind(Utc::now()).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    /// Rules by id, retired ones included (what old reports cite).
    pub async fn rules_by_id(&self, ids: &[i64]) -> Result<Vec<crate::model::Rule>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new("SELECT * FROM rules WHERE id IN ");
        sql.bind_list(ids);
        sql.push(" ORDER BY position, id");
        let rows = on_pool!(self, pool => bind_params!(sqlx::query_as(AssertSqlSafe(sql.text.clone())), &sql.params)
            .fetch_all(pool).await)?;
        Ok(rows)
    }
}

impl Store {
    /// Sets (or, with `None`, removes) a setting of the instance.
    pub async fn put_setting(&self, key: &str, value: Option<&str>) -> Result<()> {
        match value {
            Some(v) => on_pool!(self, pool => sqlx::query(
                "INSERT INTO instance_settings (key, value) VALUES ($1, $2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value")
                .bind(key).bind(v).execute(pool).await.map(|_| ()))?,
            None => {
                on_pool!(self, pool => sqlx::query("DELETE FROM instance_settings WHERE key = $1")
                .bind(key).execute(pool).await.map(|_| ()))?
            }
        }
        Ok(())
    }
}

impl Store {
    /// Suspended accounts (not yet deleted) suspended before `cutoff`, at
    /// most `limit`, oldest first.
    pub async fn suspended_before(&self, cutoff: DateTime<Utc>, limit: i64) -> Result<Vec<i64>> {
        let ids = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT id FROM accounts WHERE suspended_at IS NOT NULL AND suspended_at < $1 AND deleted_at IS NULL
             ORDER BY suspended_at LIMIT $2")
            .bind(cutoff).bind(limit).fetch_all(pool).await)?;
        Ok(ids)
    }
}
