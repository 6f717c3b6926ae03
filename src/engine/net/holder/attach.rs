//! Putting a container on its networks, in the holder's namespace: the bridge
//! (made the first time a container joins it), an address, and a veth pair
//! whose far end is made directly in the container's namespace.

use super::directory::Directory;
use super::ipam::{IpamError, Lease, Pool};
use super::protocol::{AttachRequest, Endpoint, Failure, Join};
use crate::engine::net::link::{self, LinkError, Netlink};
use crate::engine::net::network::NetworkConfig;
use ipnet::IpNet;
use std::collections::HashMap;
use std::net::IpAddr;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::Arc;

/// Why an attach failed, as the monitor is told.
pub type Refusal = (Failure, String);

/// One interface the holder made, to take back at detach.
#[derive(Debug)]
pub struct Made {
    network: String,
    host: String,
    ip: IpAddr,
}

pub struct Plumbing {
    netlink: Netlink,
    /// Bridges made so far, by network name: their index.
    bridges: HashMap<String, u32>,
    pool: Pool,
    pub directory: Arc<Directory>,
    /// Networks whose bridge was just made and that want a DNS server on
    /// their gateways (the server starts them).
    pub new_dns: Vec<NetworkConfig>,
}

impl Plumbing {
    pub fn new(netlink: Netlink) -> Plumbing {
        Plumbing {
            netlink,
            bridges: HashMap::new(),
            pool: Pool::default(),
            directory: Arc::default(),
            new_dns: Vec::new(),
        }
    }

    /// Attaches the container in `netns` to every network `request` names, as
    /// `owner`; all or nothing.
    pub fn attach(
        &mut self,
        owner: u64,
        request: &AttachRequest,
        netns: OwnedFd,
        made: &mut Vec<Made>,
    ) -> Result<Vec<Endpoint>, Refusal> {
        let inside = Netlink::open_in(netns.as_fd()).map_err(internal)?;
        let mut endpoints = Vec::new();
        let mut mine = Vec::new();
        for (i, join) in request.networks.iter().enumerate() {
            let interface = format!("eth{}", made.len() + i);
            match self.join(join, &interface, &netns, &inside, &mut mine) {
                Ok(endpoint) => endpoints.push(endpoint),
                Err(refusal) => {
                    self.undo(mine);
                    return Err(refusal);
                }
            }
        }
        for (join, endpoint) in request.networks.iter().zip(&endpoints) {
            if join.config.dns_enabled {
                let mut names = request.names.clone();
                names.extend(join.aliases.iter().cloned());
                self.directory
                    .add(owner, &join.config.name, &names, endpoint.ip);
            }
        }
        made.extend(mine);
        Ok(endpoints)
    }

    /// Takes back what `made` lists.
    pub fn detach(&mut self, owner: u64, made: Vec<Made>) {
        self.directory.remove_owner(owner);
        self.undo(made);
    }

    fn join(
        &mut self,
        join: &Join,
        interface: &str,
        netns: &OwnedFd,
        inside: &Netlink,
        mine: &mut Vec<Made>,
    ) -> Result<Endpoint, Refusal> {
        let config = &join.config;
        let bridge = self.bridge(config)?;
        let lease = self.pool.take(config, join.ip).map_err(refused)?;
        let host = link::host_veth();
        let mtu = config.mtu();
        if let Err(e) = self
            .netlink
            .add_veth(&host, bridge, interface, netns.as_fd(), mtu)
        {
            self.pool.give_back(&config.name, lease.ip);
            return Err(internal(e));
        }
        mine.push(Made {
            network: config.name.clone(),
            host,
            ip: lease.ip,
        });
        let mac = configure(inside, interface, &lease).map_err(internal)?;
        Ok(Endpoint {
            network: config.name.clone(),
            interface: interface.to_owned(),
            ip: lease.ip,
            prefix: lease.prefix,
            gateway: Some(lease.gateway),
            mac,
        })
    }

    /// The network's bridge, made with its gateway addresses on first use.
    fn bridge(&mut self, config: &NetworkConfig) -> Result<u32, Refusal> {
        if let Some(&index) = self.bridges.get(&config.name) {
            return Ok(index);
        }
        let addresses: Vec<IpNet> = config
            .subnets
            .iter()
            .filter_map(|s| IpNet::new(s.gateway, s.subnet.prefix_len()).ok())
            .collect();
        let index = self
            .netlink
            .ensure_bridge(&config.interface, &addresses, config.mtu())
            .map_err(internal)?;
        self.bridges.insert(config.name.clone(), index);
        if config.dns_enabled {
            self.new_dns.push(config.clone());
        }
        Ok(index)
    }

    fn undo(&mut self, made: Vec<Made>) {
        for m in made {
            // Deleting one end of a veth deletes both.
            let _ = self.netlink.delete(&m.host);
            self.pool.give_back(&m.network, m.ip);
        }
    }
}

/// The container's end: its address, up; returns its MAC address. No default
/// route: the container's way out is its own pasta.
fn configure(inside: &Netlink, interface: &str, lease: &Lease) -> Result<String, LinkError> {
    let address = IpNet::new(lease.ip, lease.prefix).map_err(|e| LinkError::Failed {
        action: format!("give {interface} the address {}/{}", lease.ip, lease.prefix),
        source: std::io::Error::other(e),
    })?;
    inside.add_address(interface, address)?;
    inside.set_up(interface)?;
    let mac = inside.mac(interface)?;
    Ok(mac
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":"))
}

fn refused(e: IpamError) -> Refusal {
    let kind = match e {
        IpamError::Outside { .. } | IpamError::NoSubnet { .. } => Failure::Invalid,
        IpamError::Taken { .. } | IpamError::Full { .. } => Failure::Conflict,
    };
    (kind, e.to_string())
}

fn internal(e: LinkError) -> Refusal {
    (Failure::Internal, e.to_string())
}
