//! OAuth scopes as Mastodon defines them, held as a bit set.
//!
//! A top-level scope (`read`, `write`, `admin:read`, `admin:write`) grants all of
//! its granular children; the deprecated `follow` grants the follow, block and
//! mute scopes. <https://docs.joinmastodon.org/api/oauth-scopes/>

/// Every scope roost knows, in bit order.
const NAMES: &[&str] = &[
    "read",
    "read:accounts",
    "read:blocks",
    "read:bookmarks",
    "read:favourites",
    "read:filters",
    "read:follows",
    "read:lists",
    "read:mutes",
    "read:notifications",
    "read:search",
    "read:statuses",
    "write",
    "write:accounts",
    "write:blocks",
    "write:bookmarks",
    "write:conversations",
    "write:favourites",
    "write:filters",
    "write:follows",
    "write:lists",
    "write:media",
    "write:mutes",
    "write:notifications",
    "write:reports",
    "write:statuses",
    "follow",
    "push",
    "profile",
    "admin:read",
    "admin:read:accounts",
    "admin:read:reports",
    "admin:read:domain_allows",
    "admin:read:domain_blocks",
    "admin:read:ip_blocks",
    "admin:read:email_domain_blocks",
    "admin:read:canonical_email_blocks",
    "admin:write",
    "admin:write:accounts",
    "admin:write:reports",
    "admin:write:domain_allows",
    "admin:write:domain_blocks",
    "admin:write:ip_blocks",
    "admin:write:email_domain_blocks",
    "admin:write:canonical_email_blocks",
    "read:collections",
    "write:collections",
];

fn bit(name: &str) -> Option<u64> {
    NAMES.iter().position(|n| *n == name).map(|i| 1u64 << i)
}

/// The bits `name` grants: itself and, for a parent scope, its children.
fn grants(name: &str) -> Option<u64> {
    let own = bit(name)?;
    let children = |prefix: &str| {
        NAMES
            .iter()
            .enumerate()
            .filter(|(_, n)| {
                n.starts_with(prefix) && n.len() > prefix.len() && !n[prefix.len()..].contains(':')
            })
            .fold(0u64, |acc, (i, _)| acc | (1u64 << i))
    };
    let extra = match name {
        "read" => children("read:"),
        "write" => children("write:"),
        "admin:read" => children("admin:read:"),
        "admin:write" => children("admin:write:"),
        "follow" => [
            "read:follows",
            "write:follows",
            "read:blocks",
            "write:blocks",
            "read:mutes",
            "write:mutes",
        ]
        .iter()
        .filter_map(|n| bit(n))
        .fold(0, |a, b| a | b),
        _ => 0,
    };
    Some(own | extra)
}

/// A set of granted scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Scopes {
    granted: u64,
    /// The scopes as named, without expansion (for `scope` in responses).
    named: u64,
}

impl Scopes {
    /// Parses a space-separated list; `Err` names the first unknown scope.
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut out = Scopes::default();
        for name in s.split([' ', '+', ',']).filter(|n| !n.is_empty()) {
            let granted = grants(name).ok_or_else(|| name.to_string())?;
            out.granted |= granted;
            out.named |= bit(name).unwrap_or(0);
        }
        Ok(out)
    }

    /// Parses what was stored earlier; unknown names are dropped.
    pub fn parse_lenient(s: &str) -> Self {
        let mut out = Scopes::default();
        for name in s.split(' ').filter(|n| !n.is_empty()) {
            if let Some(granted) = grants(name) {
                out.granted |= granted;
                out.named |= bit(name).unwrap_or(0);
            }
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.named == 0
    }

    /// True when any scope of `required` (a mask from [`mask`]) is granted.
    pub fn allows(&self, required: u64) -> bool {
        self.granted & required != 0
    }

    /// True when everything `other` names is granted by `self`.
    pub fn covers(&self, other: &Scopes) -> bool {
        other.named & !self.granted == 0
    }

    /// The named scopes, space-separated, in canonical order.
    pub fn to_scope_string(&self) -> String {
        NAMES
            .iter()
            .enumerate()
            .filter(|(i, _)| self.named & (1u64 << i) != 0)
            .map(|(_, n)| *n)
            .collect::<Vec<_>>()
            .join(" ")
    }

    pub fn names(&self) -> Vec<&'static str> {
        NAMES
            .iter()
            .enumerate()
            .filter(|(i, _)| self.named & (1u64 << i) != 0)
            .map(|(_, n)| *n)
            .collect()
    }
}

/// The mask for one scope name; panics at compile time in const contexts if
/// misspelt (used by the `Scope` markers of the HTTP layer).
pub const fn mask(name: &str) -> u64 {
    let mut i = 0;
    while i < NAMES.len() {
        if const_eq(NAMES[i], name) {
            return 1u64 << i;
        }
        i += 1;
    }
    panic!("unknown scope name")
}

const fn const_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Every scope name, for the OAuth metadata document.
pub fn all_names() -> &'static [&'static str] {
    NAMES
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parent_grants_children() {
        let s = Scopes::parse("read write:statuses").unwrap();
        assert!(s.allows(mask("read:accounts")));
        assert!(s.allows(mask("write:statuses")));
        assert!(!s.allows(mask("write:accounts")));
        assert!(!s.allows(mask("admin:read:accounts")));
        assert_eq!(s.to_scope_string(), "read write:statuses");
    }

    #[test]
    fn follow_grants_relationship_scopes() {
        let s = Scopes::parse("follow").unwrap();
        assert!(s.allows(mask("write:blocks")));
        assert!(!s.allows(mask("write:statuses")));
    }

    #[test]
    fn admin_read_does_not_grant_read() {
        let s = Scopes::parse("admin:read").unwrap();
        assert!(s.allows(mask("admin:read:reports")));
        assert!(!s.allows(mask("read:accounts")));
    }

    #[test]
    fn unknown_scope_is_named() {
        assert_eq!(Scopes::parse("read bogus"), Err("bogus".to_string()));
    }

    #[test]
    fn covers_checks_subset() {
        let app = Scopes::parse("read write").unwrap();
        assert!(app.covers(&Scopes::parse("read:accounts write").unwrap()));
        assert!(!app.covers(&Scopes::parse("follow").unwrap()));
    }
}
