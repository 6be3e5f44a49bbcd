//! Trends: `/api/v1/trends/{tags,statuses,links}` for everyone, and the
//! staff's review of them under `/api/v1/admin/trends` (`service::trends`
//! has the rules). <https://docs.joinmastodon.org/methods/trends/>,
//! <https://docs.joinmastodon.org/methods/admin/trends/>

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::entities::{self, TagInfoEntity};
use super::paging::int_param;
use super::statuses::{parse_id, viewer};
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::http::extract::{AdminRead, AdminWrite, Auth, MaybeAuth, Read, ReadStatuses};
use crate::model::PreviewCard;
use crate::service::tags;
use crate::service::trends::TrendRow;
use crate::service::trends::{self, Kind};

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/trends", get(trending_tags))
        .route("/api/v1/trends/tags", get(trending_tags))
        .route("/api/v1/trends/statuses", get(trending_statuses))
        .route("/api/v1/trends/links", get(trending_links))
        .route("/api/v1/timelines/link", get(link_timeline))
        .route("/api/v1/admin/trends/{kind}", get(admin_index))
        .route("/api/v1/admin/trends/{kind}/{id}/approve", post(approve))
        .route("/api/v1/admin/trends/{kind}/{id}/reject", post(reject))
}

#[derive(Deserialize)]
struct PageQuery {
    limit: Option<String>,
    offset: Option<String>,
}

async fn tag_entities(app: &AppState, names: &[String]) -> Result<Vec<TagInfoEntity>> {
    Ok(tags::infos(app, names)
        .await?
        .iter()
        .map(|t| entities::tag(app, t, None))
        .collect())
}

/// `GET /api/v1/trends/tags` (and the older `/api/v1/trends`): public.
async fn trending_tags(
    State(app): State<Arc<AppState>>,
    _auth: MaybeAuth<Read>,
    Query(q): Query<PageQuery>,
) -> Result<Json<Vec<TagInfoEntity>>> {
    let names = trends::tags(
        &app,
        int_param(q.limit.as_deref(), 10, 1, 20),
        int_param(q.offset.as_deref(), 0, 0, 1000),
    )
    .await?;
    Ok(Json(tag_entities(&app, &names).await?))
}

/// `GET /api/v1/trends/statuses`: public.
async fn trending_statuses(
    State(app): State<Arc<AppState>>,
    auth: MaybeAuth<ReadStatuses>,
    Query(q): Query<PageQuery>,
) -> Result<Json<Vec<Value>>> {
    let me = viewer(&auth);
    let list = trends::statuses(
        &app,
        me.as_ref(),
        int_param(q.limit.as_deref(), 20, 1, 40),
        int_param(q.offset.as_deref(), 0, 0, 1000),
    )
    .await?;
    Ok(Json(entities::statuses(&app, me.as_ref(), &list).await?))
}

/// A trending link as Mastodon's TrendsLink: its preview card (or, while
/// the page has none, one made of the URL and its host) with history.
fn link_entity(app: &AppState, r: &TrendRow, card: Option<&PreviewCard>) -> Value {
    let today = chrono::Utc::now().date_naive();
    let midnight = today
        .and_hms_opt(0, 0, 0)
        .map_or(0, |t| t.and_utc().timestamp());
    let mut v = match card {
        Some(c) => serde_json::to_value(entities::preview_card(app, c)).unwrap_or_default(),
        None => {
            let host = url::Url::parse(&r.key)
                .ok()
                .and_then(|u| u.host_str().map(str::to_string))
                .unwrap_or_default();
            json!({
                "url": r.key,
                "title": r.key,
                "description": "",
                "type": "link",
                "author_name": "",
                "author_url": "",
                "provider_name": host,
                "provider_url": "",
                "html": "",
                "width": 0,
                "height": 0,
                "image": null,
                "image_description": "",
                "embed_url": "",
                "blurhash": null,
                "published_at": null,
                "authors": [],
            })
        }
    };
    v["history"] = json!([{"day": midnight.to_string(), "uses": r.uses.to_string(), "accounts": r.accounts.to_string()}]);
    v
}

/// The TrendsLink of each row, with the cards fetched for them.
async fn link_entities(app: &AppState, rows: &[TrendRow]) -> Result<Vec<Value>> {
    let urls: Vec<String> = rows.iter().map(|r| r.key.clone()).collect();
    let cards: HashMap<String, PreviewCard> = crate::service::cards::by_urls(app, &urls)
        .await?
        .into_iter()
        .map(|c| (c.url.clone(), c))
        .collect();
    Ok(rows
        .iter()
        .map(|r| link_entity(app, r, cards.get(&r.key)))
        .collect())
}

