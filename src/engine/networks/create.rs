//! `network create`: the options checked on their own first, then the name,
//! bridge and subnet decided against every other network inside one store
//! transaction, as Podman (netavark's backend) decides them.

use super::subnet::{self, check, parse_cidr, parse_ip};
use super::{lookup, NetworksError};
use crate::engine::containers::names;
use crate::engine::events::Event;
use crate::engine::net::network::{NetworkConfig, Subnet};
use crate::engine::store::Store;
use ipnet::IpNet;
use std::collections::BTreeMap;

/// What `network create` (or the API) asks for, as given.
#[derive(Debug, Clone, Default)]
pub struct CreateOptions {
    /// None: `podmanN`, the first free N from 1.
    pub name: Option<String>,
    /// `-d`: only bridge, the default.
    pub driver: Option<String>,
    pub subnet: Option<String>,
    pub gateway: Option<String>,
    pub ip_range: Option<String>,
    pub internal: bool,
    pub disable_dns: bool,
    pub labels: Vec<(String, String)>,
    /// `-o KEY=VALUE`: only mtu.
    pub options: Vec<(String, String)>,
}

/// The options checked, before the store is looked at.
struct Request {
    name: Option<String>,
    subnet: Option<Subnet>,
    internal: bool,
    dns_enabled: bool,
    labels: BTreeMap<String, String>,
    options: BTreeMap<String, String>,
}

/// Creates the network; returns its record.
pub fn create(store: &mut Store, opts: &CreateOptions) -> Result<NetworkConfig, NetworksError> {
    let request = check_options(opts)?;
    let routes = std::fs::read_to_string("/proc/net/route")
        .map(|text| subnet::host_routes(&text))
        .unwrap_or_default();
    let network = store.add_network(|existing| complete(request, existing, &routes))?;
    let event = Event::network("create", &network.id, &network.name, &network.driver);
    store.record(event);
    Ok(network)
}

fn check_options(opts: &CreateOptions) -> Result<Request, NetworksError> {
    let invalid = NetworksError::Invalid;
    if let Some(name) = opts.name.as_deref().filter(|n| !names::valid(n)) {
        return Err(invalid(format!(
            "network name {name} invalid: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*"
        )));
    }
    match opts.driver.as_deref() {
        None | Some("bridge") => {}
        Some(d @ ("macvlan" | "ipvlan")) => {
            return Err(invalid(format!(
                "driver {d} is not supported: coracle makes bridge networks only (-d bridge)"
            )))
        }
        Some(d) => return Err(invalid(format!("unsupported driver {d}: use bridge"))),
    }
    let mut options = BTreeMap::new();
    for (key, value) in &opts.options {
        match key.as_str() {
            "mtu" if value.parse::<u16>().is_ok() => {}
            "mtu" => {
                return Err(invalid(format!(
                    "invalid mtu {value:?}: give a number of bytes up to 65535"
                )))
            }
            _ => return Err(invalid(format!("unsupported network option {key}"))),
        }
        options.insert(key.clone(), value.clone());
    }
    let subnet = match &opts.subnet {
        Some(s) => {
            let gateway = opts.gateway.as_deref().map(parse_ip).transpose()?;
            let range = opts.ip_range.as_deref().map(parse_cidr).transpose()?;
            Some(check(parse_cidr(s)?, gateway, range)?)
        }
        None if opts.gateway.is_some() || opts.ip_range.is_some() => {
            return Err(invalid("cannot set gateway or range without subnet".into()))
        }
        None => None,
    };
    Ok(Request {
        name: opts.name.clone(),
        subnet,
        internal: opts.internal,
        dns_enabled: !opts.disable_dns,
        labels: opts.labels.iter().cloned().collect(),
        options,
    })
}

/// The request made whole against the `existing` networks and the host's
/// `routes`: a free name, bridge and subnet where none was given.
fn complete(
    request: Request,
    existing: &[NetworkConfig],
    routes: &[IpNet],
) -> Result<NetworkConfig, NetworksError> {
    let mut all = existing.to_vec();
    all.push(lookup::default_network());
    let device = free_device_name(&all);
    let name = match request.name {
        Some(name) if all.iter().any(|n| n.name == name) => {
            return Err(NetworksError::Exists(name))
        }
        Some(name) => name,
        None => device.clone(),
    };
    let used: Vec<IpNet> = all
        .iter()
        .flat_map(|n| n.subnets.iter().map(|s| s.subnet))
        .chain(routes.iter().copied())
        .collect();
    let subnet = match request.subnet {
        Some(s) if used.iter().any(|u| subnet::overlaps(u, &s.subnet)) => {
            return Err(NetworksError::Invalid(format!(
                "subnet {} is already used on the host or by another config",
                s.subnet
            )))
        }
        Some(s) => s,
        None => check(subnet::free(&used)?, None, None)?,
    };
    Ok(NetworkConfig {
        name,
        id: hex::encode(rand::random::<[u8; 32]>()),
        driver: "bridge".into(),
        interface: device,
        subnets: vec![subnet],
        internal: request.internal,
        dns_enabled: request.dns_enabled,
        labels: request.labels,
        options: request.options,
        created: chrono::Utc::now(),
    })
}

