//! Who is asking: the client's address, as sign-in throttling and the audit log count it.
//!
//! Ferry speaks plain HTTP, so an HTTPS deployment puts a reverse proxy in front of it, and
//! then every connection comes from the proxy. The proxy names the client in
//! `X-Forwarded-For` or `Forwarded` (RFC 7239), but anyone can send those headers: they are
//! believed only when the connection comes from a proxy named in `FERRY_TRUSTED_PROXIES`, and
//! only as far as the chain of trusted proxies reaches. The client is the right-most address
//! in the chain that is not a trusted proxy; everything left of it is whatever that client
//! claimed.

use std::net::{IpAddr, SocketAddr};

use axum::{
    extract::{rejection::ExtensionRejection, ConnectInfo, FromRequestParts},
    http::{request::Parts, HeaderMap},
};
use ipnet::IpNet;

use super::AppState;

/// The reverse proxies whose forwarding headers are believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Comma-separated CIDRs (`10.0.0.0/8`, `fd00::/8`) or single addresses; empty is none.
    pub fn parse(list: &str) -> Result<Self, String> {
        list.split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(|entry| {
                entry.parse::<IpNet>().or_else(|_| entry.parse::<IpAddr>().map(IpNet::from)).map_err(|_| {
                    format!(
                        "'{entry}' is not an address range; use CIDRs like 10.0.0.0/8 or fd00::/8, or single \
                         addresses, comma separated"
                    )
                })
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }
}

/// The client's address as throttling and the audit log count it: see [`client_ip`] and
/// [`client_addr`]. Every handler that records or limits by address takes this.
pub struct ClientAddr(pub String);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = ExtensionRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ConnectInfo(peer) = ConnectInfo::<SocketAddr>::from_request_parts(parts, state).await?;
        let ip = client_ip(
            peer.ip(),
            &parts.headers,
            &state.config.security.trusted_proxies,
        );
        Ok(ClientAddr(client_addr(ip)))
    }
}

/// The client's IP: the peer, unless the peer is a trusted proxy; then the right-most hop of
/// the forwarding chain that is not a trusted proxy. `X-Forwarded-For` is read when present,
/// else `Forwarded`: proxies append to the header they maintain and pass the other through as
/// the client sent it, and every common proxy maintains `X-Forwarded-For`.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &TrustedProxies) -> IpAddr {
    let mut client = peer.to_canonical();
    if !trusted.contains(client) {
        return client;
    }
    for hop in forwarding_chain(headers).into_iter().rev() {
        // A hop that is no address (`unknown`, an obfuscated name) ends what can be known:
        // the trusted proxy that reported it stands for the client.
        let Some(hop) = hop else { break };
        client = hop;
        if !trusted.contains(hop) {
            break;
        }
    }
    client
}

