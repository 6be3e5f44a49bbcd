//! `/api/v1/scheduled_statuses`: posts waiting for their time (scheduling
//! one is `POST /api/v1/statuses` with `scheduled_at`).
//! <https://docs.joinmastodon.org/methods/scheduled_statuses/>

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;

use super::entities::{self, Empty};
use super::paging::{PageParams, link_header, with_link};
use super::statuses::{parse_id, parse_time};
use crate::app::AppState;
use crate::error::Result;
use crate::http::extract::{Auth, Params, ReadStatuses, WriteStatuses, de};
use crate::service::scheduled;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/scheduled_statuses", get(index))
        .route(
            "/api/v1/scheduled_statuses/{id}",
            get(show).put(update).delete(cancel),
        )
}

/// `GET /api/v1/scheduled_statuses`
async fn index(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadStatuses>,
    Query(q): Query<PageParams>,
) -> Result<Response> {
    let rows = scheduled::list(&app, &auth.account, &q.page(20, 40)).await?;
    let link = link_header(
        &app,
        "/api/v1/scheduled_statuses",
        &[],
        rows.first().map(|r| r.id),
        rows.last().map(|r| r.id),
    );
    Ok(with_link(
        Json(
            rows.iter()
                .map(entities::scheduled_status)
                .collect::<Vec<_>>(),
        ),
        link,
    ))
}

/// `GET /api/v1/scheduled_statuses/:id`
async fn show(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadStatuses>,
    Path(id): Path<String>,
) -> Result<Json<entities::ScheduledStatusEntity>> {
    let row = scheduled::get(&app, &auth.account, parse_id(&id)?).await?;
    Ok(Json(entities::scheduled_status(&row)))
}

#[derive(Deserialize)]
struct RescheduleParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    scheduled_at: Option<String>,
}

/// `PUT /api/v1/scheduled_statuses/:id`
async fn update(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteStatuses>,
    Path(id): Path<String>,
    Params(p): Params<RescheduleParams>,
) -> Result<Json<entities::ScheduledStatusEntity>> {
    let at = parse_time(p.scheduled_at.as_deref().unwrap_or(""))?;
    let row = scheduled::reschedule(&app, &auth.account, parse_id(&id)?, at).await?;
    Ok(Json(entities::scheduled_status(&row)))
}

/// `DELETE /api/v1/scheduled_statuses/:id`
async fn cancel(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteStatuses>,
    Path(id): Path<String>,
) -> Result<Json<Empty>> {
    scheduled::cancel(&app, &auth.account, parse_id(&id)?).await?;
    Ok(Json(Empty {}))
}
