//! Bridges and veths over rtnetlink. The holder keeps one bridge per
//! user-defined network in its namespace and connects each container with a
//! veth pair: the host end on the bridge, the peer created straight in the
//! container's namespace. Synchronous on purpose: the callers (the holder, a
//! monitor) are single-threaded or block for a moment anyway, and a blocking
//! socket needs no runtime.

mod messages;
pub mod names;
mod socket;
#[cfg(test)]
mod tests;

pub use names::host_veth;

use crate::engine::error::{ErrorKind, Kinded};
use ipnet::IpNet;
use messages::Veth;
use netlink_packet_core::{NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL};
use netlink_packet_route::link::{InfoKind, LinkMessage};
use netlink_packet_route::RouteNetlinkMessage;
use nix::sched::{setns, CloneFlags};
use socket::Socket;
use std::io;
use std::net::IpAddr;
use std::os::fd::{AsRawFd, BorrowedFd};

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    /// The kernel refused, or gave no socket: `action` says what was tried on
    /// which interface.
    #[error("cannot {action}: {}", reason(.source))]
    Failed { action: String, source: io::Error },
    /// A name to create is taken.
    #[error("cannot {action}: an interface named {name} exists{detail}")]
    Exists {
        action: String,
        name: String,
        detail: &'static str,
    },
    #[error("invalid interface name {name:?}: {reason}")]
    InvalidName { name: String, reason: &'static str },
}

impl Kinded for LinkError {
    fn kind(&self) -> ErrorKind {
        match self {
            LinkError::Failed { source, .. } => match source.raw_os_error() {
                Some(libc::EPERM | libc::EACCES) => ErrorKind::NotPermitted,
                Some(libc::EEXIST | libc::EBUSY) => ErrorKind::Conflict,
                Some(libc::ENODEV | libc::ENOENT) => ErrorKind::NotFound,
                Some(libc::EINVAL | libc::ERANGE) => ErrorKind::Invalid,
                _ => ErrorKind::Internal,
            },
            LinkError::Exists { .. } => ErrorKind::Conflict,
            LinkError::InvalidName { .. } => ErrorKind::Invalid,
        }
    }
}

/// The kernel's words for an errno, without std's " (os error N)", as `ip`
/// says it.
fn reason(error: &io::Error) -> String {
    match error.raw_os_error() {
        Some(errno) => nix::errno::Errno::from_raw(errno).desc().to_owned(),
        None => error.to_string(),
    }
}

fn failed(action: String, source: io::Error) -> LinkError {
    LinkError::Failed { action, source }
}

fn errno_is(error: &io::Error, errno: i32) -> bool {
    error.raw_os_error() == Some(errno)
}

fn check_name(name: &str) -> Result<(), LinkError> {
    names::check_name(name).map_err(|reason| LinkError::InvalidName {
        name: name.to_owned(),
        reason,
    })
}

/// A NETLINK_ROUTE socket; it acts on the network namespace it was opened in.
pub struct Netlink {
    socket: Socket,
}

const CREATE: u16 = NLM_F_CREATE | NLM_F_EXCL;

impl Netlink {
    /// In the calling thread's network namespace.
    pub fn open() -> Result<Netlink, LinkError> {
        Socket::open()
            .map(|socket| Netlink { socket })
            .map_err(|source| failed("open a netlink socket".into(), source))
    }

    /// In the network namespace `netns` refers to. setns() moves only the
    /// calling thread, and a socket stays in the namespace it was made in: a
    /// short-lived thread enters, opens the socket and hands it back, and the
    /// caller never leaves its own namespace.
    pub fn open_in(netns: BorrowedFd) -> Result<Netlink, LinkError> {
        std::thread::scope(|scope| {
            scope
                .spawn(|| {
                    setns(netns, CloneFlags::CLONE_NEWNET).map_err(|errno| {
                        failed("enter the network namespace".into(), errno.into())
                    })?;
                    Netlink::open()
                })
                .join()
        })
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    }

    /// The link `name`, if there is one.
    fn link(
        &self,
        name: &str,
        action: &dyn Fn() -> String,
    ) -> Result<Option<LinkMessage>, LinkError> {
        check_name(name)?;
        match self.socket.request(messages::get_link(name), 0) {
            Ok(replies) => Ok(replies.into_iter().find_map(|reply| match reply {
                RouteNetlinkMessage::NewLink(link) => Some(link),
                _ => None,
            })),
            Err(e) if errno_is(&e, libc::ENODEV) => Ok(None),
            Err(source) => Err(failed(action(), source)),
        }
    }

    /// The link `name`, which must exist for `action`.
    fn existing(&self, name: &str, action: &dyn Fn() -> String) -> Result<LinkMessage, LinkError> {
        self.link(name, action)?
            .ok_or_else(|| failed(action(), io::Error::from_raw_os_error(libc::ENODEV)))
    }

    /// The index of the interface `name`, if there is one.
    pub fn index(&self, name: &str) -> Result<Option<u32>, LinkError> {
        let link = self.link(name, &|| format!("look up interface {name}"))?;
        Ok(link.map(|link| link.header.index))
    }

