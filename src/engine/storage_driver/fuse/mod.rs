//! The fuse-overlay driver: coracle's own overlay, served over FUSE (fuser)
//! where the kernel overlay cannot be mounted. The caller (the monitor, a
//! single-threaded process that libcontainer needs as it is) opens
//! /dev/fuse and mounts; a forked `coracle` serves the mount from the
//! container's layers and upper dir with threads of its own, for as long as
//! the mount is there and its parent lives (it dies with a killed monitor:
//! the container then gets ENOTCONN, never a hang, and no server is left).

mod change;
mod fs;
mod layers;
mod nodes;
mod splice;
mod turns;
mod view;

use super::StorageDriverError;
use crate::engine::monitor::rootfs::merged;
use std::ffi::OsString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};

/// The hidden command the server runs as: `coracle __fuse-overlay UPPER WORK LOWER...`.
pub const COMMAND: &str = "__fuse-overlay";
/// The descriptor of /dev/fuse the server is given.
const FUSE_FD: i32 = 3;
/// What the server says on its way out, in the container's directory.
const LOG_FILE: &str = "fuse-overlay.log";
/// Threads serving requests: the kernel queues requests from many container
/// processes at once, and one thread waiting on the disk should not hold up
/// the rest. One waits for requests at a time (turns.rs); the others serve
/// when requests queue up or one is slow. As many as the CPUs, from 2 to 4.
const THREADS: std::ops::RangeInclusive<usize> = 2..=4;

/// How long the server lives.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Server {
    /// No longer than the process that mounted (the monitor, a copy helper).
    ForCaller,
    /// Until the rootfs is unmounted (`coracle mount`).
    UntilUnmounted,
}

/// Mounts the container's overlay at `merged` in `dir`, served by a child.
pub fn mount(dir: &Path, layers: &[PathBuf], server: Server) -> Result<(), StorageDriverError> {
    let fuse = open_device()?;
    let target = merged(dir);
    let options = format!(
        "fd={},rootmode=40000,user_id={},group_id={},allow_other,default_permissions",
        fuse.as_raw_fd(),
        nix::unistd::geteuid(),
        nix::unistd::getegid()
    );
    let failed = |e: nix::Error| StorageDriverError::FuseMount(e.desc().to_owned());
    // Set-user-ID programs work in the container, as on the kernel overlay;
    // noatime as fuse-overlayfs mounts: the server never stores an atime the
    // kernel would keep only in its cache.
    nix::mount::mount(
        Some("coracle"),
        &target,
        Some("fuse"),
        nix::mount::MsFlags::MS_NODEV | nix::mount::MsFlags::MS_NOATIME,
        Some(options.as_str()),
    )
    .map_err(failed)?;
    if let Err(e) = spawn(dir, layers, &fuse, server) {
        let _ = nix::mount::umount2(&target, nix::mount::MntFlags::MNT_DETACH);
        return Err(StorageDriverError::FuseMount(format!(
            "cannot start its server: {e}"
        )));
    }
    Ok(())
}

fn open_device() -> Result<OwnedFd, StorageDriverError> {
    let path = c"/dev/fuse";
    // SAFETY: a valid C string; the descriptor is owned at once.
    let fd = unsafe { libc::open(path.as_ptr(), libc::O_RDWR | libc::O_CLOEXEC) };
    if fd >= 0 {
        // SAFETY: just opened, owned by nobody else.
        return Ok(unsafe { OwnedFd::from_raw_fd(fd) });
    }
    let e = std::io::Error::last_os_error();
    Err(StorageDriverError::FuseDevice(match e.raw_os_error() {
        Some(libc::ENOENT) | Some(libc::ENODEV) | Some(libc::ENXIO) => {
            "/dev/fuse is missing: load the fuse module (modprobe fuse), or in a container give it the device (--device /dev/fuse)".to_owned()
        }
        Some(libc::EACCES) | Some(libc::EPERM) => {
            "/dev/fuse cannot be opened by this user: make it readable and writable by all (as root: chmod 0666 /dev/fuse), as distributions ship it".to_owned()
        }
        _ => format!("cannot open /dev/fuse: {e}"),
    }))
}

fn spawn(dir: &Path, layers: &[PathBuf], fuse: &OwnedFd, server: Server) -> std::io::Result<()> {
    let log = std::fs::File::create(dir.join(LOG_FILE))?;
    let mut command = std::process::Command::new(std::env::current_exe()?);
    command
        .arg(COMMAND)
        .arg(dir.join("upper"))
        .arg(dir.join("work"))
        .args(dedup(layers))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(log);
    let fd = fuse.as_raw_fd();
    let dies_with_caller = server == Server::ForCaller;
    // SAFETY: only dup2, prctl and setsid between fork and exec.
    unsafe {
        command.pre_exec(move || {
            let failed = libc::dup2(fd, FUSE_FD) < 0
                || match dies_with_caller {
                    true => libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) < 0,
                    false => libc::setsid() < 0,
                };
            match failed {
                true => Err(std::io::Error::last_os_error()),
                false => Ok(()),
            }
        })
    };
    command.spawn().map(drop)
}

/// A layer named twice counts at its topmost place only (as overlay's
/// lowerdir has it).
fn dedup(layers: &[PathBuf]) -> Vec<PathBuf> {
    let mut seen = std::collections::HashSet::new();
    layers.iter().filter(|l| seen.insert(*l)).cloned().collect()
}

/// Runs as the server when this process was started as one; how it ended.
pub fn serve_if_asked(args: &[OsString]) -> Option<std::io::Result<()>> {
    if args.get(1).map(|a| a.as_os_str()) != Some(COMMAND.as_ref()) || args.len() < 4 {
        return None;
    }
    let stack = layers::Stack::new(
        args[2].clone().into(),
        args[3].clone().into(),
        args[4..].iter().map(PathBuf::from).collect(),
    );
    Some(serve(stack))
}

fn serve(stack: layers::Stack) -> std::io::Result<()> {
    // The modes the kernel sends are meant as they are (it applied the
    // caller's umask already).
    // SAFETY: umask cannot fail.
    unsafe { libc::umask(0) };
    // SAFETY: the descriptor the parent put there for this process.
    let fuse = unsafe { OwnedFd::from_raw_fd(FUSE_FD) };
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let overlay = view::Overlay::new(
        stack,
        splice::Splicer::new(fuse.try_clone()?),
        turns::Turns::new(fuse.try_clone()?, cpus),
    )?;
    let mut config = fuser::Config::default();
    config.n_threads = Some(cpus.clamp(*THREADS.start(), *THREADS.end()));
    // The threads share the one descriptor the splicer replies into: a
    // reply is only taken on the descriptor its request was read from.
    config.clone_fd = false;
    fuser::Session::from_fd(overlay, fuse, fuser::SessionACL::All, config)?.run()
}
