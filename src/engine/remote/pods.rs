//! Pods, which Docker's API does not have.

use super::{unsupported, RemoteEngine};
use crate::engine::interface::{Each, Error, PodEngine};
use crate::engine::pods::clone::PodCloneOptions;
use crate::engine::pods::report::PodReport;
use crate::engine::pods::PodCreateOptions;
use std::time::Duration;

impl PodEngine for RemoteEngine {
    fn clone_pod(&self, _: &str, _: &PodCloneOptions) -> Result<String, Error> {
        unsupported("pod clone")
    }
    fn create_pod(&self, _: &PodCreateOptions) -> Result<String, Error> {
        unsupported("pod create")
    }
    fn list_pods(&self, _: &[String]) -> Result<Vec<PodReport>, Error> {
        unsupported("pod ps")
    }
    fn inspect_pod(&self, _: &str) -> Result<PodReport, Error> {
        unsupported("pod inspect")
    }
    fn start_pods(&self, _: &[String]) -> Result<Each<String>, Error> {
        unsupported("pod start")
    }
    fn stop_pods(&self, _: &[String], _: Option<Duration>) -> Result<Each<String>, Error> {
        unsupported("pod stop")
    }
    fn restart_pods(&self, _: &[String]) -> Result<Each<String>, Error> {
        unsupported("pod restart")
    }
    fn kill_pods(&self, _: &[String], _: &str) -> Result<Each<String>, Error> {
        unsupported("pod kill")
    }
    fn pause_pods(&self, _: &[String]) -> Result<Each<String>, Error> {
        unsupported("pod pause")
    }
    fn unpause_pods(&self, _: &[String]) -> Result<Each<String>, Error> {
        unsupported("pod unpause")
    }
    fn remove_pods(
        &self,
        _: &[String],
        _: bool,
        _: Option<Duration>,
    ) -> Result<Each<String>, Error> {
        unsupported("pod rm")
    }
    fn prune_pods(&self) -> Result<Vec<String>, Error> {
        unsupported("pod prune")
    }
}
