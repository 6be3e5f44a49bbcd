//! Reading the `<head>` of a fetched HTML page: the `<link>` elements, with
//! html5ever's tokenizer (the one ammonia sanitizes with), so that quoting,
//! entities and attribute order are handled as a browser would.

use std::cell::RefCell;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{
    BufferQueue, Tag, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer,
};

/// One `<link>` element's attributes that matter for discovery.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Link {
    /// `rel`, lower-cased, split on whitespace.
    pub rel: Vec<String>,
    /// `type`, lower-cased.
    pub kind: String,
    pub href: String,
}

struct Links {
    found: RefCell<Vec<Link>>,
    done: RefCell<bool>,
}

impl TokenSink for Links {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        if *self.done.borrow() {
            return TokenSinkResult::Continue;
        }
        if let Token::TagToken(Tag {
            kind, name, attrs, ..
        }) = token
        {
            match (kind, &*name) {
                // Links past the head are the page's content, not its metadata.
                (TagKind::StartTag, "body") | (TagKind::EndTag, "head") => {
                    *self.done.borrow_mut() = true;
                }
                (TagKind::StartTag, "link") => {
                    let mut link = Link::default();
                    for a in attrs {
                        match &*a.name.local {
                            "rel" => {
                                link.rel = a
                                    .value
                                    .split_ascii_whitespace()
                                    .map(str::to_ascii_lowercase)
                                    .collect();
                            }
                            "type" => link.kind = a.value.trim().to_ascii_lowercase(),
                            "href" => link.href = a.value.trim().to_string(),
                            _ => {}
                        }
                    }
                    self.found.borrow_mut().push(link);
                }
                _ => {}
            }
        }
        TokenSinkResult::Continue
    }
}

/// The `<link>` elements of `html`'s head, in document order (at most 100).
pub fn links(html: &str) -> Vec<Link> {
    let sink = Links {
        found: RefCell::new(Vec::new()),
        done: RefCell::new(false),
    };
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    let tokenizer = Tokenizer::new(sink, Default::default());
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    let mut found = tokenizer.sink.found.into_inner();
    found.truncate(100);
    found
}

/// The `href` of the first `<link rel="alternate">` to an ActivityPub
/// document (`application/activity+json`, or `application/ld+json` with any
/// profile), as Mastodon's fetcher looks for it.
pub fn activitypub_alternate(html: &str) -> Option<String> {
    links(html).into_iter().find_map(|l| {
        let essence = l.kind.split(';').next().unwrap_or("").trim().to_string();
        let is_ap = essence == "application/activity+json" || essence == "application/ld+json";
        (l.rel.iter().any(|r| r == "alternate") && is_ap && !l.href.is_empty()).then_some(l.href)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_activitypub_alternate_whatever_the_attribute_order_and_quoting() {
        let page = r#"<!doctype html><html><head><title>x</title>
            <link rel="stylesheet" href="/a.css">
            <link href='https://a.example/users/bob?x=1&amp;y=2' TYPE=application/activity+json rel="Alternate">
            </head><body></body></html>"#;
        assert_eq!(
            activitypub_alternate(page).as_deref(),
            Some("https://a.example/users/bob?x=1&y=2")
        );
        let ld = r#"<link rel="alternate" type='application/ld+json; profile="https://www.w3.org/ns/activitystreams"' href="/n/1">"#;
        assert_eq!(activitypub_alternate(ld).as_deref(), Some("/n/1"));
    }

    #[test]
    fn ignores_other_alternates_and_links_in_the_body() {
        let page = r#"<head><link rel="alternate" type="application/rss+xml" href="/feed">
            <link rel="self" type="application/activity+json" href="/not-alternate"></head>
            <body><link rel="alternate" type="application/activity+json" href="/in-body"></body>"#;
        assert_eq!(activitypub_alternate(page), None);
        assert_eq!(activitypub_alternate(""), None);
        assert_eq!(
            activitypub_alternate("<link rel=alternate type=application/activity+json>"),
            None
        );
    }
}
