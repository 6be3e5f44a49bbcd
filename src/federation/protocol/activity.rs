//! Activities as they arrive in an inbox.
//!
//! One struct for every verb (`Create`, `Update`, `Delete`, `Follow`,
//! `Accept`, `Reject`, `Undo`, `Like`, `Announce`, `Block`, `Flag`, `Move`,
//! `Add`, `Remove`, Akkoma's `EmojiReact`, Lemmy's `Dislike`…): the inbox
//! dispatches on [`Activity::kind`] and reads [`Activity::object`] as the
//! verb requires, so an unknown verb still parses and can be answered 202.
//!
//! <https://www.w3.org/TR/activitystreams-vocabulary/#activity-types>,
//! <https://www.w3.org/TR/activitypub/#server-to-server-interactions>,
//! <https://docs.joinmastodon.org/spec/activitypub/#status>.
//!
//! Required: `type` and `actor`; `actor` may be embedded (Lemmy, Misskey in
//! places). `id` is optional because Mastodon's `Add`/`Remove` (pinning)
//! carry none (app/serializers/activitypub/add_serializer.rb); every other
//! activity from the servers here has one, and roost dedupes on it.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::one_or_many::Reference;
use super::tag::Tag;
use super::{OneOrMany, contains_public, de};

/// An inbound activity.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Activity {
    /// The activity's URI; absent on Mastodon's `Add`/`Remove`.
    #[serde(default, deserialize_with = "de::lenient")]
    pub id: Option<String>,
    /// `type`; the first one when several are sent.
    #[serde(rename = "type", deserialize_with = "de::kind")]
    pub kind: String,
    /// Who acts: an id or an embedded actor. See [`Activity::actor_id`].
    pub actor: Reference,
    /// What is acted on. Usually one id or object; a `Flag` lists the
    /// reported account and posts. Empty when absent.
    #[serde(default)]
    pub object: OneOrMany<Reference>,
    /// `Move`'s new account, `Add`/`Remove`'s collection.
    #[serde(default, deserialize_with = "de::lenient")]
    pub target: Option<Reference>,
    /// Primary audience.
    #[serde(default, deserialize_with = "de::ids")]
    pub to: OneOrMany<String>,
    /// Secondary audience.
    #[serde(default, deserialize_with = "de::ids")]
    pub cc: OneOrMany<String>,
    /// Hidden primary audience (must not be shown or forwarded).
    #[serde(default, deserialize_with = "de::ids")]
    pub bto: OneOrMany<String>,
    /// Hidden secondary audience.
    #[serde(default, deserialize_with = "de::ids")]
    pub bcc: OneOrMany<String>,
    /// Lemmy's community (FEP-1b12 `audience`).
    #[serde(default, deserialize_with = "de::opt_id")]
    pub audience: Option<String>,
    /// When it happened.
    #[serde(default, deserialize_with = "de::datetime")]
    pub published: Option<DateTime<Utc>>,
    /// A `Flag`'s comment; the emoji of a Misskey `Like` or an `EmojiReact`.
    #[serde(default, deserialize_with = "de::lenient")]
    pub content: Option<String>,
    /// Misskey's reaction on a `Like` (same as `content`).
    #[serde(
        default,
        rename = "_misskey_reaction",
        deserialize_with = "de::lenient"
    )]
    pub misskey_reaction: Option<String>,
    /// The custom emoji of a reaction.
    #[serde(default)]
    pub tag: OneOrMany<Tag>,
}

impl Activity {
    /// The acting actor's id (the string, or the embedded actor's `id`).
    pub fn actor_id(&self) -> Option<&str> {
        self.actor.id()
    }

    /// The (first) object.
    pub fn object(&self) -> Option<&Reference> {
        self.object.first()
    }

    /// The (first) object's id.
    pub fn object_id(&self) -> Option<&str> {
        self.object().and_then(Reference::id)
    }

    /// The ids of every object (a `Flag`'s account and posts).
    pub fn object_ids(&self) -> impl Iterator<Item = &str> {
        self.object.iter().filter_map(Reference::id)
    }

    /// The embedded object's `type`, if the object is embedded.
    pub fn object_kind(&self) -> Option<&str> {
        self.object().and_then(Reference::kind)
    }

