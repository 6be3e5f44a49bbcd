//! `/api/v1/admin/domain_blocks`: suspend, silence or note a server.
//! <https://docs.joinmastodon.org/methods/admin/domain_blocks/>

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::Deserialize;

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::http::extract::{AdminReadDomainBlocks, AdminWriteDomainBlocks, Auth, Params, de};
use crate::http::mastodon::entities::{self, DomainBlockEntity, Empty};
use crate::service::moderation::{self, BlockRequest};

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/admin/domain_blocks", get(index).post(create))
        .route("/api/v1/admin/domain_blocks/{id}", delete(remove))
}

/// `GET /api/v1/admin/domain_blocks`
async fn index(
    State(app): State<Arc<AppState>>,
    auth: Auth<AdminReadDomainBlocks>,
) -> Result<Json<Vec<DomainBlockEntity>>> {
    let blocks = moderation::domain_blocks(&app, &auth.user).await?;
    Ok(Json(blocks.iter().map(entities::domain_block).collect()))
}

#[derive(Deserialize)]
struct DomainBlockForm {
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

/// `POST /api/v1/admin/domain_blocks`
async fn create(
    State(app): State<Arc<AppState>>,
    auth: Auth<AdminWriteDomainBlocks>,
    Params(form): Params<DomainBlockForm>,
) -> Result<Json<DomainBlockEntity>> {
    let request = BlockRequest {
        domain: form.domain.unwrap_or_default(),
        severity: form.severity,
        reject_media: form.reject_media.unwrap_or(false),
        reject_reports: form.reject_reports.unwrap_or(false),
        private_comment: form.private_comment,
        public_comment: form.public_comment,
    };
    let block = moderation::block_domain(&app, &auth.user, request).await?;
    Ok(Json(entities::domain_block(&block)))
}

/// `DELETE /api/v1/admin/domain_blocks/:id`
async fn remove(
    State(app): State<Arc<AppState>>,
    auth: Auth<AdminWriteDomainBlocks>,
    Path(id): Path<String>,
) -> Result<Json<Empty>> {
    let id: i64 = id.parse().map_err(|_| Error::not_found())?;
    moderation::unblock_domain(&app, &auth.user, id).await?;
    Ok(Json(Empty {}))
}
