//! Full-text search of statuses: what a post puts in the index, and the
//! query language Mastodon's search box understands (words, "quoted
//! phrases", `-exclusions` and operators such as `from:`, `has:`, `is:`,
//! `language:`, `in:`, `before:`, `after:` and `during:`).
//! <https://docs.joinmastodon.org/user/network/#search>

use chrono::{DateTime, NaiveDate, Utc};

use super::Status;

/// Most words and phrases one query may hold; the rest are ignored.
pub const MAX_TERMS: usize = 16;

/// What a status puts in the search index.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchDocument {
    /// The words: content warning, then the text.
    pub body: String,
    /// It links somewhere (a link that is not a mention or a hashtag).
    pub has_link: bool,
    /// The PostgreSQL text-search configuration of its language
    /// (`simple` when unknown or not one PostgreSQL stems).
    pub config: &'static str,
}

/// The document of a status, or None for a boost (boosts are found
/// through their originals) or a post without words.
pub fn document(s: &Status) -> Option<SearchDocument> {
    if s.reblog_of_id.is_some() {
        return None;
    }
    let text = if s.local && !s.text.is_empty() {
        s.text.clone()
    } else {
        crate::text::html_to_text(&s.content)
    };
    let body = [s.spoiler_text.trim(), text.trim()]
        .iter()
        .filter(|t| !t.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join("\n");
    if body.is_empty() {
        return None;
    }
    Some(SearchDocument {
        body,
        has_link: has_link(&s.content),
        config: pg_config(s.language.as_deref()),
    })
}

/// Whether sanitized HTML holds a link other than a mention or hashtag.
fn has_link(html: &str) -> bool {
    !crate::text::page::post_links(html).is_empty()
}

/// The PostgreSQL text-search configuration that stems `language` (an
/// ISO 639-1 code), or `simple`.
pub fn pg_config(language: Option<&str>) -> &'static str {
    match language.unwrap_or("").to_ascii_lowercase().as_str() {
        "ar" => "arabic",
        "ca" => "catalan",
        "da" => "danish",
        "de" => "german",
        "el" => "greek",
        "en" => "english",
        "es" => "spanish",
        "eu" => "basque",
        "fi" => "finnish",
        "fr" => "french",
        "ga" => "irish",
        "hi" => "hindi",
        "hu" => "hungarian",
        "hy" => "armenian",
        "id" => "indonesian",
        "it" => "italian",
        "lt" => "lithuanian",
        "ne" => "nepali",
        "nl" => "dutch",
        "no" | "nb" | "nn" => "norwegian",
        "pt" => "portuguese",
        "ro" => "romanian",
        "ru" => "russian",
        "sr" => "serbian",
        "sv" => "swedish",
        "ta" => "tamil",
        "tr" => "turkish",
        "yi" => "yiddish",
        _ => "simple",
    }
}

/// What a `has:` operator asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Has {
    Media,
    Poll,
    Link,
    /// A video or audio attachment (roost has no embedded cards yet).
    Embed,
}

/// What an `is:` operator asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Is {
    Reply,
    Sensitive,
}

/// Where to look (`in:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scope {
    /// Public posts of accounts that let themselves be found, and the
    /// searcher's own and those they interacted with.
    #[default]
    All,
    /// Only the searcher's own and those they interacted with.
    Library,
    /// Only public posts of accounts that let themselves be found.
    Public,
}

/// A search query, parsed. Each condition may be negated (`-has:media`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatusQuery {
    /// Words and phrases that must all be there.
    pub terms: Vec<String>,
    /// Words and phrases that must not be there.
    pub excluded: Vec<String>,
    /// `from:` handles (`me`, `user`, `user@domain`), and whether negated.
    pub from: Vec<(String, bool)>,
    pub has: Vec<(Has, bool)>,
    pub is: Vec<(Is, bool)>,
    pub language: Vec<(String, bool)>,
    pub scope: Scope,
    /// Posted before (exclusive) and at or after.
    pub before: Option<DateTime<Utc>>,
    pub after: Option<DateTime<Utc>>,
}

impl StatusQuery {
    /// Whether it asks for anything at all.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
            && self.from.is_empty()
            && self.has.is_empty()
            && self.is.is_empty()
            && self.language.is_empty()
            && self.before.is_none()
            && self.after.is_none()
    }
}

/// Splits a query into words and "quoted phrases", each with whether it
/// was negated by a leading `-`.
fn tokens(q: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut chars = q.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let mut negated = false;
        if c == '-' {
            negated = true;
            chars.next();
        }
        let mut token = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            for c in chars.by_ref() {
                if c == '"' {
                    break;
                }
                token.push(c);
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                chars.next();
                if c == '"' {
                    // An operator's quoted value: `from:"x"`.
                    for c in chars.by_ref() {
                        if c == '"' {
                            break;
                        }
                        token.push(c);
                    }
                } else {
                    token.push(c);
                }
            }
        }
        let token = token.trim().to_string();
        if !token.is_empty() {
            out.push((token, negated));
        }
    }
    out
}

fn day(value: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d").ok()
}

fn start_of(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc())
        .unwrap_or_default()
}

