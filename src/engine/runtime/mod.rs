//! What a container is, as the OCI runtime sees it: the spec generated from the
//! image and the flags. Pure decisions only; the monitor hands the result to
//! libcontainer.

use crate::engine::error::{ErrorKind, Kinded};

pub mod caps;
pub mod devices;
pub mod environment;
pub mod namespaces;
pub mod process;
pub mod resources;
pub mod seccomp;
pub mod seccomp_cache;
mod seccomp_docker;
pub mod seccomp_executor;
pub mod seccomp_profile;
pub mod signal;
pub mod spec;
pub mod spec_settings;
pub mod sysctl;
pub mod tether;
pub mod ulimit;
pub mod user;

#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    UnknownUser(String),
    #[error("cannot generate the runtime spec: {0}")]
    Spec(String),
    #[error("cannot compile the seccomp filter: {0}")]
    Seccomp(String),
}

impl Kinded for RuntimeError {
    fn kind(&self) -> ErrorKind {
        match self {
            RuntimeError::Invalid(_) | RuntimeError::UnknownUser(_) => ErrorKind::Invalid,
            RuntimeError::Spec(_) | RuntimeError::Seccomp(_) => ErrorKind::Internal,
        }
    }
}
