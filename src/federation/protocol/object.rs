//! Posts: `Note` and `Question` first of all, and the types Mastodon turns
//! into statuses as best it can (`Article`, `Page`, `Image`, `Video`,
//! `Audio`, `Event`), plus `Tombstone` in a Delete.
//!
//! <https://www.w3.org/TR/activitystreams-vocabulary/#object-types>,
//! <https://docs.joinmastodon.org/spec/activitypub/#payloads>,
//! <https://docs.joinmastodon.org/spec/activitypub/#Question>,
//! <https://docs.gotosocial.org/en/latest/federation/posts/>.
//!
//! Required: `id` and `type`. Lemmy sends a post (`Page`) with its title in
//! `name` and its community in `audience`; Misskey and Akkoma keep the
//! markup source in `source`; Pleroma wrote `source` as a bare string.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::media::{Attachment, Image};
use super::one_or_many::{Reference, pick_url};
use super::tag::Tag;
use super::{OneOrMany, contains_public, de};

/// A post or other content object.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Object {
    /// The object's URI.
    pub id: String,
    /// `type`; the first one when several are sent.
    #[serde(rename = "type", deserialize_with = "de::kind")]
    pub kind: String,
    /// The author: a string, an embedded actor, or a list (PeerTube lists
    /// the Person and the channel Group). See [`Object::attributed_to_id`].
    #[serde(default)]
    pub attributed_to: OneOrMany<Reference>,
    /// The body, as HTML.
    #[serde(default, deserialize_with = "de::lenient")]
    pub content: Option<String>,
    /// The body per language (BCP 47 tag → HTML); non-string entries dropped.
    #[serde(default, deserialize_with = "string_map")]
    pub content_map: BTreeMap<String, String>,
    /// The media type of `content` (Lemmy: `text/html`).
    #[serde(default, deserialize_with = "de::lenient")]
    pub media_type: Option<String>,
    /// The source the author typed (Markdown, MFM…).
    #[serde(default, deserialize_with = "de::lenient")]
    pub source: Option<Source>,
    /// Misskey's MFM source (deprecated twin of `source`).
    #[serde(default, rename = "_misskey_content", deserialize_with = "de::lenient")]
    pub misskey_content: Option<String>,
    /// The title (Lemmy posts, Articles) or a poll option's text in a vote.
    #[serde(default, deserialize_with = "de::lenient")]
    pub name: Option<String>,
    /// The content warning (Misskey writes U+200B for an empty one).
    #[serde(default, deserialize_with = "de::lenient")]
    pub summary: Option<String>,
    /// Hide media (and text behind `summary`).
    #[serde(default, deserialize_with = "de::lenient")]
    pub sensitive: Option<bool>,
    /// The parent: an id, or embedded (Misskey embeds local parents).
    #[serde(default, deserialize_with = "de::lenient")]
    pub in_reply_to: Option<Reference>,
    /// Creation time.
    #[serde(default, deserialize_with = "de::datetime")]
    pub published: Option<DateTime<Utc>>,
    /// Last edit; Mastodon sends it only for edited posts.
    #[serde(default, deserialize_with = "de::datetime")]
    pub updated: Option<DateTime<Utc>>,
    /// The web page(s). See [`Object::url`].
    #[serde(default)]
    pub url: OneOrMany<Reference>,
    /// Primary audience.
    #[serde(default, deserialize_with = "de::ids")]
    pub to: OneOrMany<String>,
    /// Secondary audience.
    #[serde(default, deserialize_with = "de::ids")]
    pub cc: OneOrMany<String>,
    /// Lemmy's community (FEP-1b12 `audience`).
    #[serde(default, deserialize_with = "de::opt_id")]
    pub audience: Option<String>,
    /// Mentions, hashtags, emoji and other tags.
    #[serde(default)]
    pub tag: OneOrMany<Tag>,
    /// Media; entries without a URL are dropped.
    #[serde(default)]
    pub attachment: OneOrMany<Attachment>,
    /// A thumbnail (Mastodon reads `icon` for converted types).
    #[serde(default, deserialize_with = "de::first")]
    pub icon: Option<Image>,
    /// A thumbnail (Lemmy's link previews).
    #[serde(default, deserialize_with = "de::first")]
    pub image: Option<Image>,
    /// Single-choice poll options.
    #[serde(default)]
    pub one_of: OneOrMany<PollOption>,
    /// Multiple-choice poll options.
    #[serde(default)]
    pub any_of: OneOrMany<PollOption>,
    /// When voting ends.
    #[serde(default, deserialize_with = "de::datetime")]
    pub end_time: Option<DateTime<Utc>>,
    /// When voting closed: a timestamp (Mastodon, Misskey) or a bool.
    #[serde(default, deserialize_with = "closed")]
    pub closed: Option<Closed>,
    /// Distinct voters (`toot:votersCount`).
    #[serde(default, deserialize_with = "de::lenient")]
    pub voters_count: Option<u64>,
    /// FEP-044f / Mastodon 4.4 quote.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub quote: Option<String>,
    /// Fedibird and Akkoma quote (`quoteUri`).
    #[serde(default, deserialize_with = "de::opt_id")]
    pub quote_uri: Option<String>,
    /// Misskey's `quoteUrl` (also `as:quoteUrl` elsewhere).
    #[serde(default, deserialize_with = "de::opt_id")]
    pub quote_url: Option<String>,
    /// Misskey's own quote property.
    #[serde(default, rename = "_misskey_quote", deserialize_with = "de::opt_id")]
    pub misskey_quote: Option<String>,
    /// FEP-044f: the stamp approving the quote.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub quote_authorization: Option<String>,
    /// GoToSocial's and Mastodon's interaction policy (`canQuote` is read).
    #[serde(default)]
    pub interaction_policy: Option<Value>,
}

