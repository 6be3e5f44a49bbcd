//! `roost db copy`: moves an instance's SQLite database into an empty
//! PostgreSQL database, row for row.
//!
//! The target is checked empty before anything is written to it, then
//! migrated to this binary's schema. Every table is read from one SQLite
//! read transaction (a consistent snapshot even if a server still writes)
//! and streamed into PostgreSQL with `COPY … FROM STDIN`, all inside one
//! PostgreSQL transaction: an interrupted copy (Ctrl-C, a lost connection,
//! a failed count check) commits nothing and leaves the empty schema, so it
//! can simply be run again. Tables go in the order of their foreign keys; a
//! table's references to itself (a boost's original, a moved account's new
//! account) are checked at the end of its one `COPY` statement, so the order
//! of its rows does not matter. The full-text index is not copied: the two
//! backends index differently, and PostgreSQL's triggers queue every post
//! for the indexer, which rebuilds it in the background once roost runs.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::str::FromStr;

use futures_util::TryStreamExt;
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection as _, PgConnection, Row as _, SqlitePool, TypeInfo as _};
use sqlx::{ValueRef as _, sqlite::SqliteRow};

use crate::error::{Error, Result};

/// Tables not copied: migration bookkeeping (each side has its own) and the
/// search index, which PostgreSQL rebuilds from the posts.
const NOT_COPIED: &[&str] = &["_sqlx_migrations", "status_search", "search_queue"];

/// What a copy reports as it goes.
pub enum CopyEvent<'a> {
    /// About to copy `rows` rows of `table`.
    Table { table: &'a str, rows: i64 },
    /// `done` of `table`'s rows sent so far (every few thousand rows).
    Rows { table: &'a str, done: i64 },
    /// All rows are in; counting them in the target before committing.
    Checking,
}

/// What was copied: each table and its row count, in copy order.
pub struct CopySummary {
    pub tables: Vec<(String, i64)>,
}

/// Refuses `url` unless it is a PostgreSQL database none of whose tables
/// holds a row (roost's empty schema is allowed: an interrupted copy leaves
/// it).
async fn check_empty(conn: &mut PgConnection) -> Result<()> {
    let tables = pg_tables(conn).await?;
    let mut full = Vec::new();
    for table in tables.iter().filter(|t| *t != "_sqlx_migrations") {
        let any: bool = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT EXISTS (SELECT 1 FROM {})",
            quoted(table)
        )))
        .fetch_one(&mut *conn)
        .await
        .map_err(Error::internal)?;
        if any {
            full.push(table.clone());
        }
    }
    if full.is_empty() {
        return Ok(());
    }
    full.truncate(5);
    Err(Error::bad_request(format!(
        "the target database is not empty (rows in {}); copy into a new, empty database",
        full.join(", ")
    )))
}

/// The ordinary tables of the connection's current schema.
async fn pg_tables(conn: &mut PgConnection) -> Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'
         ORDER BY table_name",
    )
    .fetch_all(conn)
    .await
    .map_err(Error::internal)
}

/// Connects to the copy's target.
pub async fn connect_target(url: &str) -> Result<PgConnection> {
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err(Error::bad_request(format!(
            "--to must be a postgres:// URL, not {url:?}"
        )));
    }
    let options = PgConnectOptions::from_str(url)
        .map_err(|e| Error::bad_request(format!("--to: {e}")))?
        .application_name("roost db copy");
    PgConnection::connect_with(&options)
        .await
        .map_err(|e| Error::bad_request(format!("cannot connect to the target: {e}")))
}

