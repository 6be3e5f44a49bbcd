//! `/admin/accounts` and `/admin/accounts/:id`: find accounts, see one with
//! its login, addresses, reports and warnings, approve or reject a sign-up,
//! act on it, and lift what was done.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::reports::{CsrfForm, HistoryRow};
use super::{Frame, Staff, bad_csrf, change_by_id, done, not_found, path_id, refused, when};
use crate::app::AppState;
use crate::http::pages::render;
use crate::model::{AccountQuery, AccountStatus, AccountWarning, Page};
use crate::service::moderation::accounts::{self, Action, ActionKind, AdminAccount, Lift};
use crate::service::moderation::reports;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/admin/accounts", get(index))
        .route("/admin/accounts/{id}", get(show))
        .route("/admin/accounts/{id}/approve", post(approve))
        .route("/admin/accounts/{id}/reject", post(reject))
        .route("/admin/accounts/{id}/action", post(action))
        .route("/admin/accounts/{id}/{lift}", post(lift))
}

const PAGE: i64 = 50;

/// The marks on an account, in words.
pub fn flags(a: &AdminAccount) -> Vec<&'static str> {
    let mut out = Vec::new();
    if let Some(u) = &a.user {
        if !u.approved {
            out.push("pending");
        }
        if u.disabled {
            out.push("disabled");
        }
        match u.role() {
            crate::model::Role::Admin => out.push("admin"),
            crate::model::Role::Moderator => out.push("moderator"),
            crate::model::Role::User => {}
        }
    }
    if a.account.deleted_at.is_some() {
        out.push("deleted");
    } else if a.account.suspended_at.is_some() {
        out.push("suspended");
    }
    if a.account.silenced_at.is_some() {
        out.push("limited");
    }
    if a.account.sensitized_at.is_some() {
        out.push("sensitive");
    }
    out
}

/// The action form's context.
pub struct ActionBox {
    pub account_id: i64,
    pub report_id: Option<i64>,
    /// Local accounts can be disabled and mailed.
    pub local: bool,
}

pub struct WarningRow {
    pub created: String,
    pub action: String,
    pub text: String,
}

impl WarningRow {
    pub fn of(w: &AccountWarning) -> Self {
        WarningRow {
            created: when(w.created_at),
            action: w.action.clone(),
            text: w.text.clone(),
        }
    }
}

struct AccountRow {
    id: i64,
    acct: String,
    email: String,
    created: String,
    flags: Vec<&'static str>,
}

#[derive(Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    username: String,
    #[serde(default)]
    origin: String,
    #[serde(default)]
    status: String,
    max_id: Option<i64>,
    notice: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/accounts.html")]
struct AccountsPage {
    frame: Frame,
    q: ListQuery,
    statuses: &'static [&'static str],
    rows: Vec<AccountRow>,
    older: Option<String>,
}

const STATUSES: &[&str] = &[
    "active",
    "pending",
    "disabled",
    "silenced",
    "suspended",
    "sensitized",
];

