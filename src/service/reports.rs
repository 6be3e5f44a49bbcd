//! Reports: a local user reports an account (and some of its posts) to the
//! moderators, and may forward the report to the account's own server.
//! <https://docs.joinmastodon.org/methods/reports/>

use crate::app::AppState;
use crate::db::federation::NewReport;
use crate::error::{Error, Result, Validation};
use crate::federation::outbox;
use crate::model::Account;

/// The longest comment Mastodon accepts.
pub const MAX_COMMENT: usize = 1000;

/// What `POST /api/v1/reports` carries.
pub struct ReportDraft {
    pub target_id: i64,
    pub status_ids: Vec<i64>,
    pub comment: String,
    pub category: String,
    pub forward: bool,
    /// The rules broken; naming any makes the category `violation`.
    pub rule_ids: Vec<i64>,
}

/// A filed report, as the API shows it.
pub struct Filed {
    pub id: i64,
    pub target: Account,
    pub status_ids: Vec<i64>,
    pub forwarded: bool,
    pub comment: String,
    pub category: String,
    pub rule_ids: Vec<i64>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// Files `reporter`'s report; forwards it as a Flag when asked and the
/// target is remote.
pub async fn create(app: &AppState, reporter: &Account, mut d: ReportDraft) -> Result<Filed> {
    app.limiter
        .hit_shared(
            &format!("reports:{}", reporter.id),
            app.config.limits.reports_per_24h,
            crate::ratelimit::DAY,
        )
        .await?;
    let mut v = Validation::new();
    if d.comment.chars().count() > MAX_COMMENT {
        v.add(
            "comment",
            "ERR_TOO_LONG",
            format!("is too long (maximum is {MAX_COMMENT} characters)"),
        );
    }
    if !matches!(
        d.category.as_str(),
        "spam" | "legal" | "violation" | "other"
    ) {
        v.add("category", "ERR_INCLUSION", "is not included in the list");
    }
    if d.status_ids.len() > 100 {
        v.add("status_ids", "ERR_TOO_LONG", "is too long (maximum is 100)");
    }
    // Rules named must be rules in force; naming any makes it a violation,
    // as Mastodon files it.
    d.rule_ids.sort_unstable();
    d.rule_ids.dedup();
    if !d.rule_ids.is_empty() {
        let rules = crate::service::moderation::rules::list(app).await?;
        if d.rule_ids
            .iter()
            .any(|id| rules.iter().all(|r| r.id != *id))
        {
            v.add("rule_ids", "ERR_INVALID", "are invalid");
        }
        d.category = "violation".into();
    }
    v.finish()?;
    let target = app
        .store
        .get_account(d.target_id)
        .await?
        .ok_or_else(Error::not_found)?;
    if target.id == reporter.id {
        return Err(Error::unprocessable("You cannot report yourself"));
    }
    // Only the target's own posts, and only ones the reporter can see; a
    // post the reporter cannot see answers as a missing one would (404), so
    // a report cannot probe for private posts.
    let mut statuses = Vec::new();
    for s in app.store.get_statuses(&d.status_ids).await? {
        let Some(author) = app.store.get_account(s.account_id).await? else {
            return Err(Error::not_found());
        };
        if !crate::service::visibility::can_see(app, Some(reporter), &s, &author).await? {
            return Err(Error::not_found());
        }
        if s.account_id != target.id {
            return Err(Error::unprocessable(
                "Validation failed: Status ids must belong to the reported account",
            ));
        }
        statuses.push(s);
    }
    if statuses.len() != d.status_ids.len() {
        return Err(Error::not_found());
    }
    let forwarded = d.forward && !target.is_local();
    let ids: Vec<i64> = statuses.iter().map(|s| s.id).collect();
    let id = app
        .store
        .put_report(&NewReport {
            uri: None,
            account_id: reporter.id,
            target_id: target.id,
            status_ids: &ids,
            comment: &d.comment,
            category: &d.category,
            forwarded,
            rule_ids: &d.rule_ids,
        })
        .await?;
    if forwarded {
        outbox::report_forwarded(app, id, &target, &statuses, &d.comment).await?;
    }
    tell_staff(app, reporter, id).await?;
    Ok(Filed {
        id,
        target,
        status_ids: ids,
        forwarded,
        comment: d.comment,
        category: d.category,
        rule_ids: d.rule_ids,
        created_at: chrono::Utc::now(),
    })
}

/// Notifies every moderator and admin of a new report (`admin.report`), as
/// Mastodon does; the reporter is the notification's account.
pub async fn tell_staff(app: &AppState, reporter: &Account, report_id: i64) -> Result<()> {
    for staff in app.store.staff_account_ids().await? {
        crate::service::notifications::notify_report(app, staff, reporter, report_id).await?;
    }
    Ok(())
}
