//! Lists, followed and featured hashtags, personal notes, endorsements.

use chrono::{DateTime, Utc};

use super::params::{Page, Param, Sql};
use super::{Store, on_pool};
use crate::cache::Invalidation;
use crate::error::Result;
use crate::model::List;

impl Store {
    pub async fn put_list(&self, l: &List) -> Result<()> {
        on_pool!(self, pool => sqlx::query(
            "INSERT INTO lists (id, account_id, title, replies_policy, exclusive, created_at) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (id) DO UPDATE SET title = $3, replies_policy = $4, exclusive = $5")
            .bind(l.id).bind(l.account_id).bind(&l.title).bind(&l.replies_policy).bind(l.exclusive).bind(l.created_at)
            .execute(pool).await.map(|_| ()))?;
        self.cache.invalidate(Invalidation::Exclusive(l.account_id));
        Ok(())
    }

    /// `account_id`'s list `id`, or None (also for someone else's list).
    pub async fn get_list(&self, account_id: i64, id: i64) -> Result<Option<List>> {
        let row = on_pool!(self, pool => sqlx::query_as("SELECT * FROM lists WHERE id = $1 AND account_id = $2")
            .bind(id).bind(account_id).fetch_optional(pool).await)?;
        Ok(row)
    }

    pub async fn lists_of(&self, account_id: i64) -> Result<Vec<List>> {
        let rows = on_pool!(self, pool => sqlx::query_as("SELECT * FROM lists WHERE account_id = $1 ORDER BY id")
            .bind(account_id).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// Lists of `owner` that contain `member`.
    pub async fn lists_containing(&self, owner: i64, member: i64) -> Result<Vec<List>> {
        let rows = on_pool!(self, pool => sqlx::query_as(
            "SELECT l.* FROM lists l JOIN list_accounts la ON la.list_id = l.id WHERE l.account_id = $1 AND la.account_id = $2 ORDER BY l.id")
            .bind(owner).bind(member).fetch_all(pool).await)?;
        Ok(rows)
    }

    pub async fn delete_list(&self, id: i64) -> Result<()> {
        let owner: Option<i64> = on_pool!(self, pool => sqlx::query_scalar("DELETE FROM lists WHERE id = $1 RETURNING account_id")
            .bind(id).fetch_optional(pool).await)?;
        if let Some(owner) = owner {
            self.cache.invalidate(Invalidation::Exclusive(owner));
        }
        Ok(())
    }

    pub async fn set_list_member(&self, list_id: i64, account_id: i64, on: bool) -> Result<()> {
        let sql = if on {
            "INSERT INTO list_accounts (list_id, account_id) VALUES ($1, $2) ON CONFLICT DO NOTHING"
        } else {
            "DELETE FROM list_accounts WHERE list_id = $1 AND account_id = $2"
        };
        on_pool!(self, pool => sqlx::query(sql).bind(list_id).bind(account_id).execute(pool).await.map(|_| ()))?;
        self.cache.invalidate(Invalidation::AllExclusive);
        Ok(())
    }

    pub async fn list_member_ids(&self, list_id: i64) -> Result<Vec<i64>> {
        let mut sql = Sql::new("SELECT account_id FROM list_accounts WHERE list_id = ");
        sql.bind_i64(list_id).push(" ORDER BY account_id");
        self.query_ids(&sql).await
    }

    /// Members of `owner`'s exclusive lists: their posts stay out of the home feed.
    pub async fn exclusive_list_members(&self, owner: i64) -> Result<Vec<i64>> {
        let ticket = self.cache.exclusive.ticket();
        if let Some(ids) = self.cache.exclusive.get(&owner) {
            return Ok(ids);
        }
        let mut sql = Sql::new(
            "SELECT la.account_id FROM list_accounts la JOIN lists l ON l.id = la.list_id WHERE l.exclusive AND l.account_id = ",
        );
        sql.bind_i64(owner);
        let ids = self.query_ids(&sql).await?;
        self.cache.exclusive.put(ticket, owner, ids.clone());
        Ok(ids)
    }

    /// A tag's id, created on first use.
    pub async fn tag_id(&self, name: &str) -> Result<i64> {
        let name = name.to_lowercase();
        on_pool!(self, pool => sqlx::query("INSERT INTO tags (id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING")
            .bind(crate::id::new_id()).bind(&name).bind(Utc::now()).execute(pool).await.map(|_| ()))?;
        let id = on_pool!(self, pool => sqlx::query_scalar("SELECT id FROM tags WHERE name = $1").bind(&name).fetch_one(pool).await)?;
        Ok(id)
    }

    pub async fn set_tag_follow(&self, account_id: i64, tag_id: i64, on: bool) -> Result<()> {
        if on {
            on_pool!(self, pool => sqlx::query("INSERT INTO tag_follows (account_id, tag_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                .bind(account_id).bind(tag_id).bind(Utc::now()).execute(pool).await.map(|_| ()))?;
        } else {
            on_pool!(self, pool => sqlx::query("DELETE FROM tag_follows WHERE account_id = $1 AND tag_id = $2")
                .bind(account_id).bind(tag_id).execute(pool).await.map(|_| ()))?;
        }
        Ok(())
    }

    /// Names of the tags `account_id` follows, with the follow's tag id for paging.
    pub async fn followed_tags(&self, account_id: i64, page: &Page) -> Result<Vec<(i64, String)>> {
        let mut sql = Sql::new(
            "SELECT t.id, t.name FROM tag_follows f JOIN tags t ON t.id = f.tag_id WHERE f.account_id = ",
        );
        sql.bind_i64(account_id);
        page.apply(&mut sql, "t.id");
        let rows = on_pool!(self, pool => super::params::bind_params!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text.clone())), &sql.params)
            .fetch_all(pool).await)?;
        Ok(rows)
    }

    pub async fn follows_tag(&self, account_id: i64, name: &str) -> Result<bool> {
        let n: i64 = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM tag_follows f JOIN tags t ON t.id = f.tag_id WHERE f.account_id = $1 AND t.name = $2")
            .bind(account_id).bind(name.to_lowercase()).fetch_one(pool).await)?;
        Ok(n > 0)
    }

