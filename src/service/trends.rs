//! Trends: hashtags, posts and links that many accounts took up lately,
//! recomputed every `discovery.trends_interval_secs` and, when
//! `discovery.trends_require_review` is on, shown only once staff approved
//! them. <https://docs.joinmastodon.org/methods/trends/>
//!
//! Ranking: each distinct account counts once per item, weighted by how
//! recent its use (or, for a post, the post itself) is, halving every 12
//! hours over a 48-hour window; an item needs two accounts to trend.

use std::collections::HashMap;

use chrono::Utc;
use sha2::Digest;

use crate::app::AppState;
use crate::db::trends::Ranked;
pub use crate::db::trends::TrendRow;
use crate::error::{Error, Result};
use crate::model::{Account, Role, Status, User};
use crate::service::moderation::log::{self, Target};

/// The window trends look at, in hours.
const WINDOW_HOURS: i64 = 48;
/// Hours after which a use counts half.
const HALF_LIFE_HOURS: f64 = 12.0;
/// Distinct accounts an item needs to trend.
const MIN_ACCOUNTS: i64 = 2;
/// Items kept per kind.
const KEEP: usize = 50;
/// Posts read for links per recomputation.
const LINK_POSTS: i64 = 5000;

/// What trends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Tag,
    Status,
    Link,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Tag => "tag",
            Kind::Status => "status",
            Kind::Link => "link",
        }
    }

    /// From the admin API's path (`tags`, `statuses`, `links`).
    pub fn from_plural(s: &str) -> Option<Kind> {
        match s {
            "tags" => Some(Kind::Tag),
            "statuses" => Some(Kind::Status),
            "links" => Some(Kind::Link),
            _ => None,
        }
    }
}

/// The weight of a use `hours` old.
pub fn decay(hours: f64) -> f64 {
    0.5f64.powf(hours.max(0.0) / HALF_LIFE_HOURS)
}

fn hours_since(id: i64, now: chrono::DateTime<Utc>) -> f64 {
    let minutes = (now - crate::id::timestamp_of(id)).num_minutes();
    f64::from(i32::try_from(minutes).unwrap_or(i32::MAX)) / 60.0
}

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A link's id in the admin API: stable across recomputations.
pub fn link_id(url: &str) -> i64 {
    let digest = sha2::Sha256::digest(url.as_bytes());
    let mut bytes = [0u8; 8];
    bytes[1..].copy_from_slice(&digest[..7]);
    i64::from_be_bytes(bytes)
}

/// The links a post's HTML carries, other than mentions and hashtags,
/// without their fragment.
fn links_of(html: &str) -> Vec<String> {
    crate::text::page::post_links(html)
        .into_iter()
        .map(String::from)
        .collect()
}

/// Ranks items from `(key, account, newest use id)` uses.
fn rank_uses(
    uses: impl Iterator<Item = (String, i64, i64)>,
    now: chrono::DateTime<Utc>,
) -> Vec<(String, f64, i64, i64)> {
    let mut by_key: HashMap<String, (f64, i64, Vec<i64>)> = HashMap::new();
    for (key, account, last) in uses {
        let e = by_key.entry(key).or_insert((0.0, 0, Vec::new()));
        if e.2.contains(&account) {
            continue;
        }
        e.2.push(account);
        e.0 += decay(hours_since(last, now));
        e.1 += 1;
    }
    let mut ranked: Vec<(String, f64, i64, i64)> = by_key
        .into_iter()
        .filter(|(_, (_, _, accounts))| count(accounts.len()) >= MIN_ACCOUNTS)
        .map(|(key, (score, uses, accounts))| (key, score, uses, count(accounts.len())))
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked.truncate(KEEP);
    ranked
}

