//! Images and media attachments.
//!
//! - [`Image`]: an actor's `icon`/`image`, an emoji's `icon`, a thumbnail.
//!   Servers write a string URL, an `Image` object, or an array of them
//!   (PeerTube lists several sizes); the object's `url` may itself be a Link.
//! - [`Attachment`]: an entry of a post's `attachment`. Mastodon, GoToSocial,
//!   Akkoma and Misskey send `Document`/`Image`/`Video`/`Audio` objects with
//!   `url`; Lemmy sends `{"type":"Link","href":…}`.
//!
//! <https://www.w3.org/TR/activitystreams-vocabulary/#dfn-image>,
//! <https://docs.joinmastodon.org/spec/activitypub/#focalPoint>,
//! <https://docs.joinmastodon.org/spec/activitypub/#blurhash>

use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::de;

/// An image reference, however it was written: at least a URL.
#[derive(Debug, Clone, PartialEq)]
pub struct Image {
    /// Where the image is served.
    pub url: String,
    /// Its declared media type, when sent.
    pub media_type: Option<String>,
    /// Its description (alt text), when sent.
    pub name: Option<String>,
}

impl<'de> Deserialize<'de> for Image {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        image_from(&Value::deserialize(d)?)
            .ok_or_else(|| serde::de::Error::custom("not an image: no URL"))
    }
}

fn image_from(v: &Value) -> Option<Image> {
    match v {
        Value::String(s) => Some(Image {
            url: s.clone(),
            media_type: None,
            name: None,
        }),
        Value::Object(m) => {
            let url = m
                .get("url")
                .and_then(de::value_href)
                .or_else(|| m.get("href")?.as_str())?;
            let text = |k: &str| m.get(k).and_then(Value::as_str).map(str::to_string);
            // The media type may sit on the Link inside `url`.
            let media_type = text("mediaType")
                .or_else(|| m.get("url")?.get("mediaType")?.as_str().map(str::to_string));
            Some(Image {
                url: url.to_string(),
                media_type,
                name: text("name").or_else(|| text("summary")),
            })
        }
        Value::Array(items) => items.iter().find_map(image_from),
        _ => None,
    }
}

/// A media attachment of a post. Entries without any URL are not
/// attachments (Mastodon skips them too) and fail to parse, so a list of
/// attachments drops them.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "RawAttachment")]
pub struct Attachment {
    /// `Document`, `Image`, `Video`, `Audio`, `Link`… as sent.
    pub kind: Option<String>,
    /// The declared media type (`image/png`), when sent.
    pub media_type: Option<String>,
    /// Where the media is served (`url`, or a Link's `href`).
    pub url: String,
    /// The alt text (`name`).
    pub name: Option<String>,
    /// `summary`, which some servers use for the alt text instead.
    pub summary: Option<String>,
    /// Mastodon's BlurHash preview.
    pub blurhash: Option<String>,
    /// Mastodon's focal point: x and y in [-1, 1].
    pub focal_point: Option<[f64; 2]>,
    /// Width in pixels.
    pub width: Option<u32>,
    /// Height in pixels.
    pub height: Option<u32>,
    /// Misskey marks single files sensitive.
    pub sensitive: Option<bool>,
}

