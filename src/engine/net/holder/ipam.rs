//! Addresses on the holder's networks. The holder is the only one handing them
//! out, and every container on a bridge holds a connection to it, so what it
//! remembers is exactly what is in use: nothing needs to be stored.

use crate::engine::net::network::{NetworkConfig, Subnet};
use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum IpamError {
    #[error("network {network} has no subnet")]
    NoSubnet { network: String },
    #[error("requested ip address {ip} is not in a subnet of network {network}")]
    Outside { network: String, ip: IpAddr },
    #[error(
        "requested ip address {ip} is already allocated to another container on network {network}"
    )]
    Taken { network: String, ip: IpAddr },
    #[error("failed to allocate an ip address on network {network}: no free addresses left")]
    Full { network: String },
}

/// An address handed out: where, and how the container reaches the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lease {
    pub ip: IpAddr,
    pub prefix: u8,
    pub gateway: IpAddr,
}

#[derive(Debug, Default)]
pub struct Pool {
    used: HashMap<String, BTreeSet<IpAddr>>,
}

impl Pool {
    /// `wanted` if given and free, else the first free address of the network's
    /// first subnet (its range, with `--ip-range`).
    pub fn take(
        &mut self,
        config: &NetworkConfig,
        wanted: Option<IpAddr>,
    ) -> Result<Lease, IpamError> {
        let network = config.name.clone();
        let used = self.used.entry(config.name.clone()).or_default();
        let ip = match wanted {
            Some(ip) => {
                let subnet = config
                    .subnets
                    .iter()
                    .find(|s| s.subnet.contains(&ip) && assignable(s, ip))
                    .ok_or(IpamError::Outside {
                        network: network.clone(),
                        ip,
                    })?;
                if used.contains(&ip) {
                    return Err(IpamError::Taken { network, ip });
                }
                return Ok(take_in(used, subnet, ip));
            }
            None => {
                let subnet = config.subnets.first().ok_or(IpamError::NoSubnet {
                    network: network.clone(),
                })?;
                let range = subnet.range.unwrap_or(subnet.subnet);
                let ip = range
                    .hosts()
                    .find(|&ip| assignable(subnet, ip) && !used.contains(&ip))
                    .ok_or(IpamError::Full { network })?;
                (subnet, ip)
            }
        };
        Ok(take_in(used, ip.0, ip.1))
    }

    pub fn give_back(&mut self, network: &str, ip: IpAddr) {
        if let Some(used) = self.used.get_mut(network) {
            used.remove(&ip);
        }
    }
}

fn take_in(used: &mut BTreeSet<IpAddr>, subnet: &Subnet, ip: IpAddr) -> Lease {
    used.insert(ip);
    Lease {
        ip,
        prefix: subnet.subnet.prefix_len(),
        gateway: subnet.gateway,
    }
}

/// Neither the gateway nor the subnet's own or broadcast address.
fn assignable(subnet: &Subnet, ip: IpAddr) -> bool {
    let net = subnet.subnet;
    ip != subnet.gateway
        && (net.prefix_len() >= net.max_prefix_len() - 1
            || (ip != net.network() && ip != net.broadcast()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn config(subnet: &str, gateway: &str, range: Option<&str>) -> NetworkConfig {
        NetworkConfig {
            name: "n".into(),
            id: "0".repeat(64),
            driver: "bridge".into(),
            interface: "podman1".into(),
            subnets: vec![Subnet {
                subnet: subnet.parse().unwrap(),
                gateway: gateway.parse().unwrap(),
                range: range.map(|r| r.parse().unwrap()),
            }],
            internal: false,
            dns_enabled: true,
            labels: BTreeMap::new(),
            options: BTreeMap::new(),
            created: chrono::Utc::now(),
        }
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn hands_out_the_first_free_address_after_the_gateway() {
        let c = config("10.89.0.0/24", "10.89.0.1", None);
        let mut pool = Pool::default();
        let a = pool.take(&c, None).unwrap();
        assert_eq!(
            (a.ip, a.prefix, a.gateway),
            (ip("10.89.0.2"), 24, ip("10.89.0.1"))
        );
        assert_eq!(pool.take(&c, None).unwrap().ip, ip("10.89.0.3"));
        pool.give_back("n", ip("10.89.0.2"));
        assert_eq!(pool.take(&c, None).unwrap().ip, ip("10.89.0.2"));
    }

    #[test]
    fn a_fixed_address_must_be_free_and_inside() {
        let c = config("10.89.0.0/24", "10.89.0.1", None);
        let mut pool = Pool::default();
        assert_eq!(
            pool.take(&c, Some(ip("10.89.0.9"))).unwrap().ip,
            ip("10.89.0.9")
        );
        assert!(matches!(
            pool.take(&c, Some(ip("10.89.0.9"))),
            Err(IpamError::Taken { .. })
        ));
        assert!(matches!(
            pool.take(&c, Some(ip("10.89.1.9"))),
            Err(IpamError::Outside { .. })
        ));
        assert!(matches!(
            pool.take(&c, Some(ip("10.89.0.1"))),
            Err(IpamError::Outside { .. })
        ));
        assert!(matches!(
            pool.take(&c, Some(ip("10.89.0.255"))),
            Err(IpamError::Outside { .. })
        ));
    }

    #[test]
    fn a_range_limits_the_automatic_ones_and_fills_up() {
        let c = config("10.89.0.0/24", "10.89.0.1", Some("10.89.0.128/31"));
        let mut pool = Pool::default();
        assert_eq!(pool.take(&c, None).unwrap().ip, ip("10.89.0.128"));
        assert_eq!(pool.take(&c, None).unwrap().ip, ip("10.89.0.129"));
        assert!(matches!(pool.take(&c, None), Err(IpamError::Full { .. })));
    }
}
