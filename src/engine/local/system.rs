use super::LocalEngine;
use crate::engine::events::{self, EventsOptions};
use crate::engine::interface::{Error, EventBatches, SystemEngine};
use crate::engine::names::{self, NameKind, Names};
use crate::engine::system::{self, Info, PruneOptions, Pruned, Version};

impl SystemEngine for LocalEngine {
    fn info(&self) -> Result<Info, Error> {
        let inside = self.inside()?;
        Ok(system::info(&self.ctx, inside)?)
    }

    fn version(&self) -> Result<Version, Error> {
        Ok(system::version())
    }

    fn names(&self, kind: NameKind) -> Result<Names, Error> {
        Ok(names::names(&self.ctx.root, kind)?)
    }

    fn prune_system(&self, opts: &PruneOptions) -> Result<Pruned, Error> {
        let inside = self.inside()?;
        Ok(system::prune(&mut self.store()?, inside, opts)?)
    }

    fn reset(&self) -> Result<(), Error> {
        // The host side owns the running containers' namespaces: kill them from
        // there, then enter ours to remove files owned by subordinate ids.
        if system::has_store(&self.ctx) {
            let host = self.host()?;
            system::kill_all(&self.ctx.open_store_as_it_is()?, &host)?;
        }
        let inside = self.inside()?;
        Ok(system::remove_storage(&self.ctx, inside)?)
    }

    fn events(&self, opts: &EventsOptions) -> Result<EventBatches, Error> {
        // Reading the log needs neither side of the namespace: it is ours.
        let batches = events::read(&self.ctx.event_log(), opts)?;
        Ok(Box::new(batches.map(|b| b.map_err(Error::from))))
    }

    fn unshare(&self, argv: &[String]) -> Result<std::convert::Infallible, Error> {
        let inside = self.inside()?;
        Ok(crate::engine::userns::unshare::exec(
            &self.ctx, inside, argv,
        )?)
    }
}
