use super::LocalEngine;
use crate::engine::build::commit::{self, CommitOptions};
use crate::engine::build::{
    self, BuildEvent, BuildOptions, ContextInput, Events, RunOutput, Services,
};
use crate::engine::images::pull::{Progress, PullOptions};
use crate::engine::images::remove::Pruned;
use crate::engine::interface::{BuildEngine, Error};
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
            events,
        };
        Ok(build::build(
            &self.ctx, inside, opts, context, &output, &services,
        )?)
    }

    fn commit(&self, opts: &CommitOptions) -> Result<String, Error> {
        let inside = self.inside()?;
        Ok(commit::commit(&self.ctx, inside, opts)?)
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
            credentials: None,
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
