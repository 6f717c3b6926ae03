//! Making images: build, commit, and the build cache.

use super::Error;
use crate::engine::build::commit::CommitOptions;
use crate::engine::build::{BuildOptions, ContextInput, Events, RunOutput};
use crate::engine::images::remove::Pruned;

pub trait BuildEngine {
    /// Builds an image from `context` as `opts` say, reporting steps and pulls
    /// to `events`; RUN steps' commands write to `output`. Returns the image ID.
    fn build(
        &self,
        context: ContextInput,
        output: RunOutput,
        opts: &BuildOptions,
        events: Events,
    ) -> Result<String, Error>;

    /// Makes an image of a container's changes; returns its ID.
    fn commit(&self, opts: &CommitOptions) -> Result<String, Error>;

    /// Removes the build cache; returns what went.
    fn prune_build_cache(&self) -> Result<Pruned, Error>;
}
