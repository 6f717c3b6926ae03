//! The verbs on manifest lists. Lists live in the database alone, which needs
//! no user namespace; pushing one reads stored blobs, which does.

use super::LocalEngine;
use crate::engine::images::remote;
use crate::engine::images::remove::Removed;
use crate::engine::interface::{Each, Error, ManifestEngine};
use crate::engine::manifests::edit::{self, AddOptions, CreateOptions, Overrides};
use crate::engine::manifests::push::{self, PushOptions};

impl ManifestEngine for LocalEngine {
    fn create_manifest(&self, opts: &CreateOptions) -> Result<String, Error> {
        let mut store = self.store()?;
        Ok(self.runtime()?.block_on(edit::create(&mut store, opts))?)
    }

    fn add_to_manifest(
        &self,
        list: &str,
        images: &[String],
        opts: &AddOptions,
    ) -> Result<String, Error> {
        let mut store = self.store()?;
        let add = edit::add(&mut store, list, images, opts);
        Ok(self.runtime()?.block_on(add)?)
    }

    fn annotate_manifest(
        &self,
        list: &str,
        digest: &str,
        overrides: &Overrides,
    ) -> Result<String, Error> {
        Ok(edit::annotate(&mut self.store()?, list, digest, overrides)?)
    }

    fn remove_from_manifest(&self, list: &str, digest: &str) -> Result<String, Error> {
        Ok(edit::remove(&mut self.store()?, list, digest)?)
    }

    fn remove_manifests(&self, lists: &[String]) -> Result<Each<Vec<Removed>>, Error> {
        let store = self.store()?;
        Ok(lists
            .iter()
            .map(|l| Ok(edit::remove_list(&store, l)?))
            .collect())
    }

    fn manifest_exists(&self, list: &str) -> Result<bool, Error> {
        Ok(edit::exists(&self.store()?, list)?)
    }

    fn inspect_manifest(&self, name: &str, tls_verify: bool) -> Result<Vec<u8>, Error> {
        if let Some(local) = edit::inspect(&self.store()?, name)? {
            return Ok(local);
        }
        let served = remote::manifest(name, tls_verify);
        Ok(self.runtime()?.block_on(served)?.bytes)
    }

    fn push_manifest(&self, opts: &PushOptions, progress: push::Progress) -> Result<String, Error> {
        let _inside = self.inside()?;
        let pushed = push::push(&self.ctx, opts, progress);
        Ok(self.runtime()?.block_on(pushed)?)
    }
}
