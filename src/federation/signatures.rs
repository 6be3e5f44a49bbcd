//! HTTP signatures as the fediverse uses them: signing roost's outgoing
//! requests, and parsing and verifying the `Signature` and `Digest` headers
//! of incoming ones.
//!
//! This module owns the keys' parsed forms ([`PrivateKey`], [`PublicKey`]),
//! the signing string, the Mastodon-compatible acceptance rules (algorithm,
//! required headers, time window, query fallback) and the body digest. It does
//! no I/O: finding the key behind a keyId, caching it and refreshing it after a
//! key rotation belong to the callers (see [`key_owner_hint`]).
//!
//! - draft-cavage-http-signatures-12:
//!   <https://datatracker.ietf.org/doc/html/draft-cavage-http-signatures-12>
//! - Mastodon's rules: <https://docs.joinmastodon.org/spec/security/>
//!
//! roost signs exactly what Mastodon signs: `algorithm="rsa-sha256"` over
//! `(request-target) host date digest content-type` for a POST and
//! `(request-target) host date accept` for a GET, RSASSA-PKCS1-v1_5 with
//! SHA-256. Both `rsa-sha256` and `hs2019` are verified as RSA-SHA256.

use std::fmt;

use base64::Engine as _;
use base64::alphabet;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use chrono::{DateTime, Utc};
use http::header::{ACCEPT, CONTENT_TYPE, DATE, HOST};
use http::{HeaderMap, HeaderValue, Method};
use ring::rand::SystemRandom;
use ring::signature::{self as ring_sig, RsaKeyPair, RsaPublicKeyComponents};
use rsa::pkcs1::der::Decode as _;
use sha2::{Digest as _, Sha256};
use url::Url;

/// The longest `Signature` header [`parse_signature`] reads.
pub const MAX_SIGNATURE_HEADER: usize = 8 * 1024;
/// How far clocks may disagree, in seconds (Mastodon's `CLOCK_SKEW_MARGIN`).
const CLOCK_SKEW: i64 = 60 * 60;
/// How long a signature lives when it signs no `(expires)`, in seconds.
const DEFAULT_LIFETIME: i64 = 5 * 60;
/// The longest life a signature may claim, in seconds (Mastodon's
/// `EXPIRATION_WINDOW_LIMIT`).
const MAX_LIFETIME: i64 = 12 * 60 * 60;
/// Base64 that accepts values with or without `=` padding.
const LENIENT_BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Why a key could not be used or a request's signature was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SigError {
    /// A required part is absent: `keyId`, `signature`, or a SHA-256 `Digest`.
    Missing,
    /// A header or parameter could not be read.
    Malformed(&'static str),
    /// `algorithm` is neither `rsa-sha256` nor `hs2019`.
    UnsupportedAlgorithm,
    /// The signature does not cover a header roost requires to be signed.
    HeaderNotSigned(&'static str),
    /// The signature covers a header the request does not carry.
    HeaderAbsent(String),
    /// The body does not match its `Digest`.
    DigestMismatch,
    /// The signature is too old.
    Expired,
    /// The signature claims to be made more than an hour from now.
    FromFuture,
    /// The signature does not verify with the key.
    BadSignature,
    /// The key cannot be read or used.
    BadKey,
}

impl fmt::Display for SigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing => f.write_str("a required signature part is missing"),
            Self::Malformed(what) => write!(f, "malformed signature: {what}"),
            Self::UnsupportedAlgorithm => f.write_str("unsupported signature algorithm"),
            Self::HeaderNotSigned(name) => write!(f, "the signature must cover {name}"),
            Self::HeaderAbsent(name) => write!(f, "the signed header {name} is absent"),
            Self::DigestMismatch => f.write_str("the body does not match its Digest"),
            Self::Expired => f.write_str("the signature has expired"),
            Self::FromFuture => f.write_str("the signature is dated in the future"),
            Self::BadSignature => f.write_str("the signature does not verify"),
            Self::BadKey => f.write_str("unusable RSA key"),
        }
    }
}

impl std::error::Error for SigError {}

/// An RSA private key that signs with RSASSA-PKCS1-v1_5 and SHA-256.
pub struct PrivateKey {
    pair: RsaKeyPair,
    rng: SystemRandom,
}

impl PrivateKey {
    /// Reads a PKCS#8 (`BEGIN PRIVATE KEY`, what roost stores) or PKCS#1
    /// (`BEGIN RSA PRIVATE KEY`) PEM. ring takes 2048- to 4096-bit keys.
    pub fn from_pem(pem: &str) -> Result<Self, SigError> {
        let (label, der) = pem_der(pem)?;
        let pair = if label == "RSA PRIVATE KEY" {
            RsaKeyPair::from_der(&der)
        } else {
            RsaKeyPair::from_pkcs8(&der)
        }
        .map_err(|_| SigError::BadKey)?;
        Ok(Self {
            pair,
            rng: SystemRandom::new(),
        })
    }