/// The source text of a post (`{content, mediaType}`; Pleroma sent a string).
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    /// The text as typed.
    pub content: String,
    /// `text/markdown`, `text/x.misskeymarkdown`, `text/plain`…
    pub media_type: Option<String>,
}

impl<'de> Deserialize<'de> for Source {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        match &v {
            Value::String(s) => Some(Source {
                content: s.clone(),
                media_type: None,
            }),
            Value::Object(_) => text("content").map(|content| Source {
                content,
                media_type: text("mediaType"),
            }),
            _ => None,
        }
        .ok_or_else(|| serde::de::Error::custom("not a source"))
    }
}

/// A poll option: its text and, when sent, its vote count.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "RawOption")]
pub struct PollOption {
    /// The option's text.
    pub name: String,
    /// `replies.totalItems` (or Misskey's `_misskey_votes`).
    pub votes: Option<u64>,
}

#[derive(Deserialize)]
struct RawOption {
    #[serde(default, deserialize_with = "de::lenient")]
    name: Option<String>,
    #[serde(default)]
    replies: Value,
    #[serde(default, rename = "_misskey_votes", deserialize_with = "de::lenient")]
    misskey_votes: Option<u64>,
}

impl TryFrom<RawOption> for PollOption {
    type Error = &'static str;

    fn try_from(r: RawOption) -> Result<Self, Self::Error> {
        Ok(Self {
            name: r.name.ok_or("poll option without a name")?,
            votes: r
                .replies
                .get("totalItems")
                .and_then(Value::as_u64)
                .or(r.misskey_votes),
        })
    }
}

/// `closed`: Mastodon and Misskey send when the poll closed; the
/// vocabulary also allows a plain boolean.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Closed {
    /// `true` or `false`.
    Flag(bool),
    /// The time voting closed.
    At(DateTime<Utc>),
}

impl Closed {
    /// Whether the poll is closed (any timestamp means closed).
    pub fn is_closed(&self) -> bool {
        match self {
            Self::Flag(b) => *b,
            Self::At(_) => true,
        }
    }
}

fn closed<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Closed>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Bool(b) => Some(Closed::Flag(b)),
        Value::String(s) => de::parse_datetime(&s).map(Closed::At),
        _ => None,
    })
}

