//! Notifications: written when something happens to an account, with
//! everything the streaming API will need to push them; read with the type,
//! sender, block and mute filters Mastodon applies.

use chrono::Utc;

use crate::app::AppState;
use crate::bus::Event;
use crate::error::Result;
use crate::model::Page;
use crate::model::{Account, Notification, Status};

/// Notification types Mastodon clients know.
pub const TYPES: &[&str] = &[
    "mention",
    "status",
    "reblog",
    "follow",
    "follow_request",
    "favourite",
    "poll",
    "update",
    "quote",
    "quoted_update",
    "added_to_collection",
    "collection_update",
    "admin.sign_up",
    "admin.report",
];

/// Notifies `account_id` that `from` did `kind` (on `status_id`), unless
/// `account_id` is local-less, is `from`, blocks `from`, or mutes `from`'s
/// notifications, or was already told (a mention, a new post, a boost, a
/// favourite or a poll's end is told once). Returns the notification when
/// one was written.
pub async fn notify(
    app: &AppState,
    account_id: i64,
    kind: &str,
    from: &Account,
    status_id: Option<i64>,
) -> Result<Option<Notification>> {
    notify_about(app, account_id, kind, from, status_id, Subject::None).await
}

/// Notifies local account `account_id` that `from` added them to, or
/// changed, collection `collection_id` (`added_to_collection`,
/// `collection_update`).
pub async fn notify_collection(
    app: &AppState,
    account_id: i64,
    kind: &str,
    from: &Account,
    collection_id: i64,
) -> Result<Option<Notification>> {
    notify_about(
        app,
        account_id,
        kind,
        from,
        None,
        Subject::Collection(collection_id),
    )
    .await
}

/// What a notification is about besides a status.
#[derive(Clone, Copy)]
enum Subject {
    None,
    Report(i64),
    Collection(i64),
}

/// Tells staff member `account_id` about report `report_id` filed by `from`
/// (`admin.report`).
pub async fn notify_report(
    app: &AppState,
    account_id: i64,
    from: &Account,
    report_id: i64,
) -> Result<Option<Notification>> {
    notify_about(
        app,
        account_id,
        "admin.report",
        from,
        None,
        Subject::Report(report_id),
    )
    .await
}

async fn notify_about(
    app: &AppState,
    account_id: i64,
    kind: &str,
    from: &Account,
    status_id: Option<i64>,
    subject: Subject,
) -> Result<Option<Notification>> {
    if account_id == from.id {
        return Ok(None);
    }
    let Some(recipient) = app.store.get_account(account_id).await? else {
        return Ok(None);
    };
    if !recipient.is_local() {
        return Ok(None);
    }
    let flags = app
        .store
        .relation_flags(account_id, from.id, Utc::now())
        .await?;
    // Staff hear of reports and sign-ups whoever they block or mute.
    let staff_kind = kind.starts_with("admin.");
    if !staff_kind && (flags.blocking || flags.blocked_by || flags.muting_notifications) {
        return Ok(None);
    }
    let status = match status_id {
        Some(id) => app.store.get_status(id).await?,
        None => None,
    };
    // A muted conversation stays silent.
    if let Some(conversation) = status.as_ref().and_then(|s| s.conversation_id)
        && !app
            .store
            .muted_conversations(account_id, &[conversation])
            .await?
            .is_empty()
    {
        return Ok(None);
    }
    let now = Utc::now();
    let decision = crate::service::notification_requests::decide(
        app,
        &recipient,
        from,
        &flags,
        kind,
        status.as_ref(),
        now,
    )
    .await?;
    if decision == crate::service::notification_requests::Decision::Drop {
        return Ok(None);
    }
    let n = Notification {
        id: crate::id::new_id(),
        account_id,
        r#type: kind.to_string(),
        from_account_id: from.id,
        status_id,
        created_at: now,
        group_key: group_key(app, account_id, kind, status_id, now).await?,
        filtered: decision == crate::service::notification_requests::Decision::Filter,
        report_id: match subject {
            Subject::Report(id) => Some(id),
            _ => None,
        },
        collection_id: match subject {
            Subject::Collection(id) => Some(id),
            _ => None,
        },
    };
    if !app.store.put_notification(&n).await? {
        return Ok(None);
    }
    published(app, &n).await?;
    Ok(Some(n))
}

/// The kinds Mastodon groups.
pub const GROUPED: &[&str] = &["favourite", "reblog", "follow"];

/// How long a group stays open to new notifications after it began.
const GROUP_SPAN_HOURS: i64 = 12;

/// The group a new notification joins, as Mastodon forms them: favourites
/// and boosts of one post, and follows, each kind in groups that take in
/// what comes within 12 hours of their first notification.
async fn group_key(
    app: &AppState,
    account_id: i64,
    kind: &str,
    status_id: Option<i64>,
    now: chrono::DateTime<Utc>,
) -> Result<Option<String>> {
    let prefix = match (kind, status_id) {
        ("favourite" | "reblog", Some(status)) => format!("{kind}-{status}-"),
        ("follow", _) => "follow-".to_string(),
        _ => return Ok(None),
    };
    let mut hour = now.timestamp() / 3600;
    if let Some(last) = app.store.latest_group_key(account_id, &prefix).await?
        && let Some(started) = last
            .strip_prefix(&prefix)
            .and_then(|h| h.parse::<i64>().ok())
        && hour < started + GROUP_SPAN_HOURS
    {
        hour = started;
    }
    Ok(Some(format!("{prefix}{hour}")))
}

