//! What admins see of their instance (issue 17): Mastodon's measures
//! (`/api/v1/admin/measures`), retention cohorts (`/api/v1/admin/retention`)
//! and the public weekly activity (`/api/v1/instance/activity`), all read
//! from the tables and day counts (`db::analytics`).

use chrono::{Datelike, Duration, NaiveDate, Utc};

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::model::analytics::{DimensionKey, MeasureKey};

/// Longest window a measure or retention request covers, in days.
pub const MAX_WINDOW_DAYS: i64 = 400;

/// A measure over a window.
#[derive(Debug, Clone)]
pub struct Measured {
    pub key: MeasureKey,
    /// Over the window (all time for `instance_*` keys).
    pub total: i64,
    /// Over the window of the same length just before (None for
    /// `instance_*` keys).
    pub previous_total: Option<i64>,
    /// Every day of the window, 0 where nothing happened.
    pub data: Vec<(NaiveDate, i64)>,
}

fn midnight(d: NaiveDate) -> chrono::DateTime<Utc> {
    d.and_hms_opt(0, 0, 0)
        .map_or_else(Utc::now, |t| t.and_utc())
}

/// Checks a window of days (`start` to `end`, both included).
pub fn check_window(start: NaiveDate, end: NaiveDate) -> Result<()> {
    if end < start {
        return Err(Error::unprocessable(
            "Validation failed: end_at must not be before start_at",
        ));
    }
    if (end - start).num_days() >= MAX_WINDOW_DAYS {
        return Err(Error::unprocessable(format!(
            "Validation failed: a window covers at most {MAX_WINDOW_DAYS} days"
        )));
    }
    Ok(())
}

/// `keys` measured over the days `start` to `end`.
pub async fn measures(
    app: &AppState,
    keys: &[MeasureKey],
    start: NaiveDate,
    end: NaiveDate,
) -> Result<Vec<Measured>> {
    check_window(start, end)?;
    let (from, to) = (midnight(start), midnight(end) + Duration::days(1));
    let length = to - from;
    let mut out = Vec::with_capacity(keys.len());
    for key in keys {
        if let MeasureKey::TagAccounts(id) | MeasureKey::TagUses(id) | MeasureKey::TagServers(id) =
            key
            && !app.store.tag_exists(*id).await?
        {
            return Err(Error::not_found());
        }
        let (total, rows) = app.store.measure(key, from, to).await?;
        let previous_total = if key.all_time() {
            None
        } else {
            Some(
                app.store
                    .measure_total(key, Some((from - length, from)))
                    .await?,
            )
        };
        let mut data = Vec::new();
        let mut day = start;
        while day <= end {
            let value = rows
                .iter()
                .find(|(d, _)| *d == day.to_string())
                .map_or(0, |(_, v)| *v);
            data.push((day, value));
            day += Duration::days(1);
        }
        out.push(Measured {
            key: key.clone(),
            total,
            previous_total,
            data,
        });
    }
    Ok(out)
}

/// One group of a dimension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DimensionItem {
    pub key: String,
    pub human_key: String,
    pub value: String,
    /// `bytes` for sizes.
    pub unit: Option<&'static str>,
    pub human_value: Option<String>,
}

/// A dimension's groups, largest first.
#[derive(Debug, Clone)]
pub struct Dimension {
    pub key: DimensionKey,
    pub data: Vec<DimensionItem>,
}

/// Most groups a dimension answers with.
pub const MAX_DIMENSION_LIMIT: i64 = 100;

fn item(key: String, human_key: String, value: i64) -> DimensionItem {
    DimensionItem {
        key,
        human_key,
        value: value.to_string(),
        unit: None,
        human_value: None,
    }
}

fn size_item(key: &str, human_key: &str, bytes: i64) -> DimensionItem {
    DimensionItem {
        key: key.into(),
        human_key: human_key.into(),
        value: bytes.to_string(),
        unit: Some("bytes"),
        human_value: Some(human_size(bytes)),
    }
}

fn version_item(key: &str, human_key: &str, version: String) -> DimensionItem {
    DimensionItem {
        key: key.into(),
        human_key: human_key.into(),
        value: version.clone(),
        unit: None,
        human_value: Some(version),
    }
}

