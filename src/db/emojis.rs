//! Custom emoji, this server's and other servers'.

use std::collections::BTreeMap;

use sqlx::AssertSqlSafe;

use super::params::{Param, Sql, bind_params};
use super::{Store, on_pool};
use crate::error::Result;
use crate::model::CustomEmoji;

impl Store {
    /// This server's enabled emoji, by shortcode.
    pub async fn local_emojis(&self) -> Result<Vec<CustomEmoji>> {
        let rows = on_pool!(self, pool => sqlx::query_as(
            "SELECT * FROM custom_emojis WHERE domain = '' AND NOT disabled ORDER BY shortcode")
            .fetch_all(pool).await)?;
        Ok(rows)
    }

    pub async fn get_emoji(&self, id: i64) -> Result<Option<CustomEmoji>> {
        let row = on_pool!(self, pool => sqlx::query_as("SELECT * FROM custom_emojis WHERE id = $1")
            .bind(id).fetch_optional(pool).await)?;
        Ok(row)
    }

    /// Adds an emoji; false when its shortcode is taken on its domain.
    pub async fn put_emoji(&self, e: &CustomEmoji) -> Result<bool> {
        let done = on_pool!(self, pool => sqlx::query(
            "INSERT INTO custom_emojis (id, shortcode, domain, uri, image_remote_url, image_key,
                content_type, category, visible_in_picker, disabled, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
             ON CONFLICT (domain, shortcode) DO NOTHING")
            .bind(e.id).bind(&e.shortcode).bind(&e.domain).bind(&e.uri).bind(&e.image_remote_url)
            .bind(&e.image_key).bind(&e.content_type).bind(&e.category).bind(e.visible_in_picker)
            .bind(e.disabled).bind(e.created_at).bind(e.updated_at)
            .execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(done == 1)
    }

    /// Records a remote emoji as its server describes it now: a new image
    /// URL replaces the old one (and its copy, which the caller refreshes).
    /// Returns the row and whether its image changed.
    pub async fn upsert_remote_emoji(&self, e: &CustomEmoji) -> Result<(CustomEmoji, bool)> {
        let existing: Option<CustomEmoji> = on_pool!(self, pool => sqlx::query_as(
            "SELECT * FROM custom_emojis WHERE domain = $1 AND shortcode = $2")
            .bind(&e.domain).bind(&e.shortcode).fetch_optional(pool).await)?;
        match existing {
            Some(old) if old.image_remote_url == e.image_remote_url => Ok((old, false)),
            Some(old) => {
                on_pool!(self, pool => sqlx::query(
                    "UPDATE custom_emojis SET uri = $1, image_remote_url = $2, image_key = NULL,
                        updated_at = $3 WHERE id = $4")
                    .bind(&e.uri).bind(&e.image_remote_url).bind(e.updated_at).bind(old.id)
                    .execute(pool).await.map(|_| ()))?;
                let row = self.get_emoji(old.id).await?.unwrap_or(old);
                Ok((row, true))
            }
            None => {
                if self.put_emoji(e).await? {
                    return Ok((e.clone(), true));
                }
                // Another delivery stored it first.
                let row = on_pool!(self, pool => sqlx::query_as(
                    "SELECT * FROM custom_emojis WHERE domain = $1 AND shortcode = $2")
                    .bind(&e.domain).bind(&e.shortcode).fetch_one(pool).await)?;
                Ok((row, false))
            }
        }
    }

    /// Sets the stored copy of an emoji's image; returns the key it replaces.
    pub async fn set_emoji_image(
        &self,
        id: i64,
        key: &str,
        content_type: &str,
    ) -> Result<Option<String>> {
        let old: Option<Option<String>> = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT image_key FROM custom_emojis WHERE id = $1")
            .bind(id).fetch_optional(pool).await)?;
        on_pool!(self, pool => sqlx::query(
            "UPDATE custom_emojis SET image_key = $1, content_type = $2 WHERE id = $3")
            .bind(key).bind(content_type).bind(id).execute(pool).await.map(|_| ()))?;
        Ok(old.flatten().filter(|k| k != key))
    }

    /// Removes one of this server's emoji; the removed row, if there was one.
    pub async fn delete_local_emoji(&self, shortcode: &str) -> Result<Option<CustomEmoji>> {
        let row = on_pool!(self, pool => sqlx::query_as(
            "DELETE FROM custom_emojis WHERE domain = '' AND shortcode = $1 RETURNING *")
            .bind(shortcode).fetch_optional(pool).await)?;
        Ok(row)
    }

    /// The enabled emoji named by `(domain, shortcode)` pairs.
    pub async fn emojis_named(&self, names: &[(String, String)]) -> Result<Vec<CustomEmoji>> {
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let mut by_domain: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (domain, code) in names {
            by_domain.entry(domain).or_default().push(code);
        }
        let mut sql = Sql::new("SELECT * FROM custom_emojis WHERE NOT disabled AND (");
        for (i, (domain, codes)) in by_domain.iter().enumerate() {
            if i > 0 {
                sql.push(" OR ");
            }
            sql.push("(domain = ")
                .bind(Param::Text((*domain).to_string()))
                .push(" AND shortcode IN (");
            for (j, code) in codes.iter().enumerate() {
                if j > 0 {
                    sql.push(", ");
                }
                sql.bind(Param::Text((*code).to_string()));
            }
            sql.push("))");
        }
        sql.push(")");
        let rows = on_pool!(self, pool => bind_params!(sqlx::query_as(AssertSqlSafe(sql.text.clone())), &sql.params)
            .fetch_all(pool).await)?;
        Ok(rows)
    }
}
