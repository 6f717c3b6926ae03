//! Secrets, which the remote engine does not speak yet.

use super::{unsupported, RemoteEngine};
use crate::engine::interface::{Each, Error, SecretEngine};
use crate::engine::secrets::record::CreateOptions;
use crate::engine::secrets::SecretRecord;

impl SecretEngine for RemoteEngine {
    fn create_secret(&self, _: &CreateOptions, _: &[u8]) -> Result<String, Error> {
        unsupported("secret create")
    }
    fn list_secrets(&self, _: &[String]) -> Result<Vec<SecretRecord>, Error> {
        unsupported("secret ls")
    }
    fn inspect_secret(&self, _: &str) -> Result<SecretRecord, Error> {
        unsupported("secret inspect")
    }
    fn remove_secrets(&self, _: &[String]) -> Result<Each<String>, Error> {
        unsupported("secret rm")
    }
}