/// Parses a search box's text. Unknown operators are searched as words,
/// as Mastodon does; a malformed date is ignored.
pub fn parse(q: &str) -> StatusQuery {
    let mut out = StatusQuery::default();
    for (token, negated) in tokens(q) {
        let operator = token
            .split_once(':')
            .map(|(k, v)| (k.to_ascii_lowercase(), v.to_string()))
            .filter(|(_, v)| !v.is_empty());
        let handled = match operator.as_ref().map(|(k, v)| (k.as_str(), v.as_str())) {
            Some(("from", v)) => {
                out.from
                    .push((v.trim_start_matches('@').to_string(), negated));
                true
            }
            Some(("has", v)) => {
                let has = match v.to_ascii_lowercase().as_str() {
                    "media" => Some(Has::Media),
                    "poll" => Some(Has::Poll),
                    "link" => Some(Has::Link),
                    "embed" => Some(Has::Embed),
                    _ => None,
                };
                has.map(|h| out.has.push((h, negated))).is_some()
            }
            Some(("is", v)) => {
                let is = match v.to_ascii_lowercase().as_str() {
                    "reply" => Some(Is::Reply),
                    "sensitive" => Some(Is::Sensitive),
                    _ => None,
                };
                is.map(|i| out.is.push((i, negated))).is_some()
            }
            Some(("language", v)) => {
                out.language.push((v.to_ascii_lowercase(), negated));
                true
            }
            Some(("in", v)) => {
                match v.to_ascii_lowercase().as_str() {
                    "library" => out.scope = Scope::Library,
                    "public" => out.scope = Scope::Public,
                    _ => out.scope = Scope::All,
                }
                true
            }
            Some(("before", v)) => {
                if let Some(d) = day(v) {
                    out.before = Some(start_of(d));
                }
                true
            }
            Some(("after", v)) => {
                if let Some(d) = day(v).and_then(|d| d.succ_opt()) {
                    out.after = Some(start_of(d));
                }
                true
            }
            Some(("during", v)) => {
                if let Some(d) = day(v) {
                    out.after = Some(start_of(d));
                    out.before = d.succ_opt().map(start_of);
                }
                true
            }
            _ => false,
        };
        if handled {
            continue;
        }
        let words = if negated {
            &mut out.excluded
        } else {
            &mut out.terms
        };
        if words.len() < MAX_TERMS {
            words.push(token);
        }
    }
    out
}

/// The words of a term as the index splits them (letters and digits).
pub fn words(term: &str) -> Vec<String> {
    term.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// An SQLite FTS5 MATCH expression for the terms: each one a quoted
/// phrase of its words, all required, the excluded ones NOT'ed. None when
/// nothing positive is asked (FTS5 cannot match "everything but").
pub fn fts5_match(q: &StatusQuery) -> Option<String> {
    let phrase = |t: &str| {
        let w = words(t);
        (!w.is_empty()).then(|| format!("\"{}\"", w.join(" ")))
    };
    let positive: Vec<String> = q.terms.iter().filter_map(|t| phrase(t)).collect();
    if positive.is_empty() {
        return None;
    }
    let mut expr = positive.join(" AND ");
    for t in q.excluded.iter().filter_map(|t| phrase(t)) {
        expr = format!("({expr}) NOT {t}");
    }
    Some(expr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operators_phrases_and_exclusions_are_read() {
        let q = parse(
            r#"birds "bird song" -cats from:@alice has:media -is:reply language:EN in:library during:2026-05-01 bogus:op"#,
        );
        assert_eq!(q.terms, vec!["birds", "bird song", "bogus:op"]);
        assert_eq!(q.excluded, vec!["cats"]);
        assert_eq!(q.from, vec![("alice".to_string(), false)]);
        assert_eq!(q.has, vec![(Has::Media, false)]);
        assert_eq!(q.is, vec![(Is::Reply, true)]);
        assert_eq!(q.language, vec![("en".to_string(), false)]);
        assert_eq!(q.scope, Scope::Library);
        assert_eq!(q.after.unwrap().to_rfc3339(), "2026-05-01T00:00:00+00:00");
        assert_eq!(q.before.unwrap().to_rfc3339(), "2026-05-02T00:00:00+00:00");
        // after: is exclusive of the day named, as Mastodon's is.
        let q = parse("after:2026-05-01 before:not-a-date");
        assert_eq!(q.after.unwrap().to_rfc3339(), "2026-05-02T00:00:00+00:00");
        assert!(q.before.is_none());
        assert!(parse("  ").is_empty());
    }

    #[test]
    fn fts5_expressions_quote_every_word() {
        let q = parse(r#"Bird's "song of" -"cat" -dog"#);
        assert_eq!(
            fts5_match(&q).unwrap(),
            r#"(("bird s" AND "song of") NOT "cat") NOT "dog""#
        );
        // Quotes and operators of FTS5 itself are only words here.
        let q = parse(r#"NEAR( a* OR "b"#);
        assert_eq!(
            fts5_match(&q).unwrap(),
            r#""near" AND "a" AND "or" AND "b""#
        );
        assert!(fts5_match(&parse("-only")).is_none());
    }

    #[test]
    fn links_are_told_from_mentions_and_hashtags() {
        assert!(has_link(
            r#"<p>see <a href="https://example.org/x" target="_blank">x</a></p>"#
        ));
        assert!(!has_link(
            r#"<p><span class="h-card"><a href="https://h/@a" class="u-url mention">@a</a></span> <a href="https://h/tags/t" class="mention hashtag" rel="tag">#t</a></p>"#
        ));
        assert_eq!(pg_config(Some("EN")), "english");
        assert_eq!(pg_config(Some("ja")), "simple");
        assert_eq!(pg_config(None), "simple");
    }
}
