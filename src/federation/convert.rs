//! roost's rows as the ActivityPub documents Mastodon emits: actors, Notes
//! and Questions, and the activities that carry them.
//! <https://docs.joinmastodon.org/spec/activitypub/>

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::app::AppState;
use crate::error::Result;
use crate::model::{Account, Status, Visibility};

/// The public collection, as Mastodon writes it.
pub const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// `published`/`updated` as Mastodon writes them: seconds, `Z`.
pub fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn actor_context() -> Value {
    json!([
        "https://www.w3.org/ns/activitystreams",
        "https://w3id.org/security/v1",
        {
            "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
            "toot": "http://joinmastodon.org/ns#",
            "featured": {"@id": "toot:featured", "@type": "@id"},
            "featuredTags": {"@id": "toot:featuredTags", "@type": "@id"},
            "alsoKnownAs": {"@id": "as:alsoKnownAs", "@type": "@id"},
            "movedTo": {"@id": "as:movedTo", "@type": "@id"},
            "schema": "http://schema.org#",
            "PropertyValue": "schema:PropertyValue",
            "value": "schema:value",
            "discoverable": "toot:discoverable",
            "suspended": "toot:suspended",
            "memorial": "toot:memorial",
            "indexable": "toot:indexable",
            "Emoji": "toot:Emoji"
        }
    ])
}

/// The `@context` of Notes and the activities that carry them.
pub(crate) fn note_context() -> Value {
    json!([
        "https://www.w3.org/ns/activitystreams",
        {
            "ostatus": "http://ostatus.org#",
            "atomUri": "ostatus:atomUri",
            "inReplyToAtomUri": "ostatus:inReplyToAtomUri",
            "conversation": "ostatus:conversation",
            "sensitive": "as:sensitive",
            "toot": "http://joinmastodon.org/ns#",
            "votersCount": "toot:votersCount",
            "Hashtag": "as:Hashtag",
            "Emoji": "toot:Emoji",
            "quote": {"@id": "https://w3id.org/fep/044f#quote", "@type": "@id"},
            "quoteUri": "http://fedibird.com/ns#quoteUri",
            "_misskey_quote": "https://misskey-hub.net/ns#_misskey_quote",
            "quoteUrl": "as:quoteUrl",
            "quoteAuthorization": {"@id": "https://w3id.org/fep/044f#quoteAuthorization", "@type": "@id"},
            "gts": "https://gotosocial.org/ns#",
            "interactionPolicy": {"@id": "gts:interactionPolicy", "@type": "@id"},
            "canQuote": {"@id": "gts:canQuote", "@type": "@id"},
            "automaticApproval": {"@id": "gts:automaticApproval", "@type": "@id"},
            "manualApproval": {"@id": "gts:manualApproval", "@type": "@id"}
        }
    ])
}

/// The context of FEP-044f's activities and stamps.
fn quote_context() -> Value {
    json!([
        "https://www.w3.org/ns/activitystreams",
        {
            "QuoteRequest": "https://w3id.org/fep/044f#QuoteRequest",
            "QuoteAuthorization": "https://w3id.org/fep/044f#QuoteAuthorization",
            "gts": "https://gotosocial.org/ns#",
            "interactingObject": {"@id": "gts:interactingObject", "@type": "@id"},
            "interactionTarget": {"@id": "gts:interactionTarget", "@type": "@id"}
        }
    ])
}

/// Puts `@context` first in a document that has none.
pub fn with_context(mut doc: Value, context: Value) -> Value {
    if let Value::Object(map) = &mut doc {
        let mut out = serde_json::Map::with_capacity(map.len() + 1);
        out.insert("@context".into(), context);
        out.append(map);
        return Value::Object(out);
    }
    doc
}

