//! Turning what people type into safe HTML.
//!
//! Nothing a user types becomes markup: text is escaped, then links are added.
//! Mentions and hashtags join here when statuses exist.

pub mod head;
pub mod language;
pub mod page;
pub mod sanitize;
pub mod status;

/// `s` when it is an absolute `http` or `https` URL with a host, the only
/// URLs a remote document may put where a link is rendered (a profile's or
/// post's `url`, an avatar, an attachment): anything else (`javascript:`,
/// `data:`, relative paths) is dropped where it is read and again where it
/// is rendered.
pub fn web_url(s: &str) -> Option<&str> {
    // What was checked is what is returned: `trim` drops Unicode spaces a
    // browser would keep in front of a scheme.
    let s = s.trim();
    let url = url::Url::parse(s).ok()?;
    (matches!(url.scheme(), "http" | "https") && url.host_str().is_some_and(|h| !h.is_empty()))
        .then_some(s)
}

/// Escapes the five HTML-special characters.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The text of sanitized HTML (a post, a bio), as a notification shows it:
/// line breaks kept, tags dropped, entities decoded.
pub fn html_to_text(html: &str) -> String {
    let spaced = html
        .replace("<br />", "\n")
        .replace("<br>", "\n")
        .replace("</p><p>", "\n\n");
    let bare = ammonia::Builder::empty().clean(&spaced).to_string();
    bare.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
        .trim()
        .to_string()
}

/// Renders plain text as Mastodon does for bios: paragraphs split on blank
/// lines, single newlines as `<br>`, http(s) URLs as links.
pub fn plain_to_html(text: &str) -> String {
    let text = text.replace("\r\n", "\n");
    let text = text.trim();
    if text.is_empty() {
        return String::new();
    }
    let mut out = String::new();
    for para in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
        out.push_str("<p>");
        let lines: Vec<String> = para.split('\n').map(linkify_line).collect();
        out.push_str(&lines.join("<br />"));
        out.push_str("</p>");
    }
    out
}

/// Escapes one line and wraps each http(s) URL in a link.
fn linkify_line(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(start) = find_url_start(rest) {
        out.push_str(&escape_html(&rest[..start]));
        let tail = &rest[start..];
        let mut end = tail
            .find(|c: char| c.is_whitespace() || c == '<' || c == '>' || c == '"')
            .unwrap_or(tail.len());
        // Trailing punctuation belongs to the sentence, not the URL.
        while end > 0 && tail[..end].ends_with(['.', ',', ':', ';', '!', '?', ')', '\'']) {
            end -= 1;
        }
        let url = &tail[..end];
        if url.len() <= "https://".len() {
            out.push_str(&escape_html(url));
        } else {
            let escaped = escape_html(url);
            let shown = url
                .trim_start_matches("https://")
                .trim_start_matches("http://");
            out.push_str(&format!(
                "<a href=\"{escaped}\" target=\"_blank\" rel=\"nofollow noopener noreferrer\">{}</a>",
                escape_html(shown)
            ));
        }
        rest = &tail[end..];
    }
    out.push_str(&escape_html(rest));
    out
}

fn find_url_start(s: &str) -> Option<usize> {
    let http = s.find("http://");
    let https = s.find("https://");
    let at = match (http, https) {
        (Some(a), Some(b)) => a.min(b),
        (a, b) => a.or(b)?,
    };
    // Only at a word boundary, so "xhttp://" stays text.
    if at > 0
        && s[..at]
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric)
    {
        let skip = at + 4;
        return find_url_start(&s[skip..]).map(|i| i + skip);
    }
    Some(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_and_https_urls_are_web_urls() {
        assert_eq!(
            web_url("https://a.example/@x"),
            Some("https://a.example/@x")
        );
        assert_eq!(
            web_url("http://a.example:8080/"),
            Some("http://a.example:8080/")
        );
        for bad in [
            "javascript:alert(1)",
            "JAVASCRIPT:alert(1)",
            " javascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:x",
            "/relative",
            "",
        ] {
            assert_eq!(web_url(bad), None, "{bad}");
        }
    }

    #[test]
    fn markup_is_escaped() {
        assert_eq!(
            plain_to_html("<script>alert(1)</script>"),
            "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"
        );
    }

    #[test]
    fn paragraphs_and_breaks() {
        assert_eq!(plain_to_html("a\nb\n\nc"), "<p>a<br />b</p><p>c</p>");
        assert_eq!(
            html_to_text("<p>a &amp; <b>b</b><br />c</p><p>&lt;d&gt;</p>"),
            "a & b\nc\n\n<d>"
        );
    }

    #[test]
    fn urls_become_links() {
        let html = plain_to_html("see https://example.org/a?b=1&c=2.");
        assert_eq!(
            html,
            "<p>see <a href=\"https://example.org/a?b=1&amp;c=2\" target=\"_blank\" rel=\"nofollow noopener noreferrer\">example.org/a?b=1&amp;c=2</a>.</p>"
        );
    }

    #[test]
    fn quotes_cannot_break_out_of_href() {
        let html = plain_to_html("https://x.example/\"onmouseover=alert(1)");
        assert!(!html.contains("\"onmouseover"), "{html}");
    }
}
