//! Feeds. The home feed is fan-out on write: a new post is copied (by id)
//! into a `home_feed` row per local follower, so reading a home timeline is
//! one index range scan. Small fan-outs happen before the request returns;
//! large ones (see `limits.inline_fan_out_followers`) run as a queued job.
//! Public, tag and account timelines are read straight from `statuses`
//! through their partial indexes. docs/architecture.md has the reasoning.

use std::collections::HashSet;

use chrono::Utc;

use crate::app::AppState;
use crate::bus::{Change, Event};
use crate::error::Result;
use crate::jobs::{self, Task};
use crate::model::{Account, AccountFilter, Page, PublicFilter, Status, TagFilter, Visibility};

/// Sends a new status where it belongs: the author's own home feed at once,
/// followers' feeds inline or through the queue.
pub async fn distribute(app: &AppState, status: &Status) -> Result<()> {
    app.store
        .put_home_feed(&[status.account_id], status.id, status.account_id)
        .await?;
    if status.local {
        app.bus.publish(Event::Feed {
            status_id: status.id,
            change: Change::New,
            accounts: vec![status.account_id],
        });
    }
    // The counter (local and remote followers) decides without reading a
    // large follower list in the request.
    let limit = i64::from(app.config.limits.inline_fan_out_followers);
    let followers_count = app
        .store
        .get_account(status.account_id)
        .await?
        .map_or(0, |a| a.followers_count);
    if followers_count <= limit {
        let followers = app.store.local_followers(status.account_id).await?;
        fan_out_to(app, status, &followers).await
    } else {
        jobs::enqueue(
            app,
            Task::FanOut {
                status_id: status.id,
            },
        )
        .await
    }
}

/// The queued form of the fan-out.
pub async fn fan_out(app: &AppState, status_id: i64) -> Result<()> {
    let Some(status) = app.store.get_status(status_id).await? else {
        return Ok(()); // Deleted before its fan-out ran: nothing to do.
    };
    let followers = app.store.local_followers(status.account_id).await?;
    fan_out_to(app, &status, &followers).await
}

/// Which followers' home feeds get `status`, following Mastodon's rules:
/// boosts only to followers who show boosts; replies only to followers who also
/// follow the replied-to account (or when it replies to its own author);
/// direct messages only to mentioned followers.
async fn fan_out_to(app: &AppState, status: &Status, followers: &[(i64, bool)]) -> Result<()> {
    let mut targets: Vec<i64> = match status.visibility() {
        Visibility::Direct => {
            let mentioned: HashSet<i64> = app
                .store
                .mentions_of(&[status.id])
                .await?
                .into_iter()
                .map(|(_, a)| a)
                .collect();
            followers
                .iter()
                .map(|(id, _)| *id)
                .filter(|id| mentioned.contains(id))
                .collect()
        }
        _ if status.reblog_of_id.is_some() => followers
            .iter()
            .filter(|(_, show)| *show)
            .map(|(id, _)| *id)
            .collect(),
        _ => followers.iter().map(|(id, _)| *id).collect(),
    };
    if let Some(parent_author) = status.in_reply_to_account_id
        && parent_author != status.account_id
    {
        // The parent author's followers, intersected here: binding every
        // target as a placeholder would not scale to large fan-outs.
        let also: HashSet<i64> = app
            .store
            .follower_ids(parent_author)
            .await?
            .into_iter()
            .collect();
        targets.retain(|id| also.contains(id) || *id == parent_author);
    }
    if let Some(original) = status.reblog_of_id {
        // Nobody needs a boost of what they already have, or of their own post.
        if let Some(orig) = app.store.get_status(original).await? {
            targets.retain(|id| *id != orig.account_id);
        }
    }
    // Public posts also reach those who follow one of their hashtags.
    if status.visibility() == Visibility::Public && status.reblog_of_id.is_none() {
        let tags: Vec<String> = app
            .store
            .tags_of(&[status.id])
            .await?
            .into_iter()
            .map(|(_, t)| t)
            .collect();
        for id in app.store.local_tag_followers(&tags).await? {
            if !targets.contains(&id) {
                targets.push(id);
            }
        }
    }
    targets.retain(|id| *id != status.account_id);
    let added = app
        .store
        .put_home_feed(&targets, status.id, status.account_id)
        .await?;
    // Reach counts feeds newly reached, so a redone fan-out adds nothing
    // (but for remote followers of a post no local feed takes); remote
    // followers are reached with the first one (the delivery to their
    // servers is queued with the post).
    if (added > 0 || targets.is_empty()) && status.local && status.reblog_of_id.is_none() {
        let local = i64::try_from(added).unwrap_or(i64::MAX);
        let remote = if status.visibility() == Visibility::Direct {
            0
        } else {
            let all = app
                .store
                .get_account(status.account_id)
                .await?
                .map_or(0, |a| a.followers_count);
            (all - i64::try_from(followers.len()).unwrap_or(i64::MAX)).max(0)
        };
        app.analytics.reach(status.id, local, remote);
    }
    if !targets.is_empty() {
        app.bus.publish(Event::Feed {
            status_id: status.id,
            change: Change::New,
            accounts: targets,
        });
    }
    Ok(())
}

