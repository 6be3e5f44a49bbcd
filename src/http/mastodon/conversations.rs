//! `/api/v1/conversations`: direct-message conversations.
//! <https://docs.joinmastodon.org/methods/conversations/>

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde_json::Value;

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

/// Renders conversations, their last statuses in one batch (one set of
/// queries for the page, not one per conversation).
pub(crate) async fn render(
    app: &AppState,
    me: &Account,
    list: &[Conversation],
) -> Result<Vec<ConversationEntity>> {
    let statuses: Vec<_> = list.iter().map(|c| c.last_status.clone()).collect();
    let mut rendered: std::collections::HashMap<String, Value> =
        entities::statuses(app, Some(me), &statuses)
            .await?
            .into_iter()
            .map(|v| (v["id"].as_str().unwrap_or("").to_string(), v))
            .collect();
    Ok(list
        .iter()
        .filter_map(|c| {
            let last_status = rendered.remove(&c.last_status.id.to_string())?;
            Some(ConversationEntity {
                id: c.id.to_string(),
                unread: c.unread,
                accounts: c
                    .participants
                    .iter()
                    .map(|a| entities::account(app, a))
                    .collect(),
                last_status,
            })
        })
        .collect())
}

/// `GET /api/v1/conversations`
async fn list(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadStatuses>,
    Query(p): Query<PageParams>,
) -> Result<Response> {
    let list = conversations::list(&app, &auth.account, &p.page(20, 40)).await?;
    let out = render(&app, &auth.account, &list).await?;
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
    render(&app, &auth.account, std::slice::from_ref(&c))
        .await?
        .pop()
        .map(Json)
        .ok_or_else(crate::error::Error::not_found)
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
