//! Discovery: the profile directory and follow suggestions, so that a new
//! account on a small server does not face an empty app, and the hashtags
//! someone might feature.
//! <https://docs.joinmastodon.org/methods/directory/>,
//! <https://docs.joinmastodon.org/methods/suggestions/>

use std::collections::HashMap;

use chrono::Utc;

use crate::app::AppState;
pub use crate::db::discovery::Source;
use crate::error::{Error, Result};
use crate::model::Account;

/// Days of activity the "lately" sources look at.
const RECENT_DAYS: i64 = 30;

/// How much each source counts when suggestions are ranked: its first
/// account gets the weight, its n-th the weight / n.
fn weight(source: Source) -> f64 {
    match source {
        Source::Featured => 1.0,
        Source::FriendsOfFriends => 1.0,
        Source::SimilarToRecentlyFollowed => 0.8,
        Source::MostInteractions => 0.6,
        Source::MostFollowed => 0.5,
    }
}

/// A suggested account and the sources that suggest it, strongest first.
#[derive(Debug, Clone)]
pub struct Suggestion {
    pub account: Account,
    pub sources: Vec<Source>,
}

fn since_id(days: i64) -> i64 {
    crate::id::from_millis((Utc::now() - chrono::Duration::days(days)).timestamp_millis()) & !0xffff
}

async fn hidden(app: &AppState, viewer: Option<&Account>) -> Result<Vec<i64>> {
    match viewer {
        Some(v) => app.store.hidden_account_ids(v.id, Utc::now()).await,
        None => Ok(Vec::new()),
    }
}

/// A page of the profile directory: discoverable accounts (this server's
/// only when `local_only`), most recently active first or newest first,
/// without those the viewer blocks or mutes.
pub async fn directory(
    app: &AppState,
    viewer: Option<&Account>,
    local_only: bool,
    order: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<Vec<Account>> {
    let newest = match order.unwrap_or("active") {
        "active" => false,
        "new" => true,
        _ => {
            return Err(Error::unprocessable(
                "Validation failed: order must be active or new",
            ));
        }
    };
    let hidden = hidden(app, viewer).await?;
    app.store
        .directory(local_only, newest, &hidden, limit, offset)
        .await
}

/// Up to `limit` accounts to suggest to `me`, ranked over every source.
/// Never themselves, accounts they follow or asked to follow, block, mute
/// or dismissed, nor accounts that are not discoverable.
pub async fn suggestions(app: &AppState, me: &Account, limit: i64) -> Result<Vec<Suggestion>> {
    let hidden = hidden(app, Some(me)).await?;
    let since = since_id(RECENT_DAYS);
    let mut scores: HashMap<i64, (f64, Vec<(f64, Source)>)> = HashMap::new();
    for source in Source::ALL {
        let found = app
            .store
            .suggestion_candidates(source, me.id, &hidden, since, limit)
            .await?;
        for (rank, (id, _)) in found.into_iter().enumerate() {
            let place = f64::from(u32::try_from(rank).unwrap_or(u32::MAX)) + 1.0;
            let part = weight(source) / place;
            let entry = scores.entry(id).or_insert((0.0, Vec::new()));
            entry.0 += part;
            entry.1.push((part, source));
        }
    }
    let mut ranked: Vec<(i64, f64, Vec<Source>)> = scores
        .into_iter()
        .map(|(id, (score, mut parts))| {
            parts.sort_by(|a, b| b.0.total_cmp(&a.0));
            (id, score, parts.into_iter().map(|(_, s)| s).collect())
        })
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(b.0.cmp(&a.0)));
    ranked.truncate(usize::try_from(limit).unwrap_or(0));
    let ids: Vec<i64> = ranked.iter().map(|r| r.0).collect();
    let accounts = app.store.get_accounts(&ids).await?;
    Ok(ranked
        .into_iter()
        .filter_map(|(id, _, sources)| {
            accounts.iter().find(|a| a.id == id).map(|a| Suggestion {
                account: a.clone(),
                sources,
            })
        })
        .collect())
}

/// `me` does not want `account_id` suggested again (unknown ids: 404).
pub async fn dismiss(app: &AppState, me: &Account, account_id: i64) -> Result<()> {
    let target = app
        .store
        .get_account(account_id)
        .await?
        .ok_or_else(Error::not_found)?;
    app.store
        .dismiss_suggestion(me.id, target.id, Utc::now())
        .await
}

/// The hashtags `me` used most in the last weeks and does not feature yet.
pub async fn featured_tag_suggestions(app: &AppState, me: &Account) -> Result<Vec<String>> {
    app.store
        .featured_tag_candidates(me.id, since_id(RECENT_DAYS), 10)
        .await
}

/// How far back the recommended feed looks.
const RECOMMENDED_DAYS: i64 = 3;

/// Candidates read before the decay reorders them.
const RECOMMENDED_POOL: i64 = 200;

/// A post in the recommended feed and why it is there.
#[derive(Debug, Clone)]
pub struct Recommended {
    pub status: crate::model::Status,
    /// One line, e.g. "Liked or boosted by @bob and 2 others you follow".
    pub reason: String,
}

