use super::LocalEngine;
use crate::engine::build::commit::{self, CommitOptions};
use crate::engine::build::{
    self, BuildEvent, BuildOptions, ContextInput, Events, RunOutput, Services,
};
use crate::engine::containers;
use crate::engine::events::Event;
use crate::engine::images::pull::{Progress, PullOptions};
use crate::engine::images::remove::Pruned;
use crate::engine::interface::{BuildEngine, Error};
use crate::engine::registry::creds::Credentials;
use std::sync::Arc;

impl BuildEngine for LocalEngine {
    fn build(
        &self,
        context: ContextInput,
        output: RunOutput,
        opts: &BuildOptions,
        events: Events,
    ) -> Result<String, Error> {
        // On a user-defined network, RUN steps live in the holder's user
        // namespace, as containers on it do.
        let inside = self.inside_for(opts.network.as_ref())?;
        let services = BuildServices {
            engine: self,
            tls_verify: opts.tls_verify,
            credentials: opts.credentials.clone(),
            events,
        };
        let id = build::build(&self.ctx, inside, opts, context, &output, &services)?;
        // Podman's build event; Docker's legacy builder records only the tags.
        let name = opts.tags.first().map_or(id.as_str(), String::as_str);
        self.ctx
            .event_log()
            .record(Event::image("build", &id, name));
        Ok(id)
    }

    fn commit(&self, opts: &CommitOptions) -> Result<String, Error> {
        let inside = self.inside()?;
        let id = commit::commit(&self.ctx, inside, opts)?;
        // Docker's commit is the container's event, naming the new image.
        let store = self.store()?;
        if let Ok(record) = containers::lookup::lookup(&store, &opts.container) {
            let event = containers::events::event(&record, "commit").with("imageID", id.clone());
            store.record(event);
        }
        Ok(id)
    }

    fn prune_build_cache(&self) -> Result<Pruned, Error> {
        let inside = self.inside()?;
        Ok(build::prune::prune(&mut self.store()?, inside)?)
    }
}

/// What the build borrows from this engine: its pull and its runtime.
struct BuildServices<'a> {
    engine: &'a LocalEngine,
    tls_verify: bool,
    credentials: Option<Credentials>,
    events: Events,
}

impl Services for BuildServices<'_> {
    fn event(&self, event: BuildEvent) {
        (self.events)(event)
    }

    fn pull(&self, reference: &str, platform: Option<&str>) -> Result<String, Error> {
        let opts = PullOptions {
            reference: reference.to_owned(),
            platform: platform.map(str::to_owned),
            tls_verify: self.tls_verify,
            credentials: self.credentials.clone(),
            auth_files: None,
        };
        let events = self.events.clone();
        let progress: Progress = Arc::new(move |e| events(BuildEvent::Pull(e)));
        let result = self.engine.pull_image(&opts, progress);
        self.event(BuildEvent::Pulled { ok: result.is_ok() });
        result
    }

    fn runtime(&self) -> Result<tokio::runtime::Handle, Error> {
        self.engine.runtime()
    }
}
