//! `/api/v1/blocks` and `/api/v1/mutes`: whom a person blocks or mutes
//! (blocking and muting are under `accounts`).
//! <https://docs.joinmastodon.org/methods/blocks/>,
//! <https://docs.joinmastodon.org/methods/mutes/>

use std::sync::Arc;

use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;

use super::accounts::account_page;
use super::paging::PageParams;
use crate::app::AppState;
use crate::error::Result;
use crate::http::extract::{Auth, ReadBlocks, ReadMutes};
use crate::service::relationships;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/blocks", get(blocks))
        .route("/api/v1/mutes", get(mutes))
}

/// `GET /api/v1/blocks`
async fn blocks(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadBlocks>,
    Query(q): Query<PageParams>,
) -> Result<Response> {
    let page = relationships::blocks(&app, &auth.account, &q.page(40, 80)).await?;
    Ok(account_page(&app, "/api/v1/blocks", &page))
}

/// `GET /api/v1/mutes`
async fn mutes(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadMutes>,
    Query(q): Query<PageParams>,
) -> Result<Response> {
    let page = relationships::mutes(&app, &auth.account, &q.page(40, 80)).await?;
    Ok(account_page(&app, "/api/v1/mutes", &page))
}
