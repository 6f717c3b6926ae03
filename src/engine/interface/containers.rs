//! The verbs on containers that exist: their state, files, output and removal.

use super::Error;

pub trait ContainerEngine {
    /// The container's ID, from its name or a unique prefix of its ID.
    fn container_id(&self, name: &str) -> Result<String, Error>;
}
