//! Entries of a `tag` list: mentions, hashtags and custom emoji.
//!
//! `Mention` is an AS2 Link subtype
//! (<https://www.w3.org/TR/activitystreams-vocabulary/#dfn-mention>);
//! `Hashtag` (`as:Hashtag`) and `Emoji` (`toot:Emoji`) are the extensions
//! Mastodon documents (<https://docs.joinmastodon.org/spec/activitypub/#Hashtag>,
//! <https://docs.joinmastodon.org/spec/activitypub/#Emoji>) and every server
//! here emits. Anything else (FEP-e232 object Links, PeerTube's categories,
//! future types) is kept as [`Tag::Other`] instead of failing the post.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::media::Image;
use super::{OneOrMany, de};

/// One `tag` entry. Parsing never fails: an entry that is malformed for its
/// declared type becomes [`Tag::Other`].
#[derive(Debug, Clone, PartialEq)]
pub enum Tag {
    /// `@user@host`: `href` is the actor (GoToSocial: its id or web URL),
    /// `name` the handle as written (`@bob` or `@bob@host`).
    Mention {
        /// The mentioned actor.
        href: Option<String>,
        /// The handle as written.
        name: Option<String>,
    },
    /// `#topic`: `name` as written (usually with `#`), `href` a web page.
    Hashtag {
        /// A page listing the tag (not an ActivityPub id).
        href: Option<String>,
        /// The tag as written.
        name: Option<String>,
    },
    /// A custom emoji.
    Emoji(Emoji),
    /// Any other entry, kept raw.
    Other(Value),
}

/// A custom emoji: `:shortcode:` in the text, drawn from `icon.url`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Emoji {
    /// The emoji's id; Akkoma sends `null` in reactions.
    #[serde(default, deserialize_with = "de::lenient")]
    pub id: Option<String>,
    /// The shortcode, usually with colons (`:blobcat:`); Akkoma's
    /// reactions omit them.
    pub name: String,
    /// The image.
    pub icon: Image,
    /// When the image last changed (a cache key).
    #[serde(default, deserialize_with = "de::datetime")]
    pub updated: Option<DateTime<Utc>>,
}

impl Emoji {
    /// The shortcode without surrounding colons.
    pub fn shortcode(&self) -> &str {
        self.name.trim().trim_matches(':')
    }
}

#[derive(Deserialize)]
struct RawLink {
    #[serde(default, deserialize_with = "de::opt_id")]
    href: Option<String>,
    #[serde(default, deserialize_with = "de::lenient")]
    name: Option<String>,
}

impl Tag {
    /// The entry's `type` (`Mention`, `Hashtag`, `Emoji`, or whatever an
    /// unknown entry declared).
    pub fn kind(&self) -> Option<&str> {
        match self {
            Self::Mention { .. } => Some("Mention"),
            Self::Hashtag { .. } => Some("Hashtag"),
            Self::Emoji(_) => Some("Emoji"),
            Self::Other(v) => v.get("type").and_then(de::first_string),
        }
    }
}

impl<'de> Deserialize<'de> for Tag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(tag_from(Value::deserialize(d)?))
    }
}

fn tag_from(v: Value) -> Tag {
    let kind = v.get("type").and_then(de::first_string).unwrap_or("");
    let link = || serde_json::from_value::<RawLink>(v.clone()).ok();
    let parsed = match kind {
        "Mention" => link().map(|l| Tag::Mention {
            href: l.href,
            name: l.name,
        }),
        "Hashtag" => link().map(|l| Tag::Hashtag {
            href: l.href,
            name: l.name,
        }),
        "Emoji" => serde_json::from_value(v.clone()).ok().map(Tag::Emoji),
        _ => None,
    };
    parsed.unwrap_or(Tag::Other(v))
}

impl OneOrMany<Tag> {
    /// The custom emoji among the tags.
    pub fn emojis(&self) -> impl Iterator<Item = &Emoji> {
        self.iter().filter_map(|t| match t {
            Tag::Emoji(e) => Some(e),
            _ => None,
        })
    }

    /// The `href` of each Mention that has one.
    pub fn mention_hrefs(&self) -> impl Iterator<Item = &str> {
        self.iter().filter_map(|t| match t {
            Tag::Mention { href, .. } => href.as_deref(),
            _ => None,
        })
    }

    /// The name of each Hashtag, without the leading `#`.
    pub fn hashtag_names(&self) -> impl Iterator<Item = &str> {
        self.iter().filter_map(|t| match t {
            Tag::Hashtag { name, .. } => name.as_deref().map(|n| n.trim_start_matches('#')),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tags(v: Value) -> OneOrMany<Tag> {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn known_tag_types_are_read() {
        let t = tags(json!([
            {"type": "Mention", "href": "https://b.example/users/bob", "name": "@bob@b.example"},
            {"type": "Hashtag", "href": "https://a.example/tags/rust", "name": "#Rust"},
            {"type": "Emoji", "id": "https://a.example/emojis/1", "name": ":blob:",
             "updated": "2024-01-01T00:00:00Z",
             "icon": {"type": "Image", "mediaType": "image/png", "url": "https://a.example/blob.png"}}
        ]));
        assert_eq!(
            t.mention_hrefs().collect::<Vec<_>>(),
            ["https://b.example/users/bob"]
        );
        assert_eq!(t.hashtag_names().collect::<Vec<_>>(), ["Rust"]);
        let e = t.emojis().next().unwrap();
        assert_eq!(e.shortcode(), "blob");
        assert_eq!(e.icon.url, "https://a.example/blob.png");
        assert!(e.updated.is_some());
    }

    #[test]
    fn unknown_and_malformed_tags_become_other() {
        let t = tags(json!([
            {"type": "Link", "mediaType": "application/activity+json", "href": "https://c.example/n/1"},
            {"type": "Emoji", "name": ":noicon:"},
            {"type": ["Hashtag"], "name": 5},
            "a bare string",
            {"no": "type"}
        ]));
        assert_eq!(t.len(), 5);
        assert_eq!(t.as_slice()[0].kind(), Some("Link"));
        assert!(
            matches!(t.as_slice()[1], Tag::Other(_)),
            "an Emoji without icon"
        );
        assert!(
            matches!(&t.as_slice()[2], Tag::Hashtag { name: None, .. }),
            "a bad name is dropped, the tag kept"
        );
        assert_eq!(t.as_slice()[3].kind(), None);
        assert_eq!(t.emojis().count(), 0);
    }

    #[test]
    fn a_single_tag_object_is_a_list_of_one() {
        let t = tags(
            json!({"type": "Hashtag", "href": "https://g.example/tags/welcome",
                            "name": "#welcome"}),
        );
        assert_eq!(t.hashtag_names().collect::<Vec<_>>(), ["welcome"]);
    }

    #[test]
    fn akkoma_reaction_emoji_has_null_id_and_no_colons() {
        let t = tags(json!([{"type": "Emoji", "id": null, "name": "mouse",
            "icon": {"type": "Image", "url": "https://k.example/emoji/mouse.png"}}]));
        let e = t.emojis().next().unwrap();
        assert_eq!((e.id.as_deref(), e.shortcode()), (None, "mouse"));
    }
}