/// `podmanN` for the first N from 1 that no network has as its name or its
/// bridge (podman0 is the default network's), as Podman names both.
fn free_device_name(networks: &[NetworkConfig]) -> String {
    (1..)
        .map(|n| format!("podman{n}"))
        .find(|d| !networks.iter().any(|n| &n.name == d || &n.interface == d))
        .expect("an unused number")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(opts: CreateOptions) -> Result<NetworkConfig, NetworksError> {
        complete(check_options(&opts)?, &[], &[])
    }

    fn named(name: &str) -> CreateOptions {
        CreateOptions {
            name: Some(name.into()),
            ..Default::default()
        }
    }

    #[test]
    fn defaults_are_podmans() {
        let n = request(CreateOptions::default()).unwrap();
        assert_eq!(
            (n.name.as_str(), n.interface.as_str()),
            ("podman1", "podman1")
        );
        assert_eq!(n.subnets[0].subnet.to_string(), "10.89.0.0/24");
        assert_eq!(n.subnets[0].gateway.to_string(), "10.89.0.1");
        assert!(n.dns_enabled && !n.internal);
        assert_eq!(n.id.len(), 64);
    }

    #[test]
    fn names_bridges_and_subnets_avoid_those_taken() {
        let first = request(named("podman1")).unwrap();
        let existing = [first];
        let second = complete(
            check_options(&CreateOptions::default()).unwrap(),
            &existing,
            &[],
        )
        .unwrap();
        assert_eq!(second.name, "podman2");
        assert_eq!(second.subnets[0].subnet.to_string(), "10.89.1.0/24");
        let routes = ["10.89.0.0/23".parse().unwrap()];
        let third = complete(check_options(&named("x")).unwrap(), &[], &routes).unwrap();
        assert_eq!(third.subnets[0].subnet.to_string(), "10.89.2.0/24");
        let taken = complete(check_options(&named("podman1")).unwrap(), &existing, &[]);
        assert_eq!(
            taken.unwrap_err().to_string(),
            "network name podman1 already used: network already exists"
        );
        let default = request(named("podman")).unwrap_err();
        assert!(matches!(default, NetworksError::Exists(_)));
    }

    #[test]
    fn a_given_subnet_must_be_free() {
        let opts = |s: &str| CreateOptions {
            subnet: Some(s.into()),
            ..Default::default()
        };
        assert_eq!(
            request(opts("10.88.5.0/24")).unwrap_err().to_string(),
            "subnet 10.88.5.0/24 is already used on the host or by another config"
        );
        let routes = ["192.0.2.0/24".parse().unwrap()];
        let on_host = complete(check_options(&opts("192.0.2.0/25")).unwrap(), &[], &routes);
        assert!(on_host.is_err());
        let n = request(opts("10.90.0.7/24")).unwrap();
        assert_eq!(n.subnets[0].subnet.to_string(), "10.90.0.0/24");
    }

    #[test]
    fn bad_options_are_refused_before_the_store_is_touched() {
        let bad = [
            named("a b"),
            CreateOptions {
                driver: Some("macvlan".into()),
                ..Default::default()
            },
            CreateOptions {
                driver: Some("foo".into()),
                ..Default::default()
            },
            CreateOptions {
                gateway: Some("10.1.1.1".into()),
                ..Default::default()
            },
            CreateOptions {
                options: vec![("mtu".into(), "abc".into())],
                ..Default::default()
            },
            CreateOptions {
                options: vec![("foo".into(), "1".into())],
                ..Default::default()
            },
            CreateOptions {
                subnet: Some("10.90.0.0/24".into()),
                gateway: Some("10.91.0.1".into()),
                ..Default::default()
            },
        ];
        for opts in bad {
            assert!(check_options(&opts).is_err(), "{opts:?}");
        }
        let mtu = CreateOptions {
            options: vec![("mtu".into(), "1400".into())],
            ..Default::default()
        };
        assert_eq!(request(mtu).unwrap().mtu(), Some(1400));
    }
}
