//! Akkoma/Pleroma documents (docs.akkoma.dev development/ap_extensions, and
//! Pleroma's Transmogrifier): litepub context, `source`, 1970 emoji stamps.

use super::super::{Activity, Actor, Object};
use super::{fixture, parse};

const AKKO: &str = "https://akkoma.example/users/akko";

#[test]
fn person_with_litepub_endpoints_and_emoji() {
    let a: Actor = parse(fixture!("akkoma/person.json"));
    assert_eq!(a.preferred_username.as_deref(), Some("akko"));
    assert_eq!(a.shared_inbox(), Some("https://akkoma.example/inbox"));
    let key = a.public_key().unwrap();
    assert_eq!(key.id, format!("{AKKO}#main-key"));
    assert!(
        key.public_key_pem.ends_with("-----END PUBLIC KEY-----\n\n"),
        "Pleroma's extra newline is kept"
    );
    assert_eq!(a.url(), Some(AKKO));
    assert!(a.also_known_as.is_empty());
    assert_eq!(a.attachment.len(), 1);
    let emoji = a.emojis().next().unwrap();
    assert_eq!(emoji.shortcode(), "blobcatwave");
    assert_eq!(emoji.updated.map(|t| t.timestamp()), Some(0));
    assert_eq!(emoji.icon.media_type, None);
    assert!(a.icon_url().is_some() && a.image_url().is_some());
    assert!(a.published.is_some());
}

#[test]
fn create_note_keeps_the_markdown_source() {
    let act: Activity = parse(fixture!("akkoma/create_note.json"));
    assert!(act.is_public() && act.is_addressed_to("https://mastodon.example/users/alice"));
    let note: Object = act.object_as().unwrap();
    assert_eq!(note.attributed_to_id(), Some(AKKO));
    let source = note.source.as_ref().unwrap();
    assert_eq!(source.media_type.as_deref(), Some("text/markdown"));
    assert!(note.source_text().is_some_and(|s| s.contains("#magic")));
    assert_eq!(
        note.tag.emojis().map(|e| e.shortcode()).collect::<Vec<_>>(),
        ["blobcatwave"]
    );
    assert_eq!(note.tag.hashtag_names().collect::<Vec<_>>(), ["magic"]);
    assert_eq!(
        note.tag.mention_hrefs().collect::<Vec<_>>(),
        ["https://mastodon.example/users/alice"]
    );
    let media = note.attachment.first().unwrap();
    assert_eq!(
        (media.width, media.height, media.alt()),
        (Some(640), Some(480), Some("a glowing wand"))
    );
    assert_eq!(note.summary.as_deref(), Some(""));
    assert!(note.published.is_some(), "microsecond timestamps parse");
    assert_eq!(note.quote_id(), None);
}

#[test]
fn announce_addresses_public_in_to_beside_followers() {
    let act: Activity = parse(fixture!("akkoma/announce.json"));
    assert_eq!(act.kind, "Announce");
    assert!(act.is_public() && act.cc.is_empty());
    assert!(act.is_addressed_to(&format!("{AKKO}/followers")));
    assert_eq!(
        act.object_id(),
        Some("https://mastodon.example/users/alice/statuses/113208411735602217")
    );
}
