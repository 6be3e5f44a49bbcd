//! Actors (`Person`, `Service`, `Application`, `Group`, `Organization`) and
//! their public keys.
//!
//! <https://www.w3.org/TR/activitystreams-vocabulary/#actor-types>,
//! <https://www.w3.org/TR/activitypub/#actor-objects>,
//! <https://docs.joinmastodon.org/spec/activitypub/#profile>,
//! <https://docs.joinmastodon.org/spec/activitypub/#publicKey>.
//!
//! Required, because every server here sends them and nothing can federate
//! without them: `id`, `type` and `inbox`. Everything else is optional.
//! `preferredUsername` is optional *here* although Mastodon refuses an actor
//! without it: the caller rejects such an actor with a precise reason instead
//! of a parse error. GoToSocial answers a keyId fetch with a stub that has no
//! `inbox`; read that with [`KeyDocument`], not [`Actor`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::media::Image;
use super::one_or_many::{Reference, pick_url};
use super::tag::{Emoji, Tag};
use super::{OneOrMany, de};

/// The actor types roost accepts.
pub const ACTOR_TYPES: [&str; 5] = ["Person", "Service", "Application", "Group", "Organization"];

/// A remote actor document.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Actor {
    /// The actor's URI.
    pub id: String,
    /// `type`; the first one when several are sent.
    #[serde(rename = "type", deserialize_with = "de::kind")]
    pub kind: String,
    /// The WebFinger user part. See the module docs on why it is optional.
    #[serde(default, deserialize_with = "de::lenient")]
    pub preferred_username: Option<String>,
    /// Display name.
    #[serde(default, deserialize_with = "de::lenient")]
    pub name: Option<String>,
    /// Bio, as HTML.
    #[serde(default, deserialize_with = "de::lenient")]
    pub summary: Option<String>,
    /// Profile page(s): string, Link, or an array of them. See [`Actor::url`].
    #[serde(default)]
    pub url: OneOrMany<Reference>,
    /// Personal inbox.
    pub inbox: String,
    /// Outbox collection.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub outbox: Option<String>,
    /// Followers collection (Lemmy's Person has none).
    #[serde(default, deserialize_with = "de::opt_id")]
    pub followers: Option<String>,
    /// Following collection.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub following: Option<String>,
    /// Pinned posts (`toot:featured`).
    #[serde(default, deserialize_with = "de::opt_id")]
    pub featured: Option<String>,
    /// Featured hashtags (`toot:featuredTags`).
    #[serde(default, deserialize_with = "de::opt_id")]
    pub featured_tags: Option<String>,
    /// `endpoints`, of which roost reads `sharedInbox`.
    #[serde(default, deserialize_with = "de::lenient")]
    pub endpoints: Option<Endpoints>,
    /// Misskey also writes `sharedInbox` at the top level.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub shared_inbox: Option<String>,
    /// `publicKey`: one key, or several. See [`Actor::public_key`].
    #[serde(default)]
    pub public_key: OneOrMany<PublicKey>,
    /// Locked account.
    #[serde(default, deserialize_with = "de::lenient")]
    pub manually_approves_followers: Option<bool>,
    /// Opted in to directories (`toot:discoverable`).
    #[serde(default, deserialize_with = "de::lenient")]
    pub discoverable: Option<bool>,
    /// Opted in to full-text search (`toot:indexable`).
    #[serde(default, deserialize_with = "de::lenient")]
    pub indexable: Option<bool>,
    /// Suspended on its home server (`toot:suspended`).
    #[serde(default, deserialize_with = "de::lenient")]
    pub suspended: Option<bool>,
    /// A memorial account (`toot:memorial`).
    #[serde(default, deserialize_with = "de::lenient")]
    pub memorial: Option<bool>,
    /// Avatar (Misskey sends `null` when unset).
    #[serde(default, deserialize_with = "de::first")]
    pub icon: Option<Image>,
    /// Header image.
    #[serde(default, deserialize_with = "de::first")]
    pub image: Option<Image>,
    /// Profile fields: the `PropertyValue` entries of `attachment`.
    #[serde(default, deserialize_with = "profile_fields")]
    pub attachment: Vec<ProfileField>,
    /// Custom emoji (and Misskey's hashtags) used in name and bio.
    #[serde(default)]
    pub tag: OneOrMany<Tag>,
    /// When the account was created (Mastodon: that day at midnight).
    #[serde(default, deserialize_with = "de::datetime")]
    pub published: Option<DateTime<Utc>>,
    /// When the profile last changed (Lemmy).
    #[serde(default, deserialize_with = "de::datetime")]
    pub updated: Option<DateTime<Utc>>,
    /// Aliases (`as:alsoKnownAs`), needed to accept a Move.
    #[serde(default, deserialize_with = "de::ids")]
    pub also_known_as: OneOrMany<String>,
    /// Where the account moved (`as:movedTo`).
    #[serde(default, deserialize_with = "de::opt_id")]
    pub moved_to: Option<String>,
}

