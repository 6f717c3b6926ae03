use super::LocalEngine;
use crate::engine::images;
use crate::engine::interface::{Error, ImageEngine};

impl ImageEngine for LocalEngine {
    fn image_id(&self, name: &str) -> Result<String, Error> {
        Ok(images::resolve(&self.store()?, name)?)
    }
}
