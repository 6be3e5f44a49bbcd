//! Posting, editing, deleting, and the interactions on a status: favourite,
//! boost, bookmark, pin. How a status is stored, for local and remote
//! posts alike, is in `statuses/store.rs`.

use std::collections::HashMap;

use chrono::Utc;

use crate::app::AppState;
use crate::db::statuses::NewStatus;
use crate::error::{Error, Result, Validation};
use crate::federation::outbox;
use crate::model::{Account, Status, Visibility};
use crate::service::{notifications, quotes, timelines, visibility};
use crate::text::status::{self as render, ResolvedMention};

mod store;

pub use store::{Stored, redo_effects, remove, republish, store, store_edit};

/// What a client sends to post or edit (kept as JSON while scheduled).
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Draft {
    pub text: String,
    pub spoiler_text: String,
    pub sensitive: bool,
    pub visibility: Option<String>,
    pub language: Option<String>,
    pub in_reply_to_id: Option<i64>,
    pub media_ids: Vec<String>,
    pub poll: Option<PollDraft>,
    pub idempotency_key: Option<String>,
    pub application_id: Option<i64>,
    /// The post it quotes (Mastodon 4.5).
    #[serde(default)]
    pub quoted_status_id: Option<i64>,
    /// Who may quote it: `public`, `followers` or `nobody` (the author's
    /// default when posting; unchanged when editing).
    #[serde(default)]
    pub quote_approval_policy: Option<String>,
}

/// A poll as a client sends it with a new status.
#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
pub struct PollDraft {
    pub options: Vec<String>,
    /// Seconds; required.
    pub expires_in: Option<i64>,
    pub multiple: bool,
    pub hide_totals: bool,
}

/// Mastodon's bounds on a poll's duration, in seconds.
pub const POLL_MIN_EXPIRATION: i64 = 300;
pub const POLL_MAX_EXPIRATION: i64 = 2_629_746;

/// Mastodon counts every URL as 23 characters, whatever its length.
fn counted_length(text: &str) -> usize {
    render::tokenize(text)
        .iter()
        .map(|t| match t {
            render::Token::Url(_) => 23,
            render::Token::Text(s) | render::Token::Hashtag(s) => {
                s.chars().count() + usize::from(matches!(t, render::Token::Hashtag(_)))
            }
            render::Token::Mention { username, raw, .. } => {
                // A remote mention counts only its username part.
                if raw.len() > username.len() + 1 {
                    username.chars().count() + 1
                } else {
                    raw.chars().count()
                }
            }
        })
        .sum()
}

/// How many unknown remote accounts one post may look up.
const MAX_MENTION_LOOKUPS: usize = 10;

/// Resolves the accounts a text mentions: local ones, remote ones already
/// known, and (a few) unknown remote ones through WebFinger.
async fn resolve_mentions(
    app: &AppState,
    text: &str,
) -> Result<HashMap<(String, Option<String>), ResolvedMention>> {
    let mut out = HashMap::new();
    // Unknown remote accounts are looked up with WebFinger, a few per post.
    let mut lookups = 0;
    for (username, domain) in render::mentioned(text) {
        let local = domain
            .as_deref()
            .is_none_or(|d| d.eq_ignore_ascii_case(&app.config.server.domain));
        let account = if local {
            app.store.get_local_account_by_username(&username).await?
        } else {
            let host = domain.as_deref().unwrap_or("");
            match app
                .store
                .get_remote_account_by_username(&username, host)
                .await?
            {
                Some(a) => Some(a),
                None if lookups < MAX_MENTION_LOOKUPS => {
                    lookups += 1;
                    crate::federation::fetch::webfinger(app, &username, host)
                        .await
                        .ok()
                }
                None => None,
            }
        };
        if let Some(a) = account.filter(|a| a.suspended_at.is_none()) {
            out.insert(
                (username, domain),
                ResolvedMention {
                    account_id: a.id,
                    url: a
                        .url
                        .as_deref()
                        .and_then(crate::text::web_url)
                        .unwrap_or(&a.uri)
                        .to_string(),
                    username: a.username.clone(),
                },
            );
        }
    }
    Ok(out)
}