/// An actor's `endpoints` object.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoints {
    /// The server-wide inbox.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub shared_inbox: Option<String>,
}

/// A public key (`sec:publicKey`) for HTTP signatures.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicKey {
    /// The keyId signatures name: `…#main-key` (Mastodon, Akkoma, Misskey,
    /// Lemmy) or `…/main-key` (GoToSocial).
    pub id: String,
    /// The actor owning the key.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub owner: Option<String>,
    /// The key in PEM (SPKI, sometimes PKCS#1); trailing blank lines happen.
    pub public_key_pem: String,
}

/// A profile field (`schema:PropertyValue`); the value is HTML.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ProfileField {
    /// The label.
    pub name: String,
    /// The value, as HTML.
    pub value: String,
}

fn profile_fields<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<ProfileField>, D::Error> {
    Ok(OneOrMany::<Value>::deserialize(d)?
        .into_iter()
        .filter(|v| v.get("type").and_then(de::first_string) == Some("PropertyValue"))
        .filter_map(|v| serde_json::from_value(v).ok())
        .collect())
}

impl Actor {
    /// The profile page: the first plain or `text/html` URL.
    pub fn url(&self) -> Option<&str> {
        pick_url(&self.url)
    }

    /// The avatar URL.
    pub fn icon_url(&self) -> Option<&str> {
        self.icon
            .as_ref()
            .and_then(|i| crate::text::web_url(&i.url))
    }

    /// The header image URL.
    pub fn image_url(&self) -> Option<&str> {
        self.image
            .as_ref()
            .and_then(|i| crate::text::web_url(&i.url))
    }

    /// The shared inbox, from `endpoints` or Misskey's top-level field.
    pub fn shared_inbox(&self) -> Option<&str> {
        self.endpoints
            .as_ref()
            .and_then(|e| e.shared_inbox.as_deref())
            .or(self.shared_inbox.as_deref())
    }

    /// The (first) public key.
    pub fn public_key(&self) -> Option<&PublicKey> {
        self.public_key.first()
    }

    /// The key whose id is `key_id`.
    pub fn public_key_by_id(&self, key_id: &str) -> Option<&PublicKey> {
        self.public_key.iter().find(|k| k.id == key_id)
    }

    /// Whether the actor is automated (`Service` or `Application`), which
    /// Mastodon shows as a bot.
    pub fn is_bot(&self) -> bool {
        matches!(self.kind.as_str(), "Service" | "Application")
    }

    /// Whether the actor is a `Group` (a Lemmy community, a Mastodon group).
    pub fn is_group(&self) -> bool {
        self.kind == "Group"
    }

    /// Whether `type` is one of [`ACTOR_TYPES`].
    pub fn has_actor_type(&self) -> bool {
        ACTOR_TYPES.contains(&self.kind.as_str())
    }

    /// The custom emoji of name and bio.
    pub fn emojis(&self) -> impl Iterator<Item = &Emoji> {
        self.tag.emojis()
    }
}

/// What a keyId URL serves: a whole actor (Mastodon and most servers), the
/// stub GoToSocial serves at `…/main-key`
/// (<https://docs.gotosocial.org/en/latest/federation/http_signatures/>), or
/// a bare `Key` object (Misskey's `/publickey`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyDocument {
    /// The document's id.
    pub id: String,
    /// `type`, if sent (the GoToSocial stub says `Person`, a bare key `Key`).
    #[serde(default, rename = "type", deserialize_with = "de::opt_kind")]
    pub kind: Option<String>,
    /// The keys of an actor document.
    #[serde(default)]
    pub public_key: OneOrMany<PublicKey>,
    /// A bare key's owner.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub owner: Option<String>,
    /// A bare key's PEM.
    #[serde(default, deserialize_with = "de::lenient")]
    pub public_key_pem: Option<String>,
}

impl KeyDocument {
    /// The key a signature's `keyId` names: the bare key itself, the actor's
    /// key with that id, or (when the keyId is the actor's own id) its first
    /// key. `None` when the document holds no such key.
    pub fn key(&self, key_id: &str) -> Option<PublicKey> {
        if let Some(pem) = &self.public_key_pem {
            return (self.id == key_id).then(|| PublicKey {
                id: self.id.clone(),
                owner: self.owner.clone(),
                public_key_pem: pem.clone(),
            });
        }
        self.public_key
            .iter()
            .find(|k| k.id == key_id)
            .or_else(|| {
                (self.id == key_id)
                    .then(|| self.public_key.first())
                    .flatten()
            })
            .cloned()
    }

