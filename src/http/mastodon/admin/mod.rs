//! `/api/v1/admin`: the admin API roost has so far, staff only (the role
//! is checked by the services; the `admin:*` scopes by the extractors).
//! <https://docs.joinmastodon.org/methods/admin/>

use std::sync::Arc;

use axum::Router;

use crate::app::AppState;

pub mod domain_blocks;
pub mod held_statuses;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .merge(domain_blocks::router())
        .merge(held_statuses::router())
}
