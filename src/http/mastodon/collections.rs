//! Lists, hashtags (follow, feature), personal notes and endorsements.
//! <https://docs.joinmastodon.org/methods/lists/>, <https://docs.joinmastodon.org/methods/tags/>,
//! <https://docs.joinmastodon.org/methods/featured_tags/>, <https://docs.joinmastodon.org/methods/endorsements/>

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, RawQuery, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use super::entities;
use super::paging::{PageParams, link_header, with_link};
use super::statuses::{parse_id, viewer};
use super::timelines::status_page;
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::http::extract::{
    Auth, MaybeAuth, Params, ReadAccounts, ReadFollows, ReadLists, WriteAccounts, WriteFollows,
    WriteLists, de, nest_pairs,
};
use crate::model::List;
use crate::service::collections;

fn list_entity(l: &List) -> Value {
    json!({"id": l.id.to_string(), "title": l.title, "replies_policy": l.replies_policy, "exclusive": l.exclusive})
}

/// `GET /api/v1/lists`
pub async fn lists(State(app): State<Arc<AppState>>, auth: Auth<ReadLists>) -> Result<Json<Value>> {
    Ok(Json(json!(
        app.store
            .lists_of(auth.account.id)
            .await?
            .iter()
            .map(list_entity)
            .collect::<Vec<_>>()
    )))
}

/// `GET /api/v1/lists/:id`
pub async fn list(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadLists>,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    Ok(Json(list_entity(
        &collections::own_list(&app, &auth.account, parse_id(&id)?).await?,
    )))
}

#[derive(Deserialize)]
pub struct ListParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    title: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    replies_policy: Option<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    exclusive: Option<bool>,
}

/// `POST /api/v1/lists`
pub async fn create_list(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteLists>,
    Params(p): Params<ListParams>,
) -> Result<Json<Value>> {
    let l = collections::create_list(
        &app,
        &auth.account,
        p.title.as_deref().unwrap_or(""),
        p.replies_policy.as_deref().unwrap_or("list"),
        p.exclusive.unwrap_or(false),
    )
    .await?;
    Ok(Json(list_entity(&l)))
}

/// `PUT /api/v1/lists/:id`
pub async fn update_list(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteLists>,
    Path(id): Path<String>,
    Params(p): Params<ListParams>,
) -> Result<Json<Value>> {
    let l = collections::update_list(
        &app,
        &auth.account,
        parse_id(&id)?,
        p.title.as_deref(),
        p.replies_policy.as_deref(),
        p.exclusive,
    )
    .await?;
    Ok(Json(list_entity(&l)))
}

/// `DELETE /api/v1/lists/:id`
pub async fn delete_list(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteLists>,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    let l = collections::own_list(&app, &auth.account, parse_id(&id)?).await?;
    app.store.delete_list(l.id).await?;
    Ok(Json(json!({})))
}

/// `GET /api/v1/lists/:id/accounts`
pub async fn list_accounts(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadLists>,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    let l = collections::own_list(&app, &auth.account, parse_id(&id)?).await?;
    let ids = app.store.list_member_ids(l.id).await?;
    let accounts = app.store.get_accounts(&ids).await?;
    Ok(Json(json!(
        accounts
            .iter()
            .map(|a| entities::account(&app, a))
            .collect::<Vec<_>>()
    )))
}

/// `account_ids[]` from a form, JSON body or query.
fn account_ids(raw: Option<String>, p: &AccountIds) -> Vec<i64> {
    let mut ids: Vec<i64> = p
        .account_ids
        .iter()
        .filter_map(|s| s.parse().ok())
        .collect();
    if ids.is_empty()
        && let Ok(params) = nest_pairs(
            url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
                .into_owned()
                .collect(),
        )
        && let Some(Value::Array(a)) = params.get("account_ids")
    {
        ids = a
            .iter()
            .filter_map(|v| v.as_str().and_then(|s| s.parse().ok()))
            .collect();
    }
    ids.truncate(100);
    ids
}

#[derive(Deserialize)]
pub struct AccountIds {
    #[serde(default, deserialize_with = "de::string_or_list")]
    account_ids: Vec<String>,
}

