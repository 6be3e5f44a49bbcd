//! What staff do: here, about remote content (domain blocks and the queue of
//! remote posts held for review, `moderation.review_remote`); in
//! [`accounts`], [`reports`] and [`log`], about accounts, reports and the
//! audit log. Every function checks the acting user's role: moderators
//! handle reports, accounts and posts, admins decide about whole servers.
//! <https://docs.joinmastodon.org/methods/admin/domain_blocks/>

use chrono::Utc;

pub mod accounts;
pub mod log;
pub mod reports;
pub mod rules;
pub mod sign_up_blocks;

use crate::app::AppState;
use crate::error::{Error, Result, Validation};
use crate::model::{Account, DomainBlock, HeldStatus, Role, Status, User};

/// Refuses unless `user` has at least `role`.
pub fn require(user: &User, role: Role) -> Result<()> {
    if user.role() >= role {
        Ok(())
    } else {
        Err(Error::forbidden("This action is not allowed"))
    }
}

/// Remote posts waiting for review, oldest first, with their authors.
pub async fn held_statuses(app: &AppState, actor: &User) -> Result<Vec<(HeldStatus, Account)>> {
    require(actor, Role::Moderator)?;
    let held = app.store.held_statuses(100).await?;
    let mut out = Vec::with_capacity(held.len());
    for h in held {
        if let Some(author) = app.store.get_account(h.account_id).await? {
            out.push((h, author));
        }
    }
    Ok(out)
}

async fn held(app: &AppState, id: i64) -> Result<HeldStatus> {
    app.store
        .get_held_status(id)
        .await?
        .ok_or_else(Error::not_found)
}

/// Approves held post `id`: it becomes a status and reaches timelines as if
/// just received. `None` when it turned out unusable (its author changed,
/// it was deleted).
pub async fn approve_held(app: &AppState, actor: &User, id: i64) -> Result<Option<Status>> {
    require(actor, Role::Moderator)?;
    let held = held(app, id).await?;
    let author = app
        .store
        .get_account(held.account_id)
        .await?
        .ok_or_else(Error::not_found)?;
    let status = crate::federation::notes::ingest_approved(app, &author, &held.object.0).await?;
    app.store.delete_held_status(Some(id), None).await?;
    log::record(app, actor, "approve", log::Target::Held(&held.uri), "").await?;
    Ok(status)
}

/// Rejects held post `id`: it goes, and a copy arriving later is dropped.
pub async fn reject_held(app: &AppState, actor: &User, id: i64) -> Result<()> {
    require(actor, Role::Moderator)?;
    let held = held(app, id).await?;
    app.store.put_tombstone(&held.uri, held.account_id).await?;
    app.store.delete_held_status(Some(id), None).await?;
    log::record(app, actor, "reject", log::Target::Held(&held.uri), "").await
}

/// Whose held posts a bulk decision takes.
#[derive(Debug, Clone)]
pub enum HeldFrom {
    Account(i64),
    Domain(String),
}

/// Approves (or rejects) every held post of one account or one server;
/// how many there were.
pub async fn decide_held_from(
    app: &AppState,
    actor: &User,
    from: HeldFrom,
    approve: bool,
) -> Result<usize> {
    require(actor, Role::Moderator)?;
    let ids = match &from {
        HeldFrom::Account(id) => app.store.held_status_ids(Some(*id), None).await?,
        HeldFrom::Domain(domain) => app.store.held_status_ids(None, Some(domain)).await?,
    };
    for id in &ids {
        if approve {
            approve_held(app, actor, *id).await?;
        } else {
            reject_held(app, actor, *id).await?;
        }
    }
    Ok(ids.len())
}

/// What the moderation dashboard shows.
pub struct Dashboard {
    pub open_reports: i64,
    pub pending_accounts: i64,
    pub held_statuses: i64,
    pub queued_jobs: i64,
    pub failed_jobs: i64,
}

pub async fn dashboard(app: &AppState, actor: &User) -> Result<Dashboard> {
    require(actor, Role::Moderator)?;
    Ok(Dashboard {
        open_reports: app.store.count_open_reports().await?,
        pending_accounts: app.store.count_pending_users().await?,
        held_statuses: app.store.count_held_statuses().await?,
        queued_jobs: app.store.count_pending_jobs().await?,
        failed_jobs: app.store.count_failed_jobs().await?,
    })
}

/// Every domain block.
pub async fn domain_blocks(app: &AppState, actor: &User) -> Result<Vec<DomainBlock>> {
    require(actor, Role::Admin)?;
    app.store.domain_blocks().await
}

/// A domain block as an admin asks for it.
#[derive(Debug, Default, Clone)]
pub struct BlockRequest {
    pub domain: String,
    /// `suspend`, `silence` (the default) or `noop`.
    pub severity: Option<String>,
    pub reject_media: bool,
    pub reject_reports: bool,
    pub private_comment: Option<String>,
    pub public_comment: Option<String>,
}

