//! `/api/v1/emails/confirmations`: a new account asks for its confirmation
//! link again. <https://docs.joinmastodon.org/methods/emails/>

use std::sync::Arc;

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;

use super::entities::Empty;
use crate::app::AppState;
use crate::error::Result;
use crate::http::extract::{Params, UnconfirmedAuth, WriteAccounts, de};
use crate::service::confirmations;

pub fn router() -> Router<Arc<AppState>> {
    Router::new().route("/api/v1/emails/confirmations", post(resend))
}

#[derive(Deserialize)]
struct ResendParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    email: Option<String>,
}

/// `POST /api/v1/emails/confirmations`: 403 once the address is confirmed.
/// <https://docs.joinmastodon.org/methods/emails/#confirmation>
async fn resend(
    State(app): State<Arc<AppState>>,
    auth: UnconfirmedAuth<WriteAccounts>,
    Params(p): Params<ResendParams>,
) -> Result<Json<Empty>> {
    confirmations::resend(&app, &auth.account, &auth.user, p.email.as_deref()).await?;
    Ok(Json(Empty {}))
}
