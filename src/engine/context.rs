//! Where things live and who we are: the one object every operation is handed.

use super::events::EventLog;
use super::process::{single_threaded, Host, Inside};
use super::storage_driver::{self, Storage, StorageDriverError};
use super::store::unpack::UnpackOptions;
use super::store::{Store, StoreError};
use super::userns::{self, Mode, UsernsError};
use crate::engine::error::{ErrorKind, Kinded};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    #[error(transparent)]
    Userns(#[from] UsernsError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Driver(#[from] StorageDriverError),
    #[error("cannot find a home directory: set HOME or pass --root and --runroot")]
    NoHome,
    /// An operation that must run on the host side was asked of a process that
    /// cannot: a bug in the caller, not the user's doing.
    #[error("cannot work on a running container from this process: it is {0}")]
    Process(&'static str),
    #[error("cannot join the user namespace {}: {source}", path.display())]
    Join {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot create {}: {source}", path.display())]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
}

#[derive(Debug, Default, Clone)]
pub struct ContextOptions {
    pub root: Option<PathBuf>,
    pub runroot: Option<PathBuf>,
    pub storage_driver: Option<String>,
    /// A rootless user namespace to join instead of entering a new one: the
    /// API service's, kept for its requests (see `userns::Keeper`).
    pub userns: Option<PathBuf>,
}

#[derive(Debug, Clone)]
pub struct Context {
    pub root: PathBuf,
    pub runroot: PathBuf,
    pub mode: Mode,
    /// The driver asked for (`--storage-driver`, else storage.conf).
    wanted: Option<Storage>,
    /// The store's, once known.
    storage: OnceLock<Storage>,
    /// Set once this process has entered the rootless user namespace.
    entered: OnceLock<()>,
    kept_userns: Option<PathBuf>,
}

impl Context {
    /// Works out paths and identity. Touches nothing, starts no thread.
    pub fn new(opts: &ContextOptions) -> Result<Context, ContextError> {
        let mode = Mode::detect()?;
        let wanted =
            storage_driver::configured(opts.storage_driver.as_deref(), mode.is_rootless())?;
        let uid = nix::unistd::geteuid().as_raw();
        let root = match &opts.root {
            Some(root) => absolute(root),
            None if mode == Mode::Rootful => PathBuf::from("/var/lib/coracle"),
            None => data_home()?.join("coracle/storage"),
        };
        let runroot = match &opts.runroot {
            Some(runroot) => absolute(runroot),
            None if mode == Mode::Rootful => PathBuf::from("/run/coracle"),
            None => match std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) {
                Some(dir) => PathBuf::from(dir).join("coracle"),
                None => PathBuf::from(format!("/tmp/coracle-run-{uid}")),
            },
        };
        Ok(Context {
            root,
            runroot,
            mode,
            wanted,
            storage: OnceLock::new(),
            entered: OnceLock::new(),
            kept_userns: opts.userns.clone(),
        })
    }

    pub fn rootless(&self) -> bool {
        self.mode.is_rootless()
    }

    /// Proof that this process is inside the rootless user namespace, entering it
    /// first if it is not (a no-op when rootful or born inside). Entering needs a
    /// single thread: do it before any runtime starts.
    pub fn inside(&self) -> Result<Inside, ContextError> {
        let Mode::Rootless(maps) = &self.mode else {
            return Ok(Inside::new());
        };
        if self.entered.get().is_none() {
            create_private_dir(&self.runroot)?;
            if maps.is_single() {
                self.warn_single_once();
            }
            if !self.join_kept() {
                userns::enter(maps)?;
            }
            let _ = self.entered.set(());
        }
        Ok(Inside::new())
    }

    /// Joins the kept namespace, if there is one and it is still there; when
    /// its keeper has gone, the caller enters a new one as a command would.
    fn join_kept(&self) -> bool {
        let Some(path) = &self.kept_userns else {
            return false;
        };
        let joined = std::fs::File::open(path).and_then(|ns| {
            nix::sched::setns(ns, nix::sched::CloneFlags::CLONE_NEWUSER)
                .map_err(std::io::Error::from)
        });
        if let Err(e) = &joined {
            log::debug!(
                "cannot join the kept user namespace {}: {e}",
                path.display()
            );
        }
        joined.is_ok()
    }

    /// Proof that this process is inside the user namespace at `userns` (a
    /// running container's), joined from the host side instead of a new one of
    /// its own: a container that shares another's network namespace must live
    /// in the user namespace that owns it. Rootful, the same as `inside`.
    pub fn inside_of(&self, _host: Host, userns: &Path) -> Result<Inside, ContextError> {
        if !self.rootless() {
            return self.inside();
        }
        create_private_dir(&self.runroot)?;
        let join = |source| ContextError::Join {
            path: userns.to_owned(),
            source,
        };
        let ns = std::fs::File::open(userns).map_err(join)?;
        nix::sched::setns(ns, nix::sched::CloneFlags::CLONE_NEWUSER).map_err(|e| join(e.into()))?;
        let _ = self.entered.set(());
        Ok(Inside::new())
    }

    /// Whether this process has entered a user namespace of its own.
    pub fn entered(&self) -> bool {
        self.entered.get().is_some()
    }

    /// Proof that this process is on the host side with a single thread, free to
    /// join a running container's namespaces.
    pub fn host(&self) -> Result<Host, ContextError> {
        if self.entered.get().is_some() || matches!(self.mode, Mode::Inside(_)) {
            return Err(ContextError::Process(
                "already inside a user namespace of its own",
            ));
        }
        if !single_threaded() {
            return Err(ContextError::Process("running more than one thread"));
        }
        Ok(Host::new())
    }

    /// The same proof for a container's monitor (or a child of it), which is
    /// inside the user namespace it made the container in: joining that
    /// container's namespaces is joining its own.
    pub fn monitor_host(&self) -> Result<Host, ContextError> {
        if !single_threaded() {
            return Err(ContextError::Process("running more than one thread"));
        }
        Ok(Host::new())
    }

    pub fn open_store(&self) -> Result<Store, ContextError> {
        let storage = self.storage()?.clone();
        Ok(self.open_store_as_it_is()?.with_storage(storage))
    }

    /// The store whatever driver it was made with: for `system reset`, the
    /// way out of a store made with another one.
    pub fn open_store_as_it_is(&self) -> Result<Store, ContextError> {
        create_private_dir(&self.root)?;
        Ok(Store::open(&self.root)?.with_events(self.event_log()))
    }

    /// The store's storage driver: the one it records, which must be the one
    /// asked for; a new store records the one asked for, else the first that
    /// works here.
    pub fn storage(&self) -> Result<&Storage, ContextError> {
        if let Some(storage) = self.storage.get() {
            return Ok(storage);
        }
        create_private_dir(&self.root)?;
        let storage = storage_driver::resolve(&self.root, self.wanted.as_ref(), self.rootless())?;
        Ok(self.storage.get_or_init(|| storage))
    }

    /// The events log, under the run root as Podman keeps its own: the events
    /// of this boot.
    pub fn event_log(&self) -> EventLog {
        EventLog::new(self.runroot.join("events"))
    }

    pub fn unpack_options(&self) -> UnpackOptions {
        let single = self.mode.mappings().is_some_and(|m| m.is_single());
        UnpackOptions {
            ignore_chown_errors: single,
            skip_devices: self.rootless(),
            ids: None,
            keep_kinds: false,
        }
    }

    /// Said once per boot (the run root is on tmpfs), not on every command.
    fn warn_single_once(&self) {
        let marker = self.runroot.join("single-id-mapping-warned");
        if !marker.exists() {
            log::warn!(
                "no subordinate ids for this user in /etc/subuid and /etc/subgid: using a single-id \
                 mapping, so files that images give to other users will belong to you \
                 (add ranges with usermod --add-subuids 100000-165535 --add-subgids 100000-165535 USER)"
            );
            let _ = std::fs::write(marker, "");
        }
    }
}

fn data_home() -> Result<PathBuf, ContextError> {
    if let Some(dir) = std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .ok_or(ContextError::NoHome)?;
    Ok(PathBuf::from(home).join(".local/share"))
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}

fn create_private_dir(path: &Path) -> Result<(), ContextError> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)
        .map_err(|source| ContextError::CreateDir {
            path: path.to_owned(),
            source,
        })
}

impl Kinded for ContextError {
    fn kind(&self) -> ErrorKind {
        match self {
            ContextError::Userns(e) => e.kind(),
            ContextError::Store(e) => e.kind(),
            ContextError::Driver(e) => e.kind(),
            ContextError::NoHome => ErrorKind::Invalid,
            ContextError::CreateDir { source, .. }
                if source.kind() == std::io::ErrorKind::PermissionDenied =>
            {
                ErrorKind::NotPermitted
            }
            ContextError::Process(_)
            | ContextError::CreateDir { .. }
            | ContextError::Join { .. } => ErrorKind::Internal,
        }
    }
}
