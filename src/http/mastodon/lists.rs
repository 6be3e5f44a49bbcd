//! `/api/v1/lists`: a person's lists and their members. The list's timeline
//! is in `timelines`, the lists containing an account in `accounts`.
//! <https://docs.joinmastodon.org/methods/lists/>

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;

use super::entities::{self, AccountEntity, Empty, ListEntity};
use super::statuses::parse_id;
use crate::app::AppState;
use crate::error::Result;
use crate::http::extract::{Auth, Params, QueryParams, ReadLists, WriteLists, de};
use crate::service::lists;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/lists", get(index).post(create))
        .route("/api/v1/lists/{id}", get(show).put(update).delete(remove))
        .route(
            "/api/v1/lists/{id}/accounts",
            get(members).post(add_members).delete(remove_members),
        )
}

/// `GET /api/v1/lists`
async fn index(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadLists>,
) -> Result<Json<Vec<ListEntity>>> {
    let all = lists::lists_of(&app, &auth.account).await?;
    Ok(Json(all.iter().map(entities::list).collect()))
}

/// `GET /api/v1/lists/:id`
async fn show(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadLists>,
    Path(id): Path<String>,
) -> Result<Json<ListEntity>> {
    let list = lists::own_list(&app, &auth.account, parse_id(&id)?).await?;
    Ok(Json(entities::list(&list)))
}

#[derive(Deserialize)]
struct ListParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    title: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    replies_policy: Option<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    exclusive: Option<bool>,
}

/// `POST /api/v1/lists`
async fn create(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteLists>,
    Params(p): Params<ListParams>,
) -> Result<Json<ListEntity>> {
    let list = lists::create_list(
        &app,
        &auth.account,
        p.title.as_deref().unwrap_or(""),
        p.replies_policy.as_deref().unwrap_or("list"),
        p.exclusive.unwrap_or(false),
    )
    .await?;
    Ok(Json(entities::list(&list)))
}

/// `PUT /api/v1/lists/:id`
async fn update(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteLists>,
    Path(id): Path<String>,
    Params(p): Params<ListParams>,
) -> Result<Json<ListEntity>> {
    let list = lists::update_list(
        &app,
        &auth.account,
        parse_id(&id)?,
        p.title.as_deref(),
        p.replies_policy.as_deref(),
        p.exclusive,
    )
    .await?;
    Ok(Json(entities::list(&list)))
}

/// `DELETE /api/v1/lists/:id`
async fn remove(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteLists>,
    Path(id): Path<String>,
) -> Result<Json<Empty>> {
    lists::delete_list(&app, &auth.account, parse_id(&id)?).await?;
    Ok(Json(Empty {}))
}

/// `GET /api/v1/lists/:id/accounts`
async fn members(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadLists>,
    Path(id): Path<String>,
) -> Result<Json<Vec<AccountEntity>>> {
    let accounts = lists::members(&app, &auth.account, parse_id(&id)?).await?;
    Ok(Json(
        accounts
            .iter()
            .map(|a| entities::account(&app, a))
            .collect(),
    ))
}

/// `account_ids[]` from a form or JSON body, or else from the query (at
/// most 100).
fn account_ids(query: &QueryParams, p: &AccountIds) -> Vec<i64> {
    let listed = if p.account_ids.is_empty() {
        query.strings("account_ids")
    } else {
        p.account_ids.clone()
    };
    let mut ids: Vec<i64> = listed.iter().filter_map(|s| s.parse().ok()).collect();
    ids.truncate(100);
    ids
}

#[derive(Deserialize)]
struct AccountIds {
    #[serde(default, deserialize_with = "de::string_or_list")]
    account_ids: Vec<String>,
}

/// `POST /api/v1/lists/:id/accounts`
async fn add_members(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteLists>,
    Path(id): Path<String>,
    query: QueryParams,
    Params(p): Params<AccountIds>,
) -> Result<Json<Empty>> {
    let ids = account_ids(&query, &p);
    lists::add_to_list(&app, &auth.account, parse_id(&id)?, &ids).await?;
    Ok(Json(Empty {}))
}

/// `DELETE /api/v1/lists/:id/accounts`
async fn remove_members(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteLists>,
    Path(id): Path<String>,
    query: QueryParams,
    Params(p): Params<AccountIds>,
) -> Result<Json<Empty>> {
    let ids = account_ids(&query, &p);
    lists::remove_from_list(&app, &auth.account, parse_id(&id)?, &ids).await?;
    Ok(Json(Empty {}))
}