/// Drops statuses `viewer` may not see, and boosts of them.
pub async fn filter_visible(
    app: &AppState,
    viewer: Option<&Account>,
    statuses: Vec<Status>,
) -> Result<Vec<Status>> {
    let mut out = Vec::with_capacity(statuses.len());
    for s in statuses {
        if crate::service::statuses::visible_status(app, viewer, s.id)
            .await
            .is_ok()
        {
            out.push(s);
        }
    }
    Ok(out)
}

/// The accounts a status involves, any of whom a viewer may hide: its
/// author, the author of what it boosts, and those mentioned.
pub async fn involved(app: &AppState, status: &Status) -> Result<Vec<i64>> {
    let mut ids = vec![status.account_id];
    let mut of = vec![status.id];
    if let Some(original) = status.reblog_of_id {
        of.push(original);
        if let Some(o) = app.store.get_status(original).await? {
            ids.push(o.account_id);
        }
    }
    ids.extend(
        app.store
            .mentions_of(&of)
            .await?
            .into_iter()
            .map(|(_, a)| a),
    );
    Ok(ids)
}

/// What a reader's home feed leaves out: `(hidden, exclusive)`, the
/// accounts they block, are blocked by or mute, and the members of their
/// exclusive lists (read in those lists).
pub async fn home_filters(app: &AppState, reader: i64) -> Result<(Vec<i64>, Vec<i64>)> {
    Ok((
        app.store.hidden_account_ids(reader, Utc::now()).await?,
        app.store.exclusive_list_members(reader).await?,
    ))
}

/// Removes statuses by hidden accounts (blocked either way, muted, on a
/// blocked domain) and by suspended ones, and boosts of their posts.
async fn without_hidden(
    app: &AppState,
    viewer: &Account,
    statuses: Vec<Status>,
) -> Result<Vec<Status>> {
    let hidden: HashSet<i64> = app
        .store
        .hidden_account_ids(viewer.id, Utc::now())
        .await?
        .into_iter()
        .collect();
    let originals: Vec<i64> = statuses.iter().filter_map(|s| s.reblog_of_id).collect();
    let original_authors: std::collections::HashMap<i64, i64> = app
        .store
        .get_statuses(&originals)
        .await?
        .into_iter()
        .map(|s| (s.id, s.account_id))
        .collect();
    let mut authors: Vec<i64> = statuses
        .iter()
        .map(|s| s.account_id)
        .chain(original_authors.values().copied())
        .collect();
    authors.sort_unstable();
    authors.dedup();
    // Home feeds keep what was fanned out before a suspension: dropped here.
    let suspended: HashSet<i64> = app
        .store
        .get_accounts(&authors)
        .await?
        .into_iter()
        .filter(|a| a.suspended_at.is_some())
        .map(|a| a.id)
        .collect();
    let gone = |id: &i64| hidden.contains(id) || suspended.contains(id);
    Ok(statuses
        .into_iter()
        .filter(|s| !gone(&s.account_id))
        .filter(|s| {
            s.reblog_of_id
                .and_then(|o| original_authors.get(&o))
                .is_none_or(|a| !gone(a))
        })
        .collect())
}

