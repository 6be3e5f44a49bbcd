//! Where an account stopped reading its home timeline and notifications,
//! shared between its clients.
//! <https://docs.joinmastodon.org/methods/markers/>

use chrono::Utc;

use crate::app::AppState;
use crate::error::Result;
use crate::model::{Account, Marker};

/// The timelines that have markers.
pub const TIMELINES: [&str; 2] = ["home", "notifications"];

/// `me`'s markers, only those of `wanted` unless it is empty.
pub async fn get(app: &AppState, me: &Account, wanted: &[String]) -> Result<Vec<Marker>> {
    let mut markers = app.store.markers(me.id).await?;
    markers.retain(|m| wanted.is_empty() || wanted.contains(&m.timeline));
    Ok(markers)
}

/// Moves `me`'s markers (`(timeline, last read id)`) and returns them all.
pub async fn save(app: &AppState, me: &Account, moves: &[(&str, i64)]) -> Result<Vec<Marker>> {
    let now = Utc::now();
    for (timeline, id) in moves {
        app.store.put_marker(me.id, timeline, *id, now).await?;
    }
    app.store.markers(me.id).await
}
