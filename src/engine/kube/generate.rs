//! `kube generate`: containers (a lone one, or a pod's) as a Pod or a Deployment,
//! with a Service for their published ports if asked, as Podman writes them: a
//! lone container becomes a pod named `<ctr>-pod` labelled `app: <pod>`, its
//! binds hostPath volumes, its named volumes PersistentVolumeClaims.

use super::quantity;
use super::yaml::Document;
use crate::engine::containers::create::CreateOptions;
use crate::engine::monitor::restart::RestartPolicy;
use crate::engine::net::ports::{PortMapping, Protocol};
use crate::engine::volumes::mounts::MountKind;
use crate::engine::volumes::MountRequest;
use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use k8s_openapi::api::core::v1::{
    Capabilities, Container, ContainerPort, EmptyDirVolumeSource, EnvVar, HostPathVolumeSource,
    PersistentVolumeClaim, PersistentVolumeClaimSpec, PersistentVolumeClaimVolumeSource, Pod,
    PodSpec, PodTemplateSpec, ResourceRequirements, SecurityContext, Service, ServicePort,
    ServiceSpec, Volume, VolumeMount, VolumeResourceRequirements,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use std::collections::BTreeMap;

/// What Kubernetes object holds the pod.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Kind {
    #[default]
    Pod,
    Deployment,
}

#[derive(Debug, Clone, Default)]
pub struct GenerateOptions {
    /// `-s`: a Service for the published ports too.
    pub service: bool,
    /// `--type`.
    pub kind: Kind,
}

/// A container as it was created.
#[derive(Debug, Clone)]
pub struct Source {
    /// Its name inside the pod (a pod's prefix already taken off).
    pub name: String,
    pub image: String,
    pub opts: CreateOptions,
    /// Published ports, host ports as chosen.
    pub ports: Vec<PortMapping>,
}

/// The containers of one pod, its name, and what the pod holds for them.
#[derive(Debug, Clone, Default)]
pub struct Group {
    pub name: String,
    pub hostname: Option<String>,
    pub host_network: bool,
    pub containers: Vec<Source>,
}

/// The claims, then a Service for each group if asked, then the groups' pods
/// (a cluster needs what a pod refers to first).
pub fn generate(groups: &[Group], claims: &[String], opts: &GenerateOptions) -> Vec<Document> {
    let mut services: Vec<Document> = claims.iter().map(|c| Document::Claim(claim(c))).collect();
    let mut pods = Vec::new();
    for group in groups {
        let labels = labels(group);
        let spec = pod_spec(group);
        if opts.service {
            services.push(Document::Service(service(&group.name, &spec)));
        }
        pods.push(match opts.kind {
            Kind::Pod => Document::Pod(Pod {
                metadata: meta(&group.name, labels),
                spec: Some(spec),
                status: None,
            }),
            Kind::Deployment => Document::Deployment(deployment(&group.name, labels, spec)),
        });
    }
    services.extend(pods);
    services
}

/// Podman's claim for a volume: the local driver, 1Gi, one node at a time.
fn claim(name: &str) -> PersistentVolumeClaim {
    PersistentVolumeClaim {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            annotations: Some(BTreeMap::from([(
                "volume.podman.io/driver".to_owned(),
                "local".to_owned(),
            )])),
            ..ObjectMeta::default()
        },
        spec: Some(PersistentVolumeClaimSpec {
            access_modes: Some(vec!["ReadWriteOnce".into()]),
            resources: Some(VolumeResourceRequirements {
                requests: Some(BTreeMap::from([(
                    "storage".to_owned(),
                    Quantity("1Gi".into()),
                )])),
                limits: None,
            }),
            ..PersistentVolumeClaimSpec::default()
        }),
        status: None,
    }
}

fn meta(name: &str, labels: BTreeMap<String, String>) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_owned()),
        labels: Some(labels),
        ..ObjectMeta::default()
    }
}

/// The containers' labels and Podman's `app: <pod>`, which the Service and a
/// Deployment select by.
fn labels(group: &Group) -> BTreeMap<String, String> {
    let mut labels: BTreeMap<String, String> = group
        .containers
        .iter()
        .flat_map(|c| c.opts.labels.iter().cloned())
        .collect();
    labels.insert("app".into(), group.name.clone());
    labels
}

