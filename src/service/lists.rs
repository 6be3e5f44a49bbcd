//! Lists: accounts whose posts make a timeline of their own, and the rules
//! around them (a title, a replies policy, members one follows, at most
//! [`MAX_LISTS`]).
//! <https://docs.joinmastodon.org/methods/lists/>

use chrono::Utc;

use crate::app::AppState;
use crate::error::{Error, Result, Validation};
use crate::model::{Account, List, Page, RepliesPolicy, Status};

pub const MAX_LISTS: usize = 50;

fn check_list(title: &str, replies_policy: &str) -> Result<()> {
    let mut v = Validation::new();
    if title.trim().is_empty() {
        v.add("title", "ERR_BLANK", "can't be blank");
    } else if title.chars().count() > 256 {
        v.add(
            "title",
            "ERR_TOO_LONG",
            "is too long (maximum is 256 characters)",
        );
    }
    if !matches!(replies_policy, "followed" | "list" | "none") {
        v.add(
            "replies_policy",
            "ERR_INCLUSION",
            "is not included in the list",
        );
    }
    v.finish()
}

pub async fn create_list(
    app: &AppState,
    owner: &Account,
    title: &str,
    replies_policy: &str,
    exclusive: bool,
) -> Result<List> {
    check_list(title, replies_policy)?;
    if app.store.lists_of(owner.id).await?.len() >= MAX_LISTS {
        return Err(Error::unprocessable(format!(
            "Validation failed: You cannot have more than {MAX_LISTS} lists"
        )));
    }
    let list = List {
        id: crate::id::new_id(),
        account_id: owner.id,
        title: title.trim().to_string(),
        replies_policy: replies_policy.to_string(),
        exclusive,
        created_at: Utc::now(),
    };
    app.store.put_list(&list).await?;
    Ok(list)
}

pub async fn own_list(app: &AppState, owner: &Account, id: i64) -> Result<List> {
    app.store
        .get_list(owner.id, id)
        .await?
        .ok_or_else(Error::not_found)
}

pub async fn update_list(
    app: &AppState,
    owner: &Account,
    id: i64,
    title: Option<&str>,
    replies_policy: Option<&str>,
    exclusive: Option<bool>,
) -> Result<List> {
    let mut list = own_list(app, owner, id).await?;
    if let Some(t) = title {
        list.title = t.trim().to_string();
    }
    if let Some(p) = replies_policy {
        list.replies_policy = p.to_string();
    }
    if let Some(e) = exclusive {
        list.exclusive = e;
    }
    check_list(&list.title, &list.replies_policy)?;
    app.store.put_list(&list).await?;
    Ok(list)
}

/// Adds accounts to a list; each must be followed by the owner (Mastodon's rule).
pub async fn add_to_list(
    app: &AppState,
    owner: &Account,
    id: i64,
    account_ids: &[i64],
) -> Result<()> {
    let list = own_list(app, owner, id).await?;
    for target in account_ids {
        if !app.store.follows(owner.id, *target).await? {
            return Err(Error::unprocessable(
                "Validation failed: You must follow an account to add it to a list",
            ));
        }
    }
    for target in account_ids {
        app.store.set_list_member(list.id, *target, true).await?;
    }
    Ok(())
}

/// Adds `member` to list `id` for a row of an imported list: a follow
/// request still waiting for the other server is enough, as the import
/// has just sent it (Mastodon's import lists requested accounts too).
pub async fn add_requested(app: &AppState, owner: &Account, id: i64, member: i64) -> Result<()> {
    let list = own_list(app, owner, id).await?;
    let requested = app
        .store
        .get_follow(
            crate::db::relationships::FollowTable::Requests,
            owner.id,
            member,
        )
        .await?
        .is_some();
    if !requested && !app.store.follows(owner.id, member).await? {
        return Err(Error::unprocessable(
            "Validation failed: You must follow an account to add it to a list",
        ));
    }
    app.store.set_list_member(list.id, member, true).await
}

pub async fn remove_from_list(
    app: &AppState,
    owner: &Account,
    id: i64,
    account_ids: &[i64],
) -> Result<()> {
    let list = own_list(app, owner, id).await?;
    for target in account_ids {
        app.store.set_list_member(list.id, *target, false).await?;
    }
    Ok(())
}

/// A list's timeline: its members' posts the owner may see, with replies as
/// the list's `replies_policy` says. Read on demand (lists are small).
pub async fn list_timeline(
    app: &AppState,
    owner: &Account,
    id: i64,
    page: &Page,
) -> Result<Vec<Status>> {
    let list = own_list(app, owner, id).await?;
    let members = app.store.list_member_ids(list.id).await?;
    if members.is_empty() {
        return Ok(Vec::new());
    }
    let mut rows = app
        .store
        .list_statuses(
            owner.id,
            &members,
            RepliesPolicy::parse(&list.replies_policy),
            page,
        )
        .await?;
    rows.sort_by_key(|s| std::cmp::Reverse(s.id));
    Ok(rows)
}

/// Whether `owner`'s list `id` shows `status` (a new post reaching the
/// owner's home feed): its author is a member and the list's replies
/// policy lets it through, as [`list_timeline`] reads it.
pub async fn shows(app: &AppState, owner: &Account, id: i64, status: &Status) -> Result<bool> {
    let Ok(list) = own_list(app, owner, id).await else {
        return Ok(false);
    };
    let members = app.store.list_member_ids(list.id).await?;
    if !members.contains(&status.account_id) {
        return Ok(false);
    }
    let Some(to) = status.in_reply_to_account_id else {
        return Ok(true);
    };
    if to == status.account_id {
        return Ok(true);
    }
    Ok(match RepliesPolicy::parse(&list.replies_policy) {
        RepliesPolicy::None => false,
        RepliesPolicy::List => members.contains(&to),
        RepliesPolicy::Followed => app
            .store
            .relation_flags(owner.id, to, Utc::now())
            .await?
            .following
            .is_some(),
    })
}

/// `owner`'s lists.
pub async fn lists_of(app: &AppState, owner: &Account) -> Result<Vec<List>> {
    app.store.lists_of(owner.id).await
}

/// `owner`'s lists that contain `member`.
pub async fn lists_containing(app: &AppState, owner: &Account, member: i64) -> Result<Vec<List>> {
    app.store.lists_containing(owner.id, member).await
}

/// Deletes `owner`'s list `id`.
pub async fn delete_list(app: &AppState, owner: &Account, id: i64) -> Result<()> {
    let list = own_list(app, owner, id).await?;
    app.store.delete_list(list.id).await
}

/// The members of `owner`'s list `id`.
pub async fn members(app: &AppState, owner: &Account, id: i64) -> Result<Vec<Account>> {
    let list = own_list(app, owner, id).await?;
    let ids = app.store.list_member_ids(list.id).await?;
    app.store.get_accounts(&ids).await
}
