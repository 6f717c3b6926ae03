use super::LocalEngine;
use crate::engine::images;
use crate::engine::interface::{Error, ImageEngine};

impl ImageEngine for LocalEngine {
    fn image_id(&self, name: &str) -> Result<String, Error> {
        Ok(images::resolve(&self.store()?, name)?)
    }
}

impl LocalEngine {
    /// Pulls inside the namespace, on the caller's runtime, with progress to
    /// `progress`: for `pull`, and for `create`, `run` and `build` when their
    /// pull policy asks. Returns the image ID.
    pub(super) fn pull_image(
        &self,
        opts: &crate::engine::images::pull::PullOptions,
        progress: crate::engine::images::pull::Progress,
    ) -> Result<String, Error> {
        self.inside()?;
        let pull = crate::engine::images::pull::pull(&self.ctx, opts, progress);
        Ok(self.runtime()?.block_on(pull)?)
    }
}
