//! `/api/v1/admin`: the admin API, staff only (the role
//! is checked by the services; the `admin:*` scopes by the extractors).
//! <https://docs.joinmastodon.org/methods/admin/>

use std::sync::Arc;

use axum::Router;

use crate::app::AppState;

pub mod accounts;
pub mod action_logs;
pub mod domain_allows;
pub mod domain_blocks;
pub mod held_statuses;
pub mod measures;
pub mod reports;
pub mod sign_up_blocks;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .merge(accounts::router())
        .merge(action_logs::router())
        .merge(domain_allows::router())
        .merge(domain_blocks::router())
        .merge(reports::router())
        .merge(sign_up_blocks::router())
        .merge(held_statuses::router())
        .merge(measures::router())
}
