//! `/api/v1/admin/accounts` and `/api/v2/admin/accounts`: staff list,
//! inspect, approve, reject and act on accounts.
//! <https://docs.joinmastodon.org/methods/admin/accounts/>

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use crate::app::AppState;
use crate::error::{Error, Result, Validation};
use crate::http::extract::{AdminReadAccounts, AdminWriteAccounts, Auth, Params, QueryParams, de};
use crate::http::mastodon::entities::{AdminAccountEntity, Empty, admin_account};
use crate::http::mastodon::paging::{PageParams, link_header, with_link};
use crate::model::{AccountQuery, AccountStatus};
use crate::service::moderation::accounts::{self, Action, ActionKind, AdminAccount, Lift};

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/admin/accounts", get(index_v1))
        .route("/api/v2/admin/accounts", get(index_v2))
        .route("/api/v1/admin/accounts/{id}", get(show).delete(destroy))
        .route("/api/v1/admin/accounts/{id}/approve", post(approve))
        .route("/api/v1/admin/accounts/{id}/reject", post(reject))
        .route("/api/v1/admin/accounts/{id}/action", post(action))
        .route("/api/v1/admin/accounts/{id}/enable", post(enable))
        .route("/api/v1/admin/accounts/{id}/unsilence", post(unsilence))
        .route("/api/v1/admin/accounts/{id}/unsuspend", post(unsuspend))
        .route("/api/v1/admin/accounts/{id}/unsensitive", post(unsensitive))
}

fn account_id(id: &str) -> Result<i64> {
    id.parse().map_err(|_| Error::not_found())
}