/// The group key of `n` as clients see it.
pub fn group_key_of(n: &Notification) -> String {
    match &n.group_key {
        Some(k) => k.clone(),
        None => format!("ungrouped-{}", n.id),
    }
}

/// Tells the recipient of a notification just written: their live sockets
/// and their Web Push subscriptions.
pub async fn published(app: &AppState, n: &Notification) -> Result<()> {
    if n.filtered {
        // Held back as a request: nothing is shown until it is accepted.
        return Ok(());
    }
    app.bus.publish(Event::Notification {
        account_id: n.account_id,
        notification_id: n.id,
    });
    crate::service::push::on_notification(app, n).await
}

/// Mentions notify the mentioned; followers who asked (`notify`) hear of new
/// posts; direct messages update each participant's conversation.
pub async fn on_new_status(
    app: &AppState,
    author: &Account,
    status: &Status,
    mentions: &[i64],
) -> Result<()> {
    for account_id in mentions {
        notify(app, *account_id, "mention", author, Some(status.id)).await?;
    }
    if status.reblog_of_id.is_none()
        && status.in_reply_to_id.is_none()
        && matches!(
            status.visibility.as_str(),
            "public" | "unlisted" | "private"
        )
    {
        for follower in app.store.notified_follower_ids(author.id).await? {
            if !mentions.contains(&follower) {
                notify(app, follower, "status", author, Some(status.id)).await?;
            }
        }
    }
    if status.visibility == "direct"
        && let Some(conversation) = status.conversation_id
    {
        let mut participants: Vec<i64> = mentions.to_vec();
        participants.push(author.id);
        let locals: Vec<i64> = app
            .store
            .get_accounts(&participants)
            .await?
            .into_iter()
            .filter(|a| a.is_local())
            .map(|a| a.id)
            .collect();
        app.store
            .touch_conversation(&locals, author.id, conversation, status.id)
            .await?;
        for account_id in locals {
            app.bus.publish(Event::Conversation {
                account_id,
                conversation_id: conversation,
            });
        }
    }
    Ok(())
}

/// An edit notifies those who boosted the status (Mastodon's `update`)
/// and those who quoted it (`quoted_update`).
pub async fn on_edit(app: &AppState, status: &Status) -> Result<()> {
    let Some(author) = app.store.get_account(status.account_id).await? else {
        return Ok(());
    };
    let page = Page {
        limit: 1000,
        ..Page::default()
    };
    for (_, booster) in app.store.reblogged_by(status.id, &page).await? {
        notify(app, booster, "update", &author, Some(status.id)).await?;
    }
    // Those who quoted it hear of it too (Mastodon 4.5's `quoted_update`).
    let quoting: Vec<i64> = app
        .store
        .quotes_page(status.id, &page)
        .await?
        .into_iter()
        .map(|(_, quoting_status)| quoting_status)
        .collect();
    let mut quoters: Vec<i64> = app
        .store
        .get_statuses(&quoting)
        .await?
        .iter()
        .map(|s| s.account_id)
        .collect();
    quoters.sort_unstable();
    quoters.dedup();
    for quoter in quoters {
        notify(app, quoter, "quoted_update", &author, Some(status.id)).await?;
    }
    Ok(())
}

/// A page of `viewer`'s notifications, filtered as asked and by blocks and mutes.
pub async fn list(
    app: &AppState,
    viewer: &Account,
    types: Option<&[String]>,
    exclude: &[String],
    from: Option<i64>,
    page: &Page,
) -> Result<Vec<Notification>> {
    let hidden = app
        .store
        .hidden_notification_senders(viewer.id, Utc::now())
        .await?;
    app.store
        .notifications(viewer.id, types, exclude, from, &hidden, page)
        .await
}

/// `viewer`'s notification `id` (someone else's does not exist for them).
pub async fn get(app: &AppState, viewer: &Account, id: i64) -> Result<Notification> {
    app.store
        .get_notification(viewer.id, id)
        .await?
        .ok_or_else(crate::error::Error::not_found)
}

/// Dismisses `viewer`'s notification `id`.
pub async fn dismiss(app: &AppState, viewer: &Account, id: i64) -> Result<()> {
    get(app, viewer, id).await?;
    app.store.delete_notification(viewer.id, id).await
}

/// Dismisses all of `viewer`'s notifications.
pub async fn clear(app: &AppState, viewer: &Account) -> Result<()> {
    app.store.clear_notifications(viewer.id).await
}

/// How many notifications `viewer` has after their `notifications` marker
/// (counted up to `cap`).
pub async fn unread_count(app: &AppState, viewer: &Account, cap: i64) -> Result<i64> {
    let after = read_up_to(app, viewer).await?;
    app.store
        .count_notifications_after(viewer.id, after, cap)
        .await
}

