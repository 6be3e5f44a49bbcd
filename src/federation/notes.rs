//! Remote posts: Create, Update and Delete of Notes (and the kinds Mastodon
//! turns into Notes). Boosts are in [`super::boosts`], reports in
//! [`super::flags`].
//! <https://docs.joinmastodon.org/spec/activitypub/#Note>

use chrono::Utc;
use serde_json::Value;

use super::inbox::id_of;
use super::protocol::Object;
use super::{fetch, same_origin};
use crate::app::AppState;
use crate::db::statuses::NewStatus;
use crate::error::Result;
use crate::model::{Account, RemoteMedia, Status, Visibility};
use crate::service::statuses::{self, Stored};

/// Object types roost stores as statuses (Mastodon's list).
const POST_TYPES: &[&str] = &[
    "Note", "Question", "Article", "Page", "Image", "Video", "Audio", "Event",
];

/// How deep a chain of unknown reply parents is fetched.
const MAX_PARENT_DEPTH: u32 = 5;

/// The most characters of remote HTML kept per post.
const MAX_CONTENT: usize = 100_000;

/// The object of a Create/Update, from its origin: embedded objects on the
/// actor's origin are used as sent; anything else is fetched by id.
pub(super) async fn trusted_object(
    app: &AppState,
    actor: &Account,
    object: Option<&Value>,
) -> Result<Option<Value>> {
    let Some(object) = object else {
        return Ok(None);
    };
    let Some(id) = id_of(Some(object)) else {
        return Ok(None);
    };
    if object.is_object() && same_origin(id, &actor.uri) {
        return Ok(Some(object.clone()));
    }
    // A bare id, or an object claiming another server's id: only its own
    // server is believed.
    Ok(fetch::fetch_object(app, id).await.ok().flatten())
}

/// `Create`: a new remote post.
pub async fn create(app: &AppState, actor: &Account, activity: &Value) -> Result<()> {
    let Some(object) = trusted_object(app, actor, activity.get("object")).await? else {
        return Ok(());
    };
    ingest(app, actor, &object, 0, Review::Apply)
        .await
        .map(|_| ())
}

/// Whether a post goes through the moderation queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Review {
    /// As `moderation.review_remote` says.
    Apply,
    /// A moderator approved it.
    Approved,
}

/// Whether posts from `actor`'s server wait for a moderator.
async fn under_review(app: &AppState, actor: &Account) -> Result<bool> {
    Ok(match app.config.moderation.review_remote.as_str() {
        "all" => true,
        "new_domains" => {
            let domain = actor.domain.as_deref().unwrap_or("");
            match (
                app.federation.review_since,
                app.store.instance_first_seen(domain).await?,
            ) {
                (Some(since), Some(first)) => first >= since,
                _ => true,
            }
        }
        _ => false,
    })
}

