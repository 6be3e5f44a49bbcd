//! `/api/v1/bookmarks` and `/api/v1/favourites`: the statuses a person
//! flagged, paged by when they flagged them.
//! <https://docs.joinmastodon.org/methods/bookmarks/>,
//! <https://docs.joinmastodon.org/methods/favourites/>

use std::sync::Arc;

use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;

use super::paging::{PageParams, link_header};
use super::timelines::status_page;
use crate::app::AppState;
use crate::error::Result;
use crate::http::extract::{Auth, ReadBookmarks, ReadFavourites};
use crate::model::Account;
use crate::service::bookmarks::{self, Flagged};

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/bookmarks", get(list_bookmarks))
        .route("/api/v1/favourites", get(list_favourites))
}

/// A page of flagged statuses; its `Link` header pages by the flag rows.
async fn page(app: &AppState, me: &Account, which: Flagged, p: &PageParams) -> Result<Response> {
    let found = bookmarks::page(app, me, which, &p.page(20, 40)).await?;
    let path = match which {
        Flagged::Bookmarks => "/api/v1/bookmarks",
        Flagged::Favourites => "/api/v1/favourites",
    };
    let link = link_header(
        app,
        path,
        &[],
        found.keys.map(|k| k.0),
        found.keys.map(|k| k.1),
    );
    let mut response = status_page(app, Some(me), None, "", &[], found.statuses).await?;
    response.headers_mut().remove("link");
    if let Some(l) = link {
        response.headers_mut().insert("link", l);
    }
    Ok(response)
}

/// `GET /api/v1/bookmarks`
async fn list_bookmarks(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadBookmarks>,
    Query(p): Query<PageParams>,
) -> Result<Response> {
    page(&app, &auth.account, Flagged::Bookmarks, &p).await
}

/// `GET /api/v1/favourites`
async fn list_favourites(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadFavourites>,
    Query(p): Query<PageParams>,
) -> Result<Response> {
    page(&app, &auth.account, Flagged::Favourites, &p).await
}