    /// Signs `msg` (RSA_PKCS1_SHA256).
    pub fn sign_bytes(&self, msg: &[u8]) -> Result<Vec<u8>, SigError> {
        let mut sig = vec![0; self.pair.public().modulus_len()];
        self.pair
            .sign(&ring_sig::RSA_PKCS1_SHA256, &self.rng, msg, &mut sig)
            .map_err(|_| SigError::BadKey)?;
        Ok(sig)
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        let c: RsaPublicKeyComponents<Vec<u8>> = self.pair.public().into();
        PublicKey { n: c.n, e: c.e }
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PrivateKey { .. }")
    }
}

/// An RSA public key: its modulus and exponent, big-endian.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    n: Vec<u8>,
    e: Vec<u8>,
}

impl PublicKey {
    /// Reads an SPKI (`BEGIN PUBLIC KEY`, what ActivityPub actors publish) or
    /// PKCS#1 (`BEGIN RSA PUBLIC KEY`) PEM of a 1024- to 8192-bit RSA key.
    pub fn from_pem(pem: &str) -> Result<Self, SigError> {
        let (_, der) = pem_der(pem)?;
        // Some servers label one form as the other: try both.
        let pkcs1 = match rsa::pkcs8::SubjectPublicKeyInfoRef::from_der(&der) {
            Ok(spki) if spki.algorithm.oid == rsa::pkcs1::ALGORITHM_OID => {
                spki.subject_public_key.as_bytes().ok_or(SigError::BadKey)?
            }
            Ok(_) => return Err(SigError::BadKey),
            Err(_) => &der,
        };
        let key = rsa::pkcs1::RsaPublicKey::from_der(pkcs1).map_err(|_| SigError::BadKey)?;
        let (n, e) = (key.modulus.as_bytes(), key.public_exponent.as_bytes());
        let bits = n
            .first()
            .map_or(0, |b| n.len() * 8 - b.leading_zeros() as usize);
        if !(1024..=8192).contains(&bits) || e.is_empty() || e.len() > 5 {
            return Err(SigError::BadKey);
        }
        Ok(Self {
            n: n.to_vec(),
            e: e.to_vec(),
        })
    }

    /// Checks an RSASSA-PKCS1-v1_5 SHA-256 signature of `msg`; 1024-bit keys
    /// are still accepted, as older actors have them.
    pub fn verify_bytes(&self, msg: &[u8], sig: &[u8]) -> Result<(), SigError> {
        RsaPublicKeyComponents {
            n: &self.n,
            e: &self.e,
        }
        .verify(
            &ring_sig::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
            msg,
            sig,
        )
        .map_err(|_| SigError::BadSignature)
    }
}

/// The label and DER body of the first PEM block in `pem`. Lenient about
/// line lengths, `\r` and indentation.
fn pem_der(pem: &str) -> Result<(&str, Vec<u8>), SigError> {
    let (_, rest) = pem.split_once("-----BEGIN ").ok_or(SigError::BadKey)?;
    let (label, rest) = rest.split_once("-----").ok_or(SigError::BadKey)?;
    let (body, _) = rest
        .split_once(&format!("-----END {label}-----"))
        .ok_or(SigError::BadKey)?;
    let b64: Vec<u8> = body.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let der = STANDARD.decode(b64).map_err(|_| SigError::BadKey)?;
    Ok((label.trim(), der))
}

/// The `Digest` header value for `body`: `SHA-256=<base64 of its SHA-256>`.
pub fn digest_header(body: &[u8]) -> String {
    format!("SHA-256={}", STANDARD.encode(Sha256::digest(body)))
}

/// `now` as an HTTP date (IMF-fixdate, RFC 9110 §5.6.7).
pub fn http_date(now: DateTime<Utc>) -> String {
    now.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

fn parse_http_date(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc2822(s.trim())
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// Signs a request the way Mastodon does. Sets `Host` (with the port only when
/// the URL names a non-default one), `Date` and, with a body, `Digest`; then
/// writes `Signature` over `(request-target) host date digest content-type` for
/// a body and `(request-target) host date accept` without one (`content-type`
/// and `accept` only when `headers` has them). The request target includes the
/// query; verifiers that drop it (Mastodon) may need a retry without it.
pub fn sign_request(
    key: &PrivateKey,
    key_id: &str,
    method: &Method,
    url: &Url,
    headers: &mut HeaderMap,
    body: Option<&[u8]>,
    now: DateTime<Utc>,
) -> Result<(), SigError> {
    if key_id.contains(['"', '\\']) {
        return Err(SigError::Malformed("keyId contains a quote"));
    }
    let host = url
        .host_str()
        .ok_or(SigError::Malformed("URL has no host"))?;
    let host = match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    };
    headers.insert(HOST, header_value(&host)?);
    headers.insert(DATE, header_value(&http_date(now))?);
    let mut names = vec!["(request-target)", "host", "date"];
    if let Some(body) = body {
        headers.insert("digest", header_value(&digest_header(body))?);
        names.push("digest");
        if headers.contains_key(CONTENT_TYPE) {
            names.push("content-type");
        }
    } else if headers.contains_key(ACCEPT) {
        names.push("accept");
    }
    let target = request_target(method, url.path(), url.query());
    let msg = signing_string(&names, &target, None, None, headers)?;
    let sig = STANDARD.encode(key.sign_bytes(&msg)?);
    let value = format!(
        "keyId=\"{key_id}\",algorithm=\"rsa-sha256\",headers=\"{}\",signature=\"{sig}\"",
        names.join(" ")
    );
    headers.insert("signature", header_value(&value)?);
    Ok(())
}

fn header_value(s: &str) -> Result<HeaderValue, SigError> {
    HeaderValue::from_str(s).map_err(|_| SigError::Malformed("not a valid header value"))
}

/// The parameters of a `Signature` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureParams {
    /// `keyId`: the URL of the signer's key.
    pub key_id: String,
    /// `algorithm` as sent, if sent.
    pub algorithm: Option<String>,
    /// The signed headers, lower-cased, in signing order.
    pub headers: Vec<String>,
    /// The decoded signature bytes.
    pub signature: Vec<u8>,
    /// `created`, in Unix seconds.
    pub created: Option<i64>,
    /// `expires`, in Unix seconds.
    pub expires: Option<i64>,
}

