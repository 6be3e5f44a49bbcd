//! `POST /api/v1/admin/measures`, `/dimensions` and `/retention`: the
//! dashboard's figures in Mastodon's shapes (`service::measures` counts).
//! <https://docs.joinmastodon.org/methods/admin/measures/>,
//! <https://docs.joinmastodon.org/methods/admin/dimensions/>,
//! <https://docs.joinmastodon.org/methods/admin/retention/>

use std::sync::Arc;

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use chrono::NaiveDate;
use serde_json::{Value, json};

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::http::extract::{AdminRead, Auth, Params};
use crate::model::Role;
use crate::model::analytics::{DimensionKey, MeasureKey};
use crate::service::measures::{self, human_size};

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/admin/measures", post(measures_handler))
        .route("/api/v1/admin/dimensions", post(dimensions_handler))
        .route("/api/v1/admin/retention", post(retention))
}

/// A date parameter: `2026-12-01` or a full ISO 8601 time (its UTC date).
fn date_param(p: &Value, name: &str) -> Result<NaiveDate> {
    let raw = p
        .get(name)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Error::unprocessable(format!("Validation failed: {name} is required")))?;
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .ok()
        .or_else(|| {
            chrono::DateTime::parse_from_rfc3339(raw)
                .ok()
                .map(|t| t.with_timezone(&chrono::Utc).date_naive())
        })
        .ok_or_else(|| {
            Error::unprocessable(format!(
                "Validation failed: {name} is not a date (YYYY-MM-DD or ISO 8601)"
            ))
        })
}

