//! <https://docs.joinmastodon.org/methods/instance/>

use std::sync::Arc;

use axum::Json;
use axum::extract::State;

use super::entities::{self, InstanceEntity, InstanceV1Entity};
use crate::app::AppState;
use crate::error::Result;
use crate::service::instance;

/// `GET /api/v2/instance`
/// <https://docs.joinmastodon.org/methods/instance/#v2>
pub async fn v2(State(app): State<Arc<AppState>>) -> Result<Json<InstanceEntity>> {
    let active = instance::active_month(&app).await?;
    Ok(Json(entities::instance(&app, active)))
}

/// `GET /api/v1/instance` (deprecated in Mastodon, still read by many clients)
/// <https://docs.joinmastodon.org/methods/instance/#v1>
pub async fn v1(State(app): State<Arc<AppState>>) -> Result<Json<InstanceV1Entity>> {
    let stats = instance::stats(&app).await?;
    Ok(Json(entities::instance_v1(&app, &stats)))
}

/// `GET /api/v1/custom_emojis`: none until custom emoji exist.
/// <https://docs.joinmastodon.org/methods/custom_emojis/>
pub async fn custom_emojis() -> Json<[(); 0]> {
    Json([])
}

/// `GET /api/v1/instance/peers`: the domains roost has met, minus suspended ones.
/// <https://docs.joinmastodon.org/methods/instance/#peers>
pub async fn peers(State(app): State<Arc<AppState>>) -> Result<Json<Vec<String>>> {
    Ok(Json(instance::peers(&app).await?))
}