/// Checks that `target_url` names an empty PostgreSQL database, gives it
/// roost's schema, and copies every row of `source` into it.
pub async fn sqlite_to_postgres(
    source: &SqlitePool,
    target_url: &str,
    mut progress: impl FnMut(CopyEvent<'_>),
) -> Result<CopySummary> {
    let mut target = connect_target(target_url).await?;
    check_empty(&mut target).await?;
    let schema = super::Store::connect(target_url, 1).await?;
    schema.migrate().await?;
    schema.close().await;

    let order = copy_order(&mut target).await?;
    let mut snapshot = source.begin().await.map_err(Error::internal)?;
    let sqlite_tables: BTreeSet<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table'
         AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'status_search_%'",
    )
    .fetch_all(&mut *snapshot)
    .await
    .map_err(Error::internal)?
    .into_iter()
    .filter(|t: &String| !NOT_COPIED.contains(&t.as_str()))
    .collect();
    let pg_set: BTreeSet<String> = order.iter().cloned().collect();
    if let Some(missing) = sqlite_tables.difference(&pg_set).next() {
        return Err(Error::internal(format!(
            "table {missing} has no counterpart in the PostgreSQL schema"
        )));
    }

    let mut tx = target.begin().await.map_err(Error::internal)?;
    sqlx::query("SET LOCAL TimeZone = 'UTC'")
        .execute(&mut *tx)
        .await
        .map_err(Error::internal)?;
    let mut copied = Vec::new();
    for table in &order {
        if !sqlite_tables.contains(table) {
            continue;
        }
        let columns = columns_of(&mut tx, &mut snapshot, table).await?;
        let rows: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT count(*) FROM {}",
            quoted(table)
        )))
        .fetch_one(&mut *snapshot)
        .await
        .map_err(Error::internal)?;
        progress(CopyEvent::Table { table, rows });
        let names = columns
            .iter()
            .map(|(name, _)| quoted(name))
            .collect::<Vec<_>>()
            .join(", ");
        let mut copy = tx
            .copy_in_raw(&format!("COPY {} ({names}) FROM STDIN", quoted(table)))
            .await
            .map_err(Error::internal)?;
        let select = format!("SELECT {names} FROM {}", quoted(table));
        let mut stream = sqlx::query(sqlx::AssertSqlSafe(select)).fetch(&mut *snapshot);
        let mut buf = String::with_capacity(1 << 18);
        let mut done = 0i64;
        while let Some(row) = stream.try_next().await.map_err(Error::internal)? {
            encode_row(&row, &columns, &mut buf)
                .map_err(|e| Error::internal(format!("{table}: {e}")))?;
            done += 1;
            if buf.len() >= 1 << 18 {
                copy.send(buf.as_bytes()).await.map_err(Error::internal)?;
                buf.clear();
            }
            if done % 20_000 == 0 {
                progress(CopyEvent::Rows { table, done });
            }
        }
        drop(stream);
        if !buf.is_empty() {
            copy.send(buf.as_bytes()).await.map_err(Error::internal)?;
        }
        let written = copy
            .finish()
            .await
            .map_err(|e| Error::internal(format!("copying {table}: {e}")))?;
        if written != rows as u64 || done != rows {
            return Err(Error::internal(format!(
                "{table}: {rows} rows in SQLite, {done} read, {written} written; nothing was committed"
            )));
        }
        copied.push((table.clone(), rows));
    }

    progress(CopyEvent::Checking);
    for (table, rows) in &copied {
        let there: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT count(*) FROM {}",
            quoted(table)
        )))
        .fetch_one(&mut *tx)
        .await
        .map_err(Error::internal)?;
        if there != *rows {
            return Err(Error::internal(format!(
                "{table}: {rows} rows copied but {there} in the target; nothing was committed"
            )));
        }
    }
    tx.commit().await.map_err(Error::internal)?;
    drop(snapshot);
    let _ = target.close().await;
    Ok(CopySummary { tables: copied })
}

/// Gathers the planner's statistics on the copied database, so the first
/// queries are planned from the real sizes.
pub async fn analyze(target_url: &str) -> Result<()> {
    let mut target = connect_target(target_url).await?;
    sqlx::query("ANALYZE")
        .execute(&mut target)
        .await
        .map_err(Error::internal)?;
    let _ = target.close().await;
    Ok(())
}

/// The tables of the PostgreSQL schema in an order where every table comes
/// after the tables its foreign keys point at (references to itself aside).
async fn copy_order(conn: &mut PgConnection) -> Result<Vec<String>> {
    let tables: Vec<String> = pg_tables(conn)
        .await?
        .into_iter()
        .filter(|t| !NOT_COPIED.contains(&t.as_str()))
        .collect();
    let edges: Vec<(String, String)> = sqlx::query_as(
        "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text
         FROM pg_constraint c
         WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(Error::internal)?;
    let mut needs: BTreeMap<&str, BTreeSet<&str>> = tables
        .iter()
        .map(|t| (t.as_str(), BTreeSet::new()))
        .collect();
    for (from, to) in &edges {
        let (from, to) = (unquoted(from), unquoted(to));
        if from != to
            && let Some(set) = needs.get_mut(from)
        {
            set.insert(to);
        }
    }
    let mut order = Vec::with_capacity(tables.len());
    while !needs.is_empty() {
        let ready: Vec<&str> = needs
            .iter()
            .filter(|(_, deps)| deps.iter().all(|d| !needs.contains_key(d)))
            .map(|(t, _)| *t)
            .collect();
        if ready.is_empty() {
            return Err(Error::internal(format!(
                "the foreign keys among {:?} form a cycle",
                needs.keys().collect::<Vec<_>>()
            )));
        }
        for t in ready {
            needs.remove(t);
            order.push(t.to_string());
        }
    }
    Ok(order)
}

/// `regclass::text` quotes names that need it; ours never do.
fn unquoted(name: &str) -> &str {
    name.trim_matches('"')
}

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// How a value is written for a PostgreSQL column.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Integer,
    Boolean,
    Float,
    Bytes,
    /// Text, JSON, times, dates: PostgreSQL parses the text SQLite holds.
    Text,
}

