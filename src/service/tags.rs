//! Hashtags people follow (their posts reach the home feed) and feature on
//! their profiles (at most [`MAX_FEATURED_TAGS`]).
//! <https://docs.joinmastodon.org/methods/tags/>,
//! <https://docs.joinmastodon.org/methods/featured_tags/>

use chrono::{DateTime, Utc};

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::model::{Account, Page};

pub const MAX_FEATURED_TAGS: usize = 10;

/// A hashtag on an account's profile, with how often the account used it.
#[derive(Debug, Clone)]
pub struct FeaturedTag {
    pub id: i64,
    pub name: String,
    pub statuses_count: i64,
    pub last_status_at: Option<DateTime<Utc>>,
}

/// A hashtag's name as typed (`#Name`, `name`) when it is a valid one,
/// lower-cased.
pub fn normalize(name: &str) -> Option<String> {
    let name = name.trim().trim_start_matches('#');
    (!name.is_empty()
        && name.chars().count() <= 100
        && name.chars().all(|c| c.is_alphanumeric() || c == '_'))
    .then(|| name.to_lowercase())
}

/// A hashtag with its id (None when no post ever used it) and its last
/// seven days of use, newest day first.
#[derive(Debug, Clone)]
pub struct TagInfo {
    pub id: Option<i64>,
    pub name: String,
    pub history: Vec<TagDay>,
}

/// One day of a hashtag's use: the day's start (Unix seconds), the posts
/// that used it and how many accounts wrote them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TagDay {
    pub day: i64,
    pub uses: i64,
    pub accounts: i64,
}

/// Days of history a hashtag shows, as Mastodon's.
const HISTORY_DAYS: i64 = 7;

/// The hashtags named (normalized names), each with its id and history, in
/// the order asked; two queries in all.
pub async fn infos(app: &AppState, names: &[String]) -> Result<Vec<TagInfo>> {
    use crate::db::tags::DAY_OF_IDS;
    let ids = app.store.tag_ids(names).await?;
    let today = chrono::Utc::now().timestamp_millis() / 86_400_000;
    let first = today - (HISTORY_DAYS - 1);
    let uses = app.store.tag_uses_by_day(names, first * DAY_OF_IDS).await?;
    Ok(names
        .iter()
        .map(|name| TagInfo {
            id: ids.iter().find(|(n, _)| n == name).map(|(_, id)| *id),
            name: name.clone(),
            history: (0..HISTORY_DAYS)
                .map(|back| {
                    let day = today - back;
                    let (uses, accounts) = uses
                        .iter()
                        .find(|(n, d, _, _)| n == name && *d == day)
                        .map_or((0, 0), |(_, _, u, a)| (*u, *a));
                    TagDay {
                        day: day * 86_400,
                        uses,
                        accounts,
                    }
                })
                .collect(),
        })
        .collect())
}

/// [`infos`], each with whether `me` follows it.
pub async fn infos_for(
    app: &AppState,
    me: &Account,
    names: &[String],
) -> Result<Vec<(TagInfo, bool)>> {
    let mut out = Vec::with_capacity(names.len());
    for t in infos(app, names).await? {
        let following = follows(app, me, &t.name).await?;
        out.push((t, following));
    }
    Ok(out)
}

/// One hashtag with its history (a name that is not one: 404).
pub async fn info(app: &AppState, name: &str) -> Result<TagInfo> {
    let name = normalize(name).ok_or_else(Error::not_found)?;
    let mut found = infos(app, std::slice::from_ref(&name)).await?;
    found.pop().ok_or_else(Error::not_found)
}

/// Whether `me` follows hashtag `name`.
pub async fn follows(app: &AppState, me: &Account, name: &str) -> Result<bool> {
    app.store.follows_tag(me.id, name).await
}

/// A page of the hashtags `me` follows: `(follow row id, name)`.
pub async fn followed(app: &AppState, me: &Account, page: &Page) -> Result<Vec<(i64, String)>> {
    app.store.followed_tags(me.id, page).await
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

/// The hashtags `account` features, with their use counts.
pub async fn featured(app: &AppState, account: &Account) -> Result<Vec<FeaturedTag>> {
    let mut out = Vec::new();
    for (id, name, _) in app.store.featured_tags(account.id).await? {
        let (statuses_count, last_status_at) = app.store.tag_usage(account.id, &name).await?;
        out.push(FeaturedTag {
            id,
            name,
            statuses_count,
            last_status_at,
        });
    }
    Ok(out)
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

/// Whether `owner` features hashtag `name` (normalized).
pub async fn featuring(app: &AppState, owner: &Account, name: &str) -> Result<bool> {
    Ok(app
        .store
        .featured_tags(owner.id)
        .await?
        .iter()
        .any(|(_, n, _)| n == name))
}

/// Features hashtag `name` on `owner`'s profile (nothing when it is
/// already): `POST /api/v1/tags/:name/feature`. 404 for a name that is not
/// a hashtag.
pub async fn feature_by_name(app: &AppState, owner: &Account, name: &str) -> Result<TagInfo> {
    let name = normalize(name).ok_or_else(Error::not_found)?;
    if !featuring(app, owner, &name).await? {
        feature_tag(app, owner, &name).await?;
    }
    info(app, &name).await
}

/// Stops featuring hashtag `name` (nothing when it is not featured).
pub async fn unfeature_by_name(app: &AppState, owner: &Account, name: &str) -> Result<TagInfo> {
    let name = normalize(name).ok_or_else(Error::not_found)?;
    let rows = app.store.featured_tags(owner.id).await?;
    if let Some((id, _, _)) = rows.iter().find(|(_, n, _)| *n == name) {
        unfeature_tag(app, owner, *id).await?;
    }
    info(app, &name).await
}

/// Stops featuring `owner`'s featured tag `id`.
pub async fn unfeature_tag(app: &AppState, owner: &Account, id: i64) -> Result<()> {
    if !app.store.delete_featured_tag(owner.id, id).await? {
        return Err(Error::not_found());
    }
    Ok(())
}
