//! A container on user-defined networks: the monitor's side of the holder
//! (net/holder). The monitor holds one connection for its whole life, across
//! restarts and its own exec (handoff), so the holder outlives it; each run
//! attaches the run's fresh namespace and detaches it at the end. What to
//! attach is read from the container's record at each run: `network connect`
//! and `disconnect` change it while the container is stopped (or restarting).

use super::config::ContainerConfig;
use super::MonitorError;
use crate::engine::containers::files;
use crate::engine::context::Context;
use crate::engine::net::holder::protocol::{self, AttachRequest, Endpoint, Join};
use crate::engine::net::holder::{HolderError, Link};
use crate::engine::net::link::Netlink;
use crate::engine::net::Network;
use crate::engine::networks;
use crate::engine::store::Store;
use std::cell::{Cell, RefCell};
use std::net::IpAddr;
use std::os::fd::{AsFd, AsRawFd, RawFd};
use std::path::Path;

/// A connection to the holder whose user namespace this monitor is in (the
/// command that started it joined that one, and holds on until the container
/// runs, so it is still there).
pub fn link(ctx: &Context) -> Result<Link, MonitorError> {
    let link = Link::connect(&ctx.runroot).map_err(holder)?;
    if ctx.rootless() && !same_userns(link.pid) {
        return Err(MonitorError::Net(crate::engine::net::NetError::Invalid(
            "the network holder was restarted under this container: run it again".into(),
        )));
    }
    Ok(link)
}

fn same_userns(pid: i32) -> bool {
    use std::os::unix::fs::MetadataExt;
    let ino = |p: &str| std::fs::metadata(p).map(|m| (m.dev(), m.ino())).ok();
    let ours = ino("/proc/self/ns/user");
    ours.is_some() && ours == ino(&format!("/proc/{pid}/ns/user"))
}

/// What a monitor needs to put each run of its container on its networks.
pub struct Bridging {
    link: RefCell<Link>,
    ctx: Context,
    id: String,
    /// Whether the run needs a pasta of its own.
    uplink: Cell<bool>,
    /// What the last attach got, for the record.
    endpoints: RefCell<Vec<Endpoint>>,
}

impl Bridging {
    /// For container `id` in `ctx`'s store, through `link`.
    pub fn new(link: Link, ctx: &Context, id: &str) -> Bridging {
        Bridging {
            link: RefCell::new(link),
            ctx: ctx.clone(),
            id: id.to_owned(),
            uplink: Cell::new(false),
            endpoints: RefCell::default(),
        }
    }

    /// Whether the run needs a pasta of its own for its way out: it is on an
    /// open network, and the holder has no shared way out or it publishes
    /// ports; known once it is attached.
    pub fn uplink(&self) -> bool {
        self.uplink.get()
    }

    /// Puts the namespace bound at `netns` on the networks the container's
    /// record names now, and names the addresses it got in the hosts file of
    /// the container in `dir`. On none (all disconnected), it
    /// is attached all the same, so that a `network connect` while it runs
    /// finds its monitor's share.
    pub fn attach(&self, netns: &Path, dir: &Path) -> Result<(), MonitorError> {
        let (request, last) = self.request()?;
        let open = request.networks.iter().any(|j| !j.config.internal);
        let ns = std::fs::File::open(netns).map_err(super::setup("open the network namespace"))?;
        let endpoints = self
            .link
            .borrow_mut()
            .attach(request, ns.as_fd())
            .map_err(holder)?;
        self.uplink.set(open && !routed(&ns)?);
        let ips: Vec<IpAddr> = endpoints.iter().map(|e| e.ip).collect();
        own_addresses(&dir.join("userdata").join("hosts"), &last, &ips)?;
        *self.endpoints.borrow_mut() = endpoints;
        Ok(())
    }

    /// The container's name and networks as its record has them, and the
    /// addresses its last run had.
    fn request(&self) -> Result<(AttachRequest, Vec<IpAddr>), MonitorError> {
        let store = self.ctx.open_store()?;
        let record = store
            .container(&self.id)?
            .ok_or_else(|| MonitorError::NotFound(self.id.clone()))?;
        let config = ContainerConfig::of(&record)?;
        // Published ports come through a pasta of its own, which is then its
        // way out too.
        let route = config.ports.is_empty();
        let attachments = match config.network {
            Network::Bridge(attachments) => attachments,
            _ => Vec::new(),
        };
        let networks = attachments
            .into_iter()
            .map(|a| {
                Ok(Join {
                    config: networks::lookup::find(&store, &a.network)?,
                    aliases: a.aliases,
                    ip: a.ip,
                })
            })
            .collect::<Result<Vec<_>, MonitorError>>()?;
        let last = store.endpoints(&self.id)?.iter().map(|e| e.ip).collect();
        let request = AttachRequest {
            container: self.id.clone(),
            names: protocol::names(&self.id, &record.name),
            networks,
            route,
        };
        Ok((request, last))
    }

    /// Takes the run's namespace off its networks.
    pub fn detach(&self) {
        if let Err(e) = self.link.borrow_mut().detach() {
            log::warn!("container {}: cannot leave its networks: {e}", self.id);
        }
    }

    /// Records the addresses the run got, for inspect.
    pub fn record(&self, store: &Store) -> Result<(), MonitorError> {
        Ok(store.set_endpoints(&self.id, &self.endpoints.borrow())?)
    }

    /// The connection's descriptor and the holder's pid, for the monitor's
    /// next image.
    pub fn passed(&self) -> (RawFd, i32) {
        let link = self.link.borrow();
        (link.fd().as_raw_fd(), link.pid)
    }
}

/// Whether the holder gave the namespace a default route through its way out.
fn routed(netns: &std::fs::File) -> Result<bool, MonitorError> {
    Ok(Netlink::open_in(netns.as_fd())?.has_default_route()?)
}

/// Names the run's addresses in the container's hosts file, in place of the
/// last run's (or create's stand-in).
fn own_addresses(hosts: &Path, old: &[IpAddr], new: &[IpAddr]) -> Result<(), MonitorError> {
    let Ok(text) = std::fs::read_to_string(hosts) else {
        return Ok(());
    };
    let text = files::readdress(&text, old, new);
    std::fs::write(hosts, text).map_err(super::setup("write the container's hosts file"))
}

fn holder(e: HolderError) -> MonitorError {
    MonitorError::Holder(e)
}
