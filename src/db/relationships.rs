//! Follows, follow requests, blocks and mutes, with the account counters.

use chrono::{DateTime, Utc};

use super::params::{Page, Sql};
use super::{BeginWrite, Store, on_pool};
use crate::cache::Invalidation;
use crate::error::Result;
use crate::model::Follow;
use crate::model::RelationFlags;

/// Which table a follow-shaped row lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowTable {
    Follows,
    Requests,
}

impl FollowTable {
    fn name(self) -> &'static str {
        match self {
            FollowTable::Follows => "follows",
            FollowTable::Requests => "follow_requests",
        }
    }
}

impl Store {
    pub async fn get_follow(
        &self,
        table: FollowTable,
        account_id: i64,
        target_id: i64,
    ) -> Result<Option<Follow>> {
        let sql = format!(
            "SELECT id, account_id, target_account_id, show_reblogs, notify, uri, created_at FROM {} WHERE account_id = $1 AND target_account_id = $2",
            table.name()
        );
        let row = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(account_id).bind(target_id).fetch_optional(pool).await)?;
        Ok(row)
    }

    /// Creates or updates a follow (or request); a new follow bumps both counters.
    pub async fn put_follow(&self, table: FollowTable, f: &Follow) -> Result<()> {
        let sql = format!(
            "INSERT INTO {} (id, account_id, target_account_id, show_reblogs, notify, uri, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (account_id, target_account_id) DO UPDATE SET show_reblogs = $4, notify = $5",
            table.name()
        );
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let existed: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT id FROM {} WHERE account_id = $1 AND target_account_id = $2", table.name())))
                .bind(f.account_id).bind(f.target_account_id).fetch_optional(&mut *tx).await?;
            sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .bind(f.id).bind(f.account_id).bind(f.target_account_id).bind(f.show_reblogs)
                .bind(f.notify).bind(&f.uri).bind(f.created_at)
                .execute(&mut *tx).await?;
            if table == FollowTable::Follows && existed.is_none() {
                sqlx::query("UPDATE accounts SET following_count = following_count + 1 WHERE id = $1")
                    .bind(f.account_id).execute(&mut *tx).await?;
                sqlx::query("UPDATE accounts SET followers_count = followers_count + 1 WHERE id = $1")
                    .bind(f.target_account_id).execute(&mut *tx).await?;
                let day = f.created_at.date_naive().to_string();
                super::analytics::bump_metric!(tx, "followers_gained", f.target_account_id, &day, 1i64).await?;
            }
            tx.commit().await
        })?;
        self.cache.invalidate(Invalidation::Account(f.account_id));
        self.cache
            .invalidate(Invalidation::Account(f.target_account_id));
        Ok(())
    }

    /// Deletes a follow (or request); returns whether one existed.
    pub async fn delete_follow(
        &self,
        table: FollowTable,
        account_id: i64,
        target_id: i64,
    ) -> Result<bool> {
        let sql = format!(
            "DELETE FROM {} WHERE account_id = $1 AND target_account_id = $2",
            table.name()
        );
        let removed = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query(sqlx::AssertSqlSafe(sql.clone())).bind(account_id).bind(target_id)
                .execute(&mut *tx).await?.rows_affected();
            if table == FollowTable::Follows && n == 1 {
                sqlx::query("UPDATE accounts SET following_count = following_count - 1 WHERE id = $1 AND following_count > 0")
                    .bind(account_id).execute(&mut *tx).await?;
                sqlx::query("UPDATE accounts SET followers_count = followers_count - 1 WHERE id = $1 AND followers_count > 0")
                    .bind(target_id).execute(&mut *tx).await?;
                let day = Utc::now().date_naive().to_string();
                super::analytics::bump_metric!(tx, "followers_lost", target_id, &day, 1i64).await?;
                // Their posts leave the home feed with the follow.
                sqlx::query("DELETE FROM home_feed WHERE account_id = $1 AND author_id = $2")
                    .bind(account_id).bind(target_id).execute(&mut *tx).await?;
            }
            tx.commit().await.map(|_| n == 1)
        })?;
        self.cache.invalidate(Invalidation::Account(account_id));
        self.cache.invalidate(Invalidation::Account(target_id));
        self.cache.invalidate(Invalidation::Feed(account_id));
        Ok(removed)
    }

    /// Turns a pending request into a follow, atomically.
    pub async fn accept_follow_request(
        &self,
        account_id: i64,
        target_id: i64,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let Some(req) = self
            .get_follow(FollowTable::Requests, account_id, target_id)
            .await?
        else {
            return Ok(false);
        };
        self.delete_follow(FollowTable::Requests, account_id, target_id)
            .await?;
        let follow = Follow {
            id: crate::id::new_id(),
            created_at: now,
            ..req
        };
        self.put_follow(FollowTable::Follows, &follow).await?;
        Ok(true)
    }

    pub async fn put_block(
        &self,
        account_id: i64,
        target_id: i64,
        now: DateTime<Utc>,
    ) -> Result<()> {
        on_pool!(self, pool => sqlx::query(
            "INSERT INTO blocks (id, account_id, target_account_id, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
            .bind(crate::id::new_id()).bind(account_id).bind(target_id).bind(now)
            .execute(pool).await.map(|_| ()))?;
        self.forget_hidden(account_id, target_id);
        Ok(())
    }

    pub async fn delete_block(&self, account_id: i64, target_id: i64) -> Result<()> {
        on_pool!(self, pool => sqlx::query("DELETE FROM blocks WHERE account_id = $1 AND target_account_id = $2")
            .bind(account_id).bind(target_id).execute(pool).await.map(|_| ()))?;
        self.forget_hidden(account_id, target_id);
        Ok(())
    }

    pub async fn put_mute(
        &self,
        account_id: i64,
        target_id: i64,
        notifications: bool,
        expires_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        on_pool!(self, pool => sqlx::query(
            "INSERT INTO mutes (id, account_id, target_account_id, hide_notifications, expires_at, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (account_id, target_account_id) DO UPDATE SET hide_notifications = $4, expires_at = $5")
            .bind(crate::id::new_id()).bind(account_id).bind(target_id).bind(notifications).bind(expires_at).bind(now)
            .execute(pool).await.map(|_| ()))?;
        self.forget_hidden(account_id, target_id);
        Ok(())
    }

    pub async fn delete_mute(&self, account_id: i64, target_id: i64) -> Result<()> {
        on_pool!(self, pool => sqlx::query("DELETE FROM mutes WHERE account_id = $1 AND target_account_id = $2")
            .bind(account_id).bind(target_id).execute(pool).await.map(|_| ()))?;
        self.forget_hidden(account_id, target_id);
        Ok(())
    }

    /// True if either account blocks the other.
    pub async fn blocked_either_way(&self, a: i64, b: i64) -> Result<bool> {
        let n: i64 = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM blocks WHERE (account_id = $1 AND target_account_id = $2) OR (account_id = $2 AND target_account_id = $1)")
            .bind(a).bind(b).fetch_one(pool).await)?;
        Ok(n > 0)
    }

    /// True if `a` follows `b`.
    /// Which of `targets` account `a` follows.
    pub async fn followed_among(&self, a: i64, targets: &[i64]) -> Result<Vec<i64>> {
        if targets.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql =
            super::params::Sql::new("SELECT target_account_id FROM follows WHERE account_id = ");
        sql.bind_i64(a)
            .push(" AND target_account_id IN ")
            .bind_list(targets);
        let ids = on_pool!(self, pool => super::params::bind_params!(
            sqlx::query_scalar(sqlx::AssertSqlSafe(sql.text.clone())), &sql.params)
            .fetch_all(pool).await)?;
        Ok(ids)
    }

    pub async fn follows(&self, a: i64, b: i64) -> Result<bool> {
        Ok(self.get_follow(FollowTable::Follows, a, b).await?.is_some())
    }

    /// Every relationship flag between `viewer` and `target`.
    pub async fn relation_flags(
        &self,
        viewer: i64,
        target: i64,
        now: DateTime<Utc>,
    ) -> Result<RelationFlags> {
        let following = self
            .get_follow(FollowTable::Follows, viewer, target)
            .await?;
        let requested = self
            .get_follow(FollowTable::Requests, viewer, target)
            .await?;
        let followed_by = self.follows(target, viewer).await?;
        let requested_by = self
            .get_follow(FollowTable::Requests, target, viewer)
            .await?
            .is_some();
        let (blocking, blocked_by, mute): (i64, i64, Option<(bool,)>) = on_pool!(self, pool => {
            let blocking: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM blocks WHERE account_id = $1 AND target_account_id = $2")
                .bind(viewer).bind(target).fetch_one(pool).await?;
            let blocked_by: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM blocks WHERE account_id = $1 AND target_account_id = $2")
                .bind(target).bind(viewer).fetch_one(pool).await?;
            let mute: Option<(bool,)> = sqlx::query_as(
                "SELECT hide_notifications FROM mutes WHERE account_id = $1 AND target_account_id = $2 AND (expires_at IS NULL OR expires_at > $3)")
                .bind(viewer).bind(target).bind(now).fetch_optional(pool).await?;
            Ok::<_, sqlx::Error>((blocking, blocked_by, mute))
        })?;
        Ok(RelationFlags {
            following,
            followed_by,
            requested,
            requested_by,
            blocking: blocking > 0,
            blocked_by: blocked_by > 0,
            muting: mute.is_some(),
            muting_notifications: mute.is_some_and(|(h,)| h),
        })
    }

    /// Accounts `account_id` has muted (unexpired) or blocked, or who block it:
    /// whose content must not reach it.
    pub async fn hidden_account_ids(
        &self,
        account_id: i64,
        now: DateTime<Utc>,
    ) -> Result<Vec<i64>> {
        let ticket = self.cache.hidden.ticket();
        if let Some(ids) = self.cache.hidden.get(&account_id) {
            return Ok(ids);
        }
        let mut sql = Sql::new("SELECT target_account_id FROM blocks WHERE account_id = ");
        sql.bind_i64(account_id);
        sql.push(" UNION SELECT account_id FROM blocks WHERE target_account_id = ")
            .bind_i64(account_id);
        sql.push(" UNION SELECT target_account_id FROM mutes WHERE account_id = ")
            .bind_i64(account_id);
        sql.push(" AND (expires_at IS NULL OR expires_at > ")
            .bind(super::params::Param::Time(now))
            .push(")");
        domain_blocked(&mut sql, account_id);
        let ids = self.query_ids(&sql).await?;
        self.cache.hidden.put(ticket, account_id, ids.clone());
        Ok(ids)
    }

    /// Accounts whose notifications `account_id` must not see: blocked either
    /// way, or muted with notifications hidden.
    pub async fn hidden_notification_senders(
        &self,
        account_id: i64,
        now: DateTime<Utc>,
    ) -> Result<Vec<i64>> {
        let mut sql = Sql::new("SELECT target_account_id FROM blocks WHERE account_id = ");
        sql.bind_i64(account_id);
        sql.push(" UNION SELECT account_id FROM blocks WHERE target_account_id = ")
            .bind_i64(account_id);
        sql.push(
            " UNION SELECT target_account_id FROM mutes WHERE hide_notifications AND account_id = ",
        )
        .bind_i64(account_id);
        sql.push(" AND (expires_at IS NULL OR expires_at > ")
            .bind(super::params::Param::Time(now))
            .push(")");
        domain_blocked(&mut sql, account_id);
        self.query_ids(&sql).await
    }

    /// Follower or followee ids of `account_id`, paged by follow id:
    /// `(follow id, account id)`.
    pub async fn follow_list(
        &self,
        account_id: i64,
        followers: bool,
        page: &Page,
    ) -> Result<Vec<(i64, i64)>> {
        let mut sql = if followers {
            Sql::new("SELECT id, account_id FROM follows WHERE target_account_id = ")
        } else {
            Sql::new("SELECT id, target_account_id FROM follows WHERE account_id = ")
        };
        sql.bind_i64(account_id);
        page.apply(&mut sql, "id");
        self.query_pairs(&sql).await
    }

    /// Pending requests to follow `account_id`: `(request id, requester id)`.
    pub async fn follow_request_list(
        &self,
        account_id: i64,
        page: &Page,
    ) -> Result<Vec<(i64, i64)>> {
        let mut sql =
            Sql::new("SELECT id, account_id FROM follow_requests WHERE target_account_id = ");
        sql.bind_i64(account_id);
        page.apply(&mut sql, "id");
        self.query_pairs(&sql).await
    }

    pub async fn count_follow_requests(&self, account_id: i64) -> Result<i64> {
        let n = on_pool!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM follow_requests WHERE target_account_id = $1")
            .bind(account_id).fetch_one(pool).await)?;
        Ok(n)
    }

    /// Accounts that `viewer` follows and that follow `target` ("familiar followers").
    pub async fn familiar_followers(&self, viewer: i64, target: i64) -> Result<Vec<i64>> {
        let mut sql = Sql::new(
            "SELECT f1.target_account_id FROM follows f1 JOIN follows f2 ON f2.account_id = f1.target_account_id
             WHERE f1.account_id = ",
        );
        sql.bind_i64(viewer)
            .push(" AND f2.target_account_id = ")
            .bind_i64(target)
            .push(" ORDER BY f1.id DESC LIMIT 40");
        self.query_ids(&sql).await
    }

    /// Removes every follow and request between two accounts (on block).
    pub async fn sever(&self, a: i64, b: i64) -> Result<()> {
        for (x, y) in [(a, b), (b, a)] {
            self.delete_follow(FollowTable::Follows, x, y).await?;
            self.delete_follow(FollowTable::Requests, x, y).await?;
        }
        Ok(())
    }

    /// Local follower ids of `account_id` with their show-reblogs setting.
    pub async fn local_followers(&self, account_id: i64) -> Result<Vec<(i64, bool)>> {
        let rows = on_pool!(self, pool => sqlx::query_as(
            "SELECT f.account_id, f.show_reblogs FROM follows f JOIN accounts a ON a.id = f.account_id
             WHERE f.target_account_id = $1 AND a.domain IS NULL")
            .bind(account_id).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// Every follower id of `account_id`, local and remote.
    pub async fn follower_ids(&self, account_id: i64) -> Result<Vec<i64>> {
        let ids = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT account_id FROM follows WHERE target_account_id = $1")
            .bind(account_id).fetch_all(pool).await)?;
        Ok(ids)
    }

    /// Followers of `account_id` who asked to be notified of its posts.
    pub async fn notified_follower_ids(&self, account_id: i64) -> Result<Vec<i64>> {
        let ids = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT account_id FROM follows WHERE notify AND target_account_id = $1")
            .bind(account_id).fetch_all(pool).await)?;
        Ok(ids)
    }

    /// A block or mute between two accounts changes whom each one's
    /// timelines hide (blocks hide both ways).
    fn forget_hidden(&self, account_id: i64, target_id: i64) {
        self.cache.invalidate(Invalidation::Hidden(account_id));
        self.cache.invalidate(Invalidation::Hidden(target_id));
    }
}

/// Appends ` UNION` the known accounts of the domains `account_id` blocks.
fn domain_blocked(sql: &mut Sql, account_id: i64) {
    sql.push(
        " UNION SELECT a.id FROM account_domain_blocks d JOIN accounts a ON a.domain = d.domain WHERE d.account_id = ",
    )
    .bind_i64(account_id);
}
