//! `/api/v1/polls`: reading a poll and voting in it.
//! <https://docs.joinmastodon.org/methods/polls/>

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use super::entities;
use super::statuses::{parse_id, viewer};
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::http::extract::{Auth, MaybeAuth, Params, ReadStatuses, WriteStatuses, de};
use crate::service::polls;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/polls/{id}", get(show))
        .route("/api/v1/polls/{id}/votes", post(vote))
}

/// `GET /api/v1/polls/:id`
async fn show(
    State(app): State<Arc<AppState>>,
    auth: MaybeAuth<ReadStatuses>,
    Path(id): Path<String>,
) -> Result<Json<entities::PollEntity>> {
    let viewer = viewer(&auth);
    let (poll, author) = polls::get(&app, viewer.as_ref(), parse_id(&id)?).await?;
    Ok(Json(
        entities::poll(&app, viewer.as_ref(), &poll, author).await?,
    ))
}

#[derive(Deserialize)]
struct VoteParams {
    #[serde(default, deserialize_with = "de::string_or_list")]
    choices: Vec<String>,
}

/// `POST /api/v1/polls/:id/votes`
async fn vote(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteStatuses>,
    Path(id): Path<String>,
    Params(p): Params<VoteParams>,
) -> Result<Json<entities::PollEntity>> {
    let choices: Vec<i64> = p
        .choices
        .iter()
        .map(|c| {
            c.parse().map_err(|_| {
                Error::unprocessable("Validation failed: That choice is not in the poll")
            })
        })
        .collect::<Result<_>>()?;
    let poll = polls::vote(&app, &auth.account, parse_id(&id)?, &choices).await?;
    let (poll, author) = polls::get(&app, Some(&auth.account), poll.id).await?;
    Ok(Json(
        entities::poll(&app, Some(&auth.account), &poll, author).await?,
    ))
}
