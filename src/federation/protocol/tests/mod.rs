//! Fixture tests: documents as Mastodon, GoToSocial, Akkoma, Misskey and
//! Lemmy emit them (`tests/fixtures/activitypub/<software>/`, written from
//! each project's federation docs and serializers), parsed and checked
//! field by field; plus a sweep that puts garbage into every optional field
//! of every fixture and checks the document still parses.

use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::{Activity, Actor, Collection, Object, WebFinger};

mod akkoma;
mod gotosocial;
mod lemmy;
mod mastodon;
mod misskey;

/// The text of `tests/fixtures/activitypub/<path>`.
macro_rules! fixture {
    ($path:literal) => {
        include_str!(concat!("../../../../tests/fixtures/activitypub/", $path))
    };
}
pub(crate) use fixture;

/// Parses a fixture as `T`, failing the test with serde's message.
pub(crate) fn parse<T: DeserializeOwned>(text: &str) -> T {
    match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => panic!(
            "fixture does not parse as {}: {e}",
            std::any::type_name::<T>()
        ),
    }
}

/// What a fixture is, and which of its fields may fail the parse.
#[derive(Clone, Copy)]
enum Kind {
    Activity,
    Actor,
    Collection,
    WebFinger,
}

impl Kind {
    fn required(self) -> &'static [&'static str] {
        match self {
            Kind::Activity => &["type", "actor"],
            Kind::Actor => &["id", "type", "inbox"],
            Kind::Collection => &["type"],
            Kind::WebFinger => &["subject"],
        }
    }

    fn parses(self, v: &Value) -> Result<(), serde_json::Error> {
        let v = v.clone();
        match self {
            Kind::Activity => serde_json::from_value::<Activity>(v).map(drop),
            Kind::Actor => serde_json::from_value::<Actor>(v).map(drop),
            Kind::Collection => serde_json::from_value::<Collection>(v).map(drop),
            Kind::WebFinger => serde_json::from_value::<WebFinger>(v).map(drop),
        }
    }
}

const ALL: &[(&str, &str, Kind)] = &[
    (
        "mastodon/person.json",
        fixture!("mastodon/person.json"),
        Kind::Actor,
    ),
    (
        "mastodon/create_note.json",
        fixture!("mastodon/create_note.json"),
        Kind::Activity,
    ),
    (
        "mastodon/create_quote_note.json",
        fixture!("mastodon/create_quote_note.json"),
        Kind::Activity,
    ),
    (
        "mastodon/quote_request.json",
        fixture!("mastodon/quote_request.json"),
        Kind::Activity,
    ),
    (
        "mastodon/create_question.json",
        fixture!("mastodon/create_question.json"),
        Kind::Activity,
    ),
    (
        "mastodon/update_question.json",
        fixture!("mastodon/update_question.json"),
        Kind::Activity,
    ),
    (
        "mastodon/update_person.json",
        fixture!("mastodon/update_person.json"),
        Kind::Activity,
    ),
    (
        "mastodon/delete_tombstone.json",
        fixture!("mastodon/delete_tombstone.json"),
        Kind::Activity,
    ),
    (
        "mastodon/delete_actor.json",
        fixture!("mastodon/delete_actor.json"),
        Kind::Activity,
    ),
    (
        "mastodon/follow.json",
        fixture!("mastodon/follow.json"),
        Kind::Activity,
    ),
    (
        "mastodon/accept_follow.json",
        fixture!("mastodon/accept_follow.json"),
        Kind::Activity,
    ),
    (
        "mastodon/undo_like.json",
        fixture!("mastodon/undo_like.json"),
        Kind::Activity,
    ),
    (
        "mastodon/announce.json",
        fixture!("mastodon/announce.json"),
        Kind::Activity,
    ),
    (
        "mastodon/flag.json",
        fixture!("mastodon/flag.json"),
        Kind::Activity,
    ),
    (
        "mastodon/move.json",
        fixture!("mastodon/move.json"),
        Kind::Activity,
    ),
    (
        "mastodon/add_featured.json",
        fixture!("mastodon/add_featured.json"),
        Kind::Activity,
    ),
    (
        "mastodon/webfinger.json",
        fixture!("mastodon/webfinger.json"),
        Kind::WebFinger,
    ),
    (
        "mastodon/followers.json",
        fixture!("mastodon/followers.json"),
        Kind::Collection,
    ),
    (
        "mastodon/featured.json",
        fixture!("mastodon/featured.json"),
        Kind::Collection,
    ),
    (
        "gotosocial/person.json",
        fixture!("gotosocial/person.json"),
        Kind::Actor,
    ),
    (
        "gotosocial/create_note.json",
        fixture!("gotosocial/create_note.json"),
        Kind::Activity,
    ),
    (
        "gotosocial/follow.json",
        fixture!("gotosocial/follow.json"),
        Kind::Activity,
    ),
    (
        "gotosocial/like.json",
        fixture!("gotosocial/like.json"),
        Kind::Activity,
    ),
    (
        "gotosocial/featured.json",
        fixture!("gotosocial/featured.json"),
        Kind::Collection,
    ),
    (
        "akkoma/person.json",
        fixture!("akkoma/person.json"),
        Kind::Actor,
    ),
    (
        "akkoma/create_note.json",
        fixture!("akkoma/create_note.json"),
        Kind::Activity,
    ),
    (
        "akkoma/announce.json",
        fixture!("akkoma/announce.json"),
        Kind::Activity,
    ),
    (
        "misskey/person.json",
        fixture!("misskey/person.json"),
        Kind::Actor,
    ),
    (
        "misskey/create_note.json",
        fixture!("misskey/create_note.json"),
        Kind::Activity,
    ),
    (
        "misskey/like.json",
        fixture!("misskey/like.json"),
        Kind::Activity,
    ),
    (
        "lemmy/group.json",
        fixture!("lemmy/group.json"),
        Kind::Actor,
    ),
    (
        "lemmy/person.json",
        fixture!("lemmy/person.json"),
        Kind::Actor,
    ),
    (
        "lemmy/create_page.json",
        fixture!("lemmy/create_page.json"),
        Kind::Activity,
    ),
    (
        "lemmy/announce_create_page.json",
        fixture!("lemmy/announce_create_page.json"),
        Kind::Activity,
    ),
    (
        "lemmy/group_followers.json",
        fixture!("lemmy/group_followers.json"),
        Kind::Collection,
    ),
];