impl Attachment {
    /// The description to show: `name`, else `summary`; empty ones skipped.
    pub fn alt(&self) -> Option<&str> {
        [&self.name, &self.summary]
            .into_iter()
            .flatten()
            .map(|s| s.as_str())
            .find(|s| !s.trim().is_empty())
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawAttachment {
    #[serde(default, rename = "type", deserialize_with = "de::opt_kind")]
    kind: Option<String>,
    #[serde(default, deserialize_with = "de::lenient")]
    media_type: Option<String>,
    #[serde(default)]
    url: Value,
    #[serde(default)]
    href: Value,
    #[serde(default, deserialize_with = "de::lenient")]
    name: Option<String>,
    #[serde(default, deserialize_with = "de::lenient")]
    summary: Option<String>,
    #[serde(default, deserialize_with = "de::lenient")]
    blurhash: Option<String>,
    #[serde(default, deserialize_with = "de::lenient")]
    focal_point: Option<[f64; 2]>,
    #[serde(default, deserialize_with = "de::lenient")]
    width: Option<u32>,
    #[serde(default, deserialize_with = "de::lenient")]
    height: Option<u32>,
    #[serde(default, deserialize_with = "de::lenient")]
    sensitive: Option<bool>,
}

// A missing URL, or one that is not http(s), refuses the entry.
impl TryFrom<RawAttachment> for Attachment {
    type Error = &'static str;

    fn try_from(r: RawAttachment) -> Result<Self, Self::Error> {
        let url = de::value_href(&r.url)
            .or_else(|| de::value_href(&r.href))
            .ok_or("attachment without a URL")?;
        let url = crate::text::web_url(url)
            .ok_or("attachment URL is not http(s)")?
            .to_string();
        // A Link inside `url` may carry the media type.
        let media_type = r.media_type.or_else(|| {
            r.url
                .get("mediaType")
                .and_then(Value::as_str)
                .map(str::to_string)
        });
        Ok(Self {
            kind: r.kind,
            media_type,
            url,
            name: r.name,
            summary: r.summary,
            blurhash: r.blurhash,
            focal_point: r.focal_point,
            width: r.width,
            height: r.height,
            sensitive: r.sensitive,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn image_from_string_object_link_and_array() {
        let s: Image = serde_json::from_value(json!("https://a.example/i.png")).unwrap();
        assert_eq!(s.url, "https://a.example/i.png");

        let o: Image = serde_json::from_value(
            json!({"type": "Image", "mediaType": "image/png", "url": "https://a.example/o.png"}),
        )
        .unwrap();
        assert_eq!(o.media_type.as_deref(), Some("image/png"));

        let link: Image = serde_json::from_value(json!({"type": "Image",
            "url": {"type": "Link", "href": "https://a.example/l.webp", "mediaType": "image/webp"}}))
        .unwrap();
        assert_eq!(link.url, "https://a.example/l.webp");
        assert_eq!(link.media_type.as_deref(), Some("image/webp"));

        let arr: Image = serde_json::from_value(json!([
            {"type": "Image"},
            {"type": "Image", "url": "https://a.example/48.png", "width": 48},
            {"type": "Image", "url": "https://a.example/120.png", "width": 120}
        ]))
        .unwrap();
        assert_eq!(arr.url, "https://a.example/48.png");

        assert!(serde_json::from_value::<Image>(json!({"type": "Image"})).is_err());
        assert!(serde_json::from_value::<Image>(json!(null)).is_err());
    }

    #[test]
    fn attachment_tolerates_odd_fields_and_link_shapes() {
        let a: Attachment = serde_json::from_value(json!({
            "type": "Document", "mediaType": "image/jpeg", "url": "https://a.example/m.jpg",
            "name": null, "summary": "a cat", "focalPoint": [0.5], "width": "wide",
            "height": 600, "blurhash": 12
        }))
        .unwrap();
        assert_eq!(a.alt(), Some("a cat"));
        assert_eq!(a.focal_point, None, "a one-element focal point is ignored");
        assert_eq!((a.width, a.height), (None, Some(600)));
        assert_eq!(a.blurhash, None);

        let lemmy: Attachment =
            serde_json::from_value(json!({"type": "Link", "href": "https://a.example/x.png"}))
                .unwrap();
        assert_eq!(lemmy.url, "https://a.example/x.png");
        assert_eq!(lemmy.alt(), None);

        let nested: Attachment = serde_json::from_value(json!({"type": "Video",
            "url": [{"type": "Link", "mediaType": "video/mp4", "href": "https://a.example/v.mp4"}]}))
        .unwrap();
        assert_eq!(nested.url, "https://a.example/v.mp4");

        assert!(
            serde_json::from_value::<Attachment>(json!({"type": "PropertyValue", "name": "x"}))
                .is_err()
        );
    }
}
