//! The simulated actors' keys: a few RSA-2048 pairs on disk, shared by the
//! fleet (which publishes the public halves), the load generator (which
//! signs with the private ones) and the seeder (which stores the public
//! halves in roost's database). The actors of port `p` use key `p % count`.

use std::path::Path;

use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};

use crate::args::Args;
use crate::signatures::PrivateKey;

/// Writes `--count` (default 4) key pairs into `--dir`.
pub fn keygen(args: &Args) -> Result<(), String> {
    let dir = args.str("dir")?;
    let count: usize = args.num("count", Some(4))?;
    std::fs::create_dir_all(&dir).map_err(|e| format!("{dir}: {e}"))?;
    for i in 0..count {
        let key =
            rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).map_err(|e| e.to_string())?;
        let private = key
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|e| e.to_string())?;
        let public = rsa::RsaPublicKey::from(&key)
            .to_public_key_pem(LineEnding::LF)
            .map_err(|e| e.to_string())?;
        write(&Path::new(&dir).join(format!("key{i}.pem")), &private)?;
        write(&Path::new(&dir).join(format!("key{i}.pub.pem")), &public)?;
    }
    println!("wrote {count} key pairs to {dir}");
    Ok(())
}

/// Times `--count` (default 2,000) signatures and verifications of a
/// Mastodon-sized signing string on this thread, with key 0 of `--keys`.
pub fn speed(args: &Args) -> Result<(), String> {
    let dir = args.str("keys")?;
    let n: u32 = args.num("count", Some(2000))?;
    let key = private_keys(&dir)?.swap_remove(0);
    let public = key.public_key();
    let msg = b"(request-target): post /inbox\nhost: 127.0.0.1:21000\n\
        date: Wed, 25 Nov 2026 23:00:00 GMT\n\
        digest: SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\
        content-type: application/activity+json";
    let t = std::time::Instant::now();
    let mut sig = Vec::new();
    for _ in 0..n {
        sig = key.sign_bytes(msg).map_err(|e| e.to_string())?;
    }
    let sign = t.elapsed().as_secs_f64() / f64::from(n);
    let t = std::time::Instant::now();
    for _ in 0..n {
        public.verify_bytes(msg, &sig).map_err(|e| e.to_string())?;
    }
    let verify = t.elapsed().as_secs_f64() / f64::from(n);
    println!(
        "SPEED sign_us={:.1} verify_us={:.1} count={n}",
        sign * 1e6,
        verify * 1e6
    );
    Ok(())
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

fn count(dir: &str) -> usize {
    (0..)
        .take_while(|i| Path::new(dir).join(format!("key{i}.pem")).exists())
        .count()
}

/// The public PEMs in `dir`, by index.
pub fn public_pems(dir: &str) -> Result<Vec<String>, String> {
    let n = count(dir);
    if n == 0 {
        return Err(format!("no keys in {dir} (run fedbench keygen)"));
    }
    (0..n)
        .map(|i| {
            let p = Path::new(dir).join(format!("key{i}.pub.pem"));
            std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))
        })
        .collect()
}

/// The private keys in `dir`, by index.
pub fn private_keys(dir: &str) -> Result<Vec<PrivateKey>, String> {
    let n = count(dir);
    if n == 0 {
        return Err(format!("no keys in {dir} (run fedbench keygen)"));
    }
    (0..n)
        .map(|i| {
            let p = Path::new(dir).join(format!("key{i}.pem"));
            let pem = std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
            PrivateKey::from_pem(&pem).map_err(|e| format!("{}: {e}", p.display()))
        })
        .collect()
}

/// The key index of the actors served on `port`.
pub fn index_for_port(port: u16, count: usize) -> usize {
    usize::from(port) % count
}
