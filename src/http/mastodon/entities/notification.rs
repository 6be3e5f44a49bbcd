//! Notifications and polls.

use serde_json::{Value, json};

use std::collections::HashMap;

use super::{account, statuses, timestamp};
use crate::app::AppState;
use crate::error::Result;
use crate::model::{Account, Notification};
use crate::service::rendering;

/// <https://docs.joinmastodon.org/entities/Notification/>
pub async fn notifications(
    app: &AppState,
    viewer: &Account,
    list: &[Notification],
) -> Result<Vec<Value>> {
    let status_ids: Vec<i64> = list.iter().filter_map(|n| n.status_id).collect();
    let statuses = rendering::statuses(app, &status_ids).await?;
    // A post edited (or its author blocked) since the notification leaves
    // it out, as the post itself would be.
    let statuses = crate::service::timelines::filter_visible(app, Some(viewer), statuses).await?;
    let rendered = self::statuses(app, Some(viewer), &statuses).await?;
    let by_id: HashMap<String, Value> = rendered
        .into_iter()
        .map(|v| (v["id"].as_str().unwrap_or("").to_string(), v))
        .collect();
    let mut from_ids: Vec<i64> = list.iter().map(|n| n.from_account_id).collect();
    from_ids.dedup();
    let accounts: HashMap<i64, Account> = rendering::accounts(app, &from_ids)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    Ok(list
        .iter()
        .filter_map(|n| {
            let from = accounts.get(&n.from_account_id)?;
            let status = match n.status_id {
                Some(id) => Some(by_id.get(&id.to_string())?.clone()),
                None => None,
            };
            Some(json!({
                "id": n.id.to_string(),
                "type": n.r#type,
                "group_key": format!("ungrouped-{}", n.id),
                "created_at": timestamp(n.created_at),
                "account": account(app, from),
                "status": status,
            }))
        })
        .collect())
}

/// <https://docs.joinmastodon.org/entities/Poll/>. Totals stay hidden while a
/// `hide_totals` poll runs, except from its author.
pub async fn poll(
    app: &AppState,
    viewer: Option<&Account>,
    p: &crate::model::Poll,
    author_id: i64,
) -> Result<Value> {
    let now = chrono::Utc::now();
    let (tallies, own) = rendering::poll_counts(app, viewer, p).await?;
    let show = !p.hide_totals || p.expired(now) || viewer.is_some_and(|v| v.id == author_id);
    let options: Vec<Value> = p
        .options
        .0
        .iter()
        .enumerate()
        .map(|(i, title)| {
            let i = i64::try_from(i).unwrap_or(0);
            let votes = match &p.remote_tallies {
                Some(remote) => usize::try_from(i)
                    .ok()
                    .and_then(|i| remote.0.get(i))
                    .copied()
                    .unwrap_or(0),
                None => tallies.iter().find(|(_, c, _)| *c == i).map_or(0, |t| t.2),
            };
            json!({"title": title, "votes_count": if show { Some(votes) } else { None }})
        })
        .collect();
    let mut v = json!({
        "id": p.id.to_string(),
        "expires_at": p.expires_at.map(timestamp),
        "expired": p.expired(now),
        "multiple": p.multiple,
        "votes_count": p.votes_count,
        "voters_count": p.voters_count,
        "options": options,
        "emojis": [],
    });
    if viewer.is_some() {
        v["voted"] = json!(!own.is_empty() || viewer.is_some_and(|x| x.id == author_id));
        v["own_votes"] = json!(own);
    }
    Ok(v)
}