/// `keys` over the days `start` to `end`, each with at most `limit` groups.
pub async fn dimensions(
    app: &AppState,
    keys: &[DimensionKey],
    start: NaiveDate,
    end: NaiveDate,
    limit: i64,
) -> Result<Vec<Dimension>> {
    check_window(start, end)?;
    let (from, to) = (midnight(start), midnight(end) + Duration::days(1));
    let limit = limit.clamp(1, MAX_DIMENSION_LIMIT);
    let postgres = app.store.backend() == "postgres";
    let (db_key, db_name) = if postgres {
        ("postgresql", "PostgreSQL")
    } else {
        ("sqlite", "SQLite")
    };
    let mut out = Vec::with_capacity(keys.len());
    for key in keys {
        if let DimensionKey::TagServers(id) | DimensionKey::TagLanguages(id) = key
            && !app.store.tag_exists(*id).await?
        {
            return Err(Error::not_found());
        }
        let data = match key {
            DimensionKey::SpaceUsage => vec![
                size_item(db_key, db_name, app.store.database_size().await?),
                size_item("media", "Media storage", app.store.media_bytes().await?),
            ],
            DimensionKey::SoftwareVersions => {
                let mut v = vec![
                    version_item("roost", "roost", env!("CARGO_PKG_VERSION").to_string()),
                    version_item(db_key, db_name, app.store.database_version().await?),
                ];
                if let Some(tools) = &app.media.tools {
                    v.push(version_item("ffmpeg", "FFmpeg", tools.version.clone()));
                }
                v
            }
            _ => app
                .store
                .dimension(key, from, to, limit)
                .await?
                .into_iter()
                .map(|(group, n)| {
                    let (k, human) = match key {
                        DimensionKey::Servers | DimensionKey::TagServers(_) => {
                            let domain = if group.is_empty() {
                                app.config.server.domain.clone()
                            } else {
                                group
                            };
                            (domain.clone(), domain)
                        }
                        DimensionKey::Sources if group.is_empty() => (
                            "unknown".to_string(),
                            "Command line, or before sources were recorded".to_string(),
                        ),
                        DimensionKey::Languages
                        | DimensionKey::TagLanguages(_)
                        | DimensionKey::InstanceLanguages(_) => {
                            if group.is_empty() {
                                ("und".to_string(), "Not given".to_string())
                            } else {
                                let name = crate::text::language::name(&group);
                                (group, name)
                            }
                        }
                        _ => (group.clone(), group),
                    };
                    item(k, human, n)
                })
                .collect(),
        };
        out.push(Dimension {
            key: key.clone(),
            data,
        });
    }
    Ok(out)
}

