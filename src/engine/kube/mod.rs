//! Kubernetes YAML both ways, as Podman's `kube generate` and `kube play` do:
//! containers become a Pod (or a Deployment) and back. The YAML goes through the
//! Kubernetes API's own types (k8s-openapi), so what is written is what a
//! cluster accepts, and what is read is checked as a cluster would read it.

pub mod env;
pub mod generate;
pub mod mounts;
pub mod play;
pub mod quantity;
pub mod resources;
pub mod sources;
pub mod validate;
pub mod yaml;

use crate::engine::containers::ContainersError;
use crate::engine::error::{ErrorKind, Kinded};
use crate::engine::pods::PodsError;
use crate::engine::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum KubeError {
    /// A document is not YAML at all.
    #[error("document {doc} is not valid YAML: {msg}")]
    Yaml { doc: usize, msg: String },
    /// A document is YAML but not a Kubernetes object.
    #[error("document {doc} is not Kubernetes YAML: it needs apiVersion and kind")]
    NotKubernetes { doc: usize },
    #[error("document {doc}: kind {kind} is not supported: coracle plays Pod, Deployment, ConfigMap, Secret and PersistentVolumeClaim (and reads Service without acting on it)")]
    Unsupported { doc: usize, kind: String },
    /// A field a cluster would refuse, or one coracle cannot honour, by its path
    /// in the document (`spec.containers[1].ports[0]`).
    #[error("{kind} {name}: {path}: {msg}")]
    Field {
        kind: &'static str,
        name: String,
        path: String,
        msg: String,
    },
    /// Podman's words when a pod of the name exists.
    #[error("adding pod to state: name {0:?} is in use: pod already exists")]
    Exists(String),
    /// Podman's words for `kube down` of a pod that is not there.
    #[error("no pod with name or ID {0} found: no such pod")]
    NoPod(String),
    #[error(
        "init container {name} exited with code {code}: the pod's containers were not started"
    )]
    InitFailed { name: String, code: i32 },
    #[error("the YAML has no Pod or Deployment to play")]
    Nothing,
    /// Podman's words for a name that is neither a container nor a volume.
    #[error("name or ID {0:?} not found")]
    NotFound(String),
    #[error(transparent)]
    Containers(#[from] ContainersError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Pods(#[from] PodsError),
    #[error("{0}")]
    Invalid(String),
    #[error("cannot write {0}")]
    Write(String),
}

impl KubeError {
    pub fn field(
        kind: &'static str,
        name: &str,
        path: impl Into<String>,
        msg: impl Into<String>,
    ) -> KubeError {
        KubeError::Field {
            kind,
            name: name.to_owned(),
            path: path.into(),
            msg: msg.into(),
        }
    }
}

impl Kinded for KubeError {
    fn kind(&self) -> ErrorKind {
        match self {
            KubeError::Write(_) => ErrorKind::Internal,
            KubeError::NotFound(_) | KubeError::NoPod(_) => ErrorKind::NotFound,
            KubeError::Exists(_) => ErrorKind::Conflict,
            KubeError::Containers(e) => e.kind(),
            KubeError::Store(e) => e.kind(),
            KubeError::Pods(e) => e.kind(),
            _ => ErrorKind::Invalid,
        }
    }
}
