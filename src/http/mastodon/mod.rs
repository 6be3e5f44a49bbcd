//! The Mastodon client API, one module per resource.
//! <https://docs.joinmastodon.org/methods/>

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, patch, post};

use crate::app::AppState;

pub mod accounts;
pub mod apps;
pub mod entities;
pub mod instance;
pub mod placeholders;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/apps", post(apps::create))
        .route(
            "/api/v1/apps/verify_credentials",
            get(apps::verify_credentials),
        )
        .route("/api/v1/accounts", post(accounts::create))
        .route(
            "/api/v1/accounts/verify_credentials",
            get(accounts::verify_credentials),
        )
        .route(
            "/api/v1/accounts/update_credentials",
            patch(accounts::update_credentials),
        )
        .route("/api/v1/accounts/lookup", get(accounts::lookup))
        .route("/api/v1/accounts/{id}", get(accounts::show))
        .route("/api/v1/preferences", get(accounts::preferences))
        .route("/api/v1/instance", get(instance::v1))
        .route("/api/v2/instance", get(instance::v2))
        .route("/api/v1/custom_emojis", get(instance::custom_emojis))
        .merge(placeholders::router())
}
