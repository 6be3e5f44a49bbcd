//! RSA key pairs for HTTP signatures (each local actor has one).

use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::{RsaPrivateKey, RsaPublicKey};

use crate::error::{Error, Result};

/// A PEM-encoded key pair: PKCS#8 private key, SPKI public key (what
/// ActivityPub's `publicKeyPem` carries).
pub struct KeyPair {
    pub private_pem: String,
    pub public_pem: String,
}

/// Generates a 2048-bit RSA key pair, the size Mastodon uses. Slow (tens to
/// hundreds of milliseconds): call it on a blocking thread.
pub fn generate() -> Result<KeyPair> {
    let private = RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048)
        .map_err(|e| Error::internal(format!("rsa: {e}")))?;
    let public = RsaPublicKey::from(&private);
    let private_pem = private
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| Error::internal(format!("rsa: {e}")))?
        .to_string();
    let public_pem = public
        .to_public_key_pem(LineEnding::LF)
        .map_err(|e| Error::internal(format!("rsa: {e}")))?;
    Ok(KeyPair {
        private_pem,
        public_pem,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn generates_pem_pair() {
        let kp = super::generate().unwrap();
        assert!(kp.private_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
        assert!(kp.public_pem.starts_with("-----BEGIN PUBLIC KEY-----"));
    }
}
