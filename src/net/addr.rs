//! Which addresses and URLs roost may reach: the address classification, the
//! resolver that drops non-public addresses, and the per-hop URL check.
//!
//! Names and addresses are checked in two places because hyper never asks the
//! resolver about an IP-literal host: [`check_url`] covers literals (and the
//! scheme, credentials and `localhost`), [`GuardedResolver`] covers names.

use std::error::Error as StdError;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

use super::{NetError, Policy};

/// How long one DNS lookup may take before the request fails as a timeout.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(5);

/// Whether `ip` is an address on the public internet, the only kind roost
/// connects to unless [`Policy::allow_private`] is set.
///
/// An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) and a NAT64 address
/// (`64:ff9b::a.b.c.d`) are judged by the IPv4 address they carry.
pub fn is_public(ip: IpAddr) -> bool {
    match ip.to_canonical() {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

/// IPv4 networks roost never connects to, as (network, prefix length).
const V4_NOT_PUBLIC: [(Ipv4Addr, u8); 14] = [
    (Ipv4Addr::new(0, 0, 0, 0), 8),       // "this network", with 0.0.0.0
    (Ipv4Addr::new(10, 0, 0, 0), 8),      // private
    (Ipv4Addr::new(100, 64, 0, 0), 10),   // carrier-grade NAT
    (Ipv4Addr::new(127, 0, 0, 0), 8),     // loopback
    (Ipv4Addr::new(169, 254, 0, 0), 16),  // link-local, cloud metadata
    (Ipv4Addr::new(172, 16, 0, 0), 12),   // private
    (Ipv4Addr::new(192, 0, 0, 0), 24),    // IETF protocol assignments
    (Ipv4Addr::new(192, 0, 2, 0), 24),    // documentation
    (Ipv4Addr::new(192, 168, 0, 0), 16),  // private
    (Ipv4Addr::new(198, 18, 0, 0), 15),   // benchmarking
    (Ipv4Addr::new(198, 51, 100, 0), 24), // documentation
    (Ipv4Addr::new(203, 0, 113, 0), 24),  // documentation
    (Ipv4Addr::new(224, 0, 0, 0), 4),     // multicast
    (Ipv4Addr::new(240, 0, 0, 0), 4),     // reserved, with the broadcast address
];

/// IPv6 networks roost never connects to, as (network, prefix length).
/// (64:ff9b::/96, NAT64, is judged by its embedded IPv4 address; IPv4-mapped
/// addresses are made IPv4 before any table is read.)
const V6_NOT_PUBLIC: [(Ipv6Addr, u8); 8] = [
    (Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 0), 96), // ::, ::1, IPv4-compatible
    (Ipv6Addr::new(0x64, 0xff9b, 1, 0, 0, 0, 0, 0), 48), // local-use NAT64
    (Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32), // documentation
    (Ipv6Addr::new(0x2002, 0, 0, 0, 0, 0, 0, 0), 16), // 6to4
    (Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7), // unique local
    (Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10), // link-local
    (Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0), 10), // old site-local
    (Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0), 8), // multicast
];

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let ip = u32::from(ip);
    !V4_NOT_PUBLIC.iter().any(|&(net, len)| {
        let mask = u32::MAX << (32 - u32::from(len));
        ip & mask == u32::from(net)
    })
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = nat64_embedded(ip) {
        return is_public_v4(v4);
    }
    let bits = u128::from(ip);
    let listed = V6_NOT_PUBLIC.iter().any(|&(net, len)| {
        let mask = u128::MAX << (128 - u32::from(len));
        bits & mask == u128::from(net)
    });
    // Outside 2000::/3 nothing is allocated for global unicast either.
    let global_unicast = bits >> 125 == 0b001;
    !listed && global_unicast
}

/// The IPv4 address inside a 64:ff9b::/96 address, where a NAT64 gateway
/// would connect.
fn nat64_embedded(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    const PREFIX: [u8; 12] = [0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0];
    let [prefix @ .., a, b, c, d] = ip.octets();
    (prefix == PREFIX).then(|| Ipv4Addr::new(a, b, c, d))
}

