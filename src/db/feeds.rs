//! Home feeds (fan-out on write), notifications, markers and conversations.

use chrono::{DateTime, Utc};

use super::params::{Page, Param, Sql};
use super::{Store, on_pool};
use crate::cache::Invalidation;
use crate::error::Result;
use crate::model::{AccountConversation, Marker, Notification};

/// How many of a reader's newest feed ids are cached: the largest page.
const FEED_HEAD: i64 = 40;

impl Store {
    /// Puts `status_id` (by `author_id`) into the home feeds of `account_ids`;
    /// evaluates to how many of them did not hold it yet.
    pub async fn put_home_feed(
        &self,
        account_ids: &[i64],
        status_id: i64,
        author_id: i64,
    ) -> Result<u64> {
        if account_ids.is_empty() {
            return Ok(0);
        }
        // One statement with the readers as one array parameter, however
        // many there are: a placeholder per reader would cost SQLite a
        // linear name lookup each (quadratic in the fan-out).
        let added = match &self.pool {
            super::Pool::Sqlite(pool) => {
                let readers = serde_json::to_string(account_ids)
                    .map_err(|e| crate::error::Error::internal(format!("fan-out: {e}")))?;
                // `WHERE true` tells SQLite's parser the ON CONFLICT is the upsert's.
                sqlx::query(
                    "INSERT INTO home_feed (account_id, status_id, author_id)
                     SELECT value, $2, $3 FROM json_each($1) WHERE true ON CONFLICT DO NOTHING",
                )
                .bind(readers)
                .bind(status_id)
                .bind(author_id)
                .execute(pool)
                .await?
                .rows_affected()
            }
            super::Pool::Postgres(pool) => sqlx::query(
                "INSERT INTO home_feed (account_id, status_id, author_id)
                     SELECT unnest($1::bigint[]), $2, $3 ON CONFLICT DO NOTHING",
            )
            .bind(account_ids)
            .bind(status_id)
            .bind(author_id)
            .execute(pool)
            .await?
            .rows_affected(),
        };
        for id in account_ids {
            self.cache.invalidate(Invalidation::Feed(*id));
        }
        Ok(added)
    }

    /// Removes everything by `author_id` from `account_id`'s home feed (block, mute).
    pub async fn purge_home_feed(&self, account_id: i64, author_id: i64) -> Result<()> {
        on_pool!(self, pool => sqlx::query("DELETE FROM home_feed WHERE account_id = $1 AND author_id = $2")
            .bind(account_id).bind(author_id).execute(pool).await.map(|_| ()))?;
        self.cache.invalidate(Invalidation::Feed(account_id));
        Ok(())
    }

    /// One page of `account_id`'s home feed: status ids. The newest page,
    /// which is most of what clients ask for, comes from the cache when a
    /// fan-out has not touched this feed since it was read.
    pub async fn home_feed_ids(&self, account_id: i64, page: &Page) -> Result<Vec<i64>> {
        let newest = page.max_id.is_none()
            && page.since_id.is_none()
            && page.min_id.is_none()
            && page.limit <= FEED_HEAD;
        let take = usize::try_from(page.limit).unwrap_or(0);
        let ticket = self.cache.feeds.ticket();
        if newest && let Some(ids) = self.cache.feeds.get(&account_id) {
            return Ok(ids.into_iter().take(take).collect());
        }
        let query = if newest {
            Page {
                limit: FEED_HEAD,
                ..*page
            }
        } else {
            *page
        };
        let mut sql = Sql::new("SELECT status_id FROM home_feed WHERE account_id = ");
        sql.bind_i64(account_id);
        query.apply(&mut sql, "status_id");
        let mut ids = self.query_ids(&sql).await?;
        if newest {
            // A replica may be behind writes made before the ticket: what it
            // read is served, not kept.
            if !self.reads_from_replica() {
                self.cache.feeds.put(ticket, account_id, ids.clone());
            }
            ids.truncate(take);
        }
        Ok(ids)
    }