/// The `Person` (or `Service` for bots, `Group` for group actors) of a
/// local account; `moved_to` is the actor it moved to (`movedTo`).
pub fn person(app: &AppState, account: &Account, moved_to: Option<&str>) -> Value {
    let uri = &account.uri;
    let kind = if account.group_actor {
        "Group"
    } else if account.bot {
        "Service"
    } else {
        "Person"
    };
    let suspended = account.suspended_at.is_some();
    let fields: Vec<Value> = if suspended {
        Vec::new()
    } else {
        account
            .fields
            .0
            .iter()
            .map(|f| {
                json!({"type": "PropertyValue", "name": f.name, "value": crate::text::plain_to_html(&f.value).trim_start_matches("<p>").trim_end_matches("</p>")})
            })
            .collect()
    };
    let mut doc = json!({
        "id": uri,
        "type": kind,
        "following": account.following_url.clone().unwrap_or_else(|| format!("{uri}/following")),
        "followers": account.followers_url.clone().unwrap_or_else(|| format!("{uri}/followers")),
        "inbox": account.inbox_url.clone().unwrap_or_else(|| format!("{uri}/inbox")),
        "outbox": account.outbox_url.clone().unwrap_or_else(|| format!("{uri}/outbox")),
        "featured": account.featured_url.clone().unwrap_or_else(|| format!("{uri}/collections/featured")),
        "featuredTags": format!("{uri}/collections/tags"),
        "preferredUsername": account.username,
        "name": if suspended { "" } else { account.display_name.as_str() },
        "summary": if suspended { "" } else { account.note.as_str() },
        "url": account.url.clone().unwrap_or_else(|| uri.clone()),
        "manuallyApprovesFollowers": account.locked,
        "discoverable": account.discoverable,
        "indexable": account.indexable,
        "published": time(account.created_at.date_naive().and_time(chrono::NaiveTime::MIN).and_utc()),
        "memorial": false,
        "publicKey": {
            "id": format!("{uri}#main-key"),
            "owner": uri,
            "publicKeyPem": account.public_key_pem,
        },
        "tag": account.emojis.0.iter().filter_map(|e| {
            let id = e.id?;
            Some(json!({
                "id": app.url(&format!("/emojis/{id}")),
                "type": "Emoji",
                "name": format!(":{}:", e.shortcode),
                "icon": {"type": "Image", "mediaType": e.content_type, "url": e.url},
            }))
        }).collect::<Vec<_>>(),
        "attachment": fields,
        "endpoints": {"sharedInbox": account.shared_inbox_url.clone().unwrap_or_default()},
    });
    if !account.also_known_as.0.is_empty() {
        doc["alsoKnownAs"] = json!(account.also_known_as.0);
    }
    if let Some(target) = moved_to {
        doc["movedTo"] = json!(target);
    }
    if suspended {
        doc["suspended"] = json!(true);
    } else {
        for (field, key) in [
            ("icon", &account.avatar_key),
            ("image", &account.header_key),
        ] {
            if let Some(key) = key {
                doc[field] = json!({
                    "type": "Image",
                    "mediaType": media_type_of(key),
                    "url": app.media.storage.url(&app.base_url, key),
                });
            }
        }
    }
    with_context(doc, actor_context())
}

/// The instance actor: an `Application` that signs roost's GETs and sends
/// its Flags. Fetchable without a signature, even in authorized-fetch mode.
pub fn instance_actor(app: &AppState, public_key_pem: &str) -> Value {
    let uri = app.url("/actor");
    let domain = &app.config.server.domain;
    let doc = json!({
        "id": uri,
        "type": "Application",
        "inbox": format!("{uri}/inbox"),
        "outbox": format!("{uri}/outbox"),
        "preferredUsername": domain,
        "url": app.url("/about/more?instance_actor=true"),
        "manuallyApprovesFollowers": true,
        "publicKey": {
            "id": format!("{uri}#main-key"),
            "owner": uri,
            "publicKeyPem": public_key_pem,
        },
        "endpoints": {"sharedInbox": app.url("/inbox")},
    });
    with_context(doc, actor_context())
}

/// Who a status is addressed to, as Mastodon's `to` and `cc`.
pub fn audience(
    status: &Status,
    author: &Account,
    mentioned: &[Account],
) -> (Vec<String>, Vec<String>) {
    let followers = author
        .followers_url
        .clone()
        .unwrap_or_else(|| format!("{}/followers", author.uri));
    let mentioned: Vec<String> = mentioned.iter().map(|a| a.uri.clone()).collect();
    match status.visibility() {
        Visibility::Public => (vec![PUBLIC.into()], [vec![followers], mentioned].concat()),
        Visibility::Unlisted => (vec![followers], [vec![PUBLIC.into()], mentioned].concat()),
        Visibility::Private => (vec![followers], mentioned),
        Visibility::Direct => (mentioned, Vec::new()),
    }
}

