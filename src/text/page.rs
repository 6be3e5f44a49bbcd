//! Reading what a fetched web page says about itself (its `<title>`, `<meta>`
//! and `<link>` elements) for a link preview card, and the links a post's
//! HTML carries. Both on html5ever's tokenizer, so that quoting, entities
//! and attribute order are handled as a browser would; script and style
//! bodies are skipped as text, so markup inside them is not read.

use std::cell::RefCell;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, Tag, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer,
};

use super::head::Link;

/// What a page says about itself.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PageMeta {
    /// The `<title>`'s text, whitespace collapsed.
    pub title: String,
    /// `<meta>` elements as (`property`, `name` or `itemprop`, lower-cased;
    /// `content`), in document order.
    pub meta: Vec<(String, String)>,
    /// `<link>` elements.
    pub links: Vec<Link>,
    /// The `<html lang>` attribute.
    pub lang: Option<String>,
}

impl PageMeta {
    /// The first non-empty `content` of a `<meta>` named any of `keys`, in
    /// the order of `keys`.
    pub fn get(&self, keys: &[&str]) -> Option<&str> {
        keys.iter().find_map(|k| {
            self.meta
                .iter()
                .find(|(name, content)| name == k && !content.trim().is_empty())
                .map(|(_, content)| content.trim())
        })
    }

    /// The `href` of the first `<link rel="alternate">` to a JSON oEmbed
    /// document.
    pub fn oembed_json(&self) -> Option<&str> {
        self.links.iter().find_map(|l| {
            let essence = l.kind.split(';').next().unwrap_or("").trim();
            (l.rel.iter().any(|r| r == "alternate")
                && essence == "application/json+oembed"
                && !l.href.is_empty())
            .then_some(l.href.as_str())
        })
    }
}

/// Most `<meta>` and `<link>` elements read from one page.
const MAX_ELEMENTS: usize = 500;

struct PageSink {
    page: RefCell<PageMeta>,
    in_title: RefCell<bool>,
}

fn attr<'a>(tag: &'a Tag, name: &str) -> Option<&'a str> {
    tag.attrs
        .iter()
        .find(|a| &*a.name.local == name)
        .map(|a| &*a.value)
}

impl TokenSink for PageSink {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        match token {
            Token::TagToken(tag) => {
                let mut page = self.page.borrow_mut();
                match (tag.kind, &*tag.name) {
                    (TagKind::StartTag, "title") => {
                        *self.in_title.borrow_mut() = page.title.is_empty();
                        return TokenSinkResult::RawData(RawKind::Rcdata);
                    }
                    (TagKind::EndTag, "title") => *self.in_title.borrow_mut() = false,
                    (TagKind::StartTag, "script") => {
                        return TokenSinkResult::RawData(RawKind::ScriptData);
                    }
                    (TagKind::StartTag, "style" | "noscript" | "template") => {
                        return TokenSinkResult::RawData(RawKind::Rawtext);
                    }
                    (TagKind::StartTag, "textarea") => {
                        return TokenSinkResult::RawData(RawKind::Rcdata);
                    }
                    (TagKind::StartTag, "html") => {
                        page.lang = attr(&tag, "lang")
                            .map(str::trim)
                            .filter(|l| !l.is_empty())
                            .map(str::to_string);
                    }
                    (TagKind::StartTag, "meta") if page.meta.len() < MAX_ELEMENTS => {
                        let key = attr(&tag, "property")
                            .or_else(|| attr(&tag, "name"))
                            .or_else(|| attr(&tag, "itemprop"));
                        if let (Some(key), Some(content)) = (key, attr(&tag, "content")) {
                            page.meta
                                .push((key.trim().to_ascii_lowercase(), content.to_string()));
                        }
                    }
                    (TagKind::StartTag, "link") if page.links.len() < MAX_ELEMENTS => {
                        page.links.push(Link {
                            rel: attr(&tag, "rel")
                                .unwrap_or("")
                                .split_ascii_whitespace()
                                .map(str::to_ascii_lowercase)
                                .collect(),
                            kind: attr(&tag, "type").unwrap_or("").trim().to_ascii_lowercase(),
                            href: attr(&tag, "href").unwrap_or("").trim().to_string(),
                        });
                    }
                    _ => {}
                }
            }
            Token::CharacterTokens(text) if *self.in_title.borrow() => {
                let mut page = self.page.borrow_mut();
                if page.title.len() < 4096 {
                    page.title.push_str(&text);
                }
            }
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

/// Reads a page's title, meta and link elements.
pub fn page_meta(html: &str) -> PageMeta {
    let sink = PageSink {
        page: RefCell::new(PageMeta::default()),
        in_title: RefCell::new(false),
    };
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    let tokenizer = Tokenizer::new(sink, Default::default());
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    let mut page = tokenizer.sink.page.into_inner();
    page.title = collapse(&page.title);
    page
}

/// Runs of whitespace as one space, trimmed.
pub fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

struct PostLinks {
    found: RefCell<Vec<String>>,
    /// Open elements that hide their links (the quote fallback), by name,
    /// with their nesting depth.
    hiding: RefCell<Option<(String, usize)>>,
}

impl TokenSink for PostLinks {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let Token::TagToken(tag) = token else {
            return TokenSinkResult::Continue;
        };
        let mut hiding = self.hiding.borrow_mut();
        if let Some((name, depth)) = hiding.as_mut() {
            if *tag.name == **name {
                match tag.kind {
                    TagKind::StartTag if !tag.self_closing => *depth += 1,
                    TagKind::EndTag => {
                        *depth -= 1;
                        if *depth == 0 {
                            *hiding = None;
                        }
                    }
                    TagKind::StartTag => {}
                }
            }
            return TokenSinkResult::Continue;
        }
        if tag.kind != TagKind::StartTag {
            return TokenSinkResult::Continue;
        }
        let class = attr(&tag, "class").unwrap_or("");
        let classes: Vec<&str> = class.split_ascii_whitespace().collect();
        // A quote's "RE: <link>" fallback is the quote, not a link.
        if classes.contains(&"quote-inline") && !tag.self_closing {
            *hiding = Some((tag.name.to_string(), 1));
            return TokenSinkResult::Continue;
        }
        if &*tag.name != "a" {
            return TokenSinkResult::Continue;
        }
        let rel = attr(&tag, "rel").unwrap_or("").to_ascii_lowercase();
        if classes
            .iter()
            .any(|c| matches!(*c, "mention" | "hashtag" | "u-url"))
            || rel
                .split_ascii_whitespace()
                .any(|r| r == "tag" || r == "me")
        {
            return TokenSinkResult::Continue;
        }
        if let Some(href) = attr(&tag, "href") {
            self.found.borrow_mut().push(href.trim().to_string());
        }
        TokenSinkResult::Continue
    }
}

/// The web links (`http` and `https`) of a post's HTML, other than mentions,
/// hashtags and a quote's fallback link, without their fragment, each once,
/// in order.
pub fn post_links(html: &str) -> Vec<url::Url> {
    if !html.contains("<a") {
        return Vec::new();
    }
    let sink = PostLinks {
        found: RefCell::new(Vec::new()),
        hiding: RefCell::new(None),
    };
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    let tokenizer = Tokenizer::new(sink, Default::default());
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    let mut out: Vec<url::Url> = Vec::new();
    for href in tokenizer.sink.found.into_inner() {
        let Ok(mut url) = url::Url::parse(&href) else {
            continue;
        };
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            continue;
        }
        url.set_fragment(None);
        if !out.contains(&url) {
            out.push(url);
        }
    }
    out
}

