//! What one account does to another, under `/api/v1/accounts`: follow,
//! unfollow, remove from followers, block, mute, a private note, endorse
//! (pin); and the relationships between the caller and others.
//! <https://docs.joinmastodon.org/methods/accounts/>

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::http::extract::{
    Auth, Params, ReadFollows, WriteAccounts, WriteBlocks, WriteFollows, WriteMutes, de, id_list,
};
use crate::http::mastodon::entities::{
    self, AccountEntity, FamiliarFollowersEntity, RelationshipEntity,
};
use crate::http::mastodon::statuses::parse_id;
use crate::model::Account;
use crate::service::accounts;
use crate::service::endorsements;
use crate::service::relationships::{self, FollowOptions};

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/accounts/relationships", get(relationships_of))
        .route(
            "/api/v1/accounts/familiar_followers",
            get(familiar_followers),
        )
        .route("/api/v1/accounts/{id}/follow", post(follow))
        .route("/api/v1/accounts/{id}/unfollow", post(unfollow))
        .route(
            "/api/v1/accounts/{id}/remove_from_followers",
            post(remove_from_followers),
        )
        .route("/api/v1/accounts/{id}/block", post(block))
        .route("/api/v1/accounts/{id}/unblock", post(unblock))
        .route("/api/v1/accounts/{id}/mute", post(mute))
        .route("/api/v1/accounts/{id}/unmute", post(unmute))
        .route("/api/v1/accounts/{id}/note", post(note))
        // `pin`/`unpin` are the names before Mastodon 4.4.
        .route("/api/v1/accounts/{id}/pin", post(endorse))
        .route("/api/v1/accounts/{id}/unpin", post(unendorse))
        .route("/api/v1/accounts/{id}/endorse", post(endorse))
        .route("/api/v1/accounts/{id}/unendorse", post(unendorse))
}

/// The account an action names: it must exist, and be approved if local.
pub(crate) async fn target(app: &AppState, id: &str) -> Result<Account> {
    accounts::visible(app, parse_id(id)?).await
}

/// The Relationship entity between the caller and `target`.
pub(crate) async fn relationship(
    app: &AppState,
    me: &Account,
    target: i64,
) -> Result<RelationshipEntity> {
    let r = relationships::relationship(app, me, target).await?;
    Ok(entities::relationship(&r))
}

#[derive(Deserialize)]
struct FollowParams {
    #[serde(default, deserialize_with = "de::opt_bool")]
    reblogs: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    notify: Option<bool>,
}

/// `POST /api/v1/accounts/:id/follow`
async fn follow(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteFollows>,
    Path(id): Path<String>,
    Params(p): Params<FollowParams>,
) -> Result<Json<RelationshipEntity>> {
    let t = target(&app, &id).await?;
    relationships::follow(
        &app,
        &auth.account,
        &t,
        FollowOptions {
            reblogs: p.reblogs,
            notify: p.notify,
        },
    )
    .await?;
    Ok(Json(relationship(&app, &auth.account, t.id).await?))
}

macro_rules! account_action {
    ($name:ident, $scope:ty, $call:path) => {
        async fn $name(
            State(app): State<Arc<AppState>>,
            auth: Auth<$scope>,
            Path(id): Path<String>,
        ) -> Result<Json<RelationshipEntity>> {
            let t = target(&app, &id).await?;
            $call(&app, &auth.account, &t).await?;
            Ok(Json(relationship(&app, &auth.account, t.id).await?))
        }
    };
}

account_action!(unfollow, WriteFollows, relationships::unfollow);
account_action!(
    remove_from_followers,
    WriteFollows,
    relationships::remove_from_followers
);
account_action!(block, WriteBlocks, relationships::block);
account_action!(unblock, WriteBlocks, relationships::unblock);
account_action!(unmute, WriteMutes, relationships::unmute);

#[derive(Deserialize)]
struct MuteParams {
    #[serde(default, deserialize_with = "de::opt_bool")]
    notifications: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_string")]
    duration: Option<String>,
}

/// `POST /api/v1/accounts/:id/mute`
async fn mute(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteMutes>,
    Path(id): Path<String>,
    Params(p): Params<MuteParams>,
) -> Result<Json<RelationshipEntity>> {
    let t = target(&app, &id).await?;
    let duration = match p.duration.as_deref().filter(|d| !d.is_empty()) {
        Some(d) => Some(
            d.parse::<i64>()
                .map_err(|_| Error::unprocessable("Validation failed: Duration is not a number"))?,
        ),
        None => None,
    };
    relationships::mute(
        &app,
        &auth.account,
        &t,
        p.notifications.unwrap_or(true),
        duration,
    )
    .await?;
    Ok(Json(relationship(&app, &auth.account, t.id).await?))
}

/// `GET /api/v1/accounts/relationships?id[]=…`
async fn relationships_of(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadFollows>,
    RawQuery(raw): RawQuery,
    body: axum::body::Bytes,
) -> Result<Json<Vec<RelationshipEntity>>> {
    let mut ids = id_list(raw.as_deref(), &body);
    ids.truncate(100);
    let found = relationships::relationships(&app, &auth.account, &ids).await?;
    Ok(Json(found.iter().map(entities::relationship).collect()))
}

/// `GET /api/v1/accounts/familiar_followers?id[]=…`
async fn familiar_followers(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadFollows>,
    RawQuery(raw): RawQuery,
    body: axum::body::Bytes,
) -> Result<Json<Vec<FamiliarFollowersEntity>>> {
    let mut out = Vec::new();
    let mut ids = id_list(raw.as_deref(), &body);
    ids.truncate(100);
    for id in ids {
        let found = relationships::familiar_followers(&app, &auth.account, id).await?;
        let accounts: Vec<AccountEntity> =
            found.iter().map(|a| entities::account(&app, a)).collect();
        out.push(FamiliarFollowersEntity {
            id: id.to_string(),
            accounts,
        });
    }
    Ok(Json(out))
}

#[derive(Deserialize)]
struct NoteParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    comment: Option<String>,
}

/// `POST /api/v1/accounts/:id/note`
async fn note(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteAccounts>,
    Path(id): Path<String>,
    Params(p): Params<NoteParams>,
) -> Result<Json<RelationshipEntity>> {
    let t = accounts::get(&app, parse_id(&id)?).await?;
    let comment = p.comment.as_deref().unwrap_or("");
    endorsements::set_note(&app, &auth.account, &t, comment).await?;
    Ok(Json(relationship(&app, &auth.account, t.id).await?))
}

/// `POST /api/v1/accounts/:id/pin` (endorse)
async fn endorse(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteAccounts>,
    Path(id): Path<String>,
) -> Result<Json<RelationshipEntity>> {
    let t = accounts::get(&app, parse_id(&id)?).await?;
    endorsements::endorse(&app, &auth.account, &t, true).await?;
    Ok(Json(relationship(&app, &auth.account, t.id).await?))
}

/// `POST /api/v1/accounts/:id/unpin`
async fn unendorse(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteAccounts>,
    Path(id): Path<String>,
) -> Result<Json<RelationshipEntity>> {
    let t = accounts::get(&app, parse_id(&id)?).await?;
    endorsements::endorse(&app, &auth.account, &t, false).await?;
    Ok(Json(relationship(&app, &auth.account, t.id).await?))
}
