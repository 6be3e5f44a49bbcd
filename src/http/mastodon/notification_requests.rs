//! The notification policy (`/api/v2/notifications/policy`) and the
//! requests it holds back (`/api/v1/notifications/requests`). A request's
//! id is its sender's account id.
//! <https://docs.joinmastodon.org/methods/notifications/#get-policy>

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::entities::{self, AccountEntity, Empty, timestamp};
use super::paging::{PageParams, link_header, with_link};
use super::statuses::parse_id;
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::http::extract::{Auth, Params, QueryParams, ReadNotifications, WriteNotifications, de};
use crate::model::{Account, NotificationPolicy};
use crate::service::notification_requests::{self as requests, PolicyChange};
use crate::service::rendering;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route(
            "/api/v2/notifications/policy",
            get(show_policy).patch(update_policy),
        )
        .route("/api/v1/notifications/requests", get(list))
        .route("/api/v1/notifications/requests/merged", get(merged))
        .route("/api/v1/notifications/requests/accept", post(accept_many))
        .route("/api/v1/notifications/requests/dismiss", post(dismiss_many))
        .route("/api/v1/notifications/requests/{id}", get(show))
        .route("/api/v1/notifications/requests/{id}/accept", post(accept))
        .route("/api/v1/notifications/requests/{id}/dismiss", post(dismiss))
}

/// <https://docs.joinmastodon.org/entities/NotificationPolicy/>
#[derive(Debug, Serialize)]
pub struct NotificationPolicyEntity {
    pub for_not_following: String,
    pub for_not_followers: String,
    pub for_new_accounts: String,
    pub for_private_mentions: String,
    pub for_limited_accounts: String,
    pub summary: PolicySummary,
}

#[derive(Debug, Serialize)]
pub struct PolicySummary {
    pub pending_requests_count: i64,
    pub pending_notifications_count: i64,
}

async fn policy_entity(
    app: &AppState,
    viewer: &Account,
    p: NotificationPolicy,
) -> Result<NotificationPolicyEntity> {
    let (pending_requests_count, pending_notifications_count) =
        requests::pending(app, viewer).await?;
    Ok(NotificationPolicyEntity {
        for_not_following: p.for_not_following,
        for_not_followers: p.for_not_followers,
        for_new_accounts: p.for_new_accounts,
        for_private_mentions: p.for_private_mentions,
        for_limited_accounts: p.for_limited_accounts,
        summary: PolicySummary {
            pending_requests_count,
            pending_notifications_count,
        },
    })
}

/// `GET /api/v2/notifications/policy`
async fn show_policy(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadNotifications>,
) -> Result<Json<NotificationPolicyEntity>> {
    let p = requests::policy(&app, &auth.account).await?;
    Ok(Json(policy_entity(&app, &auth.account, p).await?))
}

#[derive(Deserialize)]
struct PolicyParams {
    #[serde(default, deserialize_with = "de::opt_string")]
    for_not_following: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    for_not_followers: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    for_new_accounts: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    for_private_mentions: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    for_limited_accounts: Option<String>,
}

/// `PATCH /api/v2/notifications/policy`
async fn update_policy(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteNotifications>,
    Params(p): Params<PolicyParams>,
) -> Result<Json<NotificationPolicyEntity>> {
    let change = PolicyChange {
        for_not_following: p.for_not_following,
        for_not_followers: p.for_not_followers,
        for_new_accounts: p.for_new_accounts,
        for_private_mentions: p.for_private_mentions,
        for_limited_accounts: p.for_limited_accounts,
    };
    let p = requests::update_policy(&app, &auth.account, change).await?;
    Ok(Json(policy_entity(&app, &auth.account, p).await?))
}

/// <https://docs.joinmastodon.org/entities/NotificationRequest/>
#[derive(Debug, Serialize)]
pub struct NotificationRequestEntity {
    pub id: String,
    pub created_at: String,
    pub updated_at: String,
    pub account: AccountEntity,
    /// A string, as Mastodon sends it.
    pub notifications_count: String,
    pub last_status: Option<Value>,
}

