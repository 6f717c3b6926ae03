use super::LocalEngine;
use crate::engine::interface::{Error, RunEngine};

impl RunEngine for LocalEngine {
    fn create(&self) -> Result<String, Error> {
        unimplemented!()
    }
}
