//! Discovery: the profile directory and follow suggestions, so that a new
//! account on a small server does not face an empty app, and the hashtags
//! someone might feature.
//! <https://docs.joinmastodon.org/methods/directory/>,
//! <https://docs.joinmastodon.org/methods/suggestions/>

use std::collections::HashMap;

use chrono::Utc;

use crate::app::AppState;
use crate::db::discovery::Source;
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
