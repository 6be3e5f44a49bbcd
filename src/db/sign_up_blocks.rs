//! E-mail domain, canonical e-mail and IP blocks.

use std::sync::Arc;

use super::{Store, on_pool};
use crate::cache::Invalidation;
use crate::error::Result;
use crate::model::{CanonicalEmailBlock, EmailDomainBlock, IpBlock};

impl Store {
    pub async fn email_domain_blocks(&self) -> Result<Vec<EmailDomainBlock>> {
        let rows = on_pool!(self, pool => sqlx::query_as("SELECT * FROM email_domain_blocks ORDER BY id DESC")
            .fetch_all(pool).await)?;
        Ok(rows)
    }

    /// Adds a block; the existing one when the domain is blocked already.
    pub async fn put_email_domain_block(&self, b: &EmailDomainBlock) -> Result<EmailDomainBlock> {
        on_pool!(self, pool => sqlx::query(
            "INSERT INTO email_domain_blocks (id, domain, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (domain) DO NOTHING")
            .bind(b.id).bind(&b.domain).bind(b.created_at).execute(pool).await.map(|_| ()))?;
        let row = on_pool!(self, pool => sqlx::query_as("SELECT * FROM email_domain_blocks WHERE domain = $1")
            .bind(&b.domain).fetch_one(pool).await)?;
        Ok(row)
    }

    pub async fn delete_email_domain_block(&self, id: i64) -> Result<Option<EmailDomainBlock>> {
        let row = on_pool!(self, pool => sqlx::query_as("DELETE FROM email_domain_blocks WHERE id = $1 RETURNING *")
            .bind(id).fetch_optional(pool).await)?;
        Ok(row)
    }

    /// Whether `domain` or one of its parents is blocked (`domains`: the
    /// domain and each parent, lower-case).
    pub async fn email_domain_blocked(&self, domains: &[String]) -> Result<bool> {
        if domains.is_empty() {
            return Ok(false);
        }
        let mut sql =
            super::params::Sql::new("SELECT COUNT(*) FROM email_domain_blocks WHERE domain IN (");
        for (i, d) in domains.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.bind(super::params::Param::Text(d.clone()));
        }
        sql.push(")");
        let n: i64 = on_pool!(self, pool => super::params::bind_params!(sqlx::query_scalar(sqlx::AssertSqlSafe(sql.text.clone())), &sql.params)
            .fetch_one(pool).await)?;
        Ok(n > 0)
    }

    pub async fn canonical_email_blocks(&self) -> Result<Vec<CanonicalEmailBlock>> {
        let rows = on_pool!(self, pool => sqlx::query_as("SELECT * FROM canonical_email_blocks ORDER BY id DESC")
            .fetch_all(pool).await)?;
        Ok(rows)
    }

    pub async fn canonical_email_blocks_matching(
        &self,
        hash: &str,
    ) -> Result<Vec<CanonicalEmailBlock>> {
        let rows = on_pool!(self, pool => sqlx::query_as("SELECT * FROM canonical_email_blocks WHERE canonical_email_hash = $1")
            .bind(hash).fetch_all(pool).await)?;
        Ok(rows)
    }

    pub async fn put_canonical_email_block(
        &self,
        b: &CanonicalEmailBlock,
    ) -> Result<CanonicalEmailBlock> {
        on_pool!(self, pool => sqlx::query(
            "INSERT INTO canonical_email_blocks (id, canonical_email_hash, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (canonical_email_hash) DO NOTHING")
            .bind(b.id).bind(&b.canonical_email_hash).bind(b.created_at).execute(pool).await.map(|_| ()))?;
        let row = on_pool!(self, pool => sqlx::query_as("SELECT * FROM canonical_email_blocks WHERE canonical_email_hash = $1")
            .bind(&b.canonical_email_hash).fetch_one(pool).await)?;
        Ok(row)
    }

    pub async fn delete_canonical_email_block(&self, id: i64) -> Result<bool> {
        let n = on_pool!(self, pool => sqlx::query("DELETE FROM canonical_email_blocks WHERE id = $1")
            .bind(id).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    /// Every IP block (cached: read on every request for `no_access`).
    pub async fn ip_blocks(&self) -> Result<Arc<Vec<IpBlock>>> {
        let ticket = self.cache.ip_blocks.ticket();
        if let Some(list) = self.cache.ip_blocks.get(&()) {
            return Ok(list);
        }
        let rows: Vec<IpBlock> = on_pool!(self, pool => sqlx::query_as("SELECT * FROM ip_blocks ORDER BY id DESC")
            .fetch_all(pool).await)?;
        let rows = Arc::new(rows);
        self.cache.ip_blocks.put(ticket, (), rows.clone());
        Ok(rows)
    }

    /// Adds or changes an IP block (by id).
    pub async fn put_ip_block(&self, b: &IpBlock) -> Result<()> {
        on_pool!(self, pool => sqlx::query(
            "INSERT INTO ip_blocks (id, ip, severity, comment, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (id) DO UPDATE SET ip = excluded.ip, severity = excluded.severity,
                 comment = excluded.comment, expires_at = excluded.expires_at")
            .bind(b.id).bind(&b.ip).bind(&b.severity).bind(&b.comment).bind(b.created_at).bind(b.expires_at)
            .execute(pool).await.map(|_| ()))?;
        self.cache.invalidate(Invalidation::IpBlocks);
        Ok(())
    }

    pub async fn delete_ip_block(&self, id: i64) -> Result<bool> {
        let n = on_pool!(self, pool => sqlx::query("DELETE FROM ip_blocks WHERE id = $1")
            .bind(id).execute(pool).await.map(|r| r.rows_affected()))?;
        self.cache.invalidate(Invalidation::IpBlocks);
        Ok(n > 0)
    }
}

impl Store {
    /// Every allowed domain (cached: read on every federation exchange in
    /// allowlist mode).
    pub async fn domain_allows(&self) -> Result<Arc<Vec<crate::model::DomainAllow>>> {
        let ticket = self.cache.domain_allows.ticket();
        if let Some(list) = self.cache.domain_allows.get(&()) {
            return Ok(list);
        }
        let rows: Vec<crate::model::DomainAllow> = on_pool!(self, pool => sqlx::query_as(
            "SELECT * FROM domain_allows ORDER BY id DESC").fetch_all(pool).await)?;
        let rows = Arc::new(rows);
        self.cache.domain_allows.put(ticket, (), rows.clone());
        Ok(rows)
    }

    pub async fn put_domain_allow(
        &self,
        a: &crate::model::DomainAllow,
    ) -> Result<crate::model::DomainAllow> {
        on_pool!(self, pool => sqlx::query(
            "INSERT INTO domain_allows (id, domain, created_at) VALUES ($1, $2, $3) ON CONFLICT (domain) DO NOTHING")
            .bind(a.id).bind(&a.domain).bind(a.created_at).execute(pool).await.map(|_| ()))?;
        self.cache.invalidate(Invalidation::DomainAllows);
        let row = on_pool!(self, pool => sqlx::query_as("SELECT * FROM domain_allows WHERE domain = $1")
            .bind(&a.domain).fetch_one(pool).await)?;
        Ok(row)
    }

    pub async fn delete_domain_allow(&self, id: i64) -> Result<Option<crate::model::DomainAllow>> {
        let row = on_pool!(self, pool => sqlx::query_as("DELETE FROM domain_allows WHERE id = $1 RETURNING *")
            .bind(id).fetch_optional(pool).await)?;
        self.cache.invalidate(Invalidation::DomainAllows);
        Ok(row)
    }
}
