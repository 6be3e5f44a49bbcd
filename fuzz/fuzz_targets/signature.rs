//! HTTP Signature headers from the network: `Signature` parsing, and the
//! verification of a parsed signature against arbitrary request headers,
//! end in a clean error or a verdict, never a panic.
#![no_main]

use std::sync::LazyLock;

use http::{HeaderMap, HeaderName, HeaderValue, Method};
use libfuzzer_sys::fuzz_target;
use roost::federation::signatures::{self, PublicKey};

// A real RSA key, so that verification runs to the end.
static KEY: LazyLock<PublicKey> = LazyLock::new(|| {
    let pair = roost::auth::keys::generate().expect("key");
    PublicKey::from_pem(&pair.public_pem).expect("key")
});

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // First line: the Signature header; the rest: other request headers.
    let mut lines = text.split('\n');
    let header = lines.next().unwrap_or("");
    let mut headers = HeaderMap::new();
    for line in lines {
        if let Some((k, v)) = line.split_once(':') {
            if let (Ok(k), Ok(v)) = (
                HeaderName::try_from(k.trim()),
                HeaderValue::try_from(v.trim()),
            ) {
                headers.append(k, v);
            }
        }
    }
    let _ = signatures::key_owner_hint(header);
    let _ = signatures::verify_digest(&headers, data);
    if let Ok(params) = signatures::parse_signature(header) {
        let now = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default();
        let result = signatures::verify_request(
            &params,
            &Method::POST,
            "/inbox",
            Some("a=b"),
            &headers,
            &KEY,
            now,
        );
        // Nothing here is signed by the key's owner.
        assert!(result.is_err(), "a fuzzed signature verified: {header:?}");
    }
});
