//! The rules around attachments: who may see, change, delete or post them.

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::media::image::Focus;
use crate::media::process::{self, TempFile};
use crate::model::media::state;
use crate::model::{Account, MediaAttachment};

/// An attachment `account` uploaded; 404 for anyone else's (Mastodon's
/// answer, which does not tell whether the id exists).
pub async fn owned(app: &AppState, account: &Account, id: &str) -> Result<MediaAttachment> {
    let id: i64 = id.parse().map_err(|_| Error::not_found())?;
    app.store
        .get_media(id)
        .await?
        .filter(|m| m.account_id == account.id && m.remote_url.is_none())
        .ok_or_else(Error::not_found)
}

/// What `PUT /api/v1/media/:id` may change.
pub struct MediaChanges {
    pub description: Option<String>,
    pub focus: Option<Focus>,
    pub thumbnail: Option<TempFile>,
}

/// Changes an upload's alt text, focal point or thumbnail, while no post
/// has it (a posted attachment changes through an edit of its post, as on
/// Mastodon: 404 here).
pub async fn update(
    app: &AppState,
    account: &Account,
    id: &str,
    c: MediaChanges,
) -> Result<MediaAttachment> {
    let mut m = owned(app, account, id).await?;
    if m.status_id.is_some() {
        return Err(Error::not_found());
    }
    process::check_description(&c.description)?;
    if let Some(d) = c.description {
        m.description = Some(d).filter(|d| !d.trim().is_empty());
    }
    if let Some(f) = c.focus {
        m.focus_x = Some(f.x);
        m.focus_y = Some(f.y);
    }
    m.updated_at = chrono::Utc::now();
    if let Some(t) = &c.thumbnail {
        if m.is_processing() {
            // The job writes the preview; a thumbnail can follow it.
            return Err(Error::unprocessable(
                "Cannot change the thumbnail while the file is processing. Try again in a moment!",
            ));
        }
        process::set_thumbnail(app, &mut m, t).await?;
        app.store.update_media(&m).await?;
    } else {
        // Only the columns a client owns: a processing job may be writing
        // the rest.
        app.store.update_media_text(&m).await?;
    }
    Ok(m)
}

/// Deletes an upload no post has taken, with its files.
pub async fn delete(app: &AppState, account: &Account, id: &str) -> Result<MediaAttachment> {
    let m = owned(app, account, id).await?;
    if m.status_id.is_some() || !app.store.delete_unattached_media(&m).await? {
        return Err(Error::unprocessable(
            "Media attachment is currently used by a status",
        ));
    }
    process::delete_files(app, &m).await;
    Ok(m)
}

/// Checks the ids a post wants to attach: the author's own uploads, ready,
/// not taken by another post, at most the instance's limit. Returns them as
/// numbers in the order given.
pub async fn attachable(
    app: &AppState,
    author_id: i64,
    ids: &[String],
    status_id: Option<i64>,
) -> Result<Vec<i64>> {
    let max = app.config.instance.max_media_attachments as usize;
    if ids.len() > max {
        return Err(Error::unprocessable(format!(
            "Validation failed: Media attachments are limited to {max}"
        )));
    }
    let mut parsed = Vec::with_capacity(ids.len());
    for id in ids {
        let id: i64 = id
            .parse()
            .map_err(|_| Error::unprocessable("Validation failed: Media ids are invalid"))?;
        if !parsed.contains(&id) {
            parsed.push(id);
        }
    }
    let found = app.store.get_media_many(&parsed).await?;
    for id in &parsed {
        let Some(m) = found.iter().find(|m| m.id == *id) else {
            return Err(Error::unprocessable(
                "Validation failed: Media ids are not media you uploaded",
            ));
        };
        if m.account_id != author_id
            || m.remote_url.is_some()
            || (m.status_id.is_some() && m.status_id != status_id)
        {
            return Err(Error::unprocessable(
                "Validation failed: Media ids are not media you uploaded",
            ));
        }
        if m.state == state::PROCESSING {
            return Err(Error::unprocessable(
                "Cannot attach files that have not finished processing. Try again in a moment!",
            ));
        }
        if m.state != state::READY {
            return Err(Error::unprocessable(
                "Validation failed: Media could not be processed",
            ));
        }
    }
    Ok(parsed)
}

/// Records that attachment `id` was viewed, at most once an hour, so that
/// pruning keeps what people look at.
pub async fn record_view(app: &AppState, id: i64) -> Result<()> {
    let now = chrono::Utc::now();
    if let Some(m) = app.store.get_media(id).await?
        && m.last_viewed_at
            .is_none_or(|t| now - t > chrono::Duration::hours(1))
    {
        app.store.touch_media(id, now).await?;
    }
    Ok(())
}

/// Whether the stored file `key` is withheld (its account is suspended):
/// `/media` then answers 404.
pub async fn withheld(app: &AppState, key: &str) -> Result<bool> {
    app.store.media_withheld(key).await
}
