//! WebFinger answers (JRD, RFC 7033) as Mastodon, GoToSocial, Akkoma,
//! Misskey and Lemmy serve them at `/.well-known/webfinger`.
//!
//! <https://docs.joinmastodon.org/spec/webfinger/>,
//! <https://www.rfc-editor.org/rfc/rfc7033>.

use serde::{Deserialize, Serialize};

use super::{OneOrMany, de};

/// A JSON Resource Descriptor (read from peers, and served by roost's own
/// WebFinger endpoint).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct WebFinger {
    /// `acct:user@host`, as the server spells it.
    pub subject: String,
    /// Other URIs for the same account (profile page, actor id).
    #[serde(default, deserialize_with = "de::ids")]
    pub aliases: OneOrMany<String>,
    /// The links; entries without a `rel` are dropped.
    #[serde(default)]
    pub links: OneOrMany<WebFingerLink>,
}

/// One JRD link.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct WebFingerLink {
    /// `self`, `http://webfinger.net/rel/profile-page`,
    /// `http://ostatus.org/schema/1.0/subscribe`…
    pub rel: String,
    /// The media type of the target.
    #[serde(
        default,
        rename = "type",
        deserialize_with = "de::lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub kind: Option<String>,
    /// The target.
    #[serde(
        default,
        deserialize_with = "de::lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub href: Option<String>,
    /// A URI template (the remote-follow link).
    #[serde(
        default,
        deserialize_with = "de::lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub template: Option<String>,
}

impl WebFingerLink {
    /// A link to `href` of media type `kind`.
    pub fn to(rel: &str, kind: &str, href: String) -> Self {
        WebFingerLink {
            rel: rel.to_string(),
            kind: Some(kind.to_string()),
            href: Some(href),
            template: None,
        }
    }
}

impl WebFinger {
    /// The actor id: the `href` of the `rel="self"` link whose type is
    /// `application/activity+json`, or `application/ld+json` with the
    /// ActivityStreams profile (Mastodon ignores an untyped `self`).
    pub fn self_link(&self) -> Option<&str> {
        self.links
            .iter()
            .find(|l| l.rel == "self" && l.kind.as_deref().is_some_and(is_activity_type))
            .and_then(|l| l.href.as_deref())
    }

    /// The `user` and `host` of an `acct:user@host` subject.
    pub fn acct(&self) -> Option<(&str, &str)> {
        let acct = self.subject.strip_prefix("acct:")?;
        acct.rsplit_once('@')
            .filter(|(u, h)| !u.is_empty() && !h.is_empty())
    }
}

/// Whether a media type names an ActivityStreams document.
pub fn is_activity_type(media_type: &str) -> bool {
    let mut parts = media_type.split(';');
    let essence = parts.next().unwrap_or("").trim().to_ascii_lowercase();
    essence == "application/activity+json"
        || (essence == "application/ld+json"
            && parts.any(|p| {
                p.trim()
                    .strip_prefix("profile=")
                    .is_some_and(|v| v.trim_matches('"') == "https://www.w3.org/ns/activitystreams")
            }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn self_link_needs_an_activitypub_type() {
        let jrd: WebFinger = serde_json::from_value(json!({
            "subject": "acct:bob@b.example",
            "links": [
                {"rel": "self", "href": "https://b.example/wrong-untyped"},
                {"rel": "self", "type": "text/html", "href": "https://b.example/@bob"},
                {"type": "application/activity+json", "href": "https://b.example/no-rel"},
                {"rel": "self", "type": "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"",
                 "href": "https://b.example/users/bob"}
            ]
        }))
        .unwrap();
        assert_eq!(jrd.links.len(), 3, "the link without rel is dropped");
        assert_eq!(jrd.self_link(), Some("https://b.example/users/bob"));
        assert_eq!(jrd.acct(), Some(("bob", "b.example")));
        assert!(jrd.aliases.is_empty());
    }

    #[test]
    fn media_types() {
        assert!(is_activity_type("application/activity+json"));
        assert!(is_activity_type("Application/Activity+JSON; charset=utf-8"));
        assert!(is_activity_type(
            "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\""
        ));
        assert!(!is_activity_type("application/ld+json"));
        assert!(!is_activity_type("application/json"));
    }

    #[test]
    fn subject_is_required_and_odd_fields_tolerated() {
        assert!(serde_json::from_value::<WebFinger>(json!({"links": []})).is_err());
        let jrd: WebFinger = serde_json::from_value(json!({"subject": "https://x.example/u",
            "aliases": "https://x.example/u", "links": {"rel": "self", "type": 3, "href": "h"}}))
        .unwrap();
        assert_eq!(jrd.self_link(), None);
        assert_eq!(jrd.acct(), None);
        assert_eq!(jrd.aliases.len(), 1);
    }
}
