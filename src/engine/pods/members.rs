//! A pod's members: which containers are in it, and what joining it makes of
//! a container's options.

use super::{Pod, PodsError};
use crate::engine::containers::create::CreateOptions;
use crate::engine::containers::list::{self, ListOptions, Listed};
use crate::engine::containers::lookup;
use crate::engine::net::Network;
use crate::engine::runtime::namespaces::NamespaceMode;
use crate::engine::store::containers::Status;
use crate::engine::store::Store;

/// One container of a pod, as it is now.
#[derive(Debug, Clone)]
pub struct Member {
    pub id: String,
    pub name: String,
    pub status: Status,
}

/// Every container in the pod, the infra last: the order a pod is stopped and
/// removed in (members first, so that none loses its namespaces while it
/// runs); started, it is the other way round.
pub fn of(store: &Store, pod: &Pod) -> Result<Vec<Member>, PodsError> {
    Ok(pick(&in_pods(store)?, pod))
}

/// The pod's containers among `all` (a listing, newest first), in `of`'s order.
pub fn pick(all: &[Listed], pod: &Pod) -> Vec<Member> {
    let mut members: Vec<Member> = all
        .iter()
        .rev()
        .filter(|l| l.config.pod.as_deref() == Some(pod.id.as_str()))
        .map(|l| Member {
            id: l.record.id.clone(),
            name: l.record.name.clone(),
            status: l.record.state.status,
        })
        .collect();
    members.sort_by_key(|m| pod.config.infra_id.as_deref() == Some(m.id.as_str()));
    members
}

/// Every container that is in some pod.
pub fn in_pods(store: &Store) -> Result<Vec<Listed>, PodsError> {
    let opts = ListOptions {
        all: true,
        ..ListOptions::default()
    };
    Ok(list::list(store, &opts)?
        .into_iter()
        .filter(|l| l.config.pod.is_some())
        .collect())
}

/// Makes `opts` a member's: the pod's ID, and the infra's namespaces for
/// the kinds the pod shares. What the pod owns (ports on its network, the
/// host name) is refused here with Podman's words, before anything is made.
pub fn join(pod: &Pod, opts: &mut CreateOptions) -> Result<(), PodsError> {
    let invalid = |why: &str| PodsError::Invalid(format!("invalid config provided: {why}"));
    opts.pod = Some(pod.id.clone());
    let Some(infra) = pod.config.infra_id.clone() else {
        return Ok(());
    };
    // A member given a network of its own (`--network host`) keeps it, as
    // Podman 4.3 lets it: only the pod's network is the infra's to publish on.
    if pod.shares("net") && opts.network.is_none() {
        if !opts.publish.is_empty() || opts.publish_all {
            return Err(invalid("published or exposed ports must be defined when the pod is created: network cannot be configured when it is shared with a pod"));
        }
        opts.network = Some(Network::Container(infra.clone()));
    }
    if pod.shares("uts") {
        if opts.hostname.is_some() {
            return Err(invalid(
                "cannot set hostname when joining the pod UTS namespace: invalid configuration",
            ));
        }
        opts.settings.uts = NamespaceMode::Container(infra.clone());
    }
    if pod.shares("ipc") {
        opts.settings.ipc = NamespaceMode::Container(infra.clone());
    }
    if pod.shares("pid") {
        opts.settings.pid = NamespaceMode::Container(infra);
    }
    Ok(())
}

/// Undoes `join` on a member's stored options, for a clone that goes in
/// another pod: the namespaces it had of its pod's infra (which `join`
/// gave it: a member may not choose them) are left to the new pod's.
pub fn leave(store: &Store, opts: &mut CreateOptions) {
    let infra = |id: &str| {
        lookup::lookup(store, id)
            .ok()
            .and_then(|r| lookup::config_of(&r).ok())
            .is_some_and(|c| c.infra)
    };
    if matches!(&opts.network, Some(Network::Container(x)) if infra(x)) {
        opts.network = None;
    }
    for mode in [
        &mut opts.settings.uts,
        &mut opts.settings.ipc,
        &mut opts.settings.pid,
    ] {
        if matches!(mode, NamespaceMode::Container(x) if infra(x)) {
            *mode = NamespaceMode::default();
        }
    }
    opts.pod = None;
}