/// `POST /api/v1/lists/:id/accounts`
pub async fn add_accounts(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteLists>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    Params(p): Params<AccountIds>,
) -> Result<Json<Value>> {
    collections::add_to_list(&app, &auth.account, parse_id(&id)?, &account_ids(raw, &p)).await?;
    Ok(Json(json!({})))
}

/// `DELETE /api/v1/lists/:id/accounts`
pub async fn remove_accounts(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteLists>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    Params(p): Params<AccountIds>,
) -> Result<Json<Value>> {
    collections::remove_from_list(&app, &auth.account, parse_id(&id)?, &account_ids(raw, &p))
        .await?;
    Ok(Json(json!({})))
}

/// `GET /api/v1/timelines/list/:list_id`
pub async fn list_timeline(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadLists>,
    Path(id): Path<String>,
    Query(q): Query<PageParams>,
) -> Result<Response> {
    let list =
        collections::list_timeline(&app, &auth.account, parse_id(&id)?, &q.page(20, 40)).await?;
    status_page(
        &app,
        Some(&auth.account),
        &format!("/api/v1/timelines/list/{id}"),
        &[],
        list,
    )
    .await
}

/// `GET /api/v1/accounts/:id/lists`: the caller's lists containing that account.
pub async fn account_lists(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadLists>,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    let lists = app
        .store
        .lists_containing(auth.account.id, parse_id(&id)?)
        .await?;
    Ok(Json(json!(
        lists.iter().map(list_entity).collect::<Vec<_>>()
    )))
}

/// <https://docs.joinmastodon.org/entities/Tag/>
async fn tag_entity(
    app: &AppState,
    viewer: Option<&crate::model::Account>,
    name: &str,
) -> Result<Value> {
    let mut v = json!({"name": name, "url": app.url(&format!("/tags/{name}")), "history": []});
    if let Some(me) = viewer {
        v["following"] = json!(app.store.follows_tag(me.id, name).await?);
    }
    Ok(v)
}

/// `GET /api/v1/tags/:name`
pub async fn tag(
    State(app): State<Arc<AppState>>,
    auth: MaybeAuth<ReadFollows>,
    Path(name): Path<String>,
) -> Result<Json<Value>> {
    let name = name.trim_start_matches('#').to_lowercase();
    if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return Err(Error::not_found());
    }
    Ok(Json(tag_entity(&app, viewer(&auth).as_ref(), &name).await?))
}

/// `POST /api/v1/tags/:name/follow`
pub async fn follow_tag(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteFollows>,
    Path(name): Path<String>,
) -> Result<Json<Value>> {
    let name = collections::follow_tag(&app, &auth.account, &name, true).await?;
    Ok(Json(tag_entity(&app, Some(&auth.account), &name).await?))
}

/// `POST /api/v1/tags/:name/unfollow`
pub async fn unfollow_tag(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteFollows>,
    Path(name): Path<String>,
) -> Result<Json<Value>> {
    let name = collections::follow_tag(&app, &auth.account, &name, false).await?;
    Ok(Json(tag_entity(&app, Some(&auth.account), &name).await?))
}

/// `GET /api/v1/followed_tags`
pub async fn followed_tags(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadFollows>,
    Query(q): Query<PageParams>,
) -> Result<Response> {
    let rows = app
        .store
        .followed_tags(auth.account.id, &q.page(100, 200))
        .await?;
    let mut out = Vec::new();
    for (_, name) in &rows {
        out.push(tag_entity(&app, Some(&auth.account), name).await?);
    }
    Ok(with_link(
        Json(out),
        link_header(
            &app,
            "/api/v1/followed_tags",
            &[],
            rows.iter().map(|r| r.0).max(),
            rows.iter().map(|r| r.0).min(),
        ),
    ))
}

async fn featured_entities(app: &AppState, account: &crate::model::Account) -> Result<Vec<Value>> {
    let mut out = Vec::new();
    for (id, name, _) in app.store.featured_tags(account.id).await? {
        let (count, last) = app.store.tag_usage(account.id, &name).await?;
        out.push(json!({
            "id": id.to_string(),
            "name": name,
            "url": format!("{}/tagged/{name}", account.url.clone().unwrap_or(account.uri.clone())),
            "statuses_count": count.to_string(),
            "last_status_at": last.map(|t| t.format("%Y-%m-%d").to_string()),
        }));
    }
    Ok(out)
}

