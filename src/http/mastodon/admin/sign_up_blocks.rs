//! `/api/v1/admin/email_domain_blocks`, `/canonical_email_blocks` and
//! `/ip_blocks`: who may not sign up, or reach the server at all.
//! <https://docs.joinmastodon.org/methods/admin/email_domain_blocks/>,
//! <https://docs.joinmastodon.org/methods/admin/canonical_email_blocks/>,
//! <https://docs.joinmastodon.org/methods/admin/ip_blocks/>

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::Value;

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::http::extract::{
    AdminReadCanonicalEmailBlocks, AdminReadEmailDomainBlocks, AdminReadIpBlocks,
    AdminWriteCanonicalEmailBlocks, AdminWriteEmailDomainBlocks, AdminWriteIpBlocks, Auth, Params,
    de,
};
use crate::http::mastodon::entities::{
    CanonicalEmailBlockEntity, EmailDomainBlockEntity, Empty, IpBlockEntity, canonical_email_block,
    email_domain_block, ip_block,
};
use crate::service::moderation::sign_up_blocks::{self as blocks, IpBlockDraft};

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route(
            "/api/v1/admin/email_domain_blocks",
            get(email_domains).post(block_email_domain),
        )
        .route(
            "/api/v1/admin/email_domain_blocks/{id}",
            get(email_domain).delete(unblock_email_domain),
        )
        .route(
            "/api/v1/admin/canonical_email_blocks",
            get(canonical_emails).post(block_canonical_email),
        )
        .route(
            "/api/v1/admin/canonical_email_blocks/test",
            post(test_canonical_email),
        )
        .route(
            "/api/v1/admin/canonical_email_blocks/{id}",
            get(canonical_email).delete(unblock_canonical_email),
        )
        .route("/api/v1/admin/ip_blocks", get(ips).post(create_ip))
        .route(
            "/api/v1/admin/ip_blocks/{id}",
            get(ip).put(update_ip).delete(delete_ip),
        )
}

fn id_of(id: &str) -> Result<i64> {
    id.parse().map_err(|_| Error::not_found())
}

/// `GET /api/v1/admin/email_domain_blocks`
async fn email_domains(
    State(app): State<Arc<AppState>>,
    auth: Auth<AdminReadEmailDomainBlocks>,
) -> Result<Json<Vec<EmailDomainBlockEntity>>> {
    let list = blocks::email_domain_blocks(&app, &auth.user).await?;
    Ok(Json(list.iter().map(email_domain_block).collect()))
}

/// `GET /api/v1/admin/email_domain_blocks/:id`
async fn email_domain(
    State(app): State<Arc<AppState>>,
    auth: Auth<AdminReadEmailDomainBlocks>,
    Path(id): Path<String>,
) -> Result<Json<EmailDomainBlockEntity>> {
    let id = id_of(&id)?;
    let list = blocks::email_domain_blocks(&app, &auth.user).await?;
    let b = list
        .iter()
        .find(|b| b.id == id)
        .ok_or_else(Error::not_found)?;
    Ok(Json(email_domain_block(b)))
}

#[derive(Deserialize)]
struct DomainForm {
    #[serde(default, deserialize_with = "de::opt_string")]
    domain: Option<String>,
}

/// `POST /api/v1/admin/email_domain_blocks`
async fn block_email_domain(
    State(app): State<Arc<AppState>>,
    auth: Auth<AdminWriteEmailDomainBlocks>,
    Params(form): Params<DomainForm>,
) -> Result<Json<EmailDomainBlockEntity>> {
    let b =
        blocks::block_email_domain(&app, &auth.user, form.domain.as_deref().unwrap_or("")).await?;
    Ok(Json(email_domain_block(&b)))
}

/// `DELETE /api/v1/admin/email_domain_blocks/:id`
async fn unblock_email_domain(
    State(app): State<Arc<AppState>>,
    auth: Auth<AdminWriteEmailDomainBlocks>,
    Path(id): Path<String>,
) -> Result<Json<Empty>> {
    blocks::unblock_email_domain(&app, &auth.user, id_of(&id)?).await?;
    Ok(Json(Empty {}))
}

/// `GET /api/v1/admin/canonical_email_blocks`
async fn canonical_emails(
    State(app): State<Arc<AppState>>,
    auth: Auth<AdminReadCanonicalEmailBlocks>,
) -> Result<Json<Vec<CanonicalEmailBlockEntity>>> {
    let list = blocks::canonical_email_blocks(&app, &auth.user).await?;
    Ok(Json(list.iter().map(canonical_email_block).collect()))
}

/// `GET /api/v1/admin/canonical_email_blocks/:id`
async fn canonical_email(
    State(app): State<Arc<AppState>>,
    auth: Auth<AdminReadCanonicalEmailBlocks>,
    Path(id): Path<String>,
) -> Result<Json<CanonicalEmailBlockEntity>> {
    let id = id_of(&id)?;
    let list = blocks::canonical_email_blocks(&app, &auth.user).await?;
    let b = list
        .iter()
        .find(|b| b.id == id)
        .ok_or_else(Error::not_found)?;
    Ok(Json(canonical_email_block(b)))
}