/// Stores a post by `actor` unless it is there already, was deleted, or is
/// not `actor`'s. Returns the stored status.
pub(super) async fn ingest(
    app: &AppState,
    actor: &Account,
    doc: &Value,
    depth: u32,
    review: Review,
) -> Result<Option<Status>> {
    let Ok(object) = serde_json::from_value::<Object>(doc.clone()) else {
        return Ok(None);
    };
    if !POST_TYPES.contains(&object.kind.as_str())
        || object.attributed_to_id() != Some(actor.uri.as_str())
    {
        return Ok(None);
    }
    if !same_origin(&object.id, &actor.uri) {
        return Ok(None);
    }
    if is_vote(&object) {
        vote(app, actor, &object).await?;
        return Ok(None);
    }
    if let Some(existing) = app.store.get_status_by_uri(&object.id).await? {
        return Ok(Some(existing));
    }
    if app.store.has_tombstone(&object.id).await? {
        return Ok(None);
    }
    if review == Review::Apply && under_review(app, actor).await? {
        app.store.put_held_status(actor.id, &object.id, doc).await?;
        return Ok(None);
    }
    let parent = match object.in_reply_to_id() {
        Some(uri) => known_or_fetched(app, uri, depth).await?,
        None => None,
    };
    let mentioned = mentioned_accounts(app, &object).await?;
    let visibility = visibility(&object, actor, &mentioned);
    let reject_media = app
        .store
        .domain_block_of(actor.domain.as_deref().unwrap_or(""))
        .await?
        .is_some_and(|b| b.reject_media);
    let id = crate::id::new_id();
    let now = Utc::now();
    let created_at = object.published.filter(|p| *p < now).unwrap_or(now);
    let poll = remote_poll(&object, id, now);
    let status = Status {
        id,
        account_id: actor.id,
        uri: object.id.clone(),
        url: object
            .url()
            .map(str::to_string)
            .or_else(|| Some(object.id.clone())),
        local: false,
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
        text: String::new(),
        content: content_html(&object),
        spoiler_text: crate::text::sanitize::strip_long(object.summary.as_deref().unwrap_or("")),
        sensitive: object.sensitive.unwrap_or(false)
            || object
                .summary
                .as_deref()
                .is_some_and(|s| !s.trim().is_empty()),
        language: object
            .content_map
            .keys()
            .next()
            .filter(|l| l.len() <= 16)
            .cloned(),
        application_id: None,
        poll_id: poll.as_ref().map(|p| p.id),
        replies_count: 0,
        reblogs_count: 0,
        favourites_count: 0,
        created_at,
        edited_at: object.updated.filter(|u| Some(*u) > object.published),
        remote_attachments: None,
        media_ids: None,
        quote_policy: super::quotes::policy_of(&object, actor),
        quotes_count: 0,
    };
    let media = if reject_media {
        Vec::new()
    } else {
        media_rows(actor.id, &remote_media(&object))
    };
    let status = Status {
        media_ids: Some(crate::model::Json(
            media.iter().map(|m| m.id).collect::<Vec<_>>(),
        ))
        .filter(|ids| !ids.0.is_empty()),
        ..status
    };
    let mention_ids: Vec<i64> = mentioned.iter().map(|a| a.id).collect();
    let tags: Vec<String> = object
        .tag
        .hashtag_names()
        .map(|t| t.trim_start_matches('#').to_lowercase())
        .filter(|t| !t.is_empty() && t.len() <= 100)
        .take(32)
        .collect();
    // What it quotes is stored with it, so that it never shows without.
    let quote = super::quotes::quote_of(app, &status, actor, &object, depth).await?;
    let new = NewStatus {
        status: &status,
        poll: poll.as_ref(),
        mentions: &mention_ids,
        tags: &tags,
        idempotency_key: None,
        attach_media: &[],
        new_media: &media,
        quote: quote.as_ref(),
    };
    // Before the post is stored, so that its first rendering (streams,
    // feeds) shows them.
    remember_emojis(app, actor, &object).await?;
    let status = match statuses::store(app, actor, &new).await? {
        Stored::New(status) => status,
        // The same post arriving twice at once: the other copy won.
        Stored::Existing(existing) => return Ok(Some(existing)),
    };
    super::quotes::link_earlier(app, &status, actor).await?;
    if app.config.media.cache_remote {
        for m in media.iter().filter(|m| m.kind == "image") {
            crate::jobs::enqueue(app, crate::jobs::Task::CacheRemoteMedia { media_id: m.id })
                .await?;
        }
    }
    Ok(Some(status))
}

/// A post by URL: fetched from its server and stored (with its author).
pub async fn resolve(app: &AppState, uri: &str) -> Result<Option<Status>> {
    let Some(doc) = fetch::fetch_object(app, uri).await? else {
        return Ok(None);
    };
    let Some(author) = id_of(doc.get("attributedTo")).map(str::to_string) else {
        return Ok(None);
    };
    let author = fetch::resolve_actor(app, &author).await?;
    ingest(app, &author, &doc, 0, Review::Apply).await
}

/// A poll vote (Mastodon's format): a Note with a `name`, no content, in
/// reply to a Question.
fn is_vote(object: &Object) -> bool {
    object.kind == "Note"
        && object.name.is_some()
        && object
            .content
            .as_deref()
            .is_none_or(|c| c.trim().is_empty())
        && object.in_reply_to_id().is_some()
}

