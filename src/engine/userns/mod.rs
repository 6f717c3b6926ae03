//! The rootless user namespace: who we are, which ids we may map, and entering it.
//!
//! Every command that touches storage runs inside a user namespace where the caller is
//! uid 0 and its subordinate ids are mapped above it, the same mapping every time, so
//! files unpacked by one command are owned correctly for the next.

pub mod container;
mod enter;
mod idmap;
mod keeper;
mod mode;
pub mod passwd;
pub mod shift;
pub mod unshare;

pub use container::ContainerUserns;
pub use enter::enter;
pub use idmap::{IdMap, Mappings};
pub use keeper::Keeper;
pub use mode::UsernsMode;

use crate::engine::error::{ErrorKind, Kinded};
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum UsernsError {
    #[error("{tool} not found: install the uidmap package (apt-get install uidmap)")]
    ToolMissing { tool: &'static str },
    #[error("{tool} failed: {message}")]
    ToolFailed { tool: &'static str, message: String },
    #[error("cannot create a user namespace: {0} (are unprivileged user namespaces enabled? see sysctl kernel.unprivileged_userns_clone and user.max_user_namespaces)")]
    Unshare(nix::Error),
    #[error("cannot set up the user namespace: {what}: {source}")]
    Setup {
        what: &'static str,
        source: std::io::Error,
    },
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A bad `--userns` value.
    #[error("{0}")]
    Mode(String),
    #[error("keep-id is only supported in rootless mode")]
    KeepIdRootful,
    #[error("not enough unused ids for a user namespace of {size}: remove containers run with --userns=auto, or ask for fewer with --userns=auto:size=N")]
    Exhausted { size: u32 },
    /// The runtime starts the container's process as root inside, which must
    /// then be one of the caller's subordinate ids.
    #[error("--userns={mode} needs subordinate ids for this user in /etc/subuid and /etc/subgid (add them with usermod --add-subuids 100000-165535 --add-subgids 100000-165535 USER)")]
    NoSubordinateIds { mode: &'static str },
    #[error("please use unshare with rootless")]
    UnshareRootful,
    /// Not the error's source: its words are Podman's, said once.
    #[error("exec: {command:?}: {}", exec_reason(cause))]
    Exec {
        command: String,
        cause: std::io::Error,
    },
}

/// Podman's words for a command that cannot be run.
fn exec_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "executable file not found in $PATH".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// How this process relates to user namespaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// Real root in the initial user namespace: no user namespace is used.
    Rootful,
    /// An unprivileged user who must enter a namespace with these mappings.
    Rootless(Mappings),
    /// Already uid 0 inside a user namespace (a coracle child such as the monitor).
    Inside(Mappings),
}

impl Mode {
    pub fn detect() -> Result<Mode, UsernsError> {
        let euid = nix::unistd::geteuid();
        if !euid.is_root() {
            return Ok(Mode::Rootless(Mappings::for_user(
                euid.as_raw(),
                nix::unistd::getegid().as_raw(),
            )?));
        }
        let current = Mappings::current()?;
        if current.is_identity() {
            Ok(Mode::Rootful)
        } else {
            Ok(Mode::Inside(current))
        }
    }

    pub fn is_rootless(&self) -> bool {
        !matches!(self, Mode::Rootful)
    }

    pub fn mappings(&self) -> Option<&Mappings> {
        match self {
            Mode::Rootful => None,
            Mode::Rootless(m) | Mode::Inside(m) => Some(m),
        }
    }
}

impl Kinded for UsernsError {
    fn kind(&self) -> ErrorKind {
        match self {
            // The host lacks what rootless needs: the kernel's user namespaces,
            // the uidmap tools, or the caller's subordinate ids.
            UsernsError::Unshare(_)
            | UsernsError::ToolMissing { .. }
            | UsernsError::ToolFailed { .. } => ErrorKind::NotPermitted,
            UsernsError::Mode(_) | UsernsError::KeepIdRootful | UsernsError::UnshareRootful => {
                ErrorKind::Invalid
            }
            UsernsError::Exhausted { .. } => ErrorKind::Conflict,
            UsernsError::NoSubordinateIds { .. } => ErrorKind::NotPermitted,
            UsernsError::Exec { cause, .. } if cause.kind() == std::io::ErrorKind::NotFound => {
                ErrorKind::NotFound
            }
            UsernsError::Setup { .. } | UsernsError::Read { .. } | UsernsError::Exec { .. } => {
                ErrorKind::Internal
            }
        }
    }

    /// A command `unshare` could not run exits as a shell's would: 127 when it
    /// is not there, 126 when it cannot be run.
    fn command_code(&self) -> Option<i32> {
        match self {
            UsernsError::Exec { cause, .. } => Some(match cause.kind() {
                std::io::ErrorKind::NotFound => 127,
                _ => 126,
            }),
            _ => None,
        }
    }
}
