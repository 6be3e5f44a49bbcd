//! The persistent job queue's table (`jobs`): queueing, claiming with a
//! lock, finishing, failing and deferring. What a job means, its retry
//! policy and its workers are `crate::jobs`'s.
//!
//! Claiming uses `FOR UPDATE SKIP LOCKED` on PostgreSQL, so several nodes
//! share the queue; SQLite serializes writers anyway.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{BeginWrite, Store, on_pool};
use crate::error::Result;
use crate::model::{Job, Json};

/// A job to queue: its queue, its kind and its arguments.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub queue: &'static str,
    pub kind: &'static str,
    pub payload: Value,
}

/// How many times an inbound activity's processing is tried.
const INBOUND_ATTEMPTS: i64 = 8;

impl Store {
    /// Queues `job` to run at `run_at`; returns its id.
    pub async fn put_job(
        &self,
        job: &NewJob,
        run_at: DateTime<Utc>,
        max_attempts: i64,
    ) -> Result<i64> {
        let id = crate::id::new_id();
        on_pool!(self, pool => sqlx::query(
            "INSERT INTO jobs (id, queue, kind, payload, run_at, max_attempts, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(id).bind(job.queue).bind(job.kind).bind(Json(&job.payload)).bind(run_at).bind(max_attempts).bind(Utc::now())
            .execute(pool).await.map(|_| ()))?;
        Ok(id)
    }

    /// Queues several jobs to run now, in one transaction.
    pub async fn put_jobs(&self, jobs: &[NewJob], max_attempts: i64) -> Result<()> {
        let now = Utc::now();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            for job in jobs {
                sqlx::query(
                    "INSERT INTO jobs (id, queue, kind, payload, run_at, max_attempts, created_at) VALUES ($1, $2, $3, $4, $5, $6, $5)")
                    .bind(crate::id::new_id()).bind(job.queue).bind(job.kind).bind(Json(&job.payload))
                    .bind(now).bind(max_attempts).execute(&mut *tx).await?;
            }
            tx.commit().await
        })?;
        Ok(())
    }

    /// Records inbound activity `uri` as seen and queues `job` to apply it,
    /// atomically; false (and nothing queued) when `uri` was seen before.
    pub async fn put_job_if_new(&self, uri: &str, job: &NewJob) -> Result<bool> {
        let now = Utc::now();
        let fresh = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query("INSERT INTO received_activities (uri, received_at) VALUES ($1, $2) ON CONFLICT (uri) DO NOTHING")
                .bind(uri).bind(now).execute(&mut *tx).await?.rows_affected();
            if n == 1 {
                sqlx::query(
                    "INSERT INTO jobs (id, queue, kind, payload, run_at, max_attempts, created_at) VALUES ($1, $2, $3, $4, $5, $6, $5)")
                    .bind(crate::id::new_id()).bind(job.queue).bind(job.kind).bind(Json(&job.payload))
                    .bind(now).bind(INBOUND_ATTEMPTS).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok::<bool, sqlx::Error>(n == 1)
        })?;
        Ok(fresh)
    }

    /// Takes up to `n` due jobs of `queue` at once (one write instead of
    /// `n`), counting an attempt and locking them for `lock`: until then no
    /// other worker takes them, after it (a worker that died) anyone may.
    pub async fn claim_jobs(&self, queue: &str, n: i64, lock: Duration) -> Result<Vec<Job>> {
        let now = Utc::now();
        let until = now + chrono::Duration::from_std(lock).unwrap_or_default();
        let mut jobs: Vec<Job> = match &self.pool {
            super::Pool::Sqlite(pool) => sqlx::query_as(
                "UPDATE jobs SET locked_until = $2, attempts = attempts + 1 WHERE id IN (
                    SELECT id FROM jobs WHERE queue = $3 AND failed_at IS NULL AND run_at <= $1 AND (locked_until IS NULL OR locked_until < $1)
                    ORDER BY run_at LIMIT $4) RETURNING *")
                .bind(now).bind(until).bind(queue).bind(n).fetch_all(pool).await?,
            super::Pool::Postgres(pool) => sqlx::query_as(
                "UPDATE jobs SET locked_until = $2, attempts = attempts + 1 WHERE id IN (
                    SELECT id FROM jobs WHERE queue = $3 AND failed_at IS NULL AND run_at <= $1 AND (locked_until IS NULL OR locked_until < $1)
                    ORDER BY run_at LIMIT $4 FOR UPDATE SKIP LOCKED) RETURNING *")
                .bind(now).bind(until).bind(queue).bind(n).fetch_all(pool).await?,
        };
        jobs.sort_by_key(|j| j.run_at);
        Ok(jobs)
    }

    /// Extends the claims on `ids` to `until` (their worker is alive and
    /// still on them); a job already finished, failed or deferred is left
    /// alone.
    pub async fn renew_job_claims(&self, ids: &[i64], until: DateTime<Utc>) -> Result<()> {
        for id in ids {
            on_pool!(self, pool => sqlx::query(
                "UPDATE jobs SET locked_until = $2 WHERE id = $1 AND locked_until IS NOT NULL")
                .bind(id).bind(until).execute(pool).await.map(|_| ()))?;
        }
        Ok(())
    }

    /// Removes a finished job.
    pub async fn finish_job(&self, id: i64) -> Result<()> {
        on_pool!(self, pool => sqlx::query("DELETE FROM jobs WHERE id = $1").bind(id).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// Finishes a delivery job and counts the delivery of its activity, at
    /// once (one statement on PostgreSQL, one transaction on SQLite, which
    /// has no writes in `WITH`). Bodies with no delivery left are removed by
    /// the hourly housekeeping.
    pub async fn finish_delivery_job(&self, job_id: i64, activity_id: i64) -> Result<()> {
        match &self.pool {
            super::Pool::Postgres(pool) => {
                sqlx::query(
                    "WITH done AS (DELETE FROM jobs WHERE id = $1)
                     UPDATE outbox_activities SET pending = pending - 1 WHERE id = $2",
                )
                .bind(job_id)
                .bind(activity_id)
                .execute(pool)
                .await?;
            }
            super::Pool::Sqlite(pool) => {
                let mut tx = pool.begin_write().await?;
                sqlx::query("DELETE FROM jobs WHERE id = $1")
                    .bind(job_id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("UPDATE outbox_activities SET pending = pending - 1 WHERE id = $1")
                    .bind(activity_id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
            }
        }
        Ok(())
    }

    /// Records a failure: run again at `retry_at`, or, with `give_up`, keep
    /// the job marked failed.
    pub async fn fail_job(
        &self,
        id: i64,
        error: &str,
        retry_at: DateTime<Utc>,
        give_up: bool,
    ) -> Result<()> {
        let failed_at = give_up.then(Utc::now);
        on_pool!(self, pool => sqlx::query(
            "UPDATE jobs SET locked_until = NULL, run_at = $2, last_error = $3, failed_at = $4 WHERE id = $1")
            .bind(id).bind(retry_at).bind(error).bind(failed_at).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// Puts a claimed job back to run at `run_at` without counting the
    /// attempt (it did not fail; it could not start, e.g. its host was busy).
    pub async fn defer_job(&self, id: i64, run_at: DateTime<Utc>) -> Result<()> {
        on_pool!(self, pool => sqlx::query(
            "UPDATE jobs SET locked_until = NULL, run_at = $2, attempts = attempts - 1 WHERE id = $1")
            .bind(id).bind(run_at).execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// Jobs not yet done (due, scheduled or locked), excluding failed ones.
    pub async fn count_pending_jobs(&self) -> Result<i64> {
        let n = on_pool!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE failed_at IS NULL")
            .fetch_one(pool).await)?;
        Ok(n)
    }

    /// Claims this period's run of the periodic task `name` for `node`:
    /// true when its last run (by any node) is at least `every` ago, less a
    /// tenth for timers that fire a little early, or it never ran. One
    /// statement, so of nodes asking at once exactly one is told true.
    pub async fn claim_periodic(&self, name: &str, node: &str, every: Duration) -> Result<bool> {
        let now = Utc::now();
        let due = now - chrono::Duration::from_std(every.mul_f64(0.9)).unwrap_or_default();
        let claimed = on_pool!(self, pool => sqlx::query(
            "INSERT INTO periodic_runs (name, ran_at, node) VALUES ($1, $2, $3)
             ON CONFLICT (name) DO UPDATE SET ran_at = excluded.ran_at, node = excluded.node
             WHERE periodic_runs.ran_at <= $4")
            .bind(name).bind(now).bind(node).bind(due)
            .execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(claimed == 1)
    }
}