    /// Writes a notification; false when the same one (kind, recipient,
    /// sender, status) exists already, for the kinds that happen once per
    /// status (`notifications_once`), so redoing a post's effects after a
    /// crash notifies nobody twice.
    pub async fn put_notification(&self, n: &Notification) -> Result<bool> {
        let written = on_pool!(self, pool => sqlx::query(
            "INSERT INTO notifications (id, account_id, type, from_account_id, status_id, created_at, group_key, filtered, report_id, collection_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             ON CONFLICT DO NOTHING")
            .bind(n.id).bind(n.account_id).bind(&n.r#type).bind(n.from_account_id).bind(n.status_id).bind(n.created_at).bind(&n.group_key).bind(n.filtered).bind(n.report_id)
            .bind(n.collection_id)
            .execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(written == 1)
    }

    /// A page of notifications, filtered by type and sender, hiding senders in `hidden`.
    pub async fn notifications(
        &self,
        account_id: i64,
        types: Option<&[String]>,
        exclude: &[String],
        from: Option<i64>,
        hidden: &[i64],
        page: &Page,
    ) -> Result<Vec<Notification>> {
        let mut sql = Sql::new("SELECT * FROM notifications WHERE NOT filtered AND account_id = ");
        sql.bind_i64(account_id);
        let in_list = |sql: &mut Sql, list: &[String]| {
            sql.push("(");
            for (i, t) in list.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.bind(Param::Text(t.clone()));
            }
            sql.push(")");
        };
        if let Some(types) = types {
            if types.is_empty() {
                return Ok(Vec::new());
            }
            sql.push(" AND type IN ");
            in_list(&mut sql, types);
        }
        if !exclude.is_empty() {
            sql.push(" AND type NOT IN ");
            in_list(&mut sql, exclude);
        }
        if let Some(from) = from {
            sql.push(" AND from_account_id = ").bind_i64(from);
        }
        if !hidden.is_empty() {
            // Staff see reports and sign-ups whoever sent them.
            sql.push(" AND (from_account_id NOT IN ")
                .bind_list(hidden)
                .push(" OR type IN ('admin.report', 'admin.sign_up'))");
        }
        page.apply(&mut sql, "id");
        let rows = on_pool!(self, pool => super::params::bind_params!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text.clone())), &sql.params)
            .fetch_all(pool).await)?;
        Ok(rows)
    }

    /// The newest group key of `account_id`'s notifications that starts
    /// with `prefix` (keys of one prefix differ only in their hour, of equal
    /// length, so the greatest is the newest).
    pub async fn latest_group_key(&self, account_id: i64, prefix: &str) -> Result<Option<String>> {
        let end = format!("{prefix}~");
        let key = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT group_key FROM notifications WHERE account_id = $1 AND group_key > $2 AND group_key < $3
             ORDER BY group_key DESC LIMIT 1")
            .bind(account_id).bind(prefix).bind(&end).fetch_optional(pool).await)?;
        Ok(key)
    }

    /// The newest `limit` notifications of `account_id`'s group `key`.
    pub async fn notifications_in_group(
        &self,
        account_id: i64,
        key: &str,
        limit: i64,
    ) -> Result<Vec<Notification>> {
        let rows = on_pool!(self, pool => sqlx::query_as(
            "SELECT * FROM notifications WHERE account_id = $1 AND group_key = $2 AND NOT filtered ORDER BY id DESC LIMIT $3")
            .bind(account_id).bind(key).bind(limit).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// Dismisses every notification of `account_id`'s group `key`.
    pub async fn delete_notification_group(&self, account_id: i64, key: &str) -> Result<()> {
        on_pool!(self, pool => sqlx::query("DELETE FROM notifications WHERE account_id = $1 AND group_key = $2")
            .bind(account_id).bind(key).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    pub async fn get_notification(&self, account_id: i64, id: i64) -> Result<Option<Notification>> {
        let row = on_pool!(self, pool => sqlx::query_as("SELECT * FROM notifications WHERE id = $1 AND account_id = $2")
            .bind(id).bind(account_id).fetch_optional(pool).await)?;
        Ok(row)
    }

    pub async fn delete_notification(&self, account_id: i64, id: i64) -> Result<()> {
        on_pool!(self, pool => sqlx::query("DELETE FROM notifications WHERE id = $1 AND account_id = $2")
            .bind(id).bind(account_id).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    pub async fn clear_notifications(&self, account_id: i64) -> Result<()> {
        on_pool!(self, pool => sqlx::query("DELETE FROM notifications WHERE account_id = $1")
            .bind(account_id).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// Deletes the notification a now-undone action made (unfavourite, unfollow…).
    pub async fn delete_notifications_for(
        &self,
        kind: &str,
        from: i64,
        status_id: Option<i64>,
        account_id: i64,
    ) -> Result<()> {
        on_pool!(self, pool => sqlx::query(
            "DELETE FROM notifications WHERE type = $1 AND from_account_id = $2 AND account_id = $3
             AND (status_id = $4 OR ($4 IS NULL AND status_id IS NULL))")
            .bind(kind).bind(from).bind(account_id).bind(status_id).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    pub async fn count_notifications_after(
        &self,
        account_id: i64,
        after: i64,
        limit: i64,
    ) -> Result<i64> {
        let n = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM (SELECT id FROM notifications WHERE account_id = $1 AND id > $2 AND NOT filtered LIMIT $3) AS recent")
            .bind(account_id).bind(after).bind(limit).fetch_one(pool).await)?;
        Ok(n)
    }

    /// The markers of an account.
    pub async fn markers(&self, account_id: i64) -> Result<Vec<Marker>> {
        let rows = on_pool!(self, pool => sqlx::query_as(
            "SELECT timeline, last_read_id, version, updated_at FROM markers WHERE account_id = $1")
            .bind(account_id).fetch_all(pool).await)?;
        Ok(rows)
    }

    pub async fn put_marker(
        &self,
        account_id: i64,
        timeline: &str,
        last_read_id: i64,
        now: DateTime<Utc>,
    ) -> Result<()> {
        on_pool!(self, pool => sqlx::query(
            "INSERT INTO markers (account_id, timeline, last_read_id, version, updated_at) VALUES ($1, $2, $3, 1, $4)
             ON CONFLICT (account_id, timeline) DO UPDATE SET last_read_id = $3, version = markers.version + 1, updated_at = $4")
            .bind(account_id).bind(timeline).bind(last_read_id).bind(now).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// Records `status_id` as the newest of conversation `conversation_id` for
    /// each participant; unread for everyone but the author.
    pub async fn touch_conversation(
        &self,
        participants: &[i64],
        author: i64,
        conversation_id: i64,
        status_id: i64,
    ) -> Result<()> {
        for account in participants {
            on_pool!(self, pool => sqlx::query(
                "INSERT INTO account_conversations (id, account_id, conversation_id, last_status_id, unread) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (account_id, conversation_id) DO UPDATE SET last_status_id = $4, unread = $5
                 WHERE account_conversations.last_status_id < $4")
                .bind(crate::id::new_id()).bind(*account).bind(conversation_id).bind(status_id).bind(*account != author)
                .execute(pool).await.map(|_| ()))?;
        }
        Ok(())
    }

    /// A page of an account's conversations, by their last status.
    pub async fn conversations(
        &self,
        account_id: i64,
        page: &Page,
    ) -> Result<Vec<AccountConversation>> {
        let mut sql = Sql::new(
            "SELECT id, conversation_id, last_status_id, unread FROM account_conversations WHERE account_id = ",
        );
        sql.bind_i64(account_id);
        page.apply(&mut sql, "last_status_id");
        let rows = on_pool!(self, pool => super::params::bind_params!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text.clone())), &sql.params)
            .fetch_all(pool).await)?;
        Ok(rows)
    }

    /// An account's conversation `id`.
    pub async fn get_conversation(
        &self,
        account_id: i64,
        id: i64,
    ) -> Result<Option<AccountConversation>> {
        let row = on_pool!(self, pool => sqlx::query_as(
            "SELECT id, conversation_id, last_status_id, unread FROM account_conversations WHERE id = $1 AND account_id = $2")
            .bind(id).bind(account_id).fetch_optional(pool).await)?;
        Ok(row)
    }

    /// An account's row of the direct-message conversation `conversation_id`.
    pub async fn get_account_conversation(
        &self,
        account_id: i64,
        conversation_id: i64,
    ) -> Result<Option<AccountConversation>> {
        let row = on_pool!(self, pool => sqlx::query_as(
            "SELECT id, conversation_id, last_status_id, unread FROM account_conversations WHERE account_id = $1 AND conversation_id = $2")
            .bind(account_id).bind(conversation_id).fetch_optional(pool).await)?;
        Ok(row)
    }

    pub async fn set_conversation_read(&self, account_id: i64, id: i64) -> Result<bool> {
        let n = on_pool!(self, pool => sqlx::query("UPDATE account_conversations SET unread = $3 WHERE id = $1 AND account_id = $2")
            .bind(id).bind(account_id).bind(false).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    pub async fn delete_conversation(&self, account_id: i64, id: i64) -> Result<bool> {
        let n = on_pool!(self, pool => sqlx::query("DELETE FROM account_conversations WHERE id = $1 AND account_id = $2")
            .bind(id).bind(account_id).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }
}
