//! <https://docs.joinmastodon.org/methods/timelines/>

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::response::Response;

use super::entities;
use super::paging::{PageParams, link_header, with_link};
use super::statuses::viewer;
use crate::app::AppState;
use crate::error::Result;
use crate::http::extract::{Auth, MaybeAuth, QueryParams, ReadStatuses};
use crate::model::{Account, FilterContext, PublicFilter, Status, TagFilter};
use crate::service::timelines;

/// A rendered page of statuses with its `Link` header; the viewer's filters
/// for `context` apply (hidden posts left out, the others marked).
pub async fn status_page(
    app: &AppState,
    viewer: Option<&Account>,
    context: Option<FilterContext>,
    path: &str,
    keep: &[(&str, String)],
    list: Vec<Status>,
) -> Result<Response> {
    let link = link_header(
        app,
        path,
        keep,
        list.first().map(|s| s.id),
        list.last().map(|s| s.id),
    );
    let body = entities::statuses_json_in(app, viewer, context, &list).await?;
    let json = [(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/json"),
    )];
    Ok(with_link((json, body), link))
}

/// `GET /api/v1/timelines/home`
pub async fn home(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadStatuses>,
    Query(q): Query<PageParams>,
) -> Result<Response> {
    let list = timelines::home(&app, &auth.account, &q.page(20, 40)).await?;
    status_page(
        &app,
        Some(&auth.account),
        Some(FilterContext::Home),
        "/api/v1/timelines/home",
        &[],
        list,
    )
    .await
}

/// `GET /api/v1/timelines/direct`: the viewer's direct messages, sent and
/// received, newest first (removed from Mastodon in 3.0, still asked for by
/// some clients; conversations are the current way).
pub async fn direct(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadStatuses>,
    Query(q): Query<PageParams>,
) -> Result<Response> {
    let list = timelines::direct(&app, &auth.account, &q.page(20, 40)).await?;
    status_page(
        &app,
        Some(&auth.account),
        None,
        "/api/v1/timelines/direct",
        &[],
        list,
    )
    .await
}

/// `GET /api/v1/timelines/public`
pub async fn public(
    State(app): State<Arc<AppState>>,
    auth: MaybeAuth<ReadStatuses>,
    q: QueryParams,
    Query(p): Query<PageParams>,
) -> Result<Response> {
    let viewer = viewer(&auth);
    let f = PublicFilter {
        local: q.flag("local"),
        remote: q.flag("remote"),
        only_media: q.flag("only_media"),
    };
    let list = timelines::public(&app, viewer.as_ref(), f, &p.page(20, 40)).await?;
    let mut keep = Vec::new();
    for (k, on) in [
        ("local", f.local),
        ("remote", f.remote),
        ("only_media", f.only_media),
    ] {
        if on {
            keep.push((k, "true".to_string()));
        }
    }
    status_page(
        &app,
        viewer.as_ref(),
        Some(FilterContext::Public),
        "/api/v1/timelines/public",
        &keep,
        list,
    )
    .await
}

/// `GET /api/v1/timelines/tag/:hashtag` (`any[]`, `all[]`, `none[]`, `local`)
pub async fn tag(
    State(app): State<Arc<AppState>>,
    auth: MaybeAuth<ReadStatuses>,
    Path(hashtag): Path<String>,
    params: QueryParams,
    Query(p): Query<PageParams>,
) -> Result<Response> {
    let viewer = viewer(&auth);
    let list_of = |key: &str| -> Vec<String> {
        params
            .strings(key)
            .into_iter()
            .map(|s| s.trim_start_matches('#').to_string())
            .collect()
    };
    let mut any = vec![hashtag.trim_start_matches('#').to_string()];
    any.extend(list_of("any"));
    let local = params.flag("local");
    let filter = TagFilter {
        any,
        all: list_of("all"),
        none: list_of("none"),
        local,
    };
    let list = timelines::tag(&app, viewer.as_ref(), &filter, &p.page(20, 40)).await?;
    status_page(
        &app,
        viewer.as_ref(),
        Some(FilterContext::Public),
        &format!("/api/v1/timelines/tag/{hashtag}"),
        &[],
        list,
    )
    .await
}

/// `GET /api/v1/timelines/list/:list_id`
pub async fn list(
    State(app): State<Arc<AppState>>,
    auth: Auth<crate::http::extract::ReadLists>,
    Path(id): Path<String>,
    Query(q): Query<PageParams>,
) -> Result<Response> {
    let list_id = super::statuses::parse_id(&id)?;
    let statuses =
        crate::service::lists::list_timeline(&app, &auth.account, list_id, &q.page(20, 40)).await?;
    status_page(
        &app,
        Some(&auth.account),
        Some(FilterContext::Home),
        &format!("/api/v1/timelines/list/{id}"),
        &[],
        statuses,
    )
    .await
}