    /// Who owns the key: a bare key's `owner`, else the document itself.
    pub fn owner(&self) -> &str {
        self.owner.as_deref().unwrap_or(&self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const PEM: &str = "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n";

    fn minimal() -> Value {
        json!({"id": "https://a.example/u/x", "type": "Person", "inbox": "https://a.example/u/x/inbox"})
    }

    #[test]
    fn a_minimal_actor_parses_with_everything_optional_empty() {
        let a: Actor = serde_json::from_value(minimal()).unwrap();
        assert_eq!(a.preferred_username, None);
        assert!(a.public_key().is_none() && a.attachment.is_empty() && a.tag.is_empty());
        assert_eq!(
            (a.url(), a.icon_url(), a.shared_inbox()),
            (None, None, None)
        );
        assert!(!a.is_bot() && a.has_actor_type());
    }

    #[test]
    fn id_type_and_inbox_are_required() {
        for key in ["id", "type", "inbox"] {
            let mut v = minimal();
            v.as_object_mut().unwrap().remove(key);
            assert!(serde_json::from_value::<Actor>(v).is_err(), "without {key}");
        }
        let mut v = minimal();
        v["type"] = json!(17);
        assert!(serde_json::from_value::<Actor>(v).is_err());
    }

    #[test]
    fn garbage_in_optional_fields_is_ignored() {
        let mut v = minimal();
        let m = v.as_object_mut().unwrap();
        for (k, val) in [
            ("type", json!(["Service", "Application"])),
            ("preferredUsername", json!(12)),
            ("name", json!({"en": "x"})),
            ("manuallyApprovesFollowers", json!("yes")),
            ("published", json!("last tuesday")),
            ("icon", json!(null)),
            ("image", json!(3.5)),
            (
                "publicKey",
                json!([{"id": "k"}, {"id": "https://a.example/u/x#k2",
                                 "owner": "https://a.example/u/x", "publicKeyPem": PEM}]),
            ),
            (
                "attachment",
                json!([{"type": "PropertyValue", "name": "a"},
                                  {"type": "IdentityProof", "name": "p"},
                                  {"type": "PropertyValue", "name": "Site", "value": "<a>x</a>"}]),
            ),
            ("alsoKnownAs", json!("https://b.example/u/x")),
            ("endpoints", json!("https://a.example/inbox")),
            ("unknownThing", json!({"deep": [1, 2, 3]})),
        ] {
            m.insert(k.into(), val);
        }
        let a: Actor = serde_json::from_value(v).unwrap();
        assert_eq!(a.kind, "Service");
        assert!(a.is_bot());
        assert_eq!(a.preferred_username, None);
        assert_eq!(a.manually_approves_followers, None);
        assert_eq!(a.published, None);
        assert_eq!((a.icon_url(), a.image_url()), (None, None));
        assert_eq!(
            a.public_key().map(|k| k.id.as_str()),
            Some("https://a.example/u/x#k2")
        );
        assert_eq!(a.attachment.len(), 1);
        assert_eq!(a.attachment[0].name, "Site");
        assert_eq!(a.also_known_as.as_slice(), ["https://b.example/u/x"]);
        assert_eq!(a.endpoints, None);
    }

    #[test]
    fn key_document_finds_the_key_in_each_shape() {
        let bare: KeyDocument =
            serde_json::from_value(json!({"id": "https://m.example/users/9/publickey",
            "type": "Key", "owner": "https://m.example/users/9", "publicKeyPem": PEM}))
            .unwrap();
        let k = bare.key("https://m.example/users/9/publickey").unwrap();
        assert_eq!(k.owner.as_deref(), Some("https://m.example/users/9"));
        assert_eq!(bare.owner(), "https://m.example/users/9");
        assert!(bare.key("https://m.example/users/9#main-key").is_none());

        let actor: KeyDocument = serde_json::from_value(json!({"id": "https://a.example/u/x",
            "type": "Person", "inbox": "https://a.example/u/x/inbox",
            "publicKey": {"id": "https://a.example/u/x#main-key", "owner": "https://a.example/u/x",
                          "publicKeyPem": PEM}}))
        .unwrap();
        assert!(actor.key("https://a.example/u/x#main-key").is_some());
        assert!(
            actor.key("https://a.example/u/x").is_some(),
            "keyId naming the actor"
        );
        assert!(actor.key("https://a.example/u/y#main-key").is_none());
        assert_eq!(actor.owner(), "https://a.example/u/x");
    }
}
