//! A local post's text rendered to HTML (links, mentions, hashtags): the
//! HTML is safe and every link is http(s) or a hashtag link under roost.
#![no_main]

use std::collections::HashMap;

use libfuzzer_sys::fuzz_target;

#[path = "common/html.rs"]
mod html;

fuzz_target!(|text: &str| {
    let _ = roost::text::status::mentioned(text);
    let rendered = roost::text::status::render(text, &HashMap::new(), "https://example.org/tags");
    html::assert_safe(&rendered.html, Some(&["http", "https"]));
    for tag in &rendered.tags {
        assert_eq!(tag, &tag.to_lowercase());
    }
    html::assert_safe(&roost::text::plain_to_html(text), Some(&["http", "https"]));
});
