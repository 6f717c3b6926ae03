//! `kube play`'s plan: the YAML's pods as the options coracle creates their
//! containers with, decided and checked whole before anything is pulled or
//! created, as Podman's play reads the same YAML. A Pod runs as itself, a
//! Deployment as one pod `<name>-pod` (Podman runs one replica).

use super::env::{self, Sources};
use super::mounts;
use super::validate::{self, At};
use super::yaml::Document;
use super::KubeError;
use crate::engine::containers::create::CreateOptions;
use crate::engine::monitor::restart::RestartPolicy;
use crate::engine::net::ports::{PortRange, Protocol, Publish};
use crate::engine::net::Network;
use k8s_openapi::api::core::v1::{ConfigMap, Container, PodSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

#[derive(Debug, Clone, Default)]
pub struct PlayOptions {
    /// `--configmap FILE`s' ConfigMaps, besides the YAML's own.
    pub config_maps: Vec<ConfigMap>,
    /// `--network`: every pod's.
    pub network: Option<Network>,
    /// `--publish`: published by every pod besides its hostPorts.
    pub publish: Vec<Publish>,
    /// `--replace`: what the YAML names is removed first (as by down).
    pub replace: bool,
}

/// One pod to make.
#[derive(Debug, Clone)]
pub struct PodPlan {
    pub name: String,
    pub hostname: Option<String>,
    /// The containers' hostPorts and `--publish`: the pod publishes them.
    pub publish: Vec<Publish>,
    pub network: Option<Network>,
    /// Run in order, each to its end, before `containers` start.
    pub init: Vec<CreateOptions>,
    pub containers: Vec<CreateOptions>,
    /// The volumes its emptyDirs are, made with the pod and removed by down.
    pub volumes: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// PersistentVolumeClaims: named volumes made if missing, kept by down.
    pub claims: Vec<String>,
    pub pods: Vec<PodPlan>,
    /// What play does differently from a cluster, for the caller to say.
    pub warnings: Vec<String>,
}

/// A pod's spec and where it came from.
struct PodSource<'a> {
    at: At<'a>,
    pod: String,
    meta: Option<&'a ObjectMeta>,
    spec: &'a PodSpec,
}

pub fn plan(docs: &[Document], opts: &PlayOptions) -> Result<Plan, KubeError> {
    let mut sources = Sources::default();
    sources.config_maps.extend(&opts.config_maps);
    let mut plan = Plan::default();
    let mut pods = Vec::new();
    for doc in docs {
        match doc {
            Document::ConfigMap(c) => sources.config_maps.push(c),
            Document::Secret(s) => sources.secrets.push(s),
            Document::Claim(c) => plan.claims.push(claim_name(c)?),
            Document::Pod(p) => pods.push(pod_source(p)?),
            Document::Deployment(d) => pods.push(deployment_source(d, &mut plan.warnings)?),
            Document::Service(_) => {}
        }
    }
    if pods.is_empty() {
        return Err(KubeError::Nothing);
    }
    for source in &pods {
        validate::pod_spec(&source.at, source.spec)?;
        plan.pods.push(pod_plan(source, &sources, opts)?);
    }
    Ok(plan)
}

fn claim_name(c: &k8s_openapi::api::core::v1::PersistentVolumeClaim) -> Result<String, KubeError> {
    c.metadata.name.clone().ok_or_else(|| {
        KubeError::field(
            "PersistentVolumeClaim",
            "(unnamed)",
            "metadata.name",
            "a claim needs a name",
        )
    })
}

fn pod_source(p: &k8s_openapi::api::core::v1::Pod) -> Result<PodSource<'_>, KubeError> {
    let name = p.metadata.name.as_deref().unwrap_or("(unnamed)");
    let at = At {
        kind: "Pod",
        name,
        base: "spec",
    };
    let Some(spec) = &p.spec else {
        return Err(KubeError::field(
            "Pod",
            name,
            "spec",
            "a pod needs a spec with its containers",
        ));
    };
    let pod = pod_name(&at, p.metadata.name.clone())?;
    Ok(PodSource {
        at,
        pod,
        meta: Some(&p.metadata),
        spec,
    })
}

