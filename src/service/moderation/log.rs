//! The audit log: every moderation action, who took it, against what, when
//! and why. Written by the moderation services themselves, so an action
//! taken from the API, the web UI or the command line is logged alike.

use crate::app::AppState;
use crate::db::admin::NewActionLog;
use crate::error::Result;
use crate::model::{Account, ActionLog, Page, Role, User};

/// What an action was taken against.
pub enum Target<'a> {
    Account(&'a Account),
    Report(i64),
    DomainBlock(&'a str),
    Status(i64),
    /// A remote post held for review, by its URI.
    Held(&'a str),
    Rule(i64),
    Announcement(i64),
    /// A custom emoji, by shortcode.
    Emoji(&'a str),
    /// The server itself (its texts).
    Server,
    /// Something named in words only (an e-mail domain, an IP range).
    Named(&'a str),
}

impl Target<'_> {
    fn parts(&self) -> (&'static str, Option<i64>, String) {
        match self {
            Target::Account(a) => ("Account", Some(a.id), format!("@{}", a.acct())),
            Target::Report(id) => ("Report", Some(*id), format!("#{id}")),
            Target::DomainBlock(domain) => ("DomainBlock", None, (*domain).to_string()),
            Target::Status(id) => ("Status", Some(*id), format!("#{id}")),
            Target::Held(uri) => ("HeldStatus", None, (*uri).to_string()),
            Target::Rule(id) => ("Rule", Some(*id), format!("rule #{id}")),
            Target::Announcement(id) => ("Announcement", Some(*id), format!("announcement #{id}")),
            Target::Emoji(code) => ("CustomEmoji", None, format!(":{code}:")),
            Target::Server => ("Instance", None, "this server".to_string()),
            Target::Named(name) => ("Block", None, (*name).to_string()),
        }
    }
}

/// Writes one line of the log.
pub async fn record(
    app: &AppState,
    actor: &User,
    action: &str,
    target: Target<'_>,
    text: &str,
) -> Result<()> {
    let (target_type, target_id, target_name) = target.parts();
    app.store
        .put_action_log(&NewActionLog {
            account_id: actor.account_id,
            action,
            target_type,
            target_id,
            target_name: &target_name,
            text,
        })
        .await?;
    tracing::info!(
        actor = actor.account_id,
        action,
        target = %target_name,
        "moderation action"
    );
    Ok(())
}

/// What a page of the log asks for.
#[derive(Debug, Default, Clone, Copy)]
pub struct LogQuery {
    /// Lines by one staff member.
    pub account_id: Option<i64>,
    /// Lines about one account.
    pub target_account_id: Option<i64>,
}

/// A page of the log, newest first, with the staff accounts that acted.
pub async fn list(
    app: &AppState,
    actor: &User,
    q: LogQuery,
    page: &Page,
) -> Result<Vec<(ActionLog, Option<Account>)>> {
    super::require(actor, Role::Moderator)?;
    let rows = app
        .store
        .action_logs(
            q.account_id,
            q.target_account_id.map(|id| ("Account", id)),
            page,
        )
        .await?;
    let mut ids: Vec<i64> = rows.iter().map(|l| l.account_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let staff = app.store.get_accounts(&ids).await?;
    Ok(rows
        .into_iter()
        .map(|l| {
            let who = staff.iter().find(|a| a.id == l.account_id).cloned();
            (l, who)
        })
        .collect())
}
