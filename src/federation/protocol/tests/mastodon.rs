//! Mastodon's documents (docs.joinmastodon.org/spec/activitypub/ and its
//! serializers in app/serializers/activitypub/).

use super::super::{Activity, Actor, Closed, Collection, Object, Reference, Tag, WebFinger};
use super::{fixture, parse};

const ALICE: &str = "https://mastodon.example/users/alice";
const CAROL: &str = "https://roost.example/users/carol";
const STATUS: &str = "https://mastodon.example/users/alice/statuses/113208411735602217";

#[test]
fn person_maps_every_profile_field() {
    let a: Actor = parse(fixture!("mastodon/person.json"));
    assert_eq!((a.id.as_str(), a.kind.as_str()), (ALICE, "Person"));
    assert_eq!(a.preferred_username.as_deref(), Some("alice"));
    assert_eq!(a.name.as_deref(), Some("Alice Liddell :verified_cat:"));
    assert!(
        a.summary
            .as_deref()
            .is_some_and(|s| s.starts_with("<p>Birdwatcher"))
    );
    assert_eq!(a.url(), Some("https://mastodon.example/@alice"));
    assert_eq!(a.inbox, format!("{ALICE}/inbox"));
    assert_eq!(
        a.outbox.as_deref(),
        Some(format!("{ALICE}/outbox").as_str())
    );
    assert_eq!(
        a.followers.as_deref(),
        Some(format!("{ALICE}/followers").as_str())
    );
    assert_eq!(
        a.following.as_deref(),
        Some(format!("{ALICE}/following").as_str())
    );
    assert_eq!(
        a.featured.as_deref(),
        Some(format!("{ALICE}/collections/featured").as_str())
    );
    assert_eq!(
        a.featured_tags.as_deref(),
        Some(format!("{ALICE}/collections/tags").as_str())
    );
    assert_eq!(a.shared_inbox(), Some("https://mastodon.example/inbox"));

    let key = a.public_key().unwrap();
    assert_eq!(key.id, format!("{ALICE}#main-key"));
    assert_eq!(key.owner.as_deref(), Some(ALICE));
    assert!(
        key.public_key_pem
            .starts_with("-----BEGIN PUBLIC KEY-----\n")
    );
    assert!(
        key.public_key_pem
            .trim_end()
            .ends_with("-----END PUBLIC KEY-----")
    );
    assert!(a.public_key_by_id(&key.id).is_some());

    assert_eq!(a.manually_approves_followers, Some(false));
    assert_eq!((a.discoverable, a.indexable), (Some(true), Some(true)));
    assert_eq!(
        (a.memorial, a.suspended, a.moved_to.as_deref()),
        (Some(false), None, None)
    );
    assert_eq!(
        a.also_known_as.as_slice(),
        ["https://old.example/users/alice"]
    );
    assert_eq!(
        a.published.map(|t| t.to_rfc3339()).as_deref(),
        Some("2022-11-05T00:00:00+00:00")
    );

    let icon = a.icon.as_ref().unwrap();
    assert_eq!(icon.media_type.as_deref(), Some("image/png"));
    assert!(a.icon_url().is_some_and(|u| u.ends_with("/ab12cd34.png")));
    assert!(a.image_url().is_some_and(|u| u.ends_with("/ef56ab78.jpg")));

    let fields: Vec<_> = a.attachment.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(fields, ["Website", "Pronouns"]);
    assert!(
        a.attachment[0]
            .value
            .contains("rel=\"nofollow noopener me\"")
    );
    let emoji = a.emojis().next().unwrap();
    assert_eq!(emoji.shortcode(), "verified_cat");
    assert!(emoji.icon.url.ends_with("/5f1c2a.png"));
    assert!(!a.is_bot() && !a.is_group() && a.has_actor_type());
}

