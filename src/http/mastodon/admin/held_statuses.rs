//! `/api/v1/admin/held_statuses`: remote posts waiting for review
//! (`moderation.review_remote`); roost's own, documented in docs/api.md.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::Value;

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::http::extract::{AdminRead, AdminWrite, Auth};
use crate::http::mastodon::entities::{self, Empty, HeldStatusEntity};
use crate::service::moderation;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/admin/held_statuses", get(index))
        .route("/api/v1/admin/held_statuses/{id}/approve", post(approve))
        .route("/api/v1/admin/held_statuses/{id}/reject", post(reject))
}

fn held_id(id: &str) -> Result<i64> {
    id.parse().map_err(|_| Error::not_found())
}

/// `GET /api/v1/admin/held_statuses`: oldest first.
async fn index(
    State(app): State<Arc<AppState>>,
    auth: Auth<AdminRead>,
) -> Result<Json<Vec<HeldStatusEntity>>> {
    let held = moderation::held_statuses(&app, &auth.user).await?;
    Ok(Json(
        held.iter()
            .map(|(h, author)| entities::held_status(&app, h, author))
            .collect(),
    ))
}

/// `POST /api/v1/admin/held_statuses/:id/approve`: the post becomes a status
/// and reaches timelines as if just received; answers with it.
async fn approve(
    State(app): State<Arc<AppState>>,
    auth: Auth<AdminWrite>,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    match moderation::approve_held(&app, &auth.user, held_id(&id)?).await? {
        Some(s) => Ok(Json(entities::status(&app, Some(&auth.account), &s).await?)),
        // Unusable after all (its author changed, or it was deleted): gone.
        None => Ok(Json(Value::Object(serde_json::Map::new()))),
    }
}

/// `POST /api/v1/admin/held_statuses/:id/reject`: the post is dropped, and a
/// copy arriving later is dropped too.
async fn reject(
    State(app): State<Arc<AppState>>,
    auth: Auth<AdminWrite>,
    Path(id): Path<String>,
) -> Result<Json<Empty>> {
    moderation::reject_held(&app, &auth.user, held_id(&id)?).await?;
    Ok(Json(Empty {}))
}
