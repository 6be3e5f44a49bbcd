//! Link preview cards: one row per linked page, and which card each post
//! shows.

use sqlx::AssertSqlSafe;

use super::params::{Param, Sql, bind_params};
use super::{BeginWrite, Store, on_pool};
use crate::cache::Invalidation;
use crate::error::Result;
use crate::model::PreviewCard;

impl Store {
    /// The card of the page at `url`, if one was ever fetched.
    pub async fn card_by_url(&self, url: &str) -> Result<Option<PreviewCard>> {
        let row = on_pool!(self, pool => sqlx::query_as("SELECT * FROM preview_cards WHERE url = $1")
            .bind(url).fetch_optional(pool).await)?;
        Ok(row)
    }

    /// The cards of pages at `urls` that were fetched (trending links).
    pub async fn cards_by_urls(&self, urls: &[String]) -> Result<Vec<PreviewCard>> {
        if urls.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new("SELECT * FROM preview_cards WHERE url IN (");
        for (i, url) in urls.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.bind(Param::Text(url.clone()));
        }
        sql.push(")");
        let rows = on_pool!(self, pool => bind_params!(sqlx::query_as(AssertSqlSafe(sql.text.clone())), &sql.params)
            .fetch_all(pool).await)?;
        Ok(rows)
    }

    /// The cards `status_ids` show, by status (one query for a page).
    pub async fn cards_of(&self, status_ids: &[i64]) -> Result<Vec<(i64, PreviewCard)>> {
        if status_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new(
            "SELECT sc.status_id, c.* FROM status_cards sc \
             JOIN preview_cards c ON c.id = sc.card_id WHERE sc.status_id IN ",
        );
        sql.bind_list(status_ids);
        let rows = on_pool!(self, pool => {
            let rows = bind_params!(sqlx::query(AssertSqlSafe(sql.text.clone())), &sql.params)
                .fetch_all(pool).await?;
            rows.iter().map(|row| {
                use sqlx::{FromRow, Row};
                Ok((row.try_get::<i64, _>("status_id")?, PreviewCard::from_row(row)?))
            }).collect::<Result<Vec<_>, sqlx::Error>>()
        })?;
        Ok(rows)
    }

    /// Stores a fetched card, replacing the one of the same URL (keeping its
    /// id); evaluates to the card's id.
    pub async fn put_card(&self, c: &PreviewCard) -> Result<i64> {
        let id = on_pool!(self, pool => sqlx::query_scalar(
            "INSERT INTO preview_cards (id, url, title, description, kind, author_name, author_url,
                provider_name, provider_url, html, width, height, image_key, image_width, image_height,
                image_description, embed_url, blurhash, language, published_at, fetched_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)
             ON CONFLICT (url) DO UPDATE SET title = excluded.title, description = excluded.description,
                kind = excluded.kind, author_name = excluded.author_name, author_url = excluded.author_url,
                provider_name = excluded.provider_name, provider_url = excluded.provider_url,
                html = excluded.html, width = excluded.width, height = excluded.height,
                image_key = excluded.image_key, image_width = excluded.image_width,
                image_height = excluded.image_height, image_description = excluded.image_description,
                embed_url = excluded.embed_url, blurhash = excluded.blurhash,
                language = excluded.language, published_at = excluded.published_at,
                fetched_at = excluded.fetched_at
             RETURNING id")
            .bind(c.id).bind(&c.url).bind(&c.title).bind(&c.description).bind(&c.kind)
            .bind(&c.author_name).bind(&c.author_url).bind(&c.provider_name).bind(&c.provider_url)
            .bind(&c.html).bind(c.width).bind(c.height).bind(&c.image_key).bind(c.image_width)
            .bind(c.image_height).bind(&c.image_description).bind(&c.embed_url).bind(&c.blurhash)
            .bind(&c.language).bind(c.published_at).bind(c.fetched_at)
            .fetch_one(pool).await)?;
        // Every post showing the card renders it anew.
        for status_id in self.statuses_with_card(id).await? {
            self.cache.invalidate(Invalidation::Status(status_id));
        }
        Ok(id)
    }

    /// The posts that show card `card_id`.
    async fn statuses_with_card(&self, card_id: i64) -> Result<Vec<i64>> {
        let ids = on_pool!(self, pool => sqlx::query_scalar("SELECT status_id FROM status_cards WHERE card_id = $1")
            .bind(card_id).fetch_all(pool).await)?;
        Ok(ids)
    }

    /// Makes `card_id` the card post `status_id` shows, or takes its card
    /// away (`None`). Nothing when the post is gone.
    pub async fn set_status_card(&self, status_id: i64, card_id: Option<i64>) -> Result<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM status_cards WHERE status_id = $1")
                .bind(status_id).execute(&mut *tx).await?;
            if let Some(card_id) = card_id {
                sqlx::query(
                    "INSERT INTO status_cards (status_id, card_id) \
                     SELECT id, $2 FROM statuses WHERE id = $1")
                    .bind(status_id).bind(card_id).execute(&mut *tx).await?;
            }
            tx.commit().await
        })?;
        self.cache.invalidate(Invalidation::Status(status_id));
        Ok(())
    }
}
