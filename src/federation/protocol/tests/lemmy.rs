//! Lemmy's documents (join-lemmy.org/docs/contributors/05-federation.html,
//! crates/apub/assets/lemmy): Group communities, Page posts with a title,
//! `audience`, Link attachments, and Announce wrapping whole activities.

use super::super::{Activity, Actor, Collection, Object};
use super::{fixture, parse};

const COMMUNITY: &str = "https://lemmy.example/c/rustlang";
const FERRIS: &str = "https://lemmy.example/u/ferris";

#[test]
fn group_is_a_community() {
    let g: Actor = parse(fixture!("lemmy/group.json"));
    assert!(g.is_group() && g.has_actor_type());
    assert_eq!(g.preferred_username.as_deref(), Some("rustlang"));
    assert_eq!(g.name.as_deref(), Some("The Rust Programming Language"));
    assert_eq!(g.shared_inbox(), Some("https://lemmy.example/inbox"));
    assert_eq!(g.following, None);
    assert_eq!(
        g.featured.as_deref(),
        Some(format!("{COMMUNITY}/featured").as_str())
    );
    assert_eq!(
        g.public_key().map(|k| k.owner.as_deref()),
        Some(Some(COMMUNITY))
    );
    assert!(g.icon_url().is_some() && g.updated.is_some());
}

#[test]
fn person_has_no_followers_collection() {
    let p: Actor = parse(fixture!("lemmy/person.json"));
    assert_eq!((p.id.as_str(), p.kind.as_str()), (FERRIS, "Person"));
    assert_eq!((p.followers.as_deref(), p.url()), (None, None));
    assert_eq!(p.shared_inbox(), Some("https://lemmy.example/inbox"));
    assert!(
        p.public_key()
            .is_some_and(|k| k.id == format!("{FERRIS}#main-key"))
    );
}

fn check_page(page: &Object) {
    assert_eq!(page.kind, "Page");
    assert_eq!(page.attributed_to_id(), Some(FERRIS));
    assert_eq!(page.name.as_deref(), Some("Async closures are stable!"));
    assert_eq!(page.audience.as_deref(), Some(COMMUNITY));
    assert!(page.is_public() && page.is_addressed_to(COMMUNITY));
    assert!(page.cc.is_empty());
    let link = page.attachment.first().unwrap();
    assert_eq!(link.kind.as_deref(), Some("Link"));
    assert_eq!(
        link.url,
        "https://blog.rust-lang.example/2025/02/20/async-closures.html"
    );
    assert_eq!(link.media_type.as_deref(), Some("text/html; charset=utf-8"));
    assert_eq!(link.alt(), None);
    assert!(
        page.image
            .as_ref()
            .is_some_and(|i| i.url.ends_with(".jpeg"))
    );
    assert_eq!(
        page.source.as_ref().and_then(|s| s.media_type.as_deref()),
        Some("text/markdown")
    );
    assert!(page.published.is_some(), "`+00:00` offsets parse");
}

#[test]
fn create_page_is_a_titled_post_in_a_community() {
    let act: Activity = parse(fixture!("lemmy/create_page.json"));
    assert_eq!(
        (act.actor_id(), act.audience.as_deref()),
        (Some(FERRIS), Some(COMMUNITY))
    );
    assert!(act.is_public() && act.cc.contains_str(COMMUNITY));
    check_page(&act.object_as().unwrap());
}

#[test]
fn group_announce_wraps_the_create() {
    let announce: Activity = parse(fixture!("lemmy/announce_create_page.json"));
    assert_eq!(
        (announce.kind.as_str(), announce.actor_id()),
        ("Announce", Some(COMMUNITY))
    );
    assert_eq!(announce.object_kind(), Some("Create"));
    assert_eq!(announce.cc.as_slice(), [format!("{COMMUNITY}/followers")]);
    let create: Activity = announce.object_as().unwrap();
    assert_eq!(create.actor_id(), Some(FERRIS));
    assert!(
        create
            .id
            .as_deref()
            .is_some_and(|i| i.starts_with("https://lemmy.example/activities/create/"))
    );
    check_page(&create.object_as().unwrap());
}

#[test]
fn community_followers_only_count() {
    let c: Collection = parse(fixture!("lemmy/group_followers.json"));
    assert_eq!((c.total_items, c.first_id()), (Some(5213), None));
    assert_eq!(c.entries().count(), 0);
}
