//! The holder process, from `coracle --runroot RR holder` to its exit.
//!
//! The process that was started forks the daemon and exits once the daemon
//! listens (0) or has failed (1, its error on stderr), so that whoever started
//! it can wait for it like any command, and the daemon is nobody's child.

use super::attach::Plumbing;
use super::uplink::{self, WayOut};
use super::{paths, server, HolderError};
use crate::engine::context::Context;
use crate::engine::net::dns::{self, Upstream};
use crate::engine::net::link::Netlink;
use crate::engine::store::lock::Lock;
use nix::fcntl::OFlag;
use nix::unistd::{fork, pipe2, ForkResult};
use std::io::{Read, Write};
use std::os::unix::net::UnixListener;
use std::path::Path;
use std::time::{Duration, Instant};

/// Sockets for asking the host's resolvers, made before the holder leaves the
/// host's network namespace: a socket stays in the namespace it was made in, so
/// these reach even a resolver on the host's loopback.
const UPSTREAM_SOCKETS: usize = 4;

/// Runs the holder for `ctx`'s runroot. In the process that was started,
/// returns once the daemon listens, or with why it could not; the daemon
/// itself never returns.
pub fn run(ctx: &Context) -> Result<(), HolderError> {
    let fork_failed = |e: nix::Error| HolderError::Io {
        what: "start the network holder",
        source: e.into(),
    };
    // Close-on-exec, so that the uplink's pasta does not keep it open and the
    // starter waiting for its end with it.
    let (ready_r, ready_w) = pipe2(OFlag::O_CLOEXEC).map_err(fork_failed)?;
    // SAFETY: `coracle holder` has one thread: it forks before doing anything.
    match unsafe { fork() }.map_err(fork_failed)? {
        ForkResult::Parent { .. } => {
            drop(ready_w);
            let mut said = String::new();
            let _ = std::fs::File::from(ready_r).read_to_string(&mut said);
            match said.strip_prefix("ready") {
                Some(_) => Ok(()),
                None if said.trim().is_empty() => Err(HolderError::Start("it died".into())),
                None => Err(HolderError::Start(said.trim().to_owned())),
            }
        }
        ForkResult::Child => {
            drop(ready_r);
            let mut ready = Some(std::fs::File::from(ready_w));
            let code = match daemon(ctx, &mut ready) {
                Ok(()) => 0,
                Err(e) => {
                    if let Some(ready) = &mut ready {
                        let _ = write!(ready, "{e}");
                    }
                    log::error!("{e}");
                    1
                }
            };
            std::process::exit(code)
        }
    }
}

/// Tells `ready` once it listens, and closes it, so that the first process
/// can go.
fn daemon(ctx: &Context, ready: &mut Option<std::fs::File>) -> Result<(), HolderError> {
    let _ = nix::unistd::setsid();
    std::fs::create_dir_all(&ctx.runroot).map_err(io("create the runroot"))?;
    detach_stdio(&ctx.runroot);
    let Some(_lock) = sole_holder(&ctx.runroot)? else {
        // Another command's holder came first and serves: the caller finds it.
        if let Some(mut ready) = ready.take() {
            let _ = ready.write_all(b"ready");
        }
        return Ok(());
    };
    let nameservers =
        dns::nameservers(&std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default());
    let sockets = (0..UPSTREAM_SOCKETS)
        .map(|_| std::net::UdpSocket::bind("0.0.0.0:0"))
        .collect::<Result<Vec<_>, _>>()
        .map_err(io("make the DNS forwarder's sockets"))?;
    ctx.inside()
        .map_err(|e| HolderError::Start(e.to_string()))?;
    let launcher = uplink::launch(&ctx.runroot)
        .inspect_err(|e| log::warn!("no shared way out for the networks: {e}"))
        .ok();
    nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET)
        .map_err(|e| io("make the bridges' network namespace")(e.into()))?;
    let netlink = Netlink::open().map_err(|e| HolderError::Start(e.to_string()))?;
    let uplink = launcher.and_then(|l| {
        l.start()
            .inspect_err(|e| log::warn!("no shared way out for the networks: {e}"))
            .ok()
    });
    let socket = paths::socket(&ctx.runroot);
    let _ = std::fs::remove_file(&socket);
    let listener = UnixListener::bind(&socket).map_err(io("listen on the holder's socket"))?;
    listener
        .set_nonblocking(true)
        .map_err(io("listen on the holder's socket"))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(io("start the holder's event loop"))?;
    let local = tokio::task::LocalSet::new();
    local.block_on(&runtime, async {
        let listener = tokio::net::UnixListener::from_std(listener)
            .map_err(io("listen on the holder's socket"))?;
        let upstream =
            Upstream::new(nameservers, sockets).map_err(|e| HolderError::Start(e.to_string()))?;
        // pasta configures the namespace while the first container is made;
        // its first attach waits for it.
        let way_out = uplink.map_or(WayOut::Closed, WayOut::Starting);
        if let Some(mut ready) = ready.take() {
            let _ = ready.write_all(b"ready");
        }
        server::serve(listener, Plumbing::new(netlink, way_out), upstream).await;
        Ok::<(), HolderError>(())
    })?;
    // Gone before the lock is let go: a command that connects from now on
    // starts the next holder, which waits for that lock.
    let _ = std::fs::remove_file(&socket);
    Ok(())
}

/// The lock that makes this the runroot's one holder; `None` when another one
/// listens. A holder on its way out removes its socket before it lets go of the
/// lock: that one is waited for, briefly.
fn sole_holder(runroot: &Path) -> Result<Option<Lock>, HolderError> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let held = Lock::try_exclusive(&paths::lock(runroot))
            .map_err(|e| HolderError::Start(e.to_string()))?;
        if held.is_some() {
            return Ok(held);
        }
        if std::os::unix::net::UnixStream::connect(paths::socket(runroot)).is_ok() {
            return Ok(None);
        }
        if Instant::now() > deadline {
            return Err(HolderError::Start(
                "another network holder holds the lock and does not answer".into(),
            ));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The daemon's stdin and stdout go nowhere and its stderr to its log: it
/// outlives the command that started it.
fn detach_stdio(runroot: &std::path::Path) {
    use std::os::fd::AsRawFd;
    let null = std::fs::File::options()
        .read(true)
        .write(true)
        .open("/dev/null");
    let log = std::fs::File::options()
        .create(true)
        .append(true)
        .open(paths::log(runroot));
    // Whatever happens, none of the starter's descriptors stays open here: it
    // may be waiting for their end.
    if let Ok(null) = &null {
        let _ = nix::unistd::dup2(null.as_raw_fd(), 0);
        let _ = nix::unistd::dup2(null.as_raw_fd(), 1);
    }
    if let Some(err) = log.as_ref().ok().or(null.as_ref().ok()) {
        let _ = nix::unistd::dup2(err.as_raw_fd(), 2);
    }
}

fn io(what: &'static str) -> impl Fn(std::io::Error) -> HolderError {
    move |source| HolderError::Io { what, source }
}
