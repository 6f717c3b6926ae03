//! The holder's event loop (one thread): connections in, a line and perhaps a
//! descriptor at a time; a DNS server per bridge that wants one; out when the
//! last connection closes.

use super::attach::Plumbing;
use super::protocol::{Failure, Reply, Request};
use crate::engine::net::dns::{self, Upstream};
use nix::sys::socket::{recvmsg, ControlMessageOwned, MsgFlags};
use std::cell::{Cell, RefCell};
use std::io::IoSliceMut;
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncWriteExt, Interest};
use tokio::net::{UdpSocket, UnixListener, UnixStream};
use tokio::sync::Notify;

/// How long a holder nobody connected to waits for its first user (whoever
/// started it connects at once; this only covers one that died first).
const FIRST_USER: Duration = Duration::from_secs(10);

struct Shared {
    plumbing: RefCell<Plumbing>,
    upstream: Arc<Upstream>,
    users: Cell<usize>,
    /// Someone has asked something: from then on, the last to leave ends the
    /// holder. A connection that asks nothing (another holder's probe of the
    /// socket, as it starts) neither counts nor ends it.
    had_users: Cell<bool>,
    next_owner: Cell<u64>,
    last_left: Notify,
}

/// Serves until nobody is connected; returns to let the holder clean up.
pub async fn serve(listener: UnixListener, plumbing: Plumbing, upstream: Upstream) {
    let shared = Rc::new(Shared {
        plumbing: RefCell::new(plumbing),
        upstream: Arc::new(upstream),
        users: Cell::new(0),
        had_users: Cell::new(false),
        next_owner: Cell::new(1),
        last_left: Notify::new(),
    });
    loop {
        let idle = shared.users.get() == 0;
        let had_users = shared.had_users.get();
        if idle && had_users {
            return;
        }
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                shared.users.set(shared.users.get() + 1);
                tokio::task::spawn_local(connection(shared.clone(), stream));
            }
            () = shared.last_left.notified(), if !idle => {}
            () = tokio::time::sleep(FIRST_USER), if idle && !had_users => return,
        }
    }
}

async fn connection(shared: Rc<Shared>, mut stream: UnixStream) {
    let owner = shared.next_owner.get();
    shared.next_owner.set(owner + 1);
    let mut inbox = Inbox::default();
    while let Some((request, fd)) = inbox.next(&stream).await {
        shared.had_users.set(true);
        // A detach is answered first and done after: deleting a veth waits
        // 20-30 ms for the kernel, which the run's end need not wait for. The
        // connection's next request is read only once it is done.
        let detach = matches!(request, Some(Request::Detach));
        let reply = handle(&shared, owner, request, fd);
        start_dns(&shared);
        let mut line = serde_json::to_vec(&reply).unwrap_or_default();
        line.push(b'\n');
        let written = stream.write_all(&line).await;
        if detach {
            shared.plumbing.borrow_mut().detach(owner);
        }
        if written.is_err() {
            break;
        }
    }
    shared.plumbing.borrow_mut().detach(owner);
    shared.users.set(shared.users.get() - 1);
    if shared.users.get() == 0 {
        shared.last_left.notify_one();
    }
}

fn handle(shared: &Shared, owner: u64, request: Option<Request>, fd: Option<OwnedFd>) -> Reply {
    let error = |(kind, message): (Failure, String)| Reply::Error { kind, message };
    let mut plumbing = shared.plumbing.borrow_mut();
    match (request, fd) {
        (Some(Request::Hello), _) => Reply::Hello {
            pid: std::process::id() as i32,
        },
        (Some(Request::Attach(request)), Some(netns)) => plumbing
            .attach(owner, &request, netns)
            .map_or_else(error, Reply::Attached),
        (Some(Request::Connect(request)), Some(netns)) => plumbing
            .connect(&request, netns)
            .map_or_else(error, Reply::Attached),
        (Some(Request::Attach(_) | Request::Connect(_)), None) => {
            error((Failure::Invalid, "attach without a namespace".into()))
        }
        // Done by the connection once answered.
        (Some(Request::Detach), _) => Reply::Detached,
        (Some(Request::Disconnect { container, network }), _) => plumbing
            .disconnect(&container, &network)
            .map_or_else(error, |()| Reply::Detached),
        (None, _) => error((Failure::Invalid, "a request the holder cannot read".into())),
    }
}

/// Starts a DNS server on the gateways of every bridge just made that wants one.
fn start_dns(shared: &Shared) {
    let wanted = std::mem::take(&mut shared.plumbing.borrow_mut().new_dns);
    for network in wanted {
        let upstream = (!network.internal).then(|| shared.upstream.clone());
        for gateway in network.subnets.iter().map(|s| s.gateway) {
            let socket = match std::net::UdpSocket::bind(SocketAddr::new(gateway, 53))
                .and_then(|s| s.set_nonblocking(true).map(|()| s))
                .and_then(UdpSocket::from_std)
            {
                Ok(socket) => socket,
                Err(e) => {
                    log::warn!("no DNS for network {} on {gateway}: {e}", network.name);
                    continue;
                }
            };
            let records = shared.plumbing.borrow().directory.clone();
            tokio::task::spawn_local(dns::serve(
                socket,
                network.name.clone(),
                records,
                upstream.clone(),
            ));
        }
    }
}

/// Lines read off a connection, each with the descriptor that came with it.
#[derive(Default)]
struct Inbox {
    bytes: Vec<u8>,
    fds: Vec<OwnedFd>,
}

impl Inbox {
    /// The next request (None inside if it does not parse), or None at the end.
    async fn next(&mut self, stream: &UnixStream) -> Option<(Option<Request>, Option<OwnedFd>)> {
        loop {
            if let Some(end) = self.bytes.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = self.bytes.drain(..=end).collect();
                let fd = (!self.fds.is_empty()).then(|| self.fds.remove(0));
                return Some((serde_json::from_slice(&line).ok(), fd));
            }
            stream.readable().await.ok()?;
            let raw = stream.as_raw_fd();
            match stream.try_io(Interest::READABLE, || receive(raw)) {
                Ok((bytes, _)) if bytes.is_empty() => return None,
                Ok((bytes, fds)) => {
                    self.bytes.extend_from_slice(&bytes);
                    self.fds.extend(fds);
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(_) => return None,
            }
        }
    }
}

fn receive(fd: RawFd) -> std::io::Result<(Vec<u8>, Vec<OwnedFd>)> {
    let mut buf = [0u8; 4096];
    let mut space = nix::cmsg_space!([RawFd; 4]);
    let mut iov = [IoSliceMut::new(&mut buf)];
    let msg = recvmsg::<()>(fd, &mut iov, Some(&mut space), MsgFlags::MSG_CMSG_CLOEXEC)?;
    let mut fds = Vec::new();
    for cmsg in msg.cmsgs()? {
        if let ControlMessageOwned::ScmRights(received) = cmsg {
            // SAFETY: the kernel just gave us these descriptors; nothing else owns them.
            fds.extend(
                received
                    .into_iter()
                    .map(|f| unsafe { OwnedFd::from_raw_fd(f) }),
            );
        }
    }
    let n = msg.bytes;
    Ok((buf[..n].to_vec(), fds))
}
