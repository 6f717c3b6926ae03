//! The monitor's own namespaces: a private mount namespace holding the container's
//! overlay, and (for `--network none`) a fresh network namespace with loopback up.
//! Both are entered before libcontainer runs, so the container inherits them.

use super::MonitorError;
use crate::engine::runtime::spec::{NETNS_FILE, USERNS_FILE};
use nix::mount::{mount, umount2, MntFlags, MsFlags};
use nix::sched::{unshare, CloneFlags};
use std::path::{Path, PathBuf};

/// A private mount namespace: nothing mounted here is seen by the host, and it all
/// goes when the monitor exits.
pub fn private_mounts() -> Result<(), MonitorError> {
    unshare(CloneFlags::CLONE_NEWNS).map_err(sys("unshare the mount namespace"))?;
    mount(
        None::<&str>,
        "/",
        None::<&str>,
        MsFlags::MS_REC | MsFlags::MS_PRIVATE,
        None::<&str>,
    )
    .map_err(sys("make mounts private"))
}

/// On a hybrid cgroup host libcontainer picks its v1 manager, which cannot work
/// rootless; with the cgroup2 tree bound over /sys/fs/cgroup (in our namespace only)
/// it picks the v2 one, which is best-effort without delegation.
pub fn prefer_cgroup2() -> Result<(), MonitorError> {
    let root = Path::new("/sys/fs/cgroup");
    let unified = root.join("unified");
    let is_v2 = nix::sys::statfs::statfs(root)
        .is_ok_and(|s| s.filesystem_type() == nix::sys::statfs::CGROUP2_SUPER_MAGIC);
    if is_v2 || !unified.is_dir() {
        return Ok(());
    }
    mount(
        Some(&unified),
        root,
        None::<&str>,
        MsFlags::MS_BIND,
        None::<&str>,
    )
    .map_err(sys("bind the cgroup2 tree over /sys/fs/cgroup"))
}

/// Where the container's rootfs is mounted, in its directory.
pub fn merged(dir: &Path) -> PathBuf {
    dir.join("merged")
}

/// Whether the container's rootfs is mounted already (by `coracle mount`, and
/// seen here as a copy of the mounts of the namespace we came from): `merged`
/// is then the root of another file system than the container's directory.
pub fn is_mounted(dir: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let dev = |p: &Path| std::fs::symlink_metadata(p).map(|m| m.dev()).ok();
    match (dev(dir), dev(&merged(dir))) {
        (Some(outer), Some(inner)) => outer != inner,
        _ => false,
    }
}

/// A new network namespace for the container, with loopback up, bound at
/// `NETNS_FILE` in `dir` (where the spec names it) while the monitor stays in its
/// own, so that a helper run from here connects the two. A child makes it: the
/// monitor could not return to its own (rootless, it belongs to the host's user
/// namespace).
pub fn bound_network(dir: &Path) -> Result<PathBuf, MonitorError> {
    let target = dir.join(NETNS_FILE);
    std::fs::File::create(&target).map_err(super::setup("create the network namespace file"))?;
    // SAFETY: the monitor has one thread; the child only makes system calls and
    // exits.
    match unsafe { nix::unistd::fork() }.map_err(sys("fork to make a network namespace"))? {
        nix::unistd::ForkResult::Child => {
            let made = isolated_network().and_then(|()| {
                mount(
                    Some("/proc/self/ns/net"),
                    &target,
                    None::<&str>,
                    MsFlags::MS_BIND,
                    None::<&str>,
                )
                .map_err(sys("bind the network namespace"))
            });
            // SAFETY: leaves the forked child without running the parent's exit code.
            unsafe { libc::_exit(i32::from(made.is_err())) }
        }
        nix::unistd::ForkResult::Parent { child } => match nix::sys::wait::waitpid(child, None) {
            Ok(nix::sys::wait::WaitStatus::Exited(_, 0)) => Ok(target),
            _ => Err(sys("make the container's network namespace")(
                nix::Error::EPERM,
            )),
        },
    }
}

/// Lets the namespaces `bound_network` and `bound_userns` made go (once nothing
/// is in them).
/// Lets go of the container's network namespace file in this process's own
/// mounts (after `private_mounts`): a process of the monitor's that has joined
/// the namespace would otherwise have libcontainer take the spec's path for
/// the host's namespace, and refuse the container's net.* sysctls.
pub fn forget_network_file(dir: &Path) {
    let _ = umount2(&dir.join(NETNS_FILE), MntFlags::MNT_DETACH);
}

pub fn unbind_network(dir: &Path) {
    let _ = umount2(&dir.join(NETNS_FILE), MntFlags::MNT_DETACH);
    let _ = umount2(&dir.join(USERNS_FILE), MntFlags::MNT_DETACH);
}

/// A new network namespace holding only loopback, brought up as Docker's `none` has it.
/// `--sysctl net.*` of a `none` container, set in the namespace the monitor
/// made for it (the runtime sets the others).
pub fn net_sysctls(sysctls: &[(String, String)]) -> Result<(), MonitorError> {
    for (key, value) in sysctls.iter().filter(|(k, _)| k.starts_with("net.")) {
        let path = Path::new("/proc/sys").join(key.replace('.', "/"));
        std::fs::write(&path, value).map_err(|source| MonitorError::Setup {
            what: "set a --sysctl",
            source,
        })?;
    }
    Ok(())
}

pub fn isolated_network() -> Result<(), MonitorError> {
    unshare(CloneFlags::CLONE_NEWNET).map_err(sys("unshare the network namespace"))?;
    // SAFETY: plain socket and ioctl calls on a zeroed ifreq naming "lo".
    unsafe {
        let sock = libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0);
        if sock < 0 {
            return Err(sys("open a socket")(nix::Error::last()));
        }
        let mut req: libc::ifreq = std::mem::zeroed();
        for (dst, src) in req.ifr_name.iter_mut().zip(b"lo\0") {
            *dst = *src as libc::c_char;
        }
        let mut ok = libc::ioctl(sock, libc::SIOCGIFFLAGS, &mut req) == 0;
        if ok {
            req.ifr_ifru.ifru_flags |= (libc::IFF_UP | libc::IFF_RUNNING) as libc::c_short;
            ok = libc::ioctl(sock, libc::SIOCSIFFLAGS, &req) == 0;
        }
        let err = nix::Error::last();
        libc::close(sock);
        if !ok {
            return Err(sys("bring loopback up")(err));
        }
    }
    Ok(())
}

fn sys(what: &'static str) -> impl Fn(nix::Error) -> MonitorError {
    move |e| MonitorError::Setup {
        what,
        source: e.into(),
    }
}
