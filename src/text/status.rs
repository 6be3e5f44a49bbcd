//! Plain text of a post → safe HTML, with links, @mentions and #hashtags found
//! and recorded. Nothing the user types becomes markup: every piece of text is
//! escaped, and the only tags are the ones made here.

use std::collections::HashMap;

use super::escape_html;

/// One piece of a post's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token<'a> {
    Text(&'a str),
    Url(&'a str),
    /// `@user` or `@user@domain`.
    Mention {
        username: &'a str,
        domain: Option<&'a str>,
        raw: &'a str,
    },
    /// `#tag`, without the `#`.
    Hashtag(&'a str),
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn url_len(s: &str) -> Option<usize> {
    if !(s.starts_with("https://") || s.starts_with("http://")) {
        return None;
    }
    let mut end = s
        .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"'))
        .unwrap_or(s.len());
    while end > 0 && s[..end].ends_with(['.', ',', ':', ';', '!', '?', '\'', ')']) {
        // Keep a closing parenthesis that closes one opened inside the URL.
        if s[..end].ends_with(')') && s[..end].matches('(').count() >= s[..end].matches(')').count()
        {
            break;
        }
        end -= 1;
    }
    (end > "https://".len()).then_some(end)
}

/// `@user[@domain]` at the start of `s` (which begins with '@'): its length and parts.
fn mention_at(s: &str) -> Option<(usize, &str, Option<&str>)> {
    let rest = &s[1..];
    let user_len = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-'))
        .unwrap_or(rest.len());
    let user = rest[..user_len].trim_end_matches(['.', '-']);
    if user.is_empty() || !user.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    let after = &rest[user.len()..];
    if let Some(dom) = after.strip_prefix('@') {
        let dom_len = dom
            .find(|c: char| !(c.is_alphanumeric() || c == '.' || c == '-' || c == ':'))
            .unwrap_or(dom.len());
        let domain = dom[..dom_len].trim_end_matches(['.', '-', ':']);
        if domain.contains('.') || domain.contains(':') || domain == "localhost" {
            return Some((1 + user.len() + 1 + domain.len(), user, Some(domain)));
        }
    }
    Some((1 + user.len(), user, None))
}

/// `#tag` at the start of `s`: the tag's length in bytes, without the `#`.
fn hashtag_at(s: &str) -> Option<usize> {
    let rest = &s[1..];
    let len = rest
        .find(|c: char| !(is_word(c) || c == '·'))
        .unwrap_or(rest.len());
    let tag = &rest[..len];
    // Mastodon requires a letter somewhere, so "#1" is not a tag.
    (tag.chars().any(char::is_alphabetic) && tag.chars().count() <= 100).then_some(len)
}

/// Splits `text` into tokens.
pub fn tokenize(text: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut plain_start = 0;
    let mut i = 0;
    let bytes = text.as_bytes();
    while i < text.len() {
        let prev = text[..i].chars().next_back();
        let boundary = prev.is_none_or(|c| !is_word(c) && c != '/' && c != '@' && c != '#');
        let rest = &text[i..];
        let found: Option<(usize, Token<'_>)> = match bytes[i] {
            b'h' if prev.is_none_or(|c| !c.is_alphanumeric()) => {
                url_len(rest).map(|n| (n, Token::Url(&rest[..n])))
            }
            b'@' if boundary => mention_at(rest).map(|(n, username, domain)| {
                (
                    n,
                    Token::Mention {
                        username,
                        domain,
                        raw: &rest[..n],
                    },
                )
            }),
            b'#' if boundary && prev != Some(')') => {
                hashtag_at(rest).map(|n| (n + 1, Token::Hashtag(&rest[1..n + 1])))
            }
            _ => None,
        };
        match found {
            Some((n, token)) => {
                if plain_start < i {
                    out.push(Token::Text(&text[plain_start..i]));
                }
                out.push(token);
                i += n;
                plain_start = i;
            }
            None => i += rest.chars().next().map_or(1, char::len_utf8),
        }
    }
    if plain_start < text.len() {
        out.push(Token::Text(&text[plain_start..]));
    }
    out
}

/// A mention that resolved to a known account.
#[derive(Debug, Clone)]
pub struct ResolvedMention {
    pub account_id: i64,
    /// Profile page the link points to.
    pub url: String,
    /// What the link shows after the `@`: the username.
    pub username: String,
}

/// The rendered post and what it refers to.
#[derive(Debug, Default)]
pub struct Rendered {
    pub html: String,
    /// Account ids mentioned, in order of first appearance, without repeats.
    pub mentions: Vec<i64>,
    /// Lower-cased hashtag names, in order, without repeats.
    pub tags: Vec<String>,
}

/// The `(username, domain)` pairs a text mentions, for resolving before [`render`].
pub fn mentioned(text: &str) -> Vec<(String, Option<String>)> {
    let mut out: Vec<(String, Option<String>)> = Vec::new();
    for t in tokenize(text) {
        if let Token::Mention {
            username, domain, ..
        } = t
        {
            let key = (username.to_lowercase(), domain.map(str::to_lowercase));
            if !out.contains(&key) {
                out.push(key);
            }
        }
    }
    out
}

/// Renders `text` as Mastodon does: `<p>` paragraphs, `<br />` line breaks,
/// linked URLs, mentions linked when `resolved` knows them (keyed by lower-cased
/// `(username, domain)`), hashtags linked to `tag_base/NAME`.
pub fn render(
    text: &str,
    resolved: &HashMap<(String, Option<String>), ResolvedMention>,
    tag_base: &str,
) -> Rendered {
    let text = text.replace("\r\n", "\n");
    let mut out = Rendered::default();
    let mut html = String::new();
    for para in text
        .trim()
        .split("\n\n")
        .map(|p| p.trim_matches('\n'))
        .filter(|p| !p.trim().is_empty())
    {
        html.push_str("<p>");
        for token in tokenize(para) {
            match token {
                Token::Text(t) => html.push_str(&escape_html(t).replace('\n', "<br />")),
                Token::Url(u) => {
                    let shown = u
                        .trim_start_matches("https://")
                        .trim_start_matches("http://");
                    html.push_str(&format!(
                        "<a href=\"{}\" target=\"_blank\" rel=\"nofollow noopener noreferrer\" translate=\"no\">{}</a>",
                        escape_html(u),
                        escape_html(shown)
                    ));
                }
                Token::Mention {
                    username,
                    domain,
                    raw,
                } => {
                    let key = (username.to_lowercase(), domain.map(str::to_lowercase));
                    match resolved.get(&key) {
                        Some(m) => {
                            if !out.mentions.contains(&m.account_id) {
                                out.mentions.push(m.account_id);
                            }
                            html.push_str(&format!(
                                "<span class=\"h-card\" translate=\"no\"><a href=\"{}\" class=\"u-url mention\">@<span>{}</span></a></span>",
                                escape_html(&m.url),
                                escape_html(&m.username)
                            ));
                        }
                        None => html.push_str(&escape_html(raw)),
                    }
                }
                Token::Hashtag(tag) => {
                    let lower = tag.to_lowercase();
                    if !out.tags.contains(&lower) {
                        out.tags.push(lower.clone());
                    }
                    html.push_str(&format!(
                        "<a href=\"{}/{}\" class=\"mention hashtag\" rel=\"tag\">#<span>{}</span></a>",
                        escape_html(tag_base),
                        escape_html(&url::form_urlencoded::byte_serialize(lower.as_bytes()).collect::<String>()),
                        escape_html(tag)
                    ));
                }
            }
        }
        html.push_str("</p>");
    }
    out.html = html;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alice() -> HashMap<(String, Option<String>), ResolvedMention> {
        let mut m = HashMap::new();
        m.insert(
            ("alice".to_string(), None),
            ResolvedMention {
                account_id: 7,
                url: "https://r.example/@alice".into(),
                username: "alice".into(),
            },
        );
        m
    }

    #[test]
    fn tokens() {
        let t = tokenize("hi @alice and @bob@b.example, see https://x.example/a. #Rust #1 a#b x@y");
        assert!(t.contains(&Token::Mention {
            username: "alice",
            domain: None,
            raw: "@alice"
        }));
        assert!(t.contains(&Token::Mention {
            username: "bob",
            domain: Some("b.example"),
            raw: "@bob@b.example"
        }));
        assert!(t.contains(&Token::Url("https://x.example/a")));
        assert!(t.contains(&Token::Hashtag("Rust")));
        assert!(!t.contains(&Token::Hashtag("1")));
        assert!(!t.contains(&Token::Hashtag("b")));
        assert!(
            !t.iter()
                .any(|x| matches!(x, Token::Mention { username: "y", .. }))
        );
    }

    #[test]
    fn renders_mentions_tags_links_and_escapes() {
        let r = render(
            "<b>hi</b> @alice @ghost #Rust\nnext line",
            &alice(),
            "https://r.example/tags",
        );
        assert_eq!(r.mentions, vec![7]);
        assert_eq!(r.tags, vec!["rust".to_string()]);
        assert!(
            r.html
                .starts_with("<p>&lt;b&gt;hi&lt;/b&gt; <span class=\"h-card\""),
            "{}",
            r.html
        );
        assert!(r.html.contains("@ghost"));
        assert!(r.html.contains("href=\"https://r.example/tags/rust\""));
        assert!(r.html.contains("<br />next line</p>"));
    }

    #[test]
    fn unicode_hashtags() {
        let r = render("#café #日本語", &HashMap::new(), "https://r.example/tags");
        assert_eq!(r.tags, vec!["café".to_string(), "日本語".to_string()]);
    }

    #[test]
    fn url_with_parentheses() {
        let t = tokenize("(see https://en.wikipedia.org/wiki/Rust_(language))");
        assert!(
            t.contains(&Token::Url("https://en.wikipedia.org/wiki/Rust_(language)")),
            "{t:?}"
        );
    }
}