/// Counts a remote vote in a local poll that is still open.
async fn vote(app: &AppState, actor: &Account, object: &Object) -> Result<()> {
    let Some(question) = object.in_reply_to_id() else {
        return Ok(());
    };
    let Some(status) = app.store.get_status_by_uri(question).await? else {
        return Ok(());
    };
    let option = object.name.as_deref().unwrap_or("");
    crate::service::polls::vote_from_remote(app, actor, &status, option).await
}

/// The poll of a remote Question, with its counts as reported.
fn remote_poll(
    object: &Object,
    status_id: i64,
    now: chrono::DateTime<Utc>,
) -> Option<crate::model::Poll> {
    if !object.is_poll() {
        return None;
    }
    let (options, multiple) = object.poll_options();
    let options: Vec<_> = options.iter().take(20).collect();
    if options.len() < 2 {
        return None;
    }
    let closed_at = match object.closed {
        Some(super::protocol::Closed::At(t)) => Some(t),
        Some(super::protocol::Closed::Flag(true)) => Some(object.end_time.unwrap_or(now).min(now)),
        _ => None,
    };
    let tallies: Vec<i64> = options
        .iter()
        .map(|o| i64::try_from(o.votes.unwrap_or(0)).unwrap_or(0))
        .collect();
    Some(crate::model::Poll {
        id: crate::id::new_id(),
        status_id,
        options: crate::model::Json(
            options
                .iter()
                .map(|o| o.name.chars().take(200).collect())
                .collect(),
        ),
        multiple,
        hide_totals: false,
        expires_at: closed_at.or(object.end_time),
        votes_count: tallies.iter().sum(),
        voters_count: object
            .voters_count
            .and_then(|v| i64::try_from(v).ok())
            .unwrap_or_else(|| tallies.iter().sum()),
        created_at: now,
        remote_tallies: Some(crate::model::Json(tallies)),
    })
}

/// The status a reply answers or a quote quotes: known, or fetched (a
/// few levels deep).
pub(super) async fn known_or_fetched(
    app: &AppState,
    uri: &str,
    depth: u32,
) -> Result<Option<Status>> {
    if let Some(p) = app.store.get_status_by_uri(uri).await? {
        return Ok(Some(p));
    }
    if depth >= MAX_PARENT_DEPTH || uri.starts_with(&app.base_url) {
        return Ok(None);
    }
    let Ok(Some(doc)) = fetch::fetch_object(app, uri).await else {
        return Ok(None);
    };
    let Some(author) = id_of(doc.get("attributedTo")).map(str::to_string) else {
        return Ok(None);
    };
    let Ok(author) = fetch::resolve_actor(app, &author).await else {
        return Ok(None);
    };
    Box::pin(ingest(app, &author, &doc, depth + 1, Review::Apply)).await
}

/// Accounts a post's Mention tags name that roost knows (local ones, and
/// remote ones already stored).
async fn mentioned_accounts(app: &AppState, object: &Object) -> Result<Vec<Account>> {
    let mut out: Vec<Account> = Vec::new();
    for href in object.tag.mention_hrefs().take(50) {
        let found = match href.strip_prefix(&app.url("/users/")) {
            Some(name) => app.store.get_local_account_by_username(name).await?,
            None => app.store.get_account_by_uri(href).await?,
        };
        if let Some(a) = found
            && !out.iter().any(|o| o.id == a.id)
        {
            out.push(a);
        }
    }
    Ok(out)
}

/// Visibility from addressing (Mastodon's rules): the public collection in
/// `to` is public, in `cc` unlisted; the author's followers are
/// followers-only; anything else is direct.
fn visibility(object: &Object, author: &Account, _mentioned: &[Account]) -> Visibility {
    let is_public = |s: &String| super::protocol::is_public_uri(s);
    if object.to.iter().any(is_public) {
        return Visibility::Public;
    }
    if object.cc.iter().any(is_public) {
        return Visibility::Unlisted;
    }
    let followers = author.followers_url.as_deref().unwrap_or("");
    if !followers.is_empty()
        && object
            .to
            .iter()
            .chain(object.cc.iter())
            .any(|a| a == followers)
    {
        return Visibility::Private;
    }
    Visibility::Direct
}

