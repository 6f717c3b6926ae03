//! A child process rooted in a container's filesystem, for `cp` and `export`.
//!
//! The caller stays on the host side, as the invoking user, and reads or writes host
//! paths; a forked child works in the container's filesystem and talks to it over a
//! socket. For a running container the child joins its user and mount namespaces
//! (its `/` is then the container's root). For a stopped one it enters a fresh user
//! namespace of ours and a private mount namespace, and mounts the overlay there, as
//! the monitor does; the container's monitor lock is held meanwhile, so it cannot be
//! started on the same upper dir under us.

use super::lookup::lookup;
use super::{join, state, ContainerConfig, ContainersError};
use crate::engine::context::Context;
use crate::engine::monitor::rootfs;
use crate::engine::process::Host;
use crate::engine::storage_driver;
use crate::engine::store::containers::{ContainerRecord, Status};
use crate::engine::store::lock::Lock;
use crate::engine::store::Store;
use crate::engine::userns::Mappings;
use nix::sys::wait::{waitpid, WaitStatus};
use nix::unistd::{fork, ForkResult, Pid};
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};

/// What runs in the child: the container's root as it sees it, its end of the
/// socket, and the container's own id mapping when the child sees the ids its
/// files have on disk instead of the container's (a stopped container with a
/// user namespace of its own: see [`crate::engine::userns::shift`]). An error
/// is reported to the parent as one line.
pub type Work<'a> = Box<dyn FnOnce(&Path, UnixStream, Option<Mappings>) -> Result<(), String> + 'a>;

/// The running child and our end of the socket to it.
pub struct Rooted {
    child: Pid,
    pub sock: UnixStream,
    errors: std::fs::File,
    name: String,
    _lock: Option<Lock>,
}

/// Starts `work` in the filesystem of container `input`. The caller is on the
/// host side and single-threaded, as `Host` proves: the child joins or enters a
/// user namespace, and forks from a process with threads may not run arbitrary
/// code.
pub fn spawn(
    ctx: &Context,
    _host: &Host,
    store: &Store,
    input: &str,
    work: Work,
) -> Result<Rooted, ContainersError> {
    let record = lookup(store, input)?;
    let (lock, entry) = match record.state.status {
        Status::Running => (None, running_entry(&record, input)?),
        _ => stopped_entry(ctx, store, &record, input)?,
    };
    let (ours, theirs) = UnixStream::pair().map_err(io_err)?;
    let (err_read, err_write) = nix::unistd::pipe().map_err(|e| io_err(e.into()))?;
    // SAFETY: the caller is single-threaded (`Host`), so the child may run any code.
    match unsafe { fork() }.map_err(|e| io_err(e.into()))? {
        ForkResult::Child => {
            drop(ours);
            drop(err_read);
            let entered = entry.enter();
            let code = match entered.and_then(|(root, ids)| work(&root, theirs, ids)) {
                Ok(()) => 0,
                Err(message) => {
                    let _ = std::fs::File::from(err_write).write_all(message.as_bytes());
                    1
                }
            };
            // SAFETY: leave without the parent's destructors (its database, its locks).
            unsafe { libc::_exit(code) }
        }
        ForkResult::Parent { child } => Ok(Rooted {
            child,
            sock: ours,
            errors: err_read.into(),
            name: input.to_owned(),
            _lock: lock,
        }),
    }
}

impl Rooted {
    /// Waits for the child; its error, if it had one.
    pub fn finish(self) -> Result<(), ContainersError> {
        drop(self.sock);
        let mut message = String::new();
        let _ = (&self.errors).read_to_string(&mut message);
        let status = waitpid(self.child, None).map_err(|e| io_err(e.into()))?;
        match status {
            WaitStatus::Exited(_, 0) => Ok(()),
            _ if !message.is_empty() => Err(ContainersError::Invalid(message)),
            other => Err(ContainersError::Helper(format!(
                "the helper working in container {} failed: {other:?}",
                self.name
            ))),
        }
    }
}

/// How the child gets into the container's filesystem.
enum Entry<'a> {
    Running(&'a ContainerRecord, Pid),
    Stopped {
        ctx: &'a Context,
        dir: PathBuf,
        layers: Vec<PathBuf>,
        own_ids: Option<Mappings>,
    },
}

fn running_entry<'a>(
    record: &'a ContainerRecord,
    input: &str,
) -> Result<Entry<'a>, ContainersError> {
    Ok(Entry::Running(record, join::running_init(record, input)?))
}

/// The stopped container's entry, with its monitor lock held; a container that
/// started meanwhile is joined as a running one.
fn stopped_entry<'a>(
    ctx: &'a Context,
    store: &Store,
    record: &'a ContainerRecord,
    input: &str,
) -> Result<(Option<Lock>, Entry<'a>), ContainersError> {
    let Some(lock) = Lock::try_exclusive(&state::monitor_lock_path(store, &record.id))? else {
        return Err(ContainersError::Conflict(format!(
            "container {input} is starting or stopping: try again"
        )));
    };
    let config: ContainerConfig = super::lookup::config_of(record)?;
    let entry = Entry::Stopped {
        ctx,
        dir: store.container_dir(&record.id),
        layers: config.layers,
        own_ids: config.userns.map(|own| own.maps),
    };
    Ok((Some(lock), entry))
}

impl Entry<'_> {
    /// In the child: enters the container's filesystem; returns its root and the
    /// container's mapping when its files show their ids on disk.
    fn enter(self) -> Result<(PathBuf, Option<Mappings>), String> {
        let text = |e: ContainersError| e.to_string();
        match self {
            Entry::Running(record, init) => {
                join::user_namespace(record, init).map_err(text)?;
                join::mount_namespace(record, init).map_err(text)?;
                Ok((PathBuf::from("/"), None))
            }
            Entry::Stopped {
                ctx,
                dir,
                layers,
                own_ids,
            } => {
                if let Some(maps) = ctx.mode.mappings() {
                    if ctx.rootless() {
                        crate::engine::userns::enter(maps).map_err(|e| e.to_string())?;
                    }
                }
                rootfs::private_mounts().map_err(|e| e.to_string())?;
                let storage = ctx.storage().map_err(|e| e.to_string())?;
                let root = storage_driver::mount(storage, &dir, &layers, false)
                    .map_err(|e| e.to_string())?;
                Ok((root, own_ids))
            }
        }
    }
}

fn io_err(e: std::io::Error) -> ContainersError {
    ContainersError::Helper(format!("cannot start the copy helper: {e}"))
}
