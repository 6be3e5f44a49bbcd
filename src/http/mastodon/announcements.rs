//! `/api/v1/announcements`: what admins announce, dismissed and reacted to
//! by each user. <https://docs.joinmastodon.org/methods/announcements/>

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::entities::{Empty, timestamp};
use super::statuses::parse_id;
use crate::app::AppState;
use crate::error::Result;
use crate::http::extract::{Auth, Read, WriteAccounts, WriteFavourites, parse_bool};
use crate::service::announcements::{self, Shown};

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/announcements", get(index))
        .route("/api/v1/announcements/{id}/dismiss", post(dismiss))
        .route(
            "/api/v1/announcements/{id}/reactions/{name}",
            put(react).delete(unreact),
        )
}

/// <https://docs.joinmastodon.org/entities/Announcement/#Reaction>
#[derive(Serialize)]
struct ReactionEntity {
    name: String,
    count: i64,
    me: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    static_url: Option<String>,
}

/// <https://docs.joinmastodon.org/entities/Announcement/>
#[derive(Serialize)]
struct AnnouncementEntity {
    id: String,
    content: String,
    starts_at: Option<String>,
    ends_at: Option<String>,
    published: bool,
    all_day: bool,
    published_at: String,
    updated_at: String,
    read: bool,
    mentions: [(); 0],
    statuses: [(); 0],
    tags: [(); 0],
    emojis: [(); 0],
    reactions: Vec<ReactionEntity>,
}

fn entity(s: Shown) -> AnnouncementEntity {
    let a = s.announcement;
    AnnouncementEntity {
        id: a.id.to_string(),
        content: a.content,
        starts_at: a.starts_at.map(timestamp),
        ends_at: a.ends_at.map(timestamp),
        published: true,
        all_day: a.all_day,
        published_at: timestamp(a.published_at),
        updated_at: timestamp(a.updated_at),
        read: s.read,
        mentions: [],
        statuses: [],
        tags: [],
        emojis: [],
        reactions: s
            .reactions
            .into_iter()
            .map(|r| ReactionEntity {
                name: r.name,
                count: r.count,
                me: r.me,
                static_url: r.url.clone(),
                url: r.url,
            })
            .collect(),
    }
}

#[derive(Deserialize)]
struct IndexQuery {
    with_dismissed: Option<String>,
}

/// `GET /api/v1/announcements`: those in force, newest first; dismissed
/// ones only with `with_dismissed=true`.
/// <https://docs.joinmastodon.org/methods/announcements/#get>
async fn index(
    State(app): State<Arc<AppState>>,
    auth: Auth<Read>,
    Query(q): Query<IndexQuery>,
) -> Result<Json<Vec<AnnouncementEntity>>> {
    let with_dismissed = q.with_dismissed.as_deref().and_then(parse_bool) == Some(true);
    let list = announcements::for_viewer(&app, &auth.account, with_dismissed).await?;
    Ok(Json(list.into_iter().map(entity).collect()))
}

/// `POST /api/v1/announcements/:id/dismiss`
/// <https://docs.joinmastodon.org/methods/announcements/#dismiss>
async fn dismiss(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteAccounts>,
    Path(id): Path<String>,
) -> Result<Json<Empty>> {
    announcements::dismiss(&app, &auth.account, parse_id(&id)?).await?;
    Ok(Json(Empty {}))
}

/// `PUT /api/v1/announcements/:id/reactions/:name`: a Unicode emoji or one
/// of this server's custom emoji.
/// <https://docs.joinmastodon.org/methods/announcements/#put-reactions>
async fn react(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteFavourites>,
    Path((id, name)): Path<(String, String)>,
) -> Result<Json<Empty>> {
    announcements::react(&app, &auth.account, parse_id(&id)?, &name).await?;
    Ok(Json(Empty {}))
}

/// `DELETE /api/v1/announcements/:id/reactions/:name`
/// <https://docs.joinmastodon.org/methods/announcements/#delete-reactions>
async fn unreact(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteFavourites>,
    Path((id, name)): Path<(String, String)>,
) -> Result<Json<Empty>> {
    announcements::unreact(&app, &auth.account, parse_id(&id)?, &name).await?;
    Ok(Json(Empty {}))
}

/// The JSON of an announcement in force as the streaming API sends it (no
/// viewer: unread, with its reactions' counts).
pub(crate) async fn payload(app: &AppState, id: i64) -> Result<Option<String>> {
    let Some(shown) = announcements::shown(app, id).await? else {
        return Ok(None);
    };
    serde_json::to_string(&entity(shown))
        .map(Some)
        .map_err(|e| crate::error::Error::internal(format!("announcement JSON: {e}")))
}