    /// The embedded object parsed as `T` (an [`super::Object`], an
    /// [`super::Actor`], an inner [`Activity`]…); `None` if it is only an id
    /// or does not fit.
    pub fn object_as<T: DeserializeOwned>(&self) -> Option<T> {
        self.object().and_then(Reference::parse)
    }

    /// The target's id.
    pub fn target_id(&self) -> Option<&str> {
        self.target.as_ref().and_then(Reference::id)
    }

    /// The reaction emoji: Misskey's `_misskey_reaction`, else `content`.
    pub fn reaction(&self) -> Option<&str> {
        self.misskey_reaction
            .as_deref()
            .or(self.content.as_deref())
            .filter(|s| !s.is_empty())
    }

    /// Addressed to the public collection in `to`.
    pub fn is_public(&self) -> bool {
        contains_public(&self.to)
    }

    /// Public only through `cc`.
    pub fn is_unlisted(&self) -> bool {
        !self.is_public() && contains_public(&self.cc)
    }

    /// Whether `uri` is in `to`, `cc`, `bto` or `bcc`.
    pub fn is_addressed_to(&self, uri: &str) -> bool {
        [&self.to, &self.cc, &self.bto, &self.bcc]
            .into_iter()
            .any(|l| l.contains_str(uri))
    }
}

#[cfg(test)]
mod tests {
    use super::super::Object;
    use super::*;
    use serde_json::{Value, json};

    fn act(v: Value) -> Activity {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn type_and_actor_are_required_id_is_not() {
        let full =
            json!({"id": "https://a.example/1", "type": "Like", "actor": "https://a.example/u"});
        assert!(serde_json::from_value::<Activity>(full.clone()).is_ok());
        let mut no_id = full.clone();
        no_id.as_object_mut().unwrap().remove("id");
        assert_eq!(act(no_id).id, None);
        for key in ["type", "actor"] {
            let mut v = full.clone();
            v.as_object_mut().unwrap().remove(key);
            assert!(
                serde_json::from_value::<Activity>(v).is_err(),
                "without {key}"
            );
        }
        let mut v = full;
        v["actor"] = json!(null);
        assert!(serde_json::from_value::<Activity>(v).is_err());
    }

    #[test]
    fn embedded_actor_and_object_and_type_arrays() {
        let a = act(json!({
            "id": "https://l.example/activities/like/1", "type": ["Like", "litepub:Reaction"],
            "actor": {"id": "https://l.example/u/bob", "type": "Person"},
            "object": {"id": "https://a.example/n/1", "type": "Note", "attributedTo": "https://a.example/u/a"},
            "to": "https://www.w3.org/ns/activitystreams#Public"
        }));
        assert_eq!(a.kind, "Like");
        assert_eq!(a.actor_id(), Some("https://l.example/u/bob"));
        assert_eq!(a.object_id(), Some("https://a.example/n/1"));
        assert_eq!(a.object_kind(), Some("Note"));
        let n: Object = a.object_as().unwrap();
        assert_eq!(n.attributed_to_id(), Some("https://a.example/u/a"));
        assert!(a.is_public());
    }

    #[test]
    fn missing_optional_fields_and_unknown_verbs_are_fine() {
        let a = act(
            json!({"id": "x", "type": "Wave", "actor": "https://a.example/u",
                           "@context": ["https://www.w3.org/ns/activitystreams", {"x": 1}],
                           "signature": {"type": "RsaSignature2017"}, "object": 12}),
        );
        assert_eq!(a.kind, "Wave");
        assert!(a.object().is_none() && a.target.is_none() && a.to.is_empty());
        assert!(!a.is_public() && !a.is_unlisted());
        assert_eq!((a.published, a.reaction()), (None, None));
        assert!(a.object_as::<Object>().is_none());
    }

    #[test]
    fn audience_helpers() {
        let a = act(
            json!({"id": "x", "type": "Create", "actor": "https://a.example/u",
            "to": ["https://a.example/u/followers"], "cc": ["Public"],
            "bcc": "https://b.example/u/hidden"}),
        );
        assert!(!a.is_public() && a.is_unlisted());
        assert!(a.is_addressed_to("https://b.example/u/hidden"));
        assert!(a.is_addressed_to("https://a.example/u/followers"));
        assert!(!a.is_addressed_to("https://c.example/u"));
    }
}
