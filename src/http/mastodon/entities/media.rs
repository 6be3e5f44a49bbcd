//! The MediaAttachment entity.
//! <https://docs.joinmastodon.org/entities/MediaAttachment/>

use serde::Serialize;
use serde_json::Value;

use crate::app::AppState;
use crate::model::MediaAttachment;

/// <https://docs.joinmastodon.org/entities/MediaAttachment/>
#[derive(Debug, Serialize)]
pub struct MediaAttachmentEntity {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub url: Option<String>,
    pub preview_url: Option<String>,
    pub remote_url: Option<String>,
    pub preview_remote_url: Option<String>,
    pub text_url: Option<String>,
    /// `original`/`small` sizes (and `focus`), as processing recorded them.
    pub meta: Value,
    pub description: Option<String>,
    pub blurhash: Option<String>,
}

/// An attachment as clients see it: stored files by their public URL, a
/// remote file not cached (yet) by its own.
pub fn media_attachment(app: &AppState, m: &MediaAttachment) -> MediaAttachmentEntity {
    let stored = |key: &Option<String>| {
        key.as_deref()
            .map(|k| app.media.storage.url(&app.base_url, k))
    };
    let url = stored(&m.file_key).or_else(|| m.remote_url.clone());
    let preview = stored(&m.thumbnail_key).or_else(|| {
        // A remote image not cached (yet) previews as itself.
        m.remote_url.clone().filter(|_| m.kind == "image")
    });
    let mut meta = m.meta.0.clone();
    if let (Some(x), Some(y), Some(obj)) = (m.focus_x, m.focus_y, meta.as_object_mut()) {
        let mut focus = serde_json::Map::new();
        focus.insert("x".into(), x.into());
        focus.insert("y".into(), y.into());
        obj.insert("focus".into(), Value::Object(focus));
    }
    if meta.as_object().is_some_and(|o| o.is_empty()) {
        meta = Value::Null;
    }
    MediaAttachmentEntity {
        id: m.id.to_string(),
        kind: m.kind.clone(),
        url,
        preview_url: preview,
        remote_url: m.remote_url.clone(),
        preview_remote_url: None,
        text_url: None,
        meta,
        description: m.description.clone(),
        blurhash: m.blurhash.clone(),
    }
}
