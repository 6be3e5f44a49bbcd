//! `Flag`: a report from another server about local accounts and posts.
//! <https://docs.joinmastodon.org/spec/activitypub/#Flag>

use serde_json::Value;

use super::inbox::id_of;
use crate::app::AppState;
use crate::error::Result;
use crate::model::Account;

/// `Flag`: a report from another server about local accounts and posts.
pub async fn flag(app: &AppState, actor: &Account, activity: &Value) -> Result<()> {
    if app
        .store
        .domain_block_of(actor.domain.as_deref().unwrap_or(""))
        .await?
        .is_some_and(|b| b.reject_reports)
    {
        return Ok(());
    }
    let objects = super::protocol::OneOrMany::<Value>::from_value(
        activity.get("object").cloned().unwrap_or(Value::Null),
    );
    let mut target: Option<Account> = None;
    let mut statuses: Vec<i64> = Vec::new();
    for o in objects.iter().take(100) {
        let Some(uri) = id_of(Some(o)) else { continue };
        if !uri.starts_with(&app.base_url) {
            continue;
        }
        if let Some(name) = uri.strip_prefix(&app.url("/users/"))
            && !name.contains('/')
        {
            target = app.store.get_local_account_by_username(name).await?;
        } else if let Some(s) = app.store.get_status_by_uri(uri).await? {
            statuses.push(s.id);
            if target.is_none() {
                target = app.store.get_account(s.account_id).await?;
            }
        }
    }
    let Some(target) = target else {
        return Ok(());
    };
    // Only posts of the reported account belong in its report.
    let own: Vec<i64> = app
        .store
        .get_statuses(&statuses)
        .await?
        .into_iter()
        .filter(|s| s.account_id == target.id)
        .map(|s| s.id)
        .collect();
    let comment: String = activity
        .get("content")
        .and_then(Value::as_str)
        .unwrap_or("")
        .chars()
        .take(1000)
        .collect();
    let uri = activity.get("id").and_then(Value::as_str);
    let id = app
        .store
        .put_report(&crate::db::federation::NewReport {
            uri,
            account_id: actor.id,
            target_id: target.id,
            status_ids: &own,
            comment: &comment,
            category: "other",
            forwarded: true,
            rule_ids: &[],
        })
        .await?;
    crate::service::reports::tell_staff(app, actor, id).await
}
