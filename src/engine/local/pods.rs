//! The verbs on pods: the flows over their containers in order. Stopping and
//! killing work from the host side, as for lone containers; starting happens
//! inside the user namespace of the pod's infra (a fresh one when the infra
//! is started here: its monitor, our child, makes it there too); removing
//! inside ours, which owns the files.

use super::LocalEngine;
use crate::engine::containers::create::CreateOptions;
use crate::engine::containers::remove::{self, RemoveOptions};
use crate::engine::containers::{lookup, pause, start, stop, ContainersError};
use crate::engine::interface::{Each, Error, PodEngine};
use crate::engine::net::Network;
use crate::engine::pods::clone::PodCloneOptions;
use crate::engine::pods::create::{self as pod_create, event};
use crate::engine::pods::members::{self, Member};
use crate::engine::pods::report::{self, PodReport};
use crate::engine::pods::{record, Pod, PodCreateOptions, PodsError};
use crate::engine::process::Inside;
use crate::engine::runtime::signal;
use crate::engine::store::containers::Status;
use crate::engine::store::Store;
use std::time::Duration;

impl PodEngine for LocalEngine {
    fn create_pod(&self, opts: &PodCreateOptions) -> Result<String, Error> {
        opts.validate()?;
        // `--replace`: the pod of that name goes first, its containers with
        // it, as with `pod rm -f` (Podman's order: remove, then create).
        if let Some(name) = opts.name.as_ref().filter(|_| opts.replace) {
            if self.store()?.pod_by_name(name)?.is_some() {
                for removed in self.remove_pods(std::slice::from_ref(name), true, None)? {
                    removed?;
                }
            }
        }
        let inside = self.inside()?;
        let pod = pod_create::create(inside, &self.ctx, &self.store()?, opts)?;
        Ok(pod.id)
    }

    fn list_pods(&self, filters: &[String]) -> Result<Vec<PodReport>, Error> {
        Ok(report::list(&self.store()?, filters)?)
    }

    fn inspect_pod(&self, name: &str) -> Result<PodReport, Error> {
        let store = self.store()?;
        Ok(report::report(&store, record::lookup(&store, name)?)?)
    }

    fn start_pods(&self, names: &[String]) -> Result<Each<String>, Error> {
        let store = self.store()?;
        let pods: Vec<Result<Pod, Error>> = names.iter().map(|n| found(&store, n)).collect();
        drop(store);
        // The first running infra's user namespace is the one to start in.
        let infras: Vec<Network> = pods
            .iter()
            .flatten()
            .filter_map(|p| p.config.infra_id.clone())
            .map(Network::Container)
            .collect();
        self.inside_for(&infras)?;
        let store = self.store()?;
        Ok(pods
            .into_iter()
            .map(|pod| {
                let pod = pod?;
                self.start_pod(&store, &pod)?;
                Ok(pod.id)
            })
            .collect())
    }

    fn stop_pods(
        &self,
        names: &[String],
        timeout: Option<Duration>,
    ) -> Result<Each<String>, Error> {
        let store = self.store()?;
        Ok(each_pod(&store, names, |pod, members| {
            for result in stop_in_order(&store, pod, members, timeout) {
                result?;
            }
            store.record(event(pod, "stop"));
            Ok(())
        }))
    }

    fn restart_pods(&self, names: &[String]) -> Result<Each<String>, Error> {
        let stopped = self.stop_pods(names, None)?;
        let started = self.start_pods(names)?;
        Ok(stopped
            .into_iter()
            .zip(started)
            .map(|(stopped, started)| stopped.and(started))
            .collect())
    }

    fn kill_pods(&self, names: &[String], signal: &str) -> Result<Each<String>, Error> {
        signal::parse(signal)?;
        let store = self.store()?;
        Ok(each_pod(&store, names, |pod, members| {
            for m in members.iter().filter(|m| m.status == Status::Running) {
                stop::kill(&store, &m.id, signal)?;
            }
            store.record(event(pod, "kill"));
            Ok(())
        }))
    }

    fn pause_pods(&self, names: &[String]) -> Result<Each<String>, Error> {
        self.freeze(names, true)
    }

    fn unpause_pods(&self, names: &[String]) -> Result<Each<String>, Error> {
        self.freeze(names, false)
    }

    fn remove_pods(
        &self,
        names: &[String],
        force: bool,
        timeout: Option<Duration>,
    ) -> Result<Each<String>, Error> {
        // Stopped from the host side, before entering ours to remove them.
        if force {
            let store = self.store()?;
            let timeout = timeout.or(Some(Duration::from_secs(10)));
            each_pod(&store, names, |pod, members| {
                let _ = stop_in_order(&store, pod, members, timeout);
                Ok(())
            });
        }
        let inside = self.inside()?;
        let store = self.store()?;
        Ok(names
            .iter()
            .map(|name| {
                let pod = found(&store, name)?;
                remove_pod(inside, &store, &pod)?;
                Ok(pod.id)
            })
            .collect())
    }

    fn clone_pod(&self, name: &str, opts: &PodCloneOptions) -> Result<String, Error> {
        self.clone_pod_from(name, opts)
    }

