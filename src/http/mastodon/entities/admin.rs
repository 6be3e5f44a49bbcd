//! The admin API's entities: Admin::Account, Admin::Report, and roost's
//! audit log line.
//! <https://docs.joinmastodon.org/entities/Admin_Account/>

use serde::Serialize;
use serde_json::Value;

use super::{AccountEntity, RoleEntity, account, role, statuses, timestamp};
use crate::app::AppState;
use crate::error::Result;
use crate::model::{Account, ActionLog};
use crate::service::moderation::accounts::AdminAccount;
use crate::service::moderation::reports::ReportView;

/// <https://docs.joinmastodon.org/entities/Admin_Ip/>
#[derive(Debug, Serialize)]
pub struct AdminIpEntity {
    pub ip: String,
    pub used_at: String,
}

/// <https://docs.joinmastodon.org/entities/Admin_Account/>
#[derive(Debug, Serialize)]
pub struct AdminAccountEntity {
    pub id: String,
    pub username: String,
    pub domain: Option<String>,
    pub created_at: String,
    pub email: Option<String>,
    pub ip: Option<String>,
    pub ips: Vec<AdminIpEntity>,
    pub locale: Option<String>,
    pub invite_request: Option<String>,
    pub role: Option<RoleEntity>,
    pub confirmed: bool,
    pub approved: bool,
    pub disabled: bool,
    pub silenced: bool,
    pub suspended: bool,
    pub sensitized: bool,
    pub account: AccountEntity,
    pub created_by_application_id: Option<String>,
    pub invited_by_account_id: Option<String>,
}

pub fn admin_account(app: &AppState, a: &AdminAccount) -> AdminAccountEntity {
    let user = a.user.as_ref();
    AdminAccountEntity {
        id: a.account.id.to_string(),
        username: a.account.username.clone(),
        domain: a.account.domain.clone(),
        created_at: timestamp(a.account.created_at),
        email: user.map(|u| u.email.clone()),
        // The address last used, as Mastodon gives it; the sign-up one
        // before any sign-in.
        ip: a
            .ips
            .first()
            .map(|(ip, _)| ip.clone())
            .or_else(|| a.sign_up_ip.clone()),
        ips: a
            .ips
            .iter()
            .map(|(ip, at)| AdminIpEntity {
                ip: ip.clone(),
                used_at: timestamp(*at),
            })
            .collect(),
        locale: user.map(|u| u.locale.clone()),
        invite_request: user.and_then(|u| u.registration_reason.clone()),
        role: user.map(|u| role(u.role())),
        confirmed: user.is_none_or(|u| u.confirmed_at.is_some()),
        approved: user.is_none_or(|u| u.approved),
        disabled: user.is_some_and(|u| u.disabled),
        silenced: a.account.silenced_at.is_some(),
        suspended: a.account.suspended_at.is_some(),
        sensitized: a.account.sensitized_at.is_some(),
        account: account(app, &a.account),
        created_by_application_id: None,
        invited_by_account_id: None,
    }
}

/// <https://docs.joinmastodon.org/entities/Admin_Report/>
#[derive(Debug, Serialize)]
pub struct AdminReportEntity {
    pub id: String,
    pub action_taken: bool,
    pub action_taken_at: Option<String>,
    pub category: String,
    pub comment: String,
    pub forwarded: bool,
    pub created_at: String,
    pub updated_at: String,
    pub account: AdminAccountEntity,
    pub target_account: AdminAccountEntity,
    pub assigned_account: Option<AdminAccountEntity>,
    pub action_taken_by_account: Option<AdminAccountEntity>,
    pub statuses: Vec<Value>,
    pub rules: Vec<super::RuleEntity>,
}

pub async fn admin_report(
    app: &AppState,
    viewer: &Account,
    r: &ReportView,
) -> Result<AdminReportEntity> {
    let posts: Vec<_> = r.statuses.iter().map(|(s, _)| s.clone()).collect();
    let report = &r.report;
    Ok(AdminReportEntity {
        id: report.id.to_string(),
        action_taken: report.action_taken_at.is_some(),
        action_taken_at: report.action_taken_at.map(timestamp),
        category: report.category.clone(),
        comment: report.comment.clone(),
        forwarded: report.forwarded,
        created_at: timestamp(report.created_at),
        updated_at: timestamp(report.updated_at.unwrap_or(report.created_at)),
        account: admin_account(app, &r.reporter),
        target_account: admin_account(app, &r.target),
        assigned_account: r.assigned.as_ref().map(|a| admin_account(app, a)),
        action_taken_by_account: r.action_taken_by.as_ref().map(|a| admin_account(app, a)),
        statuses: statuses(app, Some(viewer), &posts).await?,
        rules: r.rules.iter().map(super::rule).collect(),
    })
}

/// One line of the audit log (roost's own entity, docs/api.md).
#[derive(Debug, Serialize)]
pub struct ActionLogEntity {
    pub id: String,
    /// The staff member who acted (null once their account is gone).
    pub account: Option<AccountEntity>,
    pub action: String,
    pub target_type: String,
    pub target_id: Option<String>,
    pub target: String,
    pub text: String,
    pub created_at: String,
}

pub fn action_log(app: &AppState, l: &ActionLog, who: Option<&Account>) -> ActionLogEntity {
    ActionLogEntity {
        id: l.id.to_string(),
        account: who.map(|a| account(app, a)),
        action: l.action.clone(),
        target_type: l.target_type.clone(),
        target_id: l.target_id.map(|id| id.to_string()),
        target: l.target_name.clone(),
        text: l.text.clone(),
        created_at: timestamp(l.created_at),
    }
}

/// <https://docs.joinmastodon.org/entities/Admin_EmailDomainBlock/>
#[derive(Debug, Serialize)]
pub struct EmailDomainBlockEntity {
    pub id: String,
    pub domain: String,
    pub created_at: String,
    /// Sign-up attempts per day; roost does not count them (always empty).
    pub history: [(); 0],
}

pub fn email_domain_block(b: &crate::model::EmailDomainBlock) -> EmailDomainBlockEntity {
    EmailDomainBlockEntity {
        id: b.id.to_string(),
        domain: b.domain.clone(),
        created_at: timestamp(b.created_at),
        history: [],
    }
}

/// <https://docs.joinmastodon.org/entities/Admin_CanonicalEmailBlock/>
#[derive(Debug, Serialize)]
pub struct CanonicalEmailBlockEntity {
    pub id: String,
    pub canonical_email_hash: String,
}

pub fn canonical_email_block(b: &crate::model::CanonicalEmailBlock) -> CanonicalEmailBlockEntity {
    CanonicalEmailBlockEntity {
        id: b.id.to_string(),
        canonical_email_hash: b.canonical_email_hash.clone(),
    }
}

/// <https://docs.joinmastodon.org/entities/Admin_IpBlock/>
#[derive(Debug, Serialize)]
pub struct IpBlockEntity {
    pub id: String,
    pub ip: String,
    pub severity: String,
    pub comment: String,
    pub created_at: String,
    pub expires_at: Option<String>,
}

pub fn ip_block(b: &crate::model::IpBlock) -> IpBlockEntity {
    IpBlockEntity {
        id: b.id.to_string(),
        ip: b.ip.clone(),
        severity: b.severity.clone(),
        comment: b.comment.clone(),
        created_at: timestamp(b.created_at),
        expires_at: b.expires_at.map(timestamp),
    }
}