/// Podman's shape for `--type deployment`: one replica of the pod.
fn deployment(name: &str, labels: BTreeMap<String, String>, spec: PodSpec) -> Deployment {
    let selector = BTreeMap::from([("app".to_owned(), name.to_owned())]);
    Deployment {
        metadata: meta(&format!("{name}-deployment"), selector.clone()),
        spec: Some(DeploymentSpec {
            replicas: Some(1),
            selector: LabelSelector {
                match_labels: Some(selector),
                ..LabelSelector::default()
            },
            template: PodTemplateSpec {
                metadata: Some(meta(name, labels)),
                spec: Some(spec),
            },
            ..DeploymentSpec::default()
        }),
        status: None,
    }
}

/// A NodePort Service for each published port; the cluster picks the node port.
fn service(name: &str, spec: &PodSpec) -> Service {
    let ports: Vec<ServicePort> = spec
        .containers
        .iter()
        .flat_map(|c| c.ports.iter().flatten())
        .map(|p| ServicePort {
            name: Some(p.container_port.to_string()),
            port: p.container_port,
            target_port: Some(IntOrString::Int(p.container_port)),
            protocol: p.protocol.clone(),
            ..ServicePort::default()
        })
        .collect();
    let selector = BTreeMap::from([("app".to_owned(), name.to_owned())]);
    Service {
        metadata: meta(name, selector.clone()),
        spec: Some(ServiceSpec {
            ports: Some(ports),
            selector: Some(selector),
            type_: Some("NodePort".into()),
            ..ServiceSpec::default()
        }),
        status: None,
    }
}

fn pod_spec(group: &Group) -> PodSpec {
    let mut volumes = Vec::new();
    let containers = group
        .containers
        .iter()
        .map(|c| container(c, &mut volumes))
        .collect();
    // Kubernetes has one policy per pod: the first container's, as Podman takes it.
    let restart = group.containers.first().map(|c| c.opts.restart);
    PodSpec {
        containers,
        hostname: group.hostname.clone(),
        host_network: group.host_network.then_some(true),
        restart_policy: restart.map(|r| restart_policy(r).to_owned()),
        volumes: (!volumes.is_empty()).then_some(volumes),
        ..PodSpec::default()
    }
}

pub fn restart_policy(policy: RestartPolicy) -> &'static str {
    match policy {
        RestartPolicy::No => "Never",
        RestartPolicy::OnFailure { .. } => "OnFailure",
        RestartPolicy::Always | RestartPolicy::UnlessStopped => "Always",
    }
}

fn container(source: &Source, volumes: &mut Vec<Volume>) -> Container {
    let opts = &source.opts;
    let some = |v: Vec<String>| (!v.is_empty()).then_some(v);
    Container {
        name: source.name.clone(),
        image: Some(source.image.clone()),
        command: opts.entrypoint.clone().map(|e| vec![e]),
        args: some(opts.command.clone()),
        env: some_vec(opts.env.iter().map(|e| env_var(e)).collect()),
        ports: some_vec(source.ports.iter().map(port).collect()),
        volume_mounts: some_vec(
            opts.mounts
                .iter()
                .enumerate()
                .map(|(i, m)| mount(&source.name, i, m, volumes))
                .collect(),
        ),
        working_dir: opts.workdir.clone(),
        resources: resources(opts),
        security_context: security_context(opts),
        tty: opts.tty.then_some(true),
        stdin: opts.interactive.then_some(true),
        ..Container::default()
    }
}

fn some_vec<T>(v: Vec<T>) -> Option<Vec<T>> {
    (!v.is_empty()).then_some(v)
}

fn env_var(entry: &str) -> EnvVar {
    let (name, value) = entry.split_once('=').unwrap_or((entry, ""));
    EnvVar {
        name: name.to_owned(),
        value: Some(value.to_owned()),
        value_from: None,
    }
}

fn port(p: &PortMapping) -> ContainerPort {
    ContainerPort {
        container_port: p.container_port.into(),
        host_port: Some(p.host_port.into()),
        host_ip: p.host_ip.map(|ip| ip.to_string()),
        // TCP is Kubernetes' default; Podman writes it only for UDP too.
        protocol: (p.protocol == Protocol::Udp).then(|| "UDP".to_owned()),
        name: None,
    }
}