/// Blocks (or changes the block of) a server; its known accounts follow the
/// block at once, as in Mastodon.
pub async fn block_domain(app: &AppState, actor: &User, req: BlockRequest) -> Result<DomainBlock> {
    require(actor, Role::Admin)?;
    let domain = req.domain.trim().trim_end_matches('.').to_ascii_lowercase();
    let severity = req.severity.unwrap_or_else(|| "silence".into());
    let mut v = Validation::new();
    if domain.is_empty() || domain.len() > 253 || domain.contains(['/', ' ', '@']) {
        v.add("domain", "ERR_INVALID", "is invalid");
    }
    if !matches!(severity.as_str(), "suspend" | "silence" | "noop") {
        v.add("severity", "ERR_INCLUSION", "is not included in the list");
    }
    v.finish()?;
    let before = app.store.domain_block_of(&domain).await?;
    let block = app
        .store
        .put_domain_block_full(&DomainBlock {
            id: crate::id::new_id(),
            domain,
            severity,
            reject_media: req.reject_media,
            reject_reports: req.reject_reports,
            private_comment: req.private_comment,
            public_comment: req.public_comment,
            created_at: Utc::now(),
        })
        .await?;
    // A changed block lifts its own marks first; a mark a moderator put on
    // one account stays.
    if let Some(old) = before.filter(|b| b.domain == block.domain) {
        app.store
            .apply_domain_block(&block.domain, None, old.created_at)
            .await?;
    }
    app.store
        .apply_domain_block(&block.domain, Some(&block.severity), block.created_at)
        .await?;
    // Moderators read the log too: the public reason, never the private note.
    let note = block.public_comment.clone().unwrap_or_default();
    log::record(
        app,
        actor,
        &format!("block_domain_{}", block.severity),
        log::Target::DomainBlock(&block.domain),
        &note,
    )
    .await?;
    Ok(block)
}

/// Lifts domain block `id`; the server's accounts are no longer limited.
pub async fn unblock_domain(app: &AppState, actor: &User, id: i64) -> Result<()> {
    require(actor, Role::Admin)?;
    let block = app
        .store
        .delete_domain_block(id)
        .await?
        .ok_or_else(Error::not_found)?;
    app.store
        .apply_domain_block(&block.domain, None, block.created_at)
        .await?;
    log::record(
        app,
        actor,
        "unblock_domain",
        log::Target::DomainBlock(&block.domain),
        "",
    )
    .await
}

/// The blocked servers as `instance.show_domain_blocks` lets a caller read
/// them (`signed_in`: the caller has a token); 404 or 401 when it does not.
pub async fn public_domain_blocks(app: &AppState, signed_in: bool) -> Result<Vec<DomainBlock>> {
    use crate::config::ShowDomainBlocks;
    match app.config.instance.show_domain_blocks {
        ShowDomainBlocks::Disabled => Err(Error::not_found()),
        ShowDomainBlocks::Users if !signed_in => Err(Error::new(
            crate::error::Kind::Unauthorized,
            "This method requires an authenticated user",
        )),
        _ => app.store.domain_blocks().await,
    }
}

/// Whether roost refuses to federate with `domain` (a host, lower-case):
/// it or a parent is suspended, or allowlist mode is on and neither it nor
/// a parent is allowed. Asked for every inbound activity, delivery and
/// fetch.
pub async fn federation_refused(app: &AppState, domain: &str) -> Result<bool> {
    if app.store.domain_block(domain).await?.as_deref() == Some("suspend") {
        return Ok(true);
    }
    if !app.config.federation.allowlist_mode {
        return Ok(false);
    }
    let host = domain.split(':').next().unwrap_or(domain);
    let allowed = app.store.domain_allows().await?.iter().any(|a| {
        let allowed = a.domain.split(':').next().unwrap_or(&a.domain);
        a.domain == domain || host == allowed || host.ends_with(&format!(".{allowed}"))
    });
    Ok(!allowed)
}

/// Every allowed domain (admins).
pub async fn domain_allows(app: &AppState, actor: &User) -> Result<Vec<crate::model::DomainAllow>> {
    require(actor, Role::Admin)?;
    Ok(app.store.domain_allows().await?.to_vec())
}

/// Allows a server to federate in allowlist mode.
pub async fn allow_domain(
    app: &AppState,
    actor: &User,
    domain: &str,
) -> Result<crate::model::DomainAllow> {
    require(actor, Role::Admin)?;
    let domain = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    let mut v = Validation::new();
    if domain.is_empty() || domain.len() > 253 || domain.contains(['/', ' ', '@']) {
        v.add("domain", "ERR_INVALID", "is invalid");
    }
    v.finish()?;
    let allow = app
        .store
        .put_domain_allow(&crate::model::DomainAllow {
            id: crate::id::new_id(),
            domain,
            created_at: Utc::now(),
        })
        .await?;
    log::record(
        app,
        actor,
        "allow_domain",
        log::Target::DomainBlock(&allow.domain),
        "",
    )
    .await?;
    Ok(allow)
}

pub async fn disallow_domain(app: &AppState, actor: &User, id: i64) -> Result<()> {
    require(actor, Role::Admin)?;
    let allow = app
        .store
        .delete_domain_allow(id)
        .await?
        .ok_or_else(Error::not_found)?;
    log::record(
        app,
        actor,
        "disallow_domain",
        log::Target::DomainBlock(&allow.domain),
        "",
    )
    .await
}
