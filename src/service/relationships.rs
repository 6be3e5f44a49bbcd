//! Follows, follow requests, blocks and mutes between accounts.

use chrono::{Duration, Utc};

use crate::app::AppState;
use crate::db::relationships::FollowTable;
use crate::error::{Error, Result};
use crate::federation::outbox;
use crate::model::{Account, Follow, Page};
use crate::service::notifications::notify;

/// Options of `POST /api/v1/accounts/:id/follow`.
#[derive(Debug, Clone, Copy)]
pub struct FollowOptions {
    pub reblogs: Option<bool>,
    pub notify: Option<bool>,
}

/// Follows `target`, or asks to when `target` is locked. Following again
/// updates the options.
pub async fn follow(
    app: &AppState,
    me: &Account,
    target: &Account,
    opts: FollowOptions,
) -> Result<()> {
    follow_as(app, me, target, opts, None).await
}

/// [`follow`], keeping `uri` as the follow's id when it came from another
/// server's Follow activity. A follow of a remote account stays a request
/// until that server accepts it.
pub async fn follow_as(
    app: &AppState,
    me: &Account,
    target: &Account,
    opts: FollowOptions,
    uri: Option<&str>,
) -> Result<()> {
    follow_counted(app, me, target, opts, uri, true).await
}

/// [`follow`] for a row of an imported following list: the list is the
/// user's own earlier choice, so it does not count against the daily
/// budget of new follows (Mastodon's import bypasses it too).
pub async fn follow_imported(
    app: &AppState,
    me: &Account,
    target: &Account,
    opts: FollowOptions,
) -> Result<()> {
    follow_counted(app, me, target, opts, None, false).await
}

async fn follow_counted(
    app: &AppState,
    me: &Account,
    target: &Account,
    opts: FollowOptions,
    uri: Option<&str>,
    budget: bool,
) -> Result<()> {
    if me.id == target.id {
        return Err(Error::forbidden("You cannot follow yourself"));
    }
    if app.store.blocked_either_way(me.id, target.id).await? {
        return Err(Error::forbidden("This action is not allowed"));
    }
    if target.suspended_at.is_some() {
        return Err(Error::not_found());
    }
    let now = Utc::now();
    let existing = app
        .store
        .get_follow(FollowTable::Follows, me.id, target.id)
        .await?;
    let pending = app
        .store
        .get_follow(FollowTable::Requests, me.id, target.id)
        .await?;
    // A new follow (not a change to one) counts against a local account's
    // daily budget.
    if budget && existing.is_none() && pending.is_none() && me.is_local() {
        app.limiter
            .hit_shared(
                &format!("follows:{}", me.id),
                app.config.limits.follows_per_24h,
                crate::ratelimit::DAY,
            )
            .await?;
    }
    let base = existing.clone().or(pending.clone());
    let row = Follow {
        id: base.as_ref().map_or_else(crate::id::new_id, |f| f.id),
        account_id: me.id,
        target_account_id: target.id,
        show_reblogs: opts
            .reblogs
            .unwrap_or(base.as_ref().is_none_or(|f| f.show_reblogs)),
        notify: opts
            .notify
            .unwrap_or(base.as_ref().is_some_and(|f| f.notify)),
        uri: Some(uri.map_or_else(
            || format!("{}#follows/{}", me.uri, crate::id::new_id()),
            str::to_string,
        )),
        created_at: base.as_ref().map_or(now, |f| f.created_at),
    };
    if existing.is_some() {
        return app.store.put_follow(FollowTable::Follows, &row).await;
    }
    if target.locked || pending.is_some() || !target.is_local() {
        app.store.put_follow(FollowTable::Requests, &row).await?;
        if pending.is_none() {
            notify(app, target.id, "follow_request", me, None).await?;
            if let Some(uri) = &row.uri {
                outbox::followed(app, me, target, uri).await?;
            }
        }
        return Ok(());
    }
    app.store.put_follow(FollowTable::Follows, &row).await?;
    notify(app, target.id, "follow", me, None).await?;
    backfill_home(app, me.id, target.id).await
}

/// Puts the newest posts of a newly followed account into the follower's home
/// feed, so following someone shows their recent posts (as Mastodon does).
async fn backfill_home(app: &AppState, follower: i64, target: i64) -> Result<()> {
    if !app
        .store
        .get_account(follower)
        .await?
        .is_some_and(|a| a.is_local())
    {
        return Ok(());
    }
    for id in app.store.recent_feed_status_ids(target, 40).await? {
        app.store.put_home_feed(&[follower], id, target).await?;
    }
    Ok(())
}

