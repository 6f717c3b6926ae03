//! What a pod's spec must hold for coracle to run it, checked before anything
//! is pulled or created; each refusal names the field by its path.

use super::KubeError;
use k8s_openapi::api::core::v1::{Container, PodSpec, Volume};
use std::collections::HashMap;

/// Where a pod's spec sits: in a Pod (`spec`) or a Deployment
/// (`spec.template.spec`), for the paths errors name.
#[derive(Debug, Clone)]
pub struct At<'a> {
    pub kind: &'static str,
    pub name: &'a str,
    pub base: &'static str,
}

impl At<'_> {
    pub fn err(&self, path: impl std::fmt::Display, msg: impl Into<String>) -> KubeError {
        KubeError::field(self.kind, self.name, format!("{}.{path}", self.base), msg)
    }
}

/// The volume kinds coracle plays; others are refused by name.
const VOLUME_KINDS: &str = "emptyDir, hostPath and persistentVolumeClaim";

pub fn pod_spec(at: &At, spec: &PodSpec) -> Result<(), KubeError> {
    if spec.containers.is_empty() {
        return Err(at.err("containers", "a pod needs at least one container"));
    }
    let volumes = spec.volumes.as_deref().unwrap_or_default();
    for (i, v) in volumes.iter().enumerate() {
        volume(at, i, v)?;
        if volumes[..i].iter().any(|o| o.name == v.name) {
            return Err(at.err(
                format!("volumes[{i}].name"),
                format!("volume {} is named twice", v.name),
            ));
        }
    }
    let mut names: HashMap<&str, String> = HashMap::new();
    let init = spec.init_containers.as_deref().unwrap_or_default();
    let lists = [
        ("initContainers", init),
        ("containers", &spec.containers[..]),
    ];
    for (field, list) in lists {
        for (i, c) in list.iter().enumerate() {
            let path = format!("{field}[{i}]");
            container(at, &path, c, volumes)?;
            if let Some(first) = names.insert(&c.name, path.clone()) {
                return Err(at.err(
                    format!("{path}.name"),
                    format!("container {} is named twice (first at {first})", c.name),
                ));
            }
        }
    }
    host_ports(at, &spec.containers)?;
    match spec.restart_policy.as_deref() {
        None | Some("Always" | "OnFailure" | "Never") => Ok(()),
        Some(other) => Err(at.err(
            "restartPolicy",
            format!("{other:?} is not a restart policy: use Always, OnFailure or Never"),
        )),
    }
}

fn container(at: &At, path: &str, c: &Container, volumes: &[Volume]) -> Result<(), KubeError> {
    if !crate::engine::containers::names::valid(&c.name) {
        return Err(at.err(
            format!("{path}.name"),
            format!(
                "invalid container name {:?}: use letters, digits and _ . - (not first)",
                c.name
            ),
        ));
    }
    if c.image.as_deref().is_none_or(str::is_empty) {
        return Err(at.err(format!("{path}.image"), "a container needs an image"));
    }
    for (j, p) in c.ports.iter().flatten().enumerate() {
        let port = format!("{path}.ports[{j}]");
        if !(1..=65535).contains(&p.container_port) {
            return Err(at.err(
                format!("{port}.containerPort"),
                format!("{} is not a port: use 1 to 65535", p.container_port),
            ));
        }
        if p.host_port.is_some_and(|h| !(0..=65535).contains(&h)) {
            return Err(at.err(format!("{port}.hostPort"), "not a port: use 1 to 65535"));
        }
        if !matches!(p.protocol.as_deref(), None | Some("TCP" | "UDP")) {
            return Err(at.err(
                format!("{port}.protocol"),
                "coracle publishes TCP and UDP ports only",
            ));
        }
    }
    for (j, m) in c.volume_mounts.iter().flatten().enumerate() {
        let mount = format!("{path}.volumeMounts[{j}]");
        if !volumes.iter().any(|v| v.name == m.name) {
            return Err(at.err(
                format!("{mount}.name"),
                format!("no volume named {} in the pod's volumes", m.name),
            ));
        }
        if !m.mount_path.starts_with('/') {
            return Err(at.err(
                format!("{mount}.mountPath"),
                "the path in the container must be absolute",
            ));
        }
    }
    Ok(())
}

