//! The PreviewCard entity. <https://docs.joinmastodon.org/entities/PreviewCard/>

use serde::Serialize;

use super::timestamp;
use crate::app::AppState;
use crate::model::PreviewCard;

/// A link's preview as clients show it under a post.
#[derive(Debug, Clone, Serialize)]
pub struct PreviewCardEntity {
    pub url: String,
    pub title: String,
    pub description: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub author_name: String,
    pub author_url: String,
    pub provider_name: String,
    pub provider_url: String,
    pub html: String,
    pub width: i64,
    pub height: i64,
    pub image: Option<String>,
    pub image_description: String,
    pub embed_url: String,
    pub blurhash: Option<String>,
    pub language: Option<String>,
    pub published_at: Option<String>,
    /// Mastodon 4.3's author list (roost reads no fediverse:creator yet).
    pub authors: Vec<CardAuthor>,
}

/// One of a card's authors.
#[derive(Debug, Clone, Serialize)]
pub struct CardAuthor {
    pub name: String,
    pub url: String,
    pub account: Option<()>,
}

pub fn preview_card(app: &AppState, c: &PreviewCard) -> PreviewCardEntity {
    // The image's size is the stored copy's, as Mastodon gives it.
    let has_image = c.image_key.is_some();
    PreviewCardEntity {
        url: c.url.clone(),
        title: c.title.clone(),
        description: c.description.clone(),
        kind: c.kind.clone(),
        author_name: c.author_name.clone(),
        author_url: c.author_url.clone(),
        provider_name: c.provider_name.clone(),
        provider_url: c.provider_url.clone(),
        html: c.html.clone(),
        width: if c.html.is_empty() && has_image {
            c.image_width
        } else {
            c.width
        },
        height: if c.html.is_empty() && has_image {
            c.image_height
        } else {
            c.height
        },
        image: c
            .image_key
            .as_deref()
            .map(|k| app.media.storage.url(&app.base_url, k)),
        image_description: c.image_description.clone(),
        embed_url: c.embed_url.clone(),
        blurhash: c.blurhash.clone(),
        language: c.language.clone(),
        published_at: c.published_at.map(timestamp),
        authors: if c.author_name.is_empty() && c.author_url.is_empty() {
            Vec::new()
        } else {
            vec![CardAuthor {
                name: c.author_name.clone(),
                url: c.author_url.clone(),
                account: None,
            }]
        },
    }
}
