//! The addresses a container sees for the host and for its DNS forwarder, per
//! network mode: the files written at create name them, and the helper started
//! at start must give them (pasta: `--dns-forward PASTA_DNS` and its own default
//! addresses; slirp4netns: its fixed ones, with host loopback allowed).

use super::Network;
use std::net::{IpAddr, Ipv4Addr};

/// Where pasta answers DNS for the container, passing queries on to the host's
/// first resolver (Podman's choice: link-local, so it clashes with no network).
pub const PASTA_DNS: Ipv4Addr = Ipv4Addr::new(169, 254, 1, 1);
/// slirp4netns's fixed addresses: the host (its loopback), its DNS forwarder,
/// and the container's own.
pub const SLIRP_HOST: Ipv4Addr = Ipv4Addr::new(10, 0, 2, 2);
pub const SLIRP_DNS: Ipv4Addr = Ipv4Addr::new(10, 0, 2, 3);
pub const SLIRP_GUEST: Ipv4Addr = Ipv4Addr::new(10, 0, 2, 100);

/// What a container in a mode reaches the host and DNS through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Addresses {
    /// `host.containers.internal`: an address that leads to the host's own
    /// loopback; none when the mode has no way to the host.
    pub host: Option<IpAddr>,
    /// The helper's DNS forwarder, for when the host's resolvers are on its
    /// loopback, which the container's namespace cannot reach.
    pub dns_forwarder: Option<IpAddr>,
    /// The container's own address, for its name in /etc/hosts.
    pub own: IpAddr,
}

/// The addresses of `network`; pasta's depend on the host's default route.
pub fn for_mode(network: &Network) -> Addresses {
    let routes = || std::fs::read_to_string("/proc/net/route").ok();
    of(network, routes)
}

/// The container's own address in its hosts file where it has none of its own
/// to name (Debian's choice for the machine's name); on bridges the monitor
/// puts the address the run got in its place.
pub const OWN_STAND_IN: Ipv4Addr = Ipv4Addr::new(127, 0, 1, 1);

fn of(network: &Network, routes: impl FnOnce() -> Option<String>) -> Addresses {
    let loopback = IpAddr::V4(OWN_STAND_IN);
    match network {
        Network::Host => Addresses {
            host: Some(IpAddr::V4(Ipv4Addr::LOCALHOST)),
            dns_forwarder: None,
            own: loopback,
        },
        // Bridge: filled in by the holder's integration (issue 12); pasta is
        // its uplink.
        Network::Bridge(_) => of(&Network::Pasta(vec![]), routes),
        Network::Pasta(opts) => Addresses {
            host: pasta_host(opts, routes),
            dns_forwarder: Some(IpAddr::V4(PASTA_DNS)),
            own: loopback,
        },
        Network::Slirp4netns(opts) => Addresses {
            host: (!opts.iter().any(|o| o == "allow_host_loopback=false"))
                .then_some(IpAddr::V4(SLIRP_HOST)),
            dns_forwarder: Some(IpAddr::V4(SLIRP_DNS)),
            own: IpAddr::V4(SLIRP_GUEST),
        },
        Network::None | Network::Container(_) | Network::Ns(_) => Addresses {
            host: None,
            dns_forwarder: None,
            own: loopback,
        },
    }
}

/// pasta maps its gateway address to the host's loopback unless told
/// `--no-map-gw`; the gateway is the one given (`-g`), else the host's.
fn pasta_host(opts: &[String], routes: impl FnOnce() -> Option<String>) -> Option<IpAddr> {
    if opts.iter().any(|o| o == "--no-map-gw") {
        return None;
    }
    let mut args = opts.iter();
    while let Some(o) = args.next() {
        let given = match o.as_str() {
            "-g" | "--gateway" => args.next().map(String::as_str),
            o => o.strip_prefix("--gateway="),
        };
        if let Some(ip) = given.and_then(|g| g.parse::<IpAddr>().ok()) {
            if ip.is_ipv4() {
                return Some(ip);
            }
        }
    }
    default_gateway(&routes()?).map(IpAddr::V4)
}

/// The IPv4 default route's gateway in /proc/net/route's text (hex, in the
/// kernel's byte order, which is little-endian on every host we run on).
fn default_gateway(routes: &str) -> Option<Ipv4Addr> {
    routes.lines().skip(1).find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (dest, gw) = (fields.get(1)?, fields.get(2)?);
        let gw = u32::from_str_radix(gw, 16).ok()?;
        (*dest == "00000000" && gw != 0).then(|| Ipv4Addr::from(gw.swap_bytes()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROUTES: &str = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\n\
        eth0\t0002000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\n\
        eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\n";

    #[test]
    fn pasta_maps_the_gateway_to_the_host() {
        let at = |opts: &[&str]| {
            let opts: Vec<String> = opts.iter().map(|s| s.to_string()).collect();
            of(&Network::Pasta(opts), || Some(ROUTES.to_owned())).host
        };
        assert_eq!(at(&[]), Some("192.0.2.1".parse().unwrap()));
        assert_eq!(at(&["-g", "10.9.8.1"]), Some("10.9.8.1".parse().unwrap()));
        assert_eq!(
            at(&["--gateway=10.9.8.1"]),
            Some("10.9.8.1".parse().unwrap())
        );
        assert_eq!(at(&["--no-map-gw"]), None);
        assert_eq!(of(&Network::Pasta(vec![]), || None).host, None);
    }

    #[test]
    fn slirp4netns_and_the_rest() {
        let slirp = of(&Network::Slirp4netns(vec![]), || None);
        assert_eq!(slirp.host, Some(IpAddr::V4(SLIRP_HOST)));
        assert_eq!(slirp.dns_forwarder, Some(IpAddr::V4(SLIRP_DNS)));
        let closed = Network::Slirp4netns(vec!["allow_host_loopback=false".into()]);
        assert_eq!(of(&closed, || None).host, None);
        assert_eq!(of(&Network::None, || None).host, None);
        assert_eq!(of(&Network::None, || None).dns_forwarder, None);
    }
}
