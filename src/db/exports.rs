//! "Your data": what an account's exports read (its follows, followers,
//! lists, blocks, mutes, blocked domains, bookmarks, favourites, posts),
//! the `archives` of its posts, and its CSV `imports` with their rows.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{BeginWrite, Store, on_pool};
use crate::error::Result;
use crate::model::row::db_row;
use crate::model::{Archive, Import, ImportRow, Json, Status};

/// An account in an export: its id, its username and, for a remote
/// account, its domain.
pub type Handle = (i64, String, Option<String>);

db_row! {
    /// One followed account (its id, address) with the follow's options.
    #[derive(Debug, Clone)]
    pub struct FollowedRow {
        pub id: i64,
        pub username: String,
        pub domain: Option<String>,
        pub show_reblogs: bool,
        pub notify: bool,
        pub languages: Option<Json<Vec<String>>>,
    }
}

db_row! {
    /// How many entries each export of an account has.
    #[derive(Debug, Clone, Default)]
    pub struct ExportCounts {
        pub following: i64,
        pub followers: i64,
        pub lists: i64,
        pub blocks: i64,
        pub mutes: i64,
        pub domain_blocks: i64,
        pub bookmarks: i64,
        pub statuses: i64,
    }
}

impl Store {
    /// The accounts `account_id` follows, oldest follow first.
    pub async fn export_following(&self, account_id: i64) -> Result<Vec<FollowedRow>> {
        let rows = on_pool!(self, pool => sqlx::query_as(
            "SELECT a.id, a.username, a.domain, f.show_reblogs, f.notify, f.languages
             FROM follows f JOIN accounts a ON a.id = f.target_account_id
             WHERE f.account_id = $1 ORDER BY f.id")
            .bind(account_id).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// The accounts that follow `account_id`, oldest follow first.
    pub async fn export_followers(&self, account_id: i64) -> Result<Vec<Handle>> {
        let rows = on_pool!(self, pool => sqlx::query_as(
            "SELECT a.id, a.username, a.domain FROM follows f JOIN accounts a ON a.id = f.account_id
             WHERE f.target_account_id = $1 ORDER BY f.id")
            .bind(account_id).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// The accounts `account_id` blocks, oldest block first.
    pub async fn export_blocks(&self, account_id: i64) -> Result<Vec<Handle>> {
        let rows = on_pool!(self, pool => sqlx::query_as(
            "SELECT a.id, a.username, a.domain FROM blocks b JOIN accounts a ON a.id = b.target_account_id
             WHERE b.account_id = $1 ORDER BY b.id")
            .bind(account_id).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// The accounts `account_id` mutes (expired mutes left out), with
    /// whether their notifications are hidden.
    pub async fn export_mutes(
        &self,
        account_id: i64,
        now: DateTime<Utc>,
    ) -> Result<Vec<(i64, String, Option<String>, bool)>> {
        let rows = on_pool!(self, pool => sqlx::query_as(
            "SELECT a.id, a.username, a.domain, m.hide_notifications
             FROM mutes m JOIN accounts a ON a.id = m.target_account_id
             WHERE m.account_id = $1 AND (m.expires_at IS NULL OR m.expires_at > $2) ORDER BY m.id")
            .bind(account_id).bind(now).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// The domains `account_id` blocks, oldest first.
    pub async fn export_domain_blocks(&self, account_id: i64) -> Result<Vec<String>> {
        let rows = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT domain FROM account_domain_blocks WHERE account_id = $1 ORDER BY id")
            .bind(account_id).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// The statuses `account_id` bookmarked (`bookmarks`) or favourited
    /// (`favourites`), oldest first: their ids and ActivityPub ids.
    pub async fn export_flagged(
        &self,
        table: Flags,
        account_id: i64,
    ) -> Result<Vec<(i64, String)>> {
        let sql = match table {
            Flags::Bookmarks => {
                "SELECT s.id, s.uri FROM bookmarks b JOIN statuses s ON s.id = b.status_id
                 WHERE b.account_id = $1 ORDER BY b.id"
            }
            Flags::Favourites => {
                "SELECT s.id, s.uri FROM favourites b JOIN statuses s ON s.id = b.status_id
                 WHERE b.account_id = $1 ORDER BY b.id"
            }
        };
        let rows = on_pool!(self, pool => sqlx::query_as(sql)
            .bind(account_id).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// Every member of `account_id`'s lists as (list title, member), by
    /// list then member.
    pub async fn export_list_members(
        &self,
        account_id: i64,
    ) -> Result<Vec<(String, String, Option<String>)>> {
        let rows = on_pool!(self, pool => sqlx::query_as(
            "SELECT l.title, a.username, a.domain FROM lists l
             JOIN list_accounts la ON la.list_id = l.id JOIN accounts a ON a.id = la.account_id
             WHERE l.account_id = $1 ORDER BY l.id, a.id")
            .bind(account_id).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// How many rows each export of `account_id` has, in one query.
    pub async fn export_counts(&self, account_id: i64) -> Result<ExportCounts> {
        let row = on_pool!(self, pool => sqlx::query_as(
            "SELECT
               (SELECT COUNT(*) FROM follows WHERE account_id = $1) AS following,
               (SELECT COUNT(*) FROM follows WHERE target_account_id = $1) AS followers,
               (SELECT COUNT(*) FROM lists WHERE account_id = $1) AS lists,
               (SELECT COUNT(*) FROM blocks WHERE account_id = $1) AS blocks,
               (SELECT COUNT(*) FROM mutes WHERE account_id = $1) AS mutes,
               (SELECT COUNT(*) FROM account_domain_blocks WHERE account_id = $1) AS domain_blocks,
               (SELECT COUNT(*) FROM bookmarks WHERE account_id = $1) AS bookmarks,
               (SELECT COUNT(*) FROM statuses WHERE account_id = $1) AS statuses")
            .bind(account_id).fetch_one(pool).await)?;
        Ok(row)
    }

    /// `account_id`'s statuses (posts and boosts, any visibility) after
    /// `after_id`, oldest first: an archive reads them a page at a time.
    pub async fn archive_statuses(
        &self,
        account_id: i64,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<Status>> {
        let rows = on_pool!(self, pool => sqlx::query_as(
            "SELECT * FROM statuses WHERE account_id = $1 AND id > $2 ORDER BY id LIMIT $3")
            .bind(account_id).bind(after_id).bind(limit).fetch_all(pool).await)?;
        Ok(rows)
    }

    pub async fn put_archive(&self, a: &Archive) -> Result<()> {
        on_pool!(self, pool => sqlx::query(
            "INSERT INTO archives (id, account_id, state, storage_key, size, created_at, finished_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(a.id).bind(a.account_id).bind(&a.state).bind(&a.storage_key).bind(a.size)
            .bind(a.created_at).bind(a.finished_at)
            .execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    pub async fn get_archive(&self, id: i64) -> Result<Option<Archive>> {
        let row = on_pool!(self, pool => sqlx::query_as("SELECT * FROM archives WHERE id = $1")
            .bind(id).fetch_optional(pool).await)?;
        Ok(row)
    }

    /// `account_id`'s newest archive.
    pub async fn latest_archive(&self, account_id: i64) -> Result<Option<Archive>> {
        let row = on_pool!(self, pool => sqlx::query_as(
            "SELECT * FROM archives WHERE account_id = $1 ORDER BY id DESC LIMIT 1")
            .bind(account_id).fetch_optional(pool).await)?;
        Ok(row)
    }

    /// Marks archive `id` done (its zip at `key`) or, with no key, failed.
    pub async fn finish_archive(
        &self,
        id: i64,
        key: Option<&str>,
        size: i64,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let state = if key.is_some() {
            crate::model::export::state::DONE
        } else {
            crate::model::export::state::FAILED
        };
        on_pool!(self, pool => sqlx::query(
            "UPDATE archives SET state = $2, storage_key = $3, size = $4, finished_at = $5 WHERE id = $1")
            .bind(id).bind(state).bind(key).bind(size).bind(now)
            .execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// Deletes `account_id`'s archives older than `id`; returns the storage
    /// keys of their zips, for the caller to remove.
    pub async fn delete_archives_before(&self, account_id: i64, id: i64) -> Result<Vec<String>> {
        let keys: Vec<Option<String>> = on_pool!(self, pool => sqlx::query_scalar(
            "DELETE FROM archives WHERE account_id = $1 AND id < $2 RETURNING storage_key")
            .bind(account_id).bind(id).fetch_all(pool).await)?;
        Ok(keys.into_iter().flatten().collect())
    }

    /// Stores an import and its rows (the rows' values, numbered from 0) in
    /// one transaction.
    pub async fn put_import(&self, i: &Import, rows: &[Value]) -> Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "INSERT INTO imports (id, account_id, kind, overwrite, state, file_name, total_rows,
                    processed_rows, imported_rows, created_at, finished_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
                .bind(i.id).bind(i.account_id).bind(&i.kind).bind(i.overwrite).bind(&i.state)
                .bind(&i.file_name).bind(i.total_rows).bind(i.processed_rows).bind(i.imported_rows)
                .bind(i.created_at).bind(i.finished_at)
                .execute(&mut *tx).await?;
            for (position, data) in (0i64..).zip(rows) {
                sqlx::query("INSERT INTO import_rows (import_id, position, data) VALUES ($1, $2, $3)")
                    .bind(i.id).bind(position).bind(Json(data))
                    .execute(&mut *tx).await?;
            }
            tx.commit().await
        })?;
        Ok(())
    }

    pub async fn get_import(&self, id: i64) -> Result<Option<Import>> {
        let row = on_pool!(self, pool => sqlx::query_as("SELECT * FROM imports WHERE id = $1")
            .bind(id).fetch_optional(pool).await)?;
        Ok(row)
    }

    /// `account_id`'s newest imports, newest first.
    pub async fn imports_of(&self, account_id: i64, limit: i64) -> Result<Vec<Import>> {
        let rows = on_pool!(self, pool => sqlx::query_as(
            "SELECT * FROM imports WHERE account_id = $1 ORDER BY id DESC LIMIT $2")
            .bind(account_id).bind(limit).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// Deletes `account_id`'s finished imports older than its newest
    /// `keep`, with their rows (by cascade).
    pub async fn delete_old_imports(&self, account_id: i64, keep: i64) -> Result<()> {
        on_pool!(self, pool => sqlx::query(
            "DELETE FROM imports WHERE account_id = $1 AND state = $3 AND id <=
               (SELECT id FROM imports WHERE account_id = $1 ORDER BY id DESC LIMIT 1 OFFSET $2)")
            .bind(account_id).bind(keep).bind(crate::model::export::state::FINISHED)
            .execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// Whether `account_id` has an import of `kind` not finished yet.
    pub async fn import_running(&self, account_id: i64, kind: &str) -> Result<bool> {
        let n: i64 = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM imports WHERE account_id = $1 AND kind = $2 AND state <> $3")
            .bind(account_id).bind(kind).bind(crate::model::export::state::FINISHED)
            .fetch_one(pool).await)?;
        Ok(n > 0)
    }

    pub async fn set_import_state(
        &self,
        id: i64,
        state: &str,
        finished_at: Option<DateTime<Utc>>,
    ) -> Result<()> {
        on_pool!(self, pool => sqlx::query(
            "UPDATE imports SET state = $2, finished_at = $3 WHERE id = $1")
            .bind(id).bind(state).bind(finished_at)
            .execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// The values of every row of import `id` (for an overwrite, which
    /// keeps what the file lists).
    pub async fn import_values(&self, id: i64) -> Result<Vec<Json<Value>>> {
        let rows = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT data FROM import_rows WHERE import_id = $1 ORDER BY position")
            .bind(id).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// The next rows of import `id` still to apply, in file order.
    pub async fn pending_import_rows(&self, id: i64, limit: i64) -> Result<Vec<ImportRow>> {
        let rows = on_pool!(self, pool => sqlx::query_as(
            "SELECT * FROM import_rows WHERE import_id = $1 AND NOT done ORDER BY position LIMIT $2")
            .bind(id).bind(limit).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// The rows of import `id` that failed, in file order.
    pub async fn failed_import_rows(&self, id: i64, limit: i64) -> Result<Vec<ImportRow>> {
        let rows = on_pool!(self, pool => sqlx::query_as(
            "SELECT * FROM import_rows WHERE import_id = $1 AND done ORDER BY position LIMIT $2")
            .bind(id).bind(limit).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// Records how row `position` of import `id` went, and counts it: an
    /// applied row is deleted, a failed one kept with `failure`. Once only:
    /// a row already recorded is left as it is.
    pub async fn finish_import_row(
        &self,
        id: i64,
        position: i64,
        failure: Option<&str>,
    ) -> Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = match failure {
                None => sqlx::query(
                    "DELETE FROM import_rows WHERE import_id = $1 AND position = $2 AND NOT done")
                    .bind(id).bind(position).execute(&mut *tx).await?,
                Some(why) => sqlx::query(
                    "UPDATE import_rows SET done = TRUE, failure = $3
                     WHERE import_id = $1 AND position = $2 AND NOT done")
                    .bind(id).bind(position).bind(why).execute(&mut *tx).await?,
            }.rows_affected();
            if n == 1 {
                sqlx::query(
                    "UPDATE imports SET processed_rows = processed_rows + 1,
                        imported_rows = imported_rows + $2 WHERE id = $1")
                    .bind(id).bind(i64::from(failure.is_none()))
                    .execute(&mut *tx).await?;
            }
            tx.commit().await
        })?;
        Ok(())
    }
}

/// Which per-account marks on statuses an export reads.
#[derive(Debug, Clone, Copy)]
pub enum Flags {
    Bookmarks,
    Favourites,
}
