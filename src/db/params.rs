//! Dynamic SQL: statements whose shape depends on the request (pagination
//! bounds, `IN` lists) are built as text with numbered placeholders and bound
//! from a list of [`Param`]s. Only placeholders are ever spliced into SQL,
//! never values.

use chrono::{DateTime, Utc};
use sqlx::AssertSqlSafe;

use super::{Store, on_reader};
use crate::error::Result;
use crate::model::Status;

/// A value bound to a numbered placeholder.
#[derive(Debug, Clone)]
pub enum Param {
    I64(i64),
    Text(String),
    Time(DateTime<Utc>),
}

/// Collects SQL text and its parameters, numbering placeholders as they come.
#[derive(Debug, Default)]
pub struct Sql {
    pub text: String,
    pub params: Vec<Param>,
}

impl Sql {
    pub fn new(text: &str) -> Self {
        Self {
            text: text.to_string(),
            params: Vec::new(),
        }
    }

    /// Appends raw SQL (no values).
    pub fn push(&mut self, sql: &str) -> &mut Self {
        self.text.push_str(sql);
        self
    }

    /// Appends a placeholder for `p`.
    pub fn bind(&mut self, p: Param) -> &mut Self {
        self.params.push(p);
        self.text.push_str(&format!("${}", self.params.len()));
        self
    }

    pub fn bind_i64(&mut self, v: i64) -> &mut Self {
        self.bind(Param::I64(v))
    }

    /// Appends `(…, …)` with one placeholder per id (an empty list matches nothing).
    pub fn bind_list(&mut self, ids: &[i64]) -> &mut Self {
        if ids.is_empty() {
            self.text.push_str("(NULL)");
            return self;
        }
        self.text.push('(');
        for (i, id) in ids.iter().enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            self.bind_i64(*id);
        }
        self.text.push(')');
        self
    }
}

/// Binds every parameter of `$sql` to a query on either backend.
macro_rules! bind_params {
    ($query:expr, $params:expr) => {{
        let mut q = $query;
        for p in $params {
            q = match p {
                $crate::db::params::Param::I64(v) => q.bind(*v),
                $crate::db::params::Param::Text(v) => q.bind(v.clone()),
                $crate::db::params::Param::Time(v) => q.bind(*v),
            };
        }
        q
    }};
}
pub(crate) use bind_params;

pub use crate::model::Page;

impl Page {
    /// Appends bounds on `column` and the ordering: newest first, except with
    /// `min_id`, which asks for the page just after it (oldest first; the
    /// caller reverses).
    pub(in crate::db) fn apply(&self, sql: &mut Sql, column: &str) {
        if let Some(max) = self.max_id {
            sql.push(&format!(" AND {column} < ")).bind_i64(max);
        }
        if let Some(since) = self.since_id {
            sql.push(&format!(" AND {column} > ")).bind_i64(since);
        }
        if let Some(min) = self.min_id {
            sql.push(&format!(" AND {column} > ")).bind_i64(min);
            sql.push(&format!(" ORDER BY {column} ASC LIMIT "))
                .bind_i64(self.limit);
        } else {
            sql.push(&format!(" ORDER BY {column} DESC LIMIT "))
                .bind_i64(self.limit);
        }
    }
}

/// Running built statements: for the store's own methods only.
impl Store {
    /// Runs a `SELECT * FROM statuses …` built by the caller.
    pub(super) async fn query_statuses(&self, sql: &Sql) -> Result<Vec<Status>> {
        let rows = on_reader!(self, pool => bind_params!(sqlx::query_as(AssertSqlSafe(sql.text.clone())), &sql.params)
            .fetch_all(pool).await)?;
        Ok(rows)
    }

    /// Runs a query returning `(i64, i64)` pairs built by the caller.
    pub(super) async fn query_pairs(&self, sql: &Sql) -> Result<Vec<(i64, i64)>> {
        let rows = on_reader!(self, pool => bind_params!(sqlx::query_as(AssertSqlSafe(sql.text.clone())), &sql.params)
            .fetch_all(pool).await)?;
        Ok(rows)
    }

    /// Runs a query returning one column of ids built by the caller.
    pub(super) async fn query_ids(&self, sql: &Sql) -> Result<Vec<i64>> {
        let rows = on_reader!(self, pool => bind_params!(sqlx::query_scalar(AssertSqlSafe(sql.text.clone())), &sql.params)
            .fetch_all(pool).await)?;
        Ok(rows)
    }
}
