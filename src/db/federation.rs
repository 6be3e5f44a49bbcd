//! What federation keeps: remote actors, instances and their health, inbound
//! activity ids, tombstones, outbound activity bodies, domain blocks.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::types::Json;

use super::{BeginWrite, Store, on_pool};
use crate::cache::Invalidation;
use crate::error::Result;
use crate::model::{Account, Field};
use crate::model::{DomainBlock, HeldStatus};

/// A remote actor as fetched, ready to insert or refresh.
#[derive(Debug, Clone)]
pub struct RemoteAccount {
    pub username: String,
    pub domain: String,
    pub uri: String,
    pub url: Option<String>,
    pub display_name: String,
    pub note: String,
    pub fields: Vec<Field>,
    pub locked: bool,
    pub bot: bool,
    pub group_actor: bool,
    pub discoverable: bool,
    pub indexable: bool,
    pub inbox_url: String,
    pub shared_inbox_url: Option<String>,
    pub outbox_url: Option<String>,
    pub followers_url: Option<String>,
    pub following_url: Option<String>,
    pub featured_url: Option<String>,
    pub public_key_id: String,
    pub public_key_pem: String,
    pub avatar_remote_url: Option<String>,
    pub header_remote_url: Option<String>,
    pub actor_type: String,
    pub also_known_as: Vec<String>,
    /// The custom emoji its name, note and fields name.
    pub emojis: Vec<crate::model::AccountEmoji>,
    pub created_at: DateTime<Utc>,
}

/// A report as filed (a local user's, or a Flag from another server).
pub struct NewReport<'a> {
    pub uri: Option<&'a str>,
    pub account_id: i64,
    pub target_id: i64,
    pub status_ids: &'a [i64],
    pub comment: &'a str,
    pub category: &'a str,
    pub forwarded: bool,
    pub rule_ids: &'a [i64],
}

impl Store {
    pub async fn get_account_by_uri(&self, uri: &str) -> Result<Option<Account>> {
        let row = on_pool!(self, pool => sqlx::query_as("SELECT * FROM accounts WHERE uri = $1")
            .bind(uri).fetch_optional(pool).await)?;
        Ok(row)
    }

    /// The remote account whose published keyId is `key_id`.
    pub async fn get_account_by_key_id(&self, key_id: &str) -> Result<Option<Account>> {
        let row = on_pool!(self, pool => sqlx::query_as("SELECT * FROM accounts WHERE public_key_id = $1")
            .bind(key_id).fetch_optional(pool).await)?;
        Ok(row)
    }

