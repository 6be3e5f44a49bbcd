//! List endpoints that clients probe at start-up and break on when they 404.
//! Until their features exist they answer `[]` to an authorized user (listed
//! as "empty" in docs/api.md).

use std::sync::Arc;

use axum::routing::get;
use axum::{Json, Router};

use crate::app::AppState;
use crate::http::extract::{Auth, MaybeAuth, Read, ReadStatuses};

fn empty() -> Json<[(); 0]> {
    Json([])
}

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route(
            "/api/v1/trends/tags",
            // Trends are public in Mastodon (logged-out explore pages read them).
            get(|_: MaybeAuth<Read>| async { empty() }),
        )
        .route(
            "/api/v1/trends/statuses",
            get(|_: MaybeAuth<ReadStatuses>| async { empty() }),
        )
        // roost answers every request at once and starts no background
        // refresh, so no refresh id exists to ask about.
        // <https://docs.joinmastodon.org/methods/async_refreshes/>
        .route(
            "/api/v1_alpha/async_refreshes/{id}",
            get(|_: Auth<Read>| async { crate::error::Error::not_found() }),
        )
}