/// Recomputes the three rankings from the last 48 hours.
pub async fn recompute(app: &AppState) -> Result<()> {
    let now = Utc::now();
    let since =
        crate::id::from_millis((now - chrono::Duration::hours(WINDOW_HOURS)).timestamp_millis())
            & !0xffff;

    // Hashtags: accounts that used them publicly, by their latest use.
    let uses = app.store.trend_tag_uses(since).await?;
    let tags = rank_uses(uses.into_iter(), now);
    let names: Vec<String> = tags.iter().map(|t| t.0.clone()).collect();
    let ids = app.store.tag_ids(&names).await?;
    let tags: Vec<Ranked> = tags
        .into_iter()
        .filter_map(|(key, score, uses, accounts)| {
            let id = ids.iter().find(|(n, _)| *n == key)?.1;
            Some(Ranked {
                key,
                id,
                score,
                uses,
                accounts,
            })
        })
        .collect();
    app.store
        .replace_trends(Kind::Tag.name(), &tags, now)
        .await?;

    // Posts: the accounts that favourited or boosted them, by the post's age.
    let mut posts: Vec<Ranked> = app
        .store
        .trend_status_votes(since)
        .await?
        .into_iter()
        .filter(|(_, voters)| *voters >= MIN_ACCOUNTS)
        .map(|(id, voters)| {
            let weight = f64::from(u32::try_from(voters).unwrap_or(u32::MAX));
            Ranked {
                key: id.to_string(),
                id,
                score: weight * decay(hours_since(id, now)),
                uses: voters,
                accounts: voters,
            }
        })
        .collect();
    posts.sort_by(|a, b| b.score.total_cmp(&a.score).then(b.id.cmp(&a.id)));
    posts.truncate(KEEP);
    app.store
        .replace_trends(Kind::Status.name(), &posts, now)
        .await?;

    // Links: the accounts that shared them, by their latest post.
    let shared = app.store.trend_link_posts(since, LINK_POSTS).await?;
    let uses = shared.iter().flat_map(|(html, account, id)| {
        links_of(html).into_iter().map(move |u| (u, *account, *id))
    });
    let links: Vec<Ranked> = rank_uses(uses, now)
        .into_iter()
        .map(|(key, score, uses, accounts)| Ranked {
            id: link_id(&key),
            key,
            score,
            uses,
            accounts,
        })
        .collect();
    app.store
        .replace_trends(Kind::Link.name(), &links, now)
        .await?;
    Ok(())
}

/// Recomputes the trends every `discovery.trends_interval_secs`, once
/// across the cluster, for as long as the server runs.
pub async fn refresh_forever(app: std::sync::Arc<AppState>) {
    let secs = app.config.discovery.trends_interval_secs.max(1);
    crate::jobs::periodic::every(
        app,
        "trends",
        std::time::Duration::from_secs(secs),
        |app| async move { recompute(&app).await },
    )
    .await;
}

/// What the public trends endpoints show of `kind`: unreviewed items too
/// unless review is required; rejected ones never.
async fn shown(app: &AppState, kind: Kind, limit: i64, offset: i64) -> Result<Vec<TrendRow>> {
    app.store
        .trends(
            kind.name(),
            app.config.discovery.trends_require_review,
            false,
            limit,
            offset,
        )
        .await
}

/// Trending hashtags' names, best first.
pub async fn tags(app: &AppState, limit: i64, offset: i64) -> Result<Vec<String>> {
    Ok(shown(app, Kind::Tag, limit, offset)
        .await?
        .into_iter()
        .map(|r| r.key)
        .collect())
}

/// Trending posts `viewer` may see, best first (none of accounts they
/// block or mute).
pub async fn statuses(
    app: &AppState,
    viewer: Option<&Account>,
    limit: i64,
    offset: i64,
) -> Result<Vec<Status>> {
    let rows = shown(app, Kind::Status, limit, offset).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let found = crate::service::rendering::statuses(app, &ids).await?;
    let mut visible = crate::service::timelines::filter_visible(app, viewer, found).await?;
    if let Some(v) = viewer {
        let hidden = app.store.hidden_account_ids(v.id, Utc::now()).await?;
        visible.retain(|s| !hidden.contains(&s.account_id));
    }
    Ok(ids
        .iter()
        .filter_map(|id| visible.iter().find(|s| s.id == *id).cloned())
        .collect())
}