/// Sanitized HTML of a post; kinds other than Note show their title and link.
fn content_html(object: &Object) -> String {
    let raw = object
        .content
        .as_deref()
        .or_else(|| object.content_map.values().next().map(String::as_str))
        .unwrap_or("");
    let raw: String = raw.chars().take(MAX_CONTENT).collect();
    let mut html = crate::text::sanitize::html(&raw);
    if !matches!(object.kind.as_str(), "Note" | "Question")
        && let Some(name) = object.name.as_deref().filter(|n| !n.is_empty())
    {
        let title = format!("<p><strong>{}</strong></p>", crate::text::escape_html(name));
        html = format!("{title}{html}");
        if let Some(url) = object.url() {
            let link = crate::text::escape_html(url);
            html.push_str(&format!(
                "<p><a href=\"{link}\" rel=\"nofollow noopener\" target=\"_blank\">{link}</a></p>"
            ));
        }
    }
    html
}

/// The attachments of a post, as references to the remote files.
fn remote_media(object: &Object) -> Vec<RemoteMedia> {
    object
        .attachment
        .iter()
        .take(16)
        .filter(|a| a.url.starts_with("https://") || a.url.starts_with("http://"))
        .map(|a| {
            let media_type = a.media_type.as_deref().unwrap_or("");
            let kind = match (media_type.split('/').next(), a.kind.as_deref()) {
                (Some("image"), _) if media_type == "image/gif" => "gifv",
                (Some("image"), _) | (_, Some("Image")) => "image",
                (Some("video"), _) | (_, Some("Video")) => "video",
                (Some("audio"), _) | (_, Some("Audio")) => "audio",
                _ => "unknown",
            };
            RemoteMedia {
                kind: kind.to_string(),
                url: a.url.clone(),
                description: a.alt().map(|d| d.chars().take(1500).collect()),
                blurhash: a.blurhash.clone().filter(|b| b.len() <= 100),
                width: a.width,
                height: a.height,
                focus: a.focal_point,
            }
        })
        .collect()
}

/// A remote post's attachments as rows, referenced by URL until cached.
fn media_rows(account_id: i64, list: &[RemoteMedia]) -> Vec<crate::model::MediaAttachment> {
    use crate::model::media::{MediaAttachment, MediaKind, state};
    list.iter()
        .map(|r| {
            let mut m = MediaAttachment::new(
                crate::id::new_id(),
                account_id,
                MediaKind::parse(&r.kind),
                state::REMOTE,
            );
            m.remote_url = Some(r.url.clone());
            m.description = r.description.clone();
            m.blurhash = r.blurhash.clone();
            m.focus_x = r.focus.map(|f| f[0].clamp(-1.0, 1.0));
            m.focus_y = r.focus.map(|f| f[1].clamp(-1.0, 1.0));
            let mut meta = serde_json::Map::new();
            if let (Some(w), Some(h)) = (r.width, r.height)
                && w > 0
                && h > 0
            {
                meta.insert(
                    "original".into(),
                    serde_json::json!({"width": w, "height": h, "size": format!("{w}x{h}"),
                        "aspect": f64::from(w) / f64::from(h)}),
                );
            }
            if let (Some(x), Some(y)) = (m.focus_x, m.focus_y) {
                meta.insert("focus".into(), serde_json::json!({"x": x, "y": y}));
            }
            m.meta = crate::model::Json(serde_json::Value::Object(meta));
            m
        })
        .collect()
}

