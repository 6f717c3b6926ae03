use super::LocalEngine;
use crate::engine::build;
use crate::engine::images::remove::Pruned;
use crate::engine::interface::{BuildEngine, Error};

impl BuildEngine for LocalEngine {
    fn prune_build_cache(&self) -> Result<Pruned, Error> {
        let inside = self.inside()?;
        Ok(build::prune::prune(&mut self.store()?, inside)?)
    }
}
