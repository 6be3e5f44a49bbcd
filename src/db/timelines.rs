//! Read models for lists of statuses and of accounts: public, hashtag,
//! account, list and profile-page timelines, an actor's outbox, and the
//! paged lists of blocks, mutes, bookmarks and favourites. Each is one
//! statement whose shape follows the request; docs/database.md names the
//! index that serves it.
//!
//! Who may see a status is decided in `service::visibility`; the list
//! queries apply the same rules in SQL through [`visible_to`].

use super::params::{Param, Sql};
use super::{Store, on_pool};
use crate::error::Result;
use crate::model::{AccountFilter, Page, PublicFilter, RepliesPolicy, Status, TagFilter};

/// Appends to a `WHERE` on statuses aliased `s` the condition "`viewer` may
/// see it": the rules of `service::visibility::can_see`, for list queries.
fn visible_to(sql: &mut Sql, viewer: Option<i64>) {
    match viewer {
        None => {
            sql.push(" AND s.visibility IN ('public', 'unlisted')");
        }
        Some(v) => {
            sql.push(" AND (s.account_id = ").bind_i64(v);
            sql.push(" OR s.visibility IN ('public', 'unlisted')");
            sql.push(" OR (s.visibility = 'private' AND EXISTS (SELECT 1 FROM follows f WHERE f.account_id = ").bind_i64(v);
            sql.push(" AND f.target_account_id = s.account_id))");
            sql.push(
                " OR EXISTS (SELECT 1 FROM mentions m WHERE m.status_id = s.id AND m.account_id = ",
            )
            .bind_i64(v);
            sql.push("))");
            sql.push(" AND NOT EXISTS (SELECT 1 FROM blocks b WHERE (b.account_id = s.account_id AND b.target_account_id = ").bind_i64(v);
            sql.push(") OR (b.account_id = ")
                .bind_i64(v)
                .push(" AND b.target_account_id = s.account_id))");
        }
    }
    sql.push(" AND NOT EXISTS (SELECT 1 FROM accounts sa WHERE sa.id = s.account_id AND sa.suspended_at IS NOT NULL)");
}

/// Silenced accounts (a silenced server's) stay out of public timelines.
const NOT_SILENCED: &str = " AND NOT EXISTS (SELECT 1 FROM accounts xa WHERE xa.id = s.account_id AND xa.silenced_at IS NOT NULL)";

/// Statuses with media, local or remote.
const HAS_MEDIA: &str = " AND (s.media_ids IS NOT NULL OR s.remote_attachments IS NOT NULL)";

/// `s.id IN (statuses tagged `name`)`, driven from the tag's own rows: an
/// EXISTS per status made SQLite walk every status to find a rare tag.
fn tagged(sql: &mut Sql, name: &str) {
    sql.push("s.id IN (SELECT st.status_id FROM status_tags st JOIN tags t ON t.id = st.tag_id WHERE t.name = ")
        .bind(Param::Text(name.to_lowercase()))
        .push(")");
}

impl Store {
    /// The public timeline: public posts (no boosts) `viewer` may see, in
    /// page order (newest first, oldest first after `min_id`).
    pub async fn public_statuses(
        &self,
        viewer: Option<i64>,
        f: PublicFilter,
        page: &Page,
    ) -> Result<Vec<Status>> {
        let mut sql = Sql::new(
            "SELECT s.* FROM statuses s WHERE s.visibility = 'public' AND s.reblog_of_id IS NULL",
        );
        if f.only_media {
            sql.push(HAS_MEDIA);
        }
        sql.push(NOT_SILENCED);
        if f.local {
            sql.push(" AND s.local");
        } else if f.remote {
            sql.push(" AND NOT s.local");
        }
        visible_to(&mut sql, viewer);
        page.apply(&mut sql, "s.id");
        self.query_statuses(&sql).await
    }

    /// Direct messages `viewer` wrote or is mentioned in.
    pub async fn direct_statuses(&self, viewer: i64, page: &Page) -> Result<Vec<Status>> {
        let mut sql = Sql::new(
            "SELECT s.* FROM statuses s WHERE s.visibility = 'direct' AND (s.account_id = ",
        );
        sql.bind_i64(viewer)
            .push(" OR s.id IN (SELECT m.status_id FROM mentions m WHERE m.account_id = ")
            .bind_i64(viewer)
            .push("))");
        page.apply(&mut sql, "s.id");
        self.query_statuses(&sql).await
    }

