//! `GET /api/v2/search`: accounts (local by name, remote by handle or URL),
//! statuses by URL (local, or fetched with `resolve=true`), and hashtags.
//! <https://docs.joinmastodon.org/methods/search/#v2>
//!
//! Full-text search of post content comes with the search issue; today a
//! status is found by its URL or URI.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::entities;
use crate::app::AppState;
use crate::error::Result;
use crate::federation::{fetch, notes};
use crate::http::extract::{Auth, ReadSearch};
use crate::model::{Account, Status};

#[derive(Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    resolve: Option<String>,
    limit: Option<String>,
    offset: Option<String>,
}

fn truthy(v: Option<&str>) -> bool {
    matches!(v, Some("true" | "1" | "on"))
}

pub async fn v2(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadSearch>,
    Query(q): Query<SearchQuery>,
) -> Result<Json<Value>> {
    let term = q.q.as_deref().unwrap_or("").trim().to_string();
    let resolve = truthy(q.resolve.as_deref());
    let limit = super::paging::int_param(q.limit.as_deref(), 20, 1, 40);
    let offset = super::paging::int_param(q.offset.as_deref(), 0, 0, 10_000);
    let want = |k: &str| q.kind.as_deref().is_none_or(|t| t == k);
    let mut accounts: Vec<Account> = Vec::new();
    let mut statuses: Vec<Status> = Vec::new();
    let mut hashtags: Vec<Value> = Vec::new();
    if term.is_empty() {
        return Ok(Json(
            json!({"accounts": [], "statuses": [], "hashtags": []}),
        ));
    }
    let is_url = term.starts_with("https://") || term.starts_with("http://");
    if is_url {
        if want("statuses")
            && let Some(s) = status_by_url(&app, &term, resolve).await?
        {
            statuses.push(s);
        }
        if want("accounts") && statuses.is_empty() {
            let found = match app.store.get_account_by_uri(&term).await? {
                Some(a) => Some(a),
                None if resolve => fetch::resolve_actor(&app, &term).await.ok(),
                None => None,
            };
            accounts.extend(found);
        }
    } else {
        if want("accounts") {
            let handle = term.trim_start_matches('@');
            if let Some((user, host)) = handle.split_once('@') {
                let found = if resolve {
                    fetch::webfinger(&app, user, host).await.ok()
                } else {
                    app.store.get_remote_account_by_username(user, host).await?
                };
                accounts.extend(found);
            } else {
                accounts = app
                    .store
                    .search_local_accounts(handle, limit, offset)
                    .await?;
            }
        }
        if want("hashtags") {
            let name = term.trim_start_matches('#');
            for tag in app.store.search_tags(name, limit, offset).await? {
                hashtags.push(json!({
                    "name": tag,
                    "url": app.url(&format!("/tags/{tag}")),
                    "history": [],
                    "following": false,
                }));
            }
        }
    }
    accounts.retain(|a| a.suspended_at.is_none());
    // Only what the searcher may see: a URL is no key to a private post.
    let mut visible = Vec::with_capacity(statuses.len());
    for s in statuses {
        if crate::service::statuses::visible_status(&app, Some(&auth.account), s.id)
            .await
            .is_ok()
        {
            visible.push(s);
        }
    }
    let statuses = visible;
    let statuses_json = entities::statuses(&app, Some(&auth.account), &statuses).await?;
    Ok(Json(json!({
        "accounts": accounts.iter().map(|a| entities::account(&app, a)).collect::<Vec<_>>(),
        "statuses": statuses_json,
        "hashtags": hashtags,
    })))
}

/// A status by its URI or URL: stored, or fetched when `resolve`.
async fn status_by_url(app: &AppState, url: &str, resolve: bool) -> Result<Option<Status>> {
    if let Some(s) = app.store.get_status_by_uri(url).await? {
        return Ok(Some(s));
    }
    // A local post's page: /@name/ID.
    if let Some(rest) = url.strip_prefix(&app.url("/@"))
        && let Some((_, id)) = rest.split_once('/')
        && let Ok(id) = id.parse::<i64>()
    {
        return Ok(app.store.get_status(id).await?.filter(|s| s.local));
    }
    if !resolve || url.starts_with(&app.base_url) {
        return Ok(None);
    }
    Ok(notes::resolve(app, url).await.ok().flatten())
}
