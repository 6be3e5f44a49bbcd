//! Announcements: admins post them (at `/admin/announcements`), everyone
//! signed in reads them while they are in force, dismisses them and reacts
//! to them with emoji.
//! <https://docs.joinmastodon.org/methods/announcements/>

use chrono::{DateTime, Utc};

use super::moderation::log::{self, Target};
use crate::app::AppState;
use crate::bus::Event;
use crate::error::{Error, Result, Validation};
use crate::model::{Account, Announcement, Role, User};

/// Longest announcement text.
pub const MAX_TEXT: usize = 5_000;
/// Most different emoji on one announcement (Mastodon's limit).
pub const MAX_REACTION_NAMES: usize = 8;

/// Every announcement, newest first, for admins.
pub async fn all(app: &AppState) -> Result<Vec<Announcement>> {
    app.store.announcements().await
}

/// Posts an announcement, shown from `starts_at` (at once without one)
/// until `ends_at` (always without one).
pub async fn create(
    app: &AppState,
    actor: &User,
    text: &str,
    starts_at: Option<DateTime<Utc>>,
    ends_at: Option<DateTime<Utc>>,
    all_day: bool,
) -> Result<Announcement> {
    super::moderation::require(actor, Role::Admin)?;
    let text = text.trim();
    let mut v = Validation::new();
    if text.is_empty() {
        v.add("text", "ERR_BLANK", "can't be blank");
    } else if text.chars().count() > MAX_TEXT {
        v.add(
            "text",
            "ERR_TOO_LONG",
            format!("is too long (maximum is {MAX_TEXT} characters)"),
        );
    }
    if let (Some(s), Some(e)) = (starts_at, ends_at)
        && e < s
    {
        v.add("ends_at", "ERR_INVALID", "must be after the start");
    }
    if all_day && (starts_at.is_none() || ends_at.is_none()) {
        v.add("all_day", "ERR_INVALID", "needs a start and an end");
    }
    v.finish()?;
    let now = Utc::now();
    let a = Announcement {
        id: crate::id::new_id(),
        text: text.to_string(),
        content: crate::text::plain_to_html(text),
        starts_at,
        ends_at,
        all_day,
        published_at: now,
        created_at: now,
        updated_at: now,
    };
    app.store.put_announcement(&a).await?;
    log::record(
        app,
        actor,
        "create_announcement",
        Target::Announcement(a.id),
        text,
    )
    .await?;
    // Streams hear of it when it is in force now; one that starts later
    // shows when clients next ask.
    if a.active_at(now) {
        app.bus.publish(Event::Announcement {
            id: a.id,
            deleted: false,
        });
    }
    Ok(a)
}

/// Deletes an announcement.
pub async fn delete(app: &AppState, actor: &User, id: i64) -> Result<()> {
    super::moderation::require(actor, Role::Admin)?;
    if !app.store.delete_announcement(id).await? {
        return Err(Error::not_found());
    }
    app.bus.publish(Event::Announcement { id, deleted: true });
    log::record(
        app,
        actor,
        "destroy_announcement",
        Target::Announcement(id),
        "",
    )
    .await
}

/// One reaction on an announcement as a viewer sees it.
pub struct Reaction {
    pub name: String,
    pub count: i64,
    pub me: bool,
    /// The custom emoji's image, when the name is one of this server's.
    pub url: Option<String>,
}

/// An announcement in force, as a viewer sees it.
pub struct Shown {
    pub announcement: Announcement,
    pub read: bool,
    pub reactions: Vec<Reaction>,
}

/// The announcements in force for `viewer`, newest first; those it
/// dismissed only `with_dismissed`.
pub async fn for_viewer(
    app: &AppState,
    viewer: &Account,
    with_dismissed: bool,
) -> Result<Vec<Shown>> {
    let now = Utc::now();
    let list: Vec<Announcement> = app
        .store
        .announcements()
        .await?
        .into_iter()
        .filter(|a| a.active_at(now))
        .collect();
    let ids: Vec<i64> = list.iter().map(|a| a.id).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let dismissed = app.store.dismissed_announcements(viewer.id, &ids).await?;
    let reactions = app.store.announcement_reactions(&ids, viewer.id).await?;
    // Custom emoji images only when a reaction names one.
    let local = if reactions
        .iter()
        .any(|r| crate::model::emoji::valid_shortcode(&r.1))
    {
        super::emojis::local(app).await?
    } else {
        Vec::new()
    };
    Ok(list
        .into_iter()
        .filter(|a| with_dismissed || !dismissed.contains(&a.id))
        .map(|a| Shown {
            read: dismissed.contains(&a.id),
            reactions: reactions
                .iter()
                .filter(|r| r.0 == a.id)
                .map(|(_, name, count, mine)| Reaction {
                    url: local
                        .iter()
                        .find(|e| &e.shortcode == name)
                        .and_then(|e| super::emojis::image_url(app, e)),
                    name: name.clone(),
                    count: *count,
                    me: *mine > 0,
                })
                .collect(),
            announcement: a,
        })
        .collect())
}

