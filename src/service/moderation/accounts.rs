//! What staff do to accounts: list and inspect them, approve or reject
//! sign-ups, and act on them (warn, mark sensitive, disable, silence,
//! suspend), then lift what they did. Every change is written to the audit
//! log; an action may carry a warning to the account, mailed when asked.
//! <https://docs.joinmastodon.org/methods/admin/accounts/>

use chrono::{DateTime, Utc};

use super::log::{self, Target};
use crate::app::AppState;
use crate::error::{Error, Result, Validation};
use crate::model::{Account, AccountQuery, AccountWarning, Page, Role, Standing, User};

/// The longest warning text accepted.
pub const MAX_WARNING: usize = 5000;

/// An account as staff see it: with its login (local accounts) and the
/// addresses it used.
pub struct AdminAccount {
    pub account: Account,
    pub user: Option<User>,
    pub sign_up_ip: Option<String>,
    pub ips: Vec<(String, DateTime<Utc>)>,
}

/// What `POST /api/v1/admin/accounts/:id/action` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionKind {
    None,
    Sensitive,
    Disable,
    Silence,
    Suspend,
}

impl ActionKind {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "none" => Self::None,
            "sensitive" => Self::Sensitive,
            "disable" => Self::Disable,
            "silence" => Self::Silence,
            "suspend" => Self::Suspend,
            _ => return None,
        })
    }

    /// The `type` parameter, or a 422 naming it.
    pub fn from_param(s: &str) -> Result<Self> {
        Self::parse(s).ok_or_else(|| {
            let mut v = Validation::new();
            v.add("type", "ERR_INCLUSION", "is not included in the list");
            v.into_error()
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Sensitive => "sensitive",
            Self::Disable => "disable",
            Self::Silence => "silence",
            Self::Suspend => "suspend",
        }
    }
}

/// An action with its context.
#[derive(Debug, Clone)]
pub struct Action {
    pub kind: ActionKind,
    /// The report it answers (resolved by it).
    pub report_id: Option<i64>,
    pub warning_text: Option<String>,
    /// Mail the warning to the account's owner (local accounts).
    pub send_email: bool,
}

/// The staff role every account tool needs.
const STAFF: Role = Role::Moderator;

async fn load(app: &AppState, id: i64) -> Result<AdminAccount> {
    let account = app
        .store
        .get_account(id)
        .await?
        .ok_or_else(Error::not_found)?;
    let (user, sign_up_ip, ips) = if account.is_local() {
        (
            app.store.get_user(id).await?,
            app.store.sign_up_ip(id).await?,
            app.store.user_ips(id).await?,
        )
    } else {
        (None, None, Vec::new())
    };
    Ok(AdminAccount {
        account,
        user,
        sign_up_ip,
        ips,
    })
}

/// Accounts as `q` asks, in page order.
pub async fn list(
    app: &AppState,
    actor: &User,
    q: &AccountQuery,
    page: &Page,
) -> Result<Vec<AdminAccount>> {
    super::require(actor, STAFF)?;
    let ids = app.store.admin_account_ids(q, page).await?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.push(load(app, id).await?);
    }
    Ok(out)
}

/// One account.
pub async fn get(app: &AppState, actor: &User, id: i64) -> Result<AdminAccount> {
    super::require(actor, STAFF)?;
    load(app, id).await
}

/// Refuses to act on staff of the actor's rank or above: moderators act on
/// users, admins on moderators too, nobody on an admin (roles change from
/// the command line).
fn outranks(actor: &User, target: &AdminAccount) -> Result<()> {
    // A deleted account is gone for good: nothing to act on or lift.
    if target.account.deleted_at.is_some() {
        return Err(Error::forbidden("This account was deleted"));
    }
    let target_role = target.user.as_ref().map_or(Role::User, User::role);
    if target_role == Role::User || actor.role() > target_role {
        Ok(())
    } else {
        Err(Error::forbidden("This action is not allowed"))
    }
}

/// The user row of a local account, or 403 for a remote one (the action
/// needs a login).
fn login(target: &AdminAccount) -> Result<&User> {
    target
        .user
        .as_ref()
        .ok_or_else(|| Error::forbidden("This action is not allowed"))
}

/// Approves a pending sign-up.
pub async fn approve(app: &AppState, actor: &User, id: i64) -> Result<AdminAccount> {
    super::require(actor, STAFF)?;
    let target = load(app, id).await?;
    if login(&target)?.approved {
        return Err(Error::forbidden("This action is not allowed"));
    }
    app.store.set_user_access(id, None, Some(true)).await?;
    log::record(app, actor, "approve", Target::Account(&target.account), "").await?;
    load(app, id).await
}