/// What a Note needs besides its status row.
pub struct NoteParts<'a> {
    pub author: &'a Account,
    pub mentioned: &'a [Account],
    pub tags: &'a [String],
    pub in_reply_to: Option<String>,
    pub poll: Option<(&'a crate::model::Poll, Vec<i64>)>,
    /// The post's attachments, in order.
    pub media: &'a [crate::model::MediaAttachment],
    /// This server's custom emoji the post names.
    pub emojis: &'a [crate::model::CustomEmoji],
    /// What the post quotes: the quoted post's id (None once it is
    /// deleted) and the stamp approving the quote.
    pub quote: Option<(Option<String>, Option<String>)>,
}

/// The media type of a stored file, by the extension roost gave it.
fn media_type_of(key: &str) -> &'static str {
    match key.rsplit_once('.').map(|(_, e)| e) {
        Some("png") => "image/png",
        Some("mp4") => "video/mp4",
        Some("mp3") => "audio/mpeg",
        _ => "image/jpeg",
    }
}

/// A local attachment as an ActivityPub `Document`, as Mastodon sends it.
pub fn document(app: &AppState, m: &crate::model::MediaAttachment) -> Option<Value> {
    let key = m.file_key.as_deref()?;
    let mut doc = json!({
        "type": "Document",
        "mediaType": m.content_type.as_deref().unwrap_or_else(|| media_type_of(key)),
        "url": app.media.storage.url(&app.base_url, key),
        "name": m.description,
        "blurhash": m.blurhash,
    });
    if let (Some(x), Some(y)) = (m.focus_x, m.focus_y) {
        doc["focalPoint"] = json!([x, y]);
    }
    let original = &m.meta.0["original"];
    if let (Some(w), Some(h)) = (original["width"].as_u64(), original["height"].as_u64()) {
        doc["width"] = json!(w);
        doc["height"] = json!(h);
    }
    Some(doc)
}

/// A status as a `Note` (a `Question` when it has a poll), without `@context`.
pub fn note(app: &AppState, status: &Status, p: &NoteParts<'_>) -> Value {
    let (to, cc) = audience(status, p.author, p.mentioned);
    let mut tag: Vec<Value> = p
        .mentioned
        .iter()
        .map(|a| {
            let name = match &a.domain {
                None => format!("@{}", a.username),
                Some(d) => format!("@{}@{d}", a.username),
            };
            json!({"type": "Mention", "href": a.uri, "name": name})
        })
        .collect();
    tag.extend(p.tags.iter().map(|t| {
        json!({"type": "Hashtag", "href": app.url(&format!("/tags/{t}")), "name": format!("#{t}")})
    }));
    tag.extend(p.emojis.iter().filter_map(|e| emoji(app, e)));
    let conversation = status.conversation_id.map(|c| {
        format!(
            "tag:{},{}:objectId={c}:objectType=Conversation",
            app.config.server.domain,
            status.created_at.format("%Y-%m-%d")
        )
    });
    let mut doc = json!({
        "id": status.uri,
        "type": if p.poll.is_some() { "Question" } else { "Note" },
        "summary": if status.spoiler_text.is_empty() { Value::Null } else { json!(status.spoiler_text) },
        "inReplyTo": p.in_reply_to,
        "published": time(status.created_at),
        "url": status.url.clone().unwrap_or_else(|| status.uri.clone()),
        "attributedTo": p.author.uri,
        "to": to,
        "cc": cc,
        "sensitive": status.sensitive,
        "atomUri": status.uri,
        "inReplyToAtomUri": p.in_reply_to,
        "conversation": conversation,
        "content": status.content,
        "attachment": p.media.iter().filter_map(|m| document(app, m)).collect::<Vec<_>>(),
        "tag": tag,
        "replies": {
            "id": format!("{}/replies", status.uri),
            "type": "Collection",
            "first": {
                "type": "CollectionPage",
                // The author's own replies, whose last page leads on to
                // everyone else's (`only_other_accounts=true`).
                "next": format!("{}/replies?only_other_accounts=false&page=true", status.uri),
                "partOf": format!("{}/replies", status.uri),
                "items": [],
            }
        },
    });
    if let Some(lang) = &status.language {
        doc["contentMap"] = json!({ lang: status.content });
    }
    doc["interactionPolicy"] =
        json!({"canQuote": {"automaticApproval": quote_approvers(status, p.author)}});
    if let Some((quoted, stamp)) = &p.quote {
        match quoted {
            // Every property servers read a quote from, FEP-044f's first.
            Some(uri) => {
                for key in ["quote", "_misskey_quote", "quoteUri", "quoteUrl"] {
                    doc[key] = json!(uri);
                }
            }
            None => doc["quote"] = json!({"type": "Tombstone"}),
        }
        if let Some(stamp) = stamp {
            doc["quoteAuthorization"] = json!(stamp);
        }
    }
    if let Some(t) = status.edited_at {
        doc["updated"] = json!(time(t));
    }
    if let Some((poll, counts)) = &p.poll {
        let options: Vec<Value> = poll
            .options
            .0
            .iter()
            .enumerate()
            .map(|(i, title)| {
                let n = counts.get(i).copied().unwrap_or(0);
                json!({"type": "Note", "name": title, "replies": {"type": "Collection", "totalItems": n}})
            })
            .collect();
        doc[if poll.multiple { "anyOf" } else { "oneOf" }] = json!(options);
        doc["votersCount"] = json!(poll.voters_count);
        if let Some(end) = poll.expires_at {
            doc["endTime"] = json!(time(end));
            if end <= Utc::now() {
                doc["closed"] = json!(time(end));
            }
        }
    }
    doc
}