pub(crate) fn validate(app: &AppState, d: &Draft, v: &mut Validation) {
    let max = app.config.instance.max_status_chars as usize;
    if d.text.trim().is_empty() && d.media_ids.is_empty() {
        v.add("text", "ERR_BLANK", "can't be blank");
    }
    if counted_length(&d.text) + d.spoiler_text.chars().count() > max {
        v.add(
            "text",
            "ERR_TOO_LONG",
            format!("character limit of {max} exceeded"),
        );
    }
    if let Some(vis) = &d.visibility
        && Visibility::parse(vis).is_none()
    {
        v.add("visibility", "ERR_INCLUSION", "is not included in the list");
    }
    if let Some(lang) = &d.language
        && !(lang.len() <= 3 && lang.chars().all(|c| c.is_ascii_alphabetic()))
    {
        v.add("language", "ERR_INVALID", "is invalid");
    }
    if let Some(poll) = &d.poll {
        let max_options = app.config.instance.max_poll_options as usize;
        let max_chars = app.config.instance.max_poll_option_chars as usize;
        if poll.options.len() < 2 {
            v.add("poll", "ERR_TOO_SHORT", "must have at least 2 options");
        } else if poll.options.len() > max_options {
            v.add(
                "poll",
                "ERR_TOO_LONG",
                format!("must have at most {max_options} options"),
            );
        }
        if poll.options.iter().any(|o| o.trim().is_empty()) {
            v.add("poll", "ERR_BLANK", "options can't be blank");
        }
        if poll.options.iter().any(|o| o.chars().count() > max_chars) {
            v.add(
                "poll",
                "ERR_TOO_LONG",
                format!("options must be at most {max_chars} characters"),
            );
        }
        let mut unique: Vec<&str> = poll.options.iter().map(|o| o.trim()).collect();
        unique.sort_unstable();
        unique.dedup();
        if unique.len() != poll.options.len() {
            v.add("poll", "ERR_DUPLICATE", "options must be unique");
        }
        match poll.expires_in {
            None => v.add("poll", "ERR_BLANK", "expires_in can't be blank"),
            Some(e) if !(POLL_MIN_EXPIRATION..=POLL_MAX_EXPIRATION).contains(&e) => {
                v.add("poll", "ERR_INVALID", format!("expires_in must be between {POLL_MIN_EXPIRATION} and {POLL_MAX_EXPIRATION} seconds"))
            }
            Some(_) => {}
        }
        if !d.media_ids.is_empty() {
            v.add("poll", "ERR_INVALID", "cannot be combined with media");
        }
    }
}

