//! Kubernetes YAML is made and played by the local engine only: the Docker
//! API has no such endpoints.

use super::{unsupported, RemoteEngine};
use crate::engine::containers::create::{CreateProgress, Pulling};
use crate::engine::interface::{Error, KubeEngine};
use crate::engine::kube::generate::GenerateOptions;
use crate::engine::kube::play::{PlayOptions, Played, Teardown};

impl KubeEngine for RemoteEngine {
    fn generate_kube(&self, _: &[String], _: &GenerateOptions) -> Result<String, Error> {
        unsupported("kube generate")
    }
    fn play_kube(
        &self,
        _: &str,
        _: &PlayOptions,
        _: Pulling,
        _: CreateProgress,
    ) -> Result<Played, Error> {
        unsupported("kube play")
    }
    fn down_kube(&self, _: &str) -> Result<Teardown, Error> {
        unsupported("kube down")
    }
}