/// Stops following `target` (or withdraws the request).
pub async fn unfollow(app: &AppState, me: &Account, target: &Account) -> Result<()> {
    let uri = match app
        .store
        .get_follow(FollowTable::Follows, me.id, target.id)
        .await?
    {
        Some(f) => f.uri,
        None => app
            .store
            .get_follow(FollowTable::Requests, me.id, target.id)
            .await?
            .and_then(|f| f.uri),
    };
    if app
        .store
        .delete_follow(FollowTable::Follows, me.id, target.id)
        .await?
    {
        app.store
            .delete_notifications_for("follow", me.id, None, target.id)
            .await?;
    }
    if app
        .store
        .delete_follow(FollowTable::Requests, me.id, target.id)
        .await?
    {
        app.store
            .delete_notifications_for("follow_request", me.id, None, target.id)
            .await?;
    }
    if let Some(uri) = uri {
        outbox::unfollowed(app, me, target, &uri).await?;
    }
    Ok(())
}

/// Accepts `requester`'s request to follow `me`.
pub async fn authorize(app: &AppState, me: &Account, requester: &Account) -> Result<()> {
    let uri = app
        .store
        .get_follow(FollowTable::Requests, requester.id, me.id)
        .await?
        .and_then(|f| f.uri);
    if !app
        .store
        .accept_follow_request(requester.id, me.id, Utc::now())
        .await?
    {
        return Err(Error::not_found());
    }
    app.store
        .delete_notifications_for("follow_request", requester.id, None, me.id)
        .await?;
    notify(app, me.id, "follow", requester, None).await?;
    if let Some(uri) = uri {
        outbox::answered_follow(app, me, requester, &uri, "Accept").await?;
    }
    backfill_home(app, requester.id, me.id).await
}

/// Rejects `requester`'s request to follow `me`.
pub async fn reject(app: &AppState, me: &Account, requester: &Account) -> Result<()> {
    let uri = app
        .store
        .get_follow(FollowTable::Requests, requester.id, me.id)
        .await?
        .and_then(|f| f.uri);
    if !app
        .store
        .delete_follow(FollowTable::Requests, requester.id, me.id)
        .await?
    {
        return Err(Error::not_found());
    }
    app.store
        .delete_notifications_for("follow_request", requester.id, None, me.id)
        .await?;
    if let Some(uri) = uri {
        outbox::answered_follow(app, me, requester, &uri, "Reject").await?;
    }
    Ok(())
}

/// Makes `follower` stop following `me`.
pub async fn remove_from_followers(app: &AppState, me: &Account, follower: &Account) -> Result<()> {
    let uri = app
        .store
        .get_follow(FollowTable::Follows, follower.id, me.id)
        .await?
        .and_then(|f| f.uri);
    app.store
        .delete_follow(FollowTable::Follows, follower.id, me.id)
        .await?;
    if let Some(uri) = uri {
        outbox::answered_follow(app, me, follower, &uri, "Reject").await?;
    }
    Ok(())
}

/// Blocks `target`: follows both ways end, and each disappears from the
/// other's feeds.
pub async fn block(app: &AppState, me: &Account, target: &Account) -> Result<()> {
    if me.id == target.id {
        return Err(Error::forbidden("You cannot block yourself"));
    }
    app.store.put_block(me.id, target.id, Utc::now()).await?;
    app.store.sever(me.id, target.id).await?;
    app.store.purge_home_feed(me.id, target.id).await?;
    app.store.purge_home_feed(target.id, me.id).await?;
    outbox::blocked(app, me, target, true).await
}

pub async fn unblock(app: &AppState, me: &Account, target: &Account) -> Result<()> {
    app.store.delete_block(me.id, target.id).await?;
    outbox::blocked(app, me, target, false).await
}

/// Mutes `target`, optionally hiding their notifications, optionally for `duration` seconds.
pub async fn mute(
    app: &AppState,
    me: &Account,
    target: &Account,
    notifications: bool,
    duration: Option<i64>,
) -> Result<()> {
    if me.id == target.id {
        return Err(Error::forbidden("You cannot mute yourself"));
    }
    let now = Utc::now();
    let expires = duration
        .filter(|d| *d > 0)
        .map(|d| now + Duration::seconds(d.min(10 * 365 * 86_400)));
    app.store
        .put_mute(me.id, target.id, notifications, expires, now)
        .await
}