/// The columns of `table` with how each is written; both sides must have
/// the same columns.
async fn columns_of(
    pg: &mut PgConnection,
    sqlite: &mut sqlx::SqliteConnection,
    table: &str,
) -> Result<Vec<(String, Kind)>> {
    let pg_columns: Vec<(String, String)> = sqlx::query_as(
        "SELECT column_name::text, data_type::text FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name = $1
         ORDER BY ordinal_position",
    )
    .bind(table)
    .fetch_all(&mut *pg)
    .await
    .map_err(Error::internal)?;
    let sqlite_columns: BTreeSet<String> = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT name FROM pragma_table_info('{}')",
        table.replace('\'', "''")
    )))
    .fetch_all(&mut *sqlite)
    .await
    .map_err(Error::internal)?
    .iter()
    .map(|row| row.get::<String, _>(0))
    .collect();
    let pg_names: BTreeSet<String> = pg_columns.iter().map(|(n, _)| n.clone()).collect();
    if let Some(c) = sqlite_columns.symmetric_difference(&pg_names).next() {
        return Err(Error::internal(format!(
            "{table}.{c} is not in both schemas; is this binary older than the database?"
        )));
    }
    Ok(pg_columns
        .into_iter()
        .map(|(name, data_type)| {
            let kind = match data_type.as_str() {
                "bigint" | "integer" | "smallint" => Kind::Integer,
                "boolean" => Kind::Boolean,
                "double precision" | "real" | "numeric" => Kind::Float,
                "bytea" => Kind::Bytes,
                _ => Kind::Text,
            };
            (name, kind)
        })
        .collect())
}

/// Appends `row` to `buf` as one line of `COPY`'s text format.
fn encode_row(
    row: &SqliteRow,
    columns: &[(String, Kind)],
    buf: &mut String,
) -> std::result::Result<(), String> {
    for (i, (name, kind)) in columns.iter().enumerate() {
        if i > 0 {
            buf.push('\t');
        }
        let raw = row.try_get_raw(i).map_err(|e| format!("{name}: {e}"))?;
        if raw.is_null() {
            buf.push_str("\\N");
            continue;
        }
        let storage = raw.type_info().name().to_string();
        let bad = |e: sqlx::Error| format!("{name}: {e}");
        match (storage.as_str(), kind) {
            ("INTEGER", Kind::Boolean) => {
                let v: i64 = row.try_get_unchecked(i).map_err(bad)?;
                buf.push(if v != 0 { 't' } else { 'f' });
            }
            ("INTEGER", _) => {
                let v: i64 = row.try_get_unchecked(i).map_err(bad)?;
                let _ = write!(buf, "{v}");
            }
            ("REAL", _) => {
                let v: f64 = row.try_get_unchecked(i).map_err(bad)?;
                if *kind == Kind::Integer && v.fract() == 0.0 {
                    let _ = write!(buf, "{}", v as i64);
                } else {
                    let _ = write!(buf, "{v:?}");
                }
            }
            ("BLOB", Kind::Bytes) | ("TEXT", Kind::Bytes) => {
                let v: Vec<u8> = row.try_get_unchecked(i).map_err(bad)?;
                buf.push_str("\\\\x");
                for b in v {
                    let _ = write!(buf, "{b:02x}");
                }
            }
            ("TEXT", _) => {
                let v: &str = row.try_get_unchecked(i).map_err(bad)?;
                if v.contains('\0') {
                    return Err(format!("{name}: text holds a NUL character"));
                }
                escape_into(v, buf);
            }
            (other, kind) => {
                return Err(format!("{name}: a {other} value for a {kind:?} column"));
            }
        }
    }
    buf.push('\n');
    Ok(())
}

/// `COPY` text format: backslash, tab, newline and carriage return escaped.
fn escape_into(v: &str, buf: &mut String) {
    for c in v.chars() {
        match c {
            '\\' => buf.push_str("\\\\"),
            '\t' => buf.push_str("\\t"),
            '\n' => buf.push_str("\\n"),
            '\r' => buf.push_str("\\r"),
            c => buf.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_text_escapes() {
        let mut buf = String::new();
        escape_into("a\\b\tc\nd\re", &mut buf);
        assert_eq!(buf, "a\\\\b\\tc\\nd\\re");
    }
}
