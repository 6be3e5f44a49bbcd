//! The two shapes every ActivityStreams property can take on the wire.
//!
//! JSON-LD compaction lets a server write a single value where the vocabulary
//! allows many ([AS2 core §4.1](https://www.w3.org/TR/activitystreams-core/#jsonld)),
//! and lets any reference be either an id or the embedded object
//! ([AS2 vocabulary](https://www.w3.org/TR/activitystreams-vocabulary/)).
//! Mastodon reads both forms everywhere
//! (<https://docs.joinmastodon.org/spec/activitypub/>); GoToSocial writes a
//! bare object when a list has one entry.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::de;

/// A property holding one value or an array of values.
///
/// `null` or an absent field (with `#[serde(default)]`) is empty. Entries that
/// do not parse as `T` are dropped, not fatal: one unknown attachment must not
/// lose the post.
#[derive(Debug, Clone, PartialEq)]
pub struct OneOrMany<T>(Vec<T>);

/// Written as an array, whatever its length (what Mastodon writes).
impl<T: serde::Serialize> serde::Serialize for OneOrMany<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<T> Default for OneOrMany<T> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<T> From<Vec<T>> for OneOrMany<T> {
    fn from(v: Vec<T>) -> Self {
        Self(v)
    }
}

impl<T> OneOrMany<T> {
    /// The values, in document order.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.0.iter()
    }

    /// The values as a `Vec`.
    pub fn into_vec(self) -> Vec<T> {
        self.0
    }

    /// The values as a slice.
    pub fn as_slice(&self) -> &[T] {
        &self.0
    }

    /// The first value, if any.
    pub fn first(&self) -> Option<&T> {
        self.0.first()
    }

    /// How many values there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there is no value.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl OneOrMany<String> {
    /// Whether `s` is one of the values.
    pub fn contains_str(&self, s: &str) -> bool {
        self.0.iter().any(|v| v == s)
    }
}

impl<T: DeserializeOwned> OneOrMany<T> {
    /// Reads an already parsed value, keeping the entries that fit `T`.
    pub fn from_value(v: Value) -> Self {
        match v {
            Value::Null => Self::default(),
            Value::Array(items) => Self(
                items
                    .into_iter()
                    .filter_map(|i| serde_json::from_value(i).ok())
                    .collect(),
            ),
            one => Self(serde_json::from_value(one).ok().into_iter().collect()),
        }
    }
}

impl<'a, T> IntoIterator for &'a OneOrMany<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<T> IntoIterator for OneOrMany<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Self::from_value(Value::deserialize(d)?))
    }
}

/// A reference to another object: its id, or the object embedded whole.
///
/// The embedded object is kept as raw JSON; [`Reference::parse`] reads it as
/// a wire type once the caller knows what it should be. A Link
/// (`{"type":"Link","href":…}`) is an embedded object too; [`Reference::href`]
/// reads it. An array stands for its first string or object entry.
/// Embedded objects are claims of the sender: an object whose id is on
/// another origin must be fetched again, never trusted as sent.
#[derive(Debug, Clone, PartialEq)]
pub enum Reference {
    /// Only the id (a URI string).
    Id(String),
    /// The object (or Link) itself.
    Object(Value),
}

/// Another name for [`Reference`], as the AS2 range is often described.
pub type IdOrObject = Reference;

impl Reference {
    /// The id: the string itself, or the embedded object's `id`.
    pub fn id(&self) -> Option<&str> {
        match self {
            Self::Id(s) => Some(s),
            Self::Object(v) => v.get("id").and_then(Value::as_str),
        }
    }

    /// The embedded object, if the sender embedded one.
    pub fn object(&self) -> Option<&Value> {
        match self {
            Self::Id(_) => None,
            Self::Object(v) => Some(v),
        }
    }

    /// The embedded object's `type` (the first one if several).
    pub fn kind(&self) -> Option<&str> {
        self.object()
            .and_then(|v| v.get("type"))
            .and_then(de::first_string)
    }

    /// The URL this stands for as a link: the string, a Link's `href`, an
    /// object's `url`, or finally its `id`.
    pub fn href(&self) -> Option<&str> {
        match self {
            Self::Id(s) => Some(s),
            Self::Object(v) => de::value_href(v).or_else(|| self.id()),
        }
    }

    /// The `mediaType` of an embedded Link or object.
    pub fn media_type(&self) -> Option<&str> {
        self.object()
            .and_then(|v| v.get("mediaType"))
            .and_then(Value::as_str)
    }

