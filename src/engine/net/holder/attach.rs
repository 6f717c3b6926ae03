//! Putting a container on its networks, in the holder's namespace: the bridge
//! (made the first time a container joins it), an address, and a veth pair
//! whose far end is made directly in the container's namespace.
//!
//! What is made belongs to the connection that attached the container (its
//! monitor's), even when a `network connect` adds to it over a connection of
//! its own: so the run's end, or the monitor's death, takes it all away.

use super::directory::Directory;
use super::ipam::{IpamError, Lease, Pool};
use super::protocol::{AttachRequest, Endpoint, Failure, Join};
use super::uplink::WayOut;
use crate::engine::net::link::{self, LinkError, Netlink};
use crate::engine::net::network::NetworkConfig;
use ipnet::IpNet;
use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::Arc;

/// Why an attach failed, as the monitor is told.
pub type Refusal = (Failure, String);

/// One interface the holder made, to take back at detach.
#[derive(Debug)]
struct Made {
    network: String,
    /// Its end in the holder's namespace.
    host: String,
    /// Its end's name in the container's (ethN).
    interface: String,
    ip: IpAddr,
}

pub struct Plumbing {
    netlink: Netlink,
    /// Closed without pasta or nft: each container on an open network then has
    /// a pasta of its own.
    way_out: WayOut,
    /// Owners that asked for a default route through the way out and have none
    /// yet (their first network may be internal, and a connect may bring one).
    unrouted: HashSet<u64>,
    /// Bridges made so far, by network name: their index.
    bridges: HashMap<String, u32>,
    pool: Pool,
    pub directory: Arc<Directory>,
    /// Networks whose bridge was just made and that want a DNS server on
    /// their gateways (the server starts them).
    pub new_dns: Vec<NetworkConfig>,
    /// What each connection attached, by owner.
    made: HashMap<u64, Vec<Made>>,
    /// The connection that attached each container, by the container's ID.
    owners: HashMap<String, u64>,
}

impl Plumbing {
    pub fn new(netlink: Netlink, way_out: WayOut) -> Plumbing {
        Plumbing {
            netlink,
            way_out,
            unrouted: HashSet::new(),
            bridges: HashMap::new(),
            pool: Pool::default(),
            directory: Arc::default(),
            new_dns: Vec::new(),
            made: HashMap::new(),
            owners: HashMap::new(),
        }
    }

    /// Attaches the container in `netns` to every network `request` names, as
    /// `owner`; all or nothing.
    pub fn attach(
        &mut self,
        owner: u64,
        request: &AttachRequest,
        netns: OwnedFd,
    ) -> Result<Vec<Endpoint>, Refusal> {
        if request.route && self.way_out.open().is_some() {
            self.unrouted.insert(owner);
        }
        let endpoints = self.add(owner, request, netns).inspect_err(|_| {
            self.unrouted.remove(&owner);
        })?;
        self.owners.insert(request.container.clone(), owner);
        Ok(endpoints)
    }

    /// Puts a container that a monitor attached on more networks, as that
    /// monitor's; all or nothing.
    pub fn connect(
        &mut self,
        request: &AttachRequest,
        netns: OwnedFd,
    ) -> Result<Vec<Endpoint>, Refusal> {
        let owner = self.owner(&request.container)?;
        let made = self.made.get(&owner).map(Vec::as_slice).unwrap_or_default();
        if let Some(on) = request
            .networks
            .iter()
            .find(|j| made.iter().any(|m| m.network == j.config.name))
        {
            return Err((
                Failure::Conflict,
                format!(
                    "container {} is already connected to network {:?}: network is already connected",
                    request.container, on.config.name
                ),
            ));
        }
        self.add(owner, request, netns)
    }

    /// Takes a running container off one network: its interface there, its
    /// address and its names.
    pub fn disconnect(&mut self, container: &str, network: &str) -> Result<(), Refusal> {
        let owner = self.owner(container)?;
        let not_on = || {
            (
                Failure::Conflict,
                format!("container {container} is not connected to network {network}"),
            )
        };
        let made = self.made.get_mut(&owner).ok_or_else(not_on)?;
        let at = made
            .iter()
            .position(|m| m.network == network)
            .ok_or_else(not_on)?;
        let gone = made.remove(at);
        self.directory.remove(owner, network);
        self.undo(vec![gone]);
        Ok(())
    }

