//! Making images: build, commit, and the build cache.

use super::Error;

pub trait BuildEngine {
    /// Removes the build cache; returns what went.
    fn prune_build_cache(&self) -> Result<crate::engine::images::remove::Pruned, Error>;
}