/// Refuses `url` unless roost may request it under `policy`.
///
/// Run before every request and every redirect hop: the scheme must be
/// `https` (or `http` with [`Policy::allow_http`]), the URL must have a host and
/// no credentials, and unless [`Policy::allow_private`] is set, an IP-literal
/// host must be public and the host must not be `localhost` or under
/// `.localhost`. Names are checked again when they resolve
/// ([`GuardedResolver`]).
pub fn check_url(url: &Url, policy: Policy) -> Result<(), NetError> {
    check_url_exempt(url, policy, &[])
}

/// [`check_url`], letting an IP-literal host through when its address and
/// port are in `exempt` (test servers on loopback).
pub(super) fn check_url_exempt(
    url: &Url,
    policy: Policy,
    exempt: &[SocketAddr],
) -> Result<(), NetError> {
    match url.scheme() {
        "https" => {}
        "http" if policy.allow_http => {}
        other => {
            return Err(NetError::Blocked(format!(
                "scheme {other:?} is not allowed"
            )));
        }
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(NetError::Blocked("credentials in the URL".into()));
    }
    let host = url
        .host()
        .ok_or_else(|| NetError::Blocked("the URL has no host".into()))?;
    if policy.allow_private {
        return Ok(());
    }
    let ip = match host {
        Host::Domain(name) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            if name == "localhost" || name.ends_with(".localhost") {
                return Err(NetError::Blocked(format!("{name} is a local name")));
            }
            return Ok(());
        }
        Host::Ipv4(v4) => IpAddr::V4(v4),
        Host::Ipv6(v6) => IpAddr::V6(v6),
    };
    let port = url.port_or_known_default().unwrap_or(0);
    if is_public(ip) || exempt.contains(&SocketAddr::new(ip, port)) {
        Ok(())
    } else {
        Err(NetError::Blocked(format!("{ip} is not a public address")))
    }
}

/// The DNS resolver of roost's client: it resolves with the system resolver
/// (5 s limit) and, unless `allow_private`, keeps only public addresses, so a
/// name pointing into the local network fails instead of connecting there.
/// Connections go to exactly the addresses returned here, so a name cannot
/// change its answer between the check and the connection.
#[derive(Clone, Copy, Debug)]
pub struct GuardedResolver {
    /// Keep loopback, private and other non-public addresses too.
    pub allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let lookup = tokio::net::lookup_host((host.as_str(), 0));
            let found = match tokio::time::timeout(LOOKUP_TIMEOUT, lookup).await {
                Ok(found) => found?,
                Err(_elapsed) => {
                    let msg = format!("DNS lookup of {host} timed out");
                    return Err(std::io::Error::new(std::io::ErrorKind::TimedOut, msg).into());
                }
            };
            let kept: Vec<SocketAddr> = found
                .filter(|addr| allow_private || is_public(addr.ip()))
                .collect();
            if kept.is_empty() {
                tracing::debug!(%host, "refused: resolves only to non-public addresses");
                return Err(Box::new(NonPublicName { host }) as Box<dyn StdError + Send + Sync>);
            }
            Ok(Box::new(kept.into_iter()) as Addrs)
        })
    }
}

/// The resolver's error for a name with no public address; the client maps it
/// to [`NetError::Blocked`].
#[derive(Debug)]
pub(super) struct NonPublicName {
    host: String,
}

impl fmt::Display for NonPublicName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} resolves only to non-public addresses", self.host)
    }
}

