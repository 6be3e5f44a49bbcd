//! roost's insights for users (issue 17): `GET /api/v1/roost/insights` and
//! `GET /api/v1/roost/statuses/:id/insights`, aggregates of the caller's
//! own account and posts (`service::analytics` records and reads them).

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::statuses::parse_id;
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::http::extract::{Auth, ReadAccounts, ReadStatuses};
use crate::service::analytics::{self, PostFigures};

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/roost/insights", get(insights))
        .route("/api/v1/roost/statuses/{id}/insights", get(status_insights))
}

#[derive(Debug, Deserialize)]
struct InsightsQuery {
    days: Option<String>,
}

fn post_json(p: &PostFigures) -> Value {
    json!({
        "id": p.id.to_string(),
        "reach": p.reach,
        "remote_reach": p.remote_reach,
        "favourites": p.favourites,
        "reblogs": p.reblogs,
        "replies": p.replies,
    })
}

/// `GET /api/v1/roost/insights?days=N`: the caller's followers gained and
/// lost, profile views, posts with their reach and engagement, and top
/// posts, over the last N days (default 30, at most 90).
async fn insights(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadAccounts>,
    Query(q): Query<InsightsQuery>,
) -> Result<Json<Value>> {
    let days = match q.days.as_deref().map(str::trim) {
        None | Some("") => 30,
        Some(raw) => raw.parse().map_err(|_| {
            Error::unprocessable(format!(
                "Validation failed: days must be a whole number from 1 to {}",
                analytics::MAX_DAYS
            ))
        })?,
    };
    let i = analytics::insights(&app, &auth.account, days).await?;
    Ok(Json(json!({
        "enabled": i.enabled,
        "days": days,
        "followers": {
            "gained": i.followers_gained,
            "lost": i.followers_lost,
            "by_day": i.followers_by_day.iter().map(|d| json!({
                "date": d.date.to_string(),
                "gained": d.gained,
                "lost": d.lost,
                "total": d.total,
            })).collect::<Vec<_>>(),
        },
        "profile_views": {
            "total": i.profile_views,
            "by_day": i.views_by_day.iter().map(|(date, views)| json!({
                "date": date.to_string(),
                "views": views,
            })).collect::<Vec<_>>(),
        },
        "posts": {
            "count": i.posts,
            "reach": i.reach,
            "engagement": i.engagement,
        },
        "top_statuses": i.top.iter().map(post_json).collect::<Vec<_>>(),
    })))
}

/// `GET /api/v1/roost/statuses/:id/insights`: one post's reach and
/// engagement, for its author; 404 for anyone else.
async fn status_insights(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadStatuses>,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    let p = analytics::status_insights(&app, &auth.account, parse_id(&id)?).await?;
    Ok(Json(post_json(&p)))
}
