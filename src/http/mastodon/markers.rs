//! `/api/v1/markers`: reading positions shared between a person's clients.
//! <https://docs.joinmastodon.org/methods/markers/>

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::Value;

use super::entities::{self, MarkerEntity};
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::http::extract::{Auth, Params, QueryParams, ReadStatuses, WriteStatuses};
use crate::model::Marker;
use crate::service::markers;

pub fn router() -> Router<Arc<AppState>> {
    Router::new().route("/api/v1/markers", get(show).post(save))
}

fn render(list: Vec<Marker>) -> BTreeMap<String, MarkerEntity> {
    list.into_iter()
        .map(|m| {
            let entity = MarkerEntity {
                last_read_id: m.last_read_id.to_string(),
                version: m.version,
                updated_at: entities::timestamp(m.updated_at),
            };
            (m.timeline, entity)
        })
        .collect()
}

/// `GET /api/v1/markers?timeline[]=home&timeline[]=notifications`
async fn show(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadStatuses>,
    params: QueryParams,
) -> Result<Json<BTreeMap<String, MarkerEntity>>> {
    let list = markers::get(&app, &auth.account, &params.strings("timeline")).await?;
    Ok(Json(render(list)))
}

#[derive(Deserialize, Default)]
struct MarkerParam {
    last_read_id: Option<Value>,
}

#[derive(Deserialize)]
struct MarkerParams {
    home: Option<MarkerParam>,
    notifications: Option<MarkerParam>,
}

/// `POST /api/v1/markers`
async fn save(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteStatuses>,
    Params(p): Params<MarkerParams>,
) -> Result<Json<BTreeMap<String, MarkerEntity>>> {
    let mut moves = Vec::new();
    for (name, marker) in [("home", p.home), ("notifications", p.notifications)] {
        if let Some(m) = marker {
            let id = match &m.last_read_id {
                Some(Value::String(s)) => s.parse::<i64>().ok(),
                Some(Value::Number(n)) => n.as_i64(),
                _ => None,
            }
            .ok_or_else(|| Error::unprocessable("Validation failed: Last read id is invalid"))?;
            moves.push((name, id));
        }
    }
    let list = markers::save(&app, &auth.account, &moves).await?;
    Ok(Json(render(list)))
}
