//! Collections of recommended accounts (Mastodon 4.6) and their items.

use chrono::{DateTime, Utc};
use sqlx::AssertSqlSafe;

use super::params::{Sql, bind_params};
use super::{BeginWrite, Store, on_pool};
use crate::error::Result;
use crate::model::{CollectionItem, FeaturedCollection};

impl Store {
    /// Stores a new collection with its first items, in one transaction.
    pub async fn put_featured_collection(
        &self,
        c: &FeaturedCollection,
        items: &[CollectionItem],
    ) -> Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "INSERT INTO featured_collections (id, account_id, name, description, language, sensitive,
                    discoverable, tag_name, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
                .bind(c.id).bind(c.account_id).bind(&c.name).bind(&c.description).bind(&c.language)
                .bind(c.sensitive).bind(c.discoverable).bind(&c.tag_name).bind(c.created_at).bind(c.updated_at)
                .execute(&mut *tx).await?;
            for i in items {
                sqlx::query(
                    "INSERT INTO collection_items (id, collection_id, account_id, state, position, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING")
                    .bind(i.id).bind(c.id).bind(i.account_id).bind(&i.state).bind(i.position).bind(i.created_at)
                    .execute(&mut *tx).await?;
            }
            tx.commit().await
        })?;
        Ok(())
    }

    pub async fn get_featured_collection(&self, id: i64) -> Result<Option<FeaturedCollection>> {
        let row = on_pool!(self, pool => sqlx::query_as("SELECT * FROM featured_collections WHERE id = $1")
            .bind(id).fetch_optional(pool).await)?;
        Ok(row)
    }

    /// Saves a collection's name, description, language, flags and tag.
    pub async fn update_featured_collection(&self, c: &FeaturedCollection) -> Result<()> {
        on_pool!(self, pool => sqlx::query(
            "UPDATE featured_collections SET name = $2, description = $3, language = $4, sensitive = $5,
                discoverable = $6, tag_name = $7, updated_at = $8 WHERE id = $1")
            .bind(c.id).bind(&c.name).bind(&c.description).bind(&c.language).bind(c.sensitive)
            .bind(c.discoverable).bind(&c.tag_name).bind(c.updated_at)
            .execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// Deletes a collection and (by cascade) its items and notifications' link.
    pub async fn delete_featured_collection(&self, id: i64) -> Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM notifications WHERE collection_id = $1")
                .bind(id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM featured_collections WHERE id = $1")
                .bind(id).execute(&mut *tx).await?;
            tx.commit().await
        })?;
        Ok(())
    }

    /// How many collections `account_id` curates.
    pub async fn count_featured_collections(&self, account_id: i64) -> Result<i64> {
        let n = on_pool!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM featured_collections WHERE account_id = $1")
            .bind(account_id).fetch_one(pool).await)?;
        Ok(n)
    }

    /// A page of `account_id`'s collections, newest first (the hidden ones
    /// too when `with_hidden`), and how many there are in all.
    pub async fn featured_collections_of(
        &self,
        account_id: i64,
        with_hidden: bool,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<FeaturedCollection>, i64)> {
        let hidden = if with_hidden { "" } else { " AND discoverable" };
        let page = format!(
            "SELECT * FROM featured_collections WHERE account_id = $1{hidden} ORDER BY id DESC LIMIT $2 OFFSET $3"
        );
        let count =
            format!("SELECT COUNT(*) FROM featured_collections WHERE account_id = $1{hidden}");
        let (rows, total) = on_pool!(self, pool => {
            let rows: Vec<FeaturedCollection> = sqlx::query_as(AssertSqlSafe(page.clone()))
                .bind(account_id).bind(limit).bind(offset).fetch_all(pool).await?;
            let total: i64 = sqlx::query_scalar(AssertSqlSafe(count.clone()))
                .bind(account_id).fetch_one(pool).await?;
            Ok::<_, sqlx::Error>((rows, total))
        })?;
        Ok((rows, total))
    }

    /// A page of the collections featuring `account_id` (accepted), newest
    /// first, and how many there are in all.
    pub async fn collections_featuring(
        &self,
        account_id: i64,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<FeaturedCollection>, i64)> {
        let (rows, total) = on_pool!(self, pool => {
            let rows: Vec<FeaturedCollection> = sqlx::query_as(
                "SELECT c.* FROM featured_collections c JOIN collection_items i ON i.collection_id = c.id
                 WHERE i.account_id = $1 AND i.state = 'accepted' ORDER BY c.id DESC LIMIT $2 OFFSET $3")
                .bind(account_id).bind(limit).bind(offset).fetch_all(pool).await?;
            let total: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM collection_items WHERE account_id = $1 AND state = 'accepted'")
                .bind(account_id).fetch_one(pool).await?;
            Ok::<_, sqlx::Error>((rows, total))
        })?;
        Ok((rows, total))
    }

    /// The pending and accepted items of `collection_ids`, in order.
    pub async fn collection_items(&self, collection_ids: &[i64]) -> Result<Vec<CollectionItem>> {
        if collection_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new(
            "SELECT * FROM collection_items WHERE state IN ('pending', 'accepted') AND collection_id IN ",
        );
        sql.bind_list(collection_ids).push(" ORDER BY position, id");
        let rows = on_pool!(self, pool => bind_params!(sqlx::query_as(AssertSqlSafe(sql.text.clone())), &sql.params)
            .fetch_all(pool).await)?;
        Ok(rows)
    }

    pub async fn get_collection_item(&self, id: i64) -> Result<Option<CollectionItem>> {
        let row = on_pool!(self, pool => sqlx::query_as("SELECT * FROM collection_items WHERE id = $1")
            .bind(id).fetch_optional(pool).await)?;
        Ok(row)
    }

    /// Adds an account last in a collection unless it is full (`max`
    /// pending or accepted items) or holds the account already: the item,
    /// or why not.
    pub async fn add_collection_item(
        &self,
        collection_id: i64,
        account_id: i64,
        state: &str,
        max: i64,
        now: DateTime<Utc>,
    ) -> Result<AddItem> {
        let id = crate::id::new_id();
        let outcome = on_pool!(self, pool => async {
            let mut tx = pool.begin_write().await?;
            let existing: Option<String> = sqlx::query_scalar(
                "SELECT state FROM collection_items WHERE collection_id = $1 AND account_id = $2")
                .bind(collection_id).bind(account_id).fetch_optional(&mut *tx).await?;
            if existing.is_some() {
                return Ok::<_, sqlx::Error>(AddItem::Already);
            }
            let live: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM collection_items WHERE collection_id = $1 AND state IN ('pending', 'accepted')")
                .bind(collection_id).fetch_one(&mut *tx).await?;
            if live >= max {
                return Ok(AddItem::Full);
            }
            let position: i64 = sqlx::query_scalar(
                "SELECT COALESCE(MAX(position), 0) + 1 FROM collection_items WHERE collection_id = $1")
                .bind(collection_id).fetch_one(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO collection_items (id, collection_id, account_id, state, position, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(id).bind(collection_id).bind(account_id).bind(state).bind(position).bind(now)
                .execute(&mut *tx).await?;
            sqlx::query("UPDATE featured_collections SET updated_at = $2 WHERE id = $1")
                .bind(collection_id).bind(now).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(AddItem::Added(CollectionItem {
                id,
                collection_id,
                account_id,
                state: state.to_string(),
                position,
                created_at: now,
            }))
        }.await)?;
        Ok(outcome)
    }

    pub async fn delete_collection_item(&self, id: i64) -> Result<()> {
        on_pool!(self, pool => sqlx::query("DELETE FROM collection_items WHERE id = $1")
            .bind(id).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    pub async fn set_collection_item_state(&self, id: i64, state: &str) -> Result<()> {
        on_pool!(self, pool => sqlx::query("UPDATE collection_items SET state = $2 WHERE id = $1")
            .bind(id).bind(state).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// The collections notifications refer to.
    pub async fn get_featured_collections(&self, ids: &[i64]) -> Result<Vec<FeaturedCollection>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new("SELECT * FROM featured_collections WHERE id IN ");
        sql.bind_list(ids);
        let rows = on_pool!(self, pool => bind_params!(sqlx::query_as(AssertSqlSafe(sql.text.clone())), &sql.params)
            .fetch_all(pool).await)?;
        Ok(rows)
    }
}

/// What adding an account to a collection did.
pub enum AddItem {
    Added(CollectionItem),
    /// The account is in it already (in any state).
    Already,
    /// It holds the most items it may.
    Full,
}
