//! Container operations: create (the plan, the directory, the record) and remove.
//! Running one is the monitor's job (engine/monitor).

pub mod attach;
pub mod cgroups;
pub mod clone;
pub mod cp;
pub mod create;
mod delegation;
pub mod events;
pub mod exec;
pub mod export;
pub mod files;
pub mod health;
mod hostuser;
pub mod init;
pub mod inspect;
pub mod join;
mod layers;
pub mod list;
pub mod log_config;
pub mod logs;
pub mod lookup;
mod mapped;
pub mod mount;
pub mod names;
pub mod namespaces;
mod passwd;
pub mod pause;
pub mod prune;
pub mod remove;
pub mod resources;
mod rooted;
pub mod run_files;
mod running_root;
pub mod secrets;
pub mod select;
pub mod settings;
pub mod start;
pub mod state;
pub mod stats;
pub mod status;
pub mod stop;
pub mod top;
pub mod update;
pub mod userns;
pub mod wait;

pub use crate::engine::monitor::config::ContainerConfig;
pub use crate::engine::monitor::restart::RestartPolicy;
pub use create::{create, CreateOptions, Seccomp};
pub use remove::resolve;

use crate::engine::context::ContextError;
use crate::engine::error::{ErrorKind, Kinded};
use crate::engine::images::ImagesError;
use crate::engine::net::NetError;
use crate::engine::networks::NetworksError;
use crate::engine::runtime::RuntimeError;
use crate::engine::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ContainersError {
    #[error(transparent)]
    Context(#[from] ContextError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Images(#[from] ImagesError),
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    #[error(transparent)]
    Net(#[from] NetError),
    #[error(transparent)]
    Networks(#[from] NetworksError),
    #[error(transparent)]
    Volumes(#[from] crate::engine::volumes::VolumesError),
    #[error(transparent)]
    Userns(#[from] crate::engine::userns::UsernsError),
    #[error(transparent)]
    Secrets(#[from] crate::engine::secrets::SecretsError),
    #[error(transparent)]
    Config(#[from] crate::engine::containers_conf::ConfigError),
    /// Podman's words, which scripts grep for.
    #[error("no container with name or ID \"{0}\" found: no such container")]
    NotFound(String),
    /// `--latest` when there is no container at all.
    #[error("no such container")]
    NoLatest,
    /// A name among several that was not found (Podman's wording for stats).
    #[error("unable to look up container {name}: {source}")]
    Lookup {
        name: String,
        source: Box<ContainersError>,
    },
    #[error("no such exec instance: {0}")]
    NoSuchExec(String),
    #[error("container ID prefix {0} is ambiguous: it matches several containers; give more of the ID or the name")]
    Ambiguous(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Invalid(String),
    #[error("attach: {0}")]
    Attach(String),
    #[error("container {0} is not running")]
    NotRunning(String),
    /// The container's state forbids the verb, in Podman's words (its
    /// ErrCtrStateInvalid), which scripts grep for.
    #[error("{0}: container state improper")]
    Improper(String),
    /// The container could not be started; `code` is Docker's (125, 126, 127).
    #[error("{message}")]
    Start { code: i32, message: String },
    #[error("cannot write {path}: {source}")]
    Write {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("cannot signal container {name}: {source}")]
    Signal {
        name: String,
        source: std::io::Error,
    },
    #[error("container {name} did not stop within {secs}s of SIGKILL")]
    Unstoppable { name: String, secs: u64 },
    #[error("cannot join the {namespace} namespace of container {name}: {source}")]
    Join {
        name: String,
        namespace: &'static str,
        source: std::io::Error,
    },
    /// The child that works in a container's filesystem (cp, export) could not
    /// be started or died without saying why.
    #[error("{0}")]
    Helper(String),
    #[error("pause needs the cgroup v2 freezer with delegation, which this host does not give rootless containers")]
    NoFreezer,
    #[error("cannot read the log: {0}")]
    Log(std::io::Error),
    /// Podman's words: a rootless mount is seen only inside the user namespace
    /// (and mount namespace) `coracle unshare` keeps.
    #[error(
        "cannot run command \"coracle {0}\" in rootless mode, must execute `coracle unshare` first"
    )]
    NeedsUnshare(&'static str),
    /// Mounting or unmounting a container's rootfs for `mount`/`umount` failed.
    #[error("{0}")]
    Mount(String),
}

impl Kinded for ContainersError {
    fn kind(&self) -> ErrorKind {
        match self {
            ContainersError::Context(e) => e.kind(),
            ContainersError::Config(e) => e.kind(),
            ContainersError::Store(e) => e.kind(),
            ContainersError::Images(e) => e.kind(),
            ContainersError::Runtime(e) => e.kind(),
            ContainersError::Net(e) => e.kind(),
            ContainersError::Networks(e) => e.kind(),
            ContainersError::Volumes(e) => e.kind(),
            ContainersError::Userns(e) => e.kind(),
            ContainersError::Lookup { source, .. } => source.kind(),
            ContainersError::NotFound(_)
            | ContainersError::NoSuchExec(_)
            | ContainersError::NoLatest => ErrorKind::NotFound,
            ContainersError::Secrets(e) => e.kind(),
            ContainersError::Ambiguous(_) | ContainersError::Invalid(_) => ErrorKind::Invalid,
            ContainersError::Conflict(_)
            | ContainersError::NotRunning(_)
            | ContainersError::Improper(_) => ErrorKind::Conflict,
            ContainersError::NoFreezer | ContainersError::NeedsUnshare(_) => {
                ErrorKind::NotPermitted
            }
            // The container's process ended between the check and the signal.
            ContainersError::Signal { source, .. }
                if source.raw_os_error() == Some(libc::ESRCH) =>
            {
                ErrorKind::Conflict
            }
            ContainersError::Signal { source, .. } | ContainersError::Join { source, .. }
                if source.kind() == std::io::ErrorKind::PermissionDenied =>
            {
                ErrorKind::NotPermitted
            }
            ContainersError::Attach(_)
            | ContainersError::Start { .. }
            | ContainersError::Write { .. }
            | ContainersError::Signal { .. }
            | ContainersError::Unstoppable { .. }
            | ContainersError::Join { .. }
            | ContainersError::Helper(_)
            | ContainersError::Mount(_)
            | ContainersError::Log(_) => ErrorKind::Internal,
        }
    }

    fn command_code(&self) -> Option<i32> {
        match self {
            ContainersError::Start { code, .. } if *code != 125 => Some(*code),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{ContainersError, ErrorKind, Kinded};
    use std::io::Error;

    #[test]
    fn a_failed_signal_says_why_by_its_kind() {
        let signal = |errno| ContainersError::Signal {
            name: "box".into(),
            source: Error::from_raw_os_error(errno),
        };
        assert_eq!(signal(libc::ESRCH).kind(), ErrorKind::Conflict);
        assert_eq!(signal(libc::EPERM).kind(), ErrorKind::NotPermitted);
        assert_eq!(signal(libc::EINVAL).kind(), ErrorKind::Internal);
        assert_eq!(ContainersError::NoFreezer.kind(), ErrorKind::NotPermitted);
    }
}
