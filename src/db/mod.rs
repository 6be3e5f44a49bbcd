//! The store: every read and write of roost's data, on SQLite or PostgreSQL.
//!
//! Both backends share one SQL text per query wherever the dialects agree
//! (`$1` placeholders work on both); the [`on_pool!`] macro expands a query once
//! per backend so each is checked against its own sqlx driver types. Where the
//! dialects differ, a method matches on [`Pool`] and spells each out. The same
//! test suite runs against both.

use std::borrow::Cow;
use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

use crate::error::{Error, Result};

pub mod accounts;
pub mod admin;
pub mod analytics;
pub mod announcements;
pub mod bus;
pub mod cards;
pub mod collections;
pub mod copy;
pub mod discovery;
pub mod emojis;
pub mod exports;
pub mod featured_collections;
pub mod federation;
pub mod feeds;
pub mod filters;
pub mod jobs;
pub mod media;
pub mod notification_policy;
pub mod oauth;
pub mod params;
pub mod passwords;
pub mod polls;
pub mod push;
pub mod quotes;
pub mod rate_limits;
pub mod relationships;
pub mod replicas;
pub mod search;
pub mod security;
pub mod sign_up_blocks;
pub mod statuses;
pub mod tags;
pub mod timelines;
pub mod trends;

/// A connection pool on one of the two backends.
#[derive(Clone, Debug)]
pub enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to whichever backend the store uses.
macro_rules! on_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.pool {
            $crate::db::Pool::Sqlite($pool) => $body,
            $crate::db::Pool::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

/// [`on_pool!`] on the pool the current request's reads may use: a replica
/// fresh enough for it, or the primary (see [`replicas`]). A replica that
/// fails to answer is left until it answers again, and the query is run on
/// the primary. For read-only queries only.
macro_rules! on_reader {
    ($store:expr, $pool:ident => $body:expr) => {{
        let (replica, pool) = $store.reader();
        let result = match pool {
            $crate::db::Pool::Sqlite($pool) => $body,
            $crate::db::Pool::Postgres($pool) => $body,
        };
        match (replica, result) {
            (Some(i), Err(e)) if $crate::db::replicas::unreachable(&e) => {
                $store.replica_failed(i, &e);
                $crate::db::on_pool!($store, $pool => $body)
            }
            (_, result) => result,
        }
    }};
}
pub(crate) use on_reader;

/// Starts a transaction that will write. On SQLite it is `BEGIN IMMEDIATE`,
/// which takes the write lock at once (waiting up to the busy timeout): a
/// deferred transaction that reads first fails with "database is locked",
/// without waiting, when another writer commits between its read and its
/// write. On PostgreSQL it is a plain `BEGIN`.
pub(crate) trait BeginWrite {
    type Db: sqlx::Database;
    fn begin_write(
        &self,
    ) -> impl std::future::Future<Output = Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error>>
    + Send;
}

impl BeginWrite for SqlitePool {
    type Db = sqlx::Sqlite;
    fn begin_write(
        &self,
    ) -> impl std::future::Future<Output = Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error>>
    + Send {
        self.begin_with("BEGIN IMMEDIATE")
    }
}

impl BeginWrite for PgPool {
    type Db = sqlx::Postgres;
    fn begin_write(
        &self,
    ) -> impl std::future::Future<Output = Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error>>
    + Send {
        self.begin()
    }
}

/// Handle to the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pub pool: Pool,
    /// Recently read rows and what is rendered from them; see [`crate::cache`].
    pub cache: std::sync::Arc<crate::cache::Caches>,
    /// Hot standbys for the heavy reads (`database.replica_urls`).
    pub replicas: Option<std::sync::Arc<replicas::Replicas>>,
}

