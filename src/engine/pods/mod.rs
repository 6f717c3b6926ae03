//! Pods, as `coracle pod` manages them: containers that share the network,
//! IPC and UTS namespaces (and, if asked, the pid one) of an infra container,
//! as a Kubernetes pod's do.
//!
//! The interface others build on (`kube play` among them):
//! - `create::create` makes a pod from [`PodCreateOptions`] (its record, and its
//!   infra container unless `infra` is false);
//! - `members::join` turns a container's `CreateOptions` into a member's (the
//!   infra's namespaces, the pod's ID), before `containers::create`;
//! - `record::lookup`, `members::of`, `report` list and inspect; the local
//!   engine (engine/local/pods.rs) starts, stops and removes them in order.
//!
//! The infra container runs coracle's own init in pause mode (`coracle-init
//! -P`, catatonit -P's job) from a one-file image made on the spot
//! (infra.rs), under the usual per-container monitor: no daemon, and nothing
//! resident per pod beyond what any container has.

pub mod clone;
pub mod create;
pub mod exit_policy;
pub mod infra;
pub mod infra_config;
pub mod members;
pub mod record;
pub mod report;
pub mod status;

pub use create::PodCreateOptions;
pub use record::{Pod, PodConfig};

use crate::engine::containers::ContainersError;
use crate::engine::error::{ErrorKind, Kinded};
use crate::engine::images::ImagesError;
use crate::engine::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum PodsError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Containers(#[from] ContainersError),
    #[error(transparent)]
    Images(#[from] ImagesError),
    /// Podman's wording, which scripts match.
    #[error("no pod with name or ID {0} found: no such pod")]
    NotFound(String),
    #[error("more than one result for pod ID {0}: give more of the ID or the name")]
    Ambiguous(String),
    #[error("adding pod to state: name {0:?} is in use: pod already exists")]
    Exists(String),
    #[error(
        "invalid kernel namespace to share: {0}. Options are: cgroup, ipc, net, pid, uts or none"
    )]
    Share(String),
    #[error("{0}")]
    Invalid(String),
    /// Podman's words for `pod rm` of a pod with running containers.
    #[error("pod {0} has running containers: stop the pod first or use -f to remove it and its containers")]
    Running(String),
    #[error("container {container} is the infra container of pod {pod} and cannot be removed without removing the pod")]
    Infra { container: String, pod: String },
    #[error("cannot make the pod infra image: {0}")]
    InfraImage(String),
}

impl Kinded for PodsError {
    fn kind(&self) -> ErrorKind {
        match self {
            PodsError::Store(e) => e.kind(),
            PodsError::Containers(e) => e.kind(),
            PodsError::Images(e) => e.kind(),
            PodsError::NotFound(_) => ErrorKind::NotFound,
            PodsError::Exists(_) | PodsError::Running(_) => ErrorKind::Conflict,
            PodsError::Ambiguous(_)
            | PodsError::Share(_)
            | PodsError::Invalid(_)
            | PodsError::Infra { .. } => ErrorKind::Invalid,
            PodsError::InfraImage(_) => ErrorKind::Internal,
        }
    }
}
