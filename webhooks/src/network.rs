//! Where deliveries may connect. A webhook URL is typed by a team member, so without a rule
//! Ferry would POST wherever it is told: to its own loopback services, the private network it
//! runs in, or a cloud's metadata service (`169.254.169.254`), which hands out credentials.
//! Only public addresses are allowed, plus the networks the operator lists in
//! `FERRY_WEBHOOK_ALLOWED_NETWORKS`.
//!
//! The rule is applied where the address is chosen: [`PolicyResolver`] is the HTTP client's
//! resolver, so the addresses it checks are the only ones the client may connect to. A name
//! that answers a public address to a check and a private one to the connection (DNS
//! rebinding) has no second answer to give. IP literals never reach a resolver; the sender
//! checks them itself before sending.

use std::{
    future::Future,
    io,
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    pin::Pin,
    str::FromStr,
    sync::Arc,
};

use ipnet::IpNet;

/// The operator's choices about where deliveries may go.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetworkPolicy {
    /// Networks allowed although they are not public (`FERRY_WEBHOOK_ALLOWED_NETWORKS`).
    pub allowed: Vec<IpNet>,
    /// Whether plain `http://` URLs are accepted (`FERRY_WEBHOOK_ALLOW_HTTP`).
    pub allow_http: bool,
}

/// A refused address, said so a person can act on it.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("{host} resolves to {address}, a {kind} address Ferry does not deliver to; an operator can allow it in FERRY_WEBHOOK_ALLOWED_NETWORKS")]
pub struct AddressRefused {
    pub host: String,
    pub address: IpAddr,
    pub kind: &'static str,
}

impl NetworkPolicy {
    /// Parses `FERRY_WEBHOOK_ALLOWED_NETWORKS`: CIDRs (or single addresses) separated by
    /// commas or spaces.
    pub fn parse_allowed(text: &str) -> Result<Vec<IpNet>, String> {
        text.split([',', ' '])
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(|item| {
                IpNet::from_str(item)
                    .or_else(|_| IpAddr::from_str(item).map(IpNet::from))
                    .map_err(|_| format!("“{item}” is not a network like 10.1.0.0/16 or an address like 127.0.0.1"))
            })
            .collect()
    }

    /// `Ok` when a delivery may connect to `address`, else why not.
    pub fn check(&self, host: &str, address: IpAddr) -> Result<(), AddressRefused> {
        let address = canonical(address);
        if self.allowed.iter().any(|net| net.contains(&address)) {
            return Ok(());
        }
        match special(address) {
            None => Ok(()),
            Some(kind) => Err(AddressRefused {
                host: host.to_owned(),
                address,
                kind,
            }),
        }
    }
}

/// An IPv4 address written as IPv6 (`::ffff:10.0.0.1`) is judged as the IPv4 address.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

/// What kind of non-public address this is, or `None` for a public one.
fn special(address: IpAddr) -> Option<&'static str> {
    match address {
        IpAddr::V4(v4) => special_v4(v4),
        IpAddr::V6(v6) => special_v6(v6),
    }
}

fn special_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, ..] = ip.octets();
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_private() {
        Some("private")
    } else if ip.is_link_local() {
        // 169.254.0.0/16 holds the cloud metadata services.
        Some("link-local (cloud metadata)")
    } else if a == 100 && (64..128).contains(&b) {
        Some("shared (carrier-grade NAT)")
    } else if ip.is_unspecified() || a == 0 {
        Some("unspecified")
    } else if ip.is_broadcast() || ip.is_multicast() || a >= 240 {
        Some("broadcast, multicast or reserved")
    } else if ip.is_documentation()
        || (a == 198 && (b == 18 || b == 19))
        || (a == 192 && b == 0 && ip.octets()[2] == 0)
    {
        Some("reserved")
    } else {
        None
    }
}