/// Parses a `Signature` header (or the `Signature` scheme's parameters of an
/// `Authorization` header): `name="value"` pairs separated by commas, with
/// quoted values that may hold commas and `\`-escapes. `keyId` and `signature`
/// are required; `headers` defaults to `date` as in Mastodon; unknown
/// parameters are ignored.
pub fn parse_signature(header: &str) -> Result<SignatureParams, SigError> {
    if header.len() > MAX_SIGNATURE_HEADER {
        return Err(SigError::Malformed("Signature header too long"));
    }
    let mut rest = header.trim();
    if let Some(after) = rest
        .get(..10)
        .filter(|p| p.eq_ignore_ascii_case("signature "))
        && !rest[after.len()..].trim_start().starts_with('=')
    {
        rest = rest[after.len()..].trim_start();
    }
    let (mut key_id, mut algorithm, mut headers, mut signature) = (None, None, None, None);
    let (mut created, mut expires) = (None, None);
    for (name, value) in params(rest)? {
        let slot = match name.to_ascii_lowercase().as_str() {
            "keyid" => &mut key_id,
            "algorithm" => &mut algorithm,
            "headers" => &mut headers,
            "signature" => &mut signature,
            "created" => &mut created,
            "expires" => &mut expires,
            _ => continue,
        };
        if slot.replace(value).is_some() {
            return Err(SigError::Malformed("a parameter appears twice"));
        }
    }
    let signature = signature.ok_or(SigError::Missing)?;
    let signature = LENIENT_BASE64
        .decode(signature.trim())
        .map_err(|_| SigError::Malformed("signature is not base64"))?;
    Ok(SignatureParams {
        key_id: key_id.filter(|k| !k.is_empty()).ok_or(SigError::Missing)?,
        algorithm,
        headers: headers
            .as_deref()
            .unwrap_or("date")
            .split_ascii_whitespace()
            .map(str::to_ascii_lowercase)
            .collect(),
        signature,
        created: created.as_deref().map(unix_time).transpose()?,
        expires: expires.as_deref().map(unix_time).transpose()?,
    })
}

/// A `(created)` or `(expires)` value: whole seconds (a fraction is dropped).
fn unix_time(v: &str) -> Result<i64, SigError> {
    let whole = v.trim().split('.').next().unwrap_or_default();
    whole
        .parse()
        .map_err(|_| SigError::Malformed("created or expires is not a number"))
}

/// The `name=value` pairs of `s`, values unquoted.
fn params(mut s: &str) -> Result<Vec<(&str, String)>, SigError> {
    let mut out = Vec::new();
    loop {
        s = s.trim_start_matches(|c: char| c == ',' || c.is_ascii_whitespace());
        if s.is_empty() {
            return Ok(out);
        }
        let no_value = SigError::Malformed("a parameter has no value");
        let (name, rest) = s.split_once('=').ok_or(no_value.clone())?;
        if name.contains(',') {
            return Err(no_value);
        }
        let rest = rest.trim_start();
        let (value, rest) = match rest.strip_prefix('"') {
            Some(quoted) => unquote(quoted)?,
            None => {
                let end = rest.find([',', ' ', '\t']).unwrap_or(rest.len());
                (rest[..end].to_string(), &rest[end..])
            }
        };
        out.push((name.trim(), value));
        s = rest;
    }
}

/// The content of a quoted string up to its closing quote, `\`-escapes
/// undone, and the text after that quote.
fn unquote(s: &str) -> Result<(String, &str), SigError> {
    let mut value = String::new();
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((value, &s[i + 1..])),
            '\\' => value.extend(chars.next().map(|(_, c)| c)),
            c => value.push(c),
        }
    }
    Err(SigError::Malformed("unterminated quoted value"))
}

