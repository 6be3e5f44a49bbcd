//! Lists, followed and featured hashtags, personal notes and endorsements:
//! the rules around them.

use chrono::Utc;

use crate::app::AppState;
use crate::error::{Error, Result, Validation};
use crate::model::List;
use crate::model::{Account, Page, RepliesPolicy, Status};

pub const MAX_LISTS: usize = 50;
pub const MAX_FEATURED_TAGS: usize = 10;

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

/// Features a hashtag on the owner's profile.
pub async fn feature_tag(app: &AppState, owner: &Account, name: &str) -> Result<i64> {
    let name = name.trim().trim_start_matches('#');
    if name.is_empty()
        || name.chars().count() > 100
        || !name.chars().all(|c| c.is_alphanumeric() || c == '_')
    {
        return Err(Error::unprocessable("Validation failed: Tag is invalid"));
    }
    if app.store.featured_tags(owner.id).await?.len() >= MAX_FEATURED_TAGS {
        return Err(Error::unprocessable(format!(
            "Validation failed: You cannot feature more than {MAX_FEATURED_TAGS} hashtags"
        )));
    }
    let tag = app.store.tag_id(name).await?;
    app.store.put_featured_tag(owner.id, tag).await?;
    Ok(tag)
}

/// Follows (`on`) or unfollows a hashtag; followed tags feed the home timeline.
pub async fn follow_tag(app: &AppState, me: &Account, name: &str, on: bool) -> Result<String> {
    let name = name.trim().trim_start_matches('#').to_lowercase();
    if name.is_empty()
        || name.chars().count() > 100
        || !name.chars().all(|c| c.is_alphanumeric() || c == '_')
    {
        return Err(Error::not_found());
    }
    let tag = app.store.tag_id(&name).await?;
    app.store.set_tag_follow(me.id, tag, on).await?;
    Ok(name)
}

/// Endorses (`on`) an account the owner follows, or stops endorsing it.
pub async fn endorse(app: &AppState, me: &Account, target: &Account, on: bool) -> Result<()> {
    if on && !app.store.follows(me.id, target.id).await? {
        return Err(Error::unprocessable(
            "Validation failed: You must follow an account to feature it",
        ));
    }
    app.store.set_endorsement(me.id, target.id, on).await
}

/// Sets the private note on `target` (empty clears it).
pub async fn set_note(app: &AppState, me: &Account, target: &Account, comment: &str) -> Result<()> {
    if comment.chars().count() > 2000 {
        return Err(Error::unprocessable(
            "Validation failed: Comment is too long (maximum is 2000 characters)",
        ));
    }
    app.store.put_note(me.id, target.id, comment).await
}