fn special_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let first = ip.segments()[0];
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_unspecified() {
        Some("unspecified")
    } else if first & 0xfe00 == 0xfc00 {
        Some("private (unique local)")
    } else if first & 0xffc0 == 0xfe80 {
        Some("link-local")
    } else if ip.is_multicast() {
        Some("multicast")
    } else if first == 0x0064 && ip.segments()[1] == 0xff9b {
        // NAT64 can reach any IPv4 address, private ones included.
        Some("NAT64")
    } else if first == 0x2001 && ip.segments()[1] == 0x0db8 {
        Some("reserved")
    } else {
        None
    }
}

/// The boxed future a [`Lookup`] answers.
pub type LookupFuture = Pin<Box<dyn Future<Output = io::Result<Vec<IpAddr>>> + Send>>;

/// Turns a host name into addresses: the system's resolver in production; the tests give
/// their own to answer what a hostile DNS server would.
pub trait Lookup: Send + Sync + 'static {
    fn lookup(&self, host: &str) -> LookupFuture;
}

/// `getaddrinfo`, through tokio.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemLookup;

impl Lookup for SystemLookup {
    fn lookup(&self, host: &str) -> LookupFuture {
        let host = host.to_owned();
        Box::pin(async move {
            Ok(tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .map(|socket| socket.ip())
                .collect())
        })
    }
}

/// The HTTP client's resolver: looks a name up and hands the client only the addresses the
/// policy allows; when none is allowed, the connection fails with [`AddressRefused`].
pub(crate) struct PolicyResolver {
    pub policy: Arc<NetworkPolicy>,
    pub lookup: Arc<dyn Lookup>,
}

impl reqwest::dns::Resolve for PolicyResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let (policy, lookup) = (self.policy.clone(), self.lookup.clone());
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addresses = lookup.lookup(&host).await?;
            let mut refused = None;
            let allowed: Vec<SocketAddr> = addresses
                .into_iter()
                .filter(|address| match policy.check(&host, *address) {
                    Ok(()) => true,
                    Err(why) => {
                        refused.get_or_insert(why);
                        false
                    }
                })
                .map(|address| SocketAddr::new(address, 0))
                .collect();
            if allowed.is_empty() {
                let error: Box<dyn std::error::Error + Send + Sync> = match refused {
                    Some(why) => Box::new(why),
                    None => Box::new(io::Error::new(
                        io::ErrorKind::NotFound,
                        format!("{host} has no address"),
                    )),
                };
                return Err(error);
            }
            let addrs: reqwest::dns::Addrs = Box::new(allowed.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(policy: &NetworkPolicy, ip: &str) -> bool {
        policy.check("host", ip.parse().unwrap()).is_err()
    }

    #[test]
    fn private_loopback_link_local_and_metadata_addresses_are_refused() {
        let policy = NetworkPolicy::default();
        for ip in [
            "127.0.0.1",
            "10.0.0.1",
            "172.16.5.4",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a00:1",
        ] {
            assert!(refused(&policy, ip), "{ip} should be refused");
        }
        for ip in ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111"] {
            assert!(!refused(&policy, ip), "{ip} is public");
        }
    }

    #[test]
    fn the_operator_can_allow_networks() {
        let policy = NetworkPolicy {
            allowed: NetworkPolicy::parse_allowed("127.0.0.1, 10.1.0.0/16").unwrap(),
            allow_http: false,
        };
        assert!(!refused(&policy, "127.0.0.1"));
        assert!(!refused(&policy, "10.1.2.3"));
        assert!(refused(&policy, "10.2.0.1"));
        assert!(refused(&policy, "169.254.169.254"));
        let error = NetworkPolicy::parse_allowed("10.0.0.0/33").unwrap_err();
        assert!(error.contains("10.0.0.0/33"), "{error}");
    }

    #[test]
    fn a_refusal_names_the_host_the_address_and_the_setting() {
        let error = NetworkPolicy::default()
            .check("metadata.internal", "169.254.169.254".parse().unwrap())
            .unwrap_err()
            .to_string();
        assert!(error.contains("metadata.internal"), "{error}");
        assert!(error.contains("169.254.169.254"), "{error}");
        assert!(error.contains("FERRY_WEBHOOK_ALLOWED_NETWORKS"), "{error}");
    }
}
