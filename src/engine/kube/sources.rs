//! What `kube generate` reads from the store: each name is a container (as it
//! was created, with the host ports it got) or a volume (a claim), as Podman
//! looks names up.

use super::generate::{Group, Source};
use super::KubeError;
use crate::engine::containers::lookup::{config_of, lookup};
use crate::engine::containers::ContainersError;
use crate::engine::store::Store;

/// The containers named (one pod of them) and the volumes named.
#[derive(Debug, Default)]
pub struct Named {
    pub groups: Vec<Group>,
    pub claims: Vec<String>,
}

pub fn named(store: &Store, names: &[String]) -> Result<Named, KubeError> {
    let mut containers = Vec::new();
    let mut claims = Vec::new();
    for name in names {
        match container(store, name) {
            Ok(source) => containers.push(source),
            Err(KubeError::Containers(ContainersError::NotFound(_))) => match store.volume(name)? {
                Some(v) => claims.push(v.name),
                None => return Err(KubeError::NotFound(name.clone())),
            },
            Err(e) => return Err(e),
        }
    }
    // Podman makes one pod of the containers given, named after the first.
    let groups = match containers.first() {
        Some(first) => vec![Group {
            name: format!("{}-pod", first.name),
            containers,
        }],
        None => Vec::new(),
    };
    Ok(Named { groups, claims })
}

fn container(store: &Store, name: &str) -> Result<Source, KubeError> {
    let record = lookup(store, name)?;
    let config = config_of(&record)?;
    let opts = config.created_with.clone().ok_or_else(|| {
        KubeError::Invalid(format!(
            "container {} was created by a coracle that did not keep its create options: recreate it to generate its YAML",
            record.name
        ))
    })?;
    // A pod's ports are its infra's, published for every member (Podman
    // writes them on the members' ports too).
    let infra = match &config.pod {
        Some(pod) => crate::engine::pods::record::lookup(store, pod)
            .ok()
            .and_then(|pod| pod.config.infra_id),
        None => None,
    };
    let ports = match infra {
        Some(infra) => config_of(&lookup(store, &infra)?)?.ports,
        None => config.ports,
    };
    Ok(Source {
        name: k8s_name(&record.name),
        image: record.image_name,
        opts,
        ports,
    })
}

/// Kubernetes names have no `_`: Podman drops them.
pub fn k8s_name(name: &str) -> String {
    name.replace('_', "")
}
