//! `/api/v1/featured_tags`: hashtags a person features on their profile
//! (another account's are under `accounts`).
//! <https://docs.joinmastodon.org/methods/featured_tags/>

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::Deserialize;

use super::entities::{self, Empty, FeaturedTagEntity};
use super::statuses::parse_id;
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::http::extract::{Auth, Params, ReadAccounts, WriteAccounts, de};
use crate::service::tags;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/featured_tags", get(index).post(feature))
        .route("/api/v1/featured_tags/{id}", delete(unfeature))
}

/// `GET /api/v1/featured_tags`
async fn index(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadAccounts>,
) -> Result<Json<Vec<FeaturedTagEntity>>> {
    let list = tags::featured(&app, &auth.account).await?;
    Ok(Json(
        list.iter()
            .map(|t| entities::featured_tag(&auth.account, t))
            .collect(),
    ))
}

#[derive(Deserialize)]
struct FeatureParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    name: Option<String>,
}

/// `POST /api/v1/featured_tags`
async fn feature(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteAccounts>,
    Params(p): Params<FeatureParams>,
) -> Result<Json<FeaturedTagEntity>> {
    let name = p.name.unwrap_or_default();
    tags::feature_tag(&app, &auth.account, &name).await?;
    let name = tags::normalize(&name).ok_or_else(Error::not_found)?;
    tags::featured(&app, &auth.account)
        .await?
        .iter()
        .find(|t| t.name == name)
        .map(|t| Json(entities::featured_tag(&auth.account, t)))
        .ok_or_else(Error::not_found)
}

/// `DELETE /api/v1/featured_tags/:id`
async fn unfeature(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteAccounts>,
    Path(id): Path<String>,
) -> Result<Json<Empty>> {
    tags::unfeature_tag(&app, &auth.account, parse_id(&id)?).await?;
    Ok(Json(Empty {}))
}