/// Trending links with how many posts and accounts shared them.
pub async fn links(app: &AppState, limit: i64, offset: i64) -> Result<Vec<TrendRow>> {
    shown(app, Kind::Link, limit, offset).await
}

/// Days of posts the link timeline looks at.
const LINK_TIMELINE_DAYS: i64 = 7;

/// Public posts of the last week that share `url`, a link that trends now
/// (404 otherwise, as Mastodon's link timeline), newest first, as `viewer`
/// may see them.
pub async fn link_statuses(
    app: &AppState,
    viewer: Option<&Account>,
    url: &str,
    page: &crate::model::Page,
) -> Result<Vec<Status>> {
    let keep = i64::try_from(KEEP).unwrap_or(50);
    if !shown(app, Kind::Link, keep, 0)
        .await?
        .iter()
        .any(|r| r.key == url)
    {
        return Err(Error::not_found());
    }
    let since = crate::id::from_millis(
        (Utc::now() - chrono::Duration::days(LINK_TIMELINE_DAYS)).timestamp_millis(),
    ) & !0xffff;
    let rows = app.store.statuses_linking(url, since, page).await?;
    let mut visible = crate::service::timelines::filter_visible(app, viewer, rows).await?;
    if let Some(v) = viewer {
        let hidden = app.store.hidden_account_ids(v.id, Utc::now()).await?;
        visible.retain(|s| !hidden.contains(&s.account_id));
    }
    visible.sort_by_key(|s| std::cmp::Reverse(s.id));
    Ok(visible)
}

/// Everything that trends of `kind`, reviewed or not, for staff.
pub async fn for_review(
    app: &AppState,
    actor: &User,
    kind: Kind,
    limit: i64,
) -> Result<Vec<TrendRow>> {
    crate::service::moderation::require(actor, Role::Moderator)?;
    app.store.trends(kind.name(), false, true, limit, 0).await
}

/// Staff approve (`approve`) or reject item `id` of `kind`; the audit log
/// keeps it. 404 when it does not trend now.
pub async fn review(
    app: &AppState,
    actor: &User,
    kind: Kind,
    id: i64,
    approve: bool,
) -> Result<()> {
    crate::service::moderation::require(actor, Role::Moderator)?;
    let state = if approve { "approved" } else { "rejected" };
    if !app
        .store
        .review_trend(kind.name(), id, state, Utc::now())
        .await?
    {
        return Err(Error::not_found());
    }
    let action = format!(
        "{}_trend_{}",
        if approve { "approve" } else { "reject" },
        kind.name()
    );
    let label = format!("{} {id}", kind.name());
    log::record(app, actor, &action, Target::Named(&label), "").await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uses_halve_every_twelve_hours() {
        assert!((decay(0.0) - 1.0).abs() < 1e-9);
        assert!((decay(12.0) - 0.5).abs() < 1e-9);
        assert!((decay(24.0) - 0.25).abs() < 1e-9);
    }

    #[test]
    fn links_leave_out_mentions_hashtags_and_fragments() {
        let html = r#"<p><a href="https://example.org/a#top" rel="nofollow">x</a> <a href="https://h/@a" class="u-url mention">@a</a> <a href="https://h/tags/t" class="mention hashtag">#t</a> <a href="https://example.org/a">again</a> <a href="javascript:x">no</a></p>"#;
        assert_eq!(links_of(html), vec!["https://example.org/a"]);
        assert_eq!(
            link_id("https://example.org/a"),
            link_id("https://example.org/a")
        );
        assert!(link_id("https://example.org/a") > 0);
    }
}
