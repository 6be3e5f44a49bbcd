//! Custom emoji: images named by a `:shortcode:` in posts.

use chrono::{DateTime, Utc};

use super::row::db_row;

db_row! {
    /// A custom emoji: this server's own (`domain` empty) or another
    /// server's, met in its posts.
    /// <https://docs.joinmastodon.org/entities/CustomEmoji/>
    #[derive(Debug, Clone)]
    pub struct CustomEmoji {
        pub id: i64,
        pub shortcode: String,
        /// Empty for this server's own.
        pub domain: String,
        /// The remote `Emoji` object's id.
        pub uri: Option<String>,
        pub image_remote_url: Option<String>,
        /// The stored image: a local emoji's file, or a remote one's copy.
        pub image_key: Option<String>,
        pub content_type: String,
        pub category: Option<String>,
        pub visible_in_picker: bool,
        pub disabled: bool,
        pub created_at: DateTime<Utc>,
        pub updated_at: DateTime<Utc>,
    }
}

impl CustomEmoji {
    pub fn is_local(&self) -> bool {
        self.domain.is_empty()
    }
}

/// The shortcodes written as `:shortcode:` in `text` (letters, digits and
/// `_`, at least two), each once, in order of first use. As in Mastodon, the
/// colons must not touch a letter, digit or another colon on the outside
/// (`12:30:00` names nothing).
pub fn shortcodes_in(text: &str) -> Vec<String> {
    let outside_ok = |c: Option<char>| c.is_none_or(|c| !(c.is_alphanumeric() || c == ':'));
    let mut out: Vec<String> = Vec::new();
    let mut from = 0;
    while let Some(found) = text[from..].find(':') {
        let start = from + found;
        let after = &text[start + 1..];
        let len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        let closed = after[len..].starts_with(':');
        if len >= 2
            && closed
            && outside_ok(text[..start].chars().next_back())
            && outside_ok(after[len + 1..].chars().next())
        {
            let code = &after[..len];
            if !out.iter().any(|c| c == code) {
                out.push(code.to_string());
            }
            from = start + 1 + len + 1;
        } else {
            from = start + 1;
        }
    }
    out
}

/// Whether `code` may name a custom emoji (Mastodon's rule).
pub fn valid_shortcode(code: &str) -> bool {
    code.len() >= 2
        && code.len() <= 64
        && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortcodes_are_found_between_colons() {
        assert_eq!(
            shortcodes_in("hi :blobcat: and :blob_fox: :blobcat: at 12:30:00 :a: :x y: a:b_c:d"),
            vec!["blobcat", "blob_fox"]
        );
        assert_eq!(
            shortcodes_in("<p>:ablobcatrainbow:</p>"),
            vec!["ablobcatrainbow"]
        );
        assert!(shortcodes_in("no :emoji here").is_empty());
        // Touching colons name nothing, as in Mastodon.
        assert!(shortcodes_in(":one::two:").is_empty());
    }

    #[test]
    fn shortcodes_are_ascii_words() {
        assert!(valid_shortcode("blob_cat2"));
        assert!(!valid_shortcode("x"));
        assert!(!valid_shortcode("blob-cat"));
        assert!(!valid_shortcode("blöb"));
    }
}
