//! Statuses, their mentions and tags, edits, favourites, boosts, bookmarks, pins.

use chrono::{DateTime, Utc};
use sqlx::AssertSqlSafe;

use super::params::{Param, Sql, bind_params};
use super::{BeginWrite, Store, on_pool};
use crate::cache::Invalidation;
use crate::error::Result;
use crate::model::ScheduledStatus;
use crate::model::{Status, StatusEdit};

/// What a new status writes besides its own row.
pub struct NewStatus<'a> {
    pub status: &'a Status,
    pub poll: Option<&'a crate::model::Poll>,
    pub mentions: &'a [i64],
    pub tags: &'a [String],
    pub idempotency_key: Option<&'a str>,
    /// The author's uploads the post takes (`status.media_ids`, checked by
    /// the caller; taken only if still unattached).
    pub attach_media: &'a [i64],
    /// Attachments that arrive with the post (remote posts).
    pub new_media: &'a [crate::model::MediaAttachment],
    /// The post it quotes.
    pub quote: Option<&'a crate::model::Quote>,
}

/// A job written in the same transaction as a status (its safety net, a
/// poll's end), so the two exist together or not at all.
pub struct JobWithStatus {
    pub id: i64,
    pub job: super::jobs::NewJob,
    pub run_at: chrono::DateTime<chrono::Utc>,
    pub max_attempts: i64,
}