    /// Creates the bridge `name` unless it exists, gives it `addresses` (each
    /// a gateway with its subnet's prefix), brings it up; returns its index.
    /// Running it again is harmless, so two commands may race to it.
    pub fn ensure_bridge(
        &self,
        name: &str,
        addresses: &[IpNet],
        mtu: Option<u32>,
    ) -> Result<u32, LinkError> {
        let action = || format!("create bridge {name}");
        check_name(name)?;
        let bridge = messages::new_bridge(name, names::random_mac(), mtu);
        if let Err(e) = self.socket.request(bridge, CREATE) {
            // EEXIST: made before, or by a command racing us; whether it is a
            // bridge is checked below.
            if !errno_is(&e, libc::EEXIST) {
                return Err(failed(action(), e));
            }
        }
        let bridge = self.existing(name, &action)?;
        if messages::kind(&bridge) != Some(&InfoKind::Bridge) {
            return Err(LinkError::Exists {
                action: action(),
                name: name.to_owned(),
                detail: " and is not a bridge",
            });
        }
        for address in addresses {
            self.add_address_at(bridge.header.index, *address, &|| {
                format!("add address {address} to {name}")
            })?;
        }
        self.set_up(name)?;
        Ok(bridge.header.index)
    }

    /// Creates the veth pair `host` (up, on the bridge whose index is
    /// `master`) and `peer`, which the kernel makes directly in the namespace
    /// `peer_netns` refers to: no moving it there afterwards, and nothing left
    /// under a temporary name if this fails half-way.
    pub fn add_veth(
        &self,
        host: &str,
        master: u32,
        peer: &str,
        peer_netns: BorrowedFd,
        mtu: Option<u32>,
    ) -> Result<(), LinkError> {
        check_name(host)?;
        check_name(peer)?;
        let action = || format!("create veth {host} (peer {peer})");
        let veth = Veth {
            host,
            master,
            peer,
            peer_netns: peer_netns.as_raw_fd(),
            mtu,
        };
        match self.socket.request(messages::new_veth(&veth), CREATE) {
            Ok(_) => Ok(()),
            Err(e) if errno_is(&e, libc::EEXIST) => Err(self.taken(host, peer, action())),
            Err(e) => Err(failed(action(), e)),
        }
    }

    /// Which of a veth's two names was taken: the kernel says only EEXIST.
    fn taken(&self, host: &str, peer: &str, action: String) -> LinkError {
        match self.index(host) {
            Ok(Some(_)) => LinkError::Exists {
                action,
                name: host.to_owned(),
                detail: "",
            },
            Ok(None) => LinkError::Exists {
                action,
                name: peer.to_owned(),
                detail: " in the target namespace",
            },
            Err(e) => e,
        }
    }

    pub fn set_up(&self, name: &str) -> Result<(), LinkError> {
        check_name(name)?;
        self.socket
            .request(messages::set_up(name), 0)
            .map(drop)
            .map_err(|e| failed(format!("bring up {name}"), e))
    }

    /// Gives `name` the address `address` (with its prefix); one it already
    /// has is fine.
    pub fn add_address(&self, name: &str, address: IpNet) -> Result<(), LinkError> {
        let action = || format!("add address {address} to {name}");
        let index = self.existing(name, &action)?.header.index;
        self.add_address_at(index, address, &action)
    }

    fn add_address_at(
        &self,
        index: u32,
        address: IpNet,
        action: &dyn Fn() -> String,
    ) -> Result<(), LinkError> {
        match self
            .socket
            .request(messages::new_address(index, address), CREATE)
        {
            Err(e) if !errno_is(&e, libc::EEXIST) => Err(failed(action(), e)),
            _ => Ok(()),
        }
    }

    /// The Ethernet address of `name`.
    pub fn mac(&self, name: &str) -> Result<[u8; 6], LinkError> {
        let action = || format!("read the MAC address of {name}");
        messages::mac(&self.existing(name, &action)?)
            .ok_or_else(|| failed(action(), io::Error::other("it has none")))
    }

    /// Adds a default route through `gateway`, which must be on a link that
    /// is up.
    pub fn add_default_route(&self, gateway: IpAddr) -> Result<(), LinkError> {
        self.socket
            .request(messages::new_default_route(gateway), CREATE)
            .map(drop)
            .map_err(|e| failed(format!("add a default route via {gateway}"), e))
    }

    /// Whether the namespace has an IPv4 default route.
    pub fn has_default_route(&self) -> Result<bool, LinkError> {
        let routes = self
            .socket
            .request(messages::get_routes(), NLM_F_DUMP)
            .map_err(|e| failed("list the routes".into(), e))?;
        Ok(routes.iter().any(|reply| match reply {
            RouteNetlinkMessage::NewRoute(route) => messages::is_default(route),
            _ => false,
        }))
    }

    /// Deletes the interface `name` (a veth takes its peer with it); one that
    /// is not there is fine.
    pub fn delete(&self, name: &str) -> Result<(), LinkError> {
        check_name(name)?;
        match self.socket.request(messages::delete_link(name), 0) {
            Err(e) if !errno_is(&e, libc::ENODEV) => Err(failed(format!("delete {name}"), e)),
            _ => Ok(()),
        }
    }
}