    /// Inserts a remote account, or refreshes the one with the same uri.
    /// An older account holding the same `username@domain` under another uri
    /// (deleted and re-created remotely) gives up the name.
    pub async fn put_remote_account(&self, a: &RemoteAccount) -> Result<Account> {
        let now = Utc::now();
        let id = crate::id::new_id();
        let account: Account = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE accounts SET username = username || '_' || id WHERE lower(username) = lower($1) AND lower(domain) = lower($2) AND uri <> $3")
                .bind(&a.username).bind(&a.domain).bind(&a.uri).execute(&mut *tx).await?;
            let row = sqlx::query_as(
                "INSERT INTO accounts (id, username, domain, display_name, note, fields, locked, bot, group_actor,
                    discoverable, indexable, uri, url, inbox_url, shared_inbox_url, outbox_url, followers_url,
                    following_url, featured_url, public_key_pem, public_key_id, avatar_remote_url, header_remote_url,
                    actor_type, also_known_as, created_at, updated_at, fetched_at, emojis)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21,
                    $22, $23, $24, $25, $26, $27, $27, $28)
                 ON CONFLICT (uri) DO UPDATE SET username = excluded.username, domain = excluded.domain,
                    display_name = excluded.display_name, note = excluded.note, fields = excluded.fields,
                    locked = excluded.locked, bot = excluded.bot, group_actor = excluded.group_actor,
                    discoverable = excluded.discoverable, indexable = excluded.indexable, url = excluded.url,
                    inbox_url = excluded.inbox_url, shared_inbox_url = excluded.shared_inbox_url,
                    outbox_url = excluded.outbox_url, followers_url = excluded.followers_url,
                    following_url = excluded.following_url, featured_url = excluded.featured_url,
                    public_key_pem = excluded.public_key_pem, public_key_id = excluded.public_key_id,
                    avatar_remote_url = excluded.avatar_remote_url, header_remote_url = excluded.header_remote_url,
                    actor_type = excluded.actor_type, also_known_as = excluded.also_known_as,
                    emojis = excluded.emojis, updated_at = excluded.updated_at, fetched_at = excluded.fetched_at
                 WHERE accounts.domain IS NOT NULL
                 RETURNING *")
                .bind(id).bind(&a.username).bind(&a.domain).bind(&a.display_name).bind(&a.note)
                .bind(Json(&a.fields)).bind(a.locked).bind(a.bot).bind(a.group_actor)
                .bind(a.discoverable).bind(a.indexable).bind(&a.uri).bind(&a.url).bind(&a.inbox_url)
                .bind(&a.shared_inbox_url).bind(&a.outbox_url).bind(&a.followers_url)
                .bind(&a.following_url).bind(&a.featured_url).bind(&a.public_key_pem).bind(&a.public_key_id)
                .bind(&a.avatar_remote_url).bind(&a.header_remote_url).bind(&a.actor_type)
                .bind(Json(&a.also_known_as)).bind(a.created_at).bind(now).bind(Json(&a.emojis))
                .fetch_optional(&mut *tx).await?;
            // A local account's uri never becomes a remote account.
            let Some(row) = row else {
                return Err(crate::error::Error::unprocessable("A local account is not a remote one"));
            };
            sqlx::query("INSERT INTO instances (domain, first_seen_at) VALUES ($1, $2) ON CONFLICT (domain) DO NOTHING")
                .bind(&a.domain).bind(now).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok::<Account, sqlx::Error>(row)
        })?;
        self.cache.invalidate(Invalidation::Account(account.id));
        Ok(account)
    }

    pub async fn get_status_by_uri(&self, uri: &str) -> Result<Option<crate::model::Status>> {
        let row = on_pool!(self, pool => sqlx::query_as("SELECT * FROM statuses WHERE uri = $1")
            .bind(uri).fetch_optional(pool).await)?;
        Ok(row)
    }

    /// The follower of the follow (or request) `uri` whose target is `target_id`.
    pub async fn follow_by_uri(&self, uri: &str, target_id: i64) -> Result<Option<i64>> {
        let row = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT account_id FROM follow_requests WHERE uri = $1 AND target_account_id = $2
             UNION SELECT account_id FROM follows WHERE uri = $1 AND target_account_id = $2")
            .bind(uri).bind(target_id).fetch_optional(pool).await)?;
        Ok(row)
    }

    /// Removes a remote account and everything of it (its server deleted
    /// it), keeping local accounts' counters right.
    pub async fn delete_remote_account(&self, id: i64) -> Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE accounts SET following_count = following_count - 1
                         WHERE id IN (SELECT account_id FROM follows WHERE target_account_id = $1) AND following_count > 0")
                .bind(id).execute(&mut *tx).await?;
            sqlx::query("UPDATE accounts SET followers_count = followers_count - 1
                         WHERE id IN (SELECT target_account_id FROM follows WHERE account_id = $1) AND followers_count > 0")
                .bind(id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM accounts WHERE id = $1 AND domain IS NOT NULL").bind(id).execute(&mut *tx).await?;
            tx.commit().await
        })?;
        // Rare and wide (counters of every follower, all its posts).
        self.cache.invalidate(Invalidation::AllAccountsAndStatuses);
        Ok(())
    }

    /// Files a report by `account_id` against `target_id`; returns its id.
    pub async fn put_report(&self, r: &NewReport<'_>) -> Result<i64> {
        let id = crate::id::new_id();
        on_pool!(self, pool => sqlx::query(
            "INSERT INTO reports (id, uri, account_id, target_account_id, status_ids, comment, category, forwarded, created_at, rule_ids)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
            .bind(id).bind(r.uri).bind(r.account_id).bind(r.target_id).bind(Json(r.status_ids))
            .bind(r.comment).bind(r.category).bind(r.forwarded).bind(Utc::now()).bind(Json(r.rule_ids))
            .execute(pool).await.map(|_| ()))?;
        Ok(id)
    }

    /// Reports against `target_id`: `(reporter id, status ids, comment)`, newest first.
    pub async fn reports_against(
        &self,
        target_id: i64,
    ) -> Result<Vec<(i64, Json<Vec<i64>>, String)>> {
        let rows = on_pool!(self, pool => sqlx::query_as(
            "SELECT account_id, status_ids, comment FROM reports WHERE target_account_id = $1 ORDER BY id DESC")
            .bind(target_id).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// One page of actor ids of `account_id`'s followers (or followees), newest first.
    pub async fn follow_collection_page(
        &self,
        account_id: i64,
        followers: bool,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<String>> {
        let sql = if followers {
            "SELECT a.uri FROM follows f JOIN accounts a ON a.id = f.account_id WHERE f.target_account_id = $1
             ORDER BY f.id DESC LIMIT $2 OFFSET $3"
        } else {
            "SELECT a.uri FROM follows f JOIN accounts a ON a.id = f.target_account_id WHERE f.account_id = $1
             ORDER BY f.id DESC LIMIT $2 OFFSET $3"
        };
        let rows = on_pool!(self, pool => sqlx::query_scalar(sql)
            .bind(account_id).bind(limit).bind(offset).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// Ids of `account_id`'s pinned statuses, newest pin first.
    pub async fn pinned_ids(&self, account_id: i64) -> Result<Vec<i64>> {
        let rows = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT status_id FROM pins WHERE account_id = $1 ORDER BY id DESC LIMIT 20")
            .bind(account_id).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// Hashtag names starting with `prefix`.
    pub async fn search_tags(&self, prefix: &str, limit: i64, offset: i64) -> Result<Vec<String>> {
        let pattern = format!(
            "{}%",
            prefix
                .to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        let rows = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT name FROM tags WHERE name LIKE $1 ESCAPE '\\' ORDER BY name LIMIT $2 OFFSET $3")
            .bind(pattern).bind(limit).bind(offset).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// Puts a remote post in the moderation queue (once per uri).
    pub async fn put_held_status(
        &self,
        account_id: i64,
        uri: &str,
        object: &serde_json::Value,
    ) -> Result<()> {
        on_pool!(self, pool => sqlx::query(
            "INSERT INTO held_statuses (id, account_id, uri, object, received_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (uri) DO UPDATE SET object = excluded.object")
            .bind(crate::id::new_id()).bind(account_id).bind(uri).bind(Json(object)).bind(Utc::now())
            .execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// The moderation queue, oldest first.
    pub async fn held_statuses(&self, limit: i64) -> Result<Vec<HeldStatus>> {
        let rows = on_pool!(self, pool => sqlx::query_as(
            "SELECT id, account_id, uri, object, received_at FROM held_statuses ORDER BY id LIMIT $1")
            .bind(limit).fetch_all(pool).await)?;
        Ok(rows)
    }

    pub async fn get_held_status(&self, id: i64) -> Result<Option<HeldStatus>> {
        let row = on_pool!(self, pool => sqlx::query_as(
            "SELECT id, account_id, uri, object, received_at FROM held_statuses WHERE id = $1")
            .bind(id).fetch_optional(pool).await)?;
        Ok(row)
    }

    /// Takes a post out of the queue (by id, or by uri and author); true if it was there.
    pub async fn delete_held_status(
        &self,
        id: Option<i64>,
        uri_and_author: Option<(&str, i64)>,
    ) -> Result<bool> {
        let n = match (id, uri_and_author) {
            (Some(id), _) => {
                on_pool!(self, pool => sqlx::query("DELETE FROM held_statuses WHERE id = $1")
                .bind(id).execute(pool).await.map(|r| r.rows_affected()))?
            }
            (None, Some((uri, author))) => on_pool!(self, pool => sqlx::query(
                "DELETE FROM held_statuses WHERE uri = $1 AND account_id = $2")
                .bind(uri).bind(author).execute(pool).await.map(|r| r.rows_affected()))?,
            (None, None) => 0,
        };
        Ok(n > 0)
    }

    /// When roost first met `domain`.
    pub async fn instance_first_seen(&self, domain: &str) -> Result<Option<DateTime<Utc>>> {
        let t = on_pool!(self, pool => sqlx::query_scalar("SELECT first_seen_at FROM instances WHERE domain = $1")
            .bind(domain).fetch_optional(pool).await)?;
        Ok(t)
    }

    /// Records that `account_id` moved to `target_id`.
    /// Sets a local account's aliases (`alsoKnownAs`).
    pub async fn set_also_known_as(&self, account_id: i64, aliases: &[String]) -> Result<()> {
        on_pool!(self, pool => sqlx::query("UPDATE accounts SET also_known_as = $2 WHERE id = $1")
            .bind(account_id).bind(Json(aliases)).execute(pool).await.map(|_| ()))?;
        self.cache.invalidate(Invalidation::Account(account_id));
        Ok(())
    }

    pub async fn set_moved_to(&self, account_id: i64, target_id: i64) -> Result<()> {
        on_pool!(self, pool => sqlx::query("UPDATE accounts SET moved_to_account_id = $2 WHERE id = $1")
            .bind(account_id).bind(target_id).execute(pool).await.map(|_| ()))?;
        self.cache.invalidate(Invalidation::Account(account_id));
        Ok(())
    }

    /// Sets a remote account's counters to what its server reports (`None`
    /// leaves a counter as it is).
    pub async fn set_remote_counts(
        &self,
        id: i64,
        followers: Option<i64>,
        following: Option<i64>,
        statuses: Option<i64>,
    ) -> Result<()> {
        on_pool!(self, pool => sqlx::query(
            "UPDATE accounts SET followers_count = COALESCE($2, followers_count),
                following_count = COALESCE($3, following_count), statuses_count = COALESCE($4, statuses_count)
             WHERE id = $1 AND domain IS NOT NULL")
            .bind(id).bind(followers).bind(following).bind(statuses).execute(pool).await.map(|_| ()))?;
        self.cache.invalidate(Invalidation::Account(id));
        Ok(())
    }

    /// Shared (or personal) inboxes of the remote accounts `account_id` follows.
    pub async fn remote_following_inboxes(&self, account_id: i64) -> Result<Vec<String>> {
        let rows = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT DISTINCT COALESCE(a.shared_inbox_url, a.inbox_url) FROM follows f JOIN accounts a ON a.id = f.target_account_id
             WHERE f.account_id = $1 AND a.domain IS NOT NULL AND a.suspended_at IS NULL
               AND COALESCE(a.shared_inbox_url, a.inbox_url) IS NOT NULL")
            .bind(account_id).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// Empties a deleted local account: its posts, relationships, sessions
    /// and tokens go, the login is disabled, and the row stays (suspended,
    /// with its key) so the Delete can still be signed and its name is not
    /// taken again.
    pub async fn erase_local_account(&self, id: i64) -> Result<()> {
        let now = Utc::now();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            for sql in [
                "UPDATE accounts SET following_count = following_count - 1
                 WHERE id IN (SELECT account_id FROM follows WHERE target_account_id = $1) AND following_count > 0",
                "UPDATE accounts SET followers_count = followers_count - 1
                 WHERE id IN (SELECT target_account_id FROM follows WHERE account_id = $1) AND followers_count > 0",
                "UPDATE statuses SET reblogs_count = reblogs_count - 1
                 WHERE id IN (SELECT reblog_of_id FROM statuses WHERE account_id = $1 AND reblog_of_id IS NOT NULL) AND reblogs_count > 0",
                "DELETE FROM follows WHERE account_id = $1 OR target_account_id = $1",
                "DELETE FROM follow_requests WHERE account_id = $1 OR target_account_id = $1",
                "DELETE FROM statuses WHERE account_id = $1",
                "DELETE FROM notifications WHERE account_id = $1 OR from_account_id = $1",
                "DELETE FROM tokens WHERE account_id = $1",
                "DELETE FROM sessions WHERE account_id = $1",
                "UPDATE users SET disabled = TRUE WHERE account_id = $1",
            ] {
                sqlx::query(sql).bind(id).execute(&mut *tx).await?;
            }
            sqlx::query("UPDATE accounts SET suspended_at = $2, deleted_at = $2, display_name = '', note = '', note_source = '',
                            statuses_count = 0, followers_count = 0, following_count = 0 WHERE id = $1")
                .bind(id).bind(now).execute(&mut *tx).await?;
            tx.commit().await
        })?;
        // Rare and wide: the account's posts, follows, tokens and sessions.
        self.cache.invalidate(Invalidation::All);
        Ok(())
    }

    /// A setting of the instance itself.
    pub async fn get_setting(&self, key: &str) -> Result<Option<String>> {
        let v = on_pool!(self, pool => sqlx::query_scalar("SELECT value FROM instance_settings WHERE key = $1")
            .bind(key).fetch_optional(pool).await)?;
        Ok(v)
    }

    /// Stores a setting unless one is there already; returns the stored value
    /// (so two nodes starting at once agree on one).
    pub async fn put_setting_once(&self, key: &str, value: &str) -> Result<String> {
        on_pool!(self, pool => sqlx::query("INSERT INTO instance_settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
            .bind(key).bind(value).execute(pool).await.map(|_| ()))?;
        Ok(self
            .get_setting(key)
            .await?
            .unwrap_or_else(|| value.to_string()))
    }

    /// Forgets inbound activity ids older than `before`.
    pub async fn prune_received(&self, before: DateTime<Utc>) -> Result<()> {
        on_pool!(self, pool => sqlx::query("DELETE FROM received_activities WHERE received_at < $1")
            .bind(before).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// Forgets outgoing activities whose deliveries are all done, and any
    /// older than `before` (their deliveries have given up by then).
    pub async fn prune_outbox(&self, before: DateTime<Utc>) -> Result<()> {
        on_pool!(self, pool => sqlx::query("DELETE FROM outbox_activities WHERE pending <= 0 OR created_at < $1")
            .bind(before).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    pub async fn put_tombstone(&self, uri: &str, account_id: i64) -> Result<()> {
        on_pool!(self, pool => sqlx::query("INSERT INTO tombstones (uri, account_id, created_at) VALUES ($1, $2, $3) ON CONFLICT (uri) DO NOTHING")
            .bind(uri).bind(account_id).bind(Utc::now()).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    pub async fn has_tombstone(&self, uri: &str) -> Result<bool> {
        let n: i64 = on_pool!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM tombstones WHERE uri = $1")
            .bind(uri).fetch_one(pool).await)?;
        Ok(n > 0)
    }

    /// Stores an outgoing activity for `deliveries` delivery jobs.
    pub async fn put_outbox_activity(
        &self,
        account_id: i64,
        body: &str,
        deliveries: i64,
    ) -> Result<i64> {
        let id = crate::id::new_id();
        on_pool!(self, pool => sqlx::query("INSERT INTO outbox_activities (id, account_id, body, pending, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(id).bind(account_id).bind(body).bind(deliveries).bind(Utc::now()).execute(pool).await.map(|_| ()))?;
        Ok(id)
    }

    /// `(signer account id, body)` of an outgoing activity; cached, as each
    /// of its deliveries reads it.
    pub async fn get_outbox_activity(&self, id: i64) -> Result<Option<Arc<(i64, String)>>> {
        let ticket = self.cache.outbox.ticket();
        if let Some(found) = self.cache.outbox.get(&id) {
            return Ok(Some(found));
        }
        let row: Option<(i64, String)> = on_pool!(self, pool => sqlx::query_as("SELECT account_id, body FROM outbox_activities WHERE id = $1")
            .bind(id).fetch_optional(pool).await)?;
        Ok(row.map(|r| {
            let r = Arc::new(r);
            self.cache.outbox.put(ticket, id, r.clone());
            r
        }))
    }

    /// One delivery of `id` is finished; the body goes with the last one.
    pub async fn finish_delivery(&self, id: i64) -> Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE outbox_activities SET pending = pending - 1 WHERE id = $1").bind(id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM outbox_activities WHERE id = $1 AND pending <= 0").bind(id).execute(&mut *tx).await?;
            tx.commit().await
        })?;
        Ok(())
    }

    /// `n` more deliveries of outgoing activity `id` were queued.
    pub async fn add_pending_deliveries(&self, id: i64, n: i64) -> Result<()> {
        on_pool!(self, pool => sqlx::query("UPDATE outbox_activities SET pending = pending + $2 WHERE id = $1")
            .bind(id).bind(n).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// Whether any remote account follows `account_id`. Answers at once on
    /// an instance without remote accounts.
    pub async fn has_remote_followers(&self, account_id: i64) -> Result<bool> {
        let n: i64 = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM (SELECT 1 FROM follows WHERE target_account_id = $1
                AND account_id IN (SELECT id FROM accounts WHERE domain IS NOT NULL) LIMIT 1) AS x")
            .bind(account_id).fetch_one(pool).await)?;
        Ok(n > 0)
    }

    /// Whether deliveries to `domain` are skipped (7 failing days, no success since).
    pub async fn instance_unavailable(&self, domain: &str) -> Result<bool> {
        let n: i64 = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM instances WHERE domain = $1 AND unavailable_since IS NOT NULL")
            .bind(domain).fetch_one(pool).await)?;
        Ok(n > 0)
    }

    /// A delivery to (or a verified request from) `domain` succeeded.
    pub async fn instance_succeeded(&self, domain: &str) -> Result<()> {
        // Recorded lately: nothing to change (a failure forgets the entry).
        if self.cache.healthy_hosts.get(&domain.to_string()).is_some() {
            return Ok(());
        }
        let now = Utc::now();
        on_pool!(self, pool => sqlx::query(
            "INSERT INTO instances (domain, first_seen_at, last_success_at) VALUES ($1, $2, $2)
             ON CONFLICT (domain) DO UPDATE SET last_success_at = excluded.last_success_at, failure_days = 0,
                last_failure_day = NULL, unavailable_since = NULL")
            .bind(domain).bind(now).execute(pool).await.map(|_| ()))?;
        let ticket = self.cache.healthy_hosts.ticket();
        self.cache.healthy_hosts.put(ticket, domain.to_string(), ());
        Ok(())
    }

    /// A delivery to `domain` failed: count the day once; at 7 distinct days
    /// the instance is marked unavailable (Mastodon's rule).
    pub async fn instance_failed(&self, domain: &str) -> Result<()> {
        self.cache.healthy_hosts.forget(&domain.to_string());
        let now = Utc::now();
        let today: NaiveDate = now.date_naive();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("INSERT INTO instances (domain, first_seen_at) VALUES ($1, $2) ON CONFLICT (domain) DO NOTHING")
                .bind(domain).bind(now).execute(&mut *tx).await?;
            sqlx::query(
                "UPDATE instances SET failure_days = failure_days + 1, last_failure_day = $2
                 WHERE domain = $1 AND (last_failure_day IS NULL OR last_failure_day <> $2)")
                .bind(domain).bind(today).execute(&mut *tx).await?;
            sqlx::query("UPDATE instances SET unavailable_since = $2 WHERE domain = $1 AND failure_days >= 7 AND unavailable_since IS NULL")
                .bind(domain).bind(now).execute(&mut *tx).await?;
            tx.commit().await
        })?;
        Ok(())
    }

    /// The severity of a domain block on `domain` (`host[:port]`) or a
    /// parent domain, the most severe when several apply.
    pub async fn domain_block(&self, domain: &str) -> Result<Option<String>> {
        Ok(self.domain_block_of(domain).await?.map(|b| b.severity))
    }

    /// The blocks, from the cache (5 s) or the database.
    async fn cached_domain_blocks(&self) -> Result<Arc<Vec<DomainBlock>>> {
        let ticket = self.cache.domain_blocks.ticket();
        if let Some(b) = self.cache.domain_blocks.get(&()) {
            return Ok(b);
        }
        let blocks = Arc::new(self.domain_blocks().await?);
        self.cache.domain_blocks.put(ticket, (), blocks.clone());
        Ok(blocks)
    }

    /// Every domain block, newest first.
    pub async fn domain_blocks(&self) -> Result<Vec<DomainBlock>> {
        let rows = on_pool!(self, pool => sqlx::query_as("SELECT * FROM domain_blocks ORDER BY id DESC")
            .fetch_all(pool).await)?;
        Ok(rows)
    }

    /// Blocks a domain, or changes its block; returns the block as stored.
    pub async fn put_domain_block_full(&self, b: &DomainBlock) -> Result<DomainBlock> {
        let row = on_pool!(self, pool => sqlx::query_as(
            "INSERT INTO domain_blocks (id, domain, severity, reject_media, reject_reports, private_comment, public_comment, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (domain) DO UPDATE SET severity = excluded.severity, reject_media = excluded.reject_media,
                reject_reports = excluded.reject_reports, private_comment = excluded.private_comment,
                public_comment = excluded.public_comment
             RETURNING *")
            .bind(b.id).bind(&b.domain).bind(&b.severity).bind(b.reject_media).bind(b.reject_reports)
            .bind(&b.private_comment).bind(&b.public_comment).bind(b.created_at)
            .fetch_one(pool).await)?;
        self.cache.invalidate(Invalidation::DomainBlocks);
        Ok(row)
    }

    /// Lifts a domain block; returns the block it removed.
    pub async fn delete_domain_block(&self, id: i64) -> Result<Option<DomainBlock>> {
        let row: Option<DomainBlock> = on_pool!(self, pool => sqlx::query_as("DELETE FROM domain_blocks WHERE id = $1 RETURNING *")
            .bind(id).fetch_optional(pool).await)?;
        self.cache.invalidate(Invalidation::DomainBlocks);
        Ok(row)
    }

    /// The full block on `domain` or a parent domain, the most severe first.
    pub async fn domain_block_of(&self, domain: &str) -> Result<Option<DomainBlock>> {
        let blocks = self.cached_domain_blocks().await?;
        if blocks.is_empty() {
            return Ok(None);
        }
        let domain = domain.to_ascii_lowercase();
        let host = domain.split(':').next().unwrap_or(&domain);
        let rank = |s: &str| match s {
            "suspend" => 0,
            "silence" => 1,
            _ => 2,
        };
        Ok(blocks
            .iter()
            .filter(|b| {
                b.domain == domain || b.domain == host || host.ends_with(&format!(".{}", b.domain))
            })
            .min_by_key(|b| rank(&b.severity))
            .cloned())
    }

    /// Marks the accounts of `domain` (and its subdomains) as the block says:
    /// `suspend` suspends them, `silence` silences them, with `mark` (the
    /// block's creation time) as the time of the mark; `None` lifts the
    /// marks carrying `mark`. Marks moderators set on single accounts carry
    /// other times and survive the block's changes and its end.
    pub async fn apply_domain_block(
        &self,
        domain: &str,
        severity: Option<&str>,
        mark: DateTime<Utc>,
    ) -> Result<()> {
        let escaped = domain
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let sub = format!("%.{escaped}");
        let with_port = format!("{escaped}:%");
        let (set, value): (&str, Option<DateTime<Utc>>) = match severity {
            Some("suspend") => ("suspended_at", Some(mark)),
            Some("silence") => ("silenced_at", Some(mark)),
            _ => ("", None),
        };
        let matching = "(domain = $1 OR domain LIKE $2 ESCAPE '\\' OR domain LIKE $3 ESCAPE '\\')";
        if set.is_empty() {
            for column in ["suspended_at", "silenced_at"] {
                let sql = format!(
                    "UPDATE accounts SET {column} = NULL WHERE domain IS NOT NULL AND {column} = $4 AND {matching}"
                );
                on_pool!(self, pool => sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(domain).bind(&sub).bind(&with_port).bind(mark).execute(pool).await.map(|_| ()))?;
            }
        } else {
            let sql = format!(
                "UPDATE accounts SET {set} = $4 WHERE domain IS NOT NULL AND {set} IS NULL AND {matching}"
            );
            on_pool!(self, pool => sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(domain).bind(&sub).bind(&with_port).bind(value).execute(pool).await.map(|_| ()))?;
        }
        // Every account of the domain, and what is rendered from them.
        self.cache.invalidate(Invalidation::AllAccountsAndStatuses);
        Ok(())
    }

    pub async fn put_domain_block(&self, domain: &str, severity: &str) -> Result<i64> {
        let id = crate::id::new_id();
        on_pool!(self, pool => sqlx::query(
            "INSERT INTO domain_blocks (id, domain, severity, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (domain) DO UPDATE SET severity = excluded.severity")
            .bind(id).bind(domain.to_ascii_lowercase()).bind(severity).bind(Utc::now()).execute(pool).await.map(|_| ()))?;
        self.cache.invalidate(Invalidation::DomainBlocks);
        Ok(id)
    }

    /// Inboxes of `account_id`'s remote followers: one shared inbox per host
    /// where the host has one, otherwise each follower's own.
    pub async fn remote_follower_inboxes(&self, account_id: i64) -> Result<Vec<String>> {
        let rows = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT DISTINCT COALESCE(a.shared_inbox_url, a.inbox_url) FROM follows f JOIN accounts a ON a.id = f.account_id
             WHERE f.target_account_id = $1 AND a.domain IS NOT NULL AND a.suspended_at IS NULL
               AND COALESCE(a.shared_inbox_url, a.inbox_url) IS NOT NULL")
            .bind(account_id).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// Hosts roost knows accounts on (`/api/v1/instance/peers`).
    pub async fn peers(&self) -> Result<Vec<String>> {
        let rows = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT domain FROM instances WHERE domain NOT IN (SELECT domain FROM domain_blocks WHERE severity = 'suspend') ORDER BY domain")
            .fetch_all(pool).await)?;
        Ok(rows)
    }
}
