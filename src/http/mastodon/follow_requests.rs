//! `/api/v1/follow_requests`: who asks to follow a locked account, and
//! answering them.
//! <https://docs.joinmastodon.org/methods/follow_requests/>

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};

use super::accounts::account_page;
use super::accounts::relationships::{relationship, target};
use super::entities::RelationshipEntity;
use super::paging::PageParams;
use crate::app::AppState;
use crate::error::Result;
use crate::http::extract::{Auth, ReadFollows, WriteFollows};
use crate::service::relationships;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/follow_requests", get(index))
        .route("/api/v1/follow_requests/{id}/authorize", post(authorize))
        .route("/api/v1/follow_requests/{id}/reject", post(reject))
}

/// `GET /api/v1/follow_requests`
async fn index(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadFollows>,
    Query(q): Query<PageParams>,
) -> Result<Response> {
    let page = relationships::follow_requests(&app, &auth.account, &q.page(40, 80)).await?;
    Ok(account_page(&app, "/api/v1/follow_requests", &page))
}

/// `POST /api/v1/follow_requests/:account_id/authorize`
async fn authorize(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteFollows>,
    Path(id): Path<String>,
) -> Result<Json<RelationshipEntity>> {
    let requester = target(&app, &id).await?;
    relationships::authorize(&app, &auth.account, &requester).await?;
    Ok(Json(relationship(&app, &auth.account, requester.id).await?))
}

/// `POST /api/v1/follow_requests/:account_id/reject`
async fn reject(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteFollows>,
    Path(id): Path<String>,
) -> Result<Json<RelationshipEntity>> {
    let requester = target(&app, &id).await?;
    relationships::reject(&app, &auth.account, &requester).await?;
    Ok(Json(relationship(&app, &auth.account, requester.id).await?))
}
