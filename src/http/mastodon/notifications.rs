//! Notifications, markers, conversations, bookmarks and favourites lists.
//! <https://docs.joinmastodon.org/methods/notifications/>

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, RawQuery, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use super::entities;
use super::paging::{PageParams, link_header, with_link};
use super::statuses::parse_id;
use super::timelines::status_page;
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::http::extract::{
    Auth, Params, ReadBookmarks, ReadFavourites, ReadNotifications, ReadStatuses,
    WriteConversations, WriteNotifications, WriteStatuses, nest_pairs,
};
use crate::service::notifications::{self, TYPES};

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// `GET /api/v1/notifications` (`types[]`, `exclude_types[]`, `account_id`)
pub async fn list(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadNotifications>,
    RawQuery(raw): RawQuery,
    Query(p): Query<PageParams>,
) -> Result<Response> {
    let params = nest_pairs(
        url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
            .into_owned()
            .collect(),
    )?;
    let types = strings(params.get("types"));
    let exclude = strings(params.get("exclude_types"));
    let from = params
        .get("account_id")
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok());
    let types_filter = (!types.is_empty()).then(|| {
        types
            .iter()
            .filter(|t| TYPES.contains(&t.as_str()))
            .cloned()
            .collect::<Vec<_>>()
    });
    let page = p.page(40, 80);
    let list = notifications::list(
        &app,
        &auth.account,
        types_filter.as_deref(),
        &exclude,
        from,
        &page,
    )
    .await?;
    let mut list = list;
    list.sort_by_key(|x| std::cmp::Reverse(x.id));
    let mut keep: Vec<(&str, String)> = types.iter().map(|t| ("types[]", t.clone())).collect();
    keep.extend(exclude.iter().map(|t| ("exclude_types[]", t.clone())));
    let link = link_header(
        &app,
        "/api/v1/notifications",
        &keep,
        list.first().map(|n| n.id),
        list.last().map(|n| n.id),
    );
    Ok(with_link(
        Json(entities::notifications(&app, &auth.account, &list).await?),
        link,
    ))
}

/// `GET /api/v1/notifications/:id`
pub async fn show(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadNotifications>,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    let n = app
        .store
        .get_notification(auth.account.id, parse_id(&id)?)
        .await?
        .ok_or_else(Error::not_found)?;
    let mut rendered = entities::notifications(&app, &auth.account, &[n]).await?;
    rendered.pop().map(Json).ok_or_else(Error::not_found)
}

/// `POST /api/v1/notifications/:id/dismiss`
pub async fn dismiss(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteNotifications>,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    let id = parse_id(&id)?;
    // Someone else's notification does not exist for the caller.
    app.store
        .get_notification(auth.account.id, id)
        .await?
        .ok_or_else(Error::not_found)?;
    app.store.delete_notification(auth.account.id, id).await?;
    Ok(Json(json!({})))
}

/// `POST /api/v1/notifications/clear`
pub async fn clear(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteNotifications>,
) -> Result<Json<Value>> {
    app.store.clear_notifications(auth.account.id).await?;
    Ok(Json(json!({})))
}

/// `GET /api/v1/notifications/unread_count`: notifications after the marker.
pub async fn unread_count(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadNotifications>,
) -> Result<Json<Value>> {
    let markers = app.store.markers(auth.account.id).await?;
    let after = markers
        .iter()
        .find(|m| m.0 == "notifications")
        .map_or(0, |m| m.1);
    let count = app
        .store
        .count_notifications_after(auth.account.id, after, 1000)
        .await?;
    Ok(Json(json!({"count": count})))
}

