//! The verbs on pods. A pod's containers are started infra first and stopped
//! and removed infra last; the per-pod results carry the pod's ID.
//!
//! A container joins a pod through `RunEngine::create`/`run` with
//! `CreateOptions::pod` set to the pod's name or ID (or `new:NAME`): the
//! engine gives it the infra's namespaces, refuses what the pod owns (`-p`,
//! `--network`, `--hostname` when shared) and starts the infra first when a
//! member starts. `kube play` is `create_pod`, then a `run` per container.

use super::{Each, Error};
use crate::engine::pods::clone::PodCloneOptions;
use crate::engine::pods::report::PodReport;
use crate::engine::pods::PodCreateOptions;
use crate::engine::ErrorKind;
use std::time::Duration;

pub trait PodEngine {
    /// Creates a pod, with its infra container unless `opts.infra` is false;
    /// returns its ID.
    fn create_pod(&self, opts: &PodCreateOptions) -> Result<String, Error>;

    /// Every pod the filters let through, newest first.
    fn list_pods(&self, filters: &[String]) -> Result<Vec<PodReport>, Error>;

    /// The pod called `name`, or whose ID starts with it, with its containers.
    fn inspect_pod(&self, name: &str) -> Result<PodReport, Error>;

    fn pod_exists(&self, name: &str) -> Result<bool, Error> {
        match self.inspect_pod(name) {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Starts each pod's infra, then its other containers.
    fn start_pods(&self, names: &[String]) -> Result<Each<String>, Error>;

    /// Stops each pod's containers, the infra last (after `timeout`, else
    /// each one's stop timeout, they are killed).
    fn stop_pods(&self, names: &[String], timeout: Option<Duration>)
        -> Result<Each<String>, Error>;

    fn restart_pods(&self, names: &[String]) -> Result<Each<String>, Error>;

    /// Sends `signal` to every running container of each pod.
    fn kill_pods(&self, names: &[String], signal: &str) -> Result<Each<String>, Error>;

    fn pause_pods(&self, names: &[String]) -> Result<Each<String>, Error>;

    fn unpause_pods(&self, names: &[String]) -> Result<Each<String>, Error>;

    /// Removes each pod and its containers (with `force`, stopping them
    /// first within `timeout`; without, a pod with running ones is refused).
    fn remove_pods(
        &self,
        names: &[String],
        force: bool,
        timeout: Option<Duration>,
    ) -> Result<Each<String>, Error>;

    /// Makes a pod like `name` and clones its containers into it (`--destroy`:
    /// the original goes; `--start`: the clone starts); returns its ID.
    fn clone_pod(&self, name: &str, opts: &PodCloneOptions) -> Result<String, Error>;

    /// Removes the pods none of whose containers run; returns their IDs.
    fn prune_pods(&self) -> Result<Vec<String>, Error>;
}
