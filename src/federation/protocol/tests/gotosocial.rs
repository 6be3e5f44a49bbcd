//! GoToSocial's documents (docs.gotosocial.org/en/latest/federation/):
//! single-entry lists written as bare values, keys at `…/main-key`.

use super::super::{Activity, Actor, Collection, KeyDocument, Object};
use super::{fixture, parse};

const TILDE: &str = "https://gts.example/users/tilde";

#[test]
fn person_with_slash_main_key_and_no_shared_inbox() {
    let a: Actor = parse(fixture!("gotosocial/person.json"));
    assert_eq!((a.id.as_str(), a.kind.as_str()), (TILDE, "Person"));
    assert_eq!(a.preferred_username.as_deref(), Some("tilde"));
    let key = a.public_key().unwrap();
    assert_eq!(key.id, format!("{TILDE}/main-key"));
    assert_eq!(key.owner.as_deref(), Some(TILDE));
    assert!(key.public_key_pem.contains("BEGIN PUBLIC KEY"));
    assert_eq!(a.shared_inbox(), None);
    assert_eq!(a.manually_approves_followers, Some(true));
    assert_eq!(
        a.icon.as_ref().and_then(|i| i.media_type.as_deref()),
        Some("image/webp")
    );
    // One profile field, written as an object rather than a list.
    assert_eq!(a.attachment.len(), 1);
    assert_eq!(
        (
            a.attachment[0].name.as_str(),
            a.attachment[0].value.as_str()
        ),
        ("matrix", "@tilde:matrix.example")
    );
    assert!(a.also_known_as.is_empty() && a.tag.is_empty());
    assert_eq!(a.url(), Some("https://gts.example/@tilde"));
}

#[test]
fn main_key_stub_is_a_key_document_not_an_actor() {
    let text = fixture!("gotosocial/main_key.json");
    assert!(
        serde_json::from_str::<Actor>(text).is_err(),
        "the stub has no inbox"
    );
    let doc: KeyDocument = parse(text);
    let key = doc.key(&format!("{TILDE}/main-key")).unwrap();
    assert_eq!(key.owner.as_deref(), Some(TILDE));
    assert_eq!(doc.owner(), TILDE);
}

#[test]
fn create_note_with_single_values_everywhere() {
    let act: Activity = parse(fixture!("gotosocial/create_note.json"));
    assert_eq!(act.kind, "Create");
    assert_eq!(
        act.to.as_slice(),
        ["https://www.w3.org/ns/activitystreams#Public"]
    );
    assert!(act.is_public());
    assert_eq!(act.cc.len(), 2);

    let note: Object = act.object_as().unwrap();
    assert_eq!(note.attributed_to_id(), Some(TILDE));
    assert!(note.is_public());
    assert_eq!(
        note.in_reply_to_id(),
        Some("https://mastodon.example/users/alice/statuses/113208411735602217")
    );
    assert_eq!(note.summary.as_deref(), Some(""));
    assert_eq!(note.content_map.get("en"), note.content.as_ref());
    assert_eq!(
        note.tag.mention_hrefs().collect::<Vec<_>>(),
        ["https://mastodon.example/users/alice"]
    );
    assert_eq!(note.attachment.len(), 1);
    let media = note.attachment.first().unwrap();
    assert_eq!(media.alt(), Some("Pigeon on a railing at dusk."));
    assert!(media.blurhash.is_some() && media.focal_point.is_none());
    assert!(
        note.url()
            .is_some_and(|u| u.starts_with("https://gts.example/@tilde/statuses/"))
    );
}

#[test]
fn follow_like_and_featured() {
    let follow: Activity = parse(fixture!("gotosocial/follow.json"));
    assert_eq!(
        follow.object_id(),
        Some("https://roost.example/users/carol")
    );
    assert!(
        follow
            .id
            .as_deref()
            .is_some_and(|i| i.starts_with(&format!("{TILDE}/follow/")))
    );

    let like: Activity = parse(fixture!("gotosocial/like.json"));
    assert_eq!(like.kind, "Like");
    assert_eq!(
        like.object_id(),
        Some("https://roost.example/users/carol/statuses/42")
    );
    assert_eq!(like.to.as_slice(), ["https://roost.example/users/carol"]);
    assert_eq!(like.reaction(), None);

    let featured: Collection = parse(fixture!("gotosocial/featured.json"));
    assert_eq!(featured.total_items, Some(2));
    assert_eq!(featured.entry_ids().count(), 2);
    assert!(
        featured.entries().all(|e| e.object().is_none()),
        "ids only, unlike Mastodon"
    );
}
