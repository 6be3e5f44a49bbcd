//! Full-text search of statuses: the index (an FTS5 table on SQLite, a
//! tsvector with a GIN index on PostgreSQL) and the one query that reads
//! it with Mastodon's operators.

use chrono::{DateTime, Utc};

use super::Store;
use super::params::{Param, Sql};
use crate::error::Result;
use crate::model::search::{Has, Is, Scope, SearchDocument, StatusQuery, fts5_match, words};

/// Writes (or rewrites) a status's entry in the search index inside the
/// caller's transaction; `None` takes it out.
macro_rules! index_status {
    ($store:expr, $tx:expr, $id:expr, $doc:expr) => {
        async {
            let postgres = $store.backend() == "postgres";
            let id: i64 = $id;
            let doc: Option<&$crate::model::search::SearchDocument> = $doc;
            let key = if postgres { "status_id" } else { "rowid" };
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DELETE FROM status_search WHERE {key} = $1"
            )))
            .bind(id)
            .execute(&mut *$tx)
            .await?;
            if let Some(d) = doc {
                if postgres {
                    sqlx::query(
                        "INSERT INTO status_search (status_id, document, has_link)
                         VALUES ($1, to_tsvector('simple', $2) || to_tsvector(CAST($3 AS regconfig), $2), $4)",
                    )
                    .bind(id)
                    .bind(&d.body)
                    .bind(d.config)
                    .bind(d.has_link)
                    .execute(&mut *$tx)
                    .await?;
                } else {
                    sqlx::query("INSERT INTO status_search (rowid, body, has_link) VALUES ($1, $2, $3)")
                        .bind(id)
                        .bind(&d.body)
                        .bind(d.has_link)
                        .execute(&mut *$tx)
                        .await?;
                }
            }
            Ok::<(), sqlx::Error>(())
        }
    };
}

/// Matches past which a PostgreSQL search lets the planner walk the
/// index newest first (see `search_statuses`): at a million posts, a word
/// in 1,000 of them is found 20 at a time within about 20,000 rows.
const PG_DENSE: i64 = 1000;

/// Appends the tsquery of `q`'s words (each unstemmed or stemmed as
/// `stem`, all required; excluded words negated) in parentheses; false,
/// with nothing appended, when no word is left.
fn pg_tsquery(sql: &mut Sql, q: &StatusQuery, stem: &str) -> bool {
    let parts: Vec<(&String, bool)> = q
        .terms
        .iter()
        .map(|t| (t, false))
        .chain(q.excluded.iter().map(|t| (t, true)))
        .filter(|(t, _)| !words(t).is_empty())
        .collect();
    if parts.is_empty() {
        return false;
    }
    sql.push("(");
    for (i, (t, excluded)) in parts.into_iter().enumerate() {
        if i > 0 {
            sql.push(" && ");
        }
        let text = words(t).join(" ");
        if excluded {
            sql.push("!! phraseto_tsquery('simple', ")
                .bind(Param::Text(text))
                .push(")");
        } else {
            // Unstemmed, or stemmed as the query's language.
            sql.push("(phraseto_tsquery('simple', ")
                .bind(Param::Text(text.clone()))
                .push(") || phraseto_tsquery(CAST(")
                .bind(Param::Text(stem.to_string()))
                .push(" AS regconfig), ")
                .bind(Param::Text(text))
                .push("))");
        }
    }
    sql.push(")");
    true
}

/// Who searches, and what they may find.
pub struct Searcher<'a> {
    pub account_id: i64,
    /// Accounts whose posts never show (blocked either way, muted).
    pub hidden: &'a [i64],
    /// `from:` handles resolved: (account id, negated); an unknown handle
    /// is `None` (then nothing matches, unless negated).
    pub from: &'a [(Option<i64>, bool)],
    /// Only posts by this account (`account_id` of the API).
    pub author: Option<i64>,
    /// The PostgreSQL configuration that stems the query's words.
    pub stem: &'static str,
}