/// Who may quote a post without asking (`canQuote.automaticApproval`):
/// the public, the author's followers or those they follow; the author
/// alone stands for nobody (an empty list would vanish in JSON-LD).
fn quote_approvers(status: &Status, author: &Account) -> Vec<String> {
    use crate::model::QuotePolicy;
    let flags = QuotePolicy(status.quote_policy).auto_flags();
    let mut out = Vec::new();
    if flags & QuotePolicy::PUBLIC != 0 {
        out.push(PUBLIC.to_string());
    }
    if flags & QuotePolicy::FOLLOWERS != 0 {
        out.push(
            author
                .followers_url
                .clone()
                .unwrap_or_else(|| format!("{}/followers", author.uri)),
        );
    }
    if flags & QuotePolicy::FOLLOWING != 0 {
        out.push(
            author
                .following_url
                .clone()
                .unwrap_or_else(|| format!("{}/following", author.uri)),
        );
    }
    if out.is_empty() {
        out.push(author.uri.clone());
    }
    out
}

/// FEP-044f `QuoteRequest`: `actor` asks to quote `quoted_uri` with its
/// post `note` (inlined, as Mastodon sends it).
pub fn quote_request(actor: &Account, id: &str, quoted_uri: &str, note: Value) -> Value {
    with_context(
        json!({
            "id": id,
            "type": "QuoteRequest",
            "actor": actor.uri,
            "object": quoted_uri,
            "instrument": note,
        }),
        quote_context(),
    )
}

/// The `Accept` (with the stamp as `result`) or `Reject` of a QuoteRequest.
pub fn answer_quote_request(
    me: &Account,
    requester_uri: &str,
    request_id: &str,
    quoted_uri: &str,
    quoting_uri: &str,
    stamp: Option<&str>,
) -> Value {
    let verb = if stamp.is_some() { "Accept" } else { "Reject" };
    let mut doc = json!({
        "id": format!("{}#{}s/quote_requests/{}", me.uri, verb.to_lowercase(), crate::id::new_id()),
        "type": verb,
        "actor": me.uri,
        "object": {
            "id": request_id,
            "type": "QuoteRequest",
            "actor": requester_uri,
            "object": quoted_uri,
            "instrument": quoting_uri,
        },
    });
    if let Some(stamp) = stamp {
        doc["result"] = json!(stamp);
    }
    with_context(doc, quote_context())
}

