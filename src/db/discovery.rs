//! Discovery: the profile directory, the sources of follow suggestions,
//! dismissed suggestions, and the hashtags someone might feature.

use chrono::{DateTime, Utc};
use sqlx::AssertSqlSafe;

use super::params::{Sql, bind_params};
use super::{Store, on_pool};
use crate::error::Result;
use crate::model::Account;

/// Accounts that may be listed or suggested: discoverable, neither
/// suspended, silenced nor moved, and (local ones) approved and enabled.
const LISTABLE: &str = "a.suspended_at IS NULL AND a.silenced_at IS NULL AND a.discoverable
     AND a.moved_to_account_id IS NULL
     AND (a.domain IS NOT NULL OR EXISTS
          (SELECT 1 FROM users u WHERE u.account_id = a.id AND u.approved AND NOT u.disabled))";

/// Where suggestions come from, as Mastodon names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Endorsed by the server's staff on their profiles.
    Featured,
    /// Followed by the accounts you follow.
    FriendsOfFriends,
    /// Posting recently with the hashtags you follow or use.
    SimilarToRecentlyFollowed,
    /// Most favourited and boosted by this server's accounts lately.
    MostInteractions,
    /// Most followed by this server's accounts.
    MostFollowed,
}

impl Source {
    pub fn name(self) -> &'static str {
        match self {
            Source::Featured => "featured",
            Source::FriendsOfFriends => "friends_of_friends",
            Source::SimilarToRecentlyFollowed => "similar_to_recently_followed",
            Source::MostInteractions => "most_interactions",
            Source::MostFollowed => "most_followed",
        }
    }

    pub const ALL: [Source; 5] = [
        Source::Featured,
        Source::FriendsOfFriends,
        Source::SimilarToRecentlyFollowed,
        Source::MostInteractions,
        Source::MostFollowed,
    ];
}

/// Never suggested to `me`: themselves, whom they follow or asked to,
/// whom they dismissed, and `hidden` (blocked either way, muted).
fn not_for(sql: &mut Sql, me: i64, hidden: &[i64]) {
    sql.push(" AND a.id <> ")
        .bind_i64(me)
        .push(" AND a.id NOT IN (SELECT target_account_id FROM follows WHERE account_id = ")
        .bind_i64(me)
        .push(") AND a.id NOT IN (SELECT target_account_id FROM follow_requests WHERE account_id = ")
        .bind_i64(me)
        .push(") AND a.id NOT IN (SELECT target_account_id FROM suggestion_dismissals WHERE account_id = ")
        .bind_i64(me)
        .push(")");
    if !hidden.is_empty() {
        sql.push(" AND a.id NOT IN ").bind_list(hidden);
    }
}

impl Store {
    /// A page of the profile directory: listable accounts (local ones only
    /// when `local_only`), by latest post or newest first, leaving out
    /// `hidden`.
    pub async fn directory(
        &self,
        local_only: bool,
        newest: bool,
        hidden: &[i64],
        limit: i64,
        offset: i64,
    ) -> Result<Vec<Account>> {
        let mut sql = Sql::new("SELECT a.* FROM accounts a WHERE ");
        sql.push(LISTABLE);
        if local_only {
            sql.push(" AND a.domain IS NULL");
        }
        if !hidden.is_empty() {
            sql.push(" AND a.id NOT IN ").bind_list(hidden);
        }
        sql.push(if newest {
            " ORDER BY a.id DESC"
        } else {
            " ORDER BY a.last_status_at IS NULL, a.last_status_at DESC, a.id DESC"
        });
        sql.push(" LIMIT ")
            .bind_i64(limit)
            .push(" OFFSET ")
            .bind_i64(offset);
        let rows = on_pool!(self, pool => bind_params!(sqlx::query_as(AssertSqlSafe(sql.text.clone())), &sql.params)
            .fetch_all(pool).await)?;
        Ok(rows)
    }

    /// Up to `limit` accounts `source` suggests to `me`, best first, with
    /// their scores. `since_id` bounds the "lately" of the sources that
    /// look at recent activity.
    pub async fn suggestion_candidates(
        &self,
        source: Source,
        me: i64,
        hidden: &[i64],
        since_id: i64,
        limit: i64,
    ) -> Result<Vec<(i64, i64)>> {
        let mut sql = Sql::new("");
        match source {
            Source::Featured => {
                sql.push(
                    "SELECT a.id, COUNT(*) FROM endorsements e JOIN users staff ON staff.account_id = e.account_id
                     JOIN accounts a ON a.id = e.target_account_id
                     WHERE staff.role IN ('admin', 'moderator') AND ",
                );
            }
            Source::FriendsOfFriends => {
                sql.push(
                    "SELECT a.id, COUNT(*) FROM follows f1 JOIN follows f2 ON f2.account_id = f1.target_account_id
                     JOIN accounts a ON a.id = f2.target_account_id WHERE f1.account_id = ",
                )
                .bind_i64(me)
                .push(" AND ");
            }
            Source::SimilarToRecentlyFollowed => {
                sql.push(
                    "SELECT a.id, COUNT(DISTINCT st.tag_id) FROM status_tags st JOIN statuses s ON s.id = st.status_id
                     JOIN accounts a ON a.id = s.account_id
                     WHERE s.visibility = 'public' AND st.status_id >= ",
                )
                .bind_i64(since_id)
                .push(" AND st.tag_id IN (SELECT tag_id FROM tag_follows WHERE account_id = ")
                .bind_i64(me)
                .push(
                    " UNION SELECT mt.tag_id FROM status_tags mt JOIN statuses ms ON ms.id = mt.status_id
                     WHERE ms.account_id = ",
                )
                .bind_i64(me)
                .push(" AND mt.status_id >= ")
                .bind_i64(since_id)
                .push(") AND ");
            }
            Source::MostInteractions => {
                sql.push(
                    "SELECT a.id, COUNT(*) FROM favourites fv JOIN accounts fa ON fa.id = fv.account_id
                     JOIN statuses s ON s.id = fv.status_id JOIN accounts a ON a.id = s.account_id
                     WHERE fa.domain IS NULL AND fv.status_id >= ",
                )
                .bind_i64(since_id)
                .push(" AND ");
            }
            Source::MostFollowed => {
                sql.push(
                    "SELECT a.id, COUNT(*) FROM follows f JOIN accounts fa ON fa.id = f.account_id
                     JOIN accounts a ON a.id = f.target_account_id WHERE fa.domain IS NULL AND ",
                );
            }
        }
        sql.push(LISTABLE);
        not_for(&mut sql, me, hidden);
        sql.push(" GROUP BY a.id ORDER BY COUNT(*) DESC, a.id DESC LIMIT ")
            .bind_i64(limit);
        let rows = on_pool!(self, pool => bind_params!(sqlx::query_as(AssertSqlSafe(sql.text.clone())), &sql.params)
            .fetch_all(pool).await)?;
        Ok(rows)
    }

