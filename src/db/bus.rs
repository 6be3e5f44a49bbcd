//! The cross-node transport of the event bus on PostgreSQL: `NOTIFY` on one
//! channel, and a listening connection. SQLite runs one node and needs none.

use sqlx::postgres::PgListener;

use super::{Pool, Store};
use crate::error::Result;

/// The channel every node listens on.
pub const CHANNEL: &str = "roost_events";

impl Store {
    /// Sends `payload` to every node listening (this one included); it
    /// arrives once the surrounding transaction, if any, commits. False on
    /// SQLite, where there are no other nodes.
    pub async fn notify_nodes(&self, payload: &str) -> Result<bool> {
        match &self.pool {
            Pool::Sqlite(_) => Ok(false),
            Pool::Postgres(pool) => {
                sqlx::query("SELECT pg_notify($1, $2)")
                    .bind(CHANNEL)
                    .bind(payload)
                    .execute(pool)
                    .await?;
                Ok(true)
            }
        }
    }

    /// A connection listening on [`CHANNEL`], or `None` on SQLite. It
    /// reconnects by itself after the connection drops (its `try_recv`
    /// answers `None` once when that happens: notifications were missed).
    pub async fn listen_nodes(&self) -> Result<Option<PgListener>> {
        match &self.pool {
            Pool::Sqlite(_) => Ok(None),
            Pool::Postgres(pool) => {
                let mut listener = PgListener::connect_with(pool).await?;
                listener.listen(CHANNEL).await?;
                Ok(Some(listener))
            }
        }
    }
}