    /// Takes back everything `owner` attached.
    pub fn detach(&mut self, owner: u64) {
        self.directory.remove_owner(owner);
        self.owners.retain(|_, o| *o != owner);
        self.unrouted.remove(&owner);
        let made = self.made.remove(&owner).unwrap_or_default();
        self.undo(made);
    }

    /// The connection that attached `container`, which must be running.
    fn owner(&self, container: &str) -> Result<u64, Refusal> {
        self.owners.get(container).copied().ok_or_else(|| {
            (
                Failure::Conflict,
                format!("container {container} is not on its networks now: it is not running"),
            )
        })
    }

    /// Makes the interfaces `request` asks for in `netns`, each named the next
    /// ethN free there, and lists them and the container's names as `owner`'s.
    fn add(
        &mut self,
        owner: u64,
        request: &AttachRequest,
        netns: OwnedFd,
    ) -> Result<Vec<Endpoint>, Refusal> {
        let inside = Netlink::open_in(netns.as_fd()).map_err(internal)?;
        let mut taken: Vec<String> = self
            .made
            .get(&owner)
            .map(|made| made.iter().map(|m| m.interface.clone()).collect())
            .unwrap_or_default();
        let mut endpoints = Vec::new();
        let mut mine = Vec::new();
        for join in &request.networks {
            let interface = next_interface(&taken);
            match self.join(join, &interface, &netns, &inside, &mut mine) {
                Ok(endpoint) => endpoints.push(endpoint),
                Err(refusal) => {
                    self.undo(mine);
                    return Err(refusal);
                }
            }
            taken.push(interface);
        }
        for (join, endpoint) in request.networks.iter().zip(&endpoints) {
            if join.config.dns_enabled {
                let mut names = request.names.clone();
                names.extend(join.aliases.iter().cloned());
                self.directory
                    .add(owner, &join.config.name, &names, endpoint.ip);
            }
        }
        if let Err(refusal) = self.route(owner, request, &endpoints, &inside) {
            self.undo(mine);
            return Err(refusal);
        }
        self.made.entry(owner).or_default().extend(mine);
        Ok(endpoints)
    }

    /// Gives an owner that wants one a default route through the first open
    /// network of `endpoints`, the way out's.
    fn route(
        &mut self,
        owner: u64,
        request: &AttachRequest,
        endpoints: &[Endpoint],
        inside: &Netlink,
    ) -> Result<(), Refusal> {
        if !self.unrouted.contains(&owner) {
            return Ok(());
        }
        let open = request
            .networks
            .iter()
            .zip(endpoints)
            .find(|(join, _)| !join.config.internal);
        if let Some(gateway) = open.and_then(|(_, endpoint)| endpoint.gateway) {
            inside.add_default_route(gateway).map_err(internal)?;
            self.unrouted.remove(&owner);
        }
        Ok(())
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
            interface: interface.to_owned(),
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
        if let Some(firewall) = self.way_out.open() {
            firewall
                .add(&config.interface, config.internal)
                .map_err(|e| {
                    (
                        Failure::Internal,
                        format!("cannot set up network {}: {e}", config.name),
                    )
                })?;
        }
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

/// The first ethN that is not `taken`: a connect after a disconnect fills the
/// gap, as a restart would number them afresh.
fn next_interface(taken: &[String]) -> String {
    (0..)
        .map(|n| format!("eth{n}"))
        .find(|name| !taken.contains(name))
        .expect("a free number")
}

/// The container's end: its address, up; returns its MAC address. The default
/// route comes once all its networks are on (`Plumbing::route`).
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interfaces_take_the_first_free_number() {
        let taken = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        assert_eq!(next_interface(&[]), "eth0");
        assert_eq!(next_interface(&taken(&["eth0", "eth1"])), "eth2");
        assert_eq!(next_interface(&taken(&["eth1", "eth0", "eth3"])), "eth2");
        assert_eq!(next_interface(&taken(&["eth1"])), "eth0");
    }
}
