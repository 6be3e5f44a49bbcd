//! The admin API roost has so far: domain blocks (Mastodon's) and the
//! moderation queue for remote content (roost's own).
//! <https://docs.joinmastodon.org/methods/admin/domain_blocks/>

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::entities;
use crate::app::AppState;
use crate::error::{Error, Result, Validation};
use crate::http::extract::{
    AdminRead, AdminReadDomainBlocks, AdminWrite, AdminWriteDomainBlocks, Auth, Params, de,
};
use crate::model::{Role, User};

/// Moderators and admins only (`admin` for instance-wide federation settings).
fn require(user: &User, role: Role) -> Result<()> {
    if user.role() >= role {
        Ok(())
    } else {
        Err(Error::forbidden("This action is not allowed"))
    }
}

/// `GET /api/v1/admin/held_statuses`: remote posts waiting for approval
/// (`moderation.review_remote`), oldest first.
pub async fn held_statuses(
    State(app): State<Arc<AppState>>,
    auth: Auth<AdminRead>,
) -> Result<Json<Value>> {
    require(&auth.user, Role::Moderator)?;
    let held = app.store.held_statuses(100).await?;
    let mut out = Vec::with_capacity(held.len());
    for h in held {
        let Some(author) = app.store.get_account(h.account_id).await? else {
            continue;
        };
        let content = h
            .object
            .0
            .get("content")
            .and_then(Value::as_str)
            .unwrap_or("");
        out.push(json!({
            "id": h.id.to_string(),
            "uri": h.uri,
            "account": entities::account(&app, &author),
            "content": crate::text::sanitize::html(content),
            "received_at": entities::timestamp(h.received_at),
        }));
    }
    Ok(Json(Value::Array(out)))
}

fn held_id(id: &str) -> Result<i64> {
    id.parse().map_err(|_| Error::not_found())
}

/// `POST /api/v1/admin/held_statuses/:id/approve`: the post becomes a status
/// and reaches timelines as if just received; answers with it.
pub async fn approve_held(
    State(app): State<Arc<AppState>>,
    auth: Auth<AdminWrite>,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    require(&auth.user, Role::Moderator)?;
    let status = crate::federation::notes::approve_held(&app, held_id(&id)?).await?;
    match status {
        Some(s) => Ok(Json(entities::status(&app, Some(&auth.account), &s).await?)),
        // Unusable after all (its author changed, or it was deleted): gone.
        None => Ok(Json(json!({}))),
    }
}

/// `POST /api/v1/admin/held_statuses/:id/reject`: the post is dropped, and a
/// copy arriving later is dropped too.
pub async fn reject_held(
    State(app): State<Arc<AppState>>,
    auth: Auth<AdminWrite>,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    require(&auth.user, Role::Moderator)?;
    crate::federation::notes::reject_held(&app, held_id(&id)?).await?;
    Ok(Json(json!({})))
}

fn domain_block_entity(b: &crate::model::DomainBlock) -> Value {
    json!({
        "id": b.id.to_string(),
        "domain": b.domain,
        "created_at": entities::timestamp(b.created_at),
        "severity": b.severity,
        "reject_media": b.reject_media,
        "reject_reports": b.reject_reports,
        "private_comment": b.private_comment,
        "public_comment": b.public_comment,
        "obfuscate": false,
    })
}

/// `GET /api/v1/admin/domain_blocks`
pub async fn domain_blocks(
    State(app): State<Arc<AppState>>,
    auth: Auth<AdminReadDomainBlocks>,
) -> Result<Json<Value>> {
    require(&auth.user, Role::Admin)?;
    let blocks = app.store.domain_blocks().await?;
    Ok(Json(Value::Array(
        blocks.iter().map(domain_block_entity).collect(),
    )))
}

#[derive(Deserialize)]
pub struct DomainBlockForm {
    #[serde(default, deserialize_with = "de::opt_string")]
    domain: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    severity: Option<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    reject_media: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    reject_reports: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_string")]
    private_comment: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    public_comment: Option<String>,
}

/// `POST /api/v1/admin/domain_blocks`: suspend, silence or just note a server.
pub async fn create_domain_block(
    State(app): State<Arc<AppState>>,
    auth: Auth<AdminWriteDomainBlocks>,
    Params(form): Params<DomainBlockForm>,
) -> Result<Json<Value>> {
    require(&auth.user, Role::Admin)?;
    let domain = form
        .domain
        .as_deref()
        .map(|d| d.trim().trim_end_matches('.').to_ascii_lowercase())
        .unwrap_or_default();
    let severity = form.severity.unwrap_or_else(|| "silence".into());
    let mut v = Validation::new();
    if domain.is_empty() || domain.len() > 253 || domain.contains(['/', ' ', '@']) {
        v.add("domain", "ERR_INVALID", "is invalid");
    }
    if !matches!(severity.as_str(), "suspend" | "silence" | "noop") {
        v.add("severity", "ERR_INCLUSION", "is not included in the list");
    }
    v.finish()?;
    let block = app
        .store
        .put_domain_block_full(&crate::model::DomainBlock {
            id: crate::id::new_id(),
            domain,
            severity,
            reject_media: form.reject_media.unwrap_or(false),
            reject_reports: form.reject_reports.unwrap_or(false),
            private_comment: form.private_comment,
            public_comment: form.public_comment,
            created_at: chrono::Utc::now(),
        })
        .await?;
    // The server's known accounts follow the block (Mastodon does the same).
    app.store.apply_domain_block(&block.domain, None).await?;
    app.store
        .apply_domain_block(&block.domain, Some(&block.severity))
        .await?;
    Ok(Json(domain_block_entity(&block)))
}

/// `DELETE /api/v1/admin/domain_blocks/:id`
pub async fn delete_domain_block(
    State(app): State<Arc<AppState>>,
    auth: Auth<AdminWriteDomainBlocks>,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    require(&auth.user, Role::Admin)?;
    let id: i64 = id.parse().map_err(|_| Error::not_found())?;
    let block = app
        .store
        .delete_domain_block(id)
        .await?
        .ok_or_else(Error::not_found)?;
    app.store.apply_domain_block(&block.domain, None).await?;
    Ok(Json(json!({})))
}
