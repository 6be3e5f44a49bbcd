//! Federation: how roost speaks ActivityPub with other servers.
//!
//! - [`protocol`]: the wire types roost reads, tolerant of what Mastodon,
//!   GoToSocial, Akkoma, Misskey and Lemmy emit.
//! - [`convert`]: roost's rows as the JSON documents Mastodon emits.
//! - [`signatures`]: HTTP signatures (draft-cavage, rsa-sha256) on `ring`.
//! - [`fetch`]: signed GETs of actors and objects, WebFinger resolution.
//! - [`inbox`]: verifying an inbound POST and applying its activity.
//! - [`activities`]: applying each kind of inbound activity.
//! - [`outbox`]: what each local action sends, and to whom.
//! - [`deliver`]: addressing an outbound activity and sending it from the
//!   persistent job queue.
//! - [`failures`]: the operator's view of what failed with whom, condensed.
//!
//! roost does not use the `activitypub_federation` crate (DESIGN.md decision
//! 5); docs/federation.md records why.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::error::{Error, Result};
use signatures::{PrivateKey, PublicKey};

pub mod activities;
pub mod boosts;
pub mod convert;
pub mod deliver;
pub mod failures;
pub mod fetch;
pub mod flags;
pub mod inbox;
pub mod notes;
pub mod outbox;
pub mod protocol;
pub mod quotes;
pub mod signatures;

/// The media type of ActivityPub documents roost serves and sends.
pub const ACTIVITY_JSON: &str = "application/activity+json";
/// What roost asks for when it fetches an ActivityPub document.
pub const ACCEPT_AP: &str = "application/activity+json, application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"";

/// Long-lived federation state: the guarded client and parsed keys.
pub struct Federation {
    pub http: crate::net::Client,
    /// The instance actor's (`/actor`) key pair, which signs roost's GETs:
    /// loaded, or made on a new instance, when first needed
    /// (`AppState::instance_key`).
    pub instance: tokio::sync::OnceCell<InstanceKey>,
    /// Local accounts' private keys, parsed once.
    local_keys: Mutex<HashMap<i64, Arc<PrivateKey>>>,
    /// Held while a local account's key pair is made, by account id modulo
    /// their number: one pair per account (concurrent first fetches wait for
    /// it) and a few at once on this node, since an actor's first fetch is
    /// open to anyone and each pair costs a fraction of a second of a core.
    pub key_making: [tokio::sync::Mutex<()>; 4],
    /// Remote public keys by keyId, parsed once.
    /// keyId → (owner account, hash of the PEM it was parsed from, key).
    remote_keys: Mutex<HashMap<String, (i64, u64, PublicKey)>>,
    /// Under `moderation.review_remote = "new_domains"`: servers first met
    /// after this moment are reviewed.
    pub review_since: Option<chrono::DateTime<chrono::Utc>>,
    /// Deliveries in flight per remote host, so one slow server cannot take
    /// every delivery worker (and no server gets more than a few at once).
    host_slots: Mutex<HashMap<String, Arc<tokio::sync::Semaphore>>>,
    /// Failed fetches, signature checks and deliveries, logged condensed.
    pub failures: failures::FailureLog,
}

/// The instance actor's key pair, parsed.
pub struct InstanceKey {
    pub private: Arc<PrivateKey>,
    pub public_pem: String,
}

impl InstanceKey {
    pub fn from_pems(private_pem: &str, public_pem: String) -> Result<Self> {
        let key = PrivateKey::from_pem(private_pem)
            .map_err(|e| Error::internal(format!("instance actor key: {e}")))?;
        Ok(Self {
            private: Arc::new(key),
            public_pem,
        })
    }
}

/// Deliveries one node sends to one host at the same time.
pub const DELIVERIES_PER_HOST: usize = 4;