pub async fn unmute(app: &AppState, me: &Account, target: &Account) -> Result<()> {
    app.store.delete_mute(me.id, target.id).await
}

/// Everything the Relationship entity says between a viewer and one account.
#[derive(Debug, Clone)]
pub struct Relationship {
    pub target: i64,
    pub flags: crate::model::RelationFlags,
    pub endorsed: bool,
    pub note: String,
}

/// How `me` and account `target` relate.
pub async fn relationship(app: &AppState, me: &Account, target: i64) -> Result<Relationship> {
    Ok(Relationship {
        target,
        flags: app
            .store
            .relation_flags(me.id, target, chrono::Utc::now())
            .await?,
        endorsed: app.store.is_endorsed(me.id, target).await?,
        note: app.store.get_note(me.id, target).await?,
    })
}

/// How `me` relates to each existing account of `ids`.
pub async fn relationships(app: &AppState, me: &Account, ids: &[i64]) -> Result<Vec<Relationship>> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if app.store.get_account(*id).await?.is_some() {
            out.push(relationship(app, me, *id).await?);
        }
    }
    Ok(out)
}

/// The accounts `me` follows that follow `target`.
pub async fn familiar_followers(app: &AppState, me: &Account, target: i64) -> Result<Vec<Account>> {
    let ids = app.store.familiar_followers(me.id, target).await?;
    app.store.get_accounts(&ids).await
}

/// A page of accounts from a list paged by its own rows (follows, blocks,
/// requests): the accounts, newest row first, and the rows' ids at the
/// page's ends (newest, oldest).
#[derive(Debug, Default)]
pub struct AccountPage {
    pub accounts: Vec<Account>,
    pub keys: Option<(i64, i64)>,
}

async fn account_page(app: &AppState, mut pairs: Vec<(i64, i64)>) -> Result<AccountPage> {
    pairs.sort_by_key(|x| std::cmp::Reverse(x.0));
    let ids: Vec<i64> = pairs.iter().map(|(_, a)| *a).collect();
    let found = app.store.get_accounts(&ids).await?;
    let accounts = ids
        .iter()
        .filter_map(|id| found.iter().find(|a| a.id == *id).cloned())
        .collect();
    let keys = pairs.first().zip(pairs.last()).map(|(n, o)| (n.0, o.0));
    Ok(AccountPage { accounts, keys })
}

/// `target`'s followers (or, with `followers` false, whom it follows) as
/// `viewer` may see them: nothing when the account hides its network from
/// others, or when either blocks the other.
pub async fn follow_list(
    app: &AppState,
    viewer: Option<&Account>,
    target: &Account,
    followers: bool,
    page: &Page,
) -> Result<AccountPage> {
    if target.hide_collections && viewer.is_none_or(|v| v.id != target.id) {
        return Ok(AccountPage::default());
    }
    if let Some(v) = viewer
        && app.store.blocked_either_way(v.id, target.id).await?
    {
        return Ok(AccountPage::default());
    }
    let pairs = app.store.follow_list(target.id, followers, page).await?;
    account_page(app, pairs).await
}

/// Who asks to follow `me`.
pub async fn follow_requests(app: &AppState, me: &Account, page: &Page) -> Result<AccountPage> {
    let pairs = app.store.follow_request_list(me.id, page).await?;
    account_page(app, pairs).await
}

/// Whom `me` blocks.
pub async fn blocks(app: &AppState, me: &Account, page: &Page) -> Result<AccountPage> {
    let pairs = app.store.blocks_page(me.id, page).await?;
    account_page(app, pairs).await
}

/// Whom `me` mutes.
pub async fn mutes(app: &AppState, me: &Account, page: &Page) -> Result<AccountPage> {
    let pairs = app.store.mutes_page(me.id, page).await?;
    account_page(app, pairs).await
}

/// After `from` moved to `to`: its local followers follow `to` instead
/// (a request where `to` is locked), unless one blocks the other.
pub async fn move_followers(app: &AppState, from: &Account, to: &Account) -> Result<()> {
    let opts = FollowOptions {
        reblogs: None,
        notify: None,
    };
    for (follower_id, _) in app.store.local_followers(from.id).await? {
        let Some(follower) = app.store.get_account(follower_id).await? else {
            continue;
        };
        if follower.id == to.id || app.store.blocked_either_way(follower.id, to.id).await? {
            continue;
        }
        follow(app, &follower, to, opts).await?;
        unfollow(app, &follower, from).await?;
    }
    Ok(())
}
