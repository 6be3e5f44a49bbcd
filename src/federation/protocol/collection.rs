//! `Collection`, `OrderedCollection` and their pages: followers, following,
//! outbox, featured posts, replies, a poll option's votes.
//!
//! <https://www.w3.org/TR/activitystreams-vocabulary/#dfn-collection>,
//! <https://www.w3.org/TR/activitypub/#collections>,
//! <https://docs.joinmastodon.org/spec/activitypub/#featured>.
//!
//! Servers differ in what they show: Mastodon's followers collection has
//! `totalItems` and a `first` page URL; GoToSocial's outbox has only `first`;
//! a hidden collection has only `totalItems`; Lemmy's community followers
//! only `totalItems`; Mastodon's featured collection embeds whole Notes in
//! `orderedItems` while GoToSocial lists ids; a replies collection embeds its
//! `first` page.

use serde::Deserialize;

use super::one_or_many::Reference;
use super::{OneOrMany, de};

/// A collection or a collection page; one shape serves both.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Collection {
    /// The collection's URI (poll option vote counts have none).
    #[serde(default, deserialize_with = "de::lenient")]
    pub id: Option<String>,
    /// `Collection`, `OrderedCollection`, `CollectionPage`,
    /// `OrderedCollectionPage`.
    #[serde(rename = "type", deserialize_with = "de::kind")]
    pub kind: String,
    /// The size of the whole collection, when disclosed.
    #[serde(default, deserialize_with = "de::lenient")]
    pub total_items: Option<u64>,
    /// The first page: its URL, or the page embedded.
    #[serde(default, deserialize_with = "de::lenient")]
    pub first: Option<Reference>,
    /// The last page.
    #[serde(default, deserialize_with = "de::lenient")]
    pub last: Option<Reference>,
    /// A page's next page.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub next: Option<String>,
    /// A page's previous page.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub prev: Option<String>,
    /// A page's collection.
    #[serde(default, deserialize_with = "de::opt_id")]
    pub part_of: Option<String>,
    /// Entries of an unordered collection (ids or embedded objects).
    #[serde(default)]
    pub items: OneOrMany<Reference>,
    /// Entries of an ordered collection.
    #[serde(default)]
    pub ordered_items: OneOrMany<Reference>,
}

impl Collection {
    /// The entries, whichever of `orderedItems` and `items` was sent.
    pub fn entries(&self) -> impl Iterator<Item = &Reference> {
        self.ordered_items.iter().chain(self.items.iter())
    }

    /// The ids of the entries.
    pub fn entry_ids(&self) -> impl Iterator<Item = &str> {
        self.entries().filter_map(Reference::id)
    }

    /// The first page's URL (or the embedded page's id).
    pub fn first_id(&self) -> Option<&str> {
        self.first.as_ref().and_then(Reference::id)
    }

    /// The first page, when it is embedded.
    pub fn first_page(&self) -> Option<Collection> {
        self.first.as_ref().and_then(Reference::parse)
    }

    /// Whether this is a page rather than the collection itself.
    pub fn is_page(&self) -> bool {
        self.kind.ends_with("Page")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_count_only_collection() {
        let c: Collection =
            serde_json::from_value(json!({"type": "Collection", "totalItems": 3})).unwrap();
        assert_eq!(
            (c.id.as_deref(), c.total_items, c.first_id()),
            (None, Some(3), None)
        );
        assert_eq!(c.entries().count(), 0);
    }

    #[test]
    fn first_as_url_or_embedded_page() {
        let url: Collection = serde_json::from_value(json!({"id": "https://a.example/f",
            "type": "OrderedCollection", "totalItems": "many", "first": "https://a.example/f?page=1"}))
        .unwrap();
        assert_eq!(url.first_id(), Some("https://a.example/f?page=1"));
        assert_eq!(url.total_items, None);
        assert!(url.first_page().is_none() && !url.is_page());

        let embedded: Collection = serde_json::from_value(json!({"id": "https://a.example/r",
            "type": "Collection", "first": {"type": "CollectionPage", "next": "https://a.example/r?p=2",
            "partOf": "https://a.example/r", "items": ["https://b.example/1", {"id": "https://b.example/2"}]}}))
        .unwrap();
        let page = embedded.first_page().unwrap();
        assert!(page.is_page());
        assert_eq!(page.next.as_deref(), Some("https://a.example/r?p=2"));
        assert_eq!(
            page.entry_ids().collect::<Vec<_>>(),
            ["https://b.example/1", "https://b.example/2"]
        );
    }

    #[test]
    fn missing_type_fails() {
        assert!(serde_json::from_value::<Collection>(json!({"totalItems": 1})).is_err());
    }
}