impl Store {
    /// Inserts a status with its mentions and tags, bumps the author's counters
    /// and the parent's reply count, and queues `jobs`, in one transaction.
    pub async fn put_status(&self, n: &NewStatus<'_>, jobs: &[JobWithStatus]) -> Result<()> {
        let s = n.status;
        let now = s.created_at;
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "INSERT INTO statuses (id, account_id, uri, url, local, in_reply_to_id, in_reply_to_account_id,
                    reblog_of_id, conversation_id, visibility, text, content, spoiler_text, sensitive, language,
                    application_id, poll_id, created_at, remote_attachments, media_ids, quote_policy)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)")
                .bind(s.id).bind(s.account_id).bind(&s.uri).bind(&s.url).bind(s.local)
                .bind(s.in_reply_to_id).bind(s.in_reply_to_account_id).bind(s.reblog_of_id)
                .bind(s.conversation_id).bind(&s.visibility).bind(&s.text).bind(&s.content)
                .bind(&s.spoiler_text).bind(s.sensitive).bind(&s.language).bind(s.application_id)
                .bind(s.poll_id).bind(now).bind(&s.remote_attachments).bind(&s.media_ids)
                .bind(s.quote_policy)
                .execute(&mut *tx).await?;
            if let Some(q) = n.quote {
                super::quotes::insert_quote!(tx, q).await?;
            }
            for media_id in n.attach_media {
                let taken = sqlx::query("UPDATE media_attachments SET status_id = $1 WHERE id = $2 AND account_id = $3 AND status_id IS NULL")
                    .bind(s.id).bind(*media_id).bind(s.account_id).execute(&mut *tx).await?;
                if taken.rows_affected() != 1 {
                    // Another post took it since the caller checked.
                    return Err(crate::error::Error::unprocessable("Validation failed: Media ids are not media you uploaded"));
                }
            }
            for m in n.new_media {
                sqlx::query(
                    "INSERT INTO media_attachments (id, account_id, status_id, kind, state, content_type, meta, description,
                        focus_x, focus_y, blurhash, remote_url, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)")
                    .bind(m.id).bind(s.account_id).bind(s.id).bind(&m.kind).bind(&m.state).bind(&m.content_type)
                    .bind(&m.meta).bind(&m.description).bind(m.focus_x).bind(m.focus_y).bind(&m.blurhash)
                    .bind(&m.remote_url).bind(m.created_at).bind(m.updated_at)
                    .execute(&mut *tx).await?;
            }
            for account_id in n.mentions {
                sqlx::query("INSERT INTO mentions (status_id, account_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(s.id).bind(*account_id).execute(&mut *tx).await?;
            }
            if let Some(p) = n.poll {
                sqlx::query("INSERT INTO polls (id, status_id, options, multiple, hide_totals, expires_at, created_at, remote_tallies, votes_count, voters_count)
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
                    .bind(p.id).bind(s.id).bind(&p.options).bind(p.multiple).bind(p.hide_totals).bind(p.expires_at).bind(now)
                    .bind(&p.remote_tallies).bind(p.votes_count).bind(p.voters_count)
                    .execute(&mut *tx).await?;
            }
            for name in n.tags {
                sqlx::query("INSERT INTO tags (id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING")
                    .bind(crate::id::new_id()).bind(name).bind(now).execute(&mut *tx).await?;
                sqlx::query("INSERT INTO status_tags (tag_id, status_id) SELECT id, $1 FROM tags WHERE name = $2 ON CONFLICT DO NOTHING")
                    .bind(s.id).bind(name).execute(&mut *tx).await?;
            }
            sqlx::query("UPDATE accounts SET statuses_count = statuses_count + 1, last_status_at = $2 WHERE id = $1")
                .bind(s.account_id).bind(now).execute(&mut *tx).await?;
            if let Some(parent) = s.in_reply_to_id {
                sqlx::query("UPDATE statuses SET replies_count = replies_count + 1 WHERE id = $1")
                    .bind(parent).execute(&mut *tx).await?;
            }
            if let Some(of) = s.reblog_of_id {
                sqlx::query("UPDATE statuses SET reblogs_count = reblogs_count + 1 WHERE id = $1")
                    .bind(of).execute(&mut *tx).await?;
            }
            if let Some(key) = n.idempotency_key {
                sqlx::query("INSERT INTO idempotency_keys (account_id, key, status_id, created_at) VALUES ($1, $2, $3, $4)")
                    .bind(s.account_id).bind(key).bind(s.id).bind(now).execute(&mut *tx).await?;
            }
            for j in jobs {
                sqlx::query(
                    "INSERT INTO jobs (id, queue, kind, payload, run_at, max_attempts, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                    .bind(j.id).bind(j.job.queue).bind(j.job.kind).bind(sqlx::types::Json(&j.job.payload))
                    .bind(j.run_at).bind(j.max_attempts).bind(now).execute(&mut *tx).await?;
            }
            tx.commit().await
        })?;
        self.cache.invalidate(Invalidation::Account(s.account_id));
        for id in n.attach_media {
            self.cache.invalidate(Invalidation::Media(*id));
        }
        let quoted = n.quote.and_then(|q| q.quoted_status_id);
        for id in [s.in_reply_to_id, s.reblog_of_id, quoted]
            .into_iter()
            .flatten()
        {
            self.cache.invalidate(Invalidation::Status(id));
        }
        Ok(())
    }

    /// The status an earlier request with the same `Idempotency-Key` created.
    pub async fn get_status_by_idempotency_key(
        &self,
        account_id: i64,
        key: &str,
    ) -> Result<Option<i64>> {
        let id = on_pool!(self, pool => sqlx::query_scalar("SELECT status_id FROM idempotency_keys WHERE account_id = $1 AND key = $2")
            .bind(account_id).bind(key).fetch_optional(pool).await)?;
        Ok(id)
    }

    pub async fn get_status(&self, id: i64) -> Result<Option<Status>> {
        let ticket = self.cache.statuses.ticket();
        if let Some(s) = self.cache.statuses.get(&id) {
            return Ok(Some(s));
        }
        let row: Option<Status> = on_pool!(self, pool => sqlx::query_as("SELECT * FROM statuses WHERE id = $1")
            .bind(id).fetch_optional(pool).await)?;
        if let Some(s) = &row {
            self.cache.statuses.put(ticket, id, s.clone());
        }
        Ok(row)
    }

    /// Statuses by id, in no particular order; missing ids are skipped.
    pub async fn get_statuses(&self, ids: &[i64]) -> Result<Vec<Status>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let ticket = self.cache.statuses.ticket();
        let (found, missing) = self.cache.statuses.get_many(ids);
        let mut found: Vec<Status> = found.into_iter().map(|(_, s)| s).collect();
        if missing.is_empty() {
            return Ok(found);
        }
        let mut sql = Sql::new("SELECT * FROM statuses WHERE id IN ");
        sql.bind_list(&missing);
        let rows: Vec<Status> = on_pool!(self, pool => bind_params!(sqlx::query_as(AssertSqlSafe(sql.text.clone())), &sql.params)
            .fetch_all(pool).await)?;
        for s in rows {
            self.cache.statuses.put(ticket, s.id, s.clone());
            found.push(s);
        }
        Ok(found)
    }

    /// `(status_id, account_id)` of every mention in `status_ids`.
    pub async fn mentions_of(&self, status_ids: &[i64]) -> Result<Vec<(i64, i64)>> {
        let ticket = self.cache.mentions.ticket();
        let (found, missing) = self.cache.mentions.get_many(status_ids);
        let mut out: Vec<(i64, i64)> = found
            .into_iter()
            .flat_map(|(id, list)| list.into_iter().map(move |a| (id, a)))
            .collect();
        if !missing.is_empty() {
            let mut sql =
                Sql::new("SELECT status_id, account_id FROM mentions WHERE status_id IN ");
            sql.bind_list(&missing);
            let rows = self.query_pairs(&sql).await?;
            self.cache.mentions.put_grouped(ticket, &missing, &rows);
            out.extend(rows);
        }
        Ok(out)
    }

    /// `(status_id, tag name)` of every tag in `status_ids`.
    pub async fn tags_of(&self, status_ids: &[i64]) -> Result<Vec<(i64, String)>> {
        let ticket = self.cache.tags.ticket();
        let (found, missing) = self.cache.tags.get_many(status_ids);
        let mut out: Vec<(i64, String)> = found
            .into_iter()
            .flat_map(|(id, list)| list.into_iter().map(move |t| (id, t)))
            .collect();
        if missing.is_empty() {
            return Ok(out);
        }
        let mut sql = Sql::new(
            "SELECT st.status_id, t.name FROM status_tags st JOIN tags t ON t.id = st.tag_id WHERE st.status_id IN ",
        );
        sql.bind_list(&missing);
        let rows: Vec<(i64, String)> = on_pool!(self, pool => bind_params!(sqlx::query_as(AssertSqlSafe(sql.text.clone())), &sql.params)
            .fetch_all(pool).await)?;
        self.cache.tags.put_grouped(ticket, &missing, &rows);
        out.extend(rows);
        Ok(out)
    }

    /// Of `status_ids`, those that `account_id` has a row for in `table`
    /// (favourites, bookmarks, pins) — the viewer flags of the Status entity.
    pub async fn flagged_by(
        &self,
        table: &str,
        account_id: i64,
        status_ids: &[i64],
    ) -> Result<Vec<i64>> {
        let table = match table {
            "favourites" => "favourites",
            "bookmarks" => "bookmarks",
            "pins" => "pins",
            _ => return Ok(Vec::new()),
        };
        let mut sql = Sql::new(&format!(
            "SELECT status_id FROM {table} WHERE account_id = "
        ));
        sql.bind_i64(account_id)
            .push(" AND status_id IN ")
            .bind_list(status_ids);
        self.query_ids(&sql).await
    }

    /// Of `status_ids`, those `account_id` has boosted.
    pub async fn reblogged_by_viewer(
        &self,
        account_id: i64,
        status_ids: &[i64],
    ) -> Result<Vec<i64>> {
        let mut sql = Sql::new("SELECT reblog_of_id FROM statuses WHERE account_id = ");
        sql.bind_i64(account_id)
            .push(" AND reblog_of_id IN ")
            .bind_list(status_ids);
        self.query_ids(&sql).await
    }

    /// The viewer's flags on `status_ids` in one query: `(kind, id)` rows,
    /// where kind is 1 favourited, 2 reblogged, 3 bookmarked, 4 pinned (ids are
    /// status ids) or 5 muted conversation (ids are `conversation_ids`).
    pub async fn viewer_flags(
        &self,
        account_id: i64,
        status_ids: &[i64],
        conversation_ids: &[i64],
    ) -> Result<Vec<(i64, i64)>> {
        if status_ids.is_empty() {
            return Ok(Vec::new());
        }
        // The ids and the viewer are bound once each (a CTE, and one
        // placeholder reused): SQLite finds placeholders by name in a list,
        // so binding the same forty ids four times cost more than the query.
        let mut sql = Sql::new("WITH ids(id) AS (VALUES ");
        for (i, id) in status_ids.iter().enumerate() {
            sql.push(if i > 0 { ", (" } else { "(" })
                .bind_i64(*id)
                .push(")");
        }
        // The kind is cast so PostgreSQL returns it as BIGINT like the ids.
        sql.push(") SELECT CAST(1 AS BIGINT), status_id FROM favourites WHERE account_id = ")
            .bind_i64(account_id)
            .push(" AND status_id IN (SELECT id FROM ids)");
        let viewer = format!("${}", sql.params.len());
        for (kind, column, table) in [
            (2, "reblog_of_id", "statuses"),
            (3, "status_id", "bookmarks"),
            (4, "status_id", "pins"),
        ] {
            sql.push(&format!(
                " UNION ALL SELECT CAST({kind} AS BIGINT), {column} FROM {table} WHERE account_id = {viewer} AND {column} IN (SELECT id FROM ids)"
            ));
        }
        if !conversation_ids.is_empty() {
            sql.push(" UNION ALL SELECT CAST(5 AS BIGINT), conversation_id FROM conversation_mutes WHERE account_id = ")
                .push(&viewer)
                .push(" AND conversation_id IN ")
                .bind_list(conversation_ids);
        }
        self.query_pairs(&sql).await
    }

    /// Deletes a status (and, by cascade, its boosts, mentions, favourites…),
    /// keeping the counters right. Returns the accounts whose home feeds
    /// held it.
    pub async fn delete_status(&self, s: &Status) -> Result<Vec<i64>> {
        let (boosts, readers, quoted) = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            // Boosts of it vanish with it: take them off their authors' counts.
            let boosts: Vec<(i64, i64)> = sqlx::query_as("SELECT id, account_id FROM statuses WHERE reblog_of_id = $1")
                .bind(s.id).fetch_all(&mut *tx).await?;
            sqlx::query("UPDATE accounts SET statuses_count = statuses_count - 1
                         WHERE id IN (SELECT account_id FROM statuses WHERE reblog_of_id = $1) AND statuses_count > 0")
                .bind(s.id).execute(&mut *tx).await?;
            // Feed rows do not cascade (see migration 0003): take them out of
            // the feeds it was fanned out to, by primary key.
            let readers: Vec<i64> = sqlx::query_scalar("DELETE FROM home_feed WHERE status_id = $1 AND account_id IN
                            (SELECT account_id FROM follows WHERE target_account_id = $2
                             UNION SELECT account_id FROM mentions WHERE status_id = $1
                             UNION SELECT $2) RETURNING account_id")
                .bind(s.id).bind(s.account_id).fetch_all(&mut *tx).await?;
            // An accepted quote it made leaves the quoted post's count.
            let quoted: Option<i64> = sqlx::query_scalar("SELECT quoted_status_id FROM quotes WHERE status_id = $1 AND state = 'accepted'")
                .bind(s.id).fetch_optional(&mut *tx).await?.flatten();
            if let Some(quoted) = quoted {
                sqlx::query("UPDATE statuses SET quotes_count = quotes_count - 1 WHERE id = $1 AND quotes_count > 0")
                    .bind(quoted).execute(&mut *tx).await?;
            }
            sqlx::query("DELETE FROM statuses WHERE id = $1").bind(s.id).execute(&mut *tx).await?;
            sqlx::query("UPDATE accounts SET statuses_count = statuses_count - 1 WHERE id = $1 AND statuses_count > 0")
                .bind(s.account_id).execute(&mut *tx).await?;
            if let Some(parent) = s.in_reply_to_id {
                sqlx::query("UPDATE statuses SET replies_count = replies_count - 1 WHERE id = $1 AND replies_count > 0")
                    .bind(parent).execute(&mut *tx).await?;
            }
            if let Some(of) = s.reblog_of_id {
                sqlx::query("UPDATE statuses SET reblogs_count = reblogs_count - 1 WHERE id = $1 AND reblogs_count > 0")
                    .bind(of).execute(&mut *tx).await?;
            }
            tx.commit().await.map(|()| (boosts, readers, quoted))
        })?;
        if let Some(quoted) = quoted {
            self.cache.invalidate(Invalidation::Status(quoted));
        }
        // What changed: the status, its boosts and their authors' counts,
        // the parent's reply count, the original's boost count, the feeds
        // it was in.
        let caches = &self.cache;
        caches.invalidate(Invalidation::Status(s.id));
        caches.invalidate(Invalidation::Account(s.account_id));
        for (boost, author) in boosts {
            caches.invalidate(Invalidation::Status(boost));
            caches.invalidate(Invalidation::Account(author));
        }
        for id in s.in_reply_to_id.into_iter().chain(s.reblog_of_id) {
            caches.invalidate(Invalidation::Status(id));
        }
        for reader in &readers {
            caches.invalidate(Invalidation::Feed(*reader));
        }
        // Its uploads are free again (a redraft takes them at once).
        for id in s.media_ids.iter().flat_map(|m| m.0.iter()) {
            caches.invalidate(Invalidation::Media(*id));
        }
        Ok(readers)
    }

    /// `account_id`'s boost of `status_id`, if any.
    pub async fn get_reblog(&self, account_id: i64, status_id: i64) -> Result<Option<Status>> {
        let row = on_pool!(self, pool => sqlx::query_as("SELECT * FROM statuses WHERE account_id = $1 AND reblog_of_id = $2")
            .bind(account_id).bind(status_id).fetch_optional(pool).await)?;
        Ok(row)
    }

    /// Replaces a status's text after an edit, keeping the old version.
    pub async fn edit_status(
        &self,
        before: &Status,
        after: &Status,
        mentions: &[i64],
        tags: &[String],
        media: Option<&[i64]>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let has_history: Option<i64> = sqlx::query_scalar("SELECT id FROM status_edits WHERE status_id = $1 LIMIT 1")
                .bind(before.id).fetch_optional(&mut *tx).await?;
            if has_history.is_none() {
                // The original version becomes the first entry of the history.
                sqlx::query("INSERT INTO status_edits (id, status_id, text, content, spoiler_text, sensitive, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                    .bind(crate::id::new_id()).bind(before.id).bind(&before.text).bind(&before.content)
                    .bind(&before.spoiler_text).bind(before.sensitive).bind(before.created_at).execute(&mut *tx).await?;
            }
            sqlx::query("INSERT INTO status_edits (id, status_id, text, content, spoiler_text, sensitive, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .bind(crate::id::new_id()).bind(after.id).bind(&after.text).bind(&after.content)
                .bind(&after.spoiler_text).bind(after.sensitive).bind(now).execute(&mut *tx).await?;
            sqlx::query("UPDATE statuses SET text = $2, content = $3, spoiler_text = $4, sensitive = $5, language = $6, edited_at = $7,
                            quote_policy = $8 WHERE id = $1")
                .bind(after.id).bind(&after.text).bind(&after.content).bind(&after.spoiler_text)
                .bind(after.sensitive).bind(&after.language).bind(now).bind(after.quote_policy).execute(&mut *tx).await?;
            if let Some(media) = media {
                // The author's new list: taken ones stay, others return to the uploads.
                sqlx::query("UPDATE statuses SET media_ids = $2 WHERE id = $1")
                    .bind(after.id).bind(&after.media_ids).execute(&mut *tx).await?;
                sqlx::query("UPDATE media_attachments SET status_id = NULL WHERE status_id = $1")
                    .bind(after.id).execute(&mut *tx).await?;
                for media_id in media {
                    let taken = sqlx::query("UPDATE media_attachments SET status_id = $1 WHERE id = $2 AND account_id = $3 AND status_id IS NULL")
                        .bind(after.id).bind(*media_id).bind(after.account_id).execute(&mut *tx).await?;
                    if taken.rows_affected() != 1 {
                        return Err(crate::error::Error::unprocessable("Validation failed: Media ids are not media you uploaded"));
                    }
                }
            }
            sqlx::query("DELETE FROM mentions WHERE status_id = $1").bind(after.id).execute(&mut *tx).await?;
            for account_id in mentions {
                sqlx::query("INSERT INTO mentions (status_id, account_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(after.id).bind(*account_id).execute(&mut *tx).await?;
            }
            sqlx::query("DELETE FROM status_tags WHERE status_id = $1").bind(after.id).execute(&mut *tx).await?;
            for name in tags {
                sqlx::query("INSERT INTO tags (id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING")
                    .bind(crate::id::new_id()).bind(name).bind(now).execute(&mut *tx).await?;
                sqlx::query("INSERT INTO status_tags (tag_id, status_id) SELECT id, $1 FROM tags WHERE name = $2 ON CONFLICT DO NOTHING")
                    .bind(after.id).bind(name).execute(&mut *tx).await?;
            }
            tx.commit().await
        })?;
        self.cache.invalidate(Invalidation::Status(after.id));
        for id in media
            .into_iter()
            .flatten()
            .chain(before.media_ids.iter().flat_map(|m| m.0.iter()))
        {
            self.cache.invalidate(Invalidation::Media(*id));
        }
        Ok(())
    }

    pub async fn status_edits(&self, status_id: i64) -> Result<Vec<StatusEdit>> {
        let rows = on_pool!(self, pool => sqlx::query_as("SELECT * FROM status_edits WHERE status_id = $1 ORDER BY id")
            .bind(status_id).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// Adds a favourite; returns false if it existed already.
    pub async fn put_favourite(
        &self,
        account_id: i64,
        status_id: i64,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let added = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query("INSERT INTO favourites (id, account_id, status_id, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
                .bind(crate::id::new_id()).bind(account_id).bind(status_id).bind(now)
                .execute(&mut *tx).await?.rows_affected();
            if n == 1 {
                sqlx::query("UPDATE statuses SET favourites_count = favourites_count + 1 WHERE id = $1")
                    .bind(status_id).execute(&mut *tx).await?;
            }
            tx.commit().await.map(|_| n == 1)
        })?;
        self.cache.invalidate(Invalidation::Status(status_id));
        Ok(added)
    }

    /// Removes a favourite; returns false if there was none.
    pub async fn delete_favourite(&self, account_id: i64, status_id: i64) -> Result<bool> {
        let removed = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query("DELETE FROM favourites WHERE account_id = $1 AND status_id = $2")
                .bind(account_id).bind(status_id).execute(&mut *tx).await?.rows_affected();
            if n == 1 {
                sqlx::query("UPDATE statuses SET favourites_count = favourites_count - 1 WHERE id = $1 AND favourites_count > 0")
                    .bind(status_id).execute(&mut *tx).await?;
            }
            tx.commit().await.map(|_| n == 1)
        })?;
        self.cache.invalidate(Invalidation::Status(status_id));
        Ok(removed)
    }

    /// Adds a row to `bookmarks` or `pins`; idempotent.
    pub async fn put_flag(
        &self,
        table: &str,
        account_id: i64,
        status_id: i64,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let sql = match table {
            "bookmarks" => {
                "INSERT INTO bookmarks (id, account_id, status_id, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING"
            }
            _ => {
                "INSERT INTO pins (id, account_id, status_id, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING"
            }
        };
        on_pool!(self, pool => sqlx::query(sql).bind(crate::id::new_id()).bind(account_id).bind(status_id).bind(now)
            .execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// Removes a row from `bookmarks` or `pins`; idempotent.
    pub async fn delete_flag(&self, table: &str, account_id: i64, status_id: i64) -> Result<()> {
        let sql = match table {
            "bookmarks" => "DELETE FROM bookmarks WHERE account_id = $1 AND status_id = $2",
            _ => "DELETE FROM pins WHERE account_id = $1 AND status_id = $2",
        };
        on_pool!(self, pool => sqlx::query(sql).bind(account_id).bind(status_id).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    pub async fn count_pins(&self, account_id: i64) -> Result<i64> {
        let n = on_pool!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM pins WHERE account_id = $1")
            .bind(account_id).fetch_one(pool).await)?;
        Ok(n)
    }

    /// Number of local statuses (instance statistics): the sum of the local
    /// accounts' counters, as Mastodon computes it, not a scan of every status.
    pub async fn count_local_statuses(&self) -> Result<i64> {
        let n = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(statuses_count), 0) AS BIGINT) FROM accounts WHERE domain IS NULL")
            .fetch_one(pool).await)?;
        Ok(n)
    }

    /// Ids of the replies below `status_id`, depth first, at most `limit`.
    pub async fn descendant_ids(&self, status_id: i64, limit: i64) -> Result<Vec<i64>> {
        let mut sql = Sql::new(
            "WITH RECURSIVE d(id) AS (
                SELECT id FROM statuses WHERE in_reply_to_id = $1
                UNION ALL
                SELECT s.id FROM statuses s JOIN d ON s.in_reply_to_id = d.id
             ) SELECT id FROM d ORDER BY id LIMIT $2",
        );
        sql.params = vec![Param::I64(status_id), Param::I64(limit)];
        self.query_ids(&sql).await
    }

    /// Accounts that favourited `status_id`, newest first, paged by favourite id.
    pub async fn favourited_by(
        &self,
        status_id: i64,
        page: &super::params::Page,
    ) -> Result<Vec<(i64, i64)>> {
        let mut sql = Sql::new("SELECT id, account_id FROM favourites WHERE status_id = ");
        sql.bind_i64(status_id);
        page.apply(&mut sql, "id");
        self.query_pairs(&sql).await
    }

    /// Accounts that boosted `status_id`, newest first, paged by boost id.
    pub async fn reblogged_by(
        &self,
        status_id: i64,
        page: &super::params::Page,
    ) -> Result<Vec<(i64, i64)>> {
        let mut sql = Sql::new("SELECT id, account_id FROM statuses WHERE reblog_of_id = ");
        sql.bind_i64(status_id);
        page.apply(&mut sql, "id");
        self.query_pairs(&sql).await
    }
}