fn text(q: &QueryParams, key: &str) -> Option<String> {
    q.str(key)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// A page of accounts with its `Link` header.
async fn page_of(
    app: &AppState,
    auth: &Auth<AdminReadAccounts>,
    path: &str,
    q: &AccountQuery,
    page: &PageParams,
) -> Result<Response> {
    let found = accounts::list(app, &auth.user, q, &page.page(100, 200)).await?;
    let link = link_header(
        app,
        path,
        &[],
        found.first().map(|a| a.account.id),
        found.last().map(|a| a.account.id),
    );
    let body: Vec<AdminAccountEntity> = found.iter().map(|a| admin_account(app, a)).collect();
    Ok(with_link(Json(body), link))
}

/// `GET /api/v1/admin/accounts` (deprecated in Mastodon, still used).
async fn index_v1(
    State(app): State<Arc<AppState>>,
    auth: Auth<AdminReadAccounts>,
    q: QueryParams,
    Query(page): Query<PageParams>,
) -> Result<Response> {
    let local = match (q.flag("local"), q.flag("remote")) {
        (true, false) => Some(true),
        (false, true) => Some(false),
        _ => None,
    };
    // The first status flag given, in Mastodon's order.
    let status = [
        ("pending", AccountStatus::Pending),
        ("disabled", AccountStatus::Disabled),
        ("silenced", AccountStatus::Silenced),
        ("suspended", AccountStatus::Suspended),
        ("sensitized", AccountStatus::Sensitized),
        ("active", AccountStatus::Active),
    ]
    .into_iter()
    .find(|(key, _)| q.flag(key))
    .map(|(_, s)| s);
    let query = AccountQuery {
        local,
        by_domain: text(&q, "by_domain"),
        status,
        staff: q.flag("staff"),
        username: text(&q, "username"),
        display_name: text(&q, "display_name"),
        email: text(&q, "email"),
        ip: text(&q, "ip"),
    };
    page_of(&app, &auth, "/api/v1/admin/accounts", &query, &page).await
}

/// `GET /api/v2/admin/accounts`
async fn index_v2(
    State(app): State<Arc<AppState>>,
    auth: Auth<AdminReadAccounts>,
    q: QueryParams,
    Query(page): Query<PageParams>,
) -> Result<Response> {
    let mut v = Validation::new();
    let local = match q.str("origin") {
        None | Some("") => None,
        Some("local") => Some(true),
        Some("remote") => Some(false),
        Some(_) => {
            v.add("origin", "ERR_INCLUSION", "is not included in the list");
            None
        }
    };
    let status = match q.str("status") {
        None | Some("") => None,
        Some(s) => {
            let parsed = AccountStatus::parse(s);
            if parsed.is_none() {
                v.add("status", "ERR_INCLUSION", "is not included in the list");
            }
            parsed
        }
    };
    v.finish()?;
    let query = AccountQuery {
        local,
        by_domain: text(&q, "by_domain"),
        status,
        staff: q.str("permissions") == Some("staff"),
        username: text(&q, "username"),
        display_name: text(&q, "display_name"),
        email: text(&q, "email"),
        ip: text(&q, "ip"),
    };
    page_of(&app, &auth, "/api/v2/admin/accounts", &query, &page).await
}

fn one(app: &AppState, a: &AdminAccount) -> Json<AdminAccountEntity> {
    Json(admin_account(app, a))
}

/// `GET /api/v1/admin/accounts/:id`
async fn show(
    State(app): State<Arc<AppState>>,
    auth: Auth<AdminReadAccounts>,
    Path(id): Path<String>,
) -> Result<Json<AdminAccountEntity>> {
    let a = accounts::get(&app, &auth.user, account_id(&id)?).await?;
    Ok(one(&app, &a))
}

/// `POST /api/v1/admin/accounts/:id/approve`
async fn approve(
    State(app): State<Arc<AppState>>,
    auth: Auth<AdminWriteAccounts>,
    Path(id): Path<String>,
) -> Result<Json<AdminAccountEntity>> {
    let a = accounts::approve(&app, &auth.user, account_id(&id)?).await?;
    Ok(one(&app, &a))
}

/// `POST /api/v1/admin/accounts/:id/reject`
async fn reject(
    State(app): State<Arc<AppState>>,
    auth: Auth<AdminWriteAccounts>,
    Path(id): Path<String>,
) -> Result<Json<AdminAccountEntity>> {
    let a = accounts::reject(&app, &auth.user, account_id(&id)?).await?;
    Ok(one(&app, &a))
}

#[derive(Deserialize)]
struct ActionForm {
    #[serde(default, rename = "type", deserialize_with = "de::opt_string")]
    kind: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    report_id: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    warning_preset_id: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    text: Option<String>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    send_email_notification: Option<bool>,
}

/// `POST /api/v1/admin/accounts/:id/action`: `none` (a warning),
/// `sensitive`, `disable`, `silence` or `suspend`; answers `{}`.
async fn action(
    State(app): State<Arc<AppState>>,
    auth: Auth<AdminWriteAccounts>,
    Path(id): Path<String>,
    Params(form): Params<ActionForm>,
) -> Result<Json<Empty>> {
    // `type` is required, as in Mastodon.
    let kind = ActionKind::from_param(form.kind.as_deref().unwrap_or(""))?;
    let report_id = match form.report_id.as_deref().filter(|s| !s.is_empty()) {
        Some(r) => Some(r.parse().map_err(|_| Error::not_found())?),
        None => None,
    };
    // Presets are not kept; their id is accepted and ignored.
    let _ = form.warning_preset_id;
    accounts::act(
        &app,
        &auth.user,
        account_id(&id)?,
        Action {
            kind,
            report_id,
            warning_text: form.text,
            send_email: form.send_email_notification.unwrap_or(true),
        },
    )
    .await?;
    Ok(Json(Empty {}))
}

async fn lift(
    app: &AppState,
    auth: &Auth<AdminWriteAccounts>,
    id: &str,
    what: Lift,
) -> Result<Json<AdminAccountEntity>> {
    let a = accounts::lift(app, &auth.user, account_id(id)?, what).await?;
    Ok(one(app, &a))
}

/// `POST /api/v1/admin/accounts/:id/enable`
async fn enable(
    State(app): State<Arc<AppState>>,
    auth: Auth<AdminWriteAccounts>,
    Path(id): Path<String>,
) -> Result<Json<AdminAccountEntity>> {
    lift(&app, &auth, &id, Lift::Enable).await
}

/// `POST /api/v1/admin/accounts/:id/unsilence`
async fn unsilence(
    State(app): State<Arc<AppState>>,
    auth: Auth<AdminWriteAccounts>,
    Path(id): Path<String>,
) -> Result<Json<AdminAccountEntity>> {
    lift(&app, &auth, &id, Lift::Unsilence).await
}

/// `POST /api/v1/admin/accounts/:id/unsuspend`
async fn unsuspend(
    State(app): State<Arc<AppState>>,
    auth: Auth<AdminWriteAccounts>,
    Path(id): Path<String>,
) -> Result<Json<AdminAccountEntity>> {
    lift(&app, &auth, &id, Lift::Unsuspend).await
}

/// `POST /api/v1/admin/accounts/:id/unsensitive`
async fn unsensitive(
    State(app): State<Arc<AppState>>,
    auth: Auth<AdminWriteAccounts>,
    Path(id): Path<String>,
) -> Result<Json<AdminAccountEntity>> {
    lift(&app, &auth, &id, Lift::Unsensitive).await
}

/// `DELETE /api/v1/admin/accounts/:id`: deletes a suspended account's data.
async fn destroy(
    State(app): State<Arc<AppState>>,
    auth: Auth<AdminWriteAccounts>,
    Path(id): Path<String>,
) -> Result<Json<AdminAccountEntity>> {
    let a = accounts::delete(&app, &auth.user, account_id(&id)?).await?;
    Ok(one(&app, &a))
}
