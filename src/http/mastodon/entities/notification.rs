//! Notifications and polls.

use serde::Serialize;
use serde_json::Value;

use std::collections::HashMap;

use super::{account, timestamp};
use crate::app::AppState;
use crate::error::Result;
use crate::model::{Account, Notification};
use crate::service::rendering;

/// <https://docs.joinmastodon.org/entities/Notification/>
#[derive(Debug, Serialize)]
pub struct NotificationEntity {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub group_key: String,
    pub created_at: String,
    pub account: super::AccountEntity,
    pub status: Option<Value>,
    /// The report of an `admin.report` notification.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<super::ReportEntity>,
    /// The collection of an `added_to_collection` or `collection_update`
    /// notification.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collection: Option<super::CollectionEntity>,
}

/// `viewer`'s notifications as entities; those whose sender or post the
/// viewer may no longer see are left out.
pub async fn notifications(
    app: &AppState,
    viewer: &Account,
    list: &[Notification],
) -> Result<Vec<NotificationEntity>> {
    let status_ids: Vec<i64> = list.iter().filter_map(|n| n.status_id).collect();
    let statuses = rendering::statuses(app, &status_ids).await?;
    // A post edited (or its author blocked) since the notification leaves
    // it out, as the post itself would be.
    let statuses = crate::service::timelines::filter_visible(app, Some(viewer), statuses).await?;
    let rendered = super::statuses_in(
        app,
        Some(viewer),
        Some(crate::model::FilterContext::Notifications),
        &statuses,
    )
    .await?;
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
    let reports = reports_of(app, list).await?;
    let collections = collections_of(app, viewer, list).await?;
    Ok(list
        .iter()
        .filter_map(|n| {
            // Nothing from a suspended account is shown.
            let from = accounts
                .get(&n.from_account_id)
                .filter(|a| a.suspended_at.is_none())?;
            let status = match n.status_id {
                Some(id) => Some(by_id.get(&id.to_string())?.clone()),
                None => None,
            };
            Some(NotificationEntity {
                id: n.id.to_string(),
                kind: n.r#type.clone(),
                group_key: crate::service::notifications::group_key_of(n),
                created_at: timestamp(n.created_at),
                account: account(app, from),
                status,
                report: n.report_id.and_then(|id| reports.get(&id).cloned()),
                collection: n.collection_id.and_then(|id| collections.get(&id).cloned()),
            })
        })
        .collect())
}

/// The collections the collection notifications in `list` point at, as
/// `viewer` sees them.
pub async fn collections_of(
    app: &AppState,
    viewer: &Account,
    list: &[Notification],
) -> Result<HashMap<i64, super::CollectionEntity>> {
    let mut ids: Vec<i64> = list.iter().filter_map(|n| n.collection_id).collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let shown = crate::service::featured_collections::for_notifications(app, viewer, &ids).await?;
    Ok(shown
        .iter()
        .map(|s| (s.collection.id, super::collection(app, s)))
        .collect())
}

/// The reports `admin.report` notifications in `list` point at, rendered.
pub async fn reports_of(
    app: &AppState,
    list: &[Notification],
) -> Result<HashMap<i64, super::ReportEntity>> {
    let mut out = HashMap::new();
    for id in list.iter().filter_map(|n| n.report_id) {
        if out.contains_key(&id) {
            continue;
        }
        let Some(r) = crate::service::moderation::reports::for_notification(app, id).await? else {
            continue;
        };
        out.insert(id, super::stored_report(app, &r.0, &r.1));
    }
    Ok(out)
}

/// <https://docs.joinmastodon.org/entities/Poll/>
#[derive(Debug, Serialize)]
pub struct PollEntity {
    pub id: String,
    pub expires_at: Option<String>,
    pub expired: bool,
    pub multiple: bool,
    pub votes_count: i64,
    pub voters_count: i64,
    pub options: Vec<PollOptionEntity>,
    pub emojis: [(); 0],
    /// Only for a signed-in viewer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voted: Option<bool>,
    /// Only for a signed-in viewer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub own_votes: Option<Vec<i64>>,
}

/// One choice of a poll; `votes_count` is null while totals are hidden.
#[derive(Debug, Serialize)]
pub struct PollOptionEntity {
    pub title: String,
    pub votes_count: Option<i64>,
}

/// A poll for `viewer`. Totals stay hidden while a `hide_totals` poll runs,
/// except from its author.
pub async fn poll(
    app: &AppState,
    viewer: Option<&Account>,
    p: &crate::model::Poll,
    author_id: i64,
) -> Result<PollEntity> {
    let now = chrono::Utc::now();
    let (tallies, own) = rendering::poll_counts(app, viewer, p).await?;
    let show = !p.hide_totals || p.expired(now) || viewer.is_some_and(|v| v.id == author_id);
    let options = p
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
            PollOptionEntity {
                title: title.clone(),
                votes_count: show.then_some(votes),
            }
        })
        .collect();
    Ok(PollEntity {
        id: p.id.to_string(),
        expires_at: p.expires_at.map(timestamp),
        expired: p.expired(now),
        multiple: p.multiple,
        votes_count: p.votes_count,
        voters_count: p.voters_count,
        options,
        emojis: [],
        voted: viewer.map(|x| !own.is_empty() || x.id == author_id),
        own_votes: viewer.map(|_| own),
    })
}