    /// Local accounts following any of `tags`.
    pub async fn local_tag_followers(&self, tags: &[String]) -> Result<Vec<i64>> {
        if tags.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new(
            "SELECT DISTINCT f.account_id FROM tag_follows f JOIN tags t ON t.id = f.tag_id JOIN accounts a ON a.id = f.account_id WHERE a.domain IS NULL AND t.name IN (",
        );
        for (i, t) in tags.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.bind(Param::Text(t.to_lowercase()));
        }
        sql.push(")");
        self.query_ids(&sql).await
    }

    /// `(featured tag id, tag name, created_at)` of an account.
    pub async fn featured_tags(
        &self,
        account_id: i64,
    ) -> Result<Vec<(i64, String, DateTime<Utc>)>> {
        let rows = on_pool!(self, pool => sqlx::query_as(
            "SELECT f.id, t.name, f.created_at FROM featured_tags f JOIN tags t ON t.id = f.tag_id WHERE f.account_id = $1 ORDER BY f.id")
            .bind(account_id).fetch_all(pool).await)?;
        Ok(rows)
    }

    pub async fn put_featured_tag(&self, account_id: i64, tag_id: i64) -> Result<()> {
        on_pool!(self, pool => sqlx::query("INSERT INTO featured_tags (id, account_id, tag_id, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
            .bind(crate::id::new_id()).bind(account_id).bind(tag_id).bind(Utc::now()).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    pub async fn delete_featured_tag(&self, account_id: i64, id: i64) -> Result<bool> {
        let n = on_pool!(self, pool => sqlx::query("DELETE FROM featured_tags WHERE id = $1 AND account_id = $2")
            .bind(id).bind(account_id).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// `(statuses with the tag by the account, newest such status time)`.
    pub async fn tag_usage(
        &self,
        account_id: i64,
        name: &str,
    ) -> Result<(i64, Option<DateTime<Utc>>)> {
        let row: (i64, Option<DateTime<Utc>>) = on_pool!(self, pool => sqlx::query_as(
            "SELECT COUNT(*), MAX(s.created_at) FROM statuses s JOIN status_tags st ON st.status_id = s.id JOIN tags t ON t.id = st.tag_id
             WHERE s.account_id = $1 AND t.name = $2 AND s.visibility IN ('public', 'unlisted')")
            .bind(account_id).bind(name).fetch_one(pool).await)?;
        Ok(row)
    }

    pub async fn get_note(&self, account_id: i64, target: i64) -> Result<String> {
        let note: Option<String> = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT comment FROM account_notes WHERE account_id = $1 AND target_account_id = $2")
            .bind(account_id).bind(target).fetch_optional(pool).await)?;
        Ok(note.unwrap_or_default())
    }

    pub async fn put_note(&self, account_id: i64, target: i64, comment: &str) -> Result<()> {
        if comment.is_empty() {
            on_pool!(self, pool => sqlx::query("DELETE FROM account_notes WHERE account_id = $1 AND target_account_id = $2")
                .bind(account_id).bind(target).execute(pool).await.map(|_| ()))?;
        } else {
            on_pool!(self, pool => sqlx::query(
                "INSERT INTO account_notes (account_id, target_account_id, comment) VALUES ($1, $2, $3)
                 ON CONFLICT (account_id, target_account_id) DO UPDATE SET comment = $3")
                .bind(account_id).bind(target).bind(comment).execute(pool).await.map(|_| ()))?;
        }
        Ok(())
    }

    pub async fn set_endorsement(&self, account_id: i64, target: i64, on: bool) -> Result<()> {
        if on {
            on_pool!(self, pool => sqlx::query("INSERT INTO endorsements (id, account_id, target_account_id, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
                .bind(crate::id::new_id()).bind(account_id).bind(target).bind(Utc::now()).execute(pool).await.map(|_| ()))?;
        } else {
            on_pool!(self, pool => sqlx::query("DELETE FROM endorsements WHERE account_id = $1 AND target_account_id = $2")
                .bind(account_id).bind(target).execute(pool).await.map(|_| ()))?;
        }
        Ok(())
    }

    pub async fn is_endorsed(&self, account_id: i64, target: i64) -> Result<bool> {
        let n: i64 = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM endorsements WHERE account_id = $1 AND target_account_id = $2")
            .bind(account_id).bind(target).fetch_one(pool).await)?;
        Ok(n > 0)
    }

    /// `(endorsement id, endorsed account id)`, paged.
    pub async fn endorsements(&self, account_id: i64, page: &Page) -> Result<Vec<(i64, i64)>> {
        let mut sql =
            Sql::new("SELECT id, target_account_id FROM endorsements WHERE account_id = ");
        sql.bind_i64(account_id);
        page.apply(&mut sql, "id");
        self.query_pairs(&sql).await
    }
}