/// Values no server should send in any field.
fn garbage() -> [Value; 9] {
    [
        json!(null),
        json!(42),
        json!(-1.5),
        json!(true),
        json!("x"),
        json!([]),
        json!({}),
        json!([null, 7, {"a": []}]),
        json!({"type": ["?"], "id": 3, "href": false}),
    ]
}

/// Every optional top-level field of `doc`, set to each garbage value,
/// still lets `parses` succeed; a required one may fail but never panics.
fn assert_tolerant(name: &str, doc: &Value, required: &[&str], parses: impl Fn(&Value) -> bool) {
    let Value::Object(map) = doc else {
        panic!("{name} is not a JSON object");
    };
    assert!(parses(doc), "{name} does not parse as is");
    for key in map.keys() {
        for junk in garbage() {
            let mut v = doc.clone();
            v[key.as_str()] = junk.clone();
            let ok = parses(&v);
            if !required.contains(&key.as_str()) {
                assert!(ok, "{name}: `{key}` = {junk} fails the parse");
            }
        }
    }
}

#[test]
fn every_fixture_parses_as_its_kind() {
    for (name, text, kind) in ALL {
        let v: Value = parse(text);
        if let Err(e) = kind.parses(&v) {
            panic!("{name}: {e}");
        }
    }
}

#[test]
fn garbage_in_any_optional_field_never_fails_a_fixture() {
    for (name, text, kind) in ALL {
        let doc: Value = parse(text);
        assert_tolerant(name, &doc, kind.required(), |v| kind.parses(v).is_ok());
        // Embedded objects of activities: the post, the actor, the inner
        // activity (Lemmy's Announce, Accept, Undo).
        if let Some(inner) = doc.get("object").filter(|o| o.is_object()) {
            let (required, parses): (&[&str], fn(&Value) -> bool) =
                match inner.get("type").and_then(Value::as_str) {
                    Some("Person" | "Group" | "Service") => {
                        (Kind::Actor.required(), |v| Kind::Actor.parses(v).is_ok())
                    }
                    Some("Follow" | "Like" | "Create" | "Announce") => {
                        (Kind::Activity.required(), |v| {
                            Kind::Activity.parses(v).is_ok()
                        })
                    }
                    _ => (&["id", "type"], |v| {
                        serde_json::from_value::<Object>(v.clone()).is_ok()
                    }),
                };
            assert_tolerant(name, inner, required, parses);
        }
    }
}

#[test]
fn any_fixture_read_as_any_type_never_panics() {
    for (_, text, _) in ALL {
        let v: Value = parse(text);
        let _ = serde_json::from_value::<Activity>(v.clone());
        let _ = serde_json::from_value::<Actor>(v.clone());
        let _ = serde_json::from_value::<Object>(v.clone());
        let _ = serde_json::from_value::<Collection>(v.clone());
        let _ = serde_json::from_value::<WebFinger>(v.clone());
        let _ = serde_json::from_value::<super::KeyDocument>(v);
    }
}

#[test]
fn non_objects_and_deep_nesting_are_errors_not_panics() {
    for text in ["null", "[]", "\"Note\"", "17", "{\"type\": {}}"] {
        assert!(serde_json::from_str::<Activity>(text).is_err(), "{text}");
        assert!(serde_json::from_str::<Object>(text).is_err(), "{text}");
    }
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    assert!(serde_json::from_str::<Activity>(&deep).is_err());
    let deep_field = format!(
        "{{\"id\":\"i\",\"type\":\"Note\",\"tag\":{}{}}}",
        "[".repeat(100),
        "]".repeat(100)
    );
    assert!(serde_json::from_str::<Object>(&deep_field).is_ok());
}