/// Verifies a request's signature by Mastodon's rules; the body's `Digest` is
/// checked apart, by [`verify_digest`].
///
/// - `algorithm` must be absent, `rsa-sha256` or `hs2019`.
/// - The signed headers must include `date` or `(created)`, and
///   `(request-target)` or `digest`; a POST must sign `digest`, a GET or HEAD
///   `host`. Every signed header must be present (callers add `Host` from the
///   URI authority when HTTP/2 left it out).
/// - Time: the signature is made at `(created)` when that is signed, else at
///   `Date`. It is refused more than an hour ahead of `now`, and once `now`
///   passes, by more than an hour, the earlier of its signed `(expires)` (or
///   five minutes after creation) and twelve hours after creation.
///   Unsigned `created`/`expires` parameters are ignored, so a replayed
///   request cannot have its life extended.
/// - `path` and `query` are the request's, as received; the signature is tried
///   over `path?query` first, then over `path` alone.
pub fn verify_request(
    params: &SignatureParams,
    method: &Method,
    path: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    key: &PublicKey,
    now: DateTime<Utc>,
) -> Result<(), SigError> {
    // Mastodon treats an absent algorithm as hs2019.
    let hs2019 = match params.algorithm.as_deref() {
        None => true,
        Some(a) if a.eq_ignore_ascii_case("hs2019") => true,
        Some(a) if a.eq_ignore_ascii_case("rsa-sha256") => false,
        Some(_) => return Err(SigError::UnsupportedAlgorithm),
    };
    let signed = |name: &str| params.headers.iter().any(|h| h == name);
    if !signed("date") && !signed("(created)") {
        return Err(SigError::HeaderNotSigned("date or (created)"));
    }
    if !signed("(request-target)") && !signed("digest") {
        return Err(SigError::HeaderNotSigned("(request-target) or digest"));
    }
    if method == Method::POST && !signed("digest") {
        return Err(SigError::HeaderNotSigned("digest"));
    }
    if (method == Method::GET || method == Method::HEAD) && !signed("host") {
        return Err(SigError::HeaderNotSigned("host"));
    }
    if !hs2019 && (signed("(created)") || signed("(expires)")) {
        return Err(SigError::Malformed("(created) and (expires) need hs2019"));
    }
    let created = params.created.filter(|_| signed("(created)"));
    let expires = params.expires.filter(|_| signed("(expires)"));
    check_time(created, expires, headers, now)?;

    let with_query = request_target(method, path, query);
    let msg = signing_string(&params.headers, &with_query, created, expires, headers)?;
    match key.verify_bytes(&msg, &params.signature) {
        Err(SigError::BadSignature) if query.is_some() && signed("(request-target)") => {
            let bare = request_target(method, path, None);
            let msg = signing_string(&params.headers, &bare, created, expires, headers)?;
            key.verify_bytes(&msg, &params.signature)
        }
        other => other,
    }
}

/// The time window described at [`verify_request`], in Unix seconds so that
/// no value, however large, can overflow.
fn check_time(
    created: Option<i64>,
    expires: Option<i64>,
    headers: &HeaderMap,
    now: DateTime<Utc>,
) -> Result<(), SigError> {
    let created = match created {
        Some(secs) => secs,
        None => {
            let date = headers
                .get(DATE)
                .ok_or_else(|| SigError::HeaderAbsent("date".into()))?;
            let date = date.to_str().ok().and_then(parse_http_date);
            date.ok_or(SigError::Malformed("Date is not an HTTP date"))?
                .timestamp()
        }
    };
    let now = now.timestamp();
    if created > now.saturating_add(CLOCK_SKEW) {
        return Err(SigError::FromFuture);
    }
    let expires = expires.unwrap_or(created.saturating_add(DEFAULT_LIFETIME));
    let deadline = expires.min(created.saturating_add(MAX_LIFETIME));
    if now > deadline.saturating_add(CLOCK_SKEW) {
        return Err(SigError::Expired);
    }
    Ok(())
}

/// `(request-target)`: the lower-cased method, a space, the path and query.
fn request_target(method: &Method, path: &str, query: Option<&str>) -> String {
    let method = method.as_str().to_ascii_lowercase();
    match query {
        Some(q) => format!("{method} {path}?{q}"),
        None => format!("{method} {path}"),
    }
}

/// The signing string: one `name: value` line per signed header, joined by
/// `\n`. A header sent several times contributes its values joined by `, `.
fn signing_string<S: AsRef<str>>(
    names: &[S],
    target: &str,
    created: Option<i64>,
    expires: Option<i64>,
    headers: &HeaderMap,
) -> Result<Vec<u8>, SigError> {
    let mut out = Vec::with_capacity(256);
    for (i, name) in names.iter().enumerate() {
        let name = name.as_ref();
        if i > 0 {
            out.push(b'\n');
        }
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        // The name comes from the sender: keep what is logged short.
        let absent = || SigError::HeaderAbsent(name.chars().take(64).collect());
        match name {
            "(request-target)" => out.extend_from_slice(target.as_bytes()),
            "(created)" => {
                out.extend_from_slice(created.ok_or_else(absent)?.to_string().as_bytes())
            }
            "(expires)" => {
                out.extend_from_slice(expires.ok_or_else(absent)?.to_string().as_bytes())
            }
            _ => {
                let mut values = headers.get_all(name).iter();
                let first = values.next().ok_or_else(absent)?;
                out.extend_from_slice(first.as_bytes().trim_ascii());
                for v in values {
                    out.extend_from_slice(b", ");
                    out.extend_from_slice(v.as_bytes().trim_ascii());
                }
            }
        }
    }
    Ok(out)
}