/// `GET /api/v1/featured_tags`
pub async fn featured_tags(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadAccounts>,
) -> Result<Json<Value>> {
    Ok(Json(json!(featured_entities(&app, &auth.account).await?)))
}

/// `GET /api/v1/accounts/:id/featured_tags`
pub async fn account_featured_tags(
    State(app): State<Arc<AppState>>,
    _auth: MaybeAuth<ReadAccounts>,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    let account = app
        .store
        .get_account(parse_id(&id)?)
        .await?
        .ok_or_else(Error::not_found)?;
    Ok(Json(json!(featured_entities(&app, &account).await?)))
}

#[derive(Deserialize)]
pub struct FeatureParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    name: Option<String>,
}

/// `POST /api/v1/featured_tags`
pub async fn feature_tag(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteAccounts>,
    Params(p): Params<FeatureParams>,
) -> Result<Json<Value>> {
    let name = p.name.unwrap_or_default();
    collections::feature_tag(&app, &auth.account, &name).await?;
    let lower = name.trim().trim_start_matches('#').to_lowercase();
    let all = featured_entities(&app, &auth.account).await?;
    all.into_iter()
        .find(|t| t["name"] == json!(lower))
        .map(Json)
        .ok_or_else(Error::not_found)
}

/// `DELETE /api/v1/featured_tags/:id`
pub async fn unfeature_tag(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteAccounts>,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    if !app
        .store
        .delete_featured_tag(auth.account.id, parse_id(&id)?)
        .await?
    {
        return Err(Error::not_found());
    }
    Ok(Json(json!({})))
}

#[derive(Deserialize)]
pub struct NoteParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    comment: Option<String>,
}

async fn target(app: &AppState, id: &str) -> Result<crate::model::Account> {
    app.store
        .get_account(parse_id(id)?)
        .await?
        .ok_or_else(Error::not_found)
}

/// `POST /api/v1/accounts/:id/note`
pub async fn note(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteAccounts>,
    Path(id): Path<String>,
    Params(p): Params<NoteParams>,
) -> Result<Json<Value>> {
    let t = target(&app, &id).await?;
    collections::set_note(&app, &auth.account, &t, p.comment.as_deref().unwrap_or("")).await?;
    Ok(Json(
        super::relationships::relationship_json(&app, &auth.account, t.id).await?,
    ))
}

/// `POST /api/v1/accounts/:id/pin` (endorse) and `/unpin`.
pub async fn endorse(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteAccounts>,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    let t = target(&app, &id).await?;
    collections::endorse(&app, &auth.account, &t, true).await?;
    Ok(Json(
        super::relationships::relationship_json(&app, &auth.account, t.id).await?,
    ))
}

pub async fn unendorse(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteAccounts>,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    let t = target(&app, &id).await?;
    collections::endorse(&app, &auth.account, &t, false).await?;
    Ok(Json(
        super::relationships::relationship_json(&app, &auth.account, t.id).await?,
    ))
}

/// `GET /api/v1/endorsements`
pub async fn endorsements(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadAccounts>,
    Query(q): Query<PageParams>,
) -> Result<Response> {
    let mut pairs = app
        .store
        .endorsements(auth.account.id, &q.page(40, 80))
        .await?;
    pairs.sort_by_key(|p| std::cmp::Reverse(p.0));
    let ids: Vec<i64> = pairs.iter().map(|p| p.1).collect();
    let accounts = app.store.get_accounts(&ids).await?;
    let list: Vec<Value> = ids
        .iter()
        .filter_map(|id| accounts.iter().find(|a| a.id == *id))
        .map(|a| json!(entities::account(&app, a)))
        .collect();
    Ok(with_link(
        Json(list),
        link_header(
            &app,
            "/api/v1/endorsements",
            &[],
            pairs.first().map(|p| p.0),
            pairs.last().map(|p| p.0),
        ),
    ))
}