/// Posts a status for `author`; the same `idempotency_key` returns the first post.
pub async fn create(
    app: &AppState,
    author: &Account,
    default_visibility: &str,
    d: Draft,
) -> Result<Status> {
    if let Some(key) = &d.idempotency_key
        && let Some(id) = app
            .store
            .get_status_by_idempotency_key(author.id, key)
            .await?
        && let Some(existing) = app.store.get_status(id).await?
    {
        return Ok(existing);
    }
    app.limiter
        .hit_shared(
            &format!("statuses:{}", author.id),
            app.config.limits.statuses_per_3h,
            crate::ratelimit::THREE_HOURS,
        )
        .await?;
    let mut v = Validation::new();
    validate(app, &d, &mut v);
    v.finish()?;
    let media_ids = super::media::attachable(app, author.id, &d.media_ids, None).await?;
    let visibility = d
        .visibility
        .as_deref()
        .and_then(Visibility::parse)
        .or_else(|| Visibility::parse(default_visibility))
        .unwrap_or(Visibility::Public);
    let parent = match d.in_reply_to_id {
        Some(id) => Some(visible_status(app, Some(author), id).await?.0),
        None => None,
    };
    let quoted = match d.quoted_status_id {
        Some(id) => Some(quotes::quotable(app, author, id).await?),
        None => None,
    };
    let visibility = match &quoted {
        Some((q, _)) => quotes::visibility_for(visibility, q),
        None => visibility,
    };
    let quote_policy = quotes::policy_for(
        d.quote_approval_policy.as_deref().unwrap_or("public"),
        visibility,
    )?;
    let resolved = resolve_mentions(app, &d.text).await?;
    let mut rendered = render::render(&d.text, &resolved, &app.url("/tags"));
    if let Some((q, quoted_author)) = &quoted {
        quotes::check_direct(visibility, author, quoted_author, &rendered.mentions)?;
        if !rendered.html.contains(q.url.as_deref().unwrap_or(&q.uri)) {
            rendered.html = quotes::fallback_html(q) + &rendered.html;
        }
    }
    let id = crate::id::new_id();
    let now = Utc::now();
    let poll = d.poll.as_ref().map(|p| crate::model::Poll {
        id: crate::id::new_id(),
        status_id: id,
        options: crate::model::Json(p.options.iter().map(|o| o.trim().to_string()).collect()),
        multiple: p.multiple,
        hide_totals: p.hide_totals,
        expires_at: p.expires_in.map(|e| now + chrono::Duration::seconds(e)),
        votes_count: 0,
        voters_count: 0,
        created_at: now,
        remote_tallies: None,
    });
    let status = Status {
        id,
        account_id: author.id,
        uri: format!("{}/statuses/{id}", author.uri),
        url: Some(format!(
            "{}/{id}",
            author.url.clone().unwrap_or_else(|| author.uri.clone())
        )),
        local: true,
        in_reply_to_id: parent.as_ref().map(|p| p.id),
        in_reply_to_account_id: parent.as_ref().map(|p| p.account_id),
        reblog_of_id: None,
        conversation_id: Some(
            parent
                .as_ref()
                .and_then(|p| p.conversation_id)
                .unwrap_or(id),
        ),
        visibility: visibility.as_str().to_string(),
        text: d.text.clone(),
        content: rendered.html,
        spoiler_text: d.spoiler_text.trim().to_string(),
        sensitive: d.sensitive || !d.spoiler_text.trim().is_empty(),
        language: d.language.clone(),
        application_id: d.application_id,
        poll_id: poll.as_ref().map(|p| p.id),
        replies_count: 0,
        reblogs_count: 0,
        favourites_count: 0,
        created_at: now,
        edited_at: None,
        remote_attachments: None,
        media_ids: Some(crate::model::Json(media_ids.clone())).filter(|m| !m.0.is_empty()),
        quote_policy: quote_policy.0,
        quotes_count: 0,
    };
    let quote = quoted
        .as_ref()
        .map(|(q, quoted_author)| quotes::new_quote(author, id, q, quoted_author));
    let new = NewStatus {
        status: &status,
        poll: poll.as_ref(),
        mentions: &rendered.mentions,
        tags: &rendered.tags,
        idempotency_key: d.idempotency_key.as_deref(),
        attach_media: &media_ids,
        new_media: &[],
        quote: quote.as_ref(),
    };
    match store(app, author, &new).await? {
        Stored::New(status) => {
            outbox::status_created(app, author, &status).await?;
            if let (Some(q), Some((_, quoted_author))) = (&quote, &quoted) {
                quotes::after_create(app, author, &status, q, quoted_author).await?;
            }
            Ok(status)
        }
        // Two requests with one Idempotency-Key raced: the other one won.
        Stored::Existing(existing) => Ok(existing),
    }
}

/// A status `viewer` may see, with its author; 404 otherwise (a private status
/// is indistinguishable from a missing one).
pub async fn visible_status(
    app: &AppState,
    viewer: Option<&Account>,
    id: i64,
) -> Result<(Status, Account)> {
    let status = app
        .store
        .get_status(id)
        .await?
        .ok_or_else(Error::not_found)?;
    let author = app
        .store
        .get_account(status.account_id)
        .await?
        .ok_or_else(Error::not_found)?;
    if !visibility::can_see(app, viewer, &status, &author).await? {
        return Err(Error::not_found());
    }
    if let Some(of) = status.reblog_of_id {
        // A boost is visible only while what it boosts is (boosts of boosts
        // do not exist, so this does not recurse further).
        let original = app
            .store
            .get_status(of)
            .await?
            .ok_or_else(Error::not_found)?;
        let original_author = app
            .store
            .get_account(original.account_id)
            .await?
            .ok_or_else(Error::not_found)?;
        if !visibility::can_see(app, viewer, &original, &original_author).await? {
            return Err(Error::not_found());
        }
    }
    Ok((status, author))
}