/// Rejects a pending sign-up: the account is deleted and its name freed.
pub async fn reject(app: &AppState, actor: &User, id: i64) -> Result<AdminAccount> {
    super::require(actor, STAFF)?;
    let target = load(app, id).await?;
    if login(&target)?.approved {
        return Err(Error::forbidden("This action is not allowed"));
    }
    log::record(app, actor, "reject", Target::Account(&target.account), "").await?;
    app.store.delete_pending_account(id).await?;
    Ok(target)
}

/// Takes `action` against account `id`, warns it when there is something
/// to tell, resolves the reports it answers, and logs it.
pub async fn act(app: &AppState, actor: &User, id: i64, action: Action) -> Result<()> {
    super::require(actor, STAFF)?;
    let target = load(app, id).await?;
    outranks(actor, &target)?;
    let text = action.warning_text.clone().unwrap_or_default();
    let mut v = Validation::new();
    if action.kind == ActionKind::Disable && target.user.is_none() {
        v.add("type", "ERR_INCLUSION", "is not included in the list");
    }
    if text.chars().count() > MAX_WARNING {
        v.add(
            "warning_text",
            "ERR_TOO_LONG",
            format!("is too long (maximum is {MAX_WARNING} characters)"),
        );
    }
    v.finish()?;
    let report = match action.report_id {
        Some(rid) => {
            let r = app
                .store
                .get_report(rid)
                .await?
                .filter(|r| r.target_account_id == id)
                .ok_or_else(Error::not_found)?;
            Some(r)
        }
        None => None,
    };
    let now = Utc::now();
    match action.kind {
        ActionKind::None => {}
        ActionKind::Sensitive => {
            app.store
                .set_account_standing(id, Standing::Sensitized, Some(now))
                .await?;
        }
        ActionKind::Disable => {
            app.store.set_user_access(id, Some(true), None).await?;
        }
        ActionKind::Silence => {
            app.store
                .set_account_standing(id, Standing::Silenced, Some(now))
                .await?;
        }
        ActionKind::Suspend => suspend(app, &target.account, now).await?,
    }
    // An action answers every open report against the account; a warning
    // alone answers only the report it names (Mastodon's rule).
    if action.kind != ActionKind::None {
        app.store
            .resolve_reports_against(id, actor.account_id)
            .await?;
    } else if let Some(r) = &report {
        app.store
            .resolve_report(r.id, Some(actor.account_id))
            .await?;
    }
    if action.kind != ActionKind::None || !text.is_empty() {
        let warning = AccountWarning {
            id: crate::id::new_id(),
            account_id: actor.account_id,
            target_account_id: id,
            action: action.kind.as_str().to_string(),
            text: text.clone(),
            report_id: report.as_ref().map(|r| r.id),
            created_at: now,
        };
        app.store.put_account_warning(&warning).await?;
        if action.send_email && target.user.is_some() && app.mail.enabled() {
            crate::jobs::enqueue(
                app,
                crate::jobs::Task::MailWarning {
                    warning_id: warning.id,
                },
            )
            .await?;
        }
    }
    let verb = match action.kind {
        ActionKind::None => "warn",
        ActionKind::Sensitive => "sensitive",
        ActionKind::Disable => "disable",
        ActionKind::Silence => "silence",
        ActionKind::Suspend => "suspend",
    };
    log::record(app, actor, verb, Target::Account(&target.account), &text).await
}

/// Suspends an account: it can no longer sign in or be seen, and other
/// servers hear a `Delete` of a local actor (Mastodon's behaviour). Its
/// data stays, so that unsuspending restores it.
async fn suspend(app: &AppState, account: &Account, now: DateTime<Utc>) -> Result<()> {
    if account.suspended_at.is_some() {
        return Ok(());
    }
    // Told before the mark: the deliveries are signed by the account.
    crate::federation::outbox::account_deleted(app, account).await?;
    app.store.withhold_media(account.id, true).await?;
    app.store
        .set_account_standing(account.id, Standing::Suspended, Some(now))
        .await
}

