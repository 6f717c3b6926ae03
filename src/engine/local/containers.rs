use super::LocalEngine;
use crate::engine::containers;
use crate::engine::interface::{ContainerEngine, Error};

impl ContainerEngine for LocalEngine {
    fn container_id(&self, name: &str) -> Result<String, Error> {
        Ok(containers::resolve(&self.store()?, name)?)
    }
}
