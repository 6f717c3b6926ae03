//! `pod clone`: a new pod made from another's create options, its containers
//! cloned into it (`container clone --pod`), as Podman's pod clone does.

use super::create::PodCreateOptions;
use super::{Pod, PodsError};
use crate::engine::containers::clone::clone_name;
use crate::engine::store::Store;

#[derive(Debug, Clone, Default)]
pub struct PodCloneOptions {
    /// `NAME`, else `--name`; none: Podman's `<old>-clone`, `-clone1`, ...
    pub name: Option<String>,
    /// `--hostname`, over the original's.
    pub hostname: Option<String>,
    /// `--label`, added to the original's (a key given replaces its value).
    pub labels: Vec<(String, String)>,
    /// `--destroy`: the original pod goes once the clone exists.
    pub destroy: bool,
    /// `--start`: the clone is started.
    pub start: bool,
    /// The command line, for inspect's CreateCommand.
    pub create_command: Vec<String>,
}

/// The new pod's create options: the original's, with the flags given over them.
pub fn plan(
    store: &Store,
    pod: &Pod,
    opts: &PodCloneOptions,
) -> Result<PodCreateOptions, PodsError> {
    let taken = |name: &str| Ok::<_, PodsError>(store.pod_by_name(name)?.is_some());
    let name = match &opts.name {
        Some(name) => name.clone(),
        None => clone_name(&pod.name, taken)?,
    };
    let mut labels = pod.config.labels.clone();
    for (key, value) in &opts.labels {
        labels.retain(|(k, _)| k != key);
        labels.push((key.clone(), value.clone()));
    }
    let create = PodCreateOptions {
        name: Some(name),
        labels,
        publish: pod.config.publish.clone(),
        network: pod.config.network.clone(),
        share: pod.config.share.clone(),
        infra: pod.config.infra_id.is_some(),
        hostname: opts
            .hostname
            .clone()
            .or_else(|| pod.config.hostname.clone()),
        create_command: opts.create_command.clone(),
        replace: false,
        exit_policy: pod.config.exit_policy,
        names: pod.config.names.clone(),
    };
    create.validate()?;
    Ok(create)
}