/// `Update` of a remote post: new content, kept only when newer.
pub async fn update(app: &AppState, actor: &Account, object: &Value) -> Result<()> {
    let Some(doc) = trusted_object(app, actor, Some(object)).await? else {
        return Ok(());
    };
    let Ok(object) = serde_json::from_value::<Object>(doc) else {
        return Ok(());
    };
    let Some(before) = app.store.get_status_by_uri(&object.id).await? else {
        return Ok(());
    };
    if before.account_id != actor.id || before.local {
        return Ok(());
    }
    super::quotes::updated(app, actor, &before, &object).await?;
    // A Question's Update carries its new counts (Mastodon sends one as
    // votes come in), with or without an edit.
    if let (Some(poll_id), Some(poll)) =
        (before.poll_id, remote_poll(&object, before.id, Utc::now()))
    {
        if let Some(tallies) = &poll.remote_tallies {
            app.store
                .set_remote_tallies(poll_id, &tallies.0, poll.voters_count)
                .await?;
        }
        if object
            .updated
            .is_none_or(|u| before.edited_at.is_some_and(|t| t >= u))
        {
            return Ok(());
        }
    }
    let edited = object.updated.unwrap_or_else(Utc::now);
    if before.edited_at.is_some_and(|t| t >= edited) {
        return Ok(());
    }
    let mentioned = mentioned_accounts(app, &object).await?;
    let mention_ids: Vec<i64> = mentioned.iter().map(|a| a.id).collect();
    let tags: Vec<String> = object
        .tag
        .hashtag_names()
        .map(|t| t.trim_start_matches('#').to_lowercase())
        .filter(|t| !t.is_empty() && t.len() <= 100)
        .take(32)
        .collect();
    let new_media = changed_media(app, actor, &before, &object).await?;
    let after = Status {
        content: content_html(&object),
        spoiler_text: crate::text::sanitize::strip_long(object.summary.as_deref().unwrap_or("")),
        sensitive: object.sensitive.unwrap_or(false),
        edited_at: Some(edited.min(Utc::now())),
        media_ids: match &new_media {
            Some(rows) => Some(crate::model::Json(
                rows.iter().map(|m| m.id).collect::<Vec<_>>(),
            ))
            .filter(|ids| !ids.0.is_empty()),
            None => before.media_ids.clone(),
        },
        ..before.clone()
    };
    let new_ids: Option<Vec<i64>> = new_media
        .as_ref()
        .map(|rows| rows.iter().map(|m| m.id).collect());
    remember_emojis(app, actor, &object).await?;
    statuses::store_edit(
        app,
        &before,
        &after,
        &mention_ids,
        &tags,
        new_ids.as_deref(),
    )
    .await?;
    if let Some(rows) = &new_media {
        // The replaced attachments, now detached, go with their files.
        if let Some(old) = &before.media_ids {
            crate::media::process::delete_media_rows(app, &old.0).await?;
        }
        if app.config.media.cache_remote {
            for m in rows.iter().filter(|m| m.kind == "image") {
                crate::jobs::enqueue(app, crate::jobs::Task::CacheRemoteMedia { media_id: m.id })
                    .await?;
            }
        }
    }
    Ok(())
}

/// The custom emoji (`Emoji` tags) of a post or an actor.
pub(crate) fn remote_emojis(
    tags: &crate::federation::protocol::OneOrMany<crate::federation::protocol::tag::Tag>,
) -> Vec<crate::service::emojis::RemoteEmoji<'_>> {
    tags.emojis()
        .map(|e| crate::service::emojis::RemoteEmoji {
            shortcode: e.shortcode(),
            uri: e.id.as_deref(),
            url: &e.icon.url,
        })
        .collect()
}

/// Remembers the custom emoji of a post.
async fn remember_emojis(app: &AppState, actor: &Account, object: &Object) -> Result<()> {
    if let Some(domain) = actor.domain.as_deref() {
        crate::service::emojis::remember_remote(app, domain, &remote_emojis(&object.tag)).await?;
    }
    Ok(())
}

/// The attachments of an edited remote post when they differ from the
/// ones kept (other files, order or alt text): new rows, stored unattached
/// for the edit to take. None when nothing changed.
async fn changed_media(
    app: &AppState,
    actor: &Account,
    before: &Status,
    object: &Object,
) -> Result<Option<Vec<crate::model::MediaAttachment>>> {
    let reject_media = app
        .store
        .domain_block_of(actor.domain.as_deref().unwrap_or(""))
        .await?
        .is_some_and(|b| b.reject_media);
    let wanted = if reject_media {
        Vec::new()
    } else {
        remote_media(object)
    };
    let ids: Vec<i64> = before
        .media_ids
        .iter()
        .flat_map(|m| m.0.iter().copied())
        .collect();
    let rows = app.store.get_media_many(&ids).await?;
    let kept: Vec<(Option<&str>, Option<&str>)> = ids
        .iter()
        .filter_map(|id| rows.iter().find(|m| m.id == *id))
        .map(|m| (m.remote_url.as_deref(), m.description.as_deref()))
        .collect();
    let same = kept.len() == wanted.len()
        && kept.iter().zip(&wanted).all(|((url, alt), w)| {
            *url == Some(w.url.as_str()) && *alt == w.description.as_deref()
        });
    if same {
        return Ok(None);
    }
    let fresh = media_rows(actor.id, &wanted);
    for m in &fresh {
        app.store.put_media(m).await?;
    }
    Ok(Some(fresh))
}

