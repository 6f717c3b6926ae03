//! Kubernetes YAML both ways (`kube generate`, `kube play`, `kube down`).

use super::Error;
use crate::engine::containers::create::{CreateProgress, Pulling};
use crate::engine::kube::generate::GenerateOptions;
use crate::engine::kube::play::{PlayOptions, Played, Teardown};

pub trait KubeEngine {
    /// YAML for the containers named (one pod of them) and, as claims, the
    /// volumes named.
    fn generate_kube(&self, names: &[String], opts: &GenerateOptions) -> Result<String, Error>;

    /// Creates and starts what the YAML describes, checked whole first; when
    /// a step fails, what it had made is removed again.
    fn play_kube(
        &self,
        yaml: &str,
        opts: &PlayOptions,
        pulling: Pulling,
        progress: CreateProgress,
    ) -> Result<Played, Error>;

    /// Removes what play made of the YAML (its claims' volumes stay).
    fn down_kube(&self, yaml: &str) -> Result<Teardown, Error>;
}
