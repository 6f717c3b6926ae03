//! A container on user-defined networks: the monitor's side of the holder
//! (net/holder). The monitor holds one connection for its whole life, across
//! restarts and its own exec (handoff), so the holder outlives it; each run
//! attaches the run's fresh namespace and detaches it at the end.

use super::MonitorError;
use crate::engine::context::Context;
use crate::engine::net::holder::protocol::{AttachRequest, Endpoint, Join};
use crate::engine::net::holder::{HolderError, Link};
use crate::engine::net::{addresses, Attachment};
use crate::engine::networks;
use crate::engine::store::Store;
use std::cell::RefCell;
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
    request: AttachRequest,
    /// What the last attach got, for the record.
    endpoints: RefCell<Vec<Endpoint>>,
}

impl Bridging {
    /// For container `id` (named `name`) on `attachments`, through `link`.
    pub fn new(
        link: Link,
        store: &Store,
        id: &str,
        name: &str,
        attachments: &[Attachment],
    ) -> Result<Bridging, MonitorError> {
        let networks = attachments
            .iter()
            .map(|a| {
                Ok(Join {
                    config: networks::lookup::find(store, &a.network)?,
                    aliases: a.aliases.clone(),
                    ip: a.ip,
                })
            })
            .collect::<Result<Vec<_>, MonitorError>>()?;
        Ok(Bridging {
            link: RefCell::new(link),
            request: AttachRequest {
                container: id.to_owned(),
                names: vec![name.to_owned(), id[..12.min(id.len())].to_owned()],
                networks,
            },
            endpoints: RefCell::default(),
        })
    }

    /// Whether any of its networks has a way out (it then gets a pasta too).
    pub fn uplink(&self) -> bool {
        self.request.networks.iter().any(|j| !j.config.internal)
    }

    /// Puts the namespace bound at `netns` on the networks, and names the
    /// address it got on the first in the hosts file of the container in `dir`.
    pub fn attach(&self, netns: &Path, dir: &Path) -> Result<(), MonitorError> {
        let ns = std::fs::File::open(netns).map_err(super::setup("open the network namespace"))?;
        let endpoints = self
            .link
            .borrow_mut()
            .attach(self.request.clone(), ns.as_fd())
            .map_err(holder)?;
        if let Some(first) = endpoints.first() {
            own_address(&dir.join("userdata").join("hosts"), first.ip)?;
        }
        *self.endpoints.borrow_mut() = endpoints;
        Ok(())
    }

    /// Takes the run's namespace off its networks.
    pub fn detach(&self) {
        if let Err(e) = self.link.borrow_mut().detach() {
            log::warn!(
                "container {}: cannot leave its networks: {e}",
                self.request.container
            );
        }
    }

    /// Records the addresses the run got, for inspect.
    pub fn record(&self, store: &Store) -> Result<(), MonitorError> {
        Ok(store.set_endpoints(&self.request.container, &self.endpoints.borrow())?)
    }

    /// The connection's descriptor and the holder's pid, for the monitor's
    /// next image.
    pub fn passed(&self) -> (RawFd, i32) {
        let link = self.link.borrow();
        (link.fd().as_raw_fd(), link.pid)
    }
}

/// Create wrote the container's own names in its hosts file against a stand-in
/// address, the run's own being known only now.
fn own_address(hosts: &Path, ip: IpAddr) -> Result<(), MonitorError> {
    let Ok(text) = std::fs::read_to_string(hosts) else {
        return Ok(());
    };
    let stand_in = format!("{}\t", addresses::OWN_STAND_IN);
    let text: String = text
        .lines()
        .map(|line| match line.strip_prefix(&stand_in) {
            Some(names) => format!("{ip}\t{names}\n"),
            None => format!("{line}\n"),
        })
        .collect();
    std::fs::write(hosts, text).map_err(super::setup("write the container's hosts file"))
}

fn holder(e: HolderError) -> MonitorError {
    MonitorError::Holder(e)
}
