//! `/api/v1/endorsements` and `/api/v1/accounts/:id/endorsements`: the
//! accounts a person features on their profile (endorsing one is
//! `POST /api/v1/accounts/:id/endorse`, under `relationships`).
//! <https://docs.joinmastodon.org/methods/endorsements/>

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};

use super::entities::{self, AccountEntity};
use super::paging::{PageParams, link_header, with_link};
use crate::app::AppState;
use crate::error::Result;
use crate::http::extract::{Auth, MaybeAuth, ReadAccounts};
use crate::http::mastodon::statuses::parse_id;
use crate::model::{Account, Page};
use crate::service::endorsements;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/endorsements", get(index))
        .route("/api/v1/accounts/{id}/endorsements", get(of_account))
}

async fn page_of(app: &AppState, who: &Account, path: &str, page: &Page) -> Result<Response> {
    let (accounts, keys) = endorsements::endorsed(app, who, page).await?;
    let list: Vec<AccountEntity> = accounts.iter().map(|a| entities::account(app, a)).collect();
    let link = link_header(app, path, &[], keys.map(|k| k.0), keys.map(|k| k.1));
    Ok(with_link(Json(list), link))
}

/// `GET /api/v1/accounts/:id/endorsements`: the accounts someone features,
/// public as their profile is.
/// <https://docs.joinmastodon.org/methods/accounts/#endorsements>
async fn of_account(
    State(app): State<Arc<AppState>>,
    _auth: MaybeAuth<ReadAccounts>,
    Path(id): Path<String>,
    Query(q): Query<PageParams>,
) -> Result<Response> {
    let who = crate::service::accounts::visible(&app, parse_id(&id)?).await?;
    let path = format!("/api/v1/accounts/{}/endorsements", who.id);
    page_of(&app, &who, &path, &q.page(40, 80)).await
}

/// `GET /api/v1/endorsements`
async fn index(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadAccounts>,
    Query(q): Query<PageParams>,
) -> Result<Response> {
    page_of(&app, &auth.account, "/api/v1/endorsements", &q.page(40, 80)).await
}
