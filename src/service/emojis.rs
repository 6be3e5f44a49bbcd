//! Custom emoji: this server's own, added by admins (`roost admin emoji
//! add`), and other servers', remembered from the `Emoji` tags of their
//! posts. A post shows the emoji of its author's server whose `:shortcode:`
//! its text names. <https://docs.joinmastodon.org/methods/custom_emojis/>

use chrono::Utc;

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::model::emoji::valid_shortcode;
use crate::model::{AccountEmoji, CustomEmoji, Role, User};
use crate::service::moderation::log::{self, Target};
use crate::service::moderation::require;

/// Most emoji remembered from one post.
const MAX_PER_POST: usize = 50;

/// Emoji images of one post copied while it is processed; the rest wait
/// for a job.
const COPY_AT_ONCE: usize = 8;

/// This server's enabled emoji, by shortcode.
pub async fn local(app: &AppState) -> Result<Vec<CustomEmoji>> {
    app.store.local_emojis().await
}

/// One of this server's enabled emoji by id (its ActivityPub document).
pub async fn local_by_id(app: &AppState, id: i64) -> Result<CustomEmoji> {
    app.store
        .get_emoji(id)
        .await?
        .filter(|e| e.is_local() && !e.disabled)
        .ok_or_else(Error::not_found)
}

/// Adds one of this server's emoji from an image file's bytes (PNG, GIF,
/// WebP or JPEG, at most 256 KiB).
pub async fn add_local(
    app: &AppState,
    shortcode: &str,
    image: Vec<u8>,
    category: Option<&str>,
) -> Result<CustomEmoji> {
    let shortcode = shortcode.trim().trim_matches(':');
    if !valid_shortcode(shortcode) {
        return Err(Error::unprocessable(
            "Validation failed: Shortcode must be 2 to 64 letters, digits or underscores",
        ));
    }
    let category = category.map(str::trim).filter(|c| !c.is_empty());
    if category.is_some_and(|c| c.chars().count() > 64) {
        return Err(Error::unprocessable(
            "Validation failed: Category is too long (maximum is 64 characters)",
        ));
    }
    let (key, mime) = crate::media::process::store_emoji_image(app, image).await?;
    let now = Utc::now();
    let emoji = CustomEmoji {
        id: crate::id::new_id(),
        shortcode: shortcode.to_string(),
        domain: String::new(),
        uri: None,
        image_remote_url: None,
        image_key: Some(key.clone()),
        content_type: mime.to_string(),
        category: category.map(str::to_string),
        visible_in_picker: true,
        disabled: false,
        created_at: now,
        updated_at: now,
    };
    if !app.store.put_emoji(&emoji).await? {
        crate::media::process::delete_emoji_image(app, &key).await;
        return Err(Error::unprocessable(
            "Validation failed: Shortcode has already been taken",
        ));
    }
    Ok(emoji)
}

/// An admin adds one of this server's emoji (the moderation UI); the audit
/// log keeps it.
pub async fn add_by(
    app: &AppState,
    actor: &User,
    shortcode: &str,
    image: Vec<u8>,
    category: Option<&str>,
) -> Result<CustomEmoji> {
    require(actor, Role::Admin)?;
    let emoji = add_local(app, shortcode, image, category).await?;
    log::record(
        app,
        actor,
        "create_custom_emoji",
        Target::Emoji(&emoji.shortcode),
        "",
    )
    .await?;
    Ok(emoji)
}

/// An admin removes one of this server's emoji (the moderation UI); the
/// audit log keeps it.
pub async fn remove_by(app: &AppState, actor: &User, shortcode: &str) -> Result<CustomEmoji> {
    require(actor, Role::Admin)?;
    let removed = remove_local(app, shortcode).await?;
    log::record(
        app,
        actor,
        "destroy_custom_emoji",
        Target::Emoji(&removed.shortcode),
        "",
    )
    .await?;
    Ok(removed)
}

/// Removes one of this server's emoji and its image.
pub async fn remove_local(app: &AppState, shortcode: &str) -> Result<CustomEmoji> {
    let removed = app
        .store
        .delete_local_emoji(shortcode.trim().trim_matches(':'))
        .await?
        .ok_or_else(Error::not_found)?;
    if let Some(key) = &removed.image_key {
        crate::media::process::delete_emoji_image(app, key).await;
    }
    Ok(removed)
}

