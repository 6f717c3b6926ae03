//! `pod create`: the pod's record, then its infra container. A failure
//! leaves neither behind.

use super::exit_policy::ExitPolicy;
use super::{infra, Pod, PodConfig, PodsError};
use crate::engine::containers::{self, names};
use crate::engine::context::Context;
use crate::engine::events::{Event, Type};
use crate::engine::net::names::NameOptions;
use crate::engine::net::ports::Publish;
use crate::engine::net::Network;
use crate::engine::process::Inside;
use crate::engine::store::Store;

/// The kinds of namespace a pod may share, as Podman names them.
const KINDS: [&str; 5] = ["cgroup", "ipc", "net", "pid", "uts"];

/// Podman's default `--share`.
pub const DEFAULT_SHARE: &str = "ipc,net,uts";

/// Validated options (the CLI builds these, `kube play` may too).
#[derive(Debug, Clone, Default)]
pub struct PodCreateOptions {
    /// None: a generated one, as a container's.
    pub name: Option<String>,
    pub labels: Vec<(String, String)>,
    /// `-p`: published by the infra, for every member.
    pub publish: Vec<Publish>,
    /// `--network`, for the infra (None: the host's default).
    pub network: Option<Network>,
    /// `--share`, parsed by `parse_share`.
    pub share: Vec<String>,
    /// `--infra`: without one, members share nothing.
    pub infra: bool,
    /// `--hostname`: the pod's UTS name (default: the pod's name).
    pub hostname: Option<String>,
    /// The command line, for inspect's CreateCommand.
    pub create_command: Vec<String>,
    /// `--replace`: a pod of the same name is removed first (the engine's
    /// part, as it stops and removes containers).
    pub replace: bool,
    /// `--exit-policy`.
    pub exit_policy: ExitPolicy,
    /// `--dns*`, `--add-host`, `--no-hosts`: the infra's, and so every member's.
    pub names: NameOptions,
}

/// `--share`: a comma-separated list of kinds, `none`, or `+kind,...` to add
/// to the default, as Podman takes it.
pub fn parse_share(text: &str) -> Result<Vec<String>, PodsError> {
    let (mut kinds, list) = match text.strip_prefix('+') {
        Some(more) => (parse_share(DEFAULT_SHARE)?, more),
        None => (Vec::new(), text),
    };
    for kind in list.split(',').filter(|k| !k.is_empty()) {
        match kind {
            "none" => kinds.clear(),
            k if KINDS.contains(&k) => kinds.push(k.to_owned()),
            _ => return Err(PodsError::Share(kind.to_owned())),
        }
    }
    // The cgroup namespace cannot be joined by a container here (its mode
    // takes host or private only): refused rather than left unshared.
    if kinds.iter().any(|k| k == "cgroup") {
        return Err(PodsError::Invalid(
            "coracle cannot share the cgroup namespace in a pod: leave cgroup out of --share"
                .into(),
        ));
    }
    kinds.sort_by_key(|k| ["net", "ipc", "uts", "pid"].iter().position(|o| o == k));
    kinds.dedup();
    Ok(kinds)
}

impl PodCreateOptions {
    /// What can be checked before anything is made.
    pub fn validate(&self) -> Result<(), PodsError> {
        if let Some(name) = &self.name {
            if !names::valid(name) {
                return Err(PodsError::Invalid(format!(
                    "invalid pod name {name:?}: use letters, digits and _ . - (not first)"
                )));
            }
        }
        if !self.infra {
            // Podman's words: ports and shared namespaces are the infra's.
            if !self.publish.is_empty() {
                return Err(PodsError::Invalid(
                    "you must have an infra container to publish port bindings to the host".into(),
                ));
            }
            if self.network.is_some() {
                return Err(PodsError::Invalid(
                    "cannot set --network without an infra container".into(),
                ));
            }
            if let Some(option) = infra_only_name_option(&self.names) {
                return Err(PodsError::Invalid(format!(
                    "NoInfra and {option} are mutually exclusive pod options: invalid pod spec"
                )));
            }
        }
        if self.hostname.is_some() && self.infra && !self.share.iter().any(|k| k == "uts") {
            return Err(PodsError::Invalid(
                "cannot set --hostname when the pod does not share the uts namespace".into(),
            ));
        }
        infra::check_network(self.network.as_ref())
    }
}

/// The first of the name options set, as Podman's pod spec calls it.
fn infra_only_name_option(names: &NameOptions) -> Option<&'static str> {
    [
        (!names.dns.is_empty(), "DNSServer"),
        (!names.dns_search.is_empty(), "DNSSearch"),
        (!names.dns_options.is_empty(), "DNSOption"),
        (!names.add_hosts.is_empty(), "HostAdd"),
        (names.no_hosts, "NoManageHosts"),
    ]
    .into_iter()
    .find_map(|(set, option)| set.then_some(option))
}

/// Creates the pod (and its infra, unless `--infra=false`); returns it.
pub fn create(
    inside: Inside,
    ctx: &Context,
    store: &Store,
    opts: &PodCreateOptions,
) -> Result<Pod, PodsError> {
    opts.validate()?;
    if let Some(name) = &opts.name {
        if store.pod_by_name(name)?.is_some() {
            return Err(PodsError::Exists(name.clone()));
        }
    }
    if opts.infra {
        infra::ensure_image(inside, ctx, store)?;
    }
    let mut pod = Pod {
        id: hex::encode(rand::random::<[u8; 32]>()),
        name: opts.name.clone().unwrap_or_else(names::generate),
        created: chrono::Utc::now().timestamp(),
        config: PodConfig {
            labels: opts.labels.clone(),
            share: match opts.infra {
                true => opts.share.clone(),
                false => Vec::new(),
            },
            infra_id: None,
            hostname: opts.hostname.clone(),
            publish: opts.publish.clone(),
            network: opts.network.clone(),
            create_command: opts.create_command.clone(),
            exit_policy: opts.exit_policy,
            names: opts.names.clone(),
        },
    };
    if !store.add_pod(&pod.to_row())? {
        return Err(PodsError::Exists(pod.name));
    }
    if opts.infra {
        let made = containers::create(ctx, store, &infra::options(&pod, opts));
        let id = made.inspect_err(|_| {
            let _ = store.remove_pod(&pod.id);
        })?;
        pod.config.infra_id = Some(id);
        store.set_pod_config(&pod.id, &pod.to_row().config)?;
    }
    store.record(event(&pod, "create"));
    Ok(pod)
}

/// The pod's event `action`, as Podman records it (type pod, its name).
pub fn event(pod: &Pod, action: &str) -> Event {
    Event::new(Type::Pod, action, &pod.id).with("name", &pod.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn share_takes_podman_spellings() {
        assert_eq!(parse_share("ipc,net,uts").unwrap(), ["net", "ipc", "uts"]);
        assert_eq!(parse_share("+pid").unwrap(), ["net", "ipc", "uts", "pid"]);
        assert!(parse_share("none").unwrap().is_empty());
        assert_eq!(parse_share("net").unwrap(), ["net"]);
        let e = parse_share("net,foo").unwrap_err().to_string();
        assert_eq!(
            e,
            "invalid kernel namespace to share: foo. Options are: cgroup, ipc, net, pid, uts or none"
        );
        assert!(parse_share("cgroup").is_err());
    }
}