/// The container's mount, and the pod's volume it names (added once).
fn mount(ctr: &str, index: usize, m: &MountRequest, volumes: &mut Vec<Volume>) -> VolumeMount {
    let binds = volumes.iter().filter(|v| v.host_path.is_some()).count();
    let volume = pod_volume(ctr, index, m, binds);
    let name = match volumes.iter().find(|v| same_source(v, &volume)) {
        Some(existing) => existing.name.clone(),
        None => {
            let name = volume.name.clone();
            volumes.push(volume);
            name
        }
    };
    VolumeMount {
        name,
        mount_path: m.destination.clone(),
        read_only: m.read_only.then_some(true),
        ..VolumeMount::default()
    }
}

fn same_source(a: &Volume, b: &Volume) -> bool {
    (a.host_path.is_some() && a.host_path == b.host_path)
        || (a.persistent_volume_claim.is_some()
            && a.persistent_volume_claim == b.persistent_volume_claim)
}

/// Podman's names: `<path-with-dashes>-host-<n>` for a bind, `<name>-pvc` for a
/// named volume; an anonymous volume or a tmpfs is the pod's emptyDir.
fn pod_volume(ctr: &str, index: usize, m: &MountRequest, count: usize) -> Volume {
    let source = m.source.clone().unwrap_or_default();
    match (m.kind, m.source.is_some()) {
        (MountKind::Bind, _) => Volume {
            name: dns_label(&format!("{}-host-{count}", source.trim_matches('/'))),
            host_path: Some(HostPathVolumeSource {
                type_: Some(host_path_type(&source).to_owned()),
                path: source,
            }),
            ..Volume::default()
        },
        (MountKind::Volume, true) => Volume {
            name: dns_label(&format!("{source}-pvc")),
            persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                claim_name: source,
                read_only: None,
            }),
            ..Volume::default()
        },
        (kind, _) => Volume {
            name: dns_label(&format!("{ctr}-empty-{index}")),
            empty_dir: Some(EmptyDirVolumeSource {
                medium: (kind == MountKind::Tmpfs).then(|| "Memory".to_owned()),
                size_limit: None,
            }),
            ..Volume::default()
        },
    }
}

fn host_path_type(path: &str) -> &'static str {
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() => "File",
        Ok(_) => "Directory",
        Err(_) => "DirectoryOrCreate",
    }
}

/// A volume's name must be a DNS label: lower case letters, digits and `-`, at
/// most 63 characters.
fn dns_label(name: &str) -> String {
    let clean: String = name
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let clean = clean.trim_matches('-');
    clean[..clean.len().min(63)]
        .trim_end_matches('-')
        .to_owned()
}

fn resources(opts: &CreateOptions) -> Option<ResourceRequirements> {
    let r = &opts.settings.resources;
    let mut limits = BTreeMap::new();
    let mut requests = BTreeMap::new();
    if let Some(m) = r.memory.filter(|m| *m > 0) {
        limits.insert("memory".to_owned(), Quantity(quantity::of_bytes(m)));
    }
    if let Some(q) = r.cpu_quota.filter(|q| *q > 0) {
        let period = r.cpu_period.unwrap_or(100_000);
        limits.insert("cpu".to_owned(), Quantity(quantity::of_quota(q, period)));
    }
    if let Some(m) = r.memory_reservation.filter(|m| *m > 0) {
        requests.insert("memory".to_owned(), Quantity(quantity::of_bytes(m)));
    }
    if limits.is_empty() && requests.is_empty() {
        return None;
    }
    Some(ResourceRequirements {
        limits: (!limits.is_empty()).then_some(limits),
        requests: (!requests.is_empty()).then_some(requests),
        claims: None,
    })
}

fn security_context(opts: &CreateOptions) -> Option<SecurityContext> {
    let caps = |v: &[String]| some_vec(v.iter().map(|c| cap_name(c)).collect());
    let capabilities = Capabilities {
        add: caps(&opts.cap_add),
        drop: caps(&opts.cap_drop),
    };
    let (user, group) = numeric_user(opts.user.as_deref());
    let ctx = SecurityContext {
        privileged: opts.privileged.then_some(true),
        capabilities: (capabilities != Capabilities::default()).then_some(capabilities),
        read_only_root_filesystem: opts.read_only.then_some(true),
        allow_privilege_escalation: opts.no_new_privileges.then_some(false),
        run_as_user: user,
        run_as_group: group,
        ..SecurityContext::default()
    };
    (ctx != SecurityContext::default()).then_some(ctx)
}