/// `number_to_human_size` as Rails writes it: "0 Bytes", "1 Byte",
/// "46.2 GB" (base 1024, three significant digits).
pub fn human_size(bytes: i64) -> String {
    if bytes.abs() < 1024 {
        return if bytes == 1 {
            "1 Byte".into()
        } else {
            format!("{bytes} Bytes")
        };
    }
    #[allow(clippy::cast_precision_loss)]
    let mut v = bytes as f64;
    let mut unit = "Bytes";
    for u in ["KB", "MB", "GB", "TB", "PB", "EB"] {
        if v.abs() < 1024.0 {
            break;
        }
        v /= 1024.0;
        unit = u;
    }
    let digits = if v.abs() >= 100.0 {
        0
    } else if v.abs() >= 10.0 {
        1
    } else {
        2
    };
    let text = format!("{v:.digits$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    };
    format!("{text} {unit}")
}

/// One cohort: the local users who signed up in a period, and the share
/// of them active in each period since.
#[derive(Debug, Clone)]
pub struct Cohort {
    pub period: NaiveDate,
    /// (period, share active, how many active).
    pub data: Vec<(NaiveDate, f64, i64)>,
}

/// The start of the period holding `d`: the day, or the month's first.
fn period_of(d: NaiveDate, monthly: bool) -> NaiveDate {
    if monthly {
        d.with_day(1).unwrap_or(d)
    } else {
        d
    }
}

fn next_period(d: NaiveDate, monthly: bool) -> NaiveDate {
    if monthly {
        d.checked_add_months(chrono::Months::new(1)).unwrap_or(d)
    } else {
        d + Duration::days(1)
    }
}

/// Retention cohorts by day or month from `start` to `end`: for each
/// period's sign-ups, how many used the server in that period and in each
/// later one (as recorded in `user_activity`).
pub async fn retention(
    app: &AppState,
    start: NaiveDate,
    end: NaiveDate,
    monthly: bool,
) -> Result<Vec<Cohort>> {
    check_window(start, end)?;
    let first = period_of(start, monthly);
    let last = period_of(end, monthly);
    let after_last = next_period(last, monthly);
    let users = app
        .store
        .local_sign_ups(midnight(first), midnight(after_last))
        .await?;
    let ids: Vec<i64> = users.iter().map(|(id, _)| *id).collect();
    let active = app
        .store
        .activity_days(&ids, &first.to_string(), &after_last.to_string())
        .await?;
    // Who was active in which period, read once.
    let mut active_in: std::collections::HashSet<(i64, NaiveDate)> =
        std::collections::HashSet::new();
    for (id, day) in &active {
        if let Ok(d) = NaiveDate::parse_from_str(day, "%Y-%m-%d") {
            active_in.insert((*id, period_of(d, monthly)));
        }
    }
    let mut periods = Vec::new();
    let mut p = first;
    while p <= last {
        periods.push(p);
        p = next_period(p, monthly);
    }
    let mut cohorts = Vec::with_capacity(periods.len());
    for (i, c) in periods.iter().enumerate() {
        let members: Vec<i64> = users
            .iter()
            .filter(|(_, created)| period_of(created.date_naive(), monthly) == *c)
            .map(|(id, _)| *id)
            .collect();
        let size = i64::try_from(members.len()).unwrap_or(i64::MAX);
        let mut data = Vec::new();
        for r in &periods[i..] {
            let value = members
                .iter()
                .filter(|m| active_in.contains(&(**m, *r)))
                .count();
            let value = i64::try_from(value).unwrap_or(i64::MAX);
            #[allow(clippy::cast_precision_loss)]
            let rate = value as f64 / size.max(1) as f64;
            data.push((*r, rate, value));
        }
        cohorts.push(Cohort { period: *c, data });
    }
    Ok(cohorts)
}

/// One week of the public activity figures.
#[derive(Debug, Clone)]
pub struct Week {
    /// The first day of the seven.
    pub start: NaiveDate,
    /// Public and unlisted posts by local accounts.
    pub statuses: i64,
    /// Local users who used the server.
    pub logins: i64,
    /// Local sign-ups.
    pub registrations: i64,
}

/// How long the public activity figures are reused: the endpoint is
/// public and each computation counts twelve weeks of posts.
const ACTIVITY_FRESH: std::time::Duration = std::time::Duration::from_secs(300);

/// The last computation of the public activity figures.
#[derive(Debug, Default)]
pub struct ActivityCache(std::sync::Mutex<Option<(std::time::Instant, Vec<Week>)>>);

/// The last 12 weeks (seven days each, the newest ending today), newest
/// first, as `GET /api/v1/instance/activity` gives them; computed at most
/// every five minutes.
pub async fn activity(app: &AppState) -> Result<Vec<Week>> {
    let cached = app
        .activity_cache
        .0
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .as_ref()
        .filter(|(at, _)| at.elapsed() < ACTIVITY_FRESH)
        .map(|(_, weeks)| weeks.clone());
    if let Some(weeks) = cached {
        return Ok(weeks);
    }
    let weeks = compute_activity(app).await?;
    *app.activity_cache
        .0
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) =
        Some((std::time::Instant::now(), weeks.clone()));
    Ok(weeks)
}

async fn compute_activity(app: &AppState) -> Result<Vec<Week>> {
    let today = Utc::now().date_naive();
    let mut weeks = Vec::with_capacity(12);
    for i in 0..12 {
        let start = today - Duration::days(7 * i + 6);
        let w = Some((midnight(start), midnight(start) + Duration::days(7)));
        weeks.push(Week {
            start,
            statuses: app
                .store
                .local_public_posts(midnight(start), midnight(start) + Duration::days(7))
                .await?,
            logins: app.store.measure_total(&MeasureKey::ActiveUsers, w).await?,
            registrations: app.store.measure_total(&MeasureKey::NewUsers, w).await?,
        });
    }
    Ok(weeks)
}

#[cfg(test)]
mod tests {
    use super::human_size;

    #[test]
    fn sizes_read_as_rails_writes_them() {
        assert_eq!(human_size(0), "0 Bytes");
        assert_eq!(human_size(1), "1 Byte");
        assert_eq!(human_size(1023), "1023 Bytes");
        assert_eq!(human_size(1024), "1 KB");
        assert_eq!(human_size(1536), "1.5 KB");
        assert_eq!(human_size(49_581_359_907), "46.2 GB");
        assert_eq!(human_size(837_518_622_720), "780 GB");
    }
}
