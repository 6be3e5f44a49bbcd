//! `GET /api/v2/search`: accounts, statuses and hashtags
//! (`service::search` has the rules).
//! <https://docs.joinmastodon.org/methods/search/#v2>

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::entities::{self, AccountEntity, TagInfoEntity};
use crate::app::AppState;
use crate::error::Result;
use crate::http::extract::{Auth, ReadSearch, parse_bool};
use crate::service::search;

pub fn router() -> Router<Arc<AppState>> {
    Router::new().route("/api/v2/search", get(v2))
}

#[derive(Deserialize)]
struct SearchQuery {
    q: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    resolve: Option<String>,
    limit: Option<String>,
    offset: Option<String>,
    account_id: Option<String>,
    max_id: Option<String>,
    min_id: Option<String>,
    following: Option<String>,
    exclude_unreviewed: Option<String>,
}

/// <https://docs.joinmastodon.org/entities/Search/>
#[derive(Serialize)]
struct SearchEntity {
    accounts: Vec<AccountEntity>,
    statuses: Vec<Value>,
    hashtags: Vec<TagInfoEntity>,
}

/// `GET /api/v2/search`
async fn v2(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadSearch>,
    Query(q): Query<SearchQuery>,
) -> Result<Json<SearchEntity>> {
    let query = search::Query {
        q: q.q.as_deref().unwrap_or(""),
        kind: q.kind.as_deref(),
        resolve: q.resolve.as_deref().and_then(parse_bool) == Some(true),
        limit: super::paging::int_param(q.limit.as_deref(), 20, 1, 40),
        offset: super::paging::int_param(q.offset.as_deref(), 0, 0, 10_000),
        account_id: q.account_id.as_deref().and_then(|v| v.trim().parse().ok()),
        max_id: q.max_id.as_deref().and_then(|v| v.trim().parse().ok()),
        min_id: q.min_id.as_deref().and_then(|v| v.trim().parse().ok()),
        following: q.following.as_deref().and_then(parse_bool) == Some(true),
        exclude_unreviewed: q.exclude_unreviewed.as_deref().and_then(parse_bool) == Some(true),
    };
    let found = search::search(&app, &auth.account, &query).await?;
    Ok(Json(SearchEntity {
        accounts: found
            .accounts
            .iter()
            .map(|a| entities::account(&app, a))
            .collect(),
        statuses: entities::statuses(&app, Some(&auth.account), &found.statuses).await?,
        hashtags: crate::service::tags::infos_for(&app, &auth.account, &found.hashtags)
            .await?
            .iter()
            .map(|(t, following)| entities::tag(&app, t, Some(*following)))
            .collect(),
    }))
}
