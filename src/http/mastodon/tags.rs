//! `/api/v1/tags` and `/api/v1/followed_tags`: hashtags and following them.
//! <https://docs.joinmastodon.org/methods/tags/>,
//! <https://docs.joinmastodon.org/methods/followed_tags/>

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};

use super::entities::TagInfoEntity;
use super::paging::{PageParams, link_header, with_link};
use super::statuses::viewer;
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::http::extract::{Auth, MaybeAuth, ReadFollows, WriteFollows};
use crate::service::tags;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/tags/{name}", get(show))
        .route("/api/v1/tags/{name}/follow", post(follow))
        .route("/api/v1/tags/{name}/unfollow", post(unfollow))
        .route("/api/v1/followed_tags", get(followed))
}

/// <https://docs.joinmastodon.org/entities/Tag/>; `following` only for a
/// signed-in viewer.
fn render(app: &AppState, name: &str, following: Option<bool>) -> TagInfoEntity {
    TagInfoEntity {
        name: name.to_string(),
        url: app.url(&format!("/tags/{name}")),
        history: [],
        following,
    }
}

/// `GET /api/v1/tags/:name`
async fn show(
    State(app): State<Arc<AppState>>,
    auth: MaybeAuth<ReadFollows>,
    Path(name): Path<String>,
) -> Result<Json<TagInfoEntity>> {
    let name = tags::normalize(&name).ok_or_else(Error::not_found)?;
    let following = match viewer(&auth) {
        Some(me) => Some(tags::follows(&app, &me, &name).await?),
        None => None,
    };
    Ok(Json(render(&app, &name, following)))
}

/// `POST /api/v1/tags/:name/follow`
async fn follow(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteFollows>,
    Path(name): Path<String>,
) -> Result<Json<TagInfoEntity>> {
    let name = tags::follow_tag(&app, &auth.account, &name, true).await?;
    Ok(Json(render(&app, &name, Some(true))))
}

/// `POST /api/v1/tags/:name/unfollow`
async fn unfollow(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteFollows>,
    Path(name): Path<String>,
) -> Result<Json<TagInfoEntity>> {
    let name = tags::follow_tag(&app, &auth.account, &name, false).await?;
    Ok(Json(render(&app, &name, Some(false))))
}

/// `GET /api/v1/followed_tags`
async fn followed(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadFollows>,
    Query(q): Query<PageParams>,
) -> Result<Response> {
    let rows = tags::followed(&app, &auth.account, &q.page(100, 200)).await?;
    // Followed, by definition: no query per tag.
    let out: Vec<TagInfoEntity> = rows
        .iter()
        .map(|(_, name)| render(&app, name, Some(true)))
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