fn deployment_source<'a>(
    d: &'a k8s_openapi::api::apps::v1::Deployment,
    warnings: &mut Vec<String>,
) -> Result<PodSource<'a>, KubeError> {
    let name = d.metadata.name.as_deref().unwrap_or("(unnamed)");
    let at = At {
        kind: "Deployment",
        name,
        base: "spec.template.spec",
    };
    let template = d.spec.as_ref().map(|s| &s.template);
    let Some(spec) = template.and_then(|t| t.spec.as_ref()) else {
        return Err(KubeError::field(
            "Deployment",
            name,
            "spec.template.spec",
            "a deployment needs a pod template with its containers",
        ));
    };
    if let Some(n) = d.spec.as_ref().and_then(|s| s.replicas).filter(|n| *n > 1) {
        warnings.push(format!(
            "Deployment {name}: coracle runs one replica of {n}, as Podman does"
        ));
    }
    let pod = pod_name(&at, d.metadata.name.as_ref().map(|n| format!("{n}-pod")))?;
    Ok(PodSource {
        at,
        pod,
        meta: template.and_then(|t| t.metadata.as_ref()),
        spec,
    })
}

fn pod_name(at: &At, name: Option<String>) -> Result<String, KubeError> {
    match name {
        Some(n) if crate::engine::containers::names::valid(&n) => Ok(n),
        Some(n) => Err(KubeError::field(
            at.kind,
            at.name,
            "metadata.name",
            format!("invalid pod name {n:?}: use letters, digits and _ . - (not first)"),
        )),
        None => Err(KubeError::field(
            at.kind,
            at.name,
            "metadata.name",
            "a pod needs a name",
        )),
    }
}

fn pod_plan(
    source: &PodSource,
    sources: &Sources,
    opts: &PlayOptions,
) -> Result<PodPlan, KubeError> {
    let spec = source.spec;
    let labels: Vec<(String, String)> = source
        .meta
        .and_then(|m| m.labels.clone())
        .unwrap_or_default()
        .into_iter()
        .collect();
    let restart = restart_policy(spec.restart_policy.as_deref());
    let volumes = spec.volumes.as_deref().unwrap_or_default();
    let make = |field: &str, list: &[Container], restart: RestartPolicy| {
        list.iter()
            .enumerate()
            .map(|(i, c)| {
                let path = format!("{field}[{i}]");
                let mut create = container(source, &path, c, sources, volumes)?;
                create.labels = labels.clone();
                create.restart = restart;
                create
                    .validate()
                    .map_err(|e| source.at.err(&path, e.to_string()))?;
                Ok(create)
            })
            .collect::<Result<Vec<_>, KubeError>>()
    };
    let init = spec.init_containers.as_deref().unwrap_or_default();
    let mut publish: Vec<Publish> = spec.containers.iter().flat_map(host_ports).collect();
    publish.extend(opts.publish.iter().cloned());
    Ok(PodPlan {
        name: source.pod.clone(),
        hostname: spec.hostname.clone(),
        publish,
        // `--network` wins over the YAML's hostNetwork, as in Podman.
        network: opts.network.clone().or_else(|| host_network(spec)),
        // An init container runs once to its end: it is never restarted.
        init: make("initContainers", init, RestartPolicy::No)?,
        containers: make("containers", &spec.containers, restart)?,
        volumes: mounts::empty_dirs(&source.pod, volumes),
    })
}

fn host_network(spec: &PodSpec) -> Option<Network> {
    (spec.host_network == Some(true)).then_some(Network::Host)
}

/// Kubernetes' default is Always.
pub fn restart_policy(policy: Option<&str>) -> RestartPolicy {
    match policy {
        Some("Never") => RestartPolicy::No,
        Some("OnFailure") => RestartPolicy::OnFailure { max: None },
        _ => RestartPolicy::Always,
    }
}

/// Podman names a pod's containers `<pod>-<container>`.
pub fn container_name(pod: &str, container: &str) -> String {
    format!("{pod}-{container}")
}

