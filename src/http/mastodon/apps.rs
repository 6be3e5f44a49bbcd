//! <https://docs.joinmastodon.org/methods/apps/>

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde::Deserialize;

use crate::app::AppState;
use crate::error::Result;
use crate::http::extract::{AnyScope, AppAuth, ClientIp, Params, de};
use crate::service::oauth;

use super::entities;

#[derive(Deserialize)]
pub struct CreateApp {
    #[serde(default, deserialize_with = "de::opt_string")]
    client_name: Option<String>,
    #[serde(default, deserialize_with = "de::string_or_list")]
    redirect_uris: Vec<String>,
    #[serde(default, deserialize_with = "de::string_or_list")]
    scopes: Vec<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    website: Option<String>,
}

/// `POST /api/v1/apps`: register a client application.
pub async fn create(
    State(app): State<Arc<AppState>>,
    ClientIp(ip): ClientIp,
    Params(p): Params<CreateApp>,
) -> Result<Json<entities::ApplicationEntity>> {
    let scopes = (!p.scopes.is_empty()).then(|| p.scopes.join(" "));
    let (record, secret) = oauth::create_app(
        &app,
        ip,
        p.client_name.as_deref().unwrap_or(""),
        &p.redirect_uris,
        scopes.as_deref(),
        p.website.as_deref(),
    )
    .await?;
    Ok(Json(entities::application(&app, &record, Some(&secret))))
}

/// `GET /api/v1/apps/verify_credentials`: the app behind the token.
pub async fn verify_credentials(
    State(app): State<Arc<AppState>>,
    auth: AppAuth<AnyScope>,
) -> Result<Json<entities::ApplicationEntity>> {
    let record = crate::service::oauth::get_app(&app, auth.caller.token.app_id).await?;
    Ok(Json(entities::application(&app, &record, None)))
}