fn string_map<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Object(m) => m
            .into_iter()
            .filter_map(|(k, v)| Some((k, v.as_str()?.to_string())))
            .collect(),
        _ => BTreeMap::new(),
    })
}

impl Object {
    /// The author's id: the first entry typed as a person-like actor
    /// (`Person`, `Service`, `Application`, `Organization`), else the first
    /// bare id. A `Group` alone (a PeerTube channel) is not an author.
    pub fn attributed_to_id(&self) -> Option<&str> {
        let personish = |r: &&Reference| {
            matches!(
                r.kind(),
                Some("Person" | "Service" | "Application" | "Organization")
            )
        };
        self.attributed_to
            .iter()
            .find(personish)
            .or_else(|| {
                self.attributed_to
                    .iter()
                    .find(|r| matches!(r, Reference::Id(_)))
            })
            .and_then(Reference::id)
    }

    /// The parent's id.
    pub fn in_reply_to_id(&self) -> Option<&str> {
        self.in_reply_to.as_ref().and_then(Reference::id)
    }

    /// The web page: the first plain or `text/html` URL.
    pub fn url(&self) -> Option<&str> {
        pick_url(&self.url)
    }

    /// The source text: `source.content`, else Misskey's `_misskey_content`.
    pub fn source_text(&self) -> Option<&str> {
        self.source
            .as_ref()
            .map(|s| s.content.as_str())
            .or(self.misskey_content.as_deref())
    }

    /// The quoted post, from whichever property the sender used.
    pub fn quote_id(&self) -> Option<&str> {
        [
            &self.quote,
            &self.quote_uri,
            &self.misskey_quote,
            &self.quote_url,
        ]
        .into_iter()
        .find_map(|q| q.as_deref())
    }

    /// Whether this is a poll (`Question`, or any object with options).
    pub fn is_poll(&self) -> bool {
        self.kind == "Question" || !self.one_of.is_empty() || !self.any_of.is_empty()
    }

    /// The poll options and whether several may be chosen (`anyOf`).
    pub fn poll_options(&self) -> (&[PollOption], bool) {
        if self.any_of.is_empty() {
            (self.one_of.as_slice(), false)
        } else {
            (self.any_of.as_slice(), true)
        }
    }

    /// Addressed to the public collection in `to` (Mastodon: public).
    pub fn is_public(&self) -> bool {
        contains_public(&self.to)
    }

    /// Public only through `cc` (Mastodon: unlisted).
    pub fn is_unlisted(&self) -> bool {
        !self.is_public() && contains_public(&self.cc)
    }

