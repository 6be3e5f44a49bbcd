//! `/api/v2/notifications`: notifications in groups (Mastodon 4.3).
//! <https://docs.joinmastodon.org/methods/grouped_notifications/>

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;
use serde_json::Value;

use super::entities::{self, AccountEntity, Empty, timestamp};
use super::paging::{PageParams, link_header, with_link};
use crate::app::AppState;
use crate::error::Result;
use crate::http::extract::{Auth, QueryParams, ReadNotifications, WriteNotifications};
use crate::model::{Account, Status};
use crate::service::notifications::{self, GROUPED, Group, GroupQuery};
use crate::service::{rendering, timelines};

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v2/notifications", get(list))
        .route("/api/v2/notifications/unread_count", get(unread_count))
        .route("/api/v2/notifications/{group_key}", get(show))
        .route("/api/v2/notifications/{group_key}/accounts", get(accounts))
        .route("/api/v2/notifications/{group_key}/dismiss", post(dismiss))
}

/// <https://docs.joinmastodon.org/entities/GroupedNotificationsResults/#NotificationGroup>
#[derive(Debug, Serialize)]
pub struct NotificationGroupEntity {
    pub group_key: String,
    pub notifications_count: usize,
    #[serde(rename = "type")]
    pub kind: String,
    pub most_recent_notification_id: String,
    pub page_min_id: String,
    pub page_max_id: String,
    pub latest_page_notification_at: String,
    pub sample_account_ids: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_id: Option<String>,
    /// The report of an `admin.report` group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<entities::ReportEntity>,
    /// The collection of an `added_to_collection` or `collection_update`
    /// group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collection: Option<entities::CollectionEntity>,
}

/// <https://docs.joinmastodon.org/entities/GroupedNotificationsResults/>
#[derive(Debug, Serialize)]
pub struct GroupedNotificationsResults {
    pub accounts: Vec<AccountEntity>,
    pub statuses: Vec<Value>,
    pub notification_groups: Vec<NotificationGroupEntity>,
}

/// Accounts shown per group (Mastodon's sample size).
const SAMPLE: usize = 8;

/// Renders groups with the accounts and statuses they name; a group whose
/// post the viewer may no longer see is left out, as in v1.
async fn render(
    app: &AppState,
    viewer: &Account,
    groups: &[Group],
) -> Result<GroupedNotificationsResults> {
    let status_ids: Vec<i64> = groups
        .iter()
        .filter_map(|g| g.notifications.first().and_then(|n| n.status_id))
        .collect();
    let statuses = rendering::statuses(app, &status_ids).await?;
    let visible: Vec<Status> = timelines::filter_visible(app, Some(viewer), statuses).await?;
    let visible_ids: HashSet<i64> = visible.iter().map(|s| s.id).collect();
    let newest: Vec<crate::model::Notification> = groups
        .iter()
        .filter_map(|g| g.notifications.first().cloned())
        .collect();
    let reports = entities::reports_of(app, &newest).await?;
    let collections = entities::collections_of(app, viewer, &newest).await?;
    let mut account_ids: Vec<i64> = Vec::new();
    let mut out = Vec::with_capacity(groups.len());
    for g in groups {
        let (Some(newest), Some(oldest)) = (g.notifications.first(), g.notifications.last()) else {
            continue;
        };
        if newest
            .status_id
            .is_some_and(|id| !visible_ids.contains(&id))
        {
            continue;
        }
        let mut sample: Vec<i64> = Vec::new();
        for n in &g.notifications {
            if !sample.contains(&n.from_account_id) && sample.len() < SAMPLE {
                sample.push(n.from_account_id);
            }
        }
        account_ids.extend(&sample);
        out.push(NotificationGroupEntity {
            group_key: g.key.clone(),
            notifications_count: g.notifications.len(),
            kind: newest.r#type.clone(),
            most_recent_notification_id: newest.id.to_string(),
            page_min_id: oldest.id.to_string(),
            page_max_id: newest.id.to_string(),
            latest_page_notification_at: timestamp(newest.created_at),
            sample_account_ids: sample.iter().map(i64::to_string).collect(),
            status_id: newest.status_id.map(|id| id.to_string()),
            report: newest.report_id.and_then(|id| reports.get(&id).cloned()),
            collection: newest
                .collection_id
                .and_then(|id| collections.get(&id).cloned()),
        });
    }
    account_ids.sort_unstable();
    account_ids.dedup();
    let accounts: HashMap<i64, Account> = rendering::accounts(app, &account_ids)
        .await?
        .into_iter()
        .filter(|a| a.suspended_at.is_none())
        .map(|a| (a.id, a))
        .collect();
    // A group whose sample lost every account (deleted or suspended since)
    // is left out.
    out.retain(|g| {
        g.sample_account_ids
            .iter()
            .any(|id| id.parse().is_ok_and(|id: i64| accounts.contains_key(&id)))
    });
    Ok(GroupedNotificationsResults {
        accounts: accounts
            .values()
            .map(|a| entities::account(app, a))
            .collect(),
        statuses: entities::statuses_in(
            app,
            Some(viewer),
            Some(crate::model::FilterContext::Notifications),
            &visible,
        )
        .await?,
        notification_groups: out,
    })
}

