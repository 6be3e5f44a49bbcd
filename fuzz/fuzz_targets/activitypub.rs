//! ActivityPub documents from the network into roost's wire types: any
//! bytes parse or fail cleanly, and every URL roost takes from a parsed
//! actor or object for display is http(s).
#![no_main]

use libfuzzer_sys::fuzz_target;
use roost::federation::protocol::{Activity, Actor, Collection, KeyDocument, Object};
use serde_json::Value;

#[path = "common/html.rs"]
mod html;

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    if let Ok(activity) = serde_json::from_value::<Activity>(doc.clone()) {
        let _ = (
            activity.actor_id(),
            activity.object_ids().count(),
            activity.object_kind(),
        );
        let _ = (
            activity.is_public(),
            activity.reaction(),
            activity.target_id(),
        );
        let _ = activity.object_as::<Object>();
    }
    if let Ok(actor) = serde_json::from_value::<Actor>(doc.clone()) {
        for url in [actor.url(), actor.icon_url(), actor.image_url()]
            .into_iter()
            .flatten()
        {
            html::assert_web_url(url);
        }
        let _ = (
            actor.shared_inbox(),
            actor.public_key(),
            actor.emojis().count(),
        );
    }
    if let Ok(object) = serde_json::from_value::<Object>(doc.clone()) {
        if let Some(url) = object.url() {
            html::assert_web_url(url);
        }
        for a in object.attachment.iter() {
            html::assert_web_url(&a.url);
        }
        if let Some(content) = &object.content {
            html::assert_safe(&roost::text::sanitize::html(content), None);
        }
        let _ = (
            object.poll_options(),
            object.in_reply_to_id(),
            object.quote_id(),
        );
    }
    if let Ok(c) = serde_json::from_value::<Collection>(doc.clone()) {
        let _ = (c.entry_ids().count(), c.first_id(), c.first_page());
    }
    if let Ok(k) = serde_json::from_value::<KeyDocument>(doc) {
        let _ = (k.owner(), k.key("https://example.org/actor#main-key"));
    }
});