/// A `QuoteAuthorization` (stamp): `author` lets `quoting_uri` quote
/// `quoted_uri`.
pub fn quote_authorization(
    id: &str,
    author: &Account,
    quoting_uri: &str,
    quoted_uri: &str,
) -> Value {
    with_context(
        json!({
            "id": id,
            "type": "QuoteAuthorization",
            "attributedTo": author.uri,
            "interactingObject": quoting_uri,
            "interactionTarget": quoted_uri,
        }),
        quote_context(),
    )
}

/// The `Delete` of a stamp: the quote it approved is revoked.
pub fn delete_stamp(author: &Account, stamp: &str) -> Value {
    with_context(
        json!({
            "id": format!("{stamp}#delete"),
            "type": "Delete",
            "actor": author.uri,
            "to": [PUBLIC],
            "object": stamp,
        }),
        quote_context(),
    )
}

/// One of this server's custom emoji as a `toot:Emoji` tag, as Mastodon
/// sends it (its id resolves at `/emojis/ID`).
/// <https://docs.joinmastodon.org/spec/activitypub/#Emoji>
pub fn emoji(app: &AppState, e: &crate::model::CustomEmoji) -> Option<Value> {
    let key = e.image_key.as_deref().filter(|_| e.is_local())?;
    Some(json!({
        "id": app.url(&format!("/emojis/{}", e.id)),
        "type": "Emoji",
        "name": format!(":{}:", e.shortcode),
        "updated": time(e.updated_at),
        "icon": {
            "type": "Image",
            "mediaType": e.content_type,
            "url": app.media.storage.url(&app.base_url, key),
        },
    }))
}

/// Loads what [`note`] needs and builds it.
pub async fn load_note(app: &AppState, status: &Status) -> Result<Value> {
    let author = app
        .store
        .get_account(status.account_id)
        .await?
        .ok_or_else(crate::error::Error::not_found)?;
    let mention_ids: Vec<i64> = app
        .store
        .mentions_of(&[status.id])
        .await?
        .into_iter()
        .map(|(_, a)| a)
        .collect();
    let mentioned = app.store.get_accounts(&mention_ids).await?;
    let tags: Vec<String> = app
        .store
        .tags_of(&[status.id])
        .await?
        .into_iter()
        .map(|(_, t)| t)
        .collect();
    let in_reply_to = match status.in_reply_to_id {
        Some(id) => app.store.get_status(id).await?.map(|p| p.uri),
        None => None,
    };
    let poll = match status.poll_id {
        Some(id) => app.store.get_poll(id).await?,
        None => None,
    };
    let media_ids: Vec<i64> = status
        .media_ids
        .iter()
        .flat_map(|m| m.0.iter().copied())
        .collect();
    let found = app.store.get_media_many(&media_ids).await?;
    let media: Vec<crate::model::MediaAttachment> = media_ids
        .iter()
        .filter_map(|id| found.iter().find(|m| m.id == *id).cloned())
        .collect();
    let emojis = if author.is_local() {
        let mut codes = crate::model::emoji::shortcodes_in(&status.content);
        codes.extend(crate::model::emoji::shortcodes_in(&status.spoiler_text));
        let names: Vec<(String, String)> = codes.into_iter().map(|c| (String::new(), c)).collect();
        app.store.emojis_named(&names).await?
    } else {
        Vec::new()
    };
    let counts = match &poll {
        Some(p) => {
            let mut counts = vec![0; p.options.0.len()];
            for (_, choice, n) in app.store.poll_tallies(&[p.id]).await? {
                if let Some(c) = usize::try_from(choice).ok().and_then(|i| counts.get_mut(i)) {
                    *c = n;
                }
            }
            counts
        }
        None => Vec::new(),
    };
    let quote = match app.store.get_quote_by_status(status.id).await? {
        Some(q) => {
            let quoted = match q.quoted_status_id {
                Some(id) => app.store.get_status(id).await?,
                None => None,
            };
            let quoted_author = match &quoted {
                Some(s) => app.store.get_account(s.account_id).await?,
                None => None,
            };
            // A local author's approval is served here; a remote one's is
            // the stamp their server sent.
            let stamp = match &quoted_author {
                Some(a) if a.is_local() && q.is_accepted() => {
                    Some(crate::service::quotes::stamp_uri(a, q.id))
                }
                Some(_) if q.is_accepted() => q.approval_uri.clone(),
                _ => None,
            };
            let uri = if q.quoted_status_id.is_some() && quoted.is_none() {
                None
            } else {
                Some(q.quoted_uri.clone())
            };
            Some((uri, stamp))
        }
        None => None,
    };
    Ok(note(
        app,
        status,
        &NoteParts {
            quote,
            author: &author,
            mentioned: &mentioned,
            tags: &tags,
            in_reply_to,
            poll: poll.as_ref().map(|p| (p, counts)),
            media: &media,
            emojis: &emojis,
        },
    ))
}

