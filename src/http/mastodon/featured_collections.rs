//! Collections (Mastodon 4.6): named collections of accounts a user
//! recommends, the collections featuring you, and withdrawing from one.
//! roost's collections are local: they feature local accounts and do not
//! federate yet. <https://docs.joinmastodon.org/methods/collections/>

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::HeaderValue;
use axum::response::Response;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::entities::{
    self, AccountEntity, CollectionEntity, CollectionItemEntity, Empty, collection,
};
use super::paging::{int_param, with_link};
use super::statuses::{parse_id, viewer};
use crate::app::AppState;
use crate::error::Result;
use crate::http::extract::{
    Auth, MaybeAuth, Params, QueryParams, ReadCollections, WriteCollections, de,
};
use crate::service::featured_collections::{self, Draft, Shown};

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/accounts/{id}/collections", get(of_account))
        .route("/api/v1/accounts/{id}/in_collections", get(in_collections))
        .route("/api/v1/collections", post(create))
        .route(
            "/api/v1/collections/{id}",
            get(show).patch(update).delete(destroy),
        )
        .route("/api/v1/collections/{id}/items", post(add_item))
        .route(
            "/api/v1/collections/{id}/items/{item_id}",
            delete(remove_item),
        )
        .route(
            "/api/v1/collections/{id}/items/{item_id}/revoke",
            post(revoke),
        )
}

#[derive(Serialize)]
struct Collections {
    collections: Vec<CollectionEntity>,
}

#[derive(Serialize)]
struct Wrapped {
    collection: CollectionEntity,
}

#[derive(Serialize)]
struct WithAccounts {
    collection: CollectionEntity,
    accounts: Vec<AccountEntity>,
}

#[derive(Serialize)]
struct WrappedItem {
    collection_item: CollectionItemEntity,
}

#[derive(Deserialize)]
struct OffsetParams {
    limit: Option<String>,
    offset: Option<String>,
}

impl OffsetParams {
    /// `limit` (default 40, at most 80) and `offset`.
    fn get(&self) -> (i64, i64) {
        (
            int_param(self.limit.as_deref(), 40, 1, 80),
            int_param(self.offset.as_deref(), 0, 0, 1_000_000),
        )
    }
}

/// The `Link` header of an offset-paged list: `next` while more follow,
/// `prev` past the first page.
fn offset_link(
    app: &AppState,
    path: &str,
    limit: i64,
    offset: i64,
    shown: usize,
    total: i64,
) -> Option<HeaderValue> {
    let shown = i64::try_from(shown).unwrap_or(0);
    let mut parts = Vec::new();
    if offset + shown < total {
        let url = app.url(&format!("{path}?limit={limit}&offset={}", offset + limit));
        parts.push(format!("<{url}>; rel=\"next\""));
    }
    if offset > 0 {
        let url = app.url(&format!(
            "{path}?limit={limit}&offset={}",
            (offset - limit).max(0)
        ));
        parts.push(format!("<{url}>; rel=\"prev\""));
    }
    (!parts.is_empty())
        .then(|| HeaderValue::from_str(&parts.join(", ")).ok())
        .flatten()
}

fn page(
    app: &AppState,
    path: &str,
    (limit, offset): (i64, i64),
    (list, total): (Vec<Shown>, i64),
) -> Response {
    let link = offset_link(app, path, limit, offset, list.len(), total);
    let body = Collections {
        collections: list.iter().map(|s| collection(app, s)).collect(),
    };
    with_link(Json(body), link)
}

/// `GET /api/v1/accounts/:id/collections`: someone's collections, newest
/// first (their unlisted ones only for themselves).
/// <https://docs.joinmastodon.org/methods/collections/#account_collections>
async fn of_account(
    State(app): State<Arc<AppState>>,
    auth: MaybeAuth<ReadCollections>,
    Path(id): Path<String>,
    Query(q): Query<OffsetParams>,
) -> Result<Response> {
    let viewer = viewer(&auth);
    let account_id = parse_id(&id)?;
    let (limit, offset) = q.get();
    let found =
        featured_collections::of_account(&app, viewer.as_ref(), account_id, limit, offset).await?;
    let path = format!("/api/v1/accounts/{account_id}/collections");
    Ok(page(&app, &path, (limit, offset), found))
}

/// `GET /api/v1/accounts/:id/in_collections`: the collections featuring
/// you (your own id only).
/// <https://docs.joinmastodon.org/methods/collections/#in_collections>
async fn in_collections(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadCollections>,
    Path(id): Path<String>,
    Query(q): Query<OffsetParams>,
) -> Result<Response> {
    let account_id = parse_id(&id)?;
    let (limit, offset) = q.get();
    let found =
        featured_collections::featuring(&app, &auth.account, account_id, limit, offset).await?;
    let path = format!("/api/v1/accounts/{account_id}/in_collections");
    Ok(page(&app, &path, (limit, offset), found))
}

