//! Secrets: data kept apart from images and containers (`coracle secret`),
//! handed to a container at create time as a read-only file or an environment
//! variable (`--secret`). Only Podman's `file` driver: the data under the graph
//! root, readable by the caller alone, and never in any inspect output.

pub mod filter;
pub mod record;
pub mod request;
pub mod store;

pub use record::SecretRecord;
pub use request::{SecretKind, SecretRequest};

use crate::engine::error::{ErrorKind, Kinded};

#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    /// Podman's wording, which scripts match.
    #[error("no secret with name or id {0:?}: no such secret")]
    NotFound(String),
    #[error("{0}: secret name in use")]
    Exists(String),
    #[error("{0}")]
    Invalid(String),
    /// Not the error's `source`: the message says it once already.
    #[error("{what}: {error}")]
    Io { what: String, error: std::io::Error },
}

impl SecretsError {
    pub(crate) fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> SecretsError {
        let what = what.into();
        move |error| SecretsError::Io { what, error }
    }
}

impl Kinded for SecretsError {
    fn kind(&self) -> ErrorKind {
        match self {
            SecretsError::NotFound(_) => ErrorKind::NotFound,
            SecretsError::Exists(_) => ErrorKind::Conflict,
            SecretsError::Invalid(_) => ErrorKind::Invalid,
            SecretsError::Io { error, .. }
                if error.kind() == std::io::ErrorKind::PermissionDenied =>
            {
                ErrorKind::NotPermitted
            }
            SecretsError::Io { .. } => ErrorKind::Internal,
        }
    }
}
