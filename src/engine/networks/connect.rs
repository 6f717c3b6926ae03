//! `network connect` and `network disconnect`, as Podman's: a container on
//! user-defined networks gains or loses one. Its record's attachments change,
//! so the next start joins what it names; a running container changes at once
//! too, by the holder, which counts the new interface as the monitor's so the
//! run's end takes it away like the others. The live part comes first: when
//! it fails, the record stays as it was.
//!
//! This runs on the host side: the container's network namespace is opened
//! through /proc (the caller owns it), and the holder does the work in it.

use super::{lookup, subnet, NetworksError};
use crate::engine::containers::{files, state};
use crate::engine::events::Event;
use crate::engine::monitor::config::ContainerConfig;
use crate::engine::net::holder::protocol::{self, AttachRequest, Join};
use crate::engine::net::holder::{HolderError, Link};
use crate::engine::net::network::{Endpoint, NetworkConfig};
use crate::engine::net::{Attachment, Network};
use crate::engine::store::containers::{ContainerRecord, Status};
use crate::engine::store::{Store, StoreError};
use nix::unistd::Pid;
use std::fs::File;
use std::net::IpAddr;
use std::os::fd::AsFd;
use std::path::Path;

/// What `network connect` asks for, as given.
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    pub network: String,
    pub container: String,
    /// `--alias`: more names it answers to on that network.
    pub aliases: Vec<String>,
    /// `--ip`: a fixed address there.
    pub ip: Option<String>,
}

/// Puts the container of `record` on the network `opts` names.
pub fn connect(
    store: &mut Store,
    runroot: &Path,
    record: &ContainerRecord,
    opts: &ConnectOptions,
) -> Result<(), NetworksError> {
    let network = lookup::find(store, &opts.network)?;
    let ip = opts.ip.as_deref().map(subnet::parse_ip).transpose()?;
    if let Some(ip) = ip {
        lookup::check_ip(&network, ip)?;
    }
    let joining = Attachment {
        network: network.name.clone(),
        aliases: opts.aliases.clone(),
        ip,
    };
    let config = ContainerConfig::of(record)?;
    // Docker's rule, which Podman keeps: connecting a container that never
    // ran to a network it is on already changes nothing.
    let fresh = record.state.status == Status::Created;
    if with(&config.network, &joining, &record.id, fresh)?.is_none() {
        return Ok(());
    }
    let update = |stored: &str| change(stored, |n| with(n, &joining, &record.id, false));
    match running(record) {
        Some(init) => {
            let mut link = Link::existing(runroot)?;
            let endpoint = connect_live(&mut link, record, init, &network, &joining)?;
            let old = own_ips(store, record)?;
            let recorded = store.change_network(&record.id, &network.name, Some(&endpoint), update);
            if recorded.is_err() {
                let _ = link.remove_network(&record.id, &network.name);
            }
            recorded?;
            let new: Vec<IpAddr> = old.iter().copied().chain([endpoint.ip]).collect();
            edit_file(store, record, "hosts", |text| {
                files::readdress(text, &old, &new)
            });
        }
        None => store.change_network(&record.id, &network.name, None, update)?,
    }
    if let Some(gateway) = dns_server(&network, &config) {
        edit_file(store, record, "resolv.conf", |text| {
            files::add_nameserver(text, gateway)
        });
    }
    store.record(joined("connect", &network, record));
    Ok(())
}

/// Has the holder put the running container (its init `init`) on `network`;
/// returns its new interface there.
fn connect_live(
    link: &mut Link,
    record: &ContainerRecord,
    init: Pid,
    network: &NetworkConfig,
    joining: &Attachment,
) -> Result<Endpoint, NetworksError> {
    let netns =
        File::open(format!("/proc/{init}/ns/net")).map_err(|source| NetworksError::Namespace {
            container: record.name.clone(),
            source,
        })?;
    let request = AttachRequest {
        container: record.id.clone(),
        names: protocol::names(&record.id, &record.name),
        networks: vec![Join {
            config: network.clone(),
            aliases: joining.aliases.clone(),
            ip: joining.ip,
        }],
        // Whether it gets a route is what its monitor asked for at attach.
        route: false,
    };
    let endpoints = link.add_networks(request, netns.as_fd())?;
    endpoints.into_iter().next().ok_or_else(|| {
        HolderError::Protocol("the holder made no interface for the network".into()).into()
    })
}

