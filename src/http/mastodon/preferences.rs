//! `GET /api/v1/preferences`: the posting and reading defaults a person
//! set, for clients to follow.
//! <https://docs.joinmastodon.org/methods/preferences/>

use std::sync::Arc;

use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

use crate::app::AppState;
use crate::http::extract::{Auth, ReadAccounts};

pub fn router() -> Router<Arc<AppState>> {
    Router::new().route("/api/v1/preferences", get(show))
}

/// <https://docs.joinmastodon.org/entities/Preferences/>
#[derive(Serialize)]
struct PreferencesEntity {
    #[serde(rename = "posting:default:visibility")]
    visibility: String,
    #[serde(rename = "posting:default:sensitive")]
    sensitive: bool,
    #[serde(rename = "posting:default:language")]
    language: Option<String>,
    #[serde(rename = "posting:default:quote_policy")]
    quote_policy: String,
    #[serde(rename = "reading:expand:media")]
    expand_media: &'static str,
    #[serde(rename = "reading:expand:spoilers")]
    expand_spoilers: bool,
}

/// `GET /api/v1/preferences`
async fn show(auth: Auth<ReadAccounts>) -> Json<PreferencesEntity> {
    Json(PreferencesEntity {
        visibility: auth.user.default_visibility.clone(),
        sensitive: auth.user.default_sensitive,
        language: auth.user.default_language.clone(),
        quote_policy: auth.user.default_quote_policy.clone(),
        expand_media: "default",
        expand_spoilers: false,
    })
}