    /// A hashtag timeline: public posts (no boosts) with the tags `f` asks
    /// for. `f.any` must not be empty.
    pub async fn tag_statuses(
        &self,
        viewer: Option<i64>,
        f: &TagFilter,
        page: &Page,
    ) -> Result<Vec<Status>> {
        let mut sql = Sql::new(
            "SELECT s.* FROM statuses s WHERE s.visibility = 'public' AND s.reblog_of_id IS NULL",
        );
        sql.push(" AND (");
        for (i, name) in f.any.iter().enumerate() {
            if i > 0 {
                sql.push(" OR ");
            }
            tagged(&mut sql, name);
        }
        sql.push(")");
        for name in &f.all {
            sql.push(" AND ");
            tagged(&mut sql, name);
        }
        for name in &f.none {
            sql.push(" AND NOT ");
            tagged(&mut sql, name);
        }
        if f.local {
            sql.push(" AND s.local");
        }
        sql.push(NOT_SILENCED);
        visible_to(&mut sql, viewer);
        page.apply(&mut sql, "s.id");
        self.query_statuses(&sql).await
    }

    /// An account's statuses (boosts included unless `f` drops them) that
    /// `viewer` may see.
    pub async fn account_statuses(
        &self,
        viewer: Option<i64>,
        author_id: i64,
        f: &AccountFilter,
        page: &Page,
    ) -> Result<Vec<Status>> {
        let mut sql = Sql::new("SELECT s.* FROM statuses s WHERE s.account_id = ");
        sql.bind_i64(author_id);
        if f.pinned {
            sql.push(
                " AND EXISTS (SELECT 1 FROM pins p WHERE p.status_id = s.id AND p.account_id = ",
            )
            .bind_i64(author_id)
            .push(")");
        }
        if f.exclude_replies {
            // Replies to oneself (threads) stay, as in Mastodon.
            sql.push(" AND (s.in_reply_to_id IS NULL OR s.in_reply_to_account_id = ")
                .bind_i64(author_id)
                .push(")");
        }
        if f.exclude_reblogs {
            sql.push(" AND s.reblog_of_id IS NULL");
        }
        if f.only_media {
            // As Mastodon: the author's own posts with media, no boosts.
            sql.push(" AND s.reblog_of_id IS NULL").push(HAS_MEDIA);
        }
        if let Some(tag) = &f.tagged {
            sql.push(" AND EXISTS (SELECT 1 FROM status_tags st JOIN tags t ON t.id = st.tag_id WHERE st.status_id = s.id AND t.name = ")
                .bind(Param::Text(tag.to_lowercase()))
                .push(")");
        }
        visible_to(&mut sql, viewer);
        page.apply(&mut sql, "s.id");
        self.query_statuses(&sql).await
    }

    /// A list's timeline: posts by `members` that `owner` may see, with the
    /// replies `policy` lets through.
    pub async fn list_statuses(
        &self,
        owner_id: i64,
        members: &[i64],
        policy: RepliesPolicy,
        page: &Page,
    ) -> Result<Vec<Status>> {
        let mut sql = Sql::new("SELECT s.* FROM statuses s WHERE s.account_id IN ");
        sql.bind_list(members);
        match policy {
            RepliesPolicy::None => {
                sql.push(" AND s.in_reply_to_id IS NULL");
            }
            RepliesPolicy::List => {
                sql.push(" AND (s.in_reply_to_account_id IS NULL OR s.in_reply_to_account_id = s.account_id OR s.in_reply_to_account_id IN ");
                sql.bind_list(members).push(")");
            }
            RepliesPolicy::Followed => {
                sql.push(" AND (s.in_reply_to_account_id IS NULL OR s.in_reply_to_account_id = s.account_id OR EXISTS (SELECT 1 FROM follows f WHERE f.account_id = ");
                sql.bind_i64(owner_id)
                    .push(" AND f.target_account_id = s.in_reply_to_account_id))");
            }
        }
        visible_to(&mut sql, Some(owner_id));
        page.apply(&mut sql, "s.id");
        self.query_statuses(&sql).await
    }

