//! The host's nameservers, read from its resolv.conf as glibc reads them.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// glibc asks at most this many (MAXNS) and ignores the rest.
const MAX_NAMESERVERS: usize = 3;

/// The `nameserver` lines of `resolv_conf`'s text, port 53; the host's own
/// (127.0.0.1) when there are none, as glibc does.
pub fn nameservers(resolv_conf: &str) -> Vec<SocketAddr> {
    let found: Vec<SocketAddr> = resolv_conf
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            if words.next() != Some("nameserver") {
                return None;
            }
            // A scoped (link-local) address needs its interface, which a
            // forwarder outside the host's namespace cannot name.
            words.next()?.parse::<IpAddr>().ok()
        })
        .take(MAX_NAMESERVERS)
        .map(|ip| SocketAddr::new(ip, 53))
        .collect();
    if found.is_empty() {
        return vec![SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 53)];
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nameserver_lines_in_order() {
        let conf = "# generated\nsearch example.org\nnameserver 127.0.0.53\n\
            ;nameserver 9.9.9.9\nnameserver  2001:db8::1 \noptions edns0\n\
            nameserver fe80::1%eth0\nnameserver bogus\n";
        assert_eq!(
            nameservers(conf),
            ["127.0.0.53:53", "[2001:db8::1]:53"].map(|s| s.parse().unwrap())
        );
    }

    #[test]
    fn at_most_three_and_localhost_when_none() {
        let conf =
            "nameserver 10.0.0.1\nnameserver 10.0.0.2\nnameserver 10.0.0.3\nnameserver 10.0.0.4\n";
        assert_eq!(nameservers(conf).len(), 3);
        assert_eq!(nameservers(""), ["127.0.0.1:53".parse().unwrap()]);
    }
}
