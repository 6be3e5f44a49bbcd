//! What staff do with reports: read them with what they point at, take
//! them, resolve them, open them again. Acting on the reported account is
//! `accounts::act` with the report's id.
//! <https://docs.joinmastodon.org/methods/admin/reports/>

use super::accounts::{self, AdminAccount};
use super::log::{self, Target};
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::model::{Account, Page, Report, ReportQuery, Role, Status, User};

const STAFF: Role = Role::Moderator;

/// A report with everything its page shows.
pub struct ReportView {
    pub report: Report,
    pub reporter: AdminAccount,
    pub target: AdminAccount,
    pub assigned: Option<AdminAccount>,
    pub action_taken_by: Option<AdminAccount>,
    /// The reported posts that still exist, whoever may see them.
    pub statuses: Vec<(Status, Account)>,
    /// The rules it cites (retired ones too).
    pub rules: Vec<crate::model::Rule>,
}

async fn view(app: &AppState, actor: &User, report: Report) -> Result<ReportView> {
    let reporter = accounts::get(app, actor, report.account_id).await?;
    let target = accounts::get(app, actor, report.target_account_id).await?;
    let assigned = match report.assigned_account_id {
        Some(id) => accounts::get(app, actor, id).await.ok(),
        None => None,
    };
    let action_taken_by = match report.action_taken_by_account_id {
        Some(id) => accounts::get(app, actor, id).await.ok(),
        None => None,
    };
    let mut statuses = Vec::new();
    for id in report.status_ids.0.iter().take(100) {
        if let Some(s) = app.store.get_status(*id).await?
            && s.account_id == report.target_account_id
        {
            statuses.push((s, target.account.clone()));
        }
    }
    let rules = app.store.rules_by_id(&report.rule_ids.0).await?;
    Ok(ReportView {
        rules,
        report,
        reporter,
        target,
        assigned,
        action_taken_by,
        statuses,
    })
}

async fn load(app: &AppState, id: i64) -> Result<Report> {
    app.store.get_report(id).await?.ok_or_else(Error::not_found)
}

/// Reports as `q` asks, in page order.
pub async fn list(
    app: &AppState,
    actor: &User,
    q: &ReportQuery,
    page: &Page,
) -> Result<Vec<ReportView>> {
    super::require(actor, STAFF)?;
    let rows = app.store.admin_reports(q, page).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(view(app, actor, r).await?);
    }
    Ok(out)
}

/// One report.
pub async fn get(app: &AppState, actor: &User, id: i64) -> Result<ReportView> {
    super::require(actor, STAFF)?;
    let r = load(app, id).await?;
    view(app, actor, r).await
}

/// Takes the report (`true`) or gives it back to nobody.
pub async fn assign(app: &AppState, actor: &User, id: i64, to_self: bool) -> Result<ReportView> {
    super::require(actor, STAFF)?;
    load(app, id).await?;
    let to = to_self.then_some(actor.account_id);
    app.store.assign_report(id, to).await?;
    let verb = if to_self {
        "assigned_to_self"
    } else {
        "unassigned"
    };
    log::record(app, actor, verb, Target::Report(id), "").await?;
    get(app, actor, id).await
}

/// Resolves the report without acting on the account (`true`), or opens
/// it again.
pub async fn resolve(app: &AppState, actor: &User, id: i64, resolved: bool) -> Result<ReportView> {
    super::require(actor, STAFF)?;
    load(app, id).await?;
    let by = resolved.then_some(actor.account_id);
    app.store.resolve_report(id, by).await?;
    let verb = if resolved { "resolve" } else { "reopen" };
    log::record(app, actor, verb, Target::Report(id), "").await?;
    get(app, actor, id).await
}

/// Earlier reports about the same account, newest first (the report page
/// shows them).
pub async fn history(app: &AppState, actor: &User, target_id: i64) -> Result<Vec<Report>> {
    super::require(actor, STAFF)?;
    let mut all = Vec::new();
    for resolved in [false, true] {
        let q = ReportQuery {
            resolved,
            account_id: None,
            target_account_id: Some(target_id),
        };
        let page = Page {
            max_id: None,
            since_id: None,
            min_id: None,
            limit: 50,
        };
        all.extend(app.store.admin_reports(&q, &page).await?);
    }
    all.sort_by_key(|r| std::cmp::Reverse(r.id));
    Ok(all)
}

/// A report and its target, for the `admin.report` notification that
/// points at it (the notification already went to staff only).
pub async fn for_notification(app: &AppState, id: i64) -> Result<Option<(Report, Account)>> {
    let Some(r) = app.store.get_report(id).await? else {
        return Ok(None);
    };
    Ok(app
        .store
        .get_account(r.target_account_id)
        .await?
        .map(|target| (r, target)))
}