const SQLITE_MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "foundation",
        include_str!("../../migrations/sqlite/0001_foundation.sql"),
    ),
    (
        2,
        "social",
        include_str!("../../migrations/sqlite/0002_social.sql"),
    ),
    (
        3,
        "home_feed_clustered",
        include_str!("../../migrations/sqlite/0003_home_feed_clustered.sql"),
    ),
    (
        4,
        "federation",
        include_str!("../../migrations/sqlite/0004_federation.sql"),
    ),
    (
        5,
        "media",
        include_str!("../../migrations/sqlite/0005_media.sql"),
    ),
    (
        6,
        "mail",
        include_str!("../../migrations/sqlite/0006_mail.sql"),
    ),
    (
        7,
        "account_security",
        include_str!("../../migrations/sqlite/0007_account_security.sql"),
    ),
    (
        8,
        "notifications_once",
        include_str!("../../migrations/sqlite/0008_notifications_once.sql"),
    ),
    (
        9,
        "push",
        include_str!("../../migrations/sqlite/0009_push.sql"),
    ),
    (
        10,
        "notification_groups",
        include_str!("../../migrations/sqlite/0010_notification_groups.sql"),
    ),
    (
        11,
        "notification_policy",
        include_str!("../../migrations/sqlite/0011_notification_policy.sql"),
    ),
    (
        12,
        "moderation",
        include_str!("../../migrations/sqlite/0012_moderation.sql"),
    ),
    (
        13,
        "filters",
        include_str!("../../migrations/sqlite/0013_filters.sql"),
    ),
    (
        14,
        "rules",
        include_str!("../../migrations/sqlite/0014_rules.sql"),
    ),
    (
        15,
        "sign_up_blocks",
        include_str!("../../migrations/sqlite/0015_sign_up_blocks.sql"),
    ),
    (
        16,
        "custom_emojis",
        include_str!("../../migrations/sqlite/0016_custom_emojis.sql"),
    ),
    (
        17,
        "announcements",
        include_str!("../../migrations/sqlite/0017_announcements.sql"),
    ),
    (
        18,
        "quotes",
        include_str!("../../migrations/sqlite/0018_quotes.sql"),
    ),
    (
        19,
        "exports_imports",
        include_str!("../../migrations/sqlite/0019_exports_imports.sql"),
    ),
    (
        20,
        "featured_collections",
        include_str!("../../migrations/sqlite/0020_featured_collections.sql"),
    ),
    (
        21,
        "status_search",
        include_str!("../../migrations/sqlite/0021_status_search.sql"),
    ),
    (
        22,
        "suggestion_dismissals",
        include_str!("../../migrations/sqlite/0022_suggestion_dismissals.sql"),
    ),
    (
        23,
        "trends",
        include_str!("../../migrations/sqlite/0023_trends.sql"),
    ),
    (
        24,
        "preview_cards",
        include_str!("../../migrations/sqlite/0024_preview_cards.sql"),
    ),
    (
        25,
        "search_queue",
        include_str!("../../migrations/sqlite/0025_search_queue.sql"),
    ),
    (
        26,
        "analytics",
        include_str!("../../migrations/sqlite/0026_analytics.sql"),
    ),
    (
        27,
        "sign_up_source",
        include_str!("../../migrations/sqlite/0027_sign_up_source.sql"),
    ),
    (
        28,
        "periodic_runs",
        include_str!("../../migrations/sqlite/0028_periodic_runs.sql"),
    ),
];
const POSTGRES_MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "foundation",
        include_str!("../../migrations/postgres/0001_foundation.sql"),
    ),
    (
        2,
        "social",
        include_str!("../../migrations/postgres/0002_social.sql"),
    ),
    (
        3,
        "home_feed_clustered",
        include_str!("../../migrations/postgres/0003_home_feed_clustered.sql"),
    ),
    (
        4,
        "federation",
        include_str!("../../migrations/postgres/0004_federation.sql"),
    ),
    (
        5,
        "media",
        include_str!("../../migrations/postgres/0005_media.sql"),
    ),
    (
        6,
        "mail",
        include_str!("../../migrations/postgres/0006_mail.sql"),
    ),
    (
        7,
        "account_security",
        include_str!("../../migrations/postgres/0007_account_security.sql"),
    ),
    (
        8,
        "notifications_once",
        include_str!("../../migrations/postgres/0008_notifications_once.sql"),
    ),
    (
        9,
        "push",
        include_str!("../../migrations/postgres/0009_push.sql"),
    ),
    (
        10,
        "notification_groups",
        include_str!("../../migrations/postgres/0010_notification_groups.sql"),
    ),
    (
        11,
        "notification_policy",
        include_str!("../../migrations/postgres/0011_notification_policy.sql"),
    ),
    (
        12,
        "moderation",
        include_str!("../../migrations/postgres/0012_moderation.sql"),
    ),
    (
        13,
        "filters",
        include_str!("../../migrations/postgres/0013_filters.sql"),
    ),
    (
        14,
        "rules",
        include_str!("../../migrations/postgres/0014_rules.sql"),
    ),
    (
        15,
        "sign_up_blocks",
        include_str!("../../migrations/postgres/0015_sign_up_blocks.sql"),
    ),
    (
        16,
        "custom_emojis",
        include_str!("../../migrations/postgres/0016_custom_emojis.sql"),
    ),
    (
        17,
        "announcements",
        include_str!("../../migrations/postgres/0017_announcements.sql"),
    ),
    (
        18,
        "quotes",
        include_str!("../../migrations/postgres/0018_quotes.sql"),
    ),
    (
        19,
        "exports_imports",
        include_str!("../../migrations/postgres/0019_exports_imports.sql"),
    ),
    (
        20,
        "featured_collections",
        include_str!("../../migrations/postgres/0020_featured_collections.sql"),
    ),
    (
        21,
        "status_search",
        include_str!("../../migrations/postgres/0021_status_search.sql"),
    ),
    (
        22,
        "suggestion_dismissals",
        include_str!("../../migrations/postgres/0022_suggestion_dismissals.sql"),
    ),
    (
        23,
        "trends",
        include_str!("../../migrations/postgres/0023_trends.sql"),
    ),
    (
        24,
        "preview_cards",
        include_str!("../../migrations/postgres/0024_preview_cards.sql"),
    ),
    (
        25,
        "search_queue",
        include_str!("../../migrations/postgres/0025_search_queue.sql"),
    ),
    (
        26,
        "analytics",
        include_str!("../../migrations/postgres/0026_analytics.sql"),
    ),
    (
        27,
        "sign_up_source",
        include_str!("../../migrations/postgres/0027_sign_up_source.sql"),
    ),
    (
        28,
        "periodic_runs",
        include_str!("../../migrations/postgres/0028_periodic_runs.sql"),
    ),
    (
        29,
        "rate_limits",
        include_str!("../../migrations/postgres/0029_rate_limits.sql"),
    ),
];