    /// The newest public posts (no boosts) of an account, for its public
    /// profile page.
    pub async fn public_posts_of(&self, account_id: i64, page: &Page) -> Result<Vec<Status>> {
        let mut sql = Sql::new("SELECT * FROM statuses s WHERE s.account_id = ");
        sql.bind_i64(account_id)
            .push(" AND s.visibility = 'public' AND s.reblog_of_id IS NULL");
        page.apply(&mut sql, "s.id");
        self.query_statuses(&sql).await
    }

    /// One page of an actor's outbox: its public and unlisted posts (no
    /// boosts) older than `max_id`, newest first.
    pub async fn outbox_statuses(
        &self,
        account_id: i64,
        max_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<Status>> {
        let page = Page {
            max_id,
            limit,
            ..Page::default()
        };
        let mut sql = Sql::new("SELECT * FROM statuses s WHERE s.account_id = ");
        sql.bind_i64(account_id)
            .push(" AND s.visibility IN ('public', 'unlisted') AND s.reblog_of_id IS NULL");
        page.apply(&mut sql, "s.id");
        self.query_statuses(&sql).await
    }

    /// `(id, uri)` of the public and unlisted replies to `status_id` after
    /// `min_id`, oldest first: by `author_id` when `own`, by everyone else
    /// otherwise (the two halves of a post's `replies` collection).
    pub async fn public_replies(
        &self,
        status_id: i64,
        author_id: i64,
        own: bool,
        min_id: i64,
        limit: i64,
    ) -> Result<Vec<(i64, String)>> {
        let sql = if own {
            "SELECT id, uri FROM statuses WHERE in_reply_to_id = $1 AND account_id = $2 \
             AND visibility IN ('public', 'unlisted') AND id > $3 ORDER BY id LIMIT $4"
        } else {
            "SELECT id, uri FROM statuses WHERE in_reply_to_id = $1 AND account_id <> $2 \
             AND visibility IN ('public', 'unlisted') AND id > $3 ORDER BY id LIMIT $4"
        };
        let rows = on_pool!(self, pool => sqlx::query_as(sql)
            .bind(status_id).bind(author_id).bind(min_id).bind(limit).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// The ids of an author's newest posts a new follower's home feed takes
    /// in (public, unlisted and followers-only, no replies), newest first.
    pub async fn recent_feed_status_ids(&self, author_id: i64, limit: i64) -> Result<Vec<i64>> {
        let ids = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT id FROM statuses WHERE account_id = $1 AND visibility IN ('public', 'unlisted', 'private') \
             AND in_reply_to_id IS NULL ORDER BY id DESC LIMIT $2")
            .bind(author_id).bind(limit).fetch_all(pool).await)?;
        Ok(ids)
    }

    /// `(block id, blocked account)` of `account_id`'s blocks, one page.
    pub async fn blocks_page(&self, account_id: i64, page: &Page) -> Result<Vec<(i64, i64)>> {
        self.own_rows_page("SELECT id, target_account_id FROM blocks", account_id, page)
            .await
    }

    /// `(mute id, muted account)` of `account_id`'s mutes, one page.
    pub async fn mutes_page(&self, account_id: i64, page: &Page) -> Result<Vec<(i64, i64)>> {
        self.own_rows_page("SELECT id, target_account_id FROM mutes", account_id, page)
            .await
    }

    /// `(bookmark id, status)` of `account_id`'s bookmarks, one page.
    pub async fn bookmarks_page(&self, account_id: i64, page: &Page) -> Result<Vec<(i64, i64)>> {
        self.own_rows_page("SELECT id, status_id FROM bookmarks", account_id, page)
            .await
    }

    /// `(favourite id, status)` of `account_id`'s favourites, one page.
    pub async fn favourites_page(&self, account_id: i64, page: &Page) -> Result<Vec<(i64, i64)>> {
        self.own_rows_page("SELECT id, status_id FROM favourites", account_id, page)
            .await
    }

    /// A page of `(row id, other id)` from `select` (a table whose rows
    /// belong to `account_id`), paged by the row's id.
    async fn own_rows_page(
        &self,
        select: &'static str,
        account_id: i64,
        page: &Page,
    ) -> Result<Vec<(i64, i64)>> {
        let mut sql = Sql::new(select);
        sql.push(" WHERE account_id = ").bind_i64(account_id);
        page.apply(&mut sql, "id");
        self.query_pairs(&sql).await
    }
}