/// One announcement in force with its reactions' counts, as nobody in
/// particular sees it (the streaming payload).
pub async fn shown(app: &AppState, id: i64) -> Result<Option<Shown>> {
    let Some(a) = app.store.get_announcement(id).await? else {
        return Ok(None);
    };
    if !a.active_at(Utc::now()) {
        return Ok(None);
    }
    let reactions = app
        .store
        .announcement_reactions(&[id], 0)
        .await?
        .into_iter()
        .map(|(_, name, count, _)| Reaction {
            name,
            count,
            me: false,
            url: None,
        })
        .collect();
    Ok(Some(Shown {
        announcement: a,
        read: false,
        reactions,
    }))
}

/// Tells the streams how many chose `name` on announcement `id` now.
async fn publish_count(app: &AppState, id: i64, name: &str) -> Result<()> {
    let count = app
        .store
        .announcement_reactions(&[id], 0)
        .await?
        .into_iter()
        .find(|r| r.1 == name)
        .map_or(0, |r| r.2);
    app.bus.publish(Event::AnnouncementReaction {
        id,
        name: name.to_string(),
        count,
    });
    Ok(())
}

/// An announcement in force, or 404.
async fn in_force(app: &AppState, id: i64) -> Result<Announcement> {
    app.store
        .get_announcement(id)
        .await?
        .filter(|a| a.active_at(Utc::now()))
        .ok_or_else(Error::not_found)
}

/// Marks an announcement read for `viewer`.
pub async fn dismiss(app: &AppState, viewer: &Account, id: i64) -> Result<()> {
    let a = in_force(app, id).await?;
    app.store.dismiss_announcement(a.id, viewer.id).await
}

/// Whether `name` is an emoji a reaction may be: one of this server's
/// custom emoji, or a short run of non-ASCII symbols (a Unicode emoji,
/// with its modifiers and joiners).
async fn valid_reaction(app: &AppState, name: &str) -> Result<bool> {
    if crate::model::emoji::valid_shortcode(name) {
        return Ok(super::emojis::local(app)
            .await?
            .iter()
            .any(|e| e.shortcode == name));
    }
    Ok(!name.is_empty()
        && name.chars().count() <= 10
        && name.chars().all(|c| {
            !c.is_ascii() && !c.is_whitespace() && !c.is_control() && !c.is_alphanumeric()
        }))
}

/// Adds `viewer`'s reaction `name` (at most [`MAX_REACTION_NAMES`]
/// different ones per announcement).
pub async fn react(app: &AppState, viewer: &Account, id: i64, name: &str) -> Result<()> {
    let a = in_force(app, id).await?;
    if !valid_reaction(app, name).await? {
        return Err(Error::unprocessable(
            "Validation failed: Name is not a recognized emoji",
        ));
    }
    let names = app.store.announcement_reaction_names(a.id).await?;
    if !names.iter().any(|n| n == name) && names.len() >= MAX_REACTION_NAMES {
        return Err(Error::unprocessable(format!(
            "Validation failed: at most {MAX_REACTION_NAMES} different reactions"
        )));
    }
    if app
        .store
        .add_announcement_reaction(a.id, viewer.id, name, Utc::now())
        .await?
    {
        publish_count(app, a.id, name).await?;
    }
    Ok(())
}

/// Takes `viewer`'s reaction `name` back.
pub async fn unreact(app: &AppState, viewer: &Account, id: i64, name: &str) -> Result<()> {
    let a = in_force(app, id).await?;
    app.store
        .remove_announcement_reaction(a.id, viewer.id, name)
        .await?;
    publish_count(app, a.id, name).await
}