/// Takes the container of `record` (called `input`) off the network `name`.
/// With `force`, a running container whose live part fails (its holder
/// gone, say) leaves the network in its record all the same.
pub fn disconnect(
    store: &mut Store,
    runroot: &Path,
    record: &ContainerRecord,
    input: &str,
    name: &str,
    force: bool,
) -> Result<(), NetworksError> {
    let network = lookup::find(store, name)?;
    let config = ContainerConfig::of(record)?;
    without(&config.network, &network.name, input)?;
    let old = own_ips(store, record)?;
    let live = running(record).is_some();
    if live {
        let live = Link::existing(runroot)
            .and_then(|mut link| link.remove_network(&record.id, &network.name));
        match live {
            Ok(()) => {}
            Err(e) if force => log::warn!("{e}: leaving network {} anyway", network.name),
            Err(e) => return Err(e.into()),
        }
    }
    store.change_network(&record.id, &network.name, None, |stored| {
        change(stored, |n| without(n, &network.name, input).map(Some))
    })?;
    if live {
        let new = own_ips(store, record)?;
        edit_file(store, record, "hosts", |text| {
            files::readdress(text, &old, &new)
        });
    }
    if let Some(gateway) = dns_server(&network, &config) {
        edit_file(store, record, "resolv.conf", |text| {
            files::remove_nameserver(text, gateway)
        });
    }
    store.record(joined("disconnect", &network, record));
    Ok(())
}

/// Docker's connect and disconnect: the network's events, naming the
/// container by ID.
fn joined(action: &str, network: &NetworkConfig, record: &ContainerRecord) -> Event {
    Event::network(action, &network.id, &network.name, &network.driver)
        .with("container", record.id.clone())
}

/// The attachments of a container on `network` with `joining` added; None
/// when it is on that network already and `fresh` (never ran).
fn with(
    network: &Network,
    joining: &Attachment,
    id: &str,
    fresh: bool,
) -> Result<Option<Vec<Attachment>>, NetworksError> {
    let attachments = bridged(network)?;
    if attachments.iter().any(|a| a.network == joining.network) {
        return match fresh {
            true => Ok(None),
            false => Err(NetworksError::Connected {
                container: id.to_owned(),
                network: joining.network.clone(),
            }),
        };
    }
    let mut all = attachments.to_vec();
    all.push(joining.clone());
    Ok(Some(all))
}

/// The attachments of the container `input` on `network` without the one to
/// `leaving`. Leaving the last is allowed, as in Podman: it then has only
/// loopback.
fn without(
    network: &Network,
    leaving: &str,
    input: &str,
) -> Result<Vec<Attachment>, NetworksError> {
    let attachments = bridged(network)?;
    if !attachments.iter().any(|a| a.network == leaving) {
        return Err(NetworksError::NotConnected {
            container: input.to_owned(),
            network: leaving.to_owned(),
        });
    }
    Ok(attachments
        .iter()
        .filter(|a| a.network != leaving)
        .cloned()
        .collect())
}

/// Only a container on user-defined networks can change them: the others
/// have a network namespace no bridge can reach (or none of their own).
fn bridged(network: &Network) -> Result<&[Attachment], NetworksError> {
    match network {
        Network::Bridge(attachments) => Ok(attachments),
        mode => Err(NetworksError::Mode(mode.to_string())),
    }
}

/// The stored config JSON with its attachments as `decide` makes them (None:
/// unchanged), decided against what is stored now.
fn change(
    stored: &str,
    decide: impl FnOnce(&Network) -> Result<Option<Vec<Attachment>>, NetworksError>,
) -> Result<String, NetworksError> {
    let corrupt = |e: serde_json::Error| StoreError::Corrupt(format!("container config: {e}"));
    let mut config: ContainerConfig = serde_json::from_str(stored).map_err(corrupt)?;
    if let Some(attachments) = decide(&config.network)? {
        config.network = Network::Bridge(attachments);
    }
    Ok(serde_json::to_string(&config).map_err(corrupt)?)
}

/// The container's init while it runs (paused included: its namespace is
/// there all the same).
fn running(record: &ContainerRecord) -> Option<Pid> {
    let running = matches!(record.state.status, Status::Running | Status::Paused);
    state::live_init(&record.state).filter(|_| running)
}

