use super::LocalEngine;
use crate::engine::interface::{Error, SystemEngine};
use crate::engine::system;

impl SystemEngine for LocalEngine {
    fn info(&self) -> Result<system::Info, Error> {
        self.inside()?;
        Ok(system::info(&self.ctx)?)
    }
}