/// An emoji another server sent in a post's tags: its shortcode, its id and
/// its image's URL.
pub struct RemoteEmoji<'a> {
    pub shortcode: &'a str,
    pub uri: Option<&'a str>,
    pub url: &'a str,
}

/// Remembers the emoji a post or actor from `domain` carries (new ones,
/// and new images of known ones), copying their images when
/// `media.cache_remote` is on. Malformed entries are skipped; nothing is
/// taken from a server whose media are rejected (then the answer is false).
pub async fn remember_remote(
    app: &AppState,
    domain: &str,
    emojis: &[RemoteEmoji<'_>],
) -> Result<bool> {
    if emojis.is_empty() {
        return Ok(true);
    }
    if app
        .store
        .domain_block_of(domain)
        .await?
        .is_some_and(|b| b.reject_media)
    {
        return Ok(false);
    }
    let mut copied_now = 0;
    for e in emojis.iter().take(MAX_PER_POST) {
        if !valid_shortcode(e.shortcode) || crate::text::web_url(e.url).is_none() {
            continue;
        }
        let now = Utc::now();
        let row = CustomEmoji {
            id: crate::id::new_id(),
            shortcode: e.shortcode.to_string(),
            domain: domain.to_ascii_lowercase(),
            uri: e.uri.map(str::to_string),
            image_remote_url: Some(e.url.to_string()),
            image_key: None,
            content_type: String::new(),
            category: None,
            visible_in_picker: false,
            disabled: false,
            created_at: now,
            updated_at: now,
        };
        let (stored, changed) = app.store.upsert_remote_emoji(&row).await?;
        if !changed || !app.config.media.cache_remote {
            continue;
        }
        // The first few are copied at once (as Mastodon does), so that the
        // post's first rendering points at this server's copies; the rest,
        // and any failed fetch, by a job, so that a post naming many slow
        // images cannot hold up inbound processing.
        copied_now += 1;
        let copied = copied_now <= COPY_AT_ONCE
            && match crate::media::process::cache_emoji(app, stored.id).await {
                Ok(()) => true,
                Err(err) => {
                    tracing::info!(emoji = %stored.shortcode, domain, error = %err, "emoji image not copied yet");
                    false
                }
            };
        if !copied {
            crate::jobs::enqueue(
                app,
                crate::jobs::Task::CacheEmoji {
                    emoji_id: stored.id,
                },
            )
            .await?;
        }
    }
    Ok(true)
}

/// The emoji named by `(domain, shortcode)` pairs (domain empty for this
/// server's), for rendering.
pub async fn named(app: &AppState, names: &[(String, String)]) -> Result<Vec<CustomEmoji>> {
    app.store.emojis_named(names).await
}

/// The emoji of `domain` (empty for this server's) that a profile's texts
/// (name, note, field names and values) name, to keep with the account.
pub async fn for_profile(
    app: &AppState,
    domain: &str,
    texts: &[&str],
) -> Result<Vec<AccountEmoji>> {
    let mut codes: Vec<String> = Vec::new();
    for t in texts {
        for c in crate::model::emoji::shortcodes_in(t) {
            if !codes.contains(&c) {
                codes.push(c);
            }
        }
    }
    codes.truncate(MAX_PER_POST);
    if codes.is_empty() {
        return Ok(Vec::new());
    }
    let domain = domain.to_ascii_lowercase();
    let names: Vec<(String, String)> = codes.iter().map(|c| (domain.clone(), c.clone())).collect();
    let found = app.store.emojis_named(&names).await?;
    Ok(codes
        .iter()
        .filter_map(|c| found.iter().find(|e| &e.shortcode == c))
        .filter_map(|e| {
            image_url(app, e).map(|url| AccountEmoji {
                shortcode: e.shortcode.clone(),
                url,
                id: e.is_local().then_some(e.id),
                content_type: e.content_type.clone(),
            })
        })
        .collect())
}

/// Where an emoji's image is served: the stored copy, else the remote URL.
pub fn image_url(app: &AppState, e: &CustomEmoji) -> Option<String> {
    match &e.image_key {
        Some(key) => Some(app.media.storage.url(&app.base_url, key)),
        None => e
            .image_remote_url
            .as_deref()
            .and_then(crate::text::web_url)
            .map(str::to_string),
    }
}
