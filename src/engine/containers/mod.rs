//! Container operations: create (the plan, the directory, the record) and remove.
//! Running one is the monitor's job (engine/monitor).

pub mod create;
mod files;
mod layers;
mod names;

pub use create::{create, ContainerConfig, CreateOptions, Seccomp};

use crate::engine::context::ContextError;
use crate::engine::images::ImagesError;
use crate::engine::runtime::RuntimeError;
use crate::engine::store::{Store, StoreError};

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
    #[error("cannot write {path}: {source}")]
    Write {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}

/// Removes a container's directory and record (its rootfs must be unmounted).
pub fn remove(store: &Store, id: &str) -> Result<(), ContainersError> {
    Ok(store.remove_container(id)?)
}
