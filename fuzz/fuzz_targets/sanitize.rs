//! Remote HTML through roost's sanitizer: the output never holds a script,
//! an event handler or a dangerous link scheme, and sanitizing twice
//! changes nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common/html.rs"]
mod html;

fuzz_target!(|input: &str| {
    let once = roost::text::sanitize::html(input);
    html::assert_safe(&once, None);
    let twice = roost::text::sanitize::html(&once);
    assert_eq!(once, twice, "sanitizing is not idempotent for {input:?}");
    let plain = roost::text::sanitize::strip(input);
    assert!(plain.chars().count() <= 255 && !plain.chars().any(char::is_control));
    let long = roost::text::sanitize::strip_long(input);
    assert!(long.chars().count() <= 1000);
});