/// Checks the body against its `Digest` header (`algo=base64` pairs separated
/// by commas; the algorithm name is case-insensitive). Only SHA-256 is read:
/// without it the answer is [`SigError::Missing`].
pub fn verify_digest(headers: &HeaderMap, body: &[u8]) -> Result<(), SigError> {
    for value in headers.get_all("digest") {
        let value = value
            .to_str()
            .map_err(|_| SigError::Malformed("Digest is not text"))?;
        for part in value.split(',') {
            let Some((algo, given)) = part.split_once('=') else {
                continue;
            };
            if !algo.trim().eq_ignore_ascii_case("sha-256") {
                continue;
            }
            let given = LENIENT_BASE64
                .decode(given.trim())
                .map_err(|_| SigError::DigestMismatch)?;
            return if given == Sha256::digest(body).as_slice() {
                Ok(())
            } else {
                Err(SigError::DigestMismatch)
            };
        }
    }
    Err(SigError::Missing)
}

/// The keyId without its `#fragment`: the document to fetch to find the key's
/// owner (`https://host/users/a#main-key` → `https://host/users/a`). A keyId
/// such as GoToSocial's `…/main-key` is returned whole.
pub fn key_owner_hint(key_id: &str) -> &str {
    key_id.split_once('#').map_or(key_id, |(owner, _)| owner)
}

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;

    use rsa::pkcs1::{EncodeRsaPrivateKey, EncodeRsaPublicKey};
    use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};

    use super::*;

    const KEY_ID: &str = "https://roost.example/users/alice#main-key";
    const BODY: &[u8] = br#"{"type":"Follow","actor":"https://roost.example/users/alice"}"#;
    const INBOX: &str = "https://remote.example/users/bob/inbox";

    struct TestKey {
        private: PrivateKey,
        pkcs1_private_pem: String,
        spki_pem: String,
        pkcs1_pem: String,
    }

    fn make_key() -> TestKey {
        let key = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).unwrap();
        let public = rsa::RsaPublicKey::from(&key);
        let pkcs8 = key.to_pkcs8_pem(LineEnding::LF).unwrap();
        TestKey {
            private: PrivateKey::from_pem(&pkcs8).unwrap(),
            pkcs1_private_pem: key.to_pkcs1_pem(LineEnding::CRLF).unwrap().to_string(),
            spki_pem: public.to_public_key_pem(LineEnding::LF).unwrap(),
            pkcs1_pem: public.to_pkcs1_pem(LineEnding::LF).unwrap(),
        }
    }

    /// Two 2048-bit keys, made once per test run.
    fn key(i: usize) -> &'static TestKey {
        static KEYS: OnceLock<[TestKey; 2]> = OnceLock::new();
        &KEYS.get_or_init(|| [make_key(), make_key()])[i]
    }

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000, 0).unwrap()
    }

    fn minutes(m: i64) -> chrono::TimeDelta {
        chrono::TimeDelta::minutes(m)
    }

    fn signed(method: Method, url: &str, body: Option<&[u8]>, at: DateTime<Utc>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if body.is_some() {
            headers.insert(
                CONTENT_TYPE,
                HeaderValue::from_static("application/activity+json"),
            );
        } else {
            headers.insert(
                ACCEPT,
                HeaderValue::from_static("application/activity+json"),
            );
        }
        let url = Url::parse(url).unwrap();
        sign_request(
            &key(0).private,
            KEY_ID,
            &method,
            &url,
            &mut headers,
            body,
            at,
        )
        .unwrap();
        headers
    }

    fn params_of(headers: &HeaderMap) -> SignatureParams {
        parse_signature(headers["signature"].to_str().unwrap()).unwrap()
    }

    fn verify_post(
        headers: &HeaderMap,
        params: &SignatureParams,
        key: &PublicKey,
    ) -> Result<(), SigError> {
        verify_request(
            params,
            &Method::POST,
            "/users/bob/inbox",
            None,
            headers,
            key,
            now(),
        )
    }

    #[test]
    fn signed_post_verifies_with_its_digest() {
        let headers = signed(Method::POST, INBOX, Some(BODY), now());
        assert_eq!(headers["host"], "remote.example");
        assert_eq!(headers["date"], "Tue, 14 Nov 2023 22:13:20 GMT");
        assert_eq!(headers["digest"], digest_header(BODY));
        let params = params_of(&headers);
        assert_eq!(params.key_id, KEY_ID);
        assert_eq!(params.algorithm.as_deref(), Some("rsa-sha256"));
        assert_eq!(
            params.headers,
            ["(request-target)", "host", "date", "digest", "content-type"]
        );
        verify_post(&headers, &params, &key(0).private.public_key()).unwrap();
        verify_digest(&headers, BODY).unwrap();
    }

    #[test]
    fn signed_get_verifies_and_covers_accept_and_query() {
        let url = "http://127.0.0.1:8081/users/alice/outbox?page=true";
        let headers = signed(Method::GET, url, None, now());
        assert_eq!(headers["host"], "127.0.0.1:8081");
        assert!(!headers.contains_key("digest"));
        let params = params_of(&headers);
        assert_eq!(
            params.headers,
            ["(request-target)", "host", "date", "accept"]
        );
        let key = key(0).private.public_key();
        let path = "/users/alice/outbox";
        verify_request(
            &params,
            &Method::GET,
            path,
            Some("page=true"),
            &headers,
            &key,
            now(),
        )
        .unwrap();
        assert_eq!(
            verify_request(&params, &Method::GET, path, None, &headers, &key, now()),
            Err(SigError::BadSignature)
        );
    }

    #[test]
    fn signature_without_query_verifies_when_query_present() {
        // Mastodon signs the path alone even when the URL has a query.
        let headers = signed(Method::GET, "https://remote.example/users/bob", None, now());
        let params = params_of(&headers);
        let key = key(0).private.public_key();
        let query = Some("page=2");
        verify_request(
            &params,
            &Method::GET,
            "/users/bob",
            query,
            &headers,
            &key,
            now(),
        )
        .unwrap();
    }

    #[test]
    fn host_names_only_a_non_default_port() {
        for (url, host) in [
            ("https://remote.example:443/inbox", "remote.example"),
            ("http://remote.example:80/inbox", "remote.example"),
            ("https://remote.example:8443/inbox", "remote.example:8443"),
            ("http://[::1]:3000/inbox", "[::1]:3000"),
        ] {
            assert_eq!(signed(Method::POST, url, Some(BODY), now())["host"], host);
        }
    }

    #[test]
    fn tampered_body_is_digest_mismatch() {
        let headers = signed(Method::POST, INBOX, Some(BODY), now());
        assert_eq!(
            verify_digest(&headers, b"{}"),
            Err(SigError::DigestMismatch)
        );
    }

    #[test]
    fn tampered_header_is_bad_signature() {
        let mut headers = signed(Method::POST, INBOX, Some(BODY), now());
        headers.insert(
            "digest",
            HeaderValue::from_str(&digest_header(b"{}")).unwrap(),
        );
        let params = params_of(&headers);
        let key = key(0).private.public_key();
        assert_eq!(
            verify_post(&headers, &params, &key),
            Err(SigError::BadSignature)
        );
    }

    #[test]
    fn other_key_is_bad_signature() {
        let headers = signed(Method::POST, INBOX, Some(BODY), now());
        let other = key(1).private.public_key();
        assert_eq!(
            verify_post(&headers, &params_of(&headers), &other),
            Err(SigError::BadSignature)
        );
    }

    #[test]
    fn date_two_hours_ahead_is_from_future() {
        let key = key(0).private.public_key();
        let headers = signed(Method::POST, INBOX, Some(BODY), now() + minutes(120));
        assert_eq!(
            verify_post(&headers, &params_of(&headers), &key),
            Err(SigError::FromFuture)
        );
        let headers = signed(Method::POST, INBOX, Some(BODY), now() + minutes(50));
        verify_post(&headers, &params_of(&headers), &key).unwrap();
    }

    #[test]
    fn date_two_hours_old_is_expired() {
        let key = key(0).private.public_key();
        let headers = signed(Method::POST, INBOX, Some(BODY), now() - minutes(120));
        assert_eq!(
            verify_post(&headers, &params_of(&headers), &key),
            Err(SigError::Expired)
        );
        // Five minutes of life plus an hour of clock skew.
        let headers = signed(Method::POST, INBOX, Some(BODY), now() - minutes(64));
        verify_post(&headers, &params_of(&headers), &key).unwrap();
    }

    #[test]
    fn unreadable_date_is_malformed() {
        let mut headers = signed(Method::POST, INBOX, Some(BODY), now());
        headers.insert(DATE, HeaderValue::from_static("yesterday"));
        let key = key(0).private.public_key();
        assert!(matches!(
            verify_post(&headers, &params_of(&headers), &key),
            Err(SigError::Malformed(_))
        ));
    }

    #[test]
    fn hs2019_and_absent_algorithm_are_accepted() {
        let headers = signed(Method::POST, INBOX, Some(BODY), now());
        let key = key(0).private.public_key();
        for algorithm in [Some("hs2019"), Some("HS2019"), Some("RSA-SHA256"), None] {
            let mut params = params_of(&headers);
            params.algorithm = algorithm.map(String::from);
            verify_post(&headers, &params, &key).unwrap();
        }
    }

    #[test]
    fn unknown_algorithm_is_refused() {
        let headers = signed(Method::POST, INBOX, Some(BODY), now());
        let mut params = params_of(&headers);
        params.algorithm = Some("rsa-sha512".into());
        let key = key(0).private.public_key();
        assert_eq!(
            verify_post(&headers, &params, &key),
            Err(SigError::UnsupportedAlgorithm)
        );
    }

    #[test]
    fn post_without_signed_digest_is_refused() {
        let headers = signed(Method::POST, INBOX, Some(BODY), now());
        let mut params = params_of(&headers);
        params.headers.retain(|h| h != "digest");
        let key = key(0).private.public_key();
        assert_eq!(
            verify_post(&headers, &params, &key),
            Err(SigError::HeaderNotSigned("digest"))
        );
    }

    #[test]
    fn get_without_signed_host_is_refused() {
        let headers = signed(Method::GET, INBOX, None, now());
        let mut params = params_of(&headers);
        params.headers.retain(|h| h != "host");
        let key = key(0).private.public_key();
        let got = verify_request(
            &params,
            &Method::GET,
            "/users/bob/inbox",
            None,
            &headers,
            &key,
            now(),
        );
        assert_eq!(got, Err(SigError::HeaderNotSigned("host")));
    }

    #[test]
    fn signature_without_date_or_created_is_refused() {
        let headers = signed(Method::POST, INBOX, Some(BODY), now());
        let mut params = params_of(&headers);
        params.headers.retain(|h| h != "date");
        let key = key(0).private.public_key();
        assert_eq!(
            verify_post(&headers, &params, &key),
            Err(SigError::HeaderNotSigned("date or (created)"))
        );
    }

    #[test]
    fn absent_signed_header_is_refused() {
        let mut headers = signed(Method::POST, INBOX, Some(BODY), now());
        headers.remove(CONTENT_TYPE);
        let params = params_of(&headers);
        let key = key(0).private.public_key();
        let want = Err(SigError::HeaderAbsent("content-type".into()));
        assert_eq!(verify_post(&headers, &params, &key), want);
    }

    /// An hs2019 signature over `(created)` and `(expires)` instead of `Date`.
    fn signed_with_created(created: i64, expires: i64) -> (HeaderMap, SignatureParams) {
        let mut headers = HeaderMap::new();
        headers.insert(HOST, HeaderValue::from_static("remote.example"));
        headers.insert(
            "digest",
            HeaderValue::from_str(&digest_header(BODY)).unwrap(),
        );
        let names = [
            "(request-target)",
            "(created)",
            "(expires)",
            "host",
            "digest",
        ];
        let target = "post /users/bob/inbox";
        let msg = signing_string(&names, target, Some(created), Some(expires), &headers).unwrap();
        let params = SignatureParams {
            key_id: KEY_ID.into(),
            algorithm: Some("hs2019".into()),
            headers: names.iter().map(|n| n.to_string()).collect(),
            signature: key(0).private.sign_bytes(&msg).unwrap(),
            created: Some(created),
            expires: Some(expires),
        };
        (headers, params)
    }

    #[test]
    fn signed_created_and_expires_set_the_window() {
        let key = key(0).private.public_key();
        let created = now().timestamp() - 90 * 60;
        let (headers, params) = signed_with_created(created, created + 60 * 60);
        verify_post(&headers, &params, &key).unwrap();
        let (headers, params) = signed_with_created(created, created + 20 * 60);
        assert_eq!(verify_post(&headers, &params, &key), Err(SigError::Expired));
        let mut rsa_sha256 = params.clone();
        rsa_sha256.algorithm = Some("rsa-sha256".into());
        assert!(matches!(
            verify_post(&headers, &rsa_sha256, &key),
            Err(SigError::Malformed(_))
        ));
    }

    #[test]
    fn unsigned_created_cannot_revive_an_old_request() {
        let headers = signed(Method::POST, INBOX, Some(BODY), now() - minutes(120));
        let mut params = params_of(&headers);
        params.algorithm = Some("hs2019".into());
        params.created = Some(now().timestamp());
        params.expires = Some(now().timestamp() + 3600);
        let key = key(0).private.public_key();
        assert_eq!(verify_post(&headers, &params, &key), Err(SigError::Expired));
    }

    #[test]
    fn parse_tolerates_prefix_spaces_and_commas_in_quotes() {
        let header = r#"Signature  keyId = "https://a.example/u?x=1,2#k" ,algorithm="hs2019",, headers="(request-target) Host  DATE Digest" , signature="AAEC""#;
        let p = parse_signature(header).unwrap();
        assert_eq!(p.key_id, "https://a.example/u?x=1,2#k");
        assert_eq!(p.algorithm.as_deref(), Some("hs2019"));
        assert_eq!(p.headers, ["(request-target)", "host", "date", "digest"]);
        assert_eq!(p.signature, [0, 1, 2]);
        assert_eq!((p.created, p.expires), (None, None));
    }

    #[test]
    fn parse_defaults_headers_to_date() {
        let p = parse_signature(r#"keyId="k",signature="AAEC""#).unwrap();
        assert_eq!(p.headers, ["date"]);
        assert_eq!(p.algorithm, None);
    }

    #[test]
    fn parse_reads_numbers_escapes_and_unpadded_base64() {
        let header =
            r#"keyId="a\"b",created=1402170695,expires="1402170699.5",signature="AAECAw",x=y"#;
        let p = parse_signature(header).unwrap();
        assert_eq!(p.key_id, "a\"b");
        assert_eq!(
            (p.created, p.expires),
            (Some(1_402_170_695), Some(1_402_170_699))
        );
        assert_eq!(p.signature, [0, 1, 2, 3]);
    }

    #[test]
    fn parse_refuses_what_it_cannot_read() {
        assert_eq!(
            parse_signature(r#"signature="AAEC""#),
            Err(SigError::Missing)
        );
        assert_eq!(parse_signature(r#"keyId="k""#), Err(SigError::Missing));
        assert_eq!(
            parse_signature(r#"keyId="",signature="AAEC""#),
            Err(SigError::Missing)
        );
        for bad in [
            r#"keyId="k",signature="AAEC"#,
            r#"keyId="k",keyId="j",signature="AAEC""#,
            r#"keyId="k",signature="not base64!""#,
            r#"keyId="k",created=soon,signature="AAEC""#,
            r#"keyId,signature="AAEC""#,
            "keyId=\"k\\",
        ] {
            assert!(
                matches!(parse_signature(bad), Err(SigError::Malformed(_))),
                "{bad}"
            );
        }
        let long = format!(
            r#"keyId="{}",signature="AAEC""#,
            "k".repeat(MAX_SIGNATURE_HEADER)
        );
        assert!(matches!(
            parse_signature(&long),
            Err(SigError::Malformed(_))
        ));
        // Multibyte text must not split a character.
        let p = parse_signature("Signature keyId=\"é\\é\",signature=\"AAEC\"").unwrap();
        assert_eq!(p.key_id, "éé");
        let p = parse_signature("Signatüre keyId=\"é\",signature=\"AAEC\"");
        assert_eq!(p, Err(SigError::Missing));
    }

    #[test]
    fn spki_and_pkcs1_public_pems_load_the_same_key() {
        let spki = PublicKey::from_pem(&key(0).spki_pem).unwrap();
        let pkcs1 = PublicKey::from_pem(&key(0).pkcs1_pem).unwrap();
        assert_eq!(spki, pkcs1);
        assert_eq!(spki, key(0).private.public_key());
        let sig = key(0).private.sign_bytes(b"hello").unwrap();
        spki.verify_bytes(b"hello", &sig).unwrap();
        assert_eq!(
            pkcs1.verify_bytes(b"hullo", &sig),
            Err(SigError::BadSignature)
        );
        // As found in actor documents: indented, with CRLF line ends.
        let messy = key(0).spki_pem.replace('\n', "\r\n    ");
        assert_eq!(PublicKey::from_pem(&messy).unwrap(), spki);
    }

    #[test]
    fn pkcs1_private_pem_signs_like_pkcs8() {
        let pkcs1 = PrivateKey::from_pem(&key(0).pkcs1_private_pem).unwrap();
        let sig = pkcs1.sign_bytes(b"hello").unwrap();
        // PKCS#1 v1.5 signatures are deterministic.
        assert_eq!(sig, key(0).private.sign_bytes(b"hello").unwrap());
    }

    #[test]
    fn unreadable_pems_are_bad_keys() {
        let truncated = &key(0).spki_pem[..200];
        for pem in [
            "",
            "hello",
            truncated,
            "-----BEGIN PUBLIC KEY-----\n!!\n-----END PUBLIC KEY-----",
        ] {
            assert_eq!(PublicKey::from_pem(pem), Err(SigError::BadKey));
            assert!(matches!(PrivateKey::from_pem(pem), Err(SigError::BadKey)));
        }
        assert!(matches!(
            PrivateKey::from_pem(&key(0).spki_pem),
            Err(SigError::BadKey)
        ));
    }

    #[test]
    fn digest_names_any_case_and_needs_sha256() {
        let sum = digest_header(BODY);
        let sum = sum.trim_start_matches("SHA-256=");
        for value in [
            format!("sha-256={sum}"),
            format!("SHA-512=AAAA, Sha-256={sum}"),
        ] {
            let mut headers = HeaderMap::new();
            headers.insert("digest", HeaderValue::from_str(&value).unwrap());
            verify_digest(&headers, BODY).unwrap();
        }
        let mut headers = HeaderMap::new();
        assert_eq!(verify_digest(&headers, BODY), Err(SigError::Missing));
        headers.insert("digest", HeaderValue::from_static("SHA-512=AAAA"));
        assert_eq!(verify_digest(&headers, BODY), Err(SigError::Missing));
        headers.insert("digest", HeaderValue::from_static("SHA-256=%%%"));
        assert_eq!(verify_digest(&headers, BODY), Err(SigError::DigestMismatch));
    }

    #[test]
    fn repeated_headers_are_signed_joined() {
        let mut headers = HeaderMap::new();
        headers.append("x-a", HeaderValue::from_static(" one "));
        headers.append("x-a", HeaderValue::from_static("two"));
        let msg = signing_string(
            &["(request-target)", "x-a"],
            "get /p?q",
            None,
            None,
            &headers,
        );
        assert_eq!(msg.unwrap(), b"(request-target): get /p?q\nx-a: one, two");
    }

    #[test]
    fn key_owner_hint_drops_the_fragment() {
        assert_eq!(key_owner_hint(KEY_ID), "https://roost.example/users/alice");
        let gts = "https://gts.example/users/bob/main-key";
        assert_eq!(key_owner_hint(gts), gts);
    }

    #[test]
    fn http_dates_are_imf_fixdates() {
        let t = DateTime::from_timestamp(784_111_777, 0).unwrap();
        assert_eq!(http_date(t), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(t));
    }

    #[test]
    fn keys_are_shareable_between_threads() {
        fn shareable<T: Send + Sync + Clone>() {}
        fn sendable<T: Send + Sync>() {}
        shareable::<PublicKey>();
        sendable::<PrivateKey>();
    }
}
