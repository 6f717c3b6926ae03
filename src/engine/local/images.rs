use super::LocalEngine;
use crate::engine::events::Event;
use crate::engine::images::archive::import::{self, ImportOptions};
use crate::engine::images::archive::load;
use crate::engine::images::archive::save::{self, ArchiveFormat};
use crate::engine::images::history::{self, HistoryEntry};
use crate::engine::images::list::{self, ImageRow, ListOptions};
use crate::engine::images::prune_filter::PruneFilters;
use crate::engine::images::pull::{self, PullOptions};
use crate::engine::images::push::{self, PushOptions};
use crate::engine::images::remove::{self, Pruned, Removed};
use crate::engine::images::search::{self, Found, SearchOptions};
use crate::engine::images::tree::{self, ImageTree};
use crate::engine::images::{inspect, remote, tag, ImagesError};
use crate::engine::interface::{Each, Error, ImageEngine};
use crate::engine::manifests;
use crate::engine::oci::reference::Reference;
use crate::engine::registry::creds::Credentials;
use crate::engine::registry::login::{self, LoginOptions, LogoutOptions};
use crate::engine::registry::ManifestBytes;
use crate::engine::store::Store;
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
        let digest = self.runtime()?.block_on(push)?;
        let pushed = opts.destination.as_deref().unwrap_or(&opts.image);
        self.record_reference("push", pushed);
        Ok(digest)
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

    fn search(&self, opts: &SearchOptions) -> Result<Found, Error> {
        Ok(self.runtime()?.block_on(search::search(opts))?)
    }

    fn list_images(&self, opts: &ListOptions) -> Result<Vec<ImageRow>, Error> {
        let store = self.store()?;
        let mut rows = list::list(&store, opts)?;
        if opts.manifest_lists {
            rows.extend(manifests::rows::image_rows(&store, &opts.filters)?);
        }
        Ok(rows)
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

    fn untag(&self, image: &str, names: &[String]) -> Result<(), Error> {
        let inside = self.inside()?;
        let store = self.store()?;
        Ok(tag::untag(inside, &store, image, names)?)
    }

    fn remove_images(&self, names: &[String], force: bool) -> Result<Each<Vec<Removed>>, Error> {
        let inside = self.inside()?;
        let mut store = self.store()?;
        Ok(names
            .iter()
            .map(|name| {
                // `rmi` removes a manifest list too, as Podman's does.
                let removed = match remove::remove(inside, &mut store, name, force) {
                    Err(ImagesError::NotFound(_)) if manifests::edit::exists(&store, name)? => {
                        manifests::edit::remove_list(&store, name)?
                    }
                    other => other?,
                };
                record_removed(&store, &removed);
                Ok(removed)
            })
            .collect())
    }

    fn prune_images(&self, all: bool, filters: &[String]) -> Result<Pruned, Error> {
        let filters = PruneFilters::parse(filters)?;
        self.inside()?;
        let mut store = self.store()?;
        let pruned = remove::prune(&mut store, all, &filters)?;
        record_removed(&store, &pruned.removed);
        Ok(pruned)
    }

    fn image_tree(&self, name: &str) -> Result<ImageTree, Error> {
        Ok(tree::tree(&self.store()?, name)?)
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
        save::save_to(self.inside()?, &self.ctx, names, format, out)?;
        self.record_names("save", names);
        Ok(())
    }

    fn save_to_dir(&self, names: &[String], dir: &Path) -> Result<(), Error> {
        save::save_to_dir(self.inside()?, &self.ctx, names, dir)?;
        self.record_names("save", names);
        Ok(())
    }

    fn load(&self, input: &mut dyn Read) -> Result<Vec<String>, Error> {
        let loaded = load::load(self.inside()?, &self.ctx, input)?;
        self.record_names("load", &loaded);
        Ok(loaded)
    }

    fn import(&self, input: &mut dyn Read, opts: &ImportOptions) -> Result<String, Error> {
        let id = import::import(self.inside()?, &self.ctx, input, opts)?;
        self.ctx
            .event_log()
            .record(Event::image("import", &id, &id));
        Ok(id)
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
        let id = self.runtime()?.block_on(pull)?;
        self.record_reference("pull", &opts.reference);
        Ok(id)
    }

    /// Docker's pull and push events: the reference, familiar and tagged, as
    /// the actor, its name without the tag as the `name`.
    fn record_reference(&self, action: &str, reference: &str) {
        let (id, name) = match Reference::parse(reference) {
            Ok(r) => (r.familiar_full(), r.familiar()),
            Err(_) => (reference.to_owned(), reference.to_owned()),
        };
        self.ctx
            .event_log()
            .record(Event::image(action, &id, &name));
    }

    fn record_names(&self, action: &str, names: &[String]) {
        let log = self.ctx.event_log();
        for name in names {
            log.record(Event::image(action, name, name));
        }
    }
}

/// Docker's untag and delete events, one per name taken off and image gone.
fn record_removed(store: &Store, removed: &[Removed]) {
    for r in removed {
        let event = match r {
            Removed::Untagged(name) => Event::image("untag", name, name),
            Removed::Deleted(id) => Event::image("delete", id, id),
        };
        store.record(event);
    }
}
