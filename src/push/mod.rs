//! Web Push: the instance's VAPID key (RFC 8292), payload encryption in both
//! encodings Mastodon sends (RFC 8291 `aes128gcm` for subscriptions that say
//! `standard: true`, the older draft `aesgcm` otherwise), and the request to
//! a push service. Everything on `ring`: ECDH on P-256, HKDF-SHA-256,
//! AES-128-GCM and ES256 signatures.

use base64::Engine;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use ring::{aead, agreement, hkdf};

use crate::error::{Error, Result};

/// The instance's VAPID key pair, made once and kept in the settings.
pub struct Vapid {
    key: EcdsaKeyPair,
    /// The public key, uncompressed (65 bytes).
    public: Vec<u8>,
}

impl std::fmt::Debug for Vapid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Vapid")
    }
}

impl Vapid {
    /// A new key pair as PKCS#8 DER, for storing.
    pub fn generate() -> Result<Vec<u8>> {
        let pkcs8 =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
                .map_err(|_| Error::internal("cannot generate the VAPID key"))?;
        Ok(pkcs8.as_ref().to_vec())
    }

    /// The key pair stored as PKCS#8 DER.
    pub fn from_pkcs8(der: &[u8]) -> Result<Vapid> {
        let key =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der, &SystemRandom::new())
                .map_err(|_| Error::internal("the stored VAPID key is unreadable"))?;
        let public = key.public_key().as_ref().to_vec();
        Ok(Vapid { key, public })
    }

    /// The public key as clients are given it (`server_key`,
    /// `configuration.vapid.public_key`): URL-safe base64, padded, as
    /// Mastodon shows it.
    pub fn public_key(&self) -> String {
        URL_SAFE.encode(&self.public)
    }

    /// A signed VAPID token for the push service at `audience`
    /// (`scheme://host[:port]`), valid for 12 hours.
    pub fn token(&self, audience: &str, subject: &str) -> Result<String> {
        let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"ES256"}"#);
        let exp = chrono::Utc::now().timestamp() + 12 * 3600;
        let claims = serde_json::json!({ "aud": audience, "exp": exp, "sub": subject });
        let input = format!("{header}.{}", URL_SAFE_NO_PAD.encode(claims.to_string()));
        let signature = self
            .key
            .sign(&SystemRandom::new(), input.as_bytes())
            .map_err(|_| Error::internal("cannot sign the VAPID token"))?;
        Ok(format!(
            "{input}.{}",
            URL_SAFE_NO_PAD.encode(signature.as_ref())
        ))
    }

    fn public_no_pad(&self) -> String {
        URL_SAFE_NO_PAD.encode(&self.public)
    }
}

/// A subscription's keys, as the client sent them (URL-safe base64).
pub struct Keys<'a> {
    pub p256dh: &'a str,
    pub auth: &'a str,
}

/// Decodes URL-safe base64 with or without padding (clients send both, and
/// some the standard alphabet).
fn decode(s: &str) -> Option<Vec<u8>> {
    let s = s.trim().trim_end_matches('=');
    let s = s.replace('+', "-").replace('/', "_");
    URL_SAFE_NO_PAD.decode(s).ok()
}

/// The decoded keys: a P-256 public key (65 bytes, uncompressed) and the
/// 16-byte authentication secret; `None` when either is malformed.
pub fn check_keys(keys: &Keys<'_>) -> Option<(Vec<u8>, Vec<u8>)> {
    let public = decode(keys.p256dh)?;
    let auth = decode(keys.auth)?;
    if public.len() != 65 || public[0] != 4 || auth.len() != 16 {
        return None;
    }
    // A trial agreement proves the point is on the curve.
    let rng = SystemRandom::new();
    let mine = agreement::EphemeralPrivateKey::generate(&agreement::ECDH_P256, &rng).ok()?;
    let peer = agreement::UnparsedPublicKey::new(&agreement::ECDH_P256, &public);
    agreement::agree_ephemeral(mine, &peer, |_| ()).ok()?;
    Some((public, auth))
}