impl Federation {
    pub fn new(
        http: crate::net::Client,
        review_since: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Self {
        Self {
            http,
            instance: tokio::sync::OnceCell::new(),
            local_keys: Mutex::default(),
            key_making: Default::default(),
            remote_keys: Mutex::default(),
            review_since,
            host_slots: Mutex::default(),
            failures: failures::FailureLog::default(),
        }
    }

    /// The parsed private key of local account `id`.
    pub fn local_key(&self, id: i64, pem: &str) -> Result<Arc<PrivateKey>> {
        if let Some(k) = self
            .local_keys
            .lock()
            .ok()
            .and_then(|m| m.get(&id).cloned())
        {
            return Ok(k);
        }
        let key = Arc::new(
            PrivateKey::from_pem(pem).map_err(|e| Error::internal(format!("account key: {e}")))?,
        );
        if let Ok(mut m) = self.local_keys.lock() {
            m.insert(id, key.clone());
        }
        Ok(key)
    }

    /// A remote public key by keyId, parsed and cached; `None` if the PEM is unreadable.
    pub fn remote_key(&self, key_id: &str, account_id: i64, pem: &str) -> Option<PublicKey> {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        pem.hash(&mut h);
        let pem_hash = h.finish();
        // A rotated key (a new PEM for the same keyId) is parsed afresh.
        if let Some((owner, hash, k)) = self
            .remote_keys
            .lock()
            .ok()
            .and_then(|m| m.get(key_id).cloned())
            && owner == account_id
            && hash == pem_hash
        {
            return Some(k);
        }
        let key = PublicKey::from_pem(pem).ok()?;
        if let Ok(mut m) = self.remote_keys.lock() {
            if m.len() > 50_000 {
                m.clear();
            }
            m.insert(key_id.to_string(), (account_id, pem_hash, key.clone()));
        }
        Some(key)
    }

    /// A delivery slot for `host`, or `None` when this node already has
    /// [`DELIVERIES_PER_HOST`] deliveries to it in flight.
    pub fn host_slot(&self, host: &str) -> Option<tokio::sync::OwnedSemaphorePermit> {
        let sem = {
            let mut slots = self
                .host_slots
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if slots.len() > 10_000 {
                // Forget idle hosts now and then.
                slots.retain(|_, s| s.available_permits() < DELIVERIES_PER_HOST);
            }
            slots
                .entry(host.to_string())
                .or_insert_with(|| Arc::new(tokio::sync::Semaphore::new(DELIVERIES_PER_HOST)))
                .clone()
        };
        sem.try_acquire_owned().ok()
    }

    /// The account whose key `key_id` was parsed lately.
    pub fn remote_key_owner(&self, key_id: &str) -> Option<i64> {
        self.remote_keys
            .lock()
            .ok()
            .and_then(|m| m.get(key_id).map(|(owner, _, _)| *owner))
    }

    /// Forgets a remote key (after a failed verification, before re-fetching).
    pub fn forget_remote_key(&self, key_id: &str) {
        if let Ok(mut m) = self.remote_keys.lock() {
            m.remove(key_id);
        }
    }
}

/// The origin of a URL: scheme, host and port. Two URLs on different ports
/// of one host are different origins (as two instances on loopback are).
pub fn origin(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    let host = u.host_str()?;
    Some(match u.port_or_known_default() {
        Some(p) => format!("{}://{}:{p}", u.scheme(), host.to_ascii_lowercase()),
        None => format!("{}://{}", u.scheme(), host.to_ascii_lowercase()),
    })
}

/// `host[:port]` of a URL, lower-cased: the `domain` of a remote account and
/// the key of instances and domain blocks.
pub fn domain_of(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    let host = u.host_str()?.to_ascii_lowercase();
    Some(match u.port() {
        Some(p) => format!("{host}:{p}"),
        None => host,
    })
}

/// Whether two URLs share an origin.
pub fn same_origin(a: &str, b: &str) -> bool {
    matches!((origin(a), origin(b)), (Some(x), Some(y)) if x == y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_host_gets_a_bounded_number_of_delivery_slots_and_never_waits() {
        let client = crate::net::Client::new(crate::net::Policy::default(), "roost-test").unwrap();
        let fed = Federation::new(client, None);
        let held: Vec<_> = (0..DELIVERIES_PER_HOST)
            .map(|_| fed.host_slot("busy.example").expect("a free slot"))
            .collect();
        assert!(fed.host_slot("busy.example").is_none(), "busy: no slot");
        assert!(
            fed.host_slot("other.example").is_some(),
            "others unaffected"
        );
        drop(held);
        assert!(fed.host_slot("busy.example").is_some(), "free again");
    }

    #[test]
    fn origin_counts_port_and_scheme() {
        assert!(same_origin(
            "https://a.example/users/x",
            "https://a.example:443/y"
        ));
        assert!(!same_origin(
            "http://127.0.0.1:8081/a",
            "http://127.0.0.1:8082/a"
        ));
        assert!(!same_origin("http://a.example/a", "https://a.example/a"));
        assert!(!same_origin("not a url", "not a url"));
        assert_eq!(
            domain_of("http://127.0.0.1:8081/users/a").as_deref(),
            Some("127.0.0.1:8081")
        );
        assert_eq!(
            domain_of("https://A.Example/users/a").as_deref(),
            Some("a.example")
        );
    }
}
