//! Analytics and insights (issue 17), aggregates only. Hot paths (a
//! profile view, a post reaching feeds) add to counters in memory
//! ([`Recorder`]); a task writes them every few seconds in one transaction
//! into day buckets. Follows and unfollows count in their own transaction
//! (`db::analytics::bump_metric!`). Once-per-day counts (profile views)
//! remember whom they counted as a hash salted with that day's random
//! salt; hashes and salt are deleted when the day is over, so no viewer
//! can be told apart past their day. Nothing is recorded for an account
//! that turned insights off.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;

use chrono::{NaiveDate, Utc};
use sha2::Digest;

use crate::app::AppState;
use crate::db::analytics::AnalyticsBatch;
use crate::error::Result;
use crate::model::Account;

/// How often gathered counts are written.
const FLUSH_EVERY: Duration = Duration::from_secs(5);

/// Counts gathered in memory since the last flush.
#[derive(Debug, Default)]
struct Pending {
    counts: HashMap<(&'static str, i64, NaiveDate), i64>,
    /// (metric, subject, day, visitor as given; hashed when written).
    uniques: HashSet<(&'static str, i64, NaiveDate, String)>,
    reach: HashMap<i64, (i64, i64)>,
    /// Local users seen, by day.
    active: HashSet<(i64, NaiveDate)>,
}

impl Pending {
    fn is_empty(&self) -> bool {
        self.counts.is_empty()
            && self.uniques.is_empty()
            && self.reach.is_empty()
            && self.active.is_empty()
    }

    fn merge(&mut self, other: Pending) {
        for (k, n) in other.counts {
            *self.counts.entry(k).or_default() += n;
        }
        self.uniques.extend(other.uniques);
        for (k, (l, r)) in other.reach {
            let e = self.reach.entry(k).or_default();
            e.0 += l;
            e.1 += r;
        }
        self.active.extend(other.active);
    }
}

/// The in-memory side of analytics: cheap to call on any request.
#[derive(Debug, Default)]
pub struct Recorder {
    pending: Mutex<Pending>,
    /// The current day's salt, once read.
    salt: Mutex<Option<(NaiveDate, String)>>,
    /// Users already recorded as active today by this process.
    seen: Mutex<(Option<NaiveDate>, HashSet<i64>)>,
}

/// Most visitors remembered in memory between flushes; past it, views are
/// dropped rather than memory grown without bound.
const MAX_PENDING_UNIQUES: usize = 100_000;

impl Recorder {
    fn with<T>(&self, f: impl FnOnce(&mut Pending) -> T) -> T {
        let mut guard = self
            .pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut guard)
    }

    /// Adds `n` to today's count of `metric` for `subject` (0: the instance).
    pub fn count(&self, metric: &'static str, subject: i64, n: i64) {
        let day = Utc::now().date_naive();
        self.with(|p| *p.counts.entry((metric, subject, day)).or_default() += n);
    }

    /// Counts `visitor` once today in `metric` for `subject`.
    pub fn unique(&self, metric: &'static str, subject: i64, visitor: String) {
        let day = Utc::now().date_naive();
        self.with(|p| {
            if p.uniques.len() < MAX_PENDING_UNIQUES {
                p.uniques.insert((metric, subject, day, visitor));
            }
        });
    }

    /// Adds to a post's reach: home feeds it reached, remote followers it
    /// was delivered to.
    pub fn reach(&self, status_id: i64, local: i64, remote: i64) {
        self.with(|p| {
            let e = p.reach.entry(status_id).or_default();
            e.0 += local;
            e.1 += remote;
        });
    }

    /// Records that local user `account_id` used the server today (once
    /// a day per process reaches the flush).
    pub fn active(&self, account_id: i64) {
        let day = Utc::now().date_naive();
        {
            let mut seen = self
                .seen
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if seen.0 != Some(day) {
                *seen = (Some(day), HashSet::new());
            }
            if !seen.1.insert(account_id) {
                return;
            }
        }
        self.with(|p| {
            p.active.insert((account_id, day));
        });
    }

    fn take(&self) -> Pending {
        self.with(std::mem::take)
    }

    fn put_back(&self, p: Pending) {
        self.with(|mine| mine.merge(p));
    }
}

/// The salt of `day`'s visitor hashes (shared by all nodes).
async fn salt(app: &AppState, day: NaiveDate) -> Result<String> {
    if let Some((d, s)) = app
        .analytics
        .salt
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .as_ref()
        && *d == day
    {
        return Ok(s.clone());
    }
    let fresh = hex(&rand::random::<[u8; 32]>());
    let salt = app.store.day_salt(&day.to_string(), &fresh).await?;
    *app.analytics
        .salt
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some((day, salt.clone()));
    Ok(salt)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes what was gathered; on failure it is kept for the next flush.
pub async fn flush(app: &AppState) -> Result<()> {
    let pending = app.analytics.take();
    if pending.is_empty() {
        return Ok(());
    }
    match write(app, &pending).await {
        Ok(()) => Ok(()),
        Err(e) => {
            app.analytics.put_back(pending);
            Err(e)
        }
    }
}

async fn write(app: &AppState, p: &Pending) -> Result<()> {
    let mut batch = AnalyticsBatch::default();
    for ((metric, subject, day), n) in &p.counts {
        batch.counts.push((metric, *subject, day.to_string(), *n));
    }
    let mut salts: HashMap<NaiveDate, String> = HashMap::new();
    for (metric, subject, day, visitor) in &p.uniques {
        let s = match salts.get(day) {
            Some(s) => s.clone(),
            None => {
                let s = salt(app, *day).await?;
                salts.insert(*day, s.clone());
                s
            }
        };
        let digest = sha2::Sha256::digest(format!("{s}:{metric}:{subject}:{visitor}").as_bytes());
        batch
            .uniques
            .push((metric, *subject, day.to_string(), hex(&digest[..16])));
    }
    for (status, (local, remote)) in &p.reach {
        batch.reach.push((*status, *local, *remote));
    }
    for (account, day) in &p.active {
        batch.active.push((day.to_string(), *account));
    }
    app.store.flush_analytics(&batch).await
}

/// How long one node's claim of the daily prune keeps the others from
/// repeating it: the nodes that see the new day within this time leave it
/// to the one that claimed it.
const PRUNE_CLAIM: std::time::Duration = std::time::Duration::from_secs(3600);

/// Writes gathered counts every few seconds, and once a day (once across
/// the nodes sharing the database) forgets the
/// past days' marks and salts and day counts past
/// `analytics.retention_days`.
pub async fn flush_forever(app: std::sync::Arc<AppState>) {
    let mut pruned: Option<NaiveDate> = None;
    loop {
        tokio::time::sleep(FLUSH_EVERY).await;
        if let Err(e) = flush(&app).await {
            tracing::warn!(error = %e, "cannot write analytics");
        }
        let today = Utc::now().date_naive();
        if pruned != Some(today) {
            // Once across the nodes: the first to see the new day prunes.
            match app
                .store
                .claim_periodic("analytics_prune", &app.node, PRUNE_CLAIM)
                .await
            {
                Ok(true) => {
                    let keep = today
                        - chrono::Duration::days(i64::from(app.config.analytics.retention_days));
                    match app
                        .store
                        .prune_analytics(&today.to_string(), &keep.to_string())
                        .await
                    {
                        Ok(()) => pruned = Some(today),
                        Err(e) => tracing::warn!(error = %e, "cannot prune analytics"),
                    }
                }
                Ok(false) => pruned = Some(today),
                Err(e) => tracing::warn!(error = %e, "cannot claim the analytics prune"),
            }
        }
    }
}

/// Counts a view of `profile`'s profile (the API's account or the web
/// page) by anyone but its owner, once per viewer per day: a signed-in
/// viewer by account, anyone else by address and browser.
pub fn profile_viewed(
    app: &AppState,
    profile: &Account,
    viewer: Option<&Account>,
    ip: std::net::IpAddr,
    user_agent: Option<&str>,
) {
    if !profile.is_local() {
        return;
    }
    let visitor = match viewer {
        Some(v) if v.id == profile.id => return,
        Some(v) => format!("a:{}", v.id),
        None => format!("ip:{ip}|{}", user_agent.unwrap_or("")),
    };
    app.analytics.unique("profile_views", profile.id, visitor);
}

/// Most days of insights one request covers.
pub const MAX_DAYS: i64 = 90;

/// One day of follower figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowerDay {
    pub date: NaiveDate,
    pub gained: i64,
    pub lost: i64,
    /// Followers at the end of the day.
    pub total: i64,
}

/// A post's figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostFigures {
    pub id: i64,
    /// Home feeds here plus remote followers it was delivered to.
    pub reach: i64,
    pub remote_reach: i64,
    pub favourites: i64,
    pub reblogs: i64,
    pub replies: i64,
}