#[derive(Deserialize)]
struct EmailForm {
    #[serde(default, deserialize_with = "de::opt_string")]
    email: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    canonical_email_hash: Option<String>,
}

/// `POST /api/v1/admin/canonical_email_blocks/test`: the blocks an address hits.
async fn test_canonical_email(
    State(app): State<Arc<AppState>>,
    auth: Auth<AdminReadCanonicalEmailBlocks>,
    Params(form): Params<EmailForm>,
) -> Result<Json<Vec<CanonicalEmailBlockEntity>>> {
    let list =
        blocks::test_canonical_email(&app, &auth.user, form.email.as_deref().unwrap_or("")).await?;
    Ok(Json(list.iter().map(canonical_email_block).collect()))
}

/// `POST /api/v1/admin/canonical_email_blocks`
async fn block_canonical_email(
    State(app): State<Arc<AppState>>,
    auth: Auth<AdminWriteCanonicalEmailBlocks>,
    Params(form): Params<EmailForm>,
) -> Result<Json<CanonicalEmailBlockEntity>> {
    let b = blocks::block_canonical_email(
        &app,
        &auth.user,
        form.email.as_deref(),
        form.canonical_email_hash.as_deref(),
    )
    .await?;
    Ok(Json(canonical_email_block(&b)))
}

/// `DELETE /api/v1/admin/canonical_email_blocks/:id`
async fn unblock_canonical_email(
    State(app): State<Arc<AppState>>,
    auth: Auth<AdminWriteCanonicalEmailBlocks>,
    Path(id): Path<String>,
) -> Result<Json<Empty>> {
    blocks::unblock_canonical_email(&app, &auth.user, id_of(&id)?).await?;
    Ok(Json(Empty {}))
}

/// `GET /api/v1/admin/ip_blocks`
async fn ips(
    State(app): State<Arc<AppState>>,
    auth: Auth<AdminReadIpBlocks>,
) -> Result<Json<Vec<IpBlockEntity>>> {
    let list = blocks::ip_blocks(&app, &auth.user).await?;
    Ok(Json(list.iter().map(ip_block).collect()))
}

/// `GET /api/v1/admin/ip_blocks/:id`
async fn ip(
    State(app): State<Arc<AppState>>,
    auth: Auth<AdminReadIpBlocks>,
    Path(id): Path<String>,
) -> Result<Json<IpBlockEntity>> {
    let id = id_of(&id)?;
    let list = blocks::ip_blocks(&app, &auth.user).await?;
    let b = list
        .iter()
        .find(|b| b.id == id)
        .ok_or_else(Error::not_found)?;
    Ok(Json(ip_block(b)))
}

#[derive(Deserialize)]
struct IpForm {
    #[serde(default, deserialize_with = "de::opt_string")]
    ip: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    severity: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    comment: Option<String>,
    #[serde(default)]
    expires_in: Option<Value>,
}

fn draft(form: IpForm) -> Result<IpBlockDraft> {
    let expires_in = match form.expires_in {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::Number(n)) => Some(n.as_i64()),
        Some(Value::String(s)) if s.trim().is_empty() => Some(None),
        Some(Value::String(s)) => {
            Some(Some(s.trim().parse().map_err(|_| {
                Error::unprocessable("Validation failed: Expires in is invalid")
            })?))
        }
        Some(_) => {
            return Err(Error::unprocessable(
                "Validation failed: Expires in is invalid",
            ));
        }
    };
    Ok(IpBlockDraft {
        ip: form.ip,
        severity: form.severity,
        comment: form.comment,
        expires_in,
    })
}

/// `POST /api/v1/admin/ip_blocks`
async fn create_ip(
    State(app): State<Arc<AppState>>,
    auth: Auth<AdminWriteIpBlocks>,
    Params(form): Params<IpForm>,
) -> Result<Json<IpBlockEntity>> {
    let b = blocks::put_ip_block(&app, &auth.user, None, draft(form)?).await?;
    Ok(Json(ip_block(&b)))
}

/// `PUT /api/v1/admin/ip_blocks/:id`
async fn update_ip(
    State(app): State<Arc<AppState>>,
    auth: Auth<AdminWriteIpBlocks>,
    Path(id): Path<String>,
    Params(form): Params<IpForm>,
) -> Result<Json<IpBlockEntity>> {
    let b = blocks::put_ip_block(&app, &auth.user, Some(id_of(&id)?), draft(form)?).await?;
    Ok(Json(ip_block(&b)))
}

/// `DELETE /api/v1/admin/ip_blocks/:id`
async fn delete_ip(
    State(app): State<Arc<AppState>>,
    auth: Auth<AdminWriteIpBlocks>,
    Path(id): Path<String>,
) -> Result<Json<Empty>> {
    blocks::delete_ip_block(&app, &auth.user, id_of(&id)?).await?;
    Ok(Json(Empty {}))
}
