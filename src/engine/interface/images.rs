//! The verbs on images: registries, the store, archives.

use super::Error;

pub trait ImageEngine {
    /// The image's ID, from its name or a unique prefix of its ID.
    fn image_id(&self, name: &str) -> Result<String, Error>;
}