/// An embedded player: the first `<iframe>` of an oEmbed `html`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Iframe {
    pub src: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

struct Iframes {
    found: RefCell<Option<Iframe>>,
}

impl TokenSink for Iframes {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        if let Token::TagToken(tag) = token
            && tag.kind == TagKind::StartTag
            && &*tag.name == "iframe"
            && self.found.borrow().is_none()
        {
            let size = |name| attr(&tag, name).and_then(|v| v.trim().parse::<u32>().ok());
            *self.found.borrow_mut() = Some(Iframe {
                src: attr(&tag, "src").unwrap_or("").trim().to_string(),
                width: size("width"),
                height: size("height"),
            });
        }
        TokenSinkResult::Continue
    }
}

/// The first `<iframe>` of `html`, whatever else it holds.
pub fn first_iframe(html: &str) -> Option<Iframe> {
    let sink = Iframes {
        found: RefCell::new(None),
    };
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    let tokenizer = Tokenizer::new(sink, Default::default());
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    tokenizer.sink.found.into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_title_meta_and_oembed_link_but_not_markup_in_scripts() {
        let page = r#"<!doctype html><html lang="fr-CA"><head>
            <title>  Le   titre &amp; plus </title>
            <script>document.write('<meta property="og:title" content="fake">')</script>
            <meta property="OG:Title" content="Vrai &quot;titre&quot;">
            <meta content="Une description" name="description">
            <link rel="alternate" type="application/json+oembed" href="https://p.example/oembed?u=1&amp;f=json">
            </head><body><meta property="og:title" content="later"></body></html>"#;
        let meta = page_meta(page);
        assert_eq!(meta.title, "Le titre & plus");
        assert_eq!(meta.get(&["og:title"]), Some("Vrai \"titre\""));
        assert_eq!(
            meta.get(&["og:description", "description"]),
            Some("Une description")
        );
        assert_eq!(meta.lang.as_deref(), Some("fr-CA"));
        assert_eq!(
            meta.oembed_json(),
            Some("https://p.example/oembed?u=1&f=json")
        );
        assert!(!meta.meta.iter().any(|(_, c)| c == "fake"));
    }

    #[test]
    fn post_links_leave_out_mentions_hashtags_and_quote_fallbacks() {
        let html = r#"<p class="quote-inline">RE: <a href="https://q.example/@a/1">https://q.example/@a/1</a></p><p><span class="h-card"><a href="https://h.example/@a" class="u-url mention">@a</a></span> <a href="https://h.example/tags/t" class="mention hashtag" rel="tag">#t</a> <a href="https://news.example/story?a=1&amp;b=2#part" rel="nofollow noopener" target="_blank">story</a> <a href="javascript:alert(1)">x</a> <a href="https://news.example/story?a=1&amp;b=2">again</a> <a href="http://other.example/">o</a></p>"#;
        let links: Vec<String> = post_links(html).iter().map(|u| u.to_string()).collect();
        assert_eq!(
            links,
            [
                "https://news.example/story?a=1&b=2",
                "http://other.example/"
            ]
        );
        assert!(post_links("<p>no links</p>").is_empty());
    }

    #[test]
    fn finds_the_first_iframe_of_an_oembed_player() {
        let html = r#"<div><script src="https://evil.example/x.js"></script><iframe width="560" height=" 315 " src="https://player.example/embed/1?a=1&amp;b=2" onload="alert(1)"></iframe><iframe src="https://two.example/"></iframe></div>"#;
        assert_eq!(
            first_iframe(html),
            Some(Iframe {
                src: "https://player.example/embed/1?a=1&b=2".into(),
                width: Some(560),
                height: Some(315),
            })
        );
        assert_eq!(first_iframe("<p>none</p>"), None);
    }
}
