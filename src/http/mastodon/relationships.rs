//! Account actions and lists: follow, block, mute, relationships, followers,
//! following, follow requests, account statuses, search.
//! <https://docs.joinmastodon.org/methods/accounts/>

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, RawQuery, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::entities;
use super::paging::{PageParams, link_header, with_link};
use super::statuses::{parse_id, viewer};
use super::timelines::status_page;
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::http::extract::{
    Auth, MaybeAuth, Params, ReadAccounts, ReadBlocks, ReadFollows, ReadMutes, ReadStatuses,
    WriteBlocks, WriteFollows, WriteMutes, de, nest_pairs,
};
use crate::model::Account;
use crate::model::AccountFilter;
use crate::service::relationships::{self, FollowOptions};
use crate::service::timelines;

async fn target(app: &AppState, id: &str) -> Result<Account> {
    let account = app
        .store
        .get_account(parse_id(id)?)
        .await?
        .ok_or_else(Error::not_found)?;
    if account.is_local()
        && let Some(user) = app.store.get_user(account.id).await?
        && !user.approved
    {
        return Err(Error::not_found());
    }
    Ok(account)
}

/// The Relationship entity between the caller and `target`.
pub async fn relationship_json(app: &AppState, me: &Account, target: i64) -> Result<Value> {
    let flags = app
        .store
        .relation_flags(me.id, target, chrono::Utc::now())
        .await?;
    let endorsed = app.store.is_endorsed(me.id, target).await?;
    let note = app.store.get_note(me.id, target).await?;
    Ok(entities::relationship(target, &flags, endorsed, &note))
}

#[derive(Deserialize)]
pub struct FollowParams {
    #[serde(default, deserialize_with = "de::opt_bool")]
    reblogs: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    notify: Option<bool>,
}

/// `POST /api/v1/accounts/:id/follow`
pub async fn follow(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteFollows>,
    Path(id): Path<String>,
    Params(p): Params<FollowParams>,
) -> Result<Json<Value>> {
    let t = target(&app, &id).await?;
    relationships::follow(
        &app,
        &auth.account,
        &t,
        FollowOptions {
            reblogs: p.reblogs,
            notify: p.notify,
        },
    )
    .await?;
    Ok(Json(relationship_json(&app, &auth.account, t.id).await?))
}

macro_rules! account_action {
    ($name:ident, $scope:ty, $call:path) => {
        pub async fn $name(
            State(app): State<Arc<AppState>>,
            auth: Auth<$scope>,
            Path(id): Path<String>,
        ) -> Result<Json<Value>> {
            let t = target(&app, &id).await?;
            $call(&app, &auth.account, &t).await?;
            Ok(Json(relationship_json(&app, &auth.account, t.id).await?))
        }
    };
}

account_action!(unfollow, WriteFollows, relationships::unfollow);
account_action!(
    remove_from_followers,
    WriteFollows,
    relationships::remove_from_followers
);
account_action!(block, WriteBlocks, relationships::block);
account_action!(unblock, WriteBlocks, relationships::unblock);
account_action!(unmute, WriteMutes, relationships::unmute);
account_action!(authorize_request, WriteFollows, relationships::authorize);
account_action!(reject_request, WriteFollows, relationships::reject);

#[derive(Deserialize)]
pub struct MuteParams {
    #[serde(default, deserialize_with = "de::opt_bool")]
    notifications: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_string")]
    duration: Option<String>,
}

/// `POST /api/v1/accounts/:id/mute`
pub async fn mute(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteMutes>,
    Path(id): Path<String>,
    Params(p): Params<MuteParams>,
) -> Result<Json<Value>> {
    let t = target(&app, &id).await?;
    let duration = match p.duration.as_deref().filter(|d| !d.is_empty()) {
        Some(d) => Some(
            d.parse::<i64>()
                .map_err(|_| Error::unprocessable("Validation failed: Duration is not a number"))?,
        ),
        None => None,
    };
    relationships::mute(
        &app,
        &auth.account,
        &t,
        p.notifications.unwrap_or(true),
        duration,
    )
    .await?;
    Ok(Json(relationship_json(&app, &auth.account, t.id).await?))
}

/// Ids from `id[]=1&id[]=2`, `id=1`, or a JSON body `{"id": [...]}` (Mastodon.py sends that on GET).
fn ids_param(raw: Option<String>, body: &[u8]) -> Vec<i64> {
    let mut out = Vec::new();
    let mut take = |v: &Value| match v {
        Value::Array(items) => out.extend(items.iter().filter_map(|i| {
            i.as_str()
                .map(str::to_string)
                .or(i.as_i64().map(|n| n.to_string()))
        })),
        Value::String(s) => out.push(s.clone()),
        Value::Number(n) => out.push(n.to_string()),
        _ => {}
    };
    if let Ok(params) = nest_pairs(
        url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
            .into_owned()
            .collect(),
    ) && let Some(v) = params.get("id")
    {
        take(v);
    }
    if let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body)
        && let Some(v) = map.get("id")
    {
        take(v);
    }
    let mut ids: Vec<i64> = out.iter().filter_map(|s| s.parse().ok()).collect();
    ids.dedup();
    ids.truncate(100);
    ids
}