    /// Parses the embedded object as `T`; `None` when there is none or it
    /// does not fit.
    pub fn parse<T: DeserializeOwned>(&self) -> Option<T> {
        self.object()
            .and_then(|v| serde_json::from_value(v.clone()).ok())
    }
}

impl<'de> Deserialize<'de> for Reference {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        from_value(Value::deserialize(d)?)
            .ok_or_else(|| serde::de::Error::custom("expected an id string or an object"))
    }
}

fn from_value(v: Value) -> Option<Reference> {
    match v {
        Value::String(s) => Some(Reference::Id(s)),
        Value::Object(_) => Some(Reference::Object(v)),
        Value::Array(items) => items.into_iter().find_map(from_value),
        _ => None,
    }
}

/// The web URL among `url` values: the first plain string or `text/html`
/// Link, else the first href of any kind. PeerTube and Lemmy list several
/// Links (HTML page, media files); Mastodon sends one string.
pub fn pick_url(urls: &OneOrMany<Reference>) -> Option<&str> {
    fn web(r: &Reference) -> Option<&str> {
        r.href().and_then(crate::text::web_url)
    }
    urls.iter()
        .filter(|r| r.media_type().is_none_or(|m| m.starts_with("text/html")))
        .find_map(web)
        .or_else(|| urls.iter().find_map(web))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Deserialize)]
    struct Holder {
        #[serde(default)]
        v: OneOrMany<u32>,
    }

    fn holder(j: Value) -> Vec<u32> {
        serde_json::from_value::<Holder>(j).unwrap().v.into_vec()
    }

    #[test]
    fn single_value_array_null_and_absent_all_parse() {
        assert_eq!(holder(json!({"v": 7})), vec![7]);
        assert_eq!(holder(json!({"v": [1, 2]})), vec![1, 2]);
        assert!(holder(json!({"v": null})).is_empty());
        assert!(holder(json!({})).is_empty());
    }

    #[test]
    fn entries_of_the_wrong_type_are_dropped_not_fatal() {
        assert_eq!(holder(json!({"v": [1, "two", {"x": 3}, 4]})), vec![1, 4]);
        assert!(holder(json!({"v": "seven"})).is_empty());
    }

    #[test]
    fn helpers_see_the_values_in_order() {
        let v = OneOrMany::from(vec!["a".to_string(), "b".to_string()]);
        assert_eq!(v.first().map(String::as_str), Some("a"));
        assert_eq!(v.iter().count(), 2);
        assert!(v.contains_str("b") && !v.contains_str("c"));
        assert_eq!(v.into_vec(), ["a", "b"]);
    }

    #[test]
    fn reference_is_an_id_or_an_embedded_object() {
        let id: Reference = serde_json::from_value(json!("https://a.example/1")).unwrap();
        assert_eq!(id.id(), Some("https://a.example/1"));
        assert!(id.object().is_none());

        let obj: Reference =
            serde_json::from_value(json!({"id": "https://a.example/2", "type": ["Note", "x:Y"]}))
                .unwrap();
        assert_eq!(obj.id(), Some("https://a.example/2"));
        assert_eq!(obj.kind(), Some("Note"));
        assert!(obj.object().is_some());

        let first: Reference =
            serde_json::from_value(json!([null, "https://a.example/3", "https://a.example/4"]))
                .unwrap();
        assert_eq!(first.id(), Some("https://a.example/3"));

        assert!(serde_json::from_value::<Reference>(json!(42)).is_err());
        assert!(serde_json::from_value::<Reference>(json!(null)).is_err());
    }

    #[test]
    fn links_give_their_href() {
        let link: Reference = serde_json::from_value(
            json!({"type": "Link", "href": "https://a.example/p", "mediaType": "text/html"}),
        )
        .unwrap();
        assert_eq!(link.href(), Some("https://a.example/p"));
        assert_eq!(link.id(), None, "a Link has an href, not an id");
        assert_eq!(link.media_type(), Some("text/html"));

        let urls: OneOrMany<Reference> = serde_json::from_value(json!([
            {"type": "Link", "mediaType": "video/mp4", "href": "https://a.example/v.mp4"},
            {"type": "Link", "mediaType": "text/html", "href": "https://a.example/w/1"}
        ]))
        .unwrap();
        assert_eq!(pick_url(&urls), Some("https://a.example/w/1"));

        let only_media: OneOrMany<Reference> = serde_json::from_value(
            json!({"type": "Link", "mediaType": "video/mp4", "href": "https://a.example/v.mp4"}),
        )
        .unwrap();
        assert_eq!(pick_url(&only_media), Some("https://a.example/v.mp4"));
        assert_eq!(pick_url(&OneOrMany::default()), None);
    }
}