/// `GET /api/v1/trends/links`: public.
async fn trending_links(
    State(app): State<Arc<AppState>>,
    _auth: MaybeAuth<Read>,
    Query(q): Query<PageQuery>,
) -> Result<Json<Vec<Value>>> {
    let rows = trends::links(
        &app,
        int_param(q.limit.as_deref(), 10, 1, 20),
        int_param(q.offset.as_deref(), 0, 0, 1000),
    )
    .await?;
    Ok(Json(link_entities(&app, &rows).await?))
}

fn kind_of(raw: &str) -> Result<Kind> {
    Kind::from_plural(raw).ok_or_else(Error::not_found)
}

/// `GET /api/v1/admin/trends/{tags,statuses,links}`: everything that
/// trends, with `requires_review` and `trendable` (approved) per item.
async fn admin_index(
    State(app): State<Arc<AppState>>,
    auth: Auth<AdminRead>,
    Path(kind): Path<String>,
) -> Result<Json<Vec<Value>>> {
    let kind = kind_of(&kind)?;
    let rows = trends::for_review(&app, &auth.user, kind, 100).await?;
    let mut out = Vec::with_capacity(rows.len());
    match kind {
        Kind::Tag => {
            let names: Vec<String> = rows.iter().map(|r| r.key.clone()).collect();
            for (t, r) in tag_entities(&app, &names).await?.into_iter().zip(&rows) {
                let mut v = serde_json::to_value(t).map_err(Error::internal)?;
                v["requires_review"] = json!(r.state.is_none());
                v["trendable"] = json!(r.state.as_deref() == Some("approved"));
                v["usable"] = json!(true);
                out.push(v);
            }
        }
        Kind::Status => {
            let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
            let found = crate::service::rendering::statuses(&app, &ids).await?;
            for mut v in entities::statuses(&app, Some(&auth.account), &found).await? {
                let id = v["id"].as_str().unwrap_or("").to_string();
                let state = rows
                    .iter()
                    .find(|r| r.key == id)
                    .and_then(|r| r.state.clone());
                v["requires_review"] = json!(state.is_none());
                v["trendable"] = json!(state.as_deref() == Some("approved"));
                out.push(v);
            }
        }
        Kind::Link => {
            for (r, mut v) in rows.iter().zip(link_entities(&app, &rows).await?) {
                v["id"] = json!(r.id.to_string());
                v["requires_review"] = json!(r.state.is_none());
                v["trendable"] = json!(r.state.as_deref() == Some("approved"));
                out.push(v);
            }
        }
    }
    Ok(Json(out))
}

/// `POST /api/v1/admin/trends/:kind/:id/approve`
async fn approve(
    State(app): State<Arc<AppState>>,
    auth: Auth<AdminWrite>,
    Path((kind, id)): Path<(String, String)>,
) -> Result<Json<Value>> {
    trends::review(&app, &auth.user, kind_of(&kind)?, parse_id(&id)?, true).await?;
    Ok(Json(json!({})))
}

/// `POST /api/v1/admin/trends/:kind/:id/reject`
async fn reject(
    State(app): State<Arc<AppState>>,
    auth: Auth<AdminWrite>,
    Path((kind, id)): Path<(String, String)>,
) -> Result<Json<Value>> {
    trends::review(&app, &auth.user, kind_of(&kind)?, parse_id(&id)?, false).await?;
    Ok(Json(json!({})))
}

#[derive(Deserialize)]
struct LinkQuery {
    url: Option<String>,
}

/// `GET /api/v1/timelines/link?url=`: public posts sharing a trending link.
/// <https://docs.joinmastodon.org/methods/timelines/#link>
async fn link_timeline(
    State(app): State<Arc<AppState>>,
    auth: MaybeAuth<ReadStatuses>,
    Query(q): Query<LinkQuery>,
    Query(p): Query<super::paging::PageParams>,
) -> Result<axum::response::Response> {
    let url = q
        .url
        .filter(|u| !u.trim().is_empty())
        .ok_or_else(|| Error::unprocessable("Validation failed: url is missing"))?;
    let me = viewer(&auth);
    let list = trends::link_statuses(&app, me.as_ref(), url.trim(), &p.page(20, 40)).await?;
    super::timelines::status_page(
        &app,
        me.as_ref(),
        Some(crate::model::FilterContext::Public),
        "/api/v1/timelines/link",
        &[("url", url.trim().to_string())],
        list,
    )
    .await
}
