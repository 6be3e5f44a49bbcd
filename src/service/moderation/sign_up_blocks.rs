//! Who may not sign up, or reach the server at all: e-mail domains,
//! canonical e-mail addresses, and IP ranges. Admins manage them; sign-up
//! and every request consult them.
//! <https://docs.joinmastodon.org/methods/admin/email_domain_blocks/>,
//! <https://docs.joinmastodon.org/methods/admin/canonical_email_blocks/>,
//! <https://docs.joinmastodon.org/methods/admin/ip_blocks/>

use std::net::IpAddr;

use chrono::{Duration, Utc};
use sha2::{Digest, Sha256};

use super::log::{self, Target};
use crate::app::AppState;
use crate::error::{Error, Result, Validation};
use crate::model::{CanonicalEmailBlock, EmailDomainBlock, IpBlock, Role, User};

/// The canonical form of an address, as Mastodon computes it: lower-case,
/// the local part without dots and without a `+tag`.
pub fn canonical_email(email: &str) -> String {
    let email = email.trim().to_lowercase();
    match email.split_once('@') {
        Some((local, domain)) => {
            let local = local.split('+').next().unwrap_or("").replace('.', "");
            format!("{local}@{domain}")
        }
        None => email,
    }
}

/// SHA-256 (hex) of the canonical form of `email`.
pub fn canonical_email_hash(email: &str) -> String {
    Sha256::digest(canonical_email(email).as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The domain of an address and each of its parents.
fn domain_and_parents(email: &str) -> Vec<String> {
    let Some((_, domain)) = email.trim().rsplit_once('@') else {
        return Vec::new();
    };
    let domain = domain.trim_end_matches('.').to_lowercase();
    let labels: Vec<&str> = domain.split('.').collect();
    (0..labels.len()).map(|i| labels[i..].join(".")).collect()
}

/// What sign-up may do for `email` from `ip`: refused (an error), or
/// allowed, possibly only pending approval (`true`).
pub async fn check_sign_up(app: &AppState, email: &str, ip: IpAddr) -> Result<bool> {
    let mut requires_approval = false;
    let now = Utc::now();
    for b in app.store.ip_blocks().await?.iter() {
        if active(b, now) && contains(&b.ip, ip) {
            match b.severity.as_str() {
                "sign_up_requires_approval" => requires_approval = true,
                _ => {
                    return Err(Error::forbidden(
                        "Sign-ups from your address are not accepted",
                    ));
                }
            }
        }
    }
    let blocked_domain = app
        .store
        .email_domain_blocked(&domain_and_parents(email))
        .await?;
    let blocked_address = !app
        .store
        .canonical_email_blocks_matching(&canonical_email_hash(email))
        .await?
        .is_empty();
    if blocked_domain || blocked_address {
        let mut v = Validation::new();
        v.add("email", "ERR_BLOCKED", "uses a disallowed e-mail provider");
        v.finish()?;
    }
    Ok(requires_approval)
}

/// Whether `ip` may reach the server at all (no `no_access` block). Asked
/// on every request: reads the cached list, allocates nothing.
pub async fn may_access(app: &AppState, ip: IpAddr) -> Result<bool> {
    let blocks = app.store.ip_blocks().await?;
    if blocks.is_empty() {
        return Ok(true);
    }
    let now = Utc::now();
    Ok(!blocks
        .iter()
        .any(|b| b.severity == "no_access" && active(b, now) && contains(&b.ip, ip)))
}

fn active(b: &IpBlock, now: chrono::DateTime<Utc>) -> bool {
    b.expires_at.is_none_or(|t| t > now)
}

fn contains(range: &str, ip: IpAddr) -> bool {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    range
        .parse::<ipnet::IpNet>()
        .is_ok_and(|net| net.contains(&ip))
}

/// A range as stored: `1.2.3.4` becomes `1.2.3.4/32`, host bits cleared.
fn normalize_range(v: &mut Validation, ip: &str) -> String {
    let ip = ip.trim();
    let parsed = ip
        .parse::<ipnet::IpNet>()
        .or_else(|_| ip.parse::<IpAddr>().map(ipnet::IpNet::from));
    match parsed {
        Ok(net) => net.trunc().to_string(),
        Err(_) => {
            v.add("ip", "ERR_INVALID", "is invalid");
            String::new()
        }
    }
}

fn check_domain(v: &mut Validation, domain: &str) -> String {
    let d = domain.trim().trim_end_matches('.').to_lowercase();
    if d.is_empty() || d.len() > 253 || d.contains(['/', ' ', '@', ':']) || !d.contains('.') {
        v.add("domain", "ERR_INVALID", "is invalid");
    }
    d
}

pub async fn email_domain_blocks(app: &AppState, actor: &User) -> Result<Vec<EmailDomainBlock>> {
    super::require(actor, Role::Admin)?;
    app.store.email_domain_blocks().await
}

pub async fn block_email_domain(
    app: &AppState,
    actor: &User,
    domain: &str,
) -> Result<EmailDomainBlock> {
    super::require(actor, Role::Admin)?;
    let mut v = Validation::new();
    let domain = check_domain(&mut v, domain);
    v.finish()?;
    let b = app
        .store
        .put_email_domain_block(&EmailDomainBlock {
            id: crate::id::new_id(),
            domain,
            created_at: Utc::now(),
        })
        .await?;
    log::record(
        app,
        actor,
        "block_email_domain",
        Target::Named(&b.domain),
        "",
    )
    .await?;
    Ok(b)
}

pub async fn unblock_email_domain(app: &AppState, actor: &User, id: i64) -> Result<()> {
    super::require(actor, Role::Admin)?;
    let b = app
        .store
        .delete_email_domain_block(id)
        .await?
        .ok_or_else(Error::not_found)?;
    log::record(
        app,
        actor,
        "unblock_email_domain",
        Target::Named(&b.domain),
        "",
    )
    .await
}

pub async fn canonical_email_blocks(
    app: &AppState,
    actor: &User,
) -> Result<Vec<CanonicalEmailBlock>> {
    super::require(actor, Role::Admin)?;
    app.store.canonical_email_blocks().await
}

/// The blocks `email` would hit.
pub async fn test_canonical_email(
    app: &AppState,
    actor: &User,
    email: &str,
) -> Result<Vec<CanonicalEmailBlock>> {
    super::require(actor, Role::Admin)?;
    app.store
        .canonical_email_blocks_matching(&canonical_email_hash(email))
        .await
}

/// Blocks an address (given as `email`, or already hashed).
pub async fn block_canonical_email(
    app: &AppState,
    actor: &User,
    email: Option<&str>,
    hash: Option<&str>,
) -> Result<CanonicalEmailBlock> {
    super::require(actor, Role::Admin)?;
    let hash = match (email.filter(|e| !e.trim().is_empty()), hash) {
        (Some(e), _) => canonical_email_hash(e),
        (None, Some(h)) if h.len() == 64 && h.chars().all(|c| c.is_ascii_hexdigit()) => {
            h.to_lowercase()
        }
        _ => {
            let mut v = Validation::new();
            v.add("canonical_email_hash", "ERR_INVALID", "is invalid");
            return Err(v.into_error());
        }
    };
    let b = app
        .store
        .put_canonical_email_block(&CanonicalEmailBlock {
            id: crate::id::new_id(),
            canonical_email_hash: hash,
            created_at: Utc::now(),
        })
        .await?;
    log::record(
        app,
        actor,
        "block_canonical_email",
        Target::Named(&b.canonical_email_hash),
        "",
    )
    .await?;
    Ok(b)
}

pub async fn unblock_canonical_email(app: &AppState, actor: &User, id: i64) -> Result<()> {
    super::require(actor, Role::Admin)?;
    if !app.store.delete_canonical_email_block(id).await? {
        return Err(Error::not_found());
    }
    log::record(
        app,
        actor,
        "unblock_canonical_email",
        Target::Named("an address"),
        "",
    )
    .await
}

pub async fn ip_blocks(app: &AppState, actor: &User) -> Result<Vec<IpBlock>> {
    super::require(actor, Role::Admin)?;
    Ok(app.store.ip_blocks().await?.to_vec())
}

/// An IP block as the API asks for it; absent fields keep their value on
/// update.
#[derive(Debug, Default, Clone)]
pub struct IpBlockDraft {
    pub ip: Option<String>,
    pub severity: Option<String>,
    pub comment: Option<String>,
    /// Seconds from now; `Some(None)`: never.
    pub expires_in: Option<Option<i64>>,
}

/// Creates (`id` None) or changes an IP block.
pub async fn put_ip_block(
    app: &AppState,
    actor: &User,
    id: Option<i64>,
    d: IpBlockDraft,
) -> Result<IpBlock> {
    super::require(actor, Role::Admin)?;
    let mut block = match id {
        Some(id) => app
            .store
            .ip_blocks()
            .await?
            .iter()
            .find(|b| b.id == id)
            .cloned()
            .ok_or_else(Error::not_found)?,
        None => IpBlock {
            id: crate::id::new_id(),
            ip: String::new(),
            severity: String::new(),
            comment: String::new(),
            created_at: Utc::now(),
            expires_at: None,
        },
    };
    let mut v = Validation::new();
    if let Some(ip) = d.ip {
        block.ip = normalize_range(&mut v, &ip);
    } else if id.is_none() {
        v.add("ip", "ERR_BLANK", "can't be blank");
    }
    if let Some(s) = d.severity {
        block.severity = s;
    }
    if !matches!(
        block.severity.as_str(),
        "sign_up_requires_approval" | "sign_up_block" | "no_access"
    ) {
        v.add("severity", "ERR_INCLUSION", "is not included in the list");
    }
    if let Some(c) = d.comment {
        if c.chars().count() > 1000 {
            v.add(
                "comment",
                "ERR_TOO_LONG",
                "is too long (maximum is 1000 characters)",
            );
        }
        block.comment = c;
    }
    if let Some(expires_in) = d.expires_in {
        block.expires_at = match expires_in {
            Some(s) if s > 0 && s <= 10 * 365 * 86_400 => Some(Utc::now() + Duration::seconds(s)),
            Some(_) => {
                v.add("expires_in", "ERR_INVALID", "is invalid");
                None
            }
            None => None,
        };
    }
    if !block.ip.is_empty()
        && app
            .store
            .ip_blocks()
            .await?
            .iter()
            .any(|b| b.ip == block.ip && b.id != block.id)
    {
        v.add("ip", "ERR_TAKEN", "has already been taken");
    }
    v.finish()?;
    app.store.put_ip_block(&block).await?;
    let verb = if id.is_some() {
        "update_ip_block"
    } else {
        "create_ip_block"
    };
    log::record(app, actor, verb, Target::Named(&block.ip), &block.comment).await?;
    Ok(block)
}

pub async fn delete_ip_block(app: &AppState, actor: &User, id: i64) -> Result<()> {
    super::require(actor, Role::Admin)?;
    if !app.store.delete_ip_block(id).await? {
        return Err(Error::not_found());
    }
    log::record(
        app,
        actor,
        "delete_ip_block",
        Target::Named("an IP block"),
        "",
    )
    .await
}

/// Lifts the block on `range` (the command line's way back in for an admin
/// locked out by a `no_access` block); the range as stored.
pub async fn delete_ip_block_by_range(app: &AppState, range: &str) -> Result<String> {
    let mut v = Validation::new();
    let range = normalize_range(&mut v, range);
    v.finish()?;
    let block = app
        .store
        .ip_blocks()
        .await?
        .iter()
        .find(|b| b.ip == range)
        .cloned()
        .ok_or_else(|| Error::unprocessable(format!("no IP block on {range}")))?;
    app.store.delete_ip_block(block.id).await?;
    Ok(range)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_addresses_fold_dots_tags_and_case() {
        assert_eq!(
            canonical_email("John.Doe+spam@Example.ORG"),
            "johndoe@example.org"
        );
        assert_eq!(
            canonical_email_hash("j.o.h.n.doe@example.org"),
            canonical_email_hash("johndoe+x@EXAMPLE.org")
        );
        assert_ne!(
            canonical_email_hash("johndoe@example.org"),
            canonical_email_hash("johndoe@example.net")
        );
    }

    #[test]
    fn ranges_match_their_addresses() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(contains("10.0.0.0/8", ip("10.1.2.3")));
        assert!(!contains("10.0.0.0/8", ip("11.1.2.3")));
        assert!(contains("192.0.2.7/32", ip("::ffff:192.0.2.7")));
        assert!(contains("2001:db8::/32", ip("2001:db8::1")));
        let mut v = Validation::new();
        assert_eq!(normalize_range(&mut v, "10.1.2.3/8"), "10.0.0.0/8");
        assert_eq!(normalize_range(&mut v, "192.0.2.7"), "192.0.2.7/32");
        assert!(v.is_empty());
        normalize_range(&mut v, "not an ip");
        assert!(!v.is_empty());
    }

    #[test]
    fn subdomains_of_a_blocked_domain_are_blocked() {
        assert_eq!(
            domain_and_parents("a@mail.spam.example"),
            ["mail.spam.example", "spam.example", "example"]
        );
    }
}