/// The names a `keys[]` parameter lists (a single string counts as one).
fn keys(p: &Value) -> Vec<String> {
    match p.get("keys") {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|k| k.as_str().map(str::to_string))
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// The value of `key[field]` (`tag_uses[id]`), or 400 as Mastodon answers.
fn sub_param(p: &Value, key: &str, field: &str) -> Result<String> {
    p.get(key)
        .and_then(|v| v.get(field))
        .and_then(|v| match v {
            Value::String(s) => Some(s.trim().to_string()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Error::bad_request(format!("param is missing or the value is empty: {key}")))
}

/// `key[id]`, a hashtag's id (404 when not a number, as for an unknown one).
fn tag_param(p: &Value, key: &str) -> Result<i64> {
    sub_param(p, key, "id")?
        .parse()
        .map_err(|_| Error::not_found())
}

/// `key[domain]`, lower-cased.
fn domain_param(p: &Value, key: &str) -> Result<String> {
    Ok(sub_param(p, key, "domain")?.to_ascii_lowercase())
}

/// A measure key with its parameter; None for a key roost does not know
/// (left out of the answer, as Mastodon does).
fn measure_key(p: &Value, name: &str) -> Result<Option<MeasureKey>> {
    let tag = || tag_param(p, name);
    let domain = || domain_param(p, name);
    Ok(Some(match name {
        "active_users" => MeasureKey::ActiveUsers,
        "new_users" => MeasureKey::NewUsers,
        "interactions" => MeasureKey::Interactions,
        "opened_reports" => MeasureKey::OpenedReports,
        "resolved_reports" => MeasureKey::ResolvedReports,
        "tag_accounts" => MeasureKey::TagAccounts(tag()?),
        "tag_uses" => MeasureKey::TagUses(tag()?),
        "tag_servers" => MeasureKey::TagServers(tag()?),
        "instance_accounts" => MeasureKey::InstanceAccounts(domain()?),
        "instance_media_attachments" => MeasureKey::InstanceMediaAttachments(domain()?),
        "instance_reports" => MeasureKey::InstanceReports(domain()?),
        "instance_statuses" => MeasureKey::InstanceStatuses(domain()?),
        "instance_follows" => MeasureKey::InstanceFollows(domain()?),
        "instance_followers" => MeasureKey::InstanceFollowers(domain()?),
        _ => return Ok(None),
    }))
}

/// A dimension key with its parameter; None for a key roost does not know.
fn dimension_key(p: &Value, name: &str) -> Result<Option<DimensionKey>> {
    let tag = || tag_param(p, name);
    let domain = || domain_param(p, name);
    Ok(Some(match name {
        "languages" => DimensionKey::Languages,
        "sources" => DimensionKey::Sources,
        "servers" => DimensionKey::Servers,
        "space_usage" => DimensionKey::SpaceUsage,
        "software_versions" => DimensionKey::SoftwareVersions,
        "tag_servers" => DimensionKey::TagServers(tag()?),
        "tag_languages" => DimensionKey::TagLanguages(tag()?),
        "instance_accounts" => DimensionKey::InstanceAccounts(domain()?),
        "instance_languages" => DimensionKey::InstanceLanguages(domain()?),
        _ => return Ok(None),
    }))
}

/// How many groups a dimension gives: `limit` (default 10, at most 100).
fn limit_param(p: &Value) -> Result<i64> {
    let raw = match p.get("limit") {
        None | Some(Value::Null) => return Ok(10),
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) if s.trim().is_empty() => return Ok(10),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    };
    match raw {
        Some(n) if n >= 1 => Ok(n.min(measures::MAX_DIMENSION_LIMIT)),
        _ => Err(Error::unprocessable(
            "Validation failed: limit must be a positive number",
        )),
    }
}

/// `POST /api/v1/admin/dimensions` (staff).
async fn dimensions_handler(
    State(app): State<Arc<AppState>>,
    auth: Auth<AdminRead>,
    Params(p): Params<Value>,
) -> Result<Json<Vec<Value>>> {
    crate::service::moderation::require(&auth.user, Role::Moderator)?;
    let start = date_param(&p, "start_at")?;
    let end = date_param(&p, "end_at")?;
    let limit = limit_param(&p)?;
    let mut wanted = Vec::new();
    for name in keys(&p) {
        if let Some(k) = dimension_key(&p, &name)? {
            wanted.push(k);
        }
    }
    let found = measures::dimensions(&app, &wanted, start, end, limit).await?;
    Ok(Json(
        found
            .iter()
            .map(|d| {
                json!({
                    "key": d.key.name(),
                    "data": d.data.iter().map(|i| {
                        let mut v = json!({"key": i.key, "human_key": i.human_key, "value": i.value});
                        if let Some(unit) = i.unit {
                            v["unit"] = json!(unit);
                        }
                        if let Some(h) = &i.human_value {
                            v["human_value"] = json!(h);
                        }
                        v
                    }).collect::<Vec<_>>(),
                })
            })
            .collect(),
    ))
}

fn day_time(d: NaiveDate) -> String {
    format!("{d}T00:00:00Z")
}

/// `POST /api/v1/admin/measures` (staff).
async fn measures_handler(
    State(app): State<Arc<AppState>>,
    auth: Auth<AdminRead>,
    Params(p): Params<Value>,
) -> Result<Json<Vec<Value>>> {
    crate::service::moderation::require(&auth.user, Role::Moderator)?;
    let start = date_param(&p, "start_at")?;
    let end = date_param(&p, "end_at")?;
    let mut wanted = Vec::new();
    for name in keys(&p) {
        if let Some(k) = measure_key(&p, &name)? {
            wanted.push(k);
        }
    }
    let found = measures::measures(&app, &wanted, start, end).await?;
    Ok(Json(
        found
            .iter()
            .map(|m| {
                let mut v = json!({
                    "key": m.key.name(),
                    "unit": m.key.unit(),
                    "total": m.total.to_string(),
                    "data": m.data.iter().map(|(d, n)| json!({"date": day_time(*d), "value": n.to_string()})).collect::<Vec<_>>(),
                });
                if let Some(prev) = m.previous_total {
                    v["previous_total"] = json!(prev.to_string());
                }
                if m.key.unit() == Some("bytes") {
                    v["human_value"] = json!(human_size(m.total));
                }
                v
            })
            .collect(),
    ))
}

/// `POST /api/v1/admin/retention` (staff): cohorts by `frequency` (`day`,
/// the default, or `month`).
async fn retention(
    State(app): State<Arc<AppState>>,
    auth: Auth<AdminRead>,
    Params(p): Params<Value>,
) -> Result<Json<Vec<Value>>> {
    crate::service::moderation::require(&auth.user, Role::Moderator)?;
    let start = date_param(&p, "start_at")?;
    let end = date_param(&p, "end_at")?;
    let monthly = p.get("frequency").and_then(Value::as_str) == Some("month");
    let frequency = if monthly { "month" } else { "day" };
    let cohorts = measures::retention(&app, start, end, monthly).await?;
    Ok(Json(
        cohorts
            .iter()
            .map(|c| {
                json!({
                    "period": day_time(c.period),
                    "frequency": frequency,
                    "data": c.data.iter().map(|(d, rate, n)| json!({
                        "date": day_time(*d),
                        "rate": rate,
                        "value": n.to_string(),
                    })).collect::<Vec<_>>(),
                })
            })
            .collect(),
    ))
}
