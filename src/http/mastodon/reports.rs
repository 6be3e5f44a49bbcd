//! <https://docs.joinmastodon.org/methods/reports/>

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde::Deserialize;

use super::entities;
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::http::extract::{Auth, Params, WriteReports, de};
use crate::service::reports::{self, ReportDraft};

#[derive(Deserialize)]
pub struct ReportForm {
    #[serde(default, deserialize_with = "de::opt_string")]
    account_id: Option<String>,
    #[serde(default, deserialize_with = "de::string_or_list")]
    status_ids: Vec<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    comment: Option<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    forward: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_string")]
    category: Option<String>,
    #[serde(default, deserialize_with = "de::string_or_list")]
    rule_ids: Vec<String>,
}

/// `POST /api/v1/reports`: report an account to the moderators (and, with
/// `forward`, to its own server).
pub async fn create(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteReports>,
    Params(form): Params<ReportForm>,
) -> Result<Json<entities::ReportEntity>> {
    let target_id = form
        .account_id
        .as_deref()
        .and_then(|id| id.parse().ok())
        .ok_or_else(|| Error::unprocessable("Validation failed: Target account must exist"))?;
    let status_ids = form
        .status_ids
        .iter()
        .map(|s| s.parse().map_err(|_| Error::not_found()))
        .collect::<Result<Vec<i64>>>()?;
    let rule_ids = form
        .rule_ids
        .iter()
        .map(|s| {
            s.parse()
                .map_err(|_| Error::unprocessable("Validation failed: Rule ids are invalid"))
        })
        .collect::<Result<Vec<i64>>>()?;
    let filed = reports::create(
        &app,
        &auth.account,
        ReportDraft {
            target_id,
            status_ids,
            comment: form.comment.unwrap_or_default(),
            category: form.category.unwrap_or_else(|| "other".into()),
            forward: form.forward.unwrap_or(false),
            rule_ids,
        },
    )
    .await?;
    Ok(Json(entities::report(&app, &filed)))
}