/// An output length for HKDF.
struct Len(usize);

impl hkdf::KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

fn expand(prk: &hkdf::Prk, info: &[&[u8]], len: usize) -> Result<Vec<u8>> {
    let mut out = vec![0; len];
    prk.expand(info, Len(len))
        .and_then(|okm| okm.fill(&mut out))
        .map_err(|_| Error::internal("HKDF expansion failed"))?;
    Ok(out)
}

fn seal(key: &[u8], nonce: &[u8], mut data: Vec<u8>) -> Result<Vec<u8>> {
    let fail = || Error::internal("payload encryption failed");
    let key =
        aead::LessSafeKey::new(aead::UnboundKey::new(&aead::AES_128_GCM, key).map_err(|_| fail())?);
    let nonce = aead::Nonce::try_assume_unique_for_key(nonce).map_err(|_| fail())?;
    key.seal_in_place_append_tag(nonce, aead::Aad::empty(), &mut data)
        .map_err(|_| fail())?;
    Ok(data)
}

/// An encrypted payload and the headers that describe it.
pub struct Encrypted {
    pub body: Vec<u8>,
    pub encoding: &'static str,
    /// `Encryption` and `Crypto-Key` values (the `aesgcm` encoding only).
    pub salt_header: Option<String>,
    pub dh: Option<String>,
}

/// Encrypts `plaintext` for a subscription's keys: RFC 8291 `aes128gcm` when
/// `standard`, the draft `aesgcm` otherwise.
pub fn encrypt(
    ua_public: &[u8],
    auth: &[u8],
    plaintext: &[u8],
    standard: bool,
) -> Result<Encrypted> {
    let rng = SystemRandom::new();
    let fail = |what: &str| Error::internal(format!("web push: {what}"));
    let mut salt = [0u8; 16];
    rng.fill(&mut salt).map_err(|_| fail("no randomness"))?;
    let mine = agreement::EphemeralPrivateKey::generate(&agreement::ECDH_P256, &rng)
        .map_err(|_| fail("key generation"))?;
    let as_public = mine
        .compute_public_key()
        .map_err(|_| fail("public key"))?
        .as_ref()
        .to_vec();
    let peer = agreement::UnparsedPublicKey::new(&agreement::ECDH_P256, ua_public);
    let secret = agreement::agree_ephemeral(mine, &peer, <[u8]>::to_vec)
        .map_err(|_| fail("the subscription's key is not a P-256 point"))?;
    let auth_prk = hkdf::Salt::new(hkdf::HKDF_SHA256, auth).extract(&secret);
    if standard {
        let ikm = expand(&auth_prk, &[b"WebPush: info\0", ua_public, &as_public], 32)?;
        let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, &salt).extract(&ikm);
        let cek = expand(&prk, &[b"Content-Encoding: aes128gcm\0"], 16)?;
        let nonce = expand(&prk, &[b"Content-Encoding: nonce\0"], 12)?;
        let mut record = plaintext.to_vec();
        record.push(2); // The last (and only) record's delimiter.
        let sealed = seal(&cek, &nonce, record)?;
        let mut body = Vec::with_capacity(16 + 4 + 1 + 65 + sealed.len());
        body.extend_from_slice(&salt);
        body.extend_from_slice(&4096u32.to_be_bytes());
        body.push(65);
        body.extend_from_slice(&as_public);
        body.extend_from_slice(&sealed);
        return Ok(Encrypted {
            body,
            encoding: "aes128gcm",
            salt_header: None,
            dh: None,
        });
    }
    let ikm = expand(&auth_prk, &[b"Content-Encoding: auth\0"], 32)?;
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, &salt).extract(&ikm);
    let mut context = b"P-256\0".to_vec();
    context.extend_from_slice(&65u16.to_be_bytes());
    context.extend_from_slice(ua_public);
    context.extend_from_slice(&65u16.to_be_bytes());
    context.extend_from_slice(&as_public);
    let cek = expand(&prk, &[b"Content-Encoding: aesgcm\0", &context], 16)?;
    let nonce = expand(&prk, &[b"Content-Encoding: nonce\0", &context], 12)?;
    let mut record = vec![0, 0]; // No padding.
    record.extend_from_slice(plaintext);
    Ok(Encrypted {
        body: seal(&cek, &nonce, record)?,
        encoding: "aesgcm",
        salt_header: Some(format!("salt={}", URL_SAFE_NO_PAD.encode(salt))),
        dh: Some(format!("dh={}", URL_SAFE_NO_PAD.encode(&as_public))),
    })
}