async fn render(
    app: &AppState,
    viewer: &Account,
    rows: &[crate::model::RequestRow],
) -> Result<Vec<NotificationRequestEntity>> {
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let Some(sender) = rendering::accounts(app, &[r.from_account_id]).await?.pop() else {
            continue;
        };
        let last_status = match r.last_status_id {
            Some(id) => match crate::service::statuses::visible_status(app, Some(viewer), id).await
            {
                Ok((s, _)) => Some(entities::status(app, Some(viewer), &s).await?),
                Err(_) => None,
            },
            None => None,
        };
        out.push(NotificationRequestEntity {
            id: r.from_account_id.to_string(),
            created_at: timestamp(crate::id::timestamp_of(r.oldest_id)),
            updated_at: timestamp(crate::id::timestamp_of(r.newest_id)),
            account: entities::account(app, &sender),
            notifications_count: r.count.to_string(),
            last_status,
        });
    }
    Ok(out)
}

/// `GET /api/v1/notifications/requests`
async fn list(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadNotifications>,
    Query(p): Query<PageParams>,
) -> Result<Response> {
    let rows = requests::requests(&app, &auth.account, &p.page(40, 80)).await?;
    let link = link_header(
        &app,
        "/api/v1/notifications/requests",
        &[],
        rows.first().map(|r| r.newest_id),
        rows.last().map(|r| r.newest_id),
    );
    Ok(with_link(
        Json(render(&app, &auth.account, &rows).await?),
        link,
    ))
}

/// `GET /api/v1/notifications/requests/:id`
async fn show(
    State(app): State<Arc<AppState>>,
    auth: Auth<ReadNotifications>,
    Path(id): Path<String>,
) -> Result<Json<NotificationRequestEntity>> {
    let row = requests::request(&app, &auth.account, parse_id(&id)?).await?;
    render(&app, &auth.account, &[row])
        .await?
        .pop()
        .map(Json)
        .ok_or_else(Error::not_found)
}

/// `POST /api/v1/notifications/requests/:id/accept`
async fn accept(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteNotifications>,
    Path(id): Path<String>,
) -> Result<Json<Empty>> {
    requests::accept(&app, &auth.account, parse_id(&id)?).await?;
    Ok(Json(Empty {}))
}

/// `POST /api/v1/notifications/requests/:id/dismiss`
async fn dismiss(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteNotifications>,
    Path(id): Path<String>,
) -> Result<Json<Empty>> {
    requests::dismiss(&app, &auth.account, parse_id(&id)?).await?;
    Ok(Json(Empty {}))
}

/// Requests one bulk call may name.
const BULK: usize = 100;

/// The `id[]` of a bulk request, at most [`BULK`] of them.
fn ids(params: &QueryParams, body: &Value) -> Result<Vec<i64>> {
    let mut out: Vec<i64> = params
        .strings("id")
        .iter()
        .filter_map(|s| s.parse().ok())
        .collect();
    if let Some(list) = body.get("id").and_then(Value::as_array) {
        out.extend(list.iter().filter_map(|v| match v {
            Value::String(s) => s.parse().ok(),
            Value::Number(n) => n.as_i64(),
            _ => None,
        }));
    }
    if out.len() > BULK {
        return Err(Error::unprocessable(format!(
            "Validation failed: at most {BULK} requests at once"
        )));
    }
    Ok(out)
}

/// `POST /api/v1/notifications/requests/accept` (`id[]`): those found are
/// accepted, the rest ignored, as Mastodon does.
async fn accept_many(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteNotifications>,
    params: QueryParams,
    Params(body): Params<Value>,
) -> Result<Json<Empty>> {
    for id in ids(&params, &body)? {
        let _ = requests::accept(&app, &auth.account, id).await;
    }
    Ok(Json(Empty {}))
}

/// `POST /api/v1/notifications/requests/dismiss` (`id[]`)
async fn dismiss_many(
    State(app): State<Arc<AppState>>,
    auth: Auth<WriteNotifications>,
    params: QueryParams,
    Params(body): Params<Value>,
) -> Result<Json<Empty>> {
    for id in ids(&params, &body)? {
        let _ = requests::dismiss(&app, &auth.account, id).await;
    }
    Ok(Json(Empty {}))
}

/// `GET /api/v1/notifications/requests/merged`: accepted requests join the
/// list at once here, so it is always merged.
async fn merged(_auth: Auth<ReadNotifications>) -> Json<Value> {
    Json(serde_json::json!({ "merged": true }))
}
