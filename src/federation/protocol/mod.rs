//! ActivityPub wire types, parsing side: what roost reads from Mastodon,
//! GoToSocial, Akkoma/Pleroma, Misskey and Lemmy.
//!
//! Pure serde types with no I/O and no roost types; turning them into
//! accounts and statuses is `federation::convert`'s job, checking who may
//! say what is the inbox's. Fixtures modelled on what each server emits live
//! in `tests/fixtures/activitypub/<software>/` and are parsed by this module's
//! unit tests (`protocol/tests/`).
//!
//! Tolerance is the rule: unknown fields and `@context` are ignored; any
//! property may be one value or an array ([`OneOrMany`]), an id or an embedded
//! object ([`Reference`]); an optional field of the wrong JSON type reads as
//! absent; a bad list entry is dropped. Only the few fields each type
//! documents as required can fail a parse, and no input can panic. Size and
//! depth limits are enforced before parsing (the fetcher's 1 MiB cap,
//! serde_json's nesting limit).
//!
//! Specs: <https://www.w3.org/TR/activitystreams-vocabulary/>,
//! <https://www.w3.org/TR/activitypub/>,
//! <https://docs.joinmastodon.org/spec/activitypub/>.

pub mod activity;
pub mod actor;
pub mod collection;
mod de;
pub mod media;
pub mod object;
pub mod one_or_many;
pub mod tag;
pub mod webfinger;

#[cfg(test)]
mod tests;

pub use activity::Activity;
pub use actor::{ACTOR_TYPES, Actor, Endpoints, KeyDocument, ProfileField, PublicKey};
pub use collection::Collection;
pub use media::{Attachment, Image};
pub use object::{Closed, Object, PollOption, Source};
pub use one_or_many::{IdOrObject, OneOrMany, Reference, pick_url};
pub use tag::{Emoji, Tag};
pub use webfinger::{WebFinger, WebFingerLink, is_activity_type};

/// The special collection meaning "everyone"
/// (<https://www.w3.org/TR/activitypub/#public-addressing>).
pub const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// Whether `uri` names the public collection: the full IRI, or the compact
/// `as:Public` and `Public` that JSON-LD compaction can produce (Mastodon
/// accepts all three).
pub fn is_public_uri(uri: &str) -> bool {
    matches!(uri, PUBLIC | "as:Public" | "Public")
}

/// Whether an audience list contains the public collection.
pub fn contains_public(audience: &OneOrMany<String>) -> bool {
    audience.iter().any(|a| is_public_uri(a))
}
