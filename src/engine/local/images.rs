use super::LocalEngine;
use crate::engine::images::archive::import::{self, ImportOptions};
use crate::engine::images::archive::load;
use crate::engine::images::archive::save::{self, ArchiveFormat};
use crate::engine::images::history::{self, HistoryEntry};
use crate::engine::images::list::{self, ImageRow, ListOptions};
use crate::engine::images::pull::{self, PullOptions};
use crate::engine::images::push::{self, PushOptions};
use crate::engine::images::remove::{self, Pruned, Removed};
use crate::engine::images::{inspect, remote, tag};
use crate::engine::interface::{Each, Error, ImageEngine};
use crate::engine::registry::creds::Credentials;
use crate::engine::registry::login::{self, LoginOptions, LogoutOptions};
use crate::engine::registry::ManifestBytes;
use std::io::{Read, Write};
use std::path::Path;

// Whatever writes to the store works inside the namespace, where its files have
// their mapped owners; reading the database needs neither side, and credentials
// and remote manifests concern no store at all.
impl ImageEngine for LocalEngine {
    fn pull(&self, opts: &PullOptions, progress: pull::Progress) -> Result<String, Error> {
        self.pull_image(opts, progress)
    }

    fn push(&self, opts: &PushOptions, progress: push::Progress) -> Result<String, Error> {
        let inside = self.inside()?;
        let push = push::push(inside, &self.ctx, opts, progress);
        Ok(self.runtime()?.block_on(push)?)
    }

    fn saved_login(&self, opts: &LoginOptions) -> Result<Option<Credentials>, Error> {
        Ok(login::saved(opts)?)
    }

    fn login(&self, opts: &LoginOptions, creds: &Credentials) -> Result<(), Error> {
        Ok(self.runtime()?.block_on(login::login(opts, creds))?)
    }

    fn check_login(&self, opts: &LoginOptions, creds: &Credentials) -> Result<(), Error> {
        Ok(self.runtime()?.block_on(login::check(opts, creds))?)
    }

    fn logout(&self, opts: &LogoutOptions) -> Result<(), Error> {
        Ok(login::logout(opts)?)
    }

    fn manifest_inspect(&self, reference: &str, tls_verify: bool) -> Result<ManifestBytes, Error> {
        Ok(self
            .runtime()?
            .block_on(remote::manifest(reference, tls_verify))?)
    }

    fn list_images(&self, opts: &ListOptions) -> Result<Vec<ImageRow>, Error> {
        Ok(list::list(&self.store()?, opts)?)
    }

    fn inspect_image(&self, name: &str) -> Result<serde_json::Value, Error> {
        Ok(inspect::inspect(&self.store()?, name)?)
    }

    fn tag(&self, source: &str, targets: &[String]) -> Result<(), Error> {
        let inside = self.inside()?;
        let store = self.store()?;
        for target in targets {
            tag::tag(inside, &store, source, target)?;
        }
        Ok(())
    }

    fn remove_images(&self, names: &[String], force: bool) -> Result<Each<Vec<Removed>>, Error> {
        let inside = self.inside()?;
        let mut store = self.store()?;
        Ok(names
            .iter()
            .map(|name| Ok(remove::remove(inside, &mut store, name, force)?))
            .collect())
    }

    fn prune_images(&self, all: bool) -> Result<Pruned, Error> {
        self.inside()?;
        Ok(remove::prune(&mut self.store()?, all)?)
    }

    fn history(&self, name: &str) -> Result<Vec<HistoryEntry>, Error> {
        Ok(history::history(&self.store()?, name)?)
    }

    fn save(
        &self,
        names: &[String],
        format: ArchiveFormat,
        out: &mut dyn Write,
    ) -> Result<(), Error> {
        Ok(save::save_to(
            self.inside()?,
            &self.ctx,
            names,
            format,
            out,
        )?)
    }

    fn save_to_dir(&self, names: &[String], dir: &Path) -> Result<(), Error> {
        Ok(save::save_to_dir(self.inside()?, &self.ctx, names, dir)?)
    }

    fn load(&self, input: &mut dyn Read) -> Result<Vec<String>, Error> {
        Ok(load::load(self.inside()?, &self.ctx, input)?)
    }

    fn import(&self, input: &mut dyn Read, opts: &ImportOptions) -> Result<String, Error> {
        Ok(import::import(self.inside()?, &self.ctx, input, opts)?)
    }
}

impl LocalEngine {
    /// Pulls inside the namespace, on the caller's runtime, with progress to
    /// `progress`: for `pull`, and for `create`, `run` and `build` when their
    /// pull policy asks. Returns the image ID.
    pub(super) fn pull_image(
        &self,
        opts: &PullOptions,
        progress: pull::Progress,
    ) -> Result<String, Error> {
        let inside = self.inside()?;
        let pull = pull::pull(inside, &self.ctx, opts, progress);
        Ok(self.runtime()?.block_on(pull)?)
    }
}
