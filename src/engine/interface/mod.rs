//! The engine's front door: one method per verb, in traits split by concern.
//! cli/ parses flags, calls these and prints; api/ will map requests onto the
//! same methods; `local::LocalEngine` does the work in this process, and a remote
//! implementation would speak the API instead (Podman's ContainerEngine with its
//! abi and tunnel implementations is the model).
//!
//! Options and stdio handles go in; progress goes out through callbacks; results
//! come back per item where a verb takes several names. Nothing here prints.

mod build;
mod containers;
mod images;
mod kube;
mod manifests;
mod networks;
mod pods;
mod run;
mod secrets;
mod storage;
mod system;
mod volumes;

pub use build::BuildEngine;
pub use containers::{ContainerEngine, HealthOutcome, LogBatches, LogEntry, LogStream, Status};
pub use images::ImageEngine;
pub use kube::KubeEngine;
pub use manifests::ManifestEngine;
pub use networks::NetworkEngine;
pub use pods::PodEngine;
pub use run::RunEngine;
pub use secrets::SecretEngine;
pub use storage::StorageEngine;
pub use system::{EventBatches, SystemEngine};
pub use volumes::VolumeEngine;

pub use super::error::Error;

/// A result per name, in the order the names were given.
pub type Each<T = ()> = Vec<Result<T, Error>>;

/// Every verb.
pub trait Engine:
    RunEngine
    + ContainerEngine
    + ImageEngine
    + NetworkEngine
    + BuildEngine
    + SystemEngine
    + VolumeEngine
    + StorageEngine
    + SecretEngine
    + ManifestEngine
    + PodEngine
    + KubeEngine
{
}

impl<T> Engine for T where
    T: RunEngine
        + ContainerEngine
        + ImageEngine
        + NetworkEngine
        + BuildEngine
        + SystemEngine
        + VolumeEngine
        + StorageEngine
        + SecretEngine
        + ManifestEngine
        + PodEngine
        + KubeEngine
{
}