/// A user's insights over their last days.
#[derive(Debug, Clone)]
pub struct Insights {
    pub enabled: bool,
    pub followers_gained: i64,
    pub followers_lost: i64,
    pub followers_by_day: Vec<FollowerDay>,
    pub profile_views: i64,
    pub views_by_day: Vec<(NaiveDate, i64)>,
    pub posts: i64,
    pub reach: i64,
    pub engagement: i64,
    pub top: Vec<PostFigures>,
}

/// The counts of `metric` for `subject` on each of `days` (0 where none).
async fn per_day(
    app: &AppState,
    metric: &str,
    subject: i64,
    days: &[NaiveDate],
) -> Result<Vec<i64>> {
    let (Some(first), Some(last)) = (days.first(), days.last()) else {
        return Ok(Vec::new());
    };
    let rows: HashMap<String, i64> = app
        .store
        .metric_days(metric, subject, &first.to_string(), &last.to_string())
        .await?
        .into_iter()
        .collect();
    Ok(days
        .iter()
        .map(|d| rows.get(&d.to_string()).copied().unwrap_or(0))
        .collect())
}

/// `me`'s insights over the last `days` UTC days, today included (1 to
/// [`MAX_DAYS`]; 422 otherwise). Counts written in the last few seconds
/// may not be in yet.
pub async fn insights(app: &AppState, me: &Account, days: i64) -> Result<Insights> {
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(crate::error::Error::unprocessable(format!(
            "Validation failed: days must be between 1 and {MAX_DAYS}"
        )));
    }
    let enabled = app.store.get_user(me.id).await?.is_some_and(|u| u.insights);
    let today = Utc::now().date_naive();
    let dates: Vec<NaiveDate> = (0..days)
        .rev()
        .map(|back| today - chrono::Duration::days(back))
        .collect();
    let gained = per_day(app, "followers_gained", me.id, &dates).await?;
    let lost = per_day(app, "followers_lost", me.id, &dates).await?;
    let views = per_day(app, "profile_views", me.id, &dates).await?;
    // Followers at the end of each day: today's count, less what each
    // later day changed.
    let now = app
        .store
        .get_account(me.id)
        .await?
        .map_or(me.followers_count, |a| a.followers_count);
    let mut followers_by_day = Vec::with_capacity(dates.len());
    let mut total = now;
    for i in (0..dates.len()).rev() {
        followers_by_day.push(FollowerDay {
            date: dates[i],
            gained: gained[i],
            lost: lost[i],
            total,
        });
        total -= gained[i] - lost[i];
    }
    followers_by_day.reverse();
    let midnight = dates[0]
        .and_hms_opt(0, 0, 0)
        .map_or(Utc::now(), |t| t.and_utc());
    let since = crate::id::from_millis(midnight.timestamp_millis()) & !0xffff;
    let posts: Vec<PostFigures> = app
        .store
        .post_insights(me.id, since)
        .await?
        .into_iter()
        .map(
            |(id, favourites, reblogs, replies, local, remote)| PostFigures {
                id,
                reach: local + remote,
                remote_reach: remote,
                favourites,
                reblogs,
                replies,
            },
        )
        .collect();
    let mut top = posts.clone();
    top.sort_by(|a, b| {
        let engagement = |p: &PostFigures| p.favourites + p.reblogs + p.replies;
        (b.reach, engagement(b), b.id).cmp(&(a.reach, engagement(a), a.id))
    });
    top.truncate(5);
    Ok(Insights {
        enabled,
        followers_gained: gained.iter().sum(),
        followers_lost: lost.iter().sum(),
        followers_by_day,
        profile_views: views.iter().sum(),
        views_by_day: dates.iter().copied().zip(views).collect(),
        posts: i64::try_from(posts.len()).unwrap_or(i64::MAX),
        reach: posts.iter().map(|p| p.reach).sum(),
        engagement: posts
            .iter()
            .map(|p| p.favourites + p.reblogs + p.replies)
            .sum(),
        top,
    })
}

/// A post's figures, for its author only (404 for anyone else, as for a
/// post they may not see).
pub async fn status_insights(app: &AppState, me: &Account, status_id: i64) -> Result<PostFigures> {
    let status = app
        .store
        .get_status(status_id)
        .await?
        .filter(|s| s.account_id == me.id && s.reblog_of_id.is_none())
        .ok_or_else(crate::error::Error::not_found)?;
    let (local, remote) = app.store.status_reach(status.id).await?;
    Ok(PostFigures {
        id: status.id,
        reach: local + remote,
        remote_reach: remote,
        favourites: status.favourites_count,
        reblogs: status.reblogs_count,
        replies: status.replies_count,
    })
}

/// Turns insights on or off for `me`; off, nothing more is recorded (what
/// was recorded stays until it ages out).
pub async fn set_enabled(app: &AppState, me: &Account, on: bool) -> Result<()> {
    app.store.set_insights(me.id, on).await
}
