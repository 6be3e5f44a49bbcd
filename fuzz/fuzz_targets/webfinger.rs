//! WebFinger answers (JRD) from the network: parse or fail cleanly; the
//! actor link and the `acct:` subject are read without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use roost::federation::protocol::{WebFinger, is_activity_type};

fuzz_target!(|data: &[u8]| {
    if let Ok(jrd) = serde_json::from_slice::<WebFinger>(data) {
        let _ = (jrd.self_link(), jrd.acct());
    }
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = is_activity_type(s);
        let _ = roost::text::head::links(s);
        let _ = roost::text::head::activitypub_alternate(s);
    }
});