/// `GET /api/v2/notifications` (`types[]`, `exclude_types[]`, `account_id`,
/// `grouped_types[]`, `expand_accounts`)
async fn list(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadNotifications>,
    params: QueryParams,
    Query(p): Query<PageParams>,
) -> Result<Response> {
    let super::notifications::Filters {
        types,
        exclude,
        from,
        types_filter,
    } = super::notifications::Filters::read(&params);
    let asked_grouped = params.strings("grouped_types");
    let grouped_types: Vec<String> = if asked_grouped.is_empty() {
        GROUPED.iter().map(|t| t.to_string()).collect()
    } else {
        asked_grouped
            .into_iter()
            .filter(|t| GROUPED.contains(&t.as_str()))
            .collect()
    };
    let q = GroupQuery {
        types: types_filter.as_deref(),
        exclude: &exclude,
        from,
        grouped_types: &grouped_types,
    };
    let groups = notifications::grouped(&app, &auth.account, &q, &p.page(40, 80)).await?;
    let newest = groups
        .iter()
        .filter_map(|g| g.notifications.first())
        .map(|n| n.id)
        .max();
    let oldest = groups
        .iter()
        .filter_map(|g| g.notifications.last())
        .map(|n| n.id)
        .min();
    let mut keep: Vec<(&str, String)> = types.iter().map(|t| ("types[]", t.clone())).collect();
    keep.extend(exclude.iter().map(|t| ("exclude_types[]", t.clone())));
    keep.extend(grouped_types.iter().map(|t| ("grouped_types[]", t.clone())));
    let link = link_header(&app, "/api/v2/notifications", &keep, newest, oldest);
    Ok(with_link(
        Json(render(&app, &auth.account, &groups).await?),
        link,
    ))
}

/// `GET /api/v2/notifications/:group_key`
async fn show(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadNotifications>,
    Path(key): Path<String>,
) -> Result<Json<GroupedNotificationsResults>> {
    let g = notifications::group(&app, &auth.account, &key).await?;
    let results = render(&app, &auth.account, std::slice::from_ref(&g)).await?;
    if results.notification_groups.is_empty() {
        return Err(crate::error::Error::not_found());
    }
    Ok(Json(results))
}

/// `GET /api/v2/notifications/:group_key/accounts`: everyone in the group,
/// newest first.
async fn accounts(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadNotifications>,
    Path(key): Path<String>,
) -> Result<Json<Vec<AccountEntity>>> {
    let g = notifications::group(&app, &auth.account, &key).await?;
    let mut ids: Vec<i64> = Vec::new();
    for n in &g.notifications {
        if !ids.contains(&n.from_account_id) {
            ids.push(n.from_account_id);
        }
    }
    let accounts: HashMap<i64, Account> = rendering::accounts(&app, &ids)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    Ok(Json(
        ids.iter()
            .filter_map(|id| accounts.get(id))
            .map(|a| entities::account(&app, a))
            .collect(),
    ))
}

/// `POST /api/v2/notifications/:group_key/dismiss`
async fn dismiss(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteNotifications>,
    Path(key): Path<String>,
) -> Result<Json<Empty>> {
    notifications::dismiss_group(&app, &auth.account, &key).await?;
    Ok(Json(Empty {}))
}

/// `GET /api/v2/notifications/unread_count` (`limit`, default 100, at most
/// 1000): groups after the `notifications` marker.
async fn unread_count(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadNotifications>,
    params: QueryParams,
) -> Result<Json<entities::UnreadCount>> {
    let cap = params
        .str("limit")
        .and_then(|l| l.parse::<i64>().ok())
        .unwrap_or(100)
        .clamp(1, 1000);
    let count = notifications::unread_group_count(&app, &auth.account, cap).await?;
    Ok(Json(entities::UnreadCount { count }))
}
