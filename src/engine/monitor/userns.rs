//! A container's own user namespace (`--userns=keep-id|auto`), made before
//! libcontainer runs and bound in the container's directory for it to join.
//!
//! libcontainer would write a multi-range mapping through newuidmap, which
//! refuses inside coracle's namespace (it checks /etc/subuid for "root") and
//! whose failure libcontainer ignores. The monitor is root in the namespace
//! above, so it writes the mappings itself. The container's network namespace is
//! made in the new user namespace too: one owned by the monitor's could not be
//! joined from the container's, and sysfs could not be mounted in it.

use super::rootfs::isolated_network;
use super::{setup, MonitorError};
use crate::engine::runtime::spec::{NETNS_FILE, USERNS_FILE};
use crate::engine::userns::{IdMap, Mappings};
use nix::mount::{mount, MsFlags};
use nix::sched::{unshare, CloneFlags};
use nix::sys::wait::{waitpid, WaitStatus};
use nix::unistd::{fork, pipe, read, write, ForkResult, Pid};
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};

/// Makes the user namespace with `maps` and, when `network`, a network namespace
/// in it with loopback up; binds them at `USERNS_FILE` and `NETNS_FILE` in `dir`.
/// Returns the network namespace's path when one was made.
pub fn bound_userns(
    dir: &Path,
    maps: &Mappings,
    network: bool,
) -> Result<Option<PathBuf>, MonitorError> {
    let files: Vec<(&str, PathBuf)> = std::iter::once(("user", dir.join(USERNS_FILE)))
        .chain(network.then(|| ("net", dir.join(NETNS_FILE))))
        .collect();
    for (_, file) in &files {
        std::fs::File::create(file).map_err(setup("create a namespace file"))?;
    }
    let (made_r, made_w) = pipe().map_err(sys("pipe"))?;
    let (done_r, done_w) = pipe().map_err(sys("pipe"))?;
    // SAFETY: the monitor has one thread; the child only makes system calls and
    // exits.
    match unsafe { fork() }.map_err(sys("fork to make a user namespace"))? {
        ForkResult::Child => {
            drop(made_r);
            drop(done_w);
            let code = i32::from(make(network, made_w, done_r).is_err());
            // SAFETY: leaves the forked child without running the parent's exit code.
            unsafe { libc::_exit(code) }
        }
        ForkResult::Parent { child } => {
            drop(made_w);
            drop(done_r);
            let bound = bind(child, maps, &files, made_r);
            drop(done_w);
            let status = waitpid(child, None);
            bound?;
            match status {
                Ok(WaitStatus::Exited(_, 0)) => Ok(network.then(|| dir.join(NETNS_FILE))),
                _ => Err(sys("make the container's user namespace")(
                    nix::Error::EPERM,
                )),
            }
        }
    }
}

/// In the child: the namespaces, then word to the parent, then waiting until
/// it has bound them.
fn make(network: bool, made: OwnedFd, done: OwnedFd) -> Result<(), MonitorError> {
    unshare(CloneFlags::CLONE_NEWUSER).map_err(sys("unshare the user namespace"))?;
    if network {
        isolated_network()?;
    }
    write(&made, b"1").map_err(sys("signal the monitor"))?;
    let mut byte = [0u8; 1];
    let _ = read(done.as_raw_fd(), &mut byte);
    Ok(())
}

/// In the parent: the child's mappings, then its namespaces bound.
fn bind(
    child: Pid,
    maps: &Mappings,
    files: &[(&str, PathBuf)],
    made: OwnedFd,
) -> Result<(), MonitorError> {
    let mut byte = [0u8; 1];
    if !matches!(read(made.as_raw_fd(), &mut byte), Ok(1)) {
        return Err(sys("make the container's namespaces")(nix::Error::EPERM));
    }
    let proc = PathBuf::from(format!("/proc/{child}"));
    std::fs::write(proc.join("uid_map"), lines(&maps.uids)).map_err(setup("write uid_map"))?;
    std::fs::write(proc.join("gid_map"), lines(&maps.gids)).map_err(setup("write gid_map"))?;
    for (kind, file) in files {
        mount(
            Some(&proc.join("ns").join(kind)),
            file,
            None::<&str>,
            MsFlags::MS_BIND,
            None::<&str>,
        )
        .map_err(sys("bind a namespace"))?;
    }
    Ok(())
}

fn lines(maps: &[IdMap]) -> String {
    maps.iter()
        .map(|m| format!("{} {} {}\n", m.container_id, m.host_id, m.size))
        .collect()
}

fn sys(what: &'static str) -> impl Fn(nix::Error) -> MonitorError {
    move |e| MonitorError::Setup {
        what,
        source: e.into(),
    }
}
