//! The notification policy and the requests it holds back (Mastodon 4.3):
//! notifications from senders a user has not chosen (strangers' private
//! mentions, accounts limited by moderators, and whatever else the user's
//! policy filters) wait as one request per sender until accepted or
//! dismissed, or are dropped.
//! <https://docs.joinmastodon.org/methods/notifications/#get-policy>

use chrono::{DateTime, Duration, Utc};

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::model::RequestRow;
use crate::model::{Account, NotificationPolicy, Page, RelationFlags};

/// What a policy does with a kind of sender.
pub const ACTIONS: &[&str] = &["accept", "filter", "drop"];

/// Kinds no policy holds back (Mastodon's non-filterable types).
const ALWAYS: &[&str] = &[
    "poll",
    "update",
    "quoted_update",
    "admin.sign_up",
    "admin.report",
];

/// How new an account counts as new.
const NEW_ACCOUNT_DAYS: i64 = 30;

/// What becomes of a notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Accept,
    Filter,
    Drop,
}

/// `viewer`'s policy (the defaults until they change it).
pub async fn policy(app: &AppState, viewer: &Account) -> Result<NotificationPolicy> {
    Ok(app
        .store
        .get_notification_policy(viewer.id)
        .await?
        .unwrap_or_else(|| NotificationPolicy::default_for(viewer.id)))
}

/// The changes to a policy a user asked for.
#[derive(Debug, Default)]
pub struct PolicyChange {
    pub for_not_following: Option<String>,
    pub for_not_followers: Option<String>,
    pub for_new_accounts: Option<String>,
    pub for_private_mentions: Option<String>,
    pub for_limited_accounts: Option<String>,
}

/// Changes `viewer`'s policy; every value must be one of [`ACTIONS`].
pub async fn update_policy(
    app: &AppState,
    viewer: &Account,
    change: PolicyChange,
) -> Result<NotificationPolicy> {
    let mut p = policy(app, viewer).await?;
    let fields = [
        (
            change.for_not_following,
            &mut p.for_not_following,
            "for_not_following",
        ),
        (
            change.for_not_followers,
            &mut p.for_not_followers,
            "for_not_followers",
        ),
        (
            change.for_new_accounts,
            &mut p.for_new_accounts,
            "for_new_accounts",
        ),
        (
            change.for_private_mentions,
            &mut p.for_private_mentions,
            "for_private_mentions",
        ),
        (
            change.for_limited_accounts,
            &mut p.for_limited_accounts,
            "for_limited_accounts",
        ),
    ];
    for (asked, field, name) in fields {
        if let Some(v) = asked {
            if !ACTIONS.contains(&v.as_str()) {
                return Err(Error::unprocessable(format!(
                    "Validation failed: {name} must be accept, filter or drop"
                )));
            }
            *field = v;
        }
    }
    app.store.put_notification_policy(&p).await?;
    Ok(p)
}

/// What `recipient`'s policy does with a `kind` notification from `from`
/// (about `status`, if any), Mastodon's rules: each condition the sender
/// meets names an action (all but "not a follower" apply only to senders
/// the recipient does not follow); a drop wins over a filter; a sender
/// whose request was accepted always gets through.
#[allow(clippy::too_many_arguments)]
pub async fn decide(
    app: &AppState,
    recipient: &Account,
    from: &Account,
    flags: &RelationFlags,
    kind: &str,
    status: Option<&crate::model::Status>,
    now: DateTime<Utc>,
) -> Result<Decision> {
    if ALWAYS.contains(&kind) {
        return Ok(Decision::Accept);
    }
    let stranger = flags.following.is_none();
    let p = policy(app, recipient).await?;
    let private_mention = kind == "mention"
        && status.is_some_and(|s| {
            s.visibility == "direct" && s.in_reply_to_account_id != Some(recipient.id)
        });
    let conditions = [
        (stranger, p.for_not_following.as_str()),
        (!flags.followed_by, p.for_not_followers.as_str()),
        (
            stranger && from.created_at > now - Duration::days(NEW_ACCOUNT_DAYS),
            p.for_new_accounts.as_str(),
        ),
        (stranger && private_mention, p.for_private_mentions.as_str()),
        (
            stranger && from.silenced_at.is_some(),
            p.for_limited_accounts.as_str(),
        ),
    ];
    let met: Vec<&str> = conditions
        .iter()
        .filter(|(applies, _)| *applies)
        .map(|(_, action)| *action)
        .collect();
    if met.iter().all(|a| *a == "accept") {
        return Ok(Decision::Accept);
    }
    if app
        .store
        .notification_permitted(recipient.id, from.id)
        .await?
    {
        return Ok(Decision::Accept);
    }
    Ok(if met.contains(&"drop") {
        Decision::Drop
    } else {
        Decision::Filter
    })
}

/// `(requests, notifications)` waiting for `viewer`.
pub async fn pending(app: &AppState, viewer: &Account) -> Result<(i64, i64)> {
    app.store.pending_requests(viewer.id).await
}

/// A page of `viewer`'s requests, newest first.
pub async fn requests(app: &AppState, viewer: &Account, page: &Page) -> Result<Vec<RequestRow>> {
    app.store.notification_requests(viewer.id, None, page).await
}

/// `viewer`'s request from account `from`.
pub async fn request(app: &AppState, viewer: &Account, from: i64) -> Result<RequestRow> {
    app.store
        .notification_requests(
            viewer.id,
            Some(from),
            &Page {
                limit: 1,
                ..Page::default()
            },
        )
        .await?
        .pop()
        .ok_or_else(Error::not_found)
}

/// Accepts `viewer`'s request from `from`.
pub async fn accept(app: &AppState, viewer: &Account, from: i64) -> Result<()> {
    if !app
        .store
        .accept_notification_request(viewer.id, from)
        .await?
    {
        return Err(Error::not_found());
    }
    Ok(())
}

/// Dismisses `viewer`'s request from `from`.
pub async fn dismiss(app: &AppState, viewer: &Account, from: i64) -> Result<()> {
    if !app
        .store
        .dismiss_notification_request(viewer.id, from)
        .await?
    {
        return Err(Error::not_found());
    }
    Ok(())
}