/// `GET /api/v1/accounts/relationships?id[]=…`
pub async fn relationships_of(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadFollows>,
    RawQuery(raw): RawQuery,
    body: axum::body::Bytes,
) -> Result<Json<Value>> {
    let mut out = Vec::new();
    for id in ids_param(raw, &body) {
        if app.store.get_account(id).await?.is_some() {
            out.push(relationship_json(&app, &auth.account, id).await?);
        }
    }
    Ok(Json(json!(out)))
}

/// `GET /api/v1/accounts/familiar_followers?id[]=…`
pub async fn familiar_followers(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadFollows>,
    RawQuery(raw): RawQuery,
    body: axum::body::Bytes,
) -> Result<Json<Value>> {
    let mut out = Vec::new();
    for id in ids_param(raw, &body) {
        let ids = app.store.familiar_followers(auth.account.id, id).await?;
        let accounts = app.store.get_accounts(&ids).await?;
        let list: Vec<Value> = accounts
            .iter()
            .map(|a| json!(entities::account(&app, a)))
            .collect();
        out.push(json!({"id": id.to_string(), "accounts": list}));
    }
    Ok(Json(json!(out)))
}

/// A page of accounts keyed by relation row ids, with its `Link` header.
async fn account_page(app: &AppState, path: &str, pairs: Vec<(i64, i64)>) -> Result<Response> {
    let mut pairs = pairs;
    pairs.sort_by_key(|x| std::cmp::Reverse(x.0));
    let ids: Vec<i64> = pairs.iter().map(|(_, a)| *a).collect();
    let accounts = app.store.get_accounts(&ids).await?;
    let list: Vec<Value> = ids
        .iter()
        .filter_map(|id| accounts.iter().find(|a| a.id == *id))
        .map(|a| json!(entities::account(app, a)))
        .collect();
    Ok(with_link(
        Json(list),
        link_header(
            app,
            path,
            &[],
            pairs.first().map(|p| p.0),
            pairs.last().map(|p| p.0),
        ),
    ))
}

async fn follow_list(
    app: &AppState,
    viewer: Option<&Account>,
    id: &str,
    followers: bool,
    q: &PageParams,
) -> Result<Response> {
    let t = target(app, id).await?;
    let which = if followers { "followers" } else { "following" };
    // Hidden collections are visible only to their owner.
    if t.hide_collections && viewer.is_none_or(|v| v.id != t.id) {
        return Ok(Json(json!([])).into_response());
    }
    if let Some(v) = viewer
        && app.store.blocked_either_way(v.id, t.id).await?
    {
        return Ok(Json(json!([])).into_response());
    }
    let pairs = app
        .store
        .follow_list(t.id, followers, &q.page(40, 80))
        .await?;
    account_page(app, &format!("/api/v1/accounts/{}/{which}", t.id), pairs).await
}

/// `GET /api/v1/accounts/:id/followers`
pub async fn followers(
    State(app): State<Arc<AppState>>,
    auth: MaybeAuth<ReadAccounts>,
    Path(id): Path<String>,
    Query(q): Query<PageParams>,
) -> Result<Response> {
    follow_list(&app, viewer(&auth).as_ref(), &id, true, &q).await
}

/// `GET /api/v1/accounts/:id/following`
pub async fn following(
    State(app): State<Arc<AppState>>,
    auth: MaybeAuth<ReadAccounts>,
    Path(id): Path<String>,
    Query(q): Query<PageParams>,
) -> Result<Response> {
    follow_list(&app, viewer(&auth).as_ref(), &id, false, &q).await
}

/// `GET /api/v1/follow_requests`
pub async fn follow_requests(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadFollows>,
    Query(q): Query<PageParams>,
) -> Result<Response> {
    let pairs = app
        .store
        .follow_request_list(auth.account.id, &q.page(40, 80))
        .await?;
    account_page(&app, "/api/v1/follow_requests", pairs).await
}

/// `GET /api/v1/blocks` and `/api/v1/mutes`.
async fn block_or_mute_list(
    app: &AppState,
    me: &Account,
    table: &str,
    q: &PageParams,
) -> Result<Response> {
    let page = q.page(40, 80);
    let pairs = match table {
        "blocks" => app.store.blocks_page(me.id, &page).await?,
        _ => app.store.mutes_page(me.id, &page).await?,
    };
    account_page(app, &format!("/api/v1/{table}"), pairs).await
}

