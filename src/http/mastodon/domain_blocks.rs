//! `/api/v1/domain_blocks`: the domains a user blocks.
//! <https://docs.joinmastodon.org/methods/domain_blocks/>

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;

use super::paging::{PageParams, link_header, with_link};
use crate::app::AppState;
use crate::error::Result;
use crate::http::extract::{Auth, Params, ReadBlocks, WriteBlocks, de};
use crate::http::mastodon::entities::Empty;
use crate::service::domain_blocks;

pub fn router() -> Router<Arc<AppState>> {
    Router::new().route(
        "/api/v1/domain_blocks",
        get(index).post(create).delete(remove),
    )
}

/// `GET /api/v1/domain_blocks`: the domains, as strings, newest first.
async fn index(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadBlocks>,
    Query(q): Query<PageParams>,
) -> Result<Response> {
    let blocks = domain_blocks::list(&app, &auth.account, &q.page(100, 200)).await?;
    let link = link_header(
        &app,
        "/api/v1/domain_blocks",
        &[],
        blocks.first().map(|b| b.id),
        blocks.last().map(|b| b.id),
    );
    let body: Vec<String> = blocks.into_iter().map(|b| b.domain).collect();
    Ok(with_link(Json(body), link))
}

#[derive(Deserialize)]
struct DomainForm {
    #[serde(default, deserialize_with = "de::opt_string")]
    domain: Option<String>,
}

/// `POST /api/v1/domain_blocks`
async fn create(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteBlocks>,
    Params(form): Params<DomainForm>,
) -> Result<Json<Empty>> {
    domain_blocks::block(&app, &auth.account, form.domain.as_deref().unwrap_or("")).await?;
    Ok(Json(Empty {}))
}

/// `DELETE /api/v1/domain_blocks`
async fn remove(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteBlocks>,
    Params(form): Params<DomainForm>,
) -> Result<Json<Empty>> {
    domain_blocks::unblock(&app, &auth.account, form.domain.as_deref().unwrap_or("")).await?;
    Ok(Json(Empty {}))
}