/// The network's DNS server, which the container's resolv.conf names while
/// it is on the network: none when the network resolves no names or the
/// container was given its own servers (`--dns`).
fn dns_server(network: &NetworkConfig, config: &ContainerConfig) -> Option<IpAddr> {
    let subnet = network.subnets.first()?;
    (network.dns_enabled && config.names.dns.is_empty()).then_some(subnet.gateway)
}

/// The container's addresses on its networks, in the order of its interfaces.
fn own_ips(store: &Store, record: &ContainerRecord) -> Result<Vec<IpAddr>, StoreError> {
    let mut endpoints = store.endpoints(&record.id)?;
    endpoints.sort_by_key(|e| interface_number(&e.interface));
    Ok(endpoints.into_iter().map(|e| e.ip).collect())
}

/// eth10 after eth9.
fn interface_number(name: &str) -> u32 {
    name.trim_start_matches(|c: char| !c.is_ascii_digit())
        .parse()
        .unwrap_or(u32::MAX)
}

/// Rewrites one of the container's name files (hosts, resolv.conf) in place:
/// a running container has it bind-mounted, so the file must stay the same
/// one. Only a warning when it cannot: the change of networks is done.
fn edit_file(
    store: &Store,
    record: &ContainerRecord,
    file: &str,
    edit: impl FnOnce(&str) -> String,
) {
    let path = store.container_dir(&record.id).join("userdata").join(file);
    let Ok(text) = std::fs::read_to_string(&path) else {
        return;
    };
    if let Err(e) = std::fs::write(&path, edit(&text)) {
        log::warn!(
            "container {}: cannot update {}: {e}",
            record.name,
            path.display()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on(names: &[&str]) -> Network {
        Network::Bridge(
            names
                .iter()
                .map(|n| Attachment {
                    network: n.to_string(),
                    aliases: Vec::new(),
                    ip: None,
                })
                .collect(),
        )
    }

    fn joining(name: &str) -> Attachment {
        Attachment {
            network: name.into(),
            aliases: vec!["x".into()],
            ip: None,
        }
    }

    fn names(attachments: &[Attachment]) -> Vec<&str> {
        attachments.iter().map(|a| a.network.as_str()).collect()
    }

    #[test]
    fn connect_adds_a_network_once() {
        let added = with(&on(&["a"]), &joining("b"), "c1", false)
            .unwrap()
            .unwrap();
        assert_eq!(names(&added), ["a", "b"]);
        assert_eq!(added[1].aliases, ["x"]);
        assert_eq!(with(&on(&["a"]), &joining("a"), "c1", true).unwrap(), None);
        assert_eq!(
            with(&on(&["a"]), &joining("a"), "c1", false)
                .unwrap_err()
                .to_string(),
            "container c1 is already connected to network \"a\": network is already connected"
        );
        let refused = |mode: &str| {
            let network: Network = mode.parse().unwrap();
            with(&network, &joining("b"), "c1", false)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            refused("pasta"),
            "\"pasta\" is not supported: invalid network mode"
        );
        assert_eq!(
            refused("host"),
            "\"host\" is not supported: invalid network mode"
        );
    }

    #[test]
    fn disconnect_takes_one_away_down_to_none() {
        assert_eq!(
            names(&without(&on(&["a", "b"]), "a", "web").unwrap()),
            ["b"]
        );
        assert!(without(&on(&["b"]), "b", "web").unwrap().is_empty());
        assert_eq!(
            without(&on(&["a"]), "b", "web").unwrap_err().to_string(),
            "container web is not connected to network b"
        );
        assert!(without(&Network::None, "b", "web").is_err());
    }

    #[test]
    fn the_change_is_decided_against_the_stored_config() {
        let stored = serde_json::json!({
            "layers": [], "network": [{"network": "a"}], "interactive": false,
            "remove": false, "cwd": "/", "labels": [],
        })
        .to_string();
        let changed = change(&stored, |n| with(n, &joining("b"), "c1", false)).unwrap();
        let config: ContainerConfig = serde_json::from_str(&changed).unwrap();
        let Network::Bridge(attachments) = config.network else {
            panic!("{changed}");
        };
        assert_eq!(attachments[1], joining("b"));
        assert_eq!(names(&attachments), ["a", "b"]);
        assert!(change(&changed, |n| with(n, &joining("b"), "c1", false)).is_err());
    }
}
