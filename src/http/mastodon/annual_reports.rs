//! `/api/v1/annual_reports`: Mastodon's yearly "Wrapstodon". roost makes no
//! annual reports, so the list is empty, a year's report is not found, and
//! every year is "ineligible", which is what Mastodon answers to an account
//! that has none; clients then hide the feature.
//! <https://docs.joinmastodon.org/methods/annual_reports/>

use std::sync::Arc;

use axum::extract::Path;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::http::extract::{Auth, ReadAccounts, WriteAccounts};

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/annual_reports", get(index))
        .route("/api/v1/annual_reports/{year}", get(show))
        .route("/api/v1/annual_reports/{year}/state", get(state))
        .route("/api/v1/annual_reports/{year}/generate", post(generate))
        .route("/api/v1/annual_reports/{year}/read", post(read))
}

/// A four-digit year; anything else names no report.
fn year(raw: &str) -> Result<u16> {
    raw.parse::<u16>()
        .ok()
        .filter(|y| (1000..=9999).contains(y))
        .ok_or_else(Error::not_found)
}

/// `GET /api/v1/annual_reports`
async fn index(_auth: Auth<ReadAccounts>) -> Json<Value> {
    Json(json!({"annual_reports": [], "accounts": [], "statuses": []}))
}

/// `GET /api/v1/annual_reports/:year`
async fn show(_auth: Auth<ReadAccounts>, Path(y): Path<String>) -> Result<Json<Value>> {
    year(&y)?;
    Err(Error::not_found())
}

/// `GET /api/v1/annual_reports/:year/state`
async fn state(_auth: Auth<ReadAccounts>, Path(y): Path<String>) -> Result<Json<Value>> {
    year(&y)?;
    Ok(Json(json!({"state": "ineligible"})))
}

/// `POST /api/v1/annual_reports/:year/generate`
async fn generate(_auth: Auth<WriteAccounts>, Path(y): Path<String>) -> Result<Json<Value>> {
    year(&y)?;
    Err(Error::unprocessable(
        "This server does not make annual reports",
    ))
}

/// `POST /api/v1/annual_reports/:year/read`
async fn read(_auth: Auth<WriteAccounts>, Path(y): Path<String>) -> Result<Json<Value>> {
    year(&y)?;
    Err(Error::not_found())
}