impl Store {
    /// Mutes (`on`) or unmutes a conversation for an account; idempotent.
    pub async fn set_conversation_mute(
        &self,
        account_id: i64,
        conversation_id: i64,
        on: bool,
    ) -> Result<()> {
        let sql = if on {
            "INSERT INTO conversation_mutes (account_id, conversation_id) VALUES ($1, $2) ON CONFLICT DO NOTHING"
        } else {
            "DELETE FROM conversation_mutes WHERE account_id = $1 AND conversation_id = $2"
        };
        on_pool!(self, pool => sqlx::query(sql).bind(account_id).bind(conversation_id).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// Of `conversation_ids`, those `account_id` has muted.
    pub async fn muted_conversations(
        &self,
        account_id: i64,
        conversation_ids: &[i64],
    ) -> Result<Vec<i64>> {
        let mut sql =
            Sql::new("SELECT conversation_id FROM conversation_mutes WHERE account_id = ");
        sql.bind_i64(account_id)
            .push(" AND conversation_id IN ")
            .bind_list(conversation_ids);
        self.query_ids(&sql).await
    }
}

impl Store {
    pub async fn put_scheduled(&self, s: &ScheduledStatus) -> Result<()> {
        on_pool!(self, pool => sqlx::query(
            "INSERT INTO scheduled_statuses (id, account_id, scheduled_at, params, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(s.id).bind(s.account_id).bind(s.scheduled_at).bind(&s.params).bind(s.created_at)
            .execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    pub async fn get_scheduled(&self, id: i64) -> Result<Option<ScheduledStatus>> {
        let row = on_pool!(self, pool => sqlx::query_as("SELECT * FROM scheduled_statuses WHERE id = $1")
            .bind(id).fetch_optional(pool).await)?;
        Ok(row)
    }

    pub async fn list_scheduled(
        &self,
        account_id: i64,
        page: &super::params::Page,
    ) -> Result<Vec<ScheduledStatus>> {
        let mut sql = Sql::new("SELECT * FROM scheduled_statuses WHERE account_id = ");
        sql.bind_i64(account_id);
        page.apply(&mut sql, "id");
        let rows = on_pool!(self, pool => bind_params!(sqlx::query_as(AssertSqlSafe(sql.text.clone())), &sql.params)
            .fetch_all(pool).await)?;
        Ok(rows)
    }

    pub async fn reschedule(&self, id: i64, at: DateTime<Utc>) -> Result<()> {
        on_pool!(self, pool => sqlx::query("UPDATE scheduled_statuses SET scheduled_at = $2 WHERE id = $1")
            .bind(id).bind(at).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    pub async fn delete_scheduled(&self, id: i64) -> Result<()> {
        on_pool!(self, pool => sqlx::query("DELETE FROM scheduled_statuses WHERE id = $1").bind(id).execute(pool).await.map(|_| ()))?;
        Ok(())
    }
}
