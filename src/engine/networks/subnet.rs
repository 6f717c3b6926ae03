//! A network's subnet: parsed and checked as Podman checks it, or chosen from
//! Podman's pool (10.89.N.0/24, after the default network's 10.88.0.0/16)
//! clear of every other network and of the host's own routes, so that a
//! container on it can still reach what the host reaches.

use super::NetworksError;
use crate::engine::net::network::Subnet;
use ipnet::{IpNet, Ipv4Net};
use std::net::{IpAddr, Ipv4Addr};

/// The pool: 10.89.0.0/24, 10.89.1.0/24, ... up to the end of 10.0.0.0/8.
const POOL_START: Ipv4Addr = Ipv4Addr::new(10, 89, 0, 0);
const POOL_END: Ipv4Addr = Ipv4Addr::new(10, 255, 255, 0);

/// `--subnet` and `--ip-range`: a CIDR, with any host bits cleared
/// (10.89.0.5/24 is 10.89.0.0/24), as Podman reads them.
pub fn parse_cidr(s: &str) -> Result<IpNet, NetworksError> {
    s.parse::<IpNet>()
        .map(|n| n.trunc())
        .map_err(|_| invalid(format!("invalid CIDR address: {s}")))
}

pub fn parse_ip(s: &str) -> Result<IpAddr, NetworksError> {
    s.parse()
        .map_err(|_| invalid(format!("invalid IP address: {s}")))
}

/// Whether two subnets share an address.
pub fn overlaps(a: &IpNet, b: &IpNet) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

/// The first subnet of the pool that overlaps none of `used`.
pub fn free(used: &[IpNet]) -> Result<IpNet, NetworksError> {
    (u32::from(POOL_START)..=u32::from(POOL_END))
        .step_by(256)
        .filter_map(|n| Ipv4Net::new(Ipv4Addr::from(n), 24).ok())
        .map(IpNet::V4)
        .find(|candidate| !used.iter().any(|u| overlaps(candidate, u)))
        .ok_or_else(|| {
            invalid(
                "no free subnet is left in 10.89.0.0-10.255.255.0: give one with --subnet".into(),
            )
        })
}

/// The host's routed subnets, from /proc/net/route's text (hex, in the
/// kernel's byte order, little-endian on every host we run on); the default
/// route, which covers everything, is not one.
pub fn host_routes(text: &str) -> Vec<IpNet> {
    let hex = |s: &str| u32::from_str_radix(s, 16).ok().map(u32::swap_bytes);
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let dest = hex(fields.get(1)?)?;
            let mask = hex(fields.get(7)?)?;
            let net = Ipv4Net::new(Ipv4Addr::from(dest), mask.count_ones() as u8).ok()?;
            (mask != 0).then_some(IpNet::V4(net.trunc()))
        })
        .collect()
}

/// A subnet as asked for, checked: its gateway (the first address unless
/// given) and lease range must lie inside it, and it must have room for a
/// gateway and a container.
pub fn check(
    subnet: IpNet,
    gateway: Option<IpAddr>,
    range: Option<IpNet>,
) -> Result<Subnet, NetworksError> {
    let IpNet::V4(v4) = subnet else {
        return Err(invalid(format!(
            "subnet {subnet}: only IPv4 subnets are supported"
        )));
    };
    if v4.prefix_len() > 30 {
        return Err(invalid(format!(
            "subnet {subnet} is too small: it needs room for a gateway and a container (use /30 or larger)"
        )));
    }
    let gateway = match gateway {
        Some(g) if !subnet.contains(&g) => {
            return Err(invalid(format!("gateway {g} not in subnet {subnet}")))
        }
        Some(g) if g == subnet.network() || g == subnet.broadcast() => {
            return Err(invalid(format!(
                "gateway {g} is not a host address of subnet {subnet}"
            )))
        }
        Some(g) => g,
        None => IpAddr::V4(first_host(&v4)),
    };
    let checked = Subnet {
        subnet,
        gateway,
        range,
    };
    if let Some((start, end)) = checked.lease_range() {
        if !subnet.contains(&start) {
            return Err(invalid(format!(
                "lease range start ip {start} not in subnet {subnet}"
            )));
        }
        if !subnet.contains(&end) {
            return Err(invalid(format!(
                "lease range end ip {end} not in subnet {subnet}"
            )));
        }
    }
    Ok(checked)
}

/// The address after the network's own (Podman's FirstIPInSubnet).
fn first_host(net: &Ipv4Net) -> Ipv4Addr {
    Ipv4Addr::from(u32::from(net.network()).wrapping_add(1))
}

fn invalid(message: String) -> NetworksError {
    NetworksError::Invalid(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(s: &str) -> IpNet {
        s.parse().unwrap()
    }

    #[test]
    fn cidrs_lose_their_host_bits_and_bad_ones_say_so() {
        assert_eq!(parse_cidr("10.89.0.5/24").unwrap(), net("10.89.0.0/24"));
        for bad in ["foo", "10.90.0.0/33", "10.0.0.1"] {
            assert_eq!(
                parse_cidr(bad).unwrap_err().to_string(),
                format!("invalid CIDR address: {bad}")
            );
        }
    }

    #[test]
    fn the_first_free_subnet_of_the_pool_is_chosen() {
        assert_eq!(free(&[]).unwrap(), net("10.89.0.0/24"));
        let used = [
            net("10.88.0.0/16"),
            net("10.89.0.0/24"),
            net("10.89.1.128/25"),
        ];
        assert_eq!(free(&used).unwrap(), net("10.89.2.0/24"));
        // A wide route of the host's rules out everything it covers.
        assert_eq!(free(&[net("10.89.0.0/16")]).unwrap(), net("10.90.0.0/24"));
        assert!(free(&[net("10.0.0.0/8")]).is_err());
    }

    #[test]
    fn host_routes_are_read_without_the_default_route() {
        let text =
            "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n\
            eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n\
            eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n\
            wg0\t0000590A\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n";
        assert_eq!(
            host_routes(text),
            [net("192.0.2.0/24"), net("10.89.0.0/16")]
        );
    }

    #[test]
    fn gateways_and_ranges_must_lie_inside() {
        let s = net("10.89.5.0/24");
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(check(s, None, None).unwrap().gateway, ip("10.89.5.1"));
        assert_eq!(
            check(s, Some(ip("10.89.5.254")), None).unwrap().gateway,
            ip("10.89.5.254")
        );
        let err = |g: Option<&str>, r: Option<&str>| {
            check(s, g.map(ip), r.map(net)).unwrap_err().to_string()
        };
        assert_eq!(
            err(Some("10.91.0.1"), None),
            "gateway 10.91.0.1 not in subnet 10.89.5.0/24"
        );
        assert!(err(Some("10.89.5.0"), None).contains("not a host address"));
        assert!(err(Some("10.89.5.255"), None).contains("not a host address"));
        assert_eq!(
            err(None, Some("10.89.7.128/25")),
            "lease range start ip 10.89.7.129 not in subnet 10.89.5.0/24"
        );
        assert!(check(s, None, Some(net("10.89.5.128/25"))).is_ok());
        assert!(check(net("10.89.5.0/31"), None, None).is_err());
        assert!(check(net("fd00::/64"), None, None).is_err());
    }
}
