//! What `kube generate` reads from the store: each name is a container (as it
//! was created, with the host ports it got), a pod (its members, not its
//! infra), or a volume (a claim), looked up in that order, as Podman does.

use super::generate::{Group, Source};
use super::KubeError;
use crate::engine::containers::lookup::{config_of, lookup};
use crate::engine::containers::ContainersError;
use crate::engine::net::ports::PortMapping;
use crate::engine::net::Network;
use crate::engine::pods::{self, members, Pod, PodsError};
use crate::engine::store::Store;

/// The pods named, then the containers named (one pod of them), and the
/// volumes named: Podman's order of the documents.
#[derive(Debug, Default)]
pub struct Named {
    pub groups: Vec<Group>,
    pub claims: Vec<String>,
}

pub fn named(store: &Store, names: &[String]) -> Result<Named, KubeError> {
    let mut containers = Vec::new();
    let mut groups = Vec::new();
    let mut claims = Vec::new();
    for name in names {
        match container(store, name) {
            Ok(source) => containers.push(source),
            Err(KubeError::Containers(ContainersError::NotFound(_))) => {
                match pods::record::lookup(store, name) {
                    Ok(pod) => groups.push(pod_group(store, &pod)?),
                    Err(PodsError::NotFound(_)) => match store.volume(name)? {
                        Some(v) => claims.push(v.name),
                        None => return Err(KubeError::NotFound(name.clone())),
                    },
                    Err(e) => return Err(e.into()),
                }
            }
            Err(e) => return Err(e),
        }
    }
    // Podman makes one pod of the containers given, named after the first,
    // with the first's host name and network.
    if let Some(first) = containers.first() {
        groups.push(Group {
            name: format!("{}-pod", first.name),
            hostname: first.opts.hostname.clone(),
            host_network: first.opts.network == Some(Network::Host),
            containers,
        });
    }
    Ok(Named { groups, claims })
}

/// A pod's members, in the order they were made, as its containers: the
/// pod's ports (the infra's) on the first, as Podman writes them, and the
/// pod's host name (its name unless given).
fn pod_group(store: &Store, pod: &Pod) -> Result<Group, KubeError> {
    let mut ports = infra_ports(store, pod)?;
    let mut containers = Vec::new();
    for member in members::of(store, pod)? {
        if pod.config.infra_id.as_deref() == Some(member.id.as_str()) {
            continue;
        }
        let mut source = container(store, &member.id)?;
        source.name = member_name(&pod.name, &source.name);
        source.ports = std::mem::take(&mut ports);
        containers.push(source);
    }
    if containers.is_empty() {
        // Podman's words: an empty pod is no Kubernetes pod.
        return Err(KubeError::Invalid(format!(
            "pod {} only has an infra container",
            pod.id
        )));
    }
    Ok(Group {
        name: k8s_name(&pod.name),
        // The infra holds the UTS name: a pod without one has none to write.
        hostname: pod
            .config
            .infra_id
            .as_ref()
            .map(|_| pod.config.hostname.clone().unwrap_or(pod.name.clone())),
        host_network: pod.config.network == Some(Network::Host),
        containers,
    })
}

fn infra_ports(store: &Store, pod: &Pod) -> Result<Vec<PortMapping>, KubeError> {
    match &pod.config.infra_id {
        Some(infra) => Ok(config_of(&lookup(store, infra)?)?.ports),
        None => Ok(Vec::new()),
    }
}

/// `kube play` names a pod's containers `<pod>-<name>`: that prefix comes off
/// again, so that what play made generates the YAML it was played from (a
/// second play would otherwise name them `<pod>-<pod>-<name>`).
fn member_name(pod: &str, name: &str) -> String {
    let prefix = format!("{}-", k8s_name(pod));
    match name.strip_prefix(&prefix) {
        Some(rest) if !rest.is_empty() => rest.to_owned(),
        _ => name.to_owned(),
    }
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
        Some(pod) => pods::record::lookup(store, pod)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_played_members_pod_prefix_comes_off() {
        assert_eq!(member_name("web", "web-a"), "a");
        assert_eq!(member_name("web", "other"), "other");
        assert_eq!(member_name("web", "web-"), "web-");
        assert_eq!(member_name("my_pod", "mypod-a"), "a");
    }
}