    /// Whether `uri` is in `to` or `cc`.
    pub fn is_addressed_to(&self, uri: &str) -> bool {
        self.to.contains_str(uri) || self.cc.contains_str(uri)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn note(extra: Value) -> Object {
        let mut v = json!({"id": "https://a.example/n/1", "type": "Note"});
        if let (Value::Object(m), Value::Object(e)) = (&mut v, extra) {
            m.extend(e);
        }
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn a_bare_note_parses_with_defaults() {
        let n = note(json!({}));
        assert_eq!(
            (n.attributed_to_id(), n.content.as_deref(), n.url()),
            (None, None, None)
        );
        assert!(n.to.is_empty() && n.tag.is_empty() && n.attachment.is_empty());
        assert!(!n.is_public() && !n.is_unlisted() && !n.is_poll());
    }

    #[test]
    fn attributed_to_in_every_shape() {
        let s = note(json!({"attributedTo": "https://a.example/u/a"}));
        assert_eq!(s.attributed_to_id(), Some("https://a.example/u/a"));
        let o = note(json!({"attributedTo": {"type": "Person", "id": "https://a.example/u/b"}}));
        assert_eq!(o.attributed_to_id(), Some("https://a.example/u/b"));
        let peertube = note(json!({"attributedTo": [
            {"type": "Group", "id": "https://p.example/video-channels/c"},
            {"type": "Person", "id": "https://p.example/accounts/p"}]}));
        assert_eq!(
            peertube.attributed_to_id(),
            Some("https://p.example/accounts/p")
        );
        let mixed =
            note(json!({"attributedTo": [{"type": "Group", "id": "https://g"}, "https://a"]}));
        assert_eq!(mixed.attributed_to_id(), Some("https://a"));
        let group_only = note(json!({"attributedTo": {"type": "Group", "id": "https://g"}}));
        assert_eq!(group_only.attributed_to_id(), None);
    }

    #[test]
    fn in_reply_to_as_id_or_embedded_parent() {
        let id = note(json!({"inReplyTo": "https://b.example/n/9"}));
        assert_eq!(id.in_reply_to_id(), Some("https://b.example/n/9"));
        let embedded =
            note(json!({"inReplyTo": {"id": "https://m.example/notes/1", "type": "Note"}}));
        assert_eq!(embedded.in_reply_to_id(), Some("https://m.example/notes/1"));
        let parent: Object = embedded
            .in_reply_to
            .as_ref()
            .and_then(Reference::parse)
            .unwrap();
        assert_eq!(parent.kind, "Note");
    }

    #[test]
    fn closed_is_a_bool_or_a_time() {
        let t = note(json!({"closed": "2023-03-06T07:40:13Z"}))
            .closed
            .unwrap();
        assert!(t.is_closed() && matches!(t, Closed::At(_)));
        assert!(note(json!({"closed": true})).closed.unwrap().is_closed());
        assert!(!note(json!({"closed": false})).closed.unwrap().is_closed());
        assert_eq!(note(json!({"closed": 5})).closed, None);
        assert_eq!(note(json!({"closed": null})).closed, None);
    }

    #[test]
    fn source_as_object_or_string_and_quote_from_any_property() {
        let o = note(json!({"source": {"content": "*hi*", "mediaType": "text/markdown"}}));
        assert_eq!(
            o.source.as_ref().and_then(|s| s.media_type.as_deref()),
            Some("text/markdown")
        );
        let s = note(json!({"source": "@bob hi", "quoteUrl": "https://q.example/1"}));
        assert_eq!(s.source_text(), Some("@bob hi"));
        assert_eq!(s.quote_id(), Some("https://q.example/1"));
        let m = note(
            json!({"_misskey_content": "$[x2 hi]", "_misskey_quote": "https://q.example/2",
                            "quoteUrl": "https://q.example/2"}),
        );
        assert_eq!(
            (m.source_text(), m.quote_id()),
            (Some("$[x2 hi]"), Some("https://q.example/2"))
        );
    }

    #[test]
    fn garbage_fields_do_not_fail_the_note() {
        let n = note(json!({
            "content": 42, "contentMap": {"en": "<p>x</p>", "de": 7}, "sensitive": "no",
            "published": 1700000000, "updated": "2024-05-01T10:00:00", "inReplyTo": 3,
            "to": [{"id": "https://a.example/u/a/followers"}, 5, "https://www.w3.org/ns/activitystreams#Public"],
            "cc": "as:Public", "tag": {"type": "Mystery"}, "attachment": [{"type": "Document"}],
            "votersCount": -1, "oneOf": [{"name": "a"}, {"type": "Note"}], "endTime": "soon"
        }));
        assert_eq!(
            (n.content.as_deref(), n.sensitive, n.published),
            (None, None, None)
        );
        assert_eq!(n.content_map.len(), 1);
        assert!(n.updated.is_some(), "a naive timestamp is read as UTC");
        assert_eq!(n.in_reply_to_id(), None);
        assert_eq!(n.to.len(), 2);
        assert!(n.is_public() && n.is_addressed_to("https://a.example/u/a/followers"));
        assert_eq!(n.tag.len(), 1);
        assert!(n.attachment.is_empty());
        assert_eq!(n.voters_count, None);
        assert_eq!(n.poll_options().0.len(), 1);
        assert!(n.is_poll() && n.end_time.is_none());
    }
}