/// A page: `limit` posts after `offset`, between `max_id` and `min_id`.
pub struct SearchPage {
    pub limit: i64,
    pub offset: i64,
    pub max_id: Option<i64>,
    pub min_id: Option<i64>,
}

/// The searcher's library: their own posts and those they favourited,
/// bookmarked, boosted or were mentioned in.
fn library(sql: &mut Sql, me: i64) {
    sql.push("(s.account_id = ")
        .bind_i64(me)
        .push(" OR s.id IN (SELECT status_id FROM favourites WHERE account_id = ")
        .bind_i64(me)
        .push(") OR s.id IN (SELECT status_id FROM bookmarks WHERE account_id = ")
        .bind_i64(me)
        .push(") OR s.id IN (SELECT reblog_of_id FROM statuses WHERE account_id = ")
        .bind_i64(me)
        .push(" AND reblog_of_id IS NOT NULL) OR s.id IN (SELECT status_id FROM mentions WHERE account_id = ")
        .bind_i64(me)
        .push("))");
}

fn negate(sql: &mut Sql, negated: bool) {
    sql.push(if negated { " AND NOT " } else { " AND " });
}

impl Store {
    /// Stores one status's index entry (the backfill of posts written
    /// before the index existed).
    pub async fn index_status(&self, id: i64, doc: Option<&SearchDocument>) -> Result<()> {
        super::on_pool!(self, pool => {
            let mut tx = super::BeginWrite::begin_write(pool).await?;
            index_status!(self, tx, id, doc).await?;
            tx.commit().await
        })?;
        Ok(())
    }