/// The address throttling counts by: the IP, or its /64 for IPv6 (one subscriber usually
/// holds a whole /64).
pub fn client_addr(ip: IpAddr) -> String {
    match ip.to_canonical() {
        IpAddr::V4(ip) => ip.to_string(),
        IpAddr::V6(ip) => {
            let s = ip.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

/// The hops the proxies recorded, the client first and the nearest proxy last; `None` for an
/// entry that names no address.
fn forwarding_chain(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let values = |name: &str| {
        headers
            .get_all(name)
            .iter()
            .map(|value| value.to_str().ok())
            .collect::<Vec<_>>()
    };
    let x_forwarded_for = values("x-forwarded-for");
    if !x_forwarded_for.is_empty() {
        return x_forwarded_for
            .into_iter()
            .flat_map(|value| match value {
                Some(list) => list.split(',').map(node).collect(),
                None => vec![None],
            })
            .collect();
    }
    values("forwarded")
        .into_iter()
        .flat_map(|value| match value {
            // Each element is one hop; an element without `for=` says nothing about the client.
            Some(elements) => elements
                .split(',')
                .filter_map(forwarded_for)
                .map(node)
                .collect(),
            None => vec![None],
        })
        .collect()
}

/// The `for=` value of one `Forwarded` element.
fn forwarded_for(element: &str) -> Option<&str> {
    element.split(';').find_map(|pair| {
        let (name, value) = pair.split_once('=')?;
        name.trim().eq_ignore_ascii_case("for").then_some(value)
    })
}

/// One hop: `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1`, `[2001:db8::1]:4711`, quoted or not.
fn node(raw: &str) -> Option<IpAddr> {
    let raw = raw.trim().trim_matches('"');
    if let Some(bracketed) = raw.strip_prefix('[') {
        return bracketed.split_once(']')?.0.parse().ok().map(IpAddr::V6);
    }
    raw.parse::<IpAddr>()
        .ok()
        .or_else(|| {
            raw.split_once(':')
                .and_then(|(host, _port)| host.parse::<std::net::Ipv4Addr>().ok())
                .map(IpAddr::V4)
        })
        .map(|ip| ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(*name, value.parse().unwrap());
        }
        headers
    }

    fn proxies(list: &str) -> TrustedProxies {
        TrustedProxies::parse(list).unwrap()
    }

    #[test]
    fn the_client_is_the_right_most_hop_that_is_not_a_trusted_proxy() {
        let trusted = proxies("10.0.0.0/8");
        // The client sent a made-up address first; the proxies appended what they saw.
        let chain = headers(&[("x-forwarded-for", "6.6.6.6, 203.0.113.7, 10.0.0.2")]);
        assert_eq!(
            client_ip(ip("10.0.0.1"), &chain, &trusted),
            ip("203.0.113.7")
        );
        let split = headers(&[
            ("x-forwarded-for", "6.6.6.6"),
            ("x-forwarded-for", "203.0.113.7"),
        ]);
        assert_eq!(
            client_ip(ip("10.0.0.1"), &split, &trusted),
            ip("203.0.113.7"),
            "repeated headers are one list"
        );
        let all_trusted = headers(&[("x-forwarded-for", "10.9.9.9, 10.0.0.2")]);
        assert_eq!(
            client_ip(ip("10.0.0.1"), &all_trusted, &trusted),
            ip("10.9.9.9"),
            "the left-most when all are proxies"
        );
        let none = HeaderMap::new();
        assert_eq!(
            client_ip(ip("10.0.0.1"), &none, &trusted),
            ip("10.0.0.1"),
            "no header: the proxy itself"
        );
    }

    #[test]
    fn headers_from_an_untrusted_peer_are_ignored() {
        let chain = headers(&[
            ("x-forwarded-for", "203.0.113.7"),
            ("forwarded", "for=203.0.113.8"),
        ]);
        assert_eq!(
            client_ip(ip("198.51.100.1"), &chain, &proxies("10.0.0.0/8")),
            ip("198.51.100.1")
        );
        assert_eq!(
            client_ip(ip("10.0.0.1"), &chain, &TrustedProxies::default()),
            ip("10.0.0.1"),
            "none trusted by default"
        );
    }

    #[test]
    fn forwarded_for_is_read_in_all_its_spellings() {
        let trusted = proxies("10.0.0.0/8, 2001:db8:ffff::/48");
        let chain = headers(&[(
            "forwarded",
            r#"for=6.6.6.6;proto=https, For="[2001:db8:cafe::17]:4711";by=10.0.0.2, for=10.0.0.3"#,
        )]);
        assert_eq!(
            client_ip(ip("10.0.0.1"), &chain, &trusted),
            ip("2001:db8:cafe::17")
        );
        let with_port = headers(&[("forwarded", r#"proto=http;for="192.0.2.43:47011""#)]);
        assert_eq!(
            client_ip(ip("10.0.0.1"), &with_port, &trusted),
            ip("192.0.2.43")
        );
        let both = headers(&[
            ("forwarded", "for=6.6.6.6"),
            ("x-forwarded-for", "203.0.113.7"),
        ]);
        assert_eq!(
            client_ip(ip("10.0.0.1"), &both, &trusted),
            ip("203.0.113.7"),
            "X-Forwarded-For wins"
        );
    }

    #[test]
    fn a_hop_that_is_no_address_stops_at_the_proxy_that_reported_it() {
        let trusted = proxies("10.0.0.0/8");
        let chain = headers(&[("x-forwarded-for", "203.0.113.7, unknown, 10.0.0.2")]);
        assert_eq!(client_ip(ip("10.0.0.1"), &chain, &trusted), ip("10.0.0.2"));
        let obfuscated = headers(&[("forwarded", "for=_hidden")]);
        assert_eq!(
            client_ip(ip("10.0.0.1"), &obfuscated, &trusted),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn ipv4_mapped_peers_match_ipv4_ranges() {
        let chain = headers(&[("x-forwarded-for", "203.0.113.7")]);
        assert_eq!(
            client_ip(ip("::ffff:10.0.0.1"), &chain, &proxies("10.0.0.0/8")),
            ip("203.0.113.7")
        );
    }

    #[test]
    fn ipv6_clients_count_by_their_64() {
        assert_eq!(
            client_addr(ip("2001:db8:1:2:aaaa::1")),
            client_addr(ip("2001:db8:1:2:bbbb::9"))
        );
        assert_eq!(client_addr(ip("2001:db8:1:2:aaaa::1")), "2001:db8:1:2::/64");
        assert_eq!(client_addr(ip("10.0.0.1")), "10.0.0.1");
        assert_eq!(client_addr(ip("::ffff:10.0.0.1")), "10.0.0.1");
    }
}