/// How a post ranks in the recommended feed: the accounts you follow who
/// favourited or boosted it, divided by its age in hours plus two, to the
/// power 1.5, so that a newer post with fewer votes can pass an older one.
pub fn recommended_score(votes: i64, age_hours: f64) -> f64 {
    let votes = f64::from(u32::try_from(votes.max(0)).unwrap_or(u32::MAX));
    votes / (age_hours.max(0.0) + 2.0).powf(1.5)
}

/// Trending posts read when the recommended feed is made.
const RECOMMENDED_TRENDING: i64 = 40;

/// The language `me` reads, as far as roost knows: their posting language,
/// or else the language of their interface.
async fn language(app: &AppState, me: &Account) -> Result<Option<String>> {
    let Some(user) = app.store.get_user(me.id).await? else {
        return Ok(None);
    };
    let tag = user.default_language.unwrap_or(user.locale);
    let code = tag
        .split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    Ok((!code.is_empty()).then_some(code))
}

/// roost's recommended feed for `me`: public posts of the last three days
/// by accounts they do not follow, favourited or boosted by accounts they
/// follow, and posts trending on this server in their language (or of no
/// stated language), ranked by [`recommended_score`], a trending post
/// counting one vote more; never from blocked, muted or suspended
/// accounts, and only what `me` may see.
pub async fn recommended(
    app: &AppState,
    me: &Account,
    limit: i64,
    offset: i64,
) -> Result<Vec<Recommended>> {
    let hidden = hidden(app, Some(me)).await?;
    let mut candidates: HashMap<i64, (i64, bool)> = app
        .store
        .recommended_candidates(me.id, &hidden, since_id(RECOMMENDED_DAYS), RECOMMENDED_POOL)
        .await?
        .into_iter()
        .map(|(id, votes)| (id, (votes, false)))
        .collect();
    // Trending posts: already visible to `me`, hidden accounts left out.
    let trending = crate::service::trends::statuses(app, Some(me), RECOMMENDED_TRENDING, 0).await?;
    let lang = language(app, me).await?;
    let authors: Vec<i64> = trending.iter().map(|s| s.account_id).collect();
    let followed = app.store.followed_among(me.id, &authors).await?;
    let oldest = since_id(RECOMMENDED_DAYS);
    for s in trending {
        let readable = match (s.language.as_deref(), lang.as_deref()) {
            (Some(theirs), Some(mine)) => theirs.eq_ignore_ascii_case(mine),
            _ => true,
        };
        if s.account_id == me.id || followed.contains(&s.account_id) || !readable || s.id < oldest {
            continue;
        }
        candidates.entry(s.id).or_insert((0, false)).1 = true;
    }
    let now = Utc::now();
    let mut ranked: Vec<(i64, i64, bool, f64)> = candidates
        .into_iter()
        .map(|(id, (votes, trending))| {
            let age = (now - crate::id::timestamp_of(id)).num_minutes();
            let hours = f64::from(i32::try_from(age).unwrap_or(i32::MAX)) / 60.0;
            (
                id,
                votes,
                trending,
                recommended_score(votes + i64::from(trending), hours),
            )
        })
        .collect();
    ranked.sort_by(|a, b| b.3.total_cmp(&a.3).then(b.0.cmp(&a.0)));
    let page: Vec<(i64, i64, bool, f64)> = ranked
        .into_iter()
        .skip(usize::try_from(offset).unwrap_or(0))
        .take(usize::try_from(limit).unwrap_or(0))
        .collect();
    let ids: Vec<i64> = page.iter().map(|r| r.0).collect();
    let statuses = crate::service::rendering::statuses(app, &ids).await?;
    let visible = crate::service::timelines::filter_visible(app, Some(me), statuses).await?;
    let who = app.store.recommenders(me.id, &ids).await?;
    let mut names: HashMap<i64, String> = HashMap::new();
    let mut voter_ids: Vec<i64> = who.iter().map(|(_, a)| *a).collect();
    voter_ids.sort_unstable();
    voter_ids.dedup();
    for a in app.store.get_accounts(&voter_ids).await? {
        names.insert(a.id, a.acct());
    }
    let here = &app.config.server.domain;
    Ok(page
        .iter()
        .filter_map(|(id, votes, trending, _)| {
            let status = visible.iter().find(|s| s.id == *id)?.clone();
            let first = who
                .iter()
                .filter(|(s, _)| s == id)
                .filter_map(|(_, a)| names.get(a))
                .min()
                .cloned()
                .unwrap_or_default();
            let reason = match votes - 1 {
                _ if *votes == 0 => format!("Trending on {here}"),
                0 => format!("Liked or boosted by @{first}, whom you follow"),
                1 => format!("Liked or boosted by @{first} and 1 other you follow"),
                n => format!("Liked or boosted by @{first} and {n} others you follow"),
            };
            let reason = if *trending && *votes > 0 {
                format!("{reason}; trending on {here}")
            } else {
                reason
            };
            Some(Recommended { status, reason })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::recommended_score;

    #[test]
    fn newer_posts_pass_older_ones_with_more_votes() {
        // Two votes an hour old beat three votes a day old.
        assert!(recommended_score(2, 1.0) > recommended_score(3, 24.0));
        // At the same age, more votes rank higher.
        assert!(recommended_score(3, 5.0) > recommended_score(2, 5.0));
        assert_eq!(recommended_score(0, 1.0), 0.0);
    }
}