#[test]
fn create_note_with_mention_hashtag_emoji_and_media() {
    let act: Activity = parse(fixture!("mastodon/create_note.json"));
    assert_eq!(act.kind, "Create");
    assert_eq!(
        act.id.as_deref(),
        Some(format!("{STATUS}/activity").as_str())
    );
    assert_eq!(act.actor_id(), Some(ALICE));
    assert!(act.is_public() && act.is_addressed_to(CAROL));
    assert_eq!(act.object_kind(), Some("Note"));

    let note: Object = act.object_as().unwrap();
    assert_eq!(note.id, STATUS);
    assert_eq!(note.attributed_to_id(), Some(ALICE));
    assert_eq!(
        note.url(),
        Some("https://mastodon.example/@alice/113208411735602217")
    );
    assert!(
        note.content
            .as_deref()
            .is_some_and(|c| c.contains("Spotted a heron"))
    );
    assert_eq!(note.content_map.get("en"), note.content.as_ref());
    assert_eq!(
        (note.summary.as_deref(), note.in_reply_to_id()),
        (None, None)
    );
    assert_eq!(note.sensitive, Some(false));
    assert!(note.is_public() && !note.is_unlisted());
    assert_eq!(
        note.cc.as_slice(),
        [format!("{ALICE}/followers"), CAROL.to_string()]
    );
    assert!(note.published.is_some() && note.updated.is_none());

    assert_eq!(note.tag.mention_hrefs().collect::<Vec<_>>(), [CAROL]);
    assert!(note.tag.iter().any(|t| matches!(t,
        Tag::Mention { name: Some(n), .. } if n == "@carol@roost.example")));
    assert_eq!(note.tag.hashtag_names().collect::<Vec<_>>(), ["birds"]);
    assert_eq!(
        note.tag.emojis().map(|e| e.shortcode()).collect::<Vec<_>>(),
        ["verified_cat"]
    );

    let media = note.attachment.first().unwrap();
    assert_eq!(media.kind.as_deref(), Some("Document"));
    assert_eq!(media.media_type.as_deref(), Some("image/jpeg"));
    assert!(media.url.ends_with("/0a1b2c3d.jpg"));
    assert_eq!(
        media.alt(),
        Some("A grey heron standing in shallow water, reeds behind it.")
    );
    assert_eq!(
        media.blurhash.as_deref(),
        Some("UGF~Xk%2M{t7~qM{RjWB9FRjofWB-;WBWBfQ")
    );
    assert_eq!(media.focal_point, Some([-0.12, 0.34]));
    assert_eq!((media.width, media.height), (Some(1600), Some(1200)));
}

#[test]
fn question_options_counts_and_closing() {
    let act: Activity = parse(fixture!("mastodon/create_question.json"));
    let q: Object = act.object_as().unwrap();
    assert_eq!(q.kind, "Question");
    assert!(q.is_poll());
    let (options, multiple) = q.poll_options();
    assert!(!multiple);
    let opts: Vec<_> = options.iter().map(|o| (o.name.as_str(), o.votes)).collect();
    assert_eq!(
        opts,
        [
            ("Heron", Some(3)),
            ("Robin", Some(7)),
            ("Kingfisher", Some(2))
        ]
    );
    assert_eq!(q.voters_count, Some(12));
    assert!(q.end_time.is_some() && q.closed.is_none());

    let update: Activity = parse(fixture!("mastodon/update_question.json"));
    assert_eq!(update.kind, "Update");
    let closed: Object = update.object_as().unwrap();
    assert!(matches!(closed.closed, Some(Closed::At(_))));
    assert!(closed.closed.is_some_and(|c| c.is_closed()));
    let votes: Vec<_> = closed.poll_options().0.iter().map(|o| o.votes).collect();
    assert_eq!(votes, [Some(5), Some(9), Some(4)]);
    assert!(closed.updated.is_some());
}

#[test]
fn update_person_embeds_the_new_profile() {
    let act: Activity = parse(fixture!("mastodon/update_person.json"));
    assert_eq!(act.kind, "Update");
    assert_eq!(act.object_id(), act.actor_id());
    let person: Actor = act.object_as().unwrap();
    assert_eq!(person.name.as_deref(), Some("Alice (away until Monday)"));
    assert!(person.public_key().is_some());
}

#[test]
fn deletes_of_a_status_and_of_the_actor() {
    let status: Activity = parse(fixture!("mastodon/delete_tombstone.json"));
    assert_eq!(
        (status.kind.as_str(), status.object_kind()),
        ("Delete", Some("Tombstone"))
    );
    assert_eq!(status.object_id(), Some(STATUS));
    let tomb: Object = status.object_as().unwrap();
    assert_eq!(tomb.kind, "Tombstone");

    let actor: Activity = parse(fixture!("mastodon/delete_actor.json"));
    assert_eq!(
        actor.id.as_deref(),
        Some(format!("{ALICE}#delete").as_str())
    );
    assert!(matches!(actor.object(), Some(Reference::Id(id)) if id == ALICE));
    assert_eq!(actor.object_id(), actor.actor_id());
    assert!(actor.is_public());
}

#[test]
fn follow_accept_and_undo_like() {
    let follow: Activity = parse(fixture!("mastodon/follow.json"));
    assert_eq!(follow.kind, "Follow");
    assert_eq!(
        follow.id.as_deref(),
        Some(format!("{ALICE}#follows/2213").as_str())
    );
    assert_eq!(follow.object_id(), Some(CAROL));
    assert!(follow.to.is_empty() && !follow.is_public());

    let accept: Activity = parse(fixture!("mastodon/accept_follow.json"));
    assert_eq!(
        (accept.kind.as_str(), accept.object_kind()),
        ("Accept", Some("Follow"))
    );
    let inner: Activity = accept.object_as().unwrap();
    assert_eq!(
        inner.id.as_deref(),
        Some(format!("{CAROL}#follows/14").as_str())
    );
    assert_eq!(
        (inner.actor_id(), inner.object_id()),
        (Some(CAROL), Some(ALICE))
    );

    let undo: Activity = parse(fixture!("mastodon/undo_like.json"));
    let like: Activity = undo.object_as().unwrap();
    assert_eq!(like.kind, "Like");
    assert_eq!(
        like.object_id(),
        Some(format!("{CAROL}/statuses/42").as_str())
    );
    assert_eq!(like.actor_id(), undo.actor_id());
}