fn container(
    source: &PodSource,
    path: &str,
    c: &Container,
    sources: &Sources,
    volumes: &[k8s_openapi::api::core::v1::Volume],
) -> Result<CreateOptions, KubeError> {
    let at = &source.at;
    // `command` is the entrypoint and `args` the Cmd; the first word of a
    // command is the entrypoint, the rest run ahead of the args.
    let command = c.command.clone().unwrap_or_default();
    let args = c.args.clone().unwrap_or_default();
    let (entrypoint, command) = match command.split_first() {
        Some((first, rest)) => (
            Some(first.clone()),
            rest.iter().chain(&args).cloned().collect(),
        ),
        None => (None, args),
    };
    let security = c.security_context.clone().unwrap_or_default();
    let caps = security.capabilities.unwrap_or_default();
    Ok(CreateOptions {
        image: c.image.clone().unwrap_or_default(),
        name: Some(container_name(&source.pod, &c.name)),
        command,
        entrypoint,
        env: env::environment(at, path, c, sources)?,
        workdir: c.working_dir.clone(),
        user: user(security.run_as_user, security.run_as_group),
        privileged: security.privileged == Some(true),
        cap_add: caps.add.unwrap_or_default(),
        cap_drop: caps.drop.unwrap_or_default(),
        read_only: security.read_only_root_filesystem == Some(true),
        no_new_privileges: security.allow_privilege_escalation == Some(false),
        tty: c.tty == Some(true),
        interactive: c.stdin == Some(true),
        mounts: mounts::mounts(at, &source.pod, path, c, volumes)?,
        settings: super::resources::settings(at, path, c)?,
        ..CreateOptions::default()
    })
}

fn user(uid: Option<i64>, gid: Option<i64>) -> Option<String> {
    match (uid, gid) {
        (Some(u), Some(g)) => Some(format!("{u}:{g}")),
        (Some(u), None) => Some(u.to_string()),
        (None, Some(g)) => Some(format!("0:{g}")),
        (None, None) => None,
    }
}

/// The ports a container asks its pod to publish (those with a hostPort).
fn host_ports(c: &Container) -> Vec<Publish> {
    c.ports
        .iter()
        .flatten()
        .filter_map(|p| {
            let host = u16::try_from(p.host_port?).ok().filter(|h| *h > 0)?;
            let port = u16::try_from(p.container_port).ok()?;
            let protocol = match p.protocol.as_deref() {
                Some("UDP") => Protocol::Udp,
                _ => Protocol::Tcp,
            };
            Some(Publish {
                host_ip: p.host_ip.as_deref().and_then(|ip| ip.parse().ok()),
                host_ports: Some(PortRange {
                    first: host,
                    last: host,
                }),
                container_ports: PortRange {
                    first: port,
                    last: port,
                },
                protocols: vec![protocol],
            })
        })
        .collect()
}

/// What play made of one pod.
#[derive(Debug, Clone, Default)]
pub struct PlayedPod {
    /// The pod's ID, once coracle makes pods of them.
    pub pod_id: Option<String>,
    /// Its containers' IDs, init containers first.
    pub containers: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Played {
    pub pods: Vec<PlayedPod>,
    pub warnings: Vec<String>,
}

/// What `kube down` removes for the same YAML: the pods (their containers by
/// name) and their emptyDir volumes; claims are the user's data, and stay.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Teardown {
    pub pods: Vec<String>,
    pub containers: Vec<String>,
    pub volumes: Vec<String>,
}