/// `GET /admin/accounts`
async fn index(
    State(app): State<Arc<AppState>>,
    me: Staff,
    Query(q): Query<ListQuery>,
) -> Response {
    let query = AccountQuery {
        local: match q.origin.as_str() {
            "local" => Some(true),
            "remote" => Some(false),
            _ => None,
        },
        status: AccountStatus::parse(&q.status),
        username: Some(q.username.trim().to_string()).filter(|u| !u.is_empty()),
        ..Default::default()
    };
    let page = Page {
        max_id: q.max_id,
        since_id: None,
        min_id: None,
        limit: PAGE,
    };
    let found = match accounts::list(&app, me.user(), &query, &page).await {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    let older = (found.len() as i64 == PAGE)
        .then(|| found.last())
        .flatten()
        .map(|a| {
            let mut url = url::form_urlencoded::Serializer::new(String::new());
            url.append_pair("username", &q.username)
                .append_pair("origin", &q.origin)
                .append_pair("status", &q.status)
                .append_pair("max_id", &a.account.id.to_string());
            format!("/admin/accounts?{}", url.finish())
        });
    let rows = found
        .iter()
        .map(|a| AccountRow {
            id: a.account.id,
            acct: a.account.acct(),
            email: a.user.as_ref().map(|u| u.email.clone()).unwrap_or_default(),
            created: when(a.account.created_at),
            flags: flags(a),
        })
        .collect();
    let frame = Frame::new(&app, &me, q.notice.as_deref());
    render(
        StatusCode::OK,
        &AccountsPage {
            frame,
            q,
            statuses: STATUSES,
            rows,
            older,
        },
    )
}

struct AccountBox {
    id: i64,
    acct: String,
    display_name: String,
    email: String,
    role: String,
    created: String,
    reason: Option<String>,
    sign_up_ip: Option<String>,
    ips: Vec<(String, String)>,
    statuses: i64,
    url: String,
    pending: bool,
    deleted: bool,
    flags: Vec<&'static str>,
}

#[derive(Template)]
#[template(path = "admin/account.html")]
struct AccountPage {
    frame: Frame,
    a: AccountBox,
    lifts: Vec<(&'static str, &'static str)>,
    reports: Vec<HistoryRow>,
    warnings: Vec<WarningRow>,
    action: ActionBox,
}

/// `GET /admin/accounts/:id`
async fn show(
    State(app): State<Arc<AppState>>,
    me: Staff,
    Path(id): Path<String>,
    Query(q): Query<super::NoticeQuery>,
) -> Response {
    let Some(id) = path_id(&id) else {
        return not_found();
    };
    let (found, history, warnings) = match (
        accounts::get(&app, me.user(), id).await,
        reports::history(&app, me.user(), id).await,
        accounts::warnings(&app, me.user(), id).await,
    ) {
        (Ok(a), Ok(h), Ok(w)) => (a, h, w),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return e.into_response(),
    };
    let user = found.user.as_ref();
    let mut lifts = Vec::new();
    let deleted = found.account.deleted_at.is_some();
    if user.is_some_and(|u| u.disabled) {
        lifts.push(("enable", "Enable sign-in"));
    }
    if found.account.silenced_at.is_some() {
        lifts.push(("unsilence", "Lift the limit"));
    }
    if found.account.sensitized_at.is_some() {
        lifts.push(("unsensitive", "Lift the sensitive mark"));
    }
    if found.account.suspended_at.is_some() {
        lifts.push(("unsuspend", "Unsuspend"));
    }
    if deleted {
        lifts.clear();
    }
    let a = AccountBox {
        id,
        acct: found.account.acct(),
        display_name: found.account.display_name.clone(),
        email: user.map(|u| u.email.clone()).unwrap_or_default(),
        role: user.map(|u| u.role.clone()).unwrap_or_default(),
        created: when(found.account.created_at),
        reason: user.and_then(|u| u.registration_reason.clone()),
        sign_up_ip: found.sign_up_ip.clone(),
        ips: found
            .ips
            .iter()
            .map(|(ip, at)| (ip.clone(), when(*at)))
            .collect(),
        statuses: found.account.statuses_count,
        url: found
            .account
            .url
            .clone()
            .unwrap_or_else(|| found.account.uri.clone()),
        pending: user.is_some_and(|u| !u.approved),
        deleted,
        flags: flags(&found),
    };
    let action = ActionBox {
        account_id: id,
        report_id: None,
        local: user.is_some(),
    };
    let frame = Frame::new(&app, &me, q.notice.as_deref());
    render(
        StatusCode::OK,
        &AccountPage {
            frame,
            a,
            lifts,
            reports: history.iter().map(HistoryRow::of).collect(),
            warnings: warnings.iter().map(WarningRow::of).collect(),
            action,
        },
    )
}

/// `POST /admin/accounts/:id/approve`
async fn approve(
    State(app): State<Arc<AppState>>,
    me: Staff,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let approve = async |id| accounts::approve(&app, me.user(), id).await;
    change_by_id(
        &app,
        &me,
        &f.csrf_token,
        &id,
        approve,
        "/admin/accounts/{id}",
        "approved",
    )
    .await
}

/// `POST /admin/accounts/:id/reject`: the sign-up is deleted; back to the
/// list of those still waiting.
async fn reject(
    State(app): State<Arc<AppState>>,
    me: Staff,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let reject = async |id| accounts::reject(&app, me.user(), id).await;
    let back = "/admin/accounts?status=pending";
    change_by_id(&app, &me, &f.csrf_token, &id, reject, back, "rejected").await
}

#[derive(Deserialize)]
struct ActionForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    send_email: Option<String>,
    #[serde(default)]
    report_id: Option<String>,
}

/// `POST /admin/accounts/:id/action`: back to the report when the action
/// answers one, else to the account.
async fn action(
    State(app): State<Arc<AppState>>,
    me: Staff,
    Path(id): Path<String>,
    Form(f): Form<ActionForm>,
) -> Response {
    if !me.csrf_ok(&f.csrf_token) {
        return bad_csrf(&app);
    }
    let Some(id) = path_id(&id) else {
        return not_found();
    };
    let kind = match ActionKind::from_param(&f.kind) {
        Ok(k) => k,
        Err(e) => return refused(&app, e),
    };
    let report_id = match f.report_id.as_deref().filter(|r| !r.is_empty()) {
        Some(r) => match path_id(r) {
            Some(r) => Some(r),
            None => return not_found(),
        },
        None => None,
    };
    let text = f.text.trim().to_string();
    let result = accounts::act(
        &app,
        me.user(),
        id,
        Action {
            kind,
            report_id,
            warning_text: Some(text).filter(|t| !t.is_empty()),
            send_email: f.send_email.is_some(),
        },
    )
    .await;
    match (result, report_id) {
        (Ok(()), Some(r)) => done(&format!("/admin/reports/{r}"), "action"),
        (Ok(()), None) => done(&format!("/admin/accounts/{id}"), "action"),
        (Err(e), _) => refused(&app, e),
    }
}

/// `POST /admin/accounts/:id/{enable,unsilence,unsuspend,unsensitive}`
async fn lift(
    State(app): State<Arc<AppState>>,
    me: Staff,
    Path((id, what)): Path<(String, String)>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let what = match what.as_str() {
        "enable" => Lift::Enable,
        "unsilence" => Lift::Unsilence,
        "unsuspend" => Lift::Unsuspend,
        "unsensitive" => Lift::Unsensitive,
        _ => return not_found(),
    };
    let lift = async |id| accounts::lift(&app, me.user(), id, what).await;
    change_by_id(
        &app,
        &me,
        &f.csrf_token,
        &id,
        lift,
        "/admin/accounts/{id}",
        "lifted",
    )
    .await
}
