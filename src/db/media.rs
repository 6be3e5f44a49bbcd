//! Media attachments: uploads, their processing state, the copies of remote
//! files, and what pruning and `roost media usage` read.

use chrono::{DateTime, Utc};
use sqlx::AssertSqlSafe;

use super::params::{Sql, bind_params};
use super::{BeginWrite, Store, on_pool};
use crate::cache::Invalidation;
use crate::error::Result;
use crate::model::MediaAttachment;

/// Bytes and files in storage, by origin, for `roost media usage`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MediaUsage {
    pub local_files: i64,
    pub local_bytes: i64,
    pub remote_cached_files: i64,
    pub remote_cached_bytes: i64,
    pub unattached_files: i64,
    pub unattached_bytes: i64,
    pub avatars_and_headers: i64,
}

impl Store {
    pub async fn put_media(&self, m: &MediaAttachment) -> Result<()> {
        on_pool!(self, pool => sqlx::query(
            "INSERT INTO media_attachments (id, account_id, status_id, kind, state, file_key, content_type, file_size,
                thumbnail_key, thumbnail_size, custom_thumbnail, source_key, meta, description, focus_x, focus_y,
                blurhash, remote_url, created_at, updated_at, cached_at, last_viewed_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)")
            .bind(m.id).bind(m.account_id).bind(m.status_id).bind(&m.kind).bind(&m.state).bind(&m.file_key)
            .bind(&m.content_type).bind(m.file_size).bind(&m.thumbnail_key).bind(m.thumbnail_size)
            .bind(m.custom_thumbnail).bind(&m.source_key).bind(&m.meta).bind(&m.description)
            .bind(m.focus_x).bind(m.focus_y).bind(&m.blurhash).bind(&m.remote_url)
            .bind(m.created_at).bind(m.updated_at).bind(m.cached_at).bind(m.last_viewed_at)
            .execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// Writes every column processing or an edit can change.
    pub async fn update_media(&self, m: &MediaAttachment) -> Result<()> {
        on_pool!(self, pool => sqlx::query(
            "UPDATE media_attachments SET kind = $2, state = $3, file_key = $4, content_type = $5, file_size = $6,
                thumbnail_key = $7, thumbnail_size = $8, custom_thumbnail = $9, source_key = $10, meta = $11,
                description = $12, focus_x = $13, focus_y = $14, blurhash = $15, updated_at = $16, cached_at = $17
             WHERE id = $1")
            .bind(m.id).bind(&m.kind).bind(&m.state).bind(&m.file_key).bind(&m.content_type).bind(m.file_size)
            .bind(&m.thumbnail_key).bind(m.thumbnail_size).bind(m.custom_thumbnail).bind(&m.source_key)
            .bind(&m.meta).bind(&m.description).bind(m.focus_x).bind(m.focus_y).bind(&m.blurhash)
            .bind(m.updated_at).bind(m.cached_at)
            .execute(pool).await.map(|_| ()))?;
        self.forget_media(m);
        Ok(())
    }

    /// Changes what a client may change on an upload: alt text and focus.
    pub async fn update_media_text(&self, m: &MediaAttachment) -> Result<()> {
        on_pool!(self, pool => sqlx::query(
            "UPDATE media_attachments SET description = $2, focus_x = $3, focus_y = $4, updated_at = $5 WHERE id = $1")
            .bind(m.id).bind(&m.description).bind(m.focus_x).bind(m.focus_y).bind(m.updated_at)
            .execute(pool).await.map(|_| ()))?;
        self.forget_media(m);
        Ok(())
    }

    /// Records a processing job's result, only if the attachment is still
    /// waiting for that job (not deleted, not finished by another worker).
    /// False means the caller's new files belong to nobody.
    pub async fn finish_media_processing(
        &self,
        m: &MediaAttachment,
        source_key: &str,
    ) -> Result<bool> {
        let done = on_pool!(self, pool => sqlx::query(
            "UPDATE media_attachments SET state = $3, file_key = $4, content_type = $5, file_size = $6,
                thumbnail_key = $7, thumbnail_size = $8, meta = $9, blurhash = $10, source_key = NULL, updated_at = $11
             WHERE id = $1 AND state = 'processing' AND source_key = $2")
            .bind(m.id).bind(source_key).bind(&m.state).bind(&m.file_key).bind(&m.content_type).bind(m.file_size)
            .bind(&m.thumbnail_key).bind(m.thumbnail_size).bind(&m.meta).bind(&m.blurhash).bind(m.updated_at)
            .execute(pool).await.map(|r| r.rows_affected()))?;
        self.forget_media(m);
        Ok(done == 1)
    }

    pub async fn get_media(&self, id: i64) -> Result<Option<MediaAttachment>> {
        Ok(self.get_media_many(&[id]).await?.pop())
    }

    /// The attachments with these ids that exist, in no particular order.
    pub async fn get_media_many(&self, ids: &[i64]) -> Result<Vec<MediaAttachment>> {
        let ticket = self.cache.media.ticket();
        let (found, missing) = self.cache.media.get_many(ids);
        let mut out: Vec<MediaAttachment> = found.into_iter().map(|(_, m)| m).collect();
        if !missing.is_empty() {
            let mut sql = Sql::new("SELECT * FROM media_attachments WHERE id IN ");
            sql.bind_list(&missing);
            let rows: Vec<MediaAttachment> = on_pool!(self, pool =>
                bind_params!(sqlx::query_as(AssertSqlSafe(sql.text.clone())), &sql.params).fetch_all(pool).await)?;
            for m in &rows {
                self.cache.media.put(ticket, m.id, m.clone());
            }
            out.extend(rows);
        }
        Ok(out)
    }

    /// Deletes an attachment's row (its files are the caller's to remove).
    pub async fn delete_media(&self, m: &MediaAttachment) -> Result<()> {
        on_pool!(self, pool => sqlx::query("DELETE FROM media_attachments WHERE id = $1")
            .bind(m.id).execute(pool).await.map(|_| ()))?;
        self.forget_media(m);
        Ok(())
    }

    /// Deletes an upload only while no post has taken it: false if one has.
    pub async fn delete_unattached_media(&self, m: &MediaAttachment) -> Result<bool> {
        let done = on_pool!(self, pool => sqlx::query("DELETE FROM media_attachments WHERE id = $1 AND status_id IS NULL")
            .bind(m.id).execute(pool).await.map(|r| r.rows_affected()))?;
        self.forget_media(m);
        Ok(done == 1)
    }

    fn forget_media(&self, m: &MediaAttachment) {
        self.cache.invalidate(Invalidation::Media(m.id));
        if let Some(status) = m.status_id {
            self.cache.invalidate(Invalidation::Status(status));
        }
    }

    /// Local uploads no post took, created before `before`.
    pub async fn unattached_media_before(
        &self,
        before: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<MediaAttachment>> {
        let rows = on_pool!(self, pool => sqlx::query_as(
            "SELECT * FROM media_attachments WHERE status_id IS NULL AND remote_url IS NULL AND created_at < $1
             ORDER BY created_at LIMIT $2")
            .bind(before).bind(limit).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// Remote attachments with a cached copy last viewed (or cached) before `before`.
    pub async fn cached_remote_media_before(
        &self,
        before: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<MediaAttachment>> {
        let rows = on_pool!(self, pool => sqlx::query_as(
            "SELECT * FROM media_attachments WHERE remote_url IS NOT NULL AND file_key IS NOT NULL
             AND cached_at < $1 AND (last_viewed_at IS NULL OR last_viewed_at < $1)
             ORDER BY cached_at LIMIT $2")
            .bind(before).bind(limit).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// Every attachment of an account (its deletion removes their files).
    pub async fn media_of_account(&self, account_id: i64) -> Result<Vec<MediaAttachment>> {
        let rows = on_pool!(self, pool => sqlx::query_as("SELECT * FROM media_attachments WHERE account_id = $1")
            .bind(account_id).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// Remote attachments whose post is gone.
    pub async fn orphaned_remote_media(&self, limit: i64) -> Result<Vec<MediaAttachment>> {
        let rows = on_pool!(self, pool => sqlx::query_as(
            "SELECT * FROM media_attachments WHERE status_id IS NULL AND remote_url IS NOT NULL LIMIT $1")
            .bind(limit).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// Records that a cached remote file was served (pruning spares it).
    pub async fn touch_media(&self, id: i64, now: DateTime<Utc>) -> Result<()> {
        on_pool!(self, pool => sqlx::query("UPDATE media_attachments SET last_viewed_at = $2 WHERE id = $1")
            .bind(id).bind(now).execute(pool).await.map(|_| ()))?;
        self.cache.invalidate(Invalidation::Media(id));
        Ok(())
    }

    /// Sets (or clears) a local account's avatar or header file, returning
    /// the key it replaces.
    pub async fn set_account_image(
        &self,
        account_id: i64,
        header: bool,
        key: Option<&str>,
    ) -> Result<Option<String>> {
        let column = if header { "header_key" } else { "avatar_key" };
        let old: Option<Option<String>> = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let old: Option<Option<String>> = sqlx::query_scalar(AssertSqlSafe(format!("SELECT {column} FROM accounts WHERE id = $1")))
                .bind(account_id).fetch_optional(&mut *tx).await?;
            sqlx::query(AssertSqlSafe(format!("UPDATE accounts SET {column} = $2 WHERE id = $1")))
                .bind(account_id).bind(key).execute(&mut *tx).await?;
            tx.commit().await.map(|()| old)
        })?;
        self.cache.invalidate(Invalidation::Account(account_id));
        Ok(old.flatten())
    }

    pub async fn media_usage(&self) -> Result<MediaUsage> {
        let (lf, lb, rf, rb, uf, ub, images): (i64, i64, i64, i64, i64, i64, i64) = on_pool!(self, pool => sqlx::query_as(
            "SELECT
                CAST(COALESCE(SUM(CASE WHEN remote_url IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT),
                CAST(COALESCE(SUM(CASE WHEN remote_url IS NULL THEN file_size + thumbnail_size ELSE 0 END), 0) AS BIGINT),
                CAST(COALESCE(SUM(CASE WHEN remote_url IS NOT NULL AND file_key IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT),
                CAST(COALESCE(SUM(CASE WHEN remote_url IS NOT NULL AND file_key IS NOT NULL THEN file_size + thumbnail_size ELSE 0 END), 0) AS BIGINT),
                CAST(COALESCE(SUM(CASE WHEN remote_url IS NULL AND status_id IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT),
                CAST(COALESCE(SUM(CASE WHEN remote_url IS NULL AND status_id IS NULL THEN file_size + thumbnail_size ELSE 0 END), 0) AS BIGINT),
                (SELECT COUNT(avatar_key) + COUNT(header_key) FROM accounts)
             FROM media_attachments")
            .fetch_one(pool).await)?;
        Ok(MediaUsage {
            local_files: lf,
            local_bytes: lb,
            remote_cached_files: rf,
            remote_cached_bytes: rb,
            unattached_files: uf,
            unattached_bytes: ub,
            avatars_and_headers: images,
        })
    }
}
