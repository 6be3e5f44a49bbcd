//! `/api/v1/endorsements`: the accounts a person features on their profile
//! (endorsing one is `POST /api/v1/accounts/:id/pin`, under `relationships`).
//! <https://docs.joinmastodon.org/methods/endorsements/>

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};

use super::entities::{self, AccountEntity};
use super::paging::{PageParams, link_header, with_link};
use crate::app::AppState;
use crate::error::Result;
use crate::http::extract::{Auth, ReadAccounts};
use crate::service::endorsements;

pub fn router() -> Router<Arc<AppState>> {
    Router::new().route("/api/v1/endorsements", get(index))
}

/// `GET /api/v1/endorsements`
async fn index(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadAccounts>,
    Query(q): Query<PageParams>,
) -> Result<Response> {
    let (accounts, keys) = endorsements::endorsed(&app, &auth.account, &q.page(40, 80)).await?;
    let list: Vec<AccountEntity> = accounts
        .iter()
        .map(|a| entities::account(&app, a))
        .collect();
    let link = link_header(
        &app,
        "/api/v1/endorsements",
        &[],
        keys.map(|k| k.0),
        keys.map(|k| k.1),
    );
    Ok(with_link(Json(list), link))
}