/// Newest first, as Mastodon answers every page (even one asked for by `min_id`).
fn newest_first(mut rows: Vec<Status>) -> Vec<Status> {
    rows.sort_by_key(|x| std::cmp::Reverse(x.id));
    rows
}

/// `GET /api/v1/timelines/home`
pub async fn home(app: &AppState, viewer: &Account, page: &Page) -> Result<Vec<Status>> {
    let ids = app.store.home_feed_ids(viewer.id, page).await?;
    let mut rows = app.store.get_statuses(&ids).await?;
    // Members of exclusive lists are read in their list, not at home.
    let exclusive: HashSet<i64> = app
        .store
        .exclusive_list_members(viewer.id)
        .await?
        .into_iter()
        .collect();
    if !exclusive.is_empty() {
        rows.retain(|s| !exclusive.contains(&s.account_id));
    }
    Ok(newest_first(without_hidden(app, viewer, rows).await?))
}

/// `GET /api/v1/timelines/direct`: direct messages `viewer` wrote or is
/// mentioned in, without those of accounts they hide.
pub async fn direct(app: &AppState, viewer: &Account, page: &Page) -> Result<Vec<Status>> {
    let rows = app.store.direct_statuses(viewer.id, page).await?;
    Ok(newest_first(without_hidden(app, viewer, rows).await?))
}

/// `GET /api/v1/timelines/public`
pub async fn public(
    app: &AppState,
    viewer: Option<&Account>,
    f: PublicFilter,
    page: &Page,
) -> Result<Vec<Status>> {
    let rows = app
        .store
        .public_statuses(viewer.map(|v| v.id), f, page)
        .await?;
    let rows = match viewer {
        Some(v) => without_hidden(app, v, rows).await?,
        None => rows,
    };
    Ok(newest_first(rows))
}

/// How many tags each of `any[]`, `all[]` and `none[]` may add to a tag
/// timeline (Mastodon's `TagFeed::LIMIT_PER_MODE`).
pub const TAGS_PER_MODE: usize = 4;

/// `GET /api/v1/timelines/tag/:hashtag` with `any[]`, `all[]`, `none[]`:
/// the tag (first of `f.any`) and up to [`TAGS_PER_MODE`] more in each.
pub async fn tag(
    app: &AppState,
    viewer: Option<&Account>,
    f: &TagFilter,
    page: &Page,
) -> Result<Vec<Status>> {
    // Mastodon reads at most four extra tags per mode; the rest are
    // ignored, so a request cannot grow the query without bound.
    let take = |v: &[String]| v.iter().take(TAGS_PER_MODE).cloned().collect::<Vec<_>>();
    let f = &TagFilter {
        any: f.any.iter().take(1 + TAGS_PER_MODE).cloned().collect(),
        all: take(&f.all),
        none: take(&f.none),
        local: f.local,
    };
    let rows = app
        .store
        .tag_statuses(viewer.map(|v| v.id), f, page)
        .await?;
    let rows = match viewer {
        Some(v) => without_hidden(app, v, rows).await?,
        None => rows,
    };
    Ok(newest_first(rows))
}

/// An account's statuses as `viewer` may see them.
pub async fn account(
    app: &AppState,
    viewer: Option<&Account>,
    author: &Account,
    f: &AccountFilter,
    page: &Page,
) -> Result<Vec<Status>> {
    if let Some(v) = viewer
        && v.id != author.id
        && app.store.blocked_either_way(v.id, author.id).await?
    {
        return Ok(Vec::new());
    }
    let rows = app
        .store
        .account_statuses(viewer.map(|v| v.id), author.id, f, page)
        .await?;
    // Boosts of statuses the viewer may not see are dropped.
    let mut out = Vec::with_capacity(rows.len());
    for s in rows {
        match s.reblog_of_id {
            Some(of)
                if crate::service::statuses::visible_status(app, viewer, of)
                    .await
                    .is_err() => {}
            _ => out.push(s),
        }
    }
    Ok(newest_first(out))
}
