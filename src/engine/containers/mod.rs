//! Container operations: create (the plan, the directory, the record) and remove.
//! Running one is the monitor's job (engine/monitor).

pub mod create;
mod files;
pub mod init;
mod layers;
mod names;
pub mod remove;

pub use create::{create, ContainerConfig, CreateOptions, Seccomp};

use crate::engine::context::ContextError;
use crate::engine::images::ImagesError;
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
    #[error("no such container: {0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("cannot write {path}: {source}")]
    Write {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}