#[test]
fn announce_flag_move_and_pin() {
    let boost: Activity = parse(fixture!("mastodon/announce.json"));
    assert_eq!(
        boost.object_id(),
        Some(format!("{CAROL}/statuses/42").as_str())
    );
    assert!(boost.is_public() && boost.cc.contains_str(CAROL) && boost.published.is_some());

    let flag: Activity = parse(fixture!("mastodon/flag.json"));
    assert_eq!(flag.actor_id(), Some("https://mastodon.example/actor"));
    assert_eq!(flag.content.as_deref(), Some("Spam links in every reply"));
    let reported: Vec<_> = flag.object_ids().collect();
    assert_eq!(reported.len(), 3);
    assert_eq!(reported[0], "https://roost.example/users/spammer");
    assert_eq!(flag.to.as_slice(), ["https://roost.example/users/spammer"]);

    let mv: Activity = parse(fixture!("mastodon/move.json"));
    assert_eq!(mv.object_id(), mv.actor_id());
    assert_eq!(mv.target_id(), Some("https://newhome.example/users/alice"));
    assert_eq!(mv.to.as_slice(), [format!("{ALICE}/followers")]);

    // Mastodon's Add has no id at all.
    let add: Activity = parse(fixture!("mastodon/add_featured.json"));
    assert_eq!((add.kind.as_str(), add.id.as_deref()), ("Add", None));
    assert_eq!(
        add.target_id(),
        Some(format!("{ALICE}/collections/featured").as_str())
    );
    assert_eq!(add.object_id(), Some(STATUS));
}

#[test]
fn webfinger_and_collections() {
    let jrd: WebFinger = parse(fixture!("mastodon/webfinger.json"));
    assert_eq!(jrd.self_link(), Some(ALICE));
    assert_eq!(jrd.acct(), Some(("alice", "mastodon.example")));
    assert!(jrd.aliases.contains_str(ALICE));
    assert!(jrd.links.iter().any(|l| l.template.is_some()));

    let followers: Collection = parse(fixture!("mastodon/followers.json"));
    assert_eq!(followers.total_items, Some(212));
    assert_eq!(
        followers.first_id(),
        Some(format!("{ALICE}/followers?page=1").as_str())
    );
    assert_eq!(followers.entries().count(), 0);

    let featured: Collection = parse(fixture!("mastodon/featured.json"));
    let pinned: Vec<Object> = featured.entries().filter_map(Reference::parse).collect();
    assert_eq!(pinned.len(), 1);
    assert_eq!(pinned[0].id, STATUS);
    assert_eq!(featured.entry_ids().collect::<Vec<_>>(), [STATUS]);
}

/// Mastodon 4.5's quote post (FEP-044f `quote` plus the older properties,
/// its stamp and its `canQuote` policy).
#[test]
fn quote_note_names_the_quote_its_stamp_and_policy() {
    const QUOTED: &str = "https://roost.example/users/carol/statuses/117000000000000000";
    let act: Activity = parse(fixture!("mastodon/create_quote_note.json"));
    let note: Object = act.object_as().unwrap();
    assert_eq!(note.quote.as_deref(), Some(QUOTED));
    assert_eq!(note.quote_id(), Some(QUOTED));
    assert_eq!(note.misskey_quote.as_deref(), Some(QUOTED));
    assert_eq!(
        note.quote_authorization.as_deref(),
        Some("https://roost.example/users/carol/quote_authorizations/117000000000000777")
    );
    let policy = note.interaction_policy.as_ref().unwrap();
    assert_eq!(
        policy["canQuote"]["automaticApproval"][0],
        format!("{ALICE}/followers")
    );
}

/// A QuoteRequest with the quoting Note inlined as `instrument`.
#[test]
fn quote_request_inlines_the_quoting_note() {
    let act: Activity = parse(fixture!("mastodon/quote_request.json"));
    assert_eq!(act.kind, "QuoteRequest");
    assert_eq!(act.actor_id(), Some(ALICE));
    let raw: serde_json::Value = parse(fixture!("mastodon/quote_request.json"));
    let instrument: Object = serde_json::from_value(raw["instrument"].clone()).unwrap();
    assert_eq!(instrument.quote.as_deref(), Some(CAROL_STATUS));
    assert_eq!(instrument.attributed_to_id(), Some(ALICE));
}

const CAROL_STATUS: &str = "https://roost.example/users/carol/statuses/117000000000000000";