/// `Delete` of a remote post; a Delete arriving first leaves a tombstone so
/// the late Create is dropped.
pub async fn delete(app: &AppState, actor: &Account, uri: &str) -> Result<()> {
    match app.store.get_status_by_uri(uri).await? {
        Some(status) if status.account_id == actor.id => statuses::remove(app, &status).await,
        Some(_) => Ok(()),
        None => {
            app.store
                .delete_held_status(None, Some((uri, actor.id)))
                .await?;
            app.store.put_tombstone(uri, actor.id).await
        }
    }
}

/// A held post (approved by a moderator) becomes a status, as if just
/// received.
pub async fn ingest_approved(
    app: &AppState,
    author: &Account,
    doc: &Value,
) -> Result<Option<Status>> {
    ingest(app, author, doc, 0, Review::Approved).await
}

#[cfg(test)]
mod tests {
    //! Posts from each server's fixtures, mapped as roost stores them.
    use super::*;

    fn object(fixture: &str) -> Object {
        let doc: Value = serde_json::from_str(fixture).unwrap();
        serde_json::from_value(doc["object"].clone()).unwrap()
    }

    #[test]
    fn can_quote_reads_as_mastodons_bitmap() {
        use crate::model::QuotePolicy;
        let alice = author("https://mastodon.example/users/alice");
        let mut note = object(include_str!(
            "../../tests/fixtures/activitypub/mastodon/create_quote_note.json"
        ));
        let policy = super::super::quotes::policy_of(&note, &alice);
        assert_eq!(policy, QuotePolicy::FOLLOWERS << 16);
        // The author alone is nobody; someone else is a policy roost cannot
        // follow; manual approval sits in the low bits.
        note.interaction_policy = Some(serde_json::json!({"canQuote": {
            "automaticApproval": [alice.uri, "as:Public"],
            "manualApproval": "https://elsewhere.example/users/zed",
        }}));
        let policy = QuotePolicy(super::super::quotes::policy_of(&note, &alice));
        assert_eq!(policy.auto_flags(), QuotePolicy::PUBLIC);
        assert_eq!(policy.manual_flags(), QuotePolicy::UNSUPPORTED);
        // No policy at all: nobody but the author.
        note.interaction_policy = None;
        assert_eq!(super::super::quotes::policy_of(&note, &alice), 0);
    }

    fn author(uri: &str) -> Account {
        // Only the uri and followers collection matter for visibility.
        let mut a = test_account();
        a.uri = uri.to_string();
        a.followers_url = Some(format!("{uri}/followers"));
        a
    }

    fn test_account() -> Account {
        Account {
            id: 1,
            username: "x".into(),
            domain: Some("remote.example".into()),
            display_name: String::new(),
            note: String::new(),
            note_source: String::new(),
            fields: crate::model::Json(Vec::new()),
            locked: false,
            bot: false,
            group_actor: false,
            discoverable: true,
            indexable: true,
            hide_collections: false,
            uri: String::new(),
            url: None,
            inbox_url: None,
            shared_inbox_url: None,
            outbox_url: None,
            followers_url: None,
            following_url: None,
            featured_url: None,
            public_key_pem: String::new(),
            private_key_pem: None,
            avatar_remote_url: None,
            header_remote_url: None,
            avatar_key: None,
            header_key: None,
            statuses_count: 0,
            followers_count: 0,
            following_count: 0,
            last_status_at: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
            fetched_at: None,
            suspended_at: None,
            silenced_at: None,
            sensitized_at: None,
            deleted_at: None,
            moved_to_account_id: None,
            public_key_id: None,
            actor_type: "Person".into(),
            also_known_as: crate::model::Json(Vec::new()),
            emojis: crate::model::Json(Vec::new()),
        }
    }

