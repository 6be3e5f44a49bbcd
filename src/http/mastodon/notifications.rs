//! `/api/v1/notifications`: a viewer's notifications.
//! <https://docs.joinmastodon.org/methods/notifications/>

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};

use super::entities::{self, Empty};
use super::paging::{PageParams, link_header, with_link};
use super::statuses::parse_id;
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::http::extract::{Auth, QueryParams, ReadNotifications, WriteNotifications};
use crate::service::notifications::{self, TYPES};

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/notifications", get(list))
        .route("/api/v1/notifications/clear", post(clear))
        .route("/api/v1/notifications/unread_count", get(unread_count))
        .route("/api/v1/notifications/{id}", get(show))
        .route("/api/v1/notifications/{id}/dismiss", post(dismiss))
}

/// The filters both versions of the list read: `types[]` (as asked, and
/// the known ones among them), `exclude_types[]`, `account_id`.
pub(super) struct Filters {
    pub types: Vec<String>,
    pub exclude: Vec<String>,
    pub from: Option<i64>,
    pub types_filter: Option<Vec<String>>,
}

impl Filters {
    pub fn read(params: &QueryParams) -> Filters {
        let types = params.strings("types");
        let types_filter = (!types.is_empty()).then(|| {
            types
                .iter()
                .filter(|t| TYPES.contains(&t.as_str()))
                .cloned()
                .collect::<Vec<_>>()
        });
        Filters {
            exclude: params.strings("exclude_types"),
            from: params.str("account_id").and_then(|s| s.parse().ok()),
            types,
            types_filter,
        }
    }
}

/// `GET /api/v1/notifications` (`types[]`, `exclude_types[]`, `account_id`)
async fn list(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadNotifications>,
    params: QueryParams,
    Query(p): Query<PageParams>,
) -> Result<Response> {
    let Filters {
        types,
        exclude,
        from,
        types_filter,
    } = Filters::read(&params);
    let mut list = notifications::list(
        &app,
        &auth.account,
        types_filter.as_deref(),
        &exclude,
        from,
        &p.page(40, 80),
    )
    .await?;
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
async fn show(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadNotifications>,
    Path(id): Path<String>,
) -> Result<Json<entities::NotificationEntity>> {
    let n = notifications::get(&app, &auth.account, parse_id(&id)?).await?;
    let mut rendered = entities::notifications(&app, &auth.account, &[n]).await?;
    rendered.pop().map(Json).ok_or_else(Error::not_found)
}

/// `POST /api/v1/notifications/:id/dismiss`
async fn dismiss(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteNotifications>,
    Path(id): Path<String>,
) -> Result<Json<Empty>> {
    notifications::dismiss(&app, &auth.account, parse_id(&id)?).await?;
    Ok(Json(Empty {}))
}

/// `POST /api/v1/notifications/clear`
async fn clear(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteNotifications>,
) -> Result<Json<Empty>> {
    notifications::clear(&app, &auth.account).await?;
    Ok(Json(Empty {}))
}

/// `GET /api/v1/notifications/unread_count`: notifications after the marker.
async fn unread_count(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadNotifications>,
) -> Result<Json<entities::UnreadCount>> {
    let count = notifications::unread_count(&app, &auth.account, 1000).await?;
    Ok(Json(entities::UnreadCount { count }))
}