fn volume(at: &At, i: usize, v: &Volume) -> Result<(), KubeError> {
    let path = format!("volumes[{i}]");
    let kinds = [
        v.empty_dir.is_some(),
        v.host_path.is_some(),
        v.persistent_volume_claim.is_some(),
    ];
    if kinds.iter().filter(|k| **k).count() != 1 {
        return Err(at.err(
            &path,
            format!(
                "volume {} is of a kind coracle does not play: use one of {VOLUME_KINDS}",
                v.name
            ),
        ));
    }
    if let Some(h) = &v.host_path {
        if !h.path.starts_with('/') {
            return Err(at.err(
                format!("{path}.hostPath.path"),
                "the host path must be absolute",
            ));
        }
    }
    Ok(())
}

/// A pod publishes its ports once for all its containers: two asking for the
/// same host port would collide.
fn host_ports(at: &At, containers: &[Container]) -> Result<(), KubeError> {
    let mut seen: HashMap<(i32, String), String> = HashMap::new();
    for (i, c) in containers.iter().enumerate() {
        for (j, p) in c.ports.iter().flatten().enumerate() {
            let Some(host) = p.host_port.filter(|h| *h > 0) else {
                continue;
            };
            let proto = p.protocol.clone().unwrap_or_else(|| "TCP".into());
            let path = format!("containers[{i}].ports[{j}]");
            if let Some(first) = seen.insert((host, proto.clone()), path.clone()) {
                return Err(at.err(
                    path,
                    format!(
                        "host port {host}/{} is already published by {}.{first}",
                        proto.to_lowercase(),
                        at.base
                    ),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::kube::yaml::{parse, Document};

    fn check(yaml: &str) -> Result<(), KubeError> {
        let Document::Pod(pod) = parse(yaml).unwrap().remove(0) else {
            panic!()
        };
        let at = At {
            kind: "Pod",
            name: "p",
            base: "spec",
        };
        pod_spec(&at, pod.spec.as_ref().unwrap())
    }

    const HEAD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n";

    #[test]
    fn two_containers_on_one_host_port_are_refused() {
        let yaml = format!("{HEAD}  containers:\n  - {{name: a, image: bb, ports: [{{containerPort: 80, hostPort: 8080}}]}}\n  - {{name: b, image: bb, ports: [{{containerPort: 81, hostPort: 8080}}]}}\n");
        assert_eq!(
            check(&yaml).unwrap_err().to_string(),
            "Pod p: spec.containers[1].ports[0]: host port 8080/tcp is already published by spec.containers[0].ports[0]"
        );
    }

    #[test]
    fn a_container_without_an_image_is_refused() {
        let yaml = format!("{HEAD}  containers:\n  - {{name: a}}\n");
        assert_eq!(
            check(&yaml).unwrap_err().to_string(),
            "Pod p: spec.containers[0].image: a container needs an image"
        );
    }

    #[test]
    fn mounts_name_a_volume_of_a_kind_it_plays() {
        let yaml = format!("{HEAD}  containers:\n  - {{name: a, image: bb, volumeMounts: [{{name: v, mountPath: /v}}]}}\n");
        assert!(check(&yaml)
            .unwrap_err()
            .to_string()
            .contains("spec.containers[0].volumeMounts[0].name: no volume named v"));
        let yaml = format!("{HEAD}  containers:\n  - {{name: a, image: bb}}\n  volumes:\n  - {{name: v, nfs: {{server: s, path: /x}}}}\n");
        assert!(check(&yaml)
            .unwrap_err()
            .to_string()
            .contains("spec.volumes[0]: volume v is of a kind coracle does not play"));
    }

    #[test]
    fn a_good_pod_passes() {
        let yaml = format!("{HEAD}  restartPolicy: Never\n  initContainers:\n  - {{name: i, image: bb}}\n  containers:\n  - {{name: a, image: bb, ports: [{{containerPort: 80, hostPort: 8080}}], volumeMounts: [{{name: v, mountPath: /v}}]}}\n  volumes:\n  - {{name: v, emptyDir: {{}}}}\n");
        check(&yaml).unwrap();
    }
}
