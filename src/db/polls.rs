//! Polls and votes.

use chrono::{DateTime, Utc};

use super::params::Sql;
use super::{BeginWrite, Store, on_pool};
use crate::cache::Invalidation;
use crate::error::Result;
use crate::model::Poll;

impl Store {
    pub async fn get_poll(&self, id: i64) -> Result<Option<Poll>> {
        let row = on_pool!(self, pool => sqlx::query_as("SELECT * FROM polls WHERE id = $1").bind(id).fetch_optional(pool).await)?;
        Ok(row)
    }

    /// Polls of the given statuses.
    pub async fn polls_of(&self, status_ids: &[i64]) -> Result<Vec<Poll>> {
        let mut sql = Sql::new("SELECT * FROM polls WHERE status_id IN ");
        sql.bind_list(status_ids);
        let rows = on_pool!(self, pool => super::params::bind_params!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text.clone())), &sql.params)
            .fetch_all(pool).await)?;
        Ok(rows)
    }

    /// `(poll_id, choice, votes)` for the given polls.
    pub async fn poll_tallies(&self, poll_ids: &[i64]) -> Result<Vec<(i64, i64, i64)>> {
        let mut sql =
            Sql::new("SELECT poll_id, choice, COUNT(*) FROM poll_votes WHERE poll_id IN ");
        sql.bind_list(poll_ids).push(" GROUP BY poll_id, choice");
        let rows = on_pool!(self, pool => super::params::bind_params!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text.clone())), &sql.params)
            .fetch_all(pool).await)?;
        Ok(rows)
    }

    /// `(poll_id, choice)` of `account_id`'s votes in the given polls.
    pub async fn own_votes(&self, account_id: i64, poll_ids: &[i64]) -> Result<Vec<(i64, i64)>> {
        let mut sql = Sql::new("SELECT poll_id, choice FROM poll_votes WHERE account_id = ");
        sql.bind_i64(account_id)
            .push(" AND poll_id IN ")
            .bind_list(poll_ids);
        self.query_pairs(&sql).await
    }

    /// Records `account_id`'s choices and updates the counters, atomically;
    /// false if the account had voted already.
    pub async fn put_votes(
        &self,
        poll_id: i64,
        account_id: i64,
        choices: &[i64],
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let done = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM poll_votes WHERE poll_id = $1 AND account_id = $2")
                .bind(poll_id).bind(account_id).fetch_one(&mut *tx).await?;
            if before > 0 {
                return Ok(false);
            }
            for choice in choices {
                sqlx::query("INSERT INTO poll_votes (id, poll_id, account_id, choice, created_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(crate::id::new_id()).bind(poll_id).bind(account_id).bind(*choice).bind(now)
                    .execute(&mut *tx).await?;
            }
            sqlx::query("UPDATE polls SET votes_count = votes_count + $2, voters_count = voters_count + 1 WHERE id = $1")
                .bind(poll_id).bind(i64::try_from(choices.len()).unwrap_or(0)).execute(&mut *tx).await?;
            tx.commit().await.map(|_| true)
        })?;
        Ok(done)
    }

    /// Stores a remote poll's counts as its server reports them.
    pub async fn set_remote_tallies(
        &self,
        poll_id: i64,
        tallies: &[i64],
        voters_count: i64,
    ) -> Result<()> {
        let votes: i64 = tallies.iter().sum();
        let status: Option<i64> = on_pool!(self, pool => sqlx::query_scalar(
            "UPDATE polls SET remote_tallies = $2, votes_count = $3, voters_count = $4 WHERE id = $1 RETURNING status_id")
            .bind(poll_id).bind(sqlx::types::Json(tallies)).bind(votes).bind(voters_count)
            .fetch_optional(pool).await)?;
        if let Some(id) = status {
            self.cache.invalidate(Invalidation::Status(id));
        }
        Ok(())
    }

    /// Records one choice of a remote voter in a local poll (a multiple-choice
    /// vote arrives as one activity per choice); false if already counted.
    pub async fn add_remote_vote(
        &self,
        poll_id: i64,
        account_id: i64,
        choice: i64,
    ) -> Result<bool> {
        let now = chrono::Utc::now();
        let done = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let same: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM poll_votes WHERE poll_id = $1 AND account_id = $2 AND choice = $3")
                .bind(poll_id).bind(account_id).bind(choice).fetch_one(&mut *tx).await?;
            if same > 0 {
                return Ok(false);
            }
            let earlier: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM poll_votes WHERE poll_id = $1 AND account_id = $2")
                .bind(poll_id).bind(account_id).fetch_one(&mut *tx).await?;
            sqlx::query("INSERT INTO poll_votes (id, poll_id, account_id, choice, created_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(crate::id::new_id()).bind(poll_id).bind(account_id).bind(choice).bind(now)
                .execute(&mut *tx).await?;
            sqlx::query("UPDATE polls SET votes_count = votes_count + 1, voters_count = voters_count + $2 WHERE id = $1")
                .bind(poll_id).bind(i64::from(earlier == 0)).execute(&mut *tx).await?;
            tx.commit().await.map(|_| true)
        })?;
        Ok(done)
    }

    /// Accounts that voted in a poll.
    pub async fn poll_voters(&self, poll_id: i64) -> Result<Vec<i64>> {
        let mut sql = Sql::new("SELECT DISTINCT account_id FROM poll_votes WHERE poll_id = ");
        sql.bind_i64(poll_id);
        self.query_ids(&sql).await
    }
}
