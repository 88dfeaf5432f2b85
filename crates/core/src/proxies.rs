//! Which reverse proxies the operator trusts, and the client address they vouch for.
//!
//! Behind a load balancer every request arrives from the balancer's address, and the client's
//! is in `X-Forwarded-For`. That header is believed only when the request comes from a trusted
//! proxy, and then read from the right, skipping trusted hops: whatever a client writes into it
//! itself sits further left and is never reached.

use std::net::{IpAddr, SocketAddr};

use ipnet::IpNet;

/// The proxies whose `X-Forwarded-For` is believed; empty by default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses a comma-separated list of addresses and CIDR ranges (`10.0.0.0/8, 2001:db8::1`).
    pub fn parse(list: &str) -> Result<Self, String> {
        let mut ranges = Vec::new();
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let range = entry
                .parse::<IpNet>()
                .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("'{entry}' is not an IP address or a CIDR range"))?;
            ranges.push(range);
        }
        Ok(Self(ranges))
    }

    pub fn contains(&self, address: IpAddr) -> bool {
        let address = address.to_canonical();
        self.0.iter().any(|range| range.contains(&address))
    }

    /// The client's address: the peer's, unless the peer is a trusted proxy; then the
    /// right-most `X-Forwarded-For` address that is not a trusted proxy. `forwarded_for` holds
    /// the header's values in the order they came.
    pub fn client<'a>(&self, peer: IpAddr, forwarded_for: impl Iterator<Item = &'a str>) -> IpAddr {
        let mut client = peer.to_canonical();
        if !self.contains(client) {
            return client;
        }
        let hops: Vec<&str> = forwarded_for.flat_map(|value| value.split(',')).collect();
        for hop in hops.into_iter().rev() {
            match parse_hop(hop.trim()) {
                Some(address) => {
                    client = address.to_canonical();
                    if !self.contains(client) {
                        return client;
                    }
                }
                // A hop a trusted proxy could not vouch for (`unknown`, garbage): stop at the
                // last address it could.
                None => {
                    tracing::debug!(hop, "unreadable X-Forwarded-For entry");
                    return client;
                }
            }
        }
        client
    }
}

/// An address as proxies write it: bare, or with a port (`192.0.2.1:5678`, `[2001:db8::1]:443`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>().ok().or_else(|| hop.parse::<SocketAddr>().ok().map(|socket| socket.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn without_trusted_proxies_the_header_is_ignored() {
        let none = TrustedProxies::default();
        assert_eq!(none.client(ip("192.0.2.1"), ["203.0.113.9"].into_iter()), ip("192.0.2.1"));
    }

    #[test]
    fn a_trusted_proxy_names_the_client_and_spoofed_hops_are_never_reached() {
        let proxies = TrustedProxies::parse("10.0.0.0/8, 192.0.2.1").unwrap();
        let peer = ip("10.1.2.3");
        assert_eq!(proxies.client(peer, ["203.0.113.9"].into_iter()), ip("203.0.113.9"));
        // The client wrote "1.1.1.1" itself; the proxies appended what they saw.
        let header = ["1.1.1.1, 203.0.113.9", "192.0.2.1"];
        assert_eq!(proxies.client(peer, header.into_iter()), ip("203.0.113.9"));
        // No header, or only proxies in it: the last proxy is all we know.
        assert_eq!(proxies.client(peer, std::iter::empty()), peer);
        assert_eq!(proxies.client(peer, ["192.0.2.1"].into_iter()), ip("192.0.2.1"));
        // Proxies that add ports are understood.
        assert_eq!(proxies.client(peer, ["203.0.113.9:5678"].into_iter()), ip("203.0.113.9"));
        assert_eq!(proxies.client(peer, ["[2001:db8::7]:443"].into_iter()), ip("2001:db8::7"));
        // Garbage stops the walk at the last address a trusted proxy vouched for.
        assert_eq!(proxies.client(peer, ["203.0.113.9, nonsense"].into_iter()), peer);
        // An untrusted peer's header is ignored, however it looks.
        assert_eq!(proxies.client(ip("198.51.100.7"), ["10.0.0.1"].into_iter()), ip("198.51.100.7"));
    }

    #[test]
    fn ipv4_mapped_addresses_match_their_ipv4_ranges() {
        let proxies = TrustedProxies::parse("127.0.0.1").unwrap();
        assert!(proxies.contains(ip("::ffff:127.0.0.1")));
    }

    #[test]
    fn bad_entries_are_named() {
        let error = TrustedProxies::parse("10.0.0.0/8, proxy.internal").unwrap_err();
        assert!(error.contains("'proxy.internal'"), "{error}");
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert_eq!(TrustedProxies::parse(" ").unwrap(), TrustedProxies::default());
    }
}