/// The request to a push service: body and headers, VAPID included.
pub fn request(
    vapid: &Vapid,
    endpoint: &url::Url,
    subject: &str,
    encrypted: Encrypted,
    ttl_secs: u32,
) -> Result<(http::HeaderMap, Vec<u8>)> {
    use http::header::{CONTENT_ENCODING, CONTENT_TYPE, HeaderName, HeaderValue};
    let audience = endpoint.origin().ascii_serialization();
    let token = vapid.token(&audience, subject)?;
    let mut headers = http::HeaderMap::new();
    let mut put = |name: &'static str, value: String| -> Result<()> {
        let value = HeaderValue::from_str(&value).map_err(Error::internal)?;
        headers.insert(HeaderName::from_static(name), value);
        Ok(())
    };
    put("ttl", ttl_secs.to_string())?;
    put("urgency", "normal".into())?;
    match (&encrypted.salt_header, &encrypted.dh) {
        (Some(salt), Some(dh)) => {
            put("encryption", salt.clone())?;
            put(
                "crypto-key",
                format!("{dh};p256ecdsa={}", vapid.public_no_pad()),
            )?;
            put("authorization", format!("WebPush {token}"))?;
        }
        _ => put(
            "authorization",
            format!("vapid t={token},k={}", vapid.public_no_pad()),
        )?,
    }
    headers.insert(
        CONTENT_ENCODING,
        HeaderValue::from_static(encrypted.encoding),
    );
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    Ok((headers, encrypted.body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vapid_tokens_verify_with_the_public_key() {
        let vapid = Vapid::from_pkcs8(&Vapid::generate().unwrap()).unwrap();
        let token = vapid.token("https://push.example", "mailto:a@b.c").unwrap();
        let (input, sig) = token.rsplit_once('.').unwrap();
        let key = ring::signature::UnparsedPublicKey::new(
            &ring::signature::ECDSA_P256_SHA256_FIXED,
            &vapid.public,
        );
        key.verify(input.as_bytes(), &URL_SAFE_NO_PAD.decode(sig).unwrap())
            .unwrap();
        assert_eq!(decode(&vapid.public_key()).unwrap(), vapid.public);
    }

    #[test]
    fn malformed_subscription_keys_are_refused() {
        let auth = URL_SAFE_NO_PAD.encode([7u8; 16]);
        let off_curve = URL_SAFE_NO_PAD.encode([4u8; 65]);
        assert!(
            check_keys(&Keys {
                p256dh: &off_curve,
                auth: &auth
            })
            .is_none()
        );
        assert!(
            check_keys(&Keys {
                p256dh: "abc",
                auth: &auth
            })
            .is_none()
        );
        let rng = SystemRandom::new();
        let k = agreement::EphemeralPrivateKey::generate(&agreement::ECDH_P256, &rng).unwrap();
        let public = URL_SAFE.encode(k.compute_public_key().unwrap().as_ref());
        assert!(
            check_keys(&Keys {
                p256dh: &public,
                auth: &auth
            })
            .is_some()
        );
        assert!(
            check_keys(&Keys {
                p256dh: &public,
                auth: "short"
            })
            .is_none()
        );
    }
}