/// `GET /api/v1/markers?timeline[]=home&timeline[]=notifications`
pub async fn markers(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadStatuses>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>> {
    let params = nest_pairs(
        url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
            .into_owned()
            .collect(),
    )?;
    let wanted = strings(params.get("timeline"));
    let mut out = serde_json::Map::new();
    for (timeline, last_read_id, version, updated_at) in app.store.markers(auth.account.id).await? {
        if wanted.is_empty() || wanted.contains(&timeline) {
            out.insert(
                timeline,
                json!({"last_read_id": last_read_id.to_string(), "version": version, "updated_at": entities::timestamp(updated_at)}),
            );
        }
    }
    Ok(Json(Value::Object(out)))
}

#[derive(Deserialize, Default)]
pub struct MarkerParam {
    last_read_id: Option<Value>,
}

#[derive(Deserialize)]
pub struct MarkerParams {
    home: Option<MarkerParam>,
    notifications: Option<MarkerParam>,
}

/// `POST /api/v1/markers`
pub async fn save_markers(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteStatuses>,
    Params(p): Params<MarkerParams>,
) -> Result<Json<Value>> {
    let now = chrono::Utc::now();
    for (name, marker) in [("home", p.home), ("notifications", p.notifications)] {
        if let Some(m) = marker {
            let id = match &m.last_read_id {
                Some(Value::String(s)) => s.parse::<i64>().ok(),
                Some(Value::Number(n)) => n.as_i64(),
                _ => None,
            }
            .ok_or_else(|| Error::unprocessable("Validation failed: Last read id is invalid"))?;
            app.store.put_marker(auth.account.id, name, id, now).await?;
        }
    }
    let mut out = serde_json::Map::new();
    for (timeline, last_read_id, version, updated_at) in app.store.markers(auth.account.id).await? {
        out.insert(timeline, json!({"last_read_id": last_read_id.to_string(), "version": version, "updated_at": entities::timestamp(updated_at)}));
    }
    Ok(Json(Value::Object(out)))
}

/// `GET /api/v1/conversations`
pub async fn conversations(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadStatuses>,
    Query(p): Query<PageParams>,
) -> Result<Response> {
    let rows = app
        .store
        .conversations(auth.account.id, &p.page(20, 40))
        .await?;
    let mut rows = rows;
    rows.sort_by_key(|x| std::cmp::Reverse(x.2));
    let status_ids: Vec<i64> = rows.iter().map(|r| r.2).collect();
    let statuses = app.store.get_statuses(&status_ids).await?;
    let rendered = entities::statuses(&app, Some(&auth.account), &statuses).await?;
    let mut out = Vec::new();
    for (id, _, last, unread) in &rows {
        let Some(status) = rendered.iter().find(|v| v["id"] == json!(last.to_string())) else {
            continue;
        };
        let mut accounts: Vec<Value> = status["mentions"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|m| m["id"] != json!(auth.account.id.to_string()))
            .filter_map(|m| m["id"].as_str().and_then(|s| s.parse::<i64>().ok()))
            .map(|mid| json!({"id": mid.to_string()}))
            .collect();
        // Participants as full accounts: the author and everyone mentioned, minus the viewer.
        let mut ids: Vec<i64> = accounts
            .iter()
            .filter_map(|a| a["id"].as_str().and_then(|s| s.parse().ok()))
            .collect();
        if let Some(author) = status["account"]["id"]
            .as_str()
            .and_then(|s| s.parse::<i64>().ok())
            && author != auth.account.id
        {
            ids.push(author);
        }
        ids.dedup();
        accounts = app
            .store
            .get_accounts(&ids)
            .await?
            .iter()
            .map(|a| json!(entities::account(&app, a)))
            .collect();
        out.push(json!({"id": id.to_string(), "unread": unread, "accounts": accounts, "last_status": status}));
    }
    let link = link_header(
        &app,
        "/api/v1/conversations",
        &[],
        rows.first().map(|r| r.2),
        rows.last().map(|r| r.2),
    );
    Ok(with_link(Json(out), link))
}

/// `POST /api/v1/conversations/:id/read`
pub async fn conversation_read(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteConversations>,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    let id = parse_id(&id)?;
    if !app.store.set_conversation_read(auth.account.id, id).await? {
        return Err(Error::not_found());
    }
    let rows = app
        .store
        .conversations(
            auth.account.id,
            &crate::model::Page {
                limit: 1000,
                ..Default::default()
            },
        )
        .await?;
    let (_, _, last, unread) = rows
        .into_iter()
        .find(|r| r.0 == id)
        .ok_or_else(Error::not_found)?;
    let status = app
        .store
        .get_status(last)
        .await?
        .ok_or_else(Error::not_found)?;
    let rendered = entities::status(&app, Some(&auth.account), &status).await?;
    Ok(Json(
        json!({"id": id.to_string(), "unread": unread, "accounts": [], "last_status": rendered}),
    ))
}

/// `DELETE /api/v1/conversations/:id`
pub async fn conversation_remove(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteConversations>,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    if !app
        .store
        .delete_conversation(auth.account.id, parse_id(&id)?)
        .await?
    {
        return Err(Error::not_found());
    }
    Ok(Json(json!({})))
}

/// `GET /api/v1/bookmarks` and `/api/v1/favourites`: paged by the bookmark or
/// favourite row, newest first.
async fn flagged(
    app: &AppState,
    me: &crate::model::Account,
    table: &str,
    p: &PageParams,
) -> Result<Response> {
    let page = p.page(20, 40);
    let mut pairs = match table {
        "bookmarks" => app.store.bookmarks_page(me.id, &page).await?,
        _ => app.store.favourites_page(me.id, &page).await?,
    };
    pairs.sort_by_key(|x| std::cmp::Reverse(x.0));
    let ids: Vec<i64> = pairs.iter().map(|p| p.1).collect();
    let rows = crate::db::statuses::in_order(&ids, app.store.get_statuses(&ids).await?);
    let rows = crate::service::timelines::filter_visible(app, Some(me), rows).await?;
    let link = link_header(
        app,
        &format!("/api/v1/{table}"),
        &[],
        pairs.first().map(|p| p.0),
        pairs.last().map(|p| p.0),
    );
    let mut response = status_page(app, Some(me), "", &[], rows).await?;
    response.headers_mut().remove("link");
    if let Some(l) = link {
        response.headers_mut().insert("link", l);
    }
    Ok(response)
}

pub async fn bookmarks(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadBookmarks>,
    Query(p): Query<PageParams>,
) -> Result<Response> {
    flagged(&app, &auth.account, "bookmarks", &p).await
}

pub async fn favourites(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadFavourites>,
    Query(p): Query<PageParams>,
) -> Result<Response> {
    flagged(&app, &auth.account, "favourites", &p).await
}
