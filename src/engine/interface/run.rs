//! The verbs that start processes in containers and relay their stdio.

use super::Error;

pub trait RunEngine {
    /// Pulls as the policy says and creates the container; returns its ID.
    fn create(&self) -> Result<String, Error>;
}