/// Kubernetes spells capabilities without Linux's `CAP_`.
fn cap_name(cap: &str) -> String {
    let upper = cap.to_ascii_uppercase();
    upper.strip_prefix("CAP_").unwrap_or(&upper).to_owned()
}

/// `--user UID[:GID]`; a user given by name has no place in Kubernetes' ids.
fn numeric_user(user: Option<&str>) -> (Option<i64>, Option<i64>) {
    let Some(user) = user else {
        return (None, None);
    };
    let (u, g) = user.split_once(':').unwrap_or((user, ""));
    (u.parse().ok(), g.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::volumes::parse::volume_flag;

    fn web() -> Source {
        let opts = CreateOptions {
            image: "bb".into(),
            command: vec!["httpd".into(), "-f".into()],
            env: vec!["FOO=bar".into()],
            mounts: vec![
                volume_flag("vol1:/data").unwrap(),
                volume_flag("/tmp:/hosttmp:ro").unwrap(),
            ],
            labels: vec![("tier".into(), "web".into())],
            cap_add: vec!["NET_ADMIN".into()],
            restart: RestartPolicy::Always,
            ..CreateOptions::default()
        };
        Source {
            name: "web".into(),
            image: "localhost/bb:latest".into(),
            opts,
            ports: vec![PortMapping {
                host_ip: None,
                host_port: 8080,
                container_port: 80,
                protocol: Protocol::Tcp,
            }],
        }
    }

    fn group() -> Vec<Group> {
        vec![Group {
            name: "web-pod".into(),
            containers: vec![web()],
            ..Group::default()
        }]
    }

    #[test]
    fn a_container_becomes_a_pod_the_types_read_back() {
        let docs = generate(&group(), &[], &GenerateOptions::default());
        let text = super::super::yaml::write(&docs).unwrap();
        let back = super::super::yaml::parse(&text).unwrap();
        let [Document::Pod(pod)] = back.as_slice() else {
            panic!("{text}");
        };
        assert_eq!(pod.metadata.name.as_deref(), Some("web-pod"));
        let spec = pod.spec.as_ref().unwrap();
        let c = &spec.containers[0];
        assert_eq!(c.image.as_deref(), Some("localhost/bb:latest"));
        assert_eq!(c.args.as_ref().unwrap(), &["httpd", "-f"]);
        assert_eq!(c.env.as_ref().unwrap()[0].value.as_deref(), Some("bar"));
        assert_eq!(c.ports.as_ref().unwrap()[0].host_port, Some(8080));
        assert_eq!(spec.restart_policy.as_deref(), Some("Always"));
        let volumes = spec.volumes.as_ref().unwrap();
        assert_eq!(
            volumes[0]
                .persistent_volume_claim
                .as_ref()
                .unwrap()
                .claim_name,
            "vol1"
        );
        assert_eq!(volumes[1].name, "tmp-host-0");
        assert_eq!(volumes[1].host_path.as_ref().unwrap().path, "/tmp");
        let labels = pod.metadata.labels.as_ref().unwrap();
        assert_eq!(labels["app"], "web-pod");
        assert_eq!(labels["tier"], "web");
    }

    #[test]
    fn a_deployment_and_a_service() {
        let opts = GenerateOptions {
            service: true,
            kind: Kind::Deployment,
        };
        let docs = generate(&group(), &["vol1".into()], &opts);
        let Document::Claim(claim) = &docs[0] else {
            panic!("{docs:?}")
        };
        assert_eq!(claim.metadata.name.as_deref(), Some("vol1"));
        let Document::Service(svc) = &docs[1] else {
            panic!("{docs:?}")
        };
        assert_eq!(
            svc.spec.as_ref().unwrap().ports.as_ref().unwrap()[0].port,
            80
        );
        let Document::Deployment(d) = &docs[2] else {
            panic!("{docs:?}")
        };
        assert_eq!(d.metadata.name.as_deref(), Some("web-pod-deployment"));
        assert_eq!(d.spec.as_ref().unwrap().replicas, Some(1));
    }

    #[test]
    fn volume_names_are_dns_labels() {
        assert_eq!(dns_label("home/Me/my_dir-host-0"), "home-me-my-dir-host-0");
        assert_eq!(dns_label(&"a".repeat(70)).len(), 63);
    }
}