    macro_rules! fixture {
        ($path:literal) => {
            include_str!(concat!("../../tests/fixtures/activitypub/", $path))
        };
    }

    #[test]
    fn mastodon_note_is_public_with_its_image_and_clean_html() {
        let o = object(fixture!("mastodon/create_note.json"));
        let a = author("https://mastodon.example/users/alice");
        assert_eq!(visibility(&o, &a, &[]), Visibility::Public);
        let media = remote_media(&o);
        assert_eq!(media.len(), 1);
        assert_eq!(media[0].kind, "image");
        assert!(media[0].url.starts_with("https://"));
        let html = content_html(&o);
        assert!(!html.contains("<script"));
        assert!(o.tag.mention_hrefs().count() >= 1);
    }

    #[test]
    fn gotosocial_note_with_single_values_maps_the_same() {
        let o = object(fixture!("gotosocial/create_note.json"));
        let a = author("https://gts.example/users/tilde");
        assert_eq!(visibility(&o, &a, &[]), Visibility::Public);
        let media = remote_media(&o);
        assert_eq!(media[0].kind, "image");
        assert_eq!(
            media[0].description.as_deref(),
            Some("Pigeon on a railing at dusk.")
        );
    }

    #[test]
    fn akkoma_and_misskey_notes_are_public() {
        for (fixture, uri) in [
            (
                fixture!("akkoma/create_note.json"),
                "https://akkoma.example/users/akko",
            ),
            (
                fixture!("misskey/create_note.json"),
                "https://misskey.example/users/9kxq2m1b3c",
            ),
        ] {
            let o = object(fixture);
            assert_eq!(
                visibility(&o, &author(uri), &[]),
                Visibility::Public,
                "{uri}"
            );
            assert!(!content_html(&o).is_empty(), "{uri}");
        }
    }

    #[test]
    fn lemmy_page_shows_its_title_and_link() {
        let o = object(fixture!("lemmy/create_page.json"));
        assert_eq!(o.kind, "Page");
        let html = content_html(&o);
        assert!(html.starts_with("<p><strong>"), "{html}");
        assert_eq!(
            visibility(&o, &author("https://lemmy.example/u/ferris"), &[]),
            Visibility::Public
        );
    }

    #[test]
    fn mastodon_question_becomes_a_poll_with_counts() {
        let o = object(fixture!("mastodon/create_question.json"));
        let poll = remote_poll(&o, 7, Utc::now()).unwrap();
        assert!(poll.options.0.len() >= 2);
        let tallies = poll.remote_tallies.unwrap().0;
        assert_eq!(tallies.len(), poll.options.0.len());
        assert_eq!(poll.votes_count, tallies.iter().sum::<i64>());
    }

    #[test]
    fn addressing_decides_visibility() {
        let a = author("https://r.example/users/a");
        let note = |to: Value, cc: Value| -> Object {
            serde_json::from_value(serde_json::json!({
                "id": "https://r.example/n/1", "type": "Note", "attributedTo": a.uri,
                "content": "x", "to": to, "cc": cc,
            }))
            .unwrap()
        };
        let followers = "https://r.example/users/a/followers";
        assert_eq!(
            visibility(&note(serde_json::json!("as:Public"), Value::Null), &a, &[]),
            Visibility::Public
        );
        assert_eq!(
            visibility(
                &note(serde_json::json!(followers), serde_json::json!(["Public"])),
                &a,
                &[]
            ),
            Visibility::Unlisted
        );
        assert_eq!(
            visibility(&note(serde_json::json!([followers]), Value::Null), &a, &[]),
            Visibility::Private
        );
        assert_eq!(
            visibility(
                &note(
                    serde_json::json!(["https://l.example/users/b"]),
                    Value::Null
                ),
                &a,
                &[]
            ),
            Visibility::Direct
        );
    }
}
