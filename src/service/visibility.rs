//! The one place that decides who may see a status. Every read path (single
//! status, thread, timelines, notifications, favourited_by, account statuses)
//! asks here, or applies the same rules in SQL through [`sql_filter`].

use crate::app::AppState;
use crate::db::params::Sql;
use crate::error::Result;
use crate::model::{Account, Status, Visibility};

/// May `viewer` (None: signed out) see `status` by `author`? Boosts are checked
/// by their own visibility; callers check the boosted status separately.
pub async fn can_see(
    app: &AppState,
    viewer: Option<&Account>,
    status: &Status,
    author: &Account,
) -> Result<bool> {
    if author.suspended_at.is_some() {
        return Ok(false);
    }
    let Some(viewer) = viewer else {
        return Ok(matches!(
            status.visibility(),
            Visibility::Public | Visibility::Unlisted
        ));
    };
    if viewer.id == author.id {
        return Ok(true);
    }
    if app.store.blocked_either_way(viewer.id, author.id).await? {
        return Ok(false);
    }
    Ok(match status.visibility() {
        Visibility::Public | Visibility::Unlisted => true,
        Visibility::Private => {
            app.store.follows(viewer.id, author.id).await?
                || is_mentioned(app, status.id, viewer.id).await?
        }
        Visibility::Direct => is_mentioned(app, status.id, viewer.id).await?,
    })
}

async fn is_mentioned(app: &AppState, status_id: i64, account_id: i64) -> Result<bool> {
    Ok(app
        .store
        .mentions_of(&[status_id])
        .await?
        .iter()
        .any(|(_, a)| *a == account_id))
}

/// Appends to a `WHERE` on statuses aliased `s` the condition "`viewer` may
/// see it": the same rules as [`can_see`], for list queries.
pub fn sql_filter(sql: &mut Sql, viewer: Option<i64>) {
    match viewer {
        None => {
            sql.push(" AND s.visibility IN ('public', 'unlisted')");
        }
        Some(v) => {
            sql.push(" AND (s.account_id = ").bind_i64(v);
            sql.push(" OR s.visibility IN ('public', 'unlisted')");
            sql.push(" OR (s.visibility = 'private' AND EXISTS (SELECT 1 FROM follows f WHERE f.account_id = ").bind_i64(v);
            sql.push(" AND f.target_account_id = s.account_id))");
            sql.push(
                " OR EXISTS (SELECT 1 FROM mentions m WHERE m.status_id = s.id AND m.account_id = ",
            )
            .bind_i64(v);
            sql.push("))");
            sql.push(" AND NOT EXISTS (SELECT 1 FROM blocks b WHERE (b.account_id = s.account_id AND b.target_account_id = ").bind_i64(v);
            sql.push(") OR (b.account_id = ")
                .bind_i64(v)
                .push(" AND b.target_account_id = s.account_id))");
        }
    }
    sql.push(" AND NOT EXISTS (SELECT 1 FROM accounts sa WHERE sa.id = s.account_id AND sa.suspended_at IS NOT NULL)");
}