/// A notification group: notifications sharing a key, newest first.
#[derive(Debug, Clone)]
pub struct Group {
    pub key: String,
    pub notifications: Vec<Notification>,
}

/// What a grouped page reads: the v1 filters and which kinds to group.
pub struct GroupQuery<'a> {
    pub types: Option<&'a [String]>,
    pub exclude: &'a [String],
    pub from: Option<i64>,
    /// Kinds to group (Mastodon's `grouped_types[]`; default all it groups).
    pub grouped_types: &'a [String],
}

/// Notifications read at most for one grouped page.
const GROUP_SCAN: usize = 1000;

/// A page of `viewer`'s notifications in groups (`GET /api/v2/notifications`):
/// notifications are read newest first from the page's bound and gathered by
/// group key until `page.limit` groups are full; a group's notifications
/// older than the page appear again with it on the next page, as Mastodon
/// pages them. With `min_id`, the page is the oldest groups above it.
pub async fn grouped(
    app: &AppState,
    viewer: &Account,
    q: &GroupQuery<'_>,
    page: &Page,
) -> Result<Vec<Group>> {
    let hidden = app
        .store
        .hidden_notification_senders(viewer.id, Utc::now())
        .await?;
    let upward = page.min_id.is_some();
    let mut cursor = Page {
        limit: 200,
        ..*page
    };
    let mut groups: Vec<Group> = Vec::new();
    let mut scanned = 0;
    'pages: loop {
        let mut batch = app
            .store
            .notifications(viewer.id, q.types, q.exclude, q.from, &hidden, &cursor)
            .await?;
        let full = i64::try_from(batch.len()).unwrap_or(i64::MAX) == cursor.limit;
        if upward {
            batch.sort_by_key(|n| n.id);
        } else {
            batch.sort_by_key(|n| std::cmp::Reverse(n.id));
        }
        for n in batch {
            let key = if q.grouped_types.contains(&n.r#type) {
                group_key_of(&n)
            } else {
                format!("ungrouped-{}", n.id)
            };
            let full_page = i64::try_from(groups.len()).unwrap_or(i64::MAX) >= page.limit;
            let id = n.id;
            match groups.iter_mut().find(|g| g.key == key) {
                Some(g) => g.notifications.push(n),
                None if full_page => break 'pages,
                None => groups.push(Group {
                    key,
                    notifications: vec![n],
                }),
            }
            if upward {
                cursor.min_id = Some(id);
            } else {
                cursor.max_id = Some(id);
            }
            scanned += 1;
            if scanned >= GROUP_SCAN {
                break 'pages;
            }
        }
        if !full {
            break;
        }
    }
    if upward {
        groups.reverse();
    }
    for g in &mut groups {
        g.notifications.sort_by_key(|n| std::cmp::Reverse(n.id));
    }
    Ok(groups)
}

/// `viewer`'s group `key`: its newest 200 notifications (a single one for
/// an `ungrouped-` key).
pub async fn group(app: &AppState, viewer: &Account, key: &str) -> Result<Group> {
    let notifications = match key.strip_prefix("ungrouped-") {
        Some(id) => {
            let id = id.parse().map_err(|_| crate::error::Error::not_found())?;
            vec![get(app, viewer, id).await?]
        }
        None => {
            app.store
                .notifications_in_group(viewer.id, key, 200)
                .await?
        }
    };
    if notifications.is_empty() {
        return Err(crate::error::Error::not_found());
    }
    Ok(Group {
        key: key.to_string(),
        notifications,
    })
}

/// Dismisses every notification of `viewer`'s group `key`.
pub async fn dismiss_group(app: &AppState, viewer: &Account, key: &str) -> Result<()> {
    match key.strip_prefix("ungrouped-") {
        Some(id) => {
            let id = id.parse().map_err(|_| crate::error::Error::not_found())?;
            dismiss(app, viewer, id).await
        }
        None => app.store.delete_notification_group(viewer.id, key).await,
    }
}

/// The last notification `viewer` has read (their `notifications` marker).
async fn read_up_to(app: &AppState, viewer: &Account) -> Result<i64> {
    Ok(app
        .store
        .markers(viewer.id)
        .await?
        .into_iter()
        .find(|m| m.timeline == "notifications")
        .map_or(0, |m| m.last_read_id))
}

/// How many groups of notifications `viewer` has after their
/// `notifications` marker (counted up to `cap`).
pub async fn unread_group_count(app: &AppState, viewer: &Account, cap: i64) -> Result<i64> {
    let after = read_up_to(app, viewer).await?;
    let kinds: Vec<String> = GROUPED.iter().map(|s| s.to_string()).collect();
    let q = GroupQuery {
        types: None,
        exclude: &[],
        from: None,
        grouped_types: &kinds,
    };
    let page = Page {
        since_id: Some(after),
        limit: cap,
        ..Page::default()
    };
    let groups = grouped(app, viewer, &q, &page).await?;
    Ok(i64::try_from(groups.len()).unwrap_or(i64::MAX))
}