    /// Writes the index entries of up to `batch` queued statuses in one
    /// transaction and takes them off the queue; evaluates to how many were
    /// taken (0: the queue is empty). On PostgreSQL, rows another node is
    /// indexing are skipped.
    pub async fn index_queued(&self, batch: i64) -> Result<usize> {
        // A read first: an empty queue (the indexer's idle look) takes no
        // write lock.
        let any: Option<i64> = super::on_pool!(self, pool => sqlx::query_scalar("SELECT status_id FROM search_queue LIMIT 1")
            .fetch_optional(pool).await)?;
        if any.is_none() {
            return Ok(0);
        }
        // Claims the batch, reads its posts, and makes their documents.
        macro_rules! claim {
            ($tx:expr, $lock:expr) => {
                async {
                    let ids: Vec<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                        "SELECT status_id FROM search_queue ORDER BY status_id LIMIT $1{}",
                        $lock
                    )))
                    .bind(batch)
                    .fetch_all(&mut *$tx)
                    .await?;
                    let mut sql = Sql::new("SELECT * FROM statuses WHERE id IN ");
                    sql.bind_list(&ids);
                    let statuses: Vec<crate::model::Status> = if ids.is_empty() {
                        Vec::new()
                    } else {
                        super::params::bind_params!(
                            sqlx::query_as(sqlx::AssertSqlSafe(sql.text.clone())),
                            &sql.params
                        )
                        .fetch_all(&mut *$tx)
                        .await?
                    };
                    let docs: Vec<(i64, Option<SearchDocument>)> = ids
                        .iter()
                        .map(|id| {
                            (
                                *id,
                                statuses
                                    .iter()
                                    .find(|s| s.id == *id)
                                    .and_then(crate::model::search::document),
                            )
                        })
                        .collect();
                    Ok::<_, sqlx::Error>(docs)
                }
            };
        }
        let taken = match &self.pool {
            super::Pool::Sqlite(pool) => {
                let mut tx = super::BeginWrite::begin_write(pool).await?;
                let docs = claim!(tx, "").await?;
                for (id, doc) in &docs {
                    index_status!(self, tx, *id, doc.as_ref()).await?;
                }
                let ids: Vec<i64> = docs.iter().map(|(id, _)| *id).collect();
                let mut sql = Sql::new("DELETE FROM search_queue WHERE status_id IN ");
                sql.bind_list(&ids);
                super::params::bind_params!(
                    sqlx::query(sqlx::AssertSqlSafe(sql.text.clone())),
                    &sql.params
                )
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                docs.len()
            }
            // Whole arrays in four statements, however many posts: a round
            // trip per post would cost PostgreSQL more than the index.
            super::Pool::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                let docs = claim!(tx, " FOR UPDATE SKIP LOCKED").await?;
                let ids: Vec<i64> = docs.iter().map(|(id, _)| *id).collect();
                let (mut with, mut bodies, mut configs, mut links) =
                    (vec![], vec![], vec![], vec![]);
                for (id, doc) in &docs {
                    if let Some(d) = doc {
                        with.push(*id);
                        bodies.push(d.body.clone());
                        configs.push(d.config.to_string());
                        links.push(d.has_link);
                    }
                }
                sqlx::query("DELETE FROM status_search WHERE status_id = ANY($1)")
                    .bind(&ids)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO status_search (status_id, document, has_link)
                     SELECT d.id, to_tsvector('simple', d.body) || to_tsvector(CAST(d.cfg AS regconfig), d.body), d.link
                     FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bool[]) AS d (id, body, cfg, link)
                     WHERE EXISTS (SELECT 1 FROM statuses s WHERE s.id = d.id)")
                    .bind(&with).bind(&bodies).bind(&configs).bind(&links)
                    .execute(&mut *tx).await?;
                sqlx::query("DELETE FROM search_queue WHERE status_id = ANY($1)")
                    .bind(&ids)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                docs.len()
            }
        };
        Ok(taken)
    }

    /// Up to `limit` statuses after `after_id` (by id) that are not
    /// boosts and have no index entry, oldest first.
    pub async fn unindexed_statuses(
        &self,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<crate::model::Status>> {
        let key = if self.backend() == "postgres" {
            "status_id"
        } else {
            "rowid"
        };
        let sql = format!(
            "SELECT * FROM statuses s WHERE s.id > $1 AND s.reblog_of_id IS NULL
             AND NOT EXISTS (SELECT 1 FROM status_search x WHERE x.{key} = s.id)
             ORDER BY s.id LIMIT $2"
        );
        let rows = super::on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(after_id).bind(limit).fetch_all(pool).await)?;
        Ok(rows)
    }

    /// The ids of the statuses `q` finds for `who`, newest first. Only
    /// public posts of indexable authors, and (unless `in:public`) the
    /// searcher's own and those they favourited, bookmarked, boosted or
    /// were mentioned in; never those of hidden or suspended accounts.
    /// Callers still check each post's visibility.
    pub async fn search_statuses(
        &self,
        who: &Searcher<'_>,
        q: &StatusQuery,
        page: &SearchPage,
    ) -> Result<Vec<i64>> {
        let postgres = self.backend() == "postgres";
        // On SQLite, words are matched with FTS5 as the outer loop, newest
        // match first, so that a page of a common word stops after its 20
        // posts instead of collecting every match first.
        let fts5 = !postgres && !q.terms.is_empty();
        let order = if fts5 { "status_search.rowid" } else { "s.id" };
        let mut sql = Sql::new(if fts5 {
            "SELECT s.id FROM status_search JOIN statuses s ON s.id = status_search.rowid
             JOIN accounts a ON a.id = s.account_id
             WHERE s.reblog_of_id IS NULL AND a.suspended_at IS NULL"
        } else {
            "SELECT s.id FROM statuses s JOIN accounts a ON a.id = s.account_id
             WHERE s.reblog_of_id IS NULL AND a.suspended_at IS NULL"
        });
        // The words.
        if !q.terms.is_empty() {
            if postgres {
                // The planner walks the index newest first when it thinks
                // matches are dense; for a word (or pair) with few matches
                // that walk reads most of the table. A probe reads up to
                // PG_DENSE matches from the GIN index: fewer, and the main
                // query takes them all from the index (fenced by OFFSET 0)
                // and sorts them.
                let mut probe = Sql::new(
                    "SELECT COUNT(*) FROM (SELECT 1 FROM status_search WHERE document @@ ",
                );
                if !pg_tsquery(&mut probe, q, who.stem) {
                    return Ok(Vec::new());
                }
                probe.push(" LIMIT ").bind_i64(PG_DENSE).push(") m");
                let found = self.query_ids(&probe).await?.first().copied().unwrap_or(0);
                if found == 0 {
                    return Ok(Vec::new());
                }
                sql.push(" AND s.id IN (SELECT status_id FROM status_search WHERE document @@ ");
                pg_tsquery(&mut sql, q, who.stem);
                sql.push(if found < PG_DENSE { " OFFSET 0)" } else { ")" });
            } else {
                let Some(expr) = fts5_match(q) else {
                    return Ok(Vec::new());
                };
                sql.push(" AND status_search MATCH ")
                    .bind(Param::Text(expr));
            }
        }
        // Where to look.
        let me = who.account_id;
        let public = "(s.visibility = 'public' AND a.indexable)";
        match q.scope {
            Scope::Public => {
                sql.push(" AND ").push(public);
            }
            Scope::Library => {
                sql.push(" AND ");
                library(&mut sql, me);
            }
            Scope::All => {
                sql.push(" AND (").push(public).push(" OR ");
                library(&mut sql, me);
                sql.push(")");
            }
        }
        if !who.hidden.is_empty() {
            sql.push(" AND s.account_id NOT IN ").bind_list(who.hidden);
        }
        if let Some(author) = who.author {
            sql.push(" AND s.account_id = ").bind_i64(author);
        }
        for (id, negated) in who.from {
            match (id, negated) {
                (Some(id), n) => {
                    negate(&mut sql, *n);
                    sql.push("s.account_id = ").bind_i64(*id);
                }
                (None, false) => return Ok(Vec::new()),
                (None, true) => {}
            }
        }
        for (has, negated) in &q.has {
            negate(&mut sql, *negated);
            match has {
                Has::Media => sql.push("EXISTS (SELECT 1 FROM media_attachments m WHERE m.status_id = s.id)"),
                Has::Poll => sql.push("s.poll_id IS NOT NULL"),
                Has::Embed => sql.push(
                    "EXISTS (SELECT 1 FROM media_attachments m WHERE m.status_id = s.id AND m.kind IN ('video', 'gifv', 'audio'))",
                ),
                Has::Link => {
                    let key = if postgres { "status_id" } else { "rowid" };
                    sql.push(&format!(
                        "EXISTS (SELECT 1 FROM status_search x WHERE x.{key} = s.id AND x.has_link = "
                    ));
                    sql.push(if postgres { "TRUE)" } else { "1)" })
                }
            };
        }
        for (is, negated) in &q.is {
            negate(&mut sql, *negated);
            match is {
                Is::Reply => sql.push("s.in_reply_to_id IS NOT NULL"),
                Is::Sensitive => sql.push(if postgres {
                    "s.sensitive"
                } else {
                    "s.sensitive = 1"
                }),
            };
        }
        for (lang, negated) in &q.language {
            negate(&mut sql, *negated);
            sql.push("COALESCE(s.language, '') = ")
                .bind(Param::Text(lang.clone()));
        }
        let time = |sql: &mut Sql, op: &str, t: DateTime<Utc>| {
            sql.push(" AND s.created_at ")
                .push(op)
                .push(" ")
                .bind(Param::Time(t));
        };
        if let Some(t) = q.before {
            time(&mut sql, "<", t);
        }
        if let Some(t) = q.after {
            time(&mut sql, ">=", t);
        }
        if let Some(id) = page.max_id {
            sql.push(&format!(" AND {order} < ")).bind_i64(id);
        }
        if let Some(id) = page.min_id {
            sql.push(&format!(" AND {order} > ")).bind_i64(id);
        }
        sql.push(&format!(" ORDER BY {order} DESC LIMIT "))
            .bind_i64(page.limit)
            .push(" OFFSET ")
            .bind_i64(page.offset);
        self.query_ids(&sql).await
    }
}