    /// `me` does not want `target` suggested again.
    pub async fn dismiss_suggestion(&self, me: i64, target: i64, now: DateTime<Utc>) -> Result<()> {
        on_pool!(self, pool => sqlx::query(
            "INSERT INTO suggestion_dismissals (account_id, target_account_id, created_at) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING")
            .bind(me).bind(target).bind(now).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// The hashtags `me` used most since `since_id` that they do not
    /// feature yet, most used first.
    pub async fn featured_tag_candidates(
        &self,
        me: i64,
        since_id: i64,
        limit: i64,
    ) -> Result<Vec<String>> {
        let rows = on_pool!(self, pool => sqlx::query_scalar(
            "SELECT t.name FROM status_tags st JOIN statuses s ON s.id = st.status_id JOIN tags t ON t.id = st.tag_id
             WHERE s.account_id = $1 AND st.status_id >= $2
               AND t.id NOT IN (SELECT tag_id FROM featured_tags WHERE account_id = $1)
             GROUP BY t.name ORDER BY COUNT(*) DESC, t.name LIMIT $3")
            .bind(me).bind(since_id).bind(limit).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// Public posts since `since_id`, by accounts `me` neither follows nor
    /// hides, that accounts `me` follows favourited or boosted: `(status
    /// id, how many of them)`, most first, at most `limit`.
    pub async fn recommended_candidates(
        &self,
        me: i64,
        hidden: &[i64],
        since_id: i64,
        limit: i64,
    ) -> Result<Vec<(i64, i64)>> {
        let mut sql = Sql::new(
            "SELECT x.status_id, COUNT(DISTINCT x.account_id) FROM (
               SELECT fv.status_id, fv.account_id FROM favourites fv
                WHERE fv.status_id >= ",
        );
        sql.bind_i64(since_id)
            .push(" AND fv.account_id IN (SELECT target_account_id FROM follows WHERE account_id = ")
            .bind_i64(me)
            .push(
                ") UNION ALL SELECT b.reblog_of_id, b.account_id FROM statuses b
                WHERE b.reblog_of_id >= ",
            )
            .bind_i64(since_id)
            .push(" AND b.account_id IN (SELECT target_account_id FROM follows WHERE account_id = ")
            .bind_i64(me)
            .push(
                ")) x JOIN statuses s ON s.id = x.status_id JOIN accounts a ON a.id = s.account_id
              WHERE s.visibility = 'public' AND s.reblog_of_id IS NULL AND a.suspended_at IS NULL
                AND s.account_id <> ",
            )
            .bind_i64(me)
            .push(" AND s.account_id NOT IN (SELECT target_account_id FROM follows WHERE account_id = ")
            .bind_i64(me)
            .push(")");
        if !hidden.is_empty() {
            sql.push(" AND s.account_id NOT IN ").bind_list(hidden);
        }
        sql.push(" GROUP BY x.status_id ORDER BY COUNT(DISTINCT x.account_id) DESC, x.status_id DESC LIMIT ")
            .bind_i64(limit);
        let rows = on_pool!(self, pool => bind_params!(sqlx::query_as(AssertSqlSafe(sql.text.clone())), &sql.params)
            .fetch_all(pool).await)?;
        Ok(rows)
    }

    /// Who among the accounts `me` follows favourited or boosted each of
    /// `status_ids`: `(status id, account id)`.
    pub async fn recommenders(&self, me: i64, status_ids: &[i64]) -> Result<Vec<(i64, i64)>> {
        if status_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new("SELECT status_id, account_id FROM favourites WHERE status_id IN ");
        sql.bind_list(status_ids)
            .push(" AND account_id IN (SELECT target_account_id FROM follows WHERE account_id = ")
            .bind_i64(me)
            .push(") UNION SELECT reblog_of_id, account_id FROM statuses WHERE reblog_of_id IN ")
            .bind_list(status_ids)
            .push(" AND account_id IN (SELECT target_account_id FROM follows WHERE account_id = ")
            .bind_i64(me)
            .push(")");
        self.query_pairs(&sql).await
    }
}
