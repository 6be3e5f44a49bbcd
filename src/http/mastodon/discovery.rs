//! The profile directory, follow suggestions and featured-tag
//! suggestions (`service::discovery` has the rules).
//! <https://docs.joinmastodon.org/methods/directory/>,
//! <https://docs.joinmastodon.org/methods/suggestions/>

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::entities::{self, AccountEntity, Empty, TagInfoEntity};
use super::paging::int_param;
use super::statuses::{parse_id, viewer};
use crate::app::AppState;
use crate::error::Result;
use crate::http::extract::{Auth, MaybeAuth, Read, ReadAccounts, ReadStatuses, parse_bool};
use crate::service::discovery::Source;
use crate::service::{discovery, tags};

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/directory", get(directory))
        .route("/api/v1/suggestions", get(suggestions_v1))
        .route("/api/v1/suggestions/{account_id}", delete(dismiss))
        .route("/api/v2/suggestions", get(suggestions_v2))
        .route(
            "/api/v1/featured_tags/suggestions",
            get(featured_tag_suggestions),
        )
        .route("/api/v1/roost/timelines/recommended", get(recommended))
}

#[derive(Deserialize)]
struct DirectoryQuery {
    limit: Option<String>,
    offset: Option<String>,
    order: Option<String>,
    local: Option<String>,
}

/// `GET /api/v1/directory`: discoverable accounts, public as Mastodon's.
/// <https://docs.joinmastodon.org/methods/directory/#get>
async fn directory(
    State(app): State<Arc<AppState>>,
    auth: MaybeAuth<Read>,
    Query(q): Query<DirectoryQuery>,
) -> Result<Json<Vec<AccountEntity>>> {
    let me = viewer(&auth);
    let found = discovery::directory(
        &app,
        me.as_ref(),
        q.local.as_deref().and_then(parse_bool).unwrap_or(false),
        q.order.as_deref(),
        int_param(q.limit.as_deref(), 40, 1, 80),
        int_param(q.offset.as_deref(), 0, 0, 100_000),
    )
    .await?;
    Ok(Json(
        found.iter().map(|a| entities::account(&app, a)).collect(),
    ))
}

#[derive(Deserialize)]
struct LimitQuery {
    limit: Option<String>,
}

/// <https://docs.joinmastodon.org/entities/Suggestion/>
#[derive(Serialize)]
struct SuggestionEntity {
    /// The older single reason: `staff`, `past_interactions` or `global`.
    source: &'static str,
    sources: Vec<&'static str>,
    account: AccountEntity,
}

fn legacy_source(s: Source) -> &'static str {
    match s {
        Source::Featured => "staff",
        Source::FriendsOfFriends | Source::SimilarToRecentlyFollowed => "past_interactions",
        Source::MostInteractions | Source::MostFollowed => "global",
    }
}

/// `GET /api/v2/suggestions`: accounts to follow, with why.
/// <https://docs.joinmastodon.org/methods/suggestions/#v2>
async fn suggestions_v2(
    State(app): State<Arc<AppState>>,
    auth: Auth<Read>,
    Query(q): Query<LimitQuery>,
) -> Result<Json<Vec<SuggestionEntity>>> {
    let limit = int_param(q.limit.as_deref(), 40, 1, 80);
    let found = discovery::suggestions(&app, &auth.account, limit).await?;
    Ok(Json(
        found
            .iter()
            .map(|s| SuggestionEntity {
                source: s.sources.first().map_or("global", |f| legacy_source(*f)),
                sources: s.sources.iter().map(|s| s.name()).collect(),
                account: entities::account(&app, &s.account),
            })
            .collect(),
    ))
}

/// `GET /api/v1/suggestions`: the same accounts, without the reasons.
/// <https://docs.joinmastodon.org/methods/suggestions/#v1>
async fn suggestions_v1(
    State(app): State<Arc<AppState>>,
    auth: Auth<Read>,
    Query(q): Query<LimitQuery>,
) -> Result<Json<Vec<AccountEntity>>> {
    let limit = int_param(q.limit.as_deref(), 40, 1, 80);
    let found = discovery::suggestions(&app, &auth.account, limit).await?;
    Ok(Json(
        found
            .iter()
            .map(|s| entities::account(&app, &s.account))
            .collect(),
    ))
}

/// `DELETE /api/v1/suggestions/:account_id`: never suggest this account
/// again. <https://docs.joinmastodon.org/methods/suggestions/#remove>
async fn dismiss(
    State(app): State<Arc<AppState>>,
    auth: Auth<Read>,
    Path(account_id): Path<String>,
) -> Result<Json<Empty>> {
    discovery::dismiss(&app, &auth.account, parse_id(&account_id)?).await?;
    Ok(Json(Empty {}))
}

/// `GET /api/v1/featured_tags/suggestions`: the hashtags you used most
/// lately and do not feature yet.
/// <https://docs.joinmastodon.org/methods/featured_tags/#suggestions>
async fn featured_tag_suggestions(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadAccounts>,
) -> Result<Json<Vec<TagInfoEntity>>> {
    let names = discovery::featured_tag_suggestions(&app, &auth.account).await?;
    Ok(Json(
        tags::infos_for(&app, &auth.account, &names)
            .await?
            .iter()
            .map(|(t, following)| entities::tag(&app, t, Some(*following)))
            .collect(),
    ))
}

#[derive(Deserialize)]
struct RecommendedQuery {
    limit: Option<String>,
    offset: Option<String>,
}

/// `GET /api/v1/roost/timelines/recommended` (roost's own): posts the
/// accounts you follow favourited or boosted, by accounts you do not
/// follow yet, ranked with a decay by age; each Status carries
/// `roost.reason`, one line saying why it is there. Paged by `offset`.
async fn recommended(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadStatuses>,
    Query(q): Query<RecommendedQuery>,
) -> Result<Json<Vec<serde_json::Value>>> {
    let found = discovery::recommended(
        &app,
        &auth.account,
        int_param(q.limit.as_deref(), 20, 1, 40),
        int_param(q.offset.as_deref(), 0, 0, 200),
    )
    .await?;
    let statuses: Vec<crate::model::Status> = found.iter().map(|r| r.status.clone()).collect();
    let mut rendered = entities::statuses(&app, Some(&auth.account), &statuses).await?;
    for value in &mut rendered {
        let id = value["id"].as_str().unwrap_or("").to_string();
        if let Some(r) = found.iter().find(|r| r.status.id.to_string() == id) {
            value["roost"] = serde_json::json!({"reason": r.reason});
        }
    }
    Ok(Json(rendered))
}