/// The statuses of `ids` that `viewer` may see, in the order asked; the
/// rest are left out without saying why, as Mastodon does.
pub async fn visible_many(
    app: &AppState,
    viewer: Option<&Account>,
    ids: &[i64],
) -> Result<Vec<Status>> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        match visible_status(app, viewer, *id).await {
            Ok((status, _)) => out.push(status),
            Err(e) if e.kind == crate::error::Kind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// A status of `owner`'s own: 404 for anyone else's, as Mastodon answers.
async fn own_status(app: &AppState, owner: &Account, id: i64) -> Result<Status> {
    let status = app
        .store
        .get_status(id)
        .await?
        .ok_or_else(Error::not_found)?;
    if status.account_id != owner.id {
        return Err(Error::not_found());
    }
    Ok(status)
}

/// Deletes `owner`'s status; returns it (its `text` lets clients redraft).
pub async fn delete(app: &AppState, owner: &Account, id: i64) -> Result<Status> {
    let status = own_status(app, owner, id).await?;
    let addressed = outbox::inboxes_before_delete(app, &status).await?;
    remove(app, &status).await?;
    outbox::status_deleted(app, owner, &status, addressed).await?;
    Ok(status)
}

/// Edits `owner`'s status, keeping the previous version in its history.
pub async fn edit(app: &AppState, owner: &Account, id: i64, d: Draft) -> Result<Status> {
    let before = own_status(app, owner, id).await?;
    if before.reblog_of_id.is_some() {
        return Err(Error::unprocessable("A boost cannot be edited"));
    }
    let mut v = Validation::new();
    validate(
        app,
        &Draft {
            visibility: None,
            ..d.clone_for_validation()
        },
        &mut v,
    );
    v.finish()?;
    // An edit without media_ids keeps the attachments.
    let media = if d.media_ids.is_empty() {
        None
    } else {
        Some(super::media::attachable(app, owner.id, &d.media_ids, Some(before.id)).await?)
    };
    let resolved = resolve_mentions(app, &d.text).await?;
    let mut rendered = render::render(&d.text, &resolved, &app.url("/tags"));
    // A quote stays (Mastodon 4.5 edits cannot change it), with its `RE:` line.
    if let Some(q) = app.store.get_quote_by_status(before.id).await?
        && let Some(quoted) = match q.quoted_status_id {
            Some(id) => app.store.get_status(id).await?,
            None => None,
        }
        && !rendered
            .html
            .contains(quoted.url.as_deref().unwrap_or(&quoted.uri))
    {
        rendered.html = quotes::fallback_html(&quoted) + &rendered.html;
    }
    let now = Utc::now();
    let after = Status {
        media_ids: match &media {
            Some(ids) => Some(crate::model::Json(ids.clone())),
            None => before.media_ids.clone(),
        },
        text: d.text.clone(),
        content: rendered.html,
        spoiler_text: d.spoiler_text.trim().to_string(),
        sensitive: d.sensitive || !d.spoiler_text.trim().is_empty(),
        language: d.language.clone().or(before.language.clone()),
        edited_at: Some(now),
        quote_policy: match &d.quote_approval_policy {
            Some(p) => quotes::policy_for(p, before.visibility())?.0,
            None => before.quote_policy,
        },
        ..before.clone()
    };
    store_edit(
        app,
        &before,
        &after,
        &rendered.mentions,
        &rendered.tags,
        media.as_deref(),
    )
    .await?;
    outbox::status_edited(app, owner, &after).await?;
    Ok(after)
}

impl Draft {
    fn clone_for_validation(&self) -> Draft {
        Draft {
            text: self.text.clone(),
            spoiler_text: self.spoiler_text.clone(),
            sensitive: self.sensitive,
            visibility: self.visibility.clone(),
            language: self.language.clone(),
            in_reply_to_id: None,
            media_ids: self.media_ids.clone(),
            poll: None,
            idempotency_key: None,
            application_id: None,
            quoted_status_id: None,
            quote_approval_policy: None,
        }
    }
}

/// The status a client acts on: the boosted original when given a boost.
async fn target(app: &AppState, viewer: &Account, id: i64) -> Result<(Status, Account)> {
    let (status, author) = visible_status(app, Some(viewer), id).await?;
    match status.reblog_of_id {
        Some(of) => visible_status(app, Some(viewer), of).await,
        None => Ok((status, author)),
    }
}

pub async fn favourite(app: &AppState, viewer: &Account, id: i64) -> Result<Status> {
    let (status, author) = target(app, viewer, id).await?;
    if app
        .store
        .put_favourite(viewer.id, status.id, Utc::now())
        .await?
    {
        notifications::notify(app, author.id, "favourite", viewer, Some(status.id)).await?;
        outbox::favourited(app, viewer, &status, &author, true).await?;
    }
    app.store
        .get_status(status.id)
        .await?
        .ok_or_else(Error::not_found)
}

pub async fn unfavourite(app: &AppState, viewer: &Account, id: i64) -> Result<Status> {
    let (status, author) = target(app, viewer, id).await?;
    if app.store.delete_favourite(viewer.id, status.id).await? {
        app.store
            .delete_notifications_for("favourite", viewer.id, Some(status.id), author.id)
            .await?;
        outbox::favourited(app, viewer, &status, &author, false).await?;
    }
    app.store
        .get_status(status.id)
        .await?
        .ok_or_else(Error::not_found)
}

/// Boosts a status; returns the boost. Private and direct statuses cannot be
/// boosted (except your own private ones, as in Mastodon).
pub async fn reblog(
    app: &AppState,
    viewer: &Account,
    id: i64,
    visibility: Option<&str>,
) -> Result<Status> {
    let (original, author) = target(app, viewer, id).await?;
    match original.visibility() {
        Visibility::Direct => {
            return Err(Error::unprocessable(
                "Validation failed: Reblog of status is not permitted",
            ));
        }
        Visibility::Private if author.id != viewer.id => {
            return Err(Error::unprocessable(
                "Validation failed: Reblog of status is not permitted",
            ));
        }
        _ => {}
    }
    if let Some(existing) = app.store.get_reblog(viewer.id, original.id).await? {
        return Ok(existing);
    }
    if viewer.is_local() {
        app.limiter
            .hit_shared(
                &format!("reblogs:{}", viewer.id),
                app.config.limits.reblogs_per_3h,
                crate::ratelimit::THREE_HOURS,
            )
            .await?;
    }
    let vis = match visibility.map(|v| {
        Visibility::parse(v).ok_or_else(|| {
            Error::unprocessable("Validation failed: Visibility is not included in the list")
        })
    }) {
        Some(v) => v?,
        None => Visibility::Public,
    };
    let vis = if original.visibility() == Visibility::Private {
        Visibility::Private
    } else {
        vis.min(Visibility::Private)
    };
    let id = crate::id::new_id();
    let boost = Status::boost(
        id,
        viewer.id,
        format!("{}/statuses/{id}/activity", viewer.uri),
        true,
        original.id,
        vis,
    );
    let new = NewStatus {
        status: &boost,
        poll: None,
        mentions: &[],
        tags: &[],
        idempotency_key: None,
        attach_media: &[],
        new_media: &[],
        quote: None,
    };
    match store(app, viewer, &new).await? {
        Stored::New(boost) => {
            outbox::reblogged(app, viewer, &boost, &original, &author).await?;
            Ok(boost)
        }
        // A concurrent boost of the same status won the unique index.
        Stored::Existing(existing) => Ok(existing),
    }
}

/// Undoes a boost; returns the original status.
pub async fn unreblog(app: &AppState, viewer: &Account, id: i64) -> Result<Status> {
    let (original, author) = target(app, viewer, id).await?;
    if let Some(boost) = app.store.get_reblog(viewer.id, original.id).await? {
        remove(app, &boost).await?;
        app.store
            .delete_notifications_for("reblog", viewer.id, Some(original.id), author.id)
            .await?;
        outbox::status_deleted(app, viewer, &boost, Vec::new()).await?;
    }
    app.store
        .get_status(original.id)
        .await?
        .ok_or_else(Error::not_found)
}

/// Bookmarks (`on`) or unbookmarks a status the viewer can see.
pub async fn bookmark(app: &AppState, viewer: &Account, id: i64, on: bool) -> Result<Status> {
    let (status, _) = target(app, viewer, id).await?;
    if on {
        app.store
            .put_flag("bookmarks", viewer.id, status.id, Utc::now())
            .await?;
    } else {
        app.store
            .delete_flag("bookmarks", viewer.id, status.id)
            .await?;
    }
    Ok(status)
}

/// Pins (`on`) or unpins one of the viewer's own public or unlisted posts.
pub async fn pin(app: &AppState, viewer: &Account, id: i64, on: bool) -> Result<Status> {
    let status = own_status(app, viewer, id).await?;
    if on {
        if status.reblog_of_id.is_some()
            || !matches!(
                status.visibility(),
                Visibility::Public | Visibility::Unlisted | Visibility::Private
            )
        {
            return Err(Error::unprocessable(
                "Validation failed: This post cannot be pinned",
            ));
        }
        if app.store.count_pins(viewer.id).await? >= 5 {
            return Err(Error::unprocessable(
                "Validation failed: You have already pinned the maximum number of posts",
            ));
        }
        app.store
            .put_flag("pins", viewer.id, status.id, Utc::now())
            .await?;
    } else {
        app.store.delete_flag("pins", viewer.id, status.id).await?;
    }
    Ok(status)
}

/// Mutes (`on`) or unmutes the conversation a status belongs to: no more
/// notifications from it. Only participants (the author or someone mentioned
/// in the status) may, as in Mastodon.
pub async fn mute_conversation(
    app: &AppState,
    viewer: &Account,
    id: i64,
    on: bool,
) -> Result<Status> {
    let (status, _) = visible_status(app, Some(viewer), id).await?;
    let participant = status.account_id == viewer.id
        || app
            .store
            .mentions_of(&[status.id])
            .await?
            .iter()
            .any(|(_, a)| *a == viewer.id);
    if !participant {
        return Err(Error::unprocessable(
            "Validation failed: You are not part of this conversation",
        ));
    }
    if let Some(conversation) = status.conversation_id {
        app.store
            .set_conversation_mute(viewer.id, conversation, on)
            .await?;
    }
    Ok(status)
}

/// The thread around a status, each part filtered by what `viewer` may see.
pub async fn context(
    app: &AppState,
    viewer: Option<&Account>,
    id: i64,
) -> Result<(Vec<Status>, Vec<Status>)> {
    let (status, _) = visible_status(app, viewer, id).await?;
    let mut ancestors = Vec::new();
    let mut next = status.in_reply_to_id;
    while let Some(parent_id) = next {
        if ancestors.len() >= 40 {
            break;
        }
        match visible_status(app, viewer, parent_id).await {
            Ok((parent, _)) => {
                next = parent.in_reply_to_id;
                ancestors.push(parent);
            }
            Err(_) => break,
        }
    }
    ancestors.reverse();
    let ids = app.store.descendant_ids(status.id, 4000).await?;
    let rows = crate::model::status::in_order(&ids, app.store.get_statuses(&ids).await?);
    let descendants = timelines::filter_visible(app, viewer, rows).await?;
    Ok((ancestors, descendants))
}

/// The edits of a status `viewer` may see, oldest first (empty when it was
/// never edited).
pub async fn history(
    app: &AppState,
    viewer: Option<&Account>,
    id: i64,
) -> Result<(Status, Account, Vec<crate::model::StatusEdit>)> {
    let (status, author) = visible_status(app, viewer, id).await?;
    let edits = app.store.status_edits(status.id).await?;
    Ok((status, author, edits))
}

/// Who favourited (or, with `favourites` false, boosted) a status `viewer`
/// may see, newest first, minus accounts `viewer` hides; with the
/// interaction rows' ids at the page's ends (newest, oldest).
pub async fn interacted_by(
    app: &AppState,
    viewer: Option<&Account>,
    id: i64,
    favourites: bool,
    page: &crate::model::Page,
) -> Result<(Status, Vec<Account>, Option<(i64, i64)>)> {
    let (status, _) = visible_status(app, viewer, id).await?;
    let mut pairs = if favourites {
        app.store.favourited_by(status.id, page).await?
    } else {
        app.store.reblogged_by(status.id, page).await?
    };
    pairs.sort_by_key(|x| std::cmp::Reverse(x.0));
    let ids: Vec<i64> = pairs.iter().map(|(_, a)| *a).collect();
    let found = app.store.get_accounts(&ids).await?;
    let hidden = match viewer {
        Some(v) => app.store.hidden_account_ids(v.id, Utc::now()).await?,
        None => Vec::new(),
    };
    let accounts = ids
        .iter()
        .filter(|id| !hidden.contains(id))
        .filter_map(|id| found.iter().find(|a| a.id == *id).cloned())
        .collect();
    let keys = pairs.first().zip(pairs.last()).map(|(n, o)| (n.0, o.0));
    Ok((status, accounts, keys))
}

#[cfg(test)]
mod tests {
    use super::counted_length;

    #[test]
    fn urls_count_as_23() {
        assert_eq!(
            counted_length("hi https://example.org/a/very/long/path/that/goes/on/and/on"),
            3 + 23
        );
        assert_eq!(counted_length("@bob@far.example.org hi"), 4 + 3);
    }
}
