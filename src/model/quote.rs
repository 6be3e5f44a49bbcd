//! Quote posts: who may quote a post ([`QuotePolicy`]), and the record of
//! one post quoting another ([`Quote`]), as Mastodon 4.5 and FEP-044f
//! have them. <https://docs.joinmastodon.org/client/quotes/>,
//! <https://codeberg.org/fediverse/fep/src/branch/main/fep/044f/fep-044f.md>

use chrono::{DateTime, Utc};

use super::row::db_row;

/// Who may quote a post, as Mastodon stores it: the accounts approved
/// automatically in the high 16 bits, those approved by hand in the low 16.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QuotePolicy(pub i64);

impl QuotePolicy {
    /// The post's server named someone roost cannot place.
    pub const UNSUPPORTED: i64 = 1;
    /// Anyone.
    pub const PUBLIC: i64 = 2;
    /// The author's followers.
    pub const FOLLOWERS: i64 = 4;
    /// Accounts the author follows.
    pub const FOLLOWING: i64 = 8;

    /// A user's setting (`public`, `followers`, `nobody`) as a policy.
    pub fn from_setting(setting: &str) -> Option<QuotePolicy> {
        match setting {
            "public" => Some(QuotePolicy::automatic(Self::PUBLIC)),
            "followers" => Some(QuotePolicy::automatic(Self::FOLLOWERS)),
            "nobody" => Some(QuotePolicy(0)),
            _ => None,
        }
    }

    /// A policy approving `flags` automatically and nobody by hand.
    pub fn automatic(flags: i64) -> QuotePolicy {
        QuotePolicy((flags & 0xffff) << 16)
    }

    /// The flags approved automatically.
    pub fn auto_flags(self) -> i64 {
        (self.0 >> 16) & 0xffff
    }

    /// The flags approved by hand.
    pub fn manual_flags(self) -> i64 {
        self.0 & 0xffff
    }

    /// Mastodon's names of `flags` (QuoteApproval's `automatic`/`manual`).
    pub fn names(flags: i64) -> Vec<&'static str> {
        [
            (Self::PUBLIC, "public"),
            (Self::FOLLOWERS, "followers"),
            (Self::FOLLOWING, "following"),
            (Self::UNSUPPORTED, "unsupported_policy"),
        ]
        .into_iter()
        .filter(|(f, _)| flags & f != 0)
        .map(|(_, n)| n)
        .collect()
    }

    /// The user setting this policy reads as (`Account.source.quote_policy`).
    pub fn setting(self) -> &'static str {
        let auto = self.auto_flags();
        if auto & Self::PUBLIC != 0 {
            "public"
        } else if auto & Self::FOLLOWERS != 0 {
            "followers"
        } else {
            "nobody"
        }
    }
}

/// How a viewer stands with a post's author, for [`current_user`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Standing {
    /// The viewer wrote the post.
    pub is_author: bool,
    /// The viewer follows the author.
    pub follows_author: bool,
    /// The author follows the viewer.
    pub followed_by_author: bool,
}

/// QuoteApproval's `current_user`: whether the viewer may quote a post of
/// `visibility` (`public`, `unlisted`, …) under `policy` (`automatic`,
/// `manual`, `unknown` or `denied`), in Mastodon's order of checks.
pub fn current_user(
    policy: QuotePolicy,
    visibility: &str,
    is_boost: bool,
    viewer: Option<Standing>,
) -> &'static str {
    let Some(v) = viewer else {
        return "denied";
    };
    if visibility == "direct" || is_boost {
        return "denied";
    }
    if v.is_author {
        return "automatic";
    }
    if !matches!(visibility, "public" | "unlisted") {
        return "denied";
    }
    let matches = |flags: i64| {
        flags & QuotePolicy::PUBLIC != 0
            || (flags & QuotePolicy::FOLLOWERS != 0 && v.follows_author)
            || (flags & QuotePolicy::FOLLOWING != 0 && v.followed_by_author)
    };
    if matches(policy.auto_flags()) {
        "automatic"
    } else if matches(policy.manual_flags()) {
        "manual"
    } else if (policy.auto_flags() | policy.manual_flags()) & QuotePolicy::UNSUPPORTED != 0 {
        "unknown"
    } else {
        "denied"
    }
}

/// The stored states of a quote; the rest of Mastodon's states
/// (`deleted`, `unauthorized`, `blocked_account`, …) are worked out per
/// viewer from an accepted one.
pub mod state {
    pub const PENDING: &str = "pending";
    pub const ACCEPTED: &str = "accepted";
    pub const REJECTED: &str = "rejected";
    pub const REVOKED: &str = "revoked";
}

db_row! {
    /// One post quoting another.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Quote {
        pub id: i64,
        /// The quoting post.
        pub status_id: i64,
        /// Its author.
        pub account_id: i64,
        /// The quoted post's ActivityPub id.
        pub quoted_uri: String,
        /// The quoted post, once known (kept after it is deleted).
        pub quoted_status_id: Option<i64>,
        pub quoted_account_id: Option<i64>,
        /// One of [`state`].
        pub state: String,
        /// Quoted the old way (`_misskey_quote`, `quoteUrl`, `quoteUri`
        /// without FEP-044f's `quote`): shown only once accepted.
        pub legacy: bool,
        /// The QuoteRequest's id.
        pub activity_uri: Option<String>,
        /// The QuoteAuthorization (stamp) that accepted it.
        pub approval_uri: Option<String>,
        pub created_at: DateTime<Utc>,
        pub updated_at: DateTime<Utc>,
    }
}

impl Quote {
    pub fn is_accepted(&self) -> bool {
        self.state == state::ACCEPTED
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_round_trip_through_the_bitmap() {
        for s in ["public", "followers", "nobody"] {
            assert_eq!(
                QuotePolicy::from_setting(s).map(QuotePolicy::setting),
                Some(s)
            );
        }
        assert_eq!(QuotePolicy::from_setting("everyone"), None);
        let p = QuotePolicy::from_setting("public").unwrap_or_default();
        assert_eq!(QuotePolicy::names(p.auto_flags()), vec!["public"]);
        assert!(QuotePolicy::names(p.manual_flags()).is_empty());
    }

    #[test]
    fn current_user_follows_mastodons_order() {
        let public = QuotePolicy::from_setting("public").unwrap_or_default();
        let followers = QuotePolicy::from_setting("followers").unwrap_or_default();
        let nobody = QuotePolicy(0);
        let stranger = Standing::default();
        let follower = Standing {
            follows_author: true,
            ..Standing::default()
        };
        let author = Standing {
            is_author: true,
            ..Standing::default()
        };
        assert_eq!(current_user(public, "public", false, None), "denied");
        assert_eq!(
            current_user(public, "public", false, Some(stranger)),
            "automatic"
        );
        assert_eq!(
            current_user(public, "public", true, Some(stranger)),
            "denied"
        );
        assert_eq!(
            current_user(public, "direct", false, Some(author)),
            "denied"
        );
        assert_eq!(
            current_user(nobody, "private", false, Some(author)),
            "automatic"
        );
        assert_eq!(
            current_user(public, "private", false, Some(follower)),
            "denied"
        );
        assert_eq!(
            current_user(followers, "public", false, Some(stranger)),
            "denied"
        );
        assert_eq!(
            current_user(followers, "unlisted", false, Some(follower)),
            "automatic"
        );
        assert_eq!(
            current_user(
                QuotePolicy(QuotePolicy::UNSUPPORTED << 16),
                "public",
                false,
                Some(stranger)
            ),
            "unknown"
        );
    }
}