#[derive(Deserialize, Default)]
struct CollectionParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    name: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    description: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    language: Option<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    sensitive: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    discoverable: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_string")]
    tag_name: Option<String>,
    #[serde(default, deserialize_with = "de::string_or_list")]
    account_ids: Vec<String>,
}

impl CollectionParams {
    fn draft(self, query: &QueryParams) -> Draft {
        let account_ids = if self.account_ids.is_empty() {
            query.strings("account_ids")
        } else {
            self.account_ids
        };
        Draft {
            name: self.name,
            description: self.description,
            language: self.language,
            sensitive: self.sensitive,
            discoverable: self.discoverable,
            tag_name: self.tag_name,
            account_ids,
        }
    }
}

/// `POST /api/v1/collections`
/// <https://docs.joinmastodon.org/methods/collections/#create>
async fn create(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteCollections>,
    query: QueryParams,
    Params(p): Params<CollectionParams>,
) -> Result<Json<Wrapped>> {
    let shown = featured_collections::create(&app, &auth.account, p.draft(&query)).await?;
    Ok(Json(Wrapped {
        collection: collection(&app, &shown),
    }))
}

/// `GET /api/v1/collections/:id`: the collection and the accounts it shows,
/// its curator first.
/// <https://docs.joinmastodon.org/methods/collections/#get>
async fn show(
    State(app): State<Arc<AppState>>,
    auth: MaybeAuth<ReadCollections>,
    Path(id): Path<String>,
) -> Result<Json<WithAccounts>> {
    let viewer = viewer(&auth);
    let (shown, accounts) =
        featured_collections::show(&app, viewer.as_ref(), parse_id(&id)?).await?;
    Ok(Json(WithAccounts {
        collection: collection(&app, &shown),
        accounts: accounts
            .iter()
            .map(|a| entities::account(&app, a))
            .collect(),
    }))
}

/// `PATCH /api/v1/collections/:id`: its name, description, language,
/// flags or tag (not its items).
/// <https://docs.joinmastodon.org/methods/collections/#update>
async fn update(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteCollections>,
    Path(id): Path<String>,
    query: QueryParams,
    Params(p): Params<CollectionParams>,
) -> Result<Json<Wrapped>> {
    let mut draft = p.draft(&query);
    draft.account_ids.clear();
    let shown = featured_collections::update(&app, &auth.account, parse_id(&id)?, draft).await?;
    Ok(Json(Wrapped {
        collection: collection(&app, &shown),
    }))
}

/// `DELETE /api/v1/collections/:id`
/// <https://docs.joinmastodon.org/methods/collections/#delete>
async fn destroy(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteCollections>,
    Path(id): Path<String>,
) -> Result<Json<Empty>> {
    featured_collections::delete(&app, &auth.account, parse_id(&id)?).await?;
    Ok(Json(Empty {}))
}

#[derive(Deserialize, Default)]
struct ItemParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    account_id: Option<String>,
}

/// `POST /api/v1/collections/:id/items`: features one more account, last.
/// <https://docs.joinmastodon.org/methods/collections/#add_item>
async fn add_item(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteCollections>,
    Path(id): Path<String>,
    Params(p): Params<ItemParams>,
) -> Result<Json<WrappedItem>> {
    let item = featured_collections::add_item(
        &app,
        &auth.account,
        parse_id(&id)?,
        p.account_id.as_deref(),
    )
    .await?;
    Ok(Json(WrappedItem {
        collection_item: entities::collection_item(&item),
    }))
}

/// `DELETE /api/v1/collections/:id/items/:item_id`: the curator takes an
/// account out. <https://docs.joinmastodon.org/methods/collections/#remove_item>
async fn remove_item(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteCollections>,
    Path((id, item_id)): Path<(String, String)>,
) -> Result<Json<Empty>> {
    featured_collections::remove_item(&app, &auth.account, parse_id(&id)?, parse_id(&item_id)?)
        .await?;
    Ok(Json(Empty {}))
}

/// `POST /api/v1/collections/:id/items/:item_id/revoke`: a featured
/// account withdraws from someone's collection.
/// <https://docs.joinmastodon.org/methods/collections/#revoke_item>
async fn revoke(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteCollections>,
    Path((id, item_id)): Path<(String, String)>,
) -> Result<Json<Empty>> {
    featured_collections::revoke(&app, &auth.account, parse_id(&id)?, parse_id(&item_id)?).await?;
    Ok(Json(Empty {}))
}
