//! Endpoints that clients probe at start-up and break on when they answer
//! the wrong way, for features roost does not have (listed as "empty" in
//! docs/api.md).

use std::sync::Arc;

use axum::Router;
use axum::routing::get;

use crate::app::AppState;
use crate::http::extract::{Auth, Read};

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        // roost answers every request at once and starts no background
        // refresh, so no refresh id exists to ask about.
        // <https://docs.joinmastodon.org/methods/async_refreshes/>
        .route(
            "/api/v1_alpha/async_refreshes/{id}",
            get(|_: Auth<Read>| async { crate::error::Error::not_found() }),
        )
}