fn migrator(list: &'static [(i64, &'static str, &'static str)]) -> Migrator {
    let migrations = list
        .iter()
        .map(|&(version, description, sql)| {
            Migration::new(
                version,
                Cow::Borrowed(description),
                MigrationType::Simple,
                sqlx::SqlSafeStr::into_sql_str(sql),
                false,
            )
        })
        .collect();
    Migrator::with_migrations(migrations)
}

impl Store {
    /// Opens the database at `url` (`sqlite://…` or `postgres://…`), creating a
    /// SQLite file and its directory when missing. Does not migrate.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self> {
        let pool = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url)
                .map_err(|e| Error::internal(format!("database.url: {e}")))?
                .application_name("roost");
            let pool = PgPoolOptions::new()
                .max_connections(max_connections)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await
                .map_err(|e| Error::internal(format!("cannot connect to PostgreSQL: {e}")))?;
            Pool::Postgres(pool)
        } else {
            let options = SqliteConnectOptions::from_str(url)
                .map_err(|e| Error::internal(format!("database.url: {e}")))?;
            if let Some(dir) = options.get_filename().parent()
                && !dir.as_os_str().is_empty()
            {
                private_dir(dir).map_err(|e| {
                    Error::internal(format!("cannot create {}: {e}", dir.display()))
                })?;
            }
            let file = options.get_filename().to_path_buf();
            let options = options
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(5))
                // 2 MiB of page cache per connection: with a full pool the
                // caches, not roost, would otherwise dominate the process's
                // memory; the OS file cache serves repeated reads anyway.
                .pragma("cache_size", "-2000");
            let pool = SqlitePoolOptions::new()
                .max_connections(max_connections)
                .min_connections(1)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await
                .map_err(|e| Error::internal(format!("cannot open SQLite database: {e}")))?;
            private_files(&file);
            Pool::Sqlite(pool)
        };
        Ok(Self {
            pool,
            cache: Default::default(),
            replicas: None,
        })
    }

    /// Applies the migrations this binary carries that the database lacks.
    pub async fn migrate(&self) -> Result<()> {
        let result = match &self.pool {
            Pool::Sqlite(pool) => migrator(SQLITE_MIGRATIONS).run(pool).await,
            Pool::Postgres(pool) => migrator(POSTGRES_MIGRATIONS).run(pool).await,
        };
        result.map_err(|e| Error::internal(format!("migration failed: {e}")))
    }

    /// Answers when the database does (`/health`).
    pub async fn ping(&self) -> Result<()> {
        on_pool!(self, pool => sqlx::query("SELECT 1").execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    pub fn backend(&self) -> &'static str {
        match self.pool {
            Pool::Sqlite(_) => "sqlite",
            Pool::Postgres(_) => "postgres",
        }
    }

    /// Closes every connection (on shutdown, so SQLite checkpoints its WAL).
    pub async fn close(&self) {
        on_pool!(self, pool => pool.close().await);
    }

    /// Whether [`Store::close`] was called: the process is stopping.
    pub fn is_closed(&self) -> bool {
        on_pool!(self, pool => pool.is_closed())
    }
}

/// True when `e` is a unique-constraint violation (a name or e-mail taken
/// between our check and our insert).
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// Creates `dir` (and its parents) readable by the owner only (0700), as
/// the data directory holding the database with every private key should
/// be. A directory that exists keeps the mode its operator gave it.
fn private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Makes the SQLite database and its WAL files readable by the owner only
/// (0600): they hold password hashes, tokens' digests and private keys.
fn private_files(db: &std::path::Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mut names = vec![db.to_path_buf()];
        for suffix in ["-wal", "-shm"] {
            let mut name = db.as_os_str().to_owned();
            name.push(suffix);
            names.push(name.into());
        }
        for path in names {
            if path.exists()
                && let Err(e) =
                    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
            {
                tracing::warn!(path = %path.display(), error = %e, "cannot make the database private");
            }
        }
    }
}