/// Lifts one of the marks: `enable` (disable), `unsilence`, `unsuspend`,
/// `unsensitive`.
pub async fn lift(app: &AppState, actor: &User, id: i64, what: Lift) -> Result<AdminAccount> {
    super::require(actor, STAFF)?;
    let target = load(app, id).await?;
    outranks(actor, &target)?;
    match what {
        Lift::Enable => {
            login(&target)?;
            app.store.set_user_access(id, Some(false), None).await?;
        }
        Lift::Unsilence => {
            app.store
                .set_account_standing(id, Standing::Silenced, None)
                .await?;
        }
        Lift::Unsensitive => {
            app.store
                .set_account_standing(id, Standing::Sensitized, None)
                .await?;
        }
        Lift::Unsuspend => {
            if target.account.suspended_at.is_none() {
                return Err(Error::forbidden("This action is not allowed"));
            }
            app.store
                .set_account_standing(id, Standing::Suspended, None)
                .await?;
            app.store.withhold_media(id, false).await?;
            // Servers that dropped the actor learn it is back.
            if let Some(account) = app.store.get_account(id).await? {
                crate::federation::outbox::profile_updated(app, &account).await?;
            }
        }
    }
    log::record(
        app,
        actor,
        what.verb(),
        Target::Account(&target.account),
        "",
    )
    .await?;
    load(app, id).await
}

/// A mark to lift.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lift {
    Enable,
    Unsilence,
    Unsuspend,
    Unsensitive,
}

impl Lift {
    fn verb(self) -> &'static str {
        match self {
            Lift::Enable => "enable",
            Lift::Unsilence => "unsilence",
            Lift::Unsuspend => "unsuspend",
            Lift::Unsensitive => "unsensitive",
        }
    }
}

/// Deletes a suspended account's data for good (admins only). A local
/// account keeps its row, so its name is never reused.
pub async fn delete(app: &AppState, actor: &User, id: i64) -> Result<AdminAccount> {
    super::require(actor, Role::Admin)?;
    let target = load(app, id).await?;
    outranks(actor, &target)?;
    if target.account.suspended_at.is_none() {
        return Err(Error::forbidden("This action is not allowed"));
    }
    log::record(app, actor, "destroy", Target::Account(&target.account), "").await?;
    if target.account.is_local() {
        crate::media::process::delete_account_media(app, &target.account).await?;
        app.store.erase_local_account(id).await?;
    } else {
        app.store.delete_remote_account(id).await?;
    }
    Ok(target)
}

/// Warnings an account received, newest first.
pub async fn warnings(app: &AppState, actor: &User, id: i64) -> Result<Vec<AccountWarning>> {
    super::require(actor, STAFF)?;
    app.store.account_warnings(id, 50).await
}

/// The `mail_warning` job: tells an account's owner what moderators did and
/// why.
pub async fn mail_warning(app: &AppState, warning_id: i64) -> Result<()> {
    let Some(w) = app.store.get_account_warning(warning_id).await? else {
        return Ok(());
    };
    let Some(user) = app.store.get_user(w.target_account_id).await? else {
        return Ok(());
    };
    let title = &app.config.instance.title;
    let what = match w.action.as_str() {
        "sensitive" => "The media in your posts will be marked as sensitive.",
        "disable" => "You can no longer sign in to your account.",
        "silence" => "Your account is limited: only your followers see your posts in their feeds.",
        "suspend" => "Your account is suspended: it can no longer be used or seen.",
        _ => "This is a warning from the moderators.",
    };
    let mut body = format!("The moderators of {title} took action on your account.\n\n{what}\n");
    if !w.text.is_empty() {
        body.push_str(&format!("\nTheir message:\n\n{}\n", w.text));
    }
    app.mail
        .send(
            &user.email,
            &format!("A moderation decision about your account on {title}"),
            &body,
        )
        .await
}

/// Deletes for good the data of accounts suspended longer than
/// `moderation.suspension_retention_days` (a hundred per call; the hourly
/// housekeeping calls it): local ones keep their row, as an admin's delete
/// leaves it, remote ones go. How many were deleted.
pub async fn purge_expired_suspensions(app: &AppState, now: DateTime<Utc>) -> Result<usize> {
    let days = app.config.moderation.suspension_retention_days;
    if days == 0 {
        return Ok(0);
    }
    let cutoff = now - chrono::Duration::days(i64::from(days));
    let ids = app.store.suspended_before(cutoff, 100).await?;
    for id in &ids {
        let Some(account) = app.store.get_account(*id).await? else {
            continue;
        };
        if account.is_local() {
            crate::media::process::delete_account_media(app, &account).await?;
            app.store.erase_local_account(account.id).await?;
        } else {
            app.store.delete_remote_account(account.id).await?;
        }
        tracing::info!(account = %account.acct(), "suspended account's data deleted after the retention period");
    }
    Ok(ids.len())
}
