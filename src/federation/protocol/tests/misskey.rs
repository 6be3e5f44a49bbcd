//! Misskey's documents (packages/backend/src/core/activitypub/
//! ApRendererService.ts, misskey-hub.net/ns): `_misskey_*` fields, `null`
//! for unset images, Likes carrying a reaction.

use super::super::{Activity, Actor, Object, Tag};
use super::{fixture, parse};

const NEKO: &str = "https://misskey.example/users/9kxq2m1b3c";
const QUOTED: &str = "https://mastodon.example/users/alice/statuses/113208411735602217";

#[test]
fn person_with_misskey_extensions() {
    let a: Actor = parse(fixture!("misskey/person.json"));
    assert_eq!(
        (a.id.as_str(), a.preferred_username.as_deref()),
        (NEKO, Some("neko"))
    );
    assert_eq!(a.shared_inbox(), Some("https://misskey.example/inbox"));
    assert_eq!(a.shared_inbox.as_deref(), a.shared_inbox());
    let key = a.public_key().unwrap();
    assert_eq!(key.id, format!("{NEKO}#main-key"));
    assert!(key.public_key_pem.contains("BEGIN PUBLIC KEY"));
    assert!(a.icon_url().is_some_and(|u| u.ends_with(".webp")));
    assert_eq!(a.image, None, "`image: null`");
    assert_eq!(a.url(), Some("https://misskey.example/@neko"));
    assert_eq!(a.emojis().count(), 1);
    assert!(a.tag.iter().any(|t| matches!(t, Tag::Hashtag { .. })));
    assert_eq!(a.attachment.len(), 1);
    assert_eq!(a.discoverable, Some(true));
}

#[test]
fn create_note_with_mfm_source_and_quote() {
    let act: Activity = parse(fixture!("misskey/create_note.json"));
    assert_eq!(act.actor_id(), Some(NEKO));
    let note: Object = act.object_as().unwrap();
    assert_eq!(
        note.misskey_content.as_deref(),
        Some("いいね！ :blobcat_nod:")
    );
    assert_eq!(
        note.source.as_ref().and_then(|s| s.media_type.as_deref()),
        Some("text/x.misskeymarkdown")
    );
    assert_eq!(note.source_text(), note.misskey_content.as_deref());
    assert_eq!(note.quote_id(), Some(QUOTED));
    assert_eq!(
        (note.misskey_quote.as_deref(), note.quote_url.as_deref()),
        (Some(QUOTED), Some(QUOTED))
    );
    assert_eq!(note.summary, None);
    assert_eq!(note.in_reply_to, None, "`inReplyTo: null`");
    let media = note.attachment.first().unwrap();
    assert_eq!((media.alt(), media.sensitive), (None, Some(false)));
    assert!(
        note.published
            .is_some_and(|t| t.timestamp_subsec_millis() == 412)
    );
    assert_eq!(note.tag.emojis().count(), 1);
}

#[test]
fn like_carries_the_reaction() {
    let like: Activity = parse(fixture!("misskey/like.json"));
    assert_eq!(like.kind, "Like");
    assert_eq!(like.reaction(), Some(":blobcat_nod:"));
    assert_eq!(like.content, like.misskey_reaction);
    assert_eq!(
        like.tag.emojis().map(|e| e.shortcode()).collect::<Vec<_>>(),
        ["blobcat_nod"]
    );
    assert_eq!(
        like.object_id(),
        Some("https://roost.example/users/carol/statuses/42")
    );
}