impl StdError for NonPublicName {}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    const STRICT: Policy = Policy {
        allow_http: false,
        allow_private: false,
    };
    const LOCAL: Policy = Policy {
        allow_http: true,
        allow_private: true,
    };

    #[test]
    fn non_public_addresses_are_recognised() {
        for s in [
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "127.0.0.1",
            "127.8.9.10",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.254",
            "0.0.0.0",
            "0.1.2.3",
            "192.0.0.8",
            "192.0.2.1",
            "198.18.0.1",
            "198.19.255.255",
            "203.0.113.5",
            "224.0.0.1",
            "240.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "::127.0.0.1",
            "fe80::1",
            "fc00::1",
            "fd12:3456::1",
            "fec0::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::7f00:1",
            "64:ff9b::a00:1",
            "64:ff9b:1::808:808",
            "2002:808:808::1",
            "2001:db8::1",
            "100::1",
        ] {
            assert!(!is_public(ip(s)), "{s} should not be public");
        }
    }

    #[test]
    fn public_addresses_are_recognised() {
        for s in [
            "8.8.8.8",
            "1.1.1.1",
            "100.63.255.255",
            "100.128.0.1",
            "172.32.0.1",
            "198.20.0.1",
            "2606:4700::",
            "2a01:4f8::1",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
        ] {
            assert!(is_public(ip(s)), "{s} should be public");
        }
    }

    #[test]
    fn check_url_refuses_http_without_allow_http() {
        assert!(matches!(
            check_url(&url("http://example.com/"), STRICT),
            Err(NetError::Blocked(_))
        ));
        assert!(check_url(&url("https://example.com/"), STRICT).is_ok());
        let http_ok = Policy {
            allow_http: true,
            ..STRICT
        };
        assert!(check_url(&url("http://example.com/"), http_ok).is_ok());
        assert!(check_url(&url("ftp://example.com/"), LOCAL).is_err());
    }

    #[test]
    fn check_url_refuses_loopback_literals_and_localhost_without_allow_private() {
        for s in [
            "https://127.0.0.1/",
            "https://[::1]:8443/",
            "https://[::ffff:127.0.0.1]/",
            "https://2130706433/",
            "https://localhost/",
            "https://LocalHost./x",
            "https://api.localhost/",
            "https://10.0.0.1/inbox",
        ] {
            assert!(
                matches!(check_url(&url(s), STRICT), Err(NetError::Blocked(_))),
                "{s} should be blocked"
            );
            assert!(
                check_url(&url(s), LOCAL).is_ok(),
                "{s} allowed when private"
            );
        }
        assert!(check_url(&url("https://8.8.8.8/"), STRICT).is_ok());
        assert!(check_url(&url("https://[2606:4700::1]/"), STRICT).is_ok());
    }

    #[test]
    fn check_url_refuses_credentials() {
        let u = url("https://user:pw@example.com/");
        assert!(matches!(check_url(&u, LOCAL), Err(NetError::Blocked(_))));
        let u = url("https://user@example.com/");
        assert!(matches!(check_url(&u, LOCAL), Err(NetError::Blocked(_))));
    }

    #[test]
    fn check_url_lets_exempt_socket_through_only_on_its_port() {
        let u = url("https://127.0.0.1:4443/");
        let exempt = [SocketAddr::from(([127, 0, 0, 1], 4443))];
        assert!(check_url_exempt(&u, STRICT, &exempt).is_ok());
        let other = url("https://127.0.0.1:4444/");
        assert!(check_url_exempt(&other, STRICT, &exempt).is_err());
    }

    #[tokio::test]
    async fn resolver_refuses_name_resolving_to_loopback() {
        let strict = GuardedResolver {
            allow_private: false,
        };
        let err = match strict.resolve("localhost".parse().unwrap()).await {
            Ok(_) => panic!("localhost resolved under a strict policy"),
            Err(e) => e,
        };
        assert!(err.downcast_ref::<NonPublicName>().is_some(), "{err}");
        assert!(err.to_string().contains("non-public"));

        let open = GuardedResolver {
            allow_private: true,
        };
        let addrs: Vec<_> = open
            .resolve("localhost".parse().unwrap())
            .await
            .unwrap()
            .collect();
        assert!(addrs.iter().all(|a| a.ip().is_loopback()) && !addrs.is_empty());
    }
}