/// A document with the Note context, as served at a status's URI.
pub fn note_document(note: Value) -> Value {
    with_context(note, note_context())
}

/// `Create` of a Note, addressed as the Note is.
pub fn create(author: &Account, note: Value, published: DateTime<Utc>) -> Value {
    let id = format!("{}/activity", note["id"].as_str().unwrap_or_default());
    let doc = json!({
        "id": id,
        "type": "Create",
        "actor": author.uri,
        "published": time(published),
        "to": note["to"],
        "cc": note["cc"],
        "object": note,
    });
    with_context(doc, note_context())
}

/// `Update` of an edited Note.
pub fn update_note(author: &Account, note: Value, edited: DateTime<Utc>) -> Value {
    let id = format!(
        "{}#updates/{}",
        note["id"].as_str().unwrap_or_default(),
        edited.timestamp()
    );
    let doc = json!({
        "id": id,
        "type": "Update",
        "actor": author.uri,
        "published": time(edited),
        "to": note["to"],
        "cc": note["cc"],
        "object": note,
    });
    with_context(doc, note_context())
}

/// `Delete` of a status, with a Tombstone.
pub fn delete_note(author: &Account, uri: &str) -> Value {
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{uri}#delete"),
        "type": "Delete",
        "actor": author.uri,
        "to": [PUBLIC],
        "object": {"id": uri, "type": "Tombstone", "atomUri": uri},
    })
}

/// `Update` of a profile.
pub fn update_person(app: &AppState, account: &Account, moved_to: Option<&str>) -> Value {
    let mut person = person(app, account, moved_to);
    if let Value::Object(m) = &mut person {
        m.remove("@context");
    }
    let doc = json!({
        "id": format!("{}#updates/{}", account.uri, Utc::now().timestamp()),
        "type": "Update",
        "actor": account.uri,
        "to": [PUBLIC],
        "object": person,
    });
    with_context(doc, actor_context())
}

/// `Follow` of `target` by `actor`, with the follow's own uri as its id.
pub fn follow(actor: &Account, target: &Account, uri: &str) -> Value {
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": uri,
        "type": "Follow",
        "actor": actor.uri,
        "object": target.uri,
    })
}

/// `Accept` or `Reject` (`verb`) of a Follow `follow_uri` by `follower`.
pub fn answer_follow(verb: &str, me: &Account, follower: &Account, follow_uri: &str) -> Value {
    let segment = if verb == "Accept" {
        "accepts"
    } else {
        "rejects"
    };
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}#{segment}/follows/{}", me.uri, crate::id::new_id()),
        "type": verb,
        "actor": me.uri,
        "object": {"id": follow_uri, "type": "Follow", "actor": follower.uri, "object": me.uri},
    })
}

/// `Undo` of an activity `inner` by `actor`.
pub fn undo(actor: &Account, mut inner: Value) -> Value {
    let id = format!("{}/undo", inner["id"].as_str().unwrap_or_default());
    if let Value::Object(m) = &mut inner {
        m.remove("@context");
    }
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": id,
        "type": "Undo",
        "actor": actor.uri,
        "object": inner,
    })
}

/// `Like` of a status.
pub fn like(actor: &Account, favourite_id: i64, status_uri: &str) -> Value {
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}#likes/{favourite_id}", actor.uri),
        "type": "Like",
        "actor": actor.uri,
        "object": status_uri,
    })
}

