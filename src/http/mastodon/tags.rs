//! `/api/v1/tags` and `/api/v1/followed_tags`: hashtags and following them.
//! <https://docs.joinmastodon.org/methods/tags/>,
//! <https://docs.joinmastodon.org/methods/followed_tags/>

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};

use super::entities::{self, TagInfoEntity};
use super::paging::{PageParams, link_header, with_link};
use super::statuses::viewer;
use crate::app::AppState;
use crate::error::Result;
use crate::http::extract::{Auth, MaybeAuth, ReadFollows, WriteAccounts, WriteFollows};
use crate::service::tags;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/tags/{name}", get(show))
        .route("/api/v1/tags/{name}/follow", post(follow))
        .route("/api/v1/tags/{name}/unfollow", post(unfollow))
        .route("/api/v1/tags/{name}/feature", post(feature))
        .route("/api/v1/tags/{name}/unfeature", post(unfeature))
        .route("/api/v1/followed_tags", get(followed))
}

/// `GET /api/v1/tags/:name`
async fn show(
    State(app): State<Arc<AppState>>,
    auth: MaybeAuth<ReadFollows>,
    Path(name): Path<String>,
) -> Result<Json<TagInfoEntity>> {
    let info = tags::info(&app, &name).await?;
    let me = viewer(&auth);
    let following = match &me {
        Some(me) => Some(tags::follows(&app, me, &info.name).await?),
        None => None,
    };
    let mut entity = entities::tag(&app, &info, following);
    if let Some(me) = &me {
        entity.featuring = Some(tags::featuring(&app, me, &info.name).await?);
    }
    Ok(Json(entity))
}

/// `POST /api/v1/tags/:name/follow`
async fn follow(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteFollows>,
    Path(name): Path<String>,
) -> Result<Json<TagInfoEntity>> {
    let name = tags::follow_tag(&app, &auth.account, &name, true).await?;
    let info = tags::info(&app, &name).await?;
    Ok(Json(entities::tag(&app, &info, Some(true))))
}

/// `POST /api/v1/tags/:name/unfollow`
async fn unfollow(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteFollows>,
    Path(name): Path<String>,
) -> Result<Json<TagInfoEntity>> {
    let name = tags::follow_tag(&app, &auth.account, &name, false).await?;
    let info = tags::info(&app, &name).await?;
    Ok(Json(entities::tag(&app, &info, Some(false))))
}

/// `GET /api/v1/followed_tags`
async fn followed(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadFollows>,
    Query(q): Query<PageParams>,
) -> Result<Response> {
    let rows = tags::followed(&app, &auth.account, &q.page(100, 200)).await?;
    // Followed, by definition: no query per tag.
    let names: Vec<String> = rows.iter().map(|(_, name)| name.clone()).collect();
    let out: Vec<TagInfoEntity> = tags::infos(&app, &names)
        .await?
        .iter()
        .map(|t| entities::tag(&app, t, Some(true)))
        .collect();
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

/// `POST /api/v1/tags/:name/feature`: features it on your profile.
/// <https://docs.joinmastodon.org/methods/tags/#feature>
async fn feature(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteAccounts>,
    Path(name): Path<String>,
) -> Result<Json<TagInfoEntity>> {
    let info = tags::feature_by_name(&app, &auth.account, &name).await?;
    let following = tags::follows(&app, &auth.account, &info.name).await?;
    let mut entity = entities::tag(&app, &info, Some(following));
    entity.featuring = Some(true);
    Ok(Json(entity))
}

/// `POST /api/v1/tags/:name/unfeature`
/// <https://docs.joinmastodon.org/methods/tags/#unfeature>
async fn unfeature(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteAccounts>,
    Path(name): Path<String>,
) -> Result<Json<TagInfoEntity>> {
    let info = tags::unfeature_by_name(&app, &auth.account, &name).await?;
    let following = tags::follows(&app, &auth.account, &info.name).await?;
    let mut entity = entities::tag(&app, &info, Some(following));
    entity.featuring = Some(false);
    Ok(Json(entity))
}
