//! `/api/v1/conversations`: direct-message conversations.
//! <https://docs.joinmastodon.org/methods/conversations/>

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{delete, get, post};
use axum::{Json, Router};

use super::entities::{self, ConversationEntity, Empty};
use super::paging::{PageParams, link_header, with_link};
use super::statuses::parse_id;
use crate::app::AppState;
use crate::error::Result;
use crate::http::extract::{Auth, ReadStatuses, WriteConversations};
use crate::model::Account;
use crate::service::conversations::{self, Conversation};

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/conversations", get(list))
        .route("/api/v1/conversations/{id}", delete(remove))
        .route("/api/v1/conversations/{id}/read", post(read))
}

async fn render(app: &AppState, me: &Account, c: &Conversation) -> Result<ConversationEntity> {
    Ok(ConversationEntity {
        id: c.id.to_string(),
        unread: c.unread,
        accounts: c
            .participants
            .iter()
            .map(|a| entities::account(app, a))
            .collect(),
        last_status: entities::status(app, Some(me), &c.last_status).await?,
    })
}

/// `GET /api/v1/conversations`
async fn list(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadStatuses>,
    Query(p): Query<PageParams>,
) -> Result<Response> {
    let list = conversations::list(&app, &auth.account, &p.page(20, 40)).await?;
    let mut out = Vec::with_capacity(list.len());
    for c in &list {
        out.push(render(&app, &auth.account, c).await?);
    }
    let link = link_header(
        &app,
        "/api/v1/conversations",
        &[],
        list.first().map(|c| c.last_status.id),
        list.last().map(|c| c.last_status.id),
    );
    Ok(with_link(Json(out), link))
}

/// `POST /api/v1/conversations/:id/read`
async fn read(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteConversations>,
    Path(id): Path<String>,
) -> Result<Json<ConversationEntity>> {
    let c = conversations::mark_read(&app, &auth.account, parse_id(&id)?).await?;
    Ok(Json(render(&app, &auth.account, &c).await?))
}

/// `DELETE /api/v1/conversations/:id`
async fn remove(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteConversations>,
    Path(id): Path<String>,
) -> Result<Json<Empty>> {
    conversations::remove(&app, &auth.account, parse_id(&id)?).await?;
    Ok(Json(Empty {}))
}
