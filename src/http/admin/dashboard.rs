//! `/admin`: the dashboard, what waits for staff, and how the instance is
//! doing over the last 7, 30 or 90 days: Mastodon's measures with their
//! change against the period before, charts drawn on the server, and the
//! largest servers, languages and sign-up sources (`service::measures`).

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{Duration, Utc};
use serde::Deserialize;

use super::{Frame, Staff};
use crate::app::AppState;
use crate::error::Result;
use crate::http::pages::{charts, render};
use crate::model::analytics::{DimensionKey, MeasureKey};
use crate::service::measures::{self, Dimension, DimensionItem};
use crate::service::moderation::{self, Dashboard};

pub fn router() -> Router<Arc<AppState>> {
    Router::new().route("/admin", get(show))
}

/// One measure on the dashboard.
struct Figure {
    id: &'static str,
    label: &'static str,
    total: i64,
    /// The change against the period before, as "+3" or "−2".
    change: String,
    chart: String,
}

/// One table of a dimension's groups.
struct Table {
    id: &'static str,
    label: &'static str,
    rows: Vec<DimensionItem>,
}

#[derive(Template)]
#[template(path = "admin/dashboard.html")]
struct DashboardPage {
    frame: Frame,
    d: Dashboard,
    days: i64,
    figures: Vec<Figure>,
    tables: Vec<Table>,
}

#[derive(Deserialize, Default)]
struct DashboardQuery {
    days: Option<String>,
    notice: Option<String>,
}

const FIGURES: [(&str, &str, MeasureKey); 5] = [
    ("new-users", "New users", MeasureKey::NewUsers),
    ("active-users", "Active users", MeasureKey::ActiveUsers),
    ("interactions", "Interactions", MeasureKey::Interactions),
    (
        "opened-reports",
        "Reports opened",
        MeasureKey::OpenedReports,
    ),
    (
        "resolved-reports",
        "Reports resolved",
        MeasureKey::ResolvedReports,
    ),
];

const TABLES: [(&str, &str, DimensionKey); 5] = [
    (
        "servers",
        "Most active servers (posts)",
        DimensionKey::Servers,
    ),
    (
        "languages",
        "Interface languages of active users",
        DimensionKey::Languages,
    ),
    ("sources", "Sign-ups by app", DimensionKey::Sources),
    ("space-usage", "Space used", DimensionKey::SpaceUsage),
    ("software", "Software", DimensionKey::SoftwareVersions),
];

fn change(now: i64, before: i64) -> String {
    match now - before {
        0 => "±0".into(),
        d if d > 0 => format!("+{d}"),
        d => format!("−{}", d.unsigned_abs()),
    }
}

async fn figures(app: &AppState, days: i64) -> Result<(Vec<Figure>, Vec<Table>)> {
    let end = Utc::now().date_naive();
    let start = end - Duration::days(days - 1);
    let keys: Vec<MeasureKey> = FIGURES.iter().map(|(_, _, k)| k.clone()).collect();
    let measured = measures::measures(app, &keys, start, end).await?;
    let figures = FIGURES
        .iter()
        .zip(measured)
        .map(|((id, label, _), m)| Figure {
            id,
            label,
            total: m.total,
            change: change(m.total, m.previous_total.unwrap_or(0)),
            chart: charts::bars(&format!("{label} per day"), &m.data),
        })
        .collect();
    let keys: Vec<DimensionKey> = TABLES.iter().map(|(_, _, k)| k.clone()).collect();
    let found: Vec<Dimension> = measures::dimensions(app, &keys, start, end, 5).await?;
    let tables = TABLES
        .iter()
        .zip(found)
        .map(|((id, label, _), d)| Table {
            id,
            label,
            rows: d.data,
        })
        .collect();
    Ok((figures, tables))
}

/// `GET /admin?days=7|30|90` (30 by default).
async fn show(
    State(app): State<Arc<AppState>>,
    me: Staff,
    Query(q): Query<DashboardQuery>,
) -> Response {
    let days = match q.days.as_deref() {
        Some("7") => 7,
        Some("90") => 90,
        _ => 30,
    };
    let d = match moderation::dashboard(&app, me.user()).await {
        Ok(d) => d,
        Err(e) => return e.into_response(),
    };
    let (figures, tables) = match figures(&app, days).await {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    let frame = Frame::new(&app, &me, q.notice.as_deref());
    render(
        StatusCode::OK,
        &DashboardPage {
            frame,
            d,
            days,
            figures,
            tables,
        },
    )
}
