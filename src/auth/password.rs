//! Password hashing: argon2id for everything roost writes; bcrypt accepted on
//! verification so accounts imported from a Mastodon database can sign in, and
//! rehashed to argon2id on their next successful sign-in.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::{Error, Result};

/// OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane.
fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes `password` with argon2id and a fresh salt (PHC string format).
pub fn hash(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::internal(format!("argon2: {e}")))
}

/// The outcome of checking a password against a stored hash.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Wrong,
    Right,
    /// Right, and the stored hash should be replaced by this argon2id hash.
    RightRehash(String),
}

/// Checks `password` against `stored` (argon2 PHC string or bcrypt `$2a$`/`$2b$`/`$2y$`).
pub fn verify(password: &str, stored: &str) -> Verdict {
    if stored.starts_with("$2a$") || stored.starts_with("$2b$") || stored.starts_with("$2y$") {
        return match bcrypt::verify(password, stored) {
            Ok(true) => match hash(password) {
                Ok(new) => Verdict::RightRehash(new),
                Err(_) => Verdict::Right,
            },
            _ => Verdict::Wrong,
        };
    }
    let Ok(parsed) = PasswordHash::new(stored) else {
        return Verdict::Wrong;
    };
    if hasher()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
    {
        Verdict::Right
    } else {
        Verdict::Wrong
    }
}

/// Spends about as long as a real verification, so a sign-in for an unknown
/// account takes as long as one with a wrong password.
pub fn verify_dummy(password: &str) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let stored = DUMMY.get_or_init(|| hash("dummy password for timing").unwrap_or_default());
    let _ = verify(password, stored);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argon2id_roundtrip() {
        let h = hash("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert_eq!(verify("correct horse", &h), Verdict::Right);
        assert_eq!(verify("wrong horse", &h), Verdict::Wrong);
    }

    #[test]
    fn bcrypt_from_mastodon_is_accepted_and_rehashed() {
        let stored = bcrypt::hash("hunter22hunter", 4).unwrap();
        match verify("hunter22hunter", &stored) {
            Verdict::RightRehash(new) => {
                assert!(new.starts_with("$argon2id$"));
                assert_eq!(verify("hunter22hunter", &new), Verdict::Right);
            }
            other => panic!("expected a rehash, got {other:?}"),
        }
        assert_eq!(verify("nope", &stored), Verdict::Wrong);
    }

    #[test]
    fn garbage_hash_is_wrong_not_a_panic() {
        assert_eq!(verify("x", "not a hash"), Verdict::Wrong);
    }
}