    fn prune_pods(&self) -> Result<Vec<String>, Error> {
        let store = self.store()?;
        let idle: Vec<String> = report::list(&store, &[])?
            .into_iter()
            .filter(|r| !r.containers.iter().any(|c| c.status.has_monitor()))
            .map(|r| r.pod.id)
            .collect();
        drop(store);
        let inside = self.inside()?;
        let store = self.store()?;
        let mut pruned = Vec::new();
        for id in idle {
            let pod = found(&store, &id)?;
            if remove_pod(inside, &store, &pod).is_ok() {
                pruned.push(id);
            }
        }
        Ok(pruned)
    }
}

impl LocalEngine {
    /// The infra (unless it runs), then the others that do not.
    fn start_pod(&self, store: &Store, pod: &Pod) -> Result<(), Error> {
        for m in members::of(store, pod)?.iter().rev() {
            if !m.status.has_monitor() {
                start::start_named(&self.ctx, store, &m.id)?;
            }
        }
        store.record(event(pod, "start"));
        Ok(())
    }

    fn freeze(&self, names: &[String], frozen: bool) -> Result<Each<String>, Error> {
        let store = self.store()?;
        let (from, action) = match frozen {
            true => (Status::Running, "pause"),
            false => (Status::Paused, "unpause"),
        };
        Ok(each_pod(&store, names, |pod, members| {
            for m in members.iter().filter(|m| m.status == from) {
                pause::set_paused(&store, &m.id, frozen)?;
            }
            store.record(event(pod, action));
            Ok(())
        }))
    }

    /// `--pod`: the options of a member of the pod named (made first, for
    /// `new:NAME`), else `opts` as they are.
    pub(super) fn join_pod(&self, opts: &CreateOptions) -> Result<CreateOptions, Error> {
        let mut opts = opts.clone();
        let Some(name) = opts.pod.clone() else {
            return Ok(opts);
        };
        let pod = match name.strip_prefix("new:") {
            Some(new) => {
                let create = PodCreateOptions {
                    name: Some(new.to_owned()),
                    infra: true,
                    share: crate::engine::pods::create::parse_share(pod_create::DEFAULT_SHARE)?,
                    ..PodCreateOptions::default()
                };
                pod_create::create(self.inside()?, &self.ctx, &self.store()?, &create)?
            }
            None => found(&self.store()?, &name)?,
        };
        members::join(&pod, &mut opts)?;
        Ok(opts)
    }

    /// Refuses to remove a pod's infra on its own, as Podman does.
    pub(super) fn check_not_infra(&self, store: &Store, name: &str) -> Result<(), Error> {
        let Ok(record) = lookup::lookup(store, name) else {
            return Ok(());
        };
        let Some(pod) = lookup::config_of(&record).ok().and_then(|c| c.pod) else {
            return Ok(());
        };
        match record::lookup(store, &pod) {
            Ok(p) if p.config.infra_id.as_deref() == Some(record.id.as_str()) => {
                Err(PodsError::Infra {
                    container: record.id,
                    pod: p.id,
                }
                .into())
            }
            _ => Ok(()),
        }
    }

    /// When `network` is a pod's infra that does not run, starts it (this
    /// process being inside the namespace it is to run in): a member's start
    /// starts its pod's infra first, as Podman's does.
    pub(super) fn start_infra(&self, store: &Store, network: &Network) -> Result<(), Error> {
        let Network::Container(id) = network else {
            return Ok(());
        };
        let record = lookup::lookup(store, id)?;
        if record.state.status.has_monitor() || self.check_not_infra(store, id).is_ok() {
            return Ok(());
        }
        Ok(start::start_named(&self.ctx, store, &record.id)?)
    }
}

pub(super) fn found(store: &Store, name: &str) -> Result<Pod, Error> {
    Ok(record::lookup(store, name)?)
}

/// Runs `verb` on each named pod with its containers, the infra last; the
/// pod's ID, or what went wrong, per name.
/// Stops the pod's running members side by side, then its infra: last, so
/// that none loses its namespaces while it runs.
fn stop_in_order(
    store: &Store,
    pod: &Pod,
    members: &[Member],
    timeout: Option<Duration>,
) -> Vec<Result<(), ContainersError>> {
    let (infra, others): (Vec<String>, Vec<String>) = members
        .iter()
        .filter(|m| m.status.has_monitor())
        .map(|m| m.id.clone())
        .partition(|id| pod.config.infra_id.as_deref() == Some(id.as_str()));
    let mut results = stop::stop_many(store, &others, timeout);
    results.extend(infra.iter().map(|id| stop::stop(store, id, timeout)));
    results
}

fn each_pod(
    store: &Store,
    names: &[String],
    verb: impl Fn(&Pod, &[Member]) -> Result<(), Error>,
) -> Each<String> {
    names
        .iter()
        .map(|name| {
            let pod = found(store, name)?;
            let members = members::of(store, &pod)?;
            verb(&pod, &members)?;
            Ok(pod.id)
        })
        .collect()
}

/// Removes the pod's containers, the infra last, then the pod; a running
/// container is refused (`pod rm` without -f).
fn remove_pod(inside: Inside, store: &Store, pod: &Pod) -> Result<(), Error> {
    let members = members::of(store, pod)?;
    if members.iter().any(|m| m.status.has_monitor()) {
        return Err(PodsError::Running(pod.id.clone()).into());
    }
    let opts = RemoveOptions {
        force: true,
        volumes: false,
        stop_timeout: None,
    };
    for m in &members {
        remove::remove(inside, store, &m.id, opts)?;
    }
    store.remove_pod(&pod.id)?;
    store.record(event(pod, "remove"));
    Ok(())
}
