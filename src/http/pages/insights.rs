//! `/insights`: a signed-in user's figures (followers, profile views,
//! posts' reach and engagement) with charts drawn on the server, and the
//! switch that stops recording them. The same figures as
//! `GET /api/v1/roost/insights` (`service::analytics`).

use std::sync::Arc;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::charts;
use super::settings::{Frame, SignedIn, bad_csrf, done};
use crate::app::AppState;
use crate::http::pages::render;
use crate::service::analytics;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/insights", get(show))
        .route("/insights/settings", post(settings))
}

struct TopRow {
    url: String,
    reach: i64,
    favourites: i64,
    reblogs: i64,
    replies: i64,
}

#[derive(Template)]
#[template(path = "insights.html")]
struct InsightsPage {
    frame: Frame,
    days: i64,
    enabled: bool,
    followers_now: i64,
    gained: i64,
    lost: i64,
    views: i64,
    posts: i64,
    reach: i64,
    engagement: i64,
    followers_chart: String,
    views_chart: String,
    top: Vec<TopRow>,
}

#[derive(Deserialize, Default)]
struct InsightsQuery {
    days: Option<String>,
    notice: Option<String>,
}

/// `GET /insights?days=7|30|90` (30 by default; other values read as 30).
async fn show(
    State(app): State<Arc<AppState>>,
    me: SignedIn,
    Query(q): Query<InsightsQuery>,
) -> Response {
    let days = match q.days.as_deref() {
        Some("7") => 7,
        Some("90") => 90,
        _ => 30,
    };
    let i = match analytics::insights(&app, &me.account, days).await {
        Ok(i) => i,
        Err(e) => return e.into_response(),
    };
    let totals: Vec<_> = i
        .followers_by_day
        .iter()
        .map(|d| (d.date, d.total))
        .collect();
    let top = i
        .top
        .iter()
        .map(|p| TopRow {
            url: format!("/@{}/{}", me.account.username, p.id),
            reach: p.reach,
            favourites: p.favourites,
            reblogs: p.reblogs,
            replies: p.replies,
        })
        .collect();
    let page = InsightsPage {
        frame: Frame::new(&app, &me, q.notice.as_deref()),
        days,
        enabled: i.enabled,
        followers_now: totals.last().map_or(0, |(_, t)| *t),
        gained: i.followers_gained,
        lost: i.followers_lost,
        views: i.profile_views,
        posts: i.posts,
        reach: i.reach,
        engagement: i.engagement,
        followers_chart: charts::line("Followers at the end of each day", &totals),
        views_chart: charts::bars("Profile views per day", &i.views_by_day),
        top,
    };
    render(StatusCode::OK, &page)
}

#[derive(Deserialize)]
struct SettingsForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    enabled: String,
}

/// `POST /insights/settings`: turns recording on (`enabled=on`) or off.
async fn settings(
    State(app): State<Arc<AppState>>,
    me: SignedIn,
    Form(f): Form<SettingsForm>,
) -> Response {
    if !me.csrf_ok(&f.csrf_token) {
        return bad_csrf(&app);
    }
    let on = f.enabled == "on";
    match analytics::set_enabled(&app, &me.account, on).await {
        Ok(()) => done("/insights", if on { "insights_on" } else { "insights_off" }),
        Err(e) => e.into_response(),
    }
}