/// `Announce` (boost) `reblog` of `original` by `actor`.
pub fn announce(
    actor: &Account,
    reblog: &Status,
    original: &Status,
    original_author: &Account,
) -> Value {
    let followers = actor
        .followers_url
        .clone()
        .unwrap_or_else(|| format!("{}/followers", actor.uri));
    let (to, cc) = if reblog.visibility() == Visibility::Private {
        (vec![followers], vec![original_author.uri.clone()])
    } else {
        (
            vec![PUBLIC.to_string()],
            vec![original_author.uri.clone(), followers],
        )
    };
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        // A local boost's uri is already its activity's id (`…/activity`).
        "id": reblog.uri,
        "type": "Announce",
        "actor": actor.uri,
        "published": time(reblog.created_at),
        "to": to,
        "cc": cc,
        "object": original.uri,
    })
}

/// `Move` of `actor` to `target`, as Mastodon sends it to followers.
/// <https://docs.joinmastodon.org/spec/activitypub/#Move>
pub fn move_to(actor: &Account, target: &Account) -> Value {
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}#moves/{}", actor.uri, target.id),
        "type": "Move",
        "actor": actor.uri,
        "object": actor.uri,
        "target": target.uri,
    })
}

/// `Block` of `target` by `actor`.
pub fn block(actor: &Account, target: &Account, uri: &str) -> Value {
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": uri,
        "type": "Block",
        "actor": actor.uri,
        "object": target.uri,
    })
}

/// `Delete` of a whole actor.
pub fn delete_actor(account: &Account) -> Value {
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}#delete", account.uri),
        "type": "Delete",
        "actor": account.uri,
        "to": [PUBLIC],
        "object": account.uri,
    })
}

/// An `OrderedCollection` with only its size (followers, following, outbox
/// summaries); `first` when the items are shown.
pub fn collection_summary(id: &str, total: i64, first: Option<String>) -> Value {
    let mut doc = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": id,
        "type": "OrderedCollection",
        "totalItems": total,
    });
    if let Some(first) = first {
        doc["first"] = json!(first);
    }
    doc
}

/// One page of an `OrderedCollection`.
pub fn collection_page(id: &str, part_of: &str, items: Vec<Value>, next: Option<String>) -> Value {
    let mut doc = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": id,
        "type": "OrderedCollectionPage",
        "partOf": part_of,
        "orderedItems": items,
    });
    if let Some(next) = next {
        doc["next"] = json!(next);
    }
    doc
}

/// One page of a post's `replies` collection (Mastodon's shape: an
/// unordered `CollectionPage` of reply ids; the author's own replies first,
/// then `only_other_accounts=true` pages).
pub fn replies_page(
    status_uri: &str,
    page_id: &str,
    items: Vec<String>,
    next: Option<String>,
) -> Value {
    let mut doc = json!({
        "id": page_id,
        "type": "CollectionPage",
        "partOf": format!("{status_uri}/replies"),
        "items": items,
    });
    if let Some(next) = next {
        doc["next"] = json!(next);
    }
    doc
}

/// A post's `replies` collection with its first page embedded.
pub fn replies_collection(status_uri: &str, first: Value) -> Value {
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{status_uri}/replies"),
        "type": "Collection",
        "first": first,
    })
}

/// `Flag`: a report sent to the reported account's server, from the
/// instance actor.
pub fn flag(
    app: &AppState,
    report_id: i64,
    target: &Account,
    status_uris: &[String],
    comment: &str,
) -> Value {
    let mut object = vec![json!(target.uri)];
    object.extend(status_uris.iter().map(|u| json!(u)));
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": app.url(&format!("/reports/{report_id}")),
        "type": "Flag",
        "actor": app.url("/actor"),
        "content": comment,
        "object": object,
    })
}

/// A vote in a remote poll: a `Create` of a `Note` whose `name` is the
/// chosen option, in reply to the `Question`, addressed to its author only.
pub fn vote(
    voter: &Account,
    author: &Account,
    question: &Status,
    option: &str,
    poll_id: i64,
    choice: i64,
) -> Value {
    let id = format!("{}#votes/{poll_id}/{choice}", voter.uri);
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{id}/activity"),
        "type": "Create",
        "actor": voter.uri,
        "to": [author.uri],
        "object": {
            "id": id,
            "type": "Note",
            "name": option,
            "attributedTo": voter.uri,
            "to": [author.uri],
            "inReplyTo": question.uri,
        },
    })
}
