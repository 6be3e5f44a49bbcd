//! Quote posts (Mastodon 4.5): a post's quotes, revoking one, and who may
//! quote a post. Quoting itself is `quoted_status_id` on
//! `POST /api/v1/statuses`.
//! <https://docs.joinmastodon.org/methods/statuses/#quotes>

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::Value;

use super::entities;
use super::paging::{PageParams, link_header};
use super::statuses::parse_id;
use super::timelines::status_page;
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::http::extract::{Auth, Params, ReadStatuses, WriteStatuses, de};
use crate::service::quotes;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/statuses/{id}/quotes", get(list))
        .route(
            "/api/v1/statuses/{id}/quotes/{quoting_status_id}/revoke",
            post(revoke),
        )
        .route(
            "/api/v1/statuses/{id}/interaction_policy",
            put(interaction_policy),
        )
}

/// `GET /api/v1/statuses/:id/quotes`: accepted quotes, newest first; the
/// `Link` header pages by quote, not by status, as Mastodon's does.
/// <https://docs.joinmastodon.org/methods/statuses/#quotes>
async fn list(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadStatuses>,
    Path(id): Path<String>,
    Query(p): Query<PageParams>,
) -> Result<Response> {
    let (list, keys) = quotes::list(&app, &auth.account, parse_id(&id)?, &p.page(20, 40)).await?;
    let path = format!("/api/v1/statuses/{id}/quotes");
    let link = link_header(&app, &path, &[], keys.map(|k| k.0), keys.map(|k| k.1));
    let mut response = status_page(&app, Some(&auth.account), None, "", &[], list).await?;
    response.headers_mut().remove("link");
    if let Some(l) = link {
        response.headers_mut().insert("link", l);
    }
    Ok(response)
}

/// `POST /api/v1/statuses/:id/quotes/:quoting_status_id/revoke`: the
/// author of `:id` withdraws the approval of a quote; answers the quoting
/// post. <https://docs.joinmastodon.org/methods/statuses/#revoke_quote>
async fn revoke(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteStatuses>,
    Path((id, quoting)): Path<(String, String)>,
) -> Result<Json<Value>> {
    let status = quotes::revoke(&app, &auth.account, parse_id(&id)?, parse_id(&quoting)?).await?;
    Ok(Json(
        entities::status(&app, Some(&auth.account), &status).await?,
    ))
}

#[derive(Deserialize)]
struct PolicyParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    quote_approval_policy: Option<String>,
}

/// `PUT /api/v1/statuses/:id/interaction_policy`: who may quote one of
/// your posts from now on (quotes made already stay).
/// <https://docs.joinmastodon.org/methods/statuses/#edit_interaction_policy>
async fn interaction_policy(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteStatuses>,
    Path(id): Path<String>,
    Params(p): Params<PolicyParams>,
) -> Result<Json<Value>> {
    let setting = p.quote_approval_policy.ok_or_else(|| {
        Error::unprocessable("Validation failed: Quote approval policy can't be blank")
    })?;
    let status = quotes::set_policy(&app, &auth.account, parse_id(&id)?, &setting).await?;
    Ok(Json(
        entities::status(&app, Some(&auth.account), &status).await?,
    ))
}
