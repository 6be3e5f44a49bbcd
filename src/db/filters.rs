//! Filters (with their keywords and posts) and the domains users block.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::{BeginWrite, Store, on_pool};
use crate::cache::Invalidation;
use crate::error::Result;
use crate::model::{AccountDomainBlock, Filter, FilterKeyword, FilterStatus, FullFilter, Page};

impl Store {
    /// Every filter of `account_id` with its keywords and posts, oldest
    /// first, expired ones included (cached; forgotten by every change).
    pub async fn account_filters(&self, account_id: i64) -> Result<Arc<Vec<FullFilter>>> {
        let ticket = self.cache.filters.ticket();
        if let Some(f) = self.cache.filters.get(&account_id) {
            return Ok(f);
        }
        let filters: Vec<Filter> = on_pool!(self, pool => sqlx::query_as(
            "SELECT * FROM filters WHERE account_id = $1 ORDER BY id")
            .bind(account_id).fetch_all(pool).await)?;
        let keywords: Vec<FilterKeyword> = on_pool!(self, pool => sqlx::query_as(
            "SELECT k.* FROM filter_keywords k JOIN filters f ON f.id = k.filter_id
             WHERE f.account_id = $1 ORDER BY k.id")
            .bind(account_id).fetch_all(pool).await)?;
        let statuses: Vec<FilterStatus> = on_pool!(self, pool => sqlx::query_as(
            "SELECT s.* FROM filter_statuses s JOIN filters f ON f.id = s.filter_id
             WHERE f.account_id = $1 ORDER BY s.id")
            .bind(account_id).fetch_all(pool).await)?;
        let full: Vec<FullFilter> = filters
            .into_iter()
            .map(|filter| FullFilter {
                keywords: keywords
                    .iter()
                    .filter(|k| k.filter_id == filter.id)
                    .cloned()
                    .collect(),
                statuses: statuses
                    .iter()
                    .filter(|s| s.filter_id == filter.id)
                    .cloned()
                    .collect(),
                filter,
            })
            .collect();
        let full = Arc::new(full);
        self.cache.filters.put(ticket, account_id, full.clone());
        Ok(full)
    }

    fn filters_changed(&self, account_id: i64) {
        self.cache.invalidate(Invalidation::Filters(account_id));
    }

    /// Writes a filter (new or changed), replacing its keywords: `keep` are
    /// the existing keyword rows to keep (possibly changed), `add` new ones
    /// as `(keyword, whole_word)`; every other keyword goes.
    pub async fn put_filter(
        &self,
        f: &Filter,
        keep: &[FilterKeyword],
        add: &[(String, bool)],
    ) -> Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "INSERT INTO filters (id, account_id, title, context, action, expires_at, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (id) DO UPDATE SET title = excluded.title, context = excluded.context,
                     action = excluded.action, expires_at = excluded.expires_at")
                .bind(f.id).bind(f.account_id).bind(&f.title).bind(&f.context).bind(&f.action)
                .bind(f.expires_at).bind(f.created_at).execute(&mut *tx).await?;
            let kept: Vec<i64> = keep.iter().map(|k| k.id).collect();
            let existing: Vec<i64> = sqlx::query_scalar("SELECT id FROM filter_keywords WHERE filter_id = $1")
                .bind(f.id).fetch_all(&mut *tx).await?;
            for id in existing.iter().filter(|id| !kept.contains(id)) {
                sqlx::query("DELETE FROM filter_keywords WHERE id = $1").bind(id).execute(&mut *tx).await?;
            }
            for k in keep {
                sqlx::query("UPDATE filter_keywords SET keyword = $2, whole_word = $3 WHERE id = $1 AND filter_id = $4")
                    .bind(k.id).bind(&k.keyword).bind(k.whole_word).bind(f.id).execute(&mut *tx).await?;
            }
            for (keyword, whole_word) in add {
                sqlx::query("INSERT INTO filter_keywords (id, filter_id, keyword, whole_word) VALUES ($1, $2, $3, $4)")
                    .bind(crate::id::new_id()).bind(f.id).bind(keyword).bind(*whole_word)
                    .execute(&mut *tx).await?;
            }
            tx.commit().await
        })?;
        self.filters_changed(f.account_id);
        Ok(())
    }

    pub async fn delete_filter(&self, account_id: i64, id: i64) -> Result<bool> {
        let n = on_pool!(self, pool => sqlx::query("DELETE FROM filters WHERE id = $1 AND account_id = $2")
            .bind(id).bind(account_id).execute(pool).await.map(|r| r.rows_affected()))?;
        self.filters_changed(account_id);
        Ok(n > 0)
    }

    pub async fn put_filter_keyword(&self, account_id: i64, k: &FilterKeyword) -> Result<()> {
        on_pool!(self, pool => sqlx::query(
            "INSERT INTO filter_keywords (id, filter_id, keyword, whole_word) VALUES ($1, $2, $3, $4)
             ON CONFLICT (id) DO UPDATE SET keyword = excluded.keyword, whole_word = excluded.whole_word")
            .bind(k.id).bind(k.filter_id).bind(&k.keyword).bind(k.whole_word)
            .execute(pool).await.map(|_| ()))?;
        self.filters_changed(account_id);
        Ok(())
    }

    pub async fn delete_filter_keyword(&self, account_id: i64, id: i64) -> Result<()> {
        on_pool!(self, pool => sqlx::query("DELETE FROM filter_keywords WHERE id = $1")
            .bind(id).execute(pool).await.map(|_| ()))?;
        self.filters_changed(account_id);
        Ok(())
    }

    /// Adds a post to a filter; false if it was there already.
    pub async fn put_filter_status(&self, account_id: i64, s: &FilterStatus) -> Result<bool> {
        let n = on_pool!(self, pool => sqlx::query(
            "INSERT INTO filter_statuses (id, filter_id, status_id) VALUES ($1, $2, $3)
             ON CONFLICT (filter_id, status_id) DO NOTHING")
            .bind(s.id).bind(s.filter_id).bind(s.status_id)
            .execute(pool).await.map(|r| r.rows_affected()))?;
        self.filters_changed(account_id);
        Ok(n > 0)
    }

    pub async fn delete_filter_status(&self, account_id: i64, id: i64) -> Result<()> {
        on_pool!(self, pool => sqlx::query("DELETE FROM filter_statuses WHERE id = $1")
            .bind(id).execute(pool).await.map(|_| ()))?;
        self.filters_changed(account_id);
        Ok(())
    }

    /// The domains `account_id` blocks, in page order (by block id).
    pub async fn account_domain_blocks(
        &self,
        account_id: i64,
        page: &Page,
    ) -> Result<Vec<AccountDomainBlock>> {
        let mut sql =
            super::params::Sql::new("SELECT * FROM account_domain_blocks b WHERE b.account_id = ");
        sql.bind_i64(account_id);
        page.apply(&mut sql, "b.id");
        let rows = on_pool!(self, pool => super::params::bind_params!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text.clone())), &sql.params)
            .fetch_all(pool).await)?;
        Ok(rows)
    }

    /// Blocks `domain` for `account_id` and removes the account's
    /// followers from it (and its follow requests from there).
    pub async fn block_domain_for(
        &self,
        account_id: i64,
        domain: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "INSERT INTO account_domain_blocks (id, account_id, domain, created_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (account_id, domain) DO NOTHING")
                .bind(crate::id::new_id()).bind(account_id).bind(domain).bind(now)
                .execute(&mut *tx).await?;
            let removed = sqlx::query(
                "DELETE FROM follows WHERE target_account_id = $1
                   AND account_id IN (SELECT id FROM accounts WHERE domain = $2)")
                .bind(account_id).bind(domain).execute(&mut *tx).await?.rows_affected();
            sqlx::query(
                "DELETE FROM follow_requests WHERE target_account_id = $1
                   AND account_id IN (SELECT id FROM accounts WHERE domain = $2)")
                .bind(account_id).bind(domain).execute(&mut *tx).await?;
            if removed > 0 {
                sqlx::query("UPDATE accounts SET followers_count = (SELECT COUNT(*) FROM follows WHERE target_account_id = $1) WHERE id = $1")
                    .bind(account_id).execute(&mut *tx).await?;
            }
            tx.commit().await
        })?;
        self.cache.invalidate(Invalidation::Hidden(account_id));
        self.cache.invalidate(Invalidation::Account(account_id));
        Ok(())
    }

    pub async fn unblock_domain_for(&self, account_id: i64, domain: &str) -> Result<()> {
        on_pool!(self, pool => sqlx::query("DELETE FROM account_domain_blocks WHERE account_id = $1 AND domain = $2")
            .bind(account_id).bind(domain).execute(pool).await.map(|_| ()))?;
        self.cache.invalidate(Invalidation::Hidden(account_id));
        Ok(())
    }
}
