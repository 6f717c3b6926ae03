//! The verbs on secrets: their records; their data only goes into containers.

use super::{Each, Error};
use crate::engine::secrets::record::CreateOptions;
use crate::engine::secrets::SecretRecord;

pub trait SecretEngine {
    /// Stores a secret's data; returns its ID.
    fn create_secret(&self, opts: &CreateOptions, data: &[u8]) -> Result<String, Error>;

    /// Every secret the filters let through, oldest first.
    fn list_secrets(&self, filters: &[String]) -> Result<Vec<SecretRecord>, Error>;

    /// The secret with this name, ID or ID prefix.
    fn inspect_secret(&self, name: &str) -> Result<SecretRecord, Error>;

    /// Removes each secret; returns their IDs.
    fn remove_secrets(&self, names: &[String]) -> Result<Each<String>, Error>;
}