pub async fn blocks(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadBlocks>,
    Query(q): Query<PageParams>,
) -> Result<Response> {
    block_or_mute_list(&app, &auth.account, "blocks", &q).await
}

pub async fn mutes(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadMutes>,
    Query(q): Query<PageParams>,
) -> Result<Response> {
    block_or_mute_list(&app, &auth.account, "mutes", &q).await
}

#[derive(Deserialize)]
pub struct AccountStatusesQuery {
    exclude_replies: Option<String>,
    exclude_reblogs: Option<String>,
    only_media: Option<String>,
    pinned: Option<String>,
    tagged: Option<String>,
}

fn on(v: &Option<String>) -> bool {
    v.as_deref()
        .is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "true" | "1" | "on" | "yes"))
}

/// `GET /api/v1/accounts/:id/statuses`
pub async fn statuses(
    State(app): State<Arc<AppState>>,
    auth: MaybeAuth<ReadStatuses>,
    Path(id): Path<String>,
    Query(q): Query<AccountStatusesQuery>,
    Query(p): Query<PageParams>,
) -> Result<Response> {
    let viewer = viewer(&auth);
    let author = target(&app, &id).await?;
    let f = AccountFilter {
        exclude_replies: on(&q.exclude_replies),
        exclude_reblogs: on(&q.exclude_reblogs),
        only_media: on(&q.only_media),
        pinned: on(&q.pinned),
        tagged: q.tagged.clone().filter(|t| !t.is_empty()),
    };
    let list = timelines::account(&app, viewer.as_ref(), &author, &f, &p.page(20, 40)).await?;
    let mut keep = Vec::new();
    for (k, v) in [
        ("exclude_replies", f.exclude_replies),
        ("exclude_reblogs", f.exclude_reblogs),
        ("pinned", f.pinned),
    ] {
        if v {
            keep.push((k, "true".to_string()));
        }
    }
    status_page(
        &app,
        viewer.as_ref(),
        &format!("/api/v1/accounts/{}/statuses", author.id),
        &keep,
        list,
    )
    .await
}

#[derive(Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
    limit: Option<String>,
    offset: Option<String>,
}

/// `GET /api/v1/accounts/search`: local accounts by username or display name.
pub async fn search(
    State(app): State<Arc<AppState>>,
    _auth: Auth<ReadAccounts>,
    Query(q): Query<SearchQuery>,
) -> Result<Json<Value>> {
    let limit = super::paging::int_param(q.limit.as_deref(), 40, 1, 80);
    let offset = super::paging::int_param(q.offset.as_deref(), 0, 0, 10_000);
    let term = q.q.as_deref().unwrap_or("");
    let accounts = crate::service::search::local_accounts(&app, term, limit, offset).await?;
    Ok(Json(json!(
        accounts
            .iter()
            .map(|a| entities::account(&app, a))
            .collect::<Vec<_>>()
    )))
}

#[derive(Deserialize)]
pub struct NoteParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    comment: Option<String>,
}

/// The account `id` names, for the account sub-resources.
async fn target_account(app: &AppState, id: &str) -> Result<Account> {
    crate::service::accounts::get(app, parse_id(id)?).await
}

/// `POST /api/v1/accounts/:id/note`
pub async fn note(
    State(app): State<Arc<AppState>>,
    auth: Auth<crate::http::extract::WriteAccounts>,
    Path(id): Path<String>,
    Params(p): Params<NoteParams>,
) -> Result<Json<Value>> {
    let t = target_account(&app, &id).await?;
    let comment = p.comment.as_deref().unwrap_or("");
    crate::service::endorsements::set_note(&app, &auth.account, &t, comment).await?;
    Ok(Json(relationship_json(&app, &auth.account, t.id).await?))
}

/// `POST /api/v1/accounts/:id/pin` (endorse)
pub async fn endorse(
    State(app): State<Arc<AppState>>,
    auth: Auth<crate::http::extract::WriteAccounts>,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    let t = target_account(&app, &id).await?;
    crate::service::endorsements::endorse(&app, &auth.account, &t, true).await?;
    Ok(Json(relationship_json(&app, &auth.account, t.id).await?))
}

/// `POST /api/v1/accounts/:id/unpin`
pub async fn unendorse(
    State(app): State<Arc<AppState>>,
    auth: Auth<crate::http::extract::WriteAccounts>,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    let t = target_account(&app, &id).await?;
    crate::service::endorsements::endorse(&app, &auth.account, &t, false).await?;
    Ok(Json(relationship_json(&app, &auth.account, t.id).await?))
}