pub fn teardown(docs: &[Document]) -> Result<Teardown, KubeError> {
    let mut down = Teardown::default();
    let mut warnings = Vec::new();
    for doc in docs {
        let source = match doc {
            Document::Pod(p) => pod_source(p)?,
            Document::Deployment(d) => deployment_source(d, &mut warnings)?,
            _ => continue,
        };
        let spec = source.spec;
        let all = spec
            .init_containers
            .iter()
            .flatten()
            .chain(&spec.containers);
        down.containers
            .extend(all.map(|c| container_name(&source.pod, &c.name)));
        down.volumes.extend(mounts::empty_dirs(
            &source.pod,
            spec.volumes.as_deref().unwrap_or_default(),
        ));
        down.pods.push(source.pod);
    }
    if down.pods.is_empty() {
        return Err(KubeError::Nothing);
    }
    Ok(down)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::kube::yaml::parse;
    use crate::engine::volumes::MountKind;

    const DEPLOYMENT: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {GREETING: hello}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 3\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      restartPolicy: OnFailure\n      initContainers:\n      - {name: setup, image: bb, command: [sh, -c], args: [echo hi > /cache/x]}\n      containers:\n      - name: srv\n        image: bb\n        args: [httpd, -f]\n        env: [{name: G, valueFrom: {configMapKeyRef: {name: cfg, key: GREETING}}}]\n        ports: [{containerPort: 80, hostPort: 8080}]\n        resources: {limits: {memory: 64Mi, cpu: 500m}}\n        securityContext: {runAsUser: 1000, capabilities: {add: [NET_ADMIN]}}\n        volumeMounts: [{name: cache, mountPath: /cache}, {name: host, mountPath: /h, readOnly: true}, {name: data, mountPath: /data}]\n      volumes:\n      - {name: cache, emptyDir: {}}\n      - {name: host, hostPath: {path: /tmp}}\n      - {name: data, persistentVolumeClaim: {claimName: vol1}}\n";

    #[test]
    fn a_deployment_with_a_config_map_is_one_pod() {
        let plan = plan(&parse(DEPLOYMENT).unwrap(), &PlayOptions::default()).unwrap();
        assert_eq!(plan.pods[0].network, None);
        assert_eq!(
            plan.warnings,
            ["Deployment web: coracle runs one replica of 3, as Podman does"]
        );
        let pod = &plan.pods[0];
        assert_eq!(pod.name, "web-pod");
        assert_eq!(pod.volumes, ["web-pod-cache"]);
        assert_eq!(pod.publish[0].host_ports.unwrap().first, 8080);
        let init = &pod.init[0];
        assert_eq!(init.name.as_deref(), Some("web-pod-setup"));
        assert_eq!(init.entrypoint.as_deref(), Some("sh"));
        assert_eq!(init.command, ["-c", "echo hi > /cache/x"]);
        assert_eq!(init.restart, RestartPolicy::No);
        let srv = &pod.containers[0];
        assert_eq!(srv.entrypoint, None);
        assert_eq!(srv.command, ["httpd", "-f"]);
        assert_eq!(srv.env, ["G=hello"]);
        assert_eq!(srv.restart, RestartPolicy::OnFailure { max: None });
        assert_eq!(srv.user.as_deref(), Some("1000"));
        assert_eq!(srv.cap_add, ["NET_ADMIN"]);
        assert_eq!(srv.settings.resources.memory, Some(64 << 20));
        assert_eq!(srv.settings.resources.cpu_quota, Some(50_000));
        assert_eq!(srv.labels, [("app".to_owned(), "web".to_owned())]);
        let kinds: Vec<_> = srv
            .mounts
            .iter()
            .map(|m| (m.kind, m.source.clone().unwrap(), m.read_only))
            .collect();
        assert_eq!(
            kinds,
            [
                (MountKind::Volume, "web-pod-cache".to_owned(), false),
                (MountKind::Bind, "/tmp".to_owned(), true),
                (MountKind::Volume, "vol1".to_owned(), false),
            ]
        );
    }

    #[test]
    fn a_missing_config_map_fails_with_the_deployments_path() {
        let yaml = DEPLOYMENT.replace("name: cfg, key", "name: other, key");
        assert_eq!(
            plan(&parse(&yaml).unwrap(), &PlayOptions::default()).unwrap_err().to_string(),
            "Deployment web: spec.template.spec.containers[0].env[0].valueFrom.configMapKeyRef.name: no ConfigMap named other in the YAML or the --configmap files"
        );
    }

    #[test]
    fn a_config_map_from_a_file_counts() {
        let docs = parse(DEPLOYMENT).unwrap();
        let (maps, rest): (Vec<_>, Vec<_>) = docs
            .into_iter()
            .partition(|d| matches!(d, Document::ConfigMap(_)));
        let opts = PlayOptions {
            config_maps: maps
                .into_iter()
                .filter_map(|d| match d {
                    Document::ConfigMap(c) => Some(c),
                    _ => None,
                })
                .collect(),
            ..PlayOptions::default()
        };
        assert_eq!(
            plan(&rest, &opts).unwrap().pods[0].containers[0].env,
            ["G=hello"]
        );
    }

    #[test]
    fn host_network_is_the_hosts_unless_network_is_given() {
        let yaml = DEPLOYMENT.replace(
            "restartPolicy: OnFailure",
            "restartPolicy: OnFailure\n      hostNetwork: true",
        );
        let docs = parse(&yaml).unwrap();
        let plan1 = plan(&docs, &PlayOptions::default()).unwrap();
        assert_eq!(plan1.pods[0].network, Some(Network::Host));
        let opts = PlayOptions {
            network: Some(Network::None),
            ..PlayOptions::default()
        };
        assert_eq!(
            plan(&docs, &opts).unwrap().pods[0].network,
            Some(Network::None)
        );
    }

    #[test]
    fn publish_adds_to_the_host_ports() {
        let opts = PlayOptions {
            publish: vec!["9090:90/udp".parse().unwrap()],
            ..PlayOptions::default()
        };
        let plan = plan(&parse(DEPLOYMENT).unwrap(), &opts).unwrap();
        let published: Vec<_> = plan.pods[0]
            .publish
            .iter()
            .map(|p| {
                (
                    p.host_ports.unwrap().first,
                    p.container_ports.first,
                    p.protocols.clone(),
                )
            })
            .collect();
        assert_eq!(
            published,
            [
                (8080, 80, vec![Protocol::Tcp]),
                (9090, 90, vec![Protocol::Udp])
            ]
        );
    }

    #[test]
    fn only_config_maps_is_nothing_to_play() {
        let yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n";
        assert_eq!(
            plan(&parse(yaml).unwrap(), &PlayOptions::default())
                .unwrap_err()
                .to_string(),
            "the YAML has no Pod or Deployment to play"
        );
    }

    #[test]
    fn down_names_what_play_made() {
        let down = teardown(&parse(DEPLOYMENT).unwrap()).unwrap();
        assert_eq!(down.pods, ["web-pod"]);
        assert_eq!(down.containers, ["web-pod-setup", "web-pod-srv"]);
        assert_eq!(down.volumes, ["web-pod-cache"]);
    }

    /// generate, then play: the same options come back.
    #[test]
    fn round_trip() {
        use crate::engine::kube::generate::{generate, GenerateOptions, Group, Source};
        use crate::engine::volumes::parse::volume_flag;
        let opts = CreateOptions {
            image: "localhost/bb:latest".into(),
            command: vec!["httpd".into(), "-f".into()],
            env: vec!["FOO=bar".into()],
            mounts: vec![
                volume_flag("vol1:/data").unwrap(),
                volume_flag("/tmp:/h:ro").unwrap(),
            ],
            restart: RestartPolicy::No,
            ..CreateOptions::default()
        };
        let group = Group {
            name: "web-pod".into(),
            containers: vec![Source {
                name: "web".into(),
                image: opts.image.clone(),
                opts: opts.clone(),
                ports: vec![],
            }],
            ..Group::default()
        };
        let text =
            crate::engine::kube::yaml::write(&generate(&[group], &[], &GenerateOptions::default()))
                .unwrap();
        let plan = plan(&parse(&text).unwrap(), &PlayOptions::default()).unwrap();
        let back = &plan.pods[0].containers[0];
        assert_eq!(back.name.as_deref(), Some("web-pod-web"));
        assert_eq!(
            (&back.image, &back.command, &back.env, back.restart),
            (&opts.image, &opts.command, &opts.env, opts.restart)
        );
        let mounts: Vec<_> = back
            .mounts
            .iter()
            .map(|m| (m.kind, m.source.clone(), m.destination.clone(), m.read_only))
            .collect();
        let want: Vec<_> = opts
            .mounts
            .iter()
            .map(|m| (m.kind, m.source.clone(), m.destination.clone(), m.read_only))
            .collect();
        assert_eq!(mounts, want);
    }
}
