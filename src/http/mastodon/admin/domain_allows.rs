//! `/api/v1/admin/domain_allows`: the servers roost federates with in
//! allowlist mode (`federation.allowlist_mode`).
//! <https://docs.joinmastodon.org/methods/admin/domain_allows/>

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::http::extract::{AdminReadDomainAllows, AdminWriteDomainAllows, Auth, Params, de};
use crate::http::mastodon::entities::{Empty, timestamp};
use crate::model::DomainAllow;
use crate::service::moderation;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/admin/domain_allows", get(index).post(create))
        .route("/api/v1/admin/domain_allows/{id}", get(show).delete(remove))
}

/// <https://docs.joinmastodon.org/entities/Admin_DomainAllow/>
#[derive(Serialize)]
struct DomainAllowEntity {
    id: String,
    domain: String,
    created_at: String,
}

fn entity(a: &DomainAllow) -> DomainAllowEntity {
    DomainAllowEntity {
        id: a.id.to_string(),
        domain: a.domain.clone(),
        created_at: timestamp(a.created_at),
    }
}

/// `GET /api/v1/admin/domain_allows`
async fn index(
    State(app): State<Arc<AppState>>,
    auth: Auth<AdminReadDomainAllows>,
) -> Result<Json<Vec<DomainAllowEntity>>> {
    let list = moderation::domain_allows(&app, &auth.user).await?;
    Ok(Json(list.iter().map(entity).collect()))
}

/// `GET /api/v1/admin/domain_allows/:id`
async fn show(
    State(app): State<Arc<AppState>>,
    auth: Auth<AdminReadDomainAllows>,
    Path(id): Path<String>,
) -> Result<Json<DomainAllowEntity>> {
    let id: i64 = id.parse().map_err(|_| Error::not_found())?;
    let list = moderation::domain_allows(&app, &auth.user).await?;
    let a = list
        .iter()
        .find(|a| a.id == id)
        .ok_or_else(Error::not_found)?;
    Ok(Json(entity(a)))
}

#[derive(Deserialize)]
struct AllowForm {
    #[serde(default, deserialize_with = "de::opt_string")]
    domain: Option<String>,
}

/// `POST /api/v1/admin/domain_allows`
async fn create(
    State(app): State<Arc<AppState>>,
    auth: Auth<AdminWriteDomainAllows>,
    Params(form): Params<AllowForm>,
) -> Result<Json<DomainAllowEntity>> {
    let a =
        moderation::allow_domain(&app, &auth.user, form.domain.as_deref().unwrap_or("")).await?;
    Ok(Json(entity(&a)))
}

/// `DELETE /api/v1/admin/domain_allows/:id`
async fn remove(
    State(app): State<Arc<AppState>>,
    auth: Auth<AdminWriteDomainAllows>,
    Path(id): Path<String>,
) -> Result<Json<Empty>> {
    let id: i64 = id.parse().map_err(|_| Error::not_found())?;
    moderation::disallow_domain(&app, &auth.user, id).await?;
    Ok(Json(Empty {}))
}
