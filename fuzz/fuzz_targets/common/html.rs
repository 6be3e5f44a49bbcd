//! The safety property every HTML roost emits must hold, checked the way a
//! browser reads it (html5ever's tokenizer): only the allowlisted elements,
//! no event-handler attributes, and link targets that are relative or use a
//! scheme from the allowlist (never `javascript:`, `data:`, `vbscript:`).

// Each target uses the part it needs.
#![allow(dead_code)]

use std::cell::RefCell;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{BufferQueue, Tag, Token, TokenSink, TokenSinkResult, Tokenizer};

const ELEMENTS: &[&str] = &[
    "p",
    "br",
    "span",
    "a",
    "del",
    "s",
    "pre",
    "code",
    "em",
    "strong",
    "b",
    "i",
    "u",
    "ul",
    "ol",
    "li",
    "blockquote",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "sub",
    "sup",
];
const SCHEMES: &[&str] = &[
    "http", "https", "dat", "dweb", "ipfs", "ipns", "ssb", "gopher", "xmpp", "magnet", "gemini",
];

#[derive(Default)]
struct Tags(RefCell<Vec<(String, Vec<(String, String)>)>>);

impl TokenSink for Tags {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        if let Token::TagToken(Tag { name, attrs, .. }) = token {
            let attrs = attrs
                .into_iter()
                .map(|a| (a.name.local.to_string(), a.value.to_string()))
                .collect();
            self.0.borrow_mut().push((name.to_string(), attrs));
        }
        TokenSinkResult::Continue
    }
}

/// The scheme a browser would see in `url`, lower-cased, if it has one.
fn scheme(url: &str) -> Option<String> {
    let cleaned: String = url
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let cleaned = cleaned.trim_matches(|c: char| c <= ' ');
    let (scheme, _) = cleaned.split_once(':')?;
    let mut chars = scheme.chars();
    let first = chars.next()?;
    (first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
    .then(|| scheme.to_ascii_lowercase())
}

/// Panics, naming the offence, when `html` breaks the property;
/// `schemes` limits link schemes further (None: the sanitizer's allowlist).
pub fn assert_safe(html: &str, schemes: Option<&[&str]>) {
    let tags = Tags::default();
    let tokenizer = Tokenizer::new(tags, Default::default());
    let queue = BufferQueue::default();
    queue.push_back(StrTendril::from(html));
    let _ = tokenizer.feed(&queue);
    tokenizer.end();
    let allowed = schemes.unwrap_or(SCHEMES);
    for (name, attrs) in tokenizer.sink.0.borrow().iter() {
        assert!(
            ELEMENTS.contains(&name.as_str()),
            "element <{name}> in {html:?}"
        );
        for (attr, value) in attrs {
            assert!(!attr.starts_with("on"), "attribute {attr} in {html:?}");
            assert!(
                attr != "style" && attr != "src",
                "attribute {attr} in {html:?}"
            );
            if attr == "href" {
                if let Some(s) = scheme(value) {
                    assert!(
                        allowed.contains(&s.as_str()),
                        "link scheme {s}: in {html:?}"
                    );
                }
            }
        }
    }
}

/// Panics unless `url` is an absolute http(s) URL.
pub fn assert_web_url(url: &str) {
    let s = scheme(url);
    assert!(
        matches!(s.as_deref(), Some("http" | "https")),
        "non-web URL {url:?} got through"
    );
}
