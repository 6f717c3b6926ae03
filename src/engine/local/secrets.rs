//! The verbs on secrets, from the host side: the store is the caller's own
//! files under the graph root, which need no user namespace.

use super::LocalEngine;
use crate::engine::interface::{Each, Error, SecretEngine};
use crate::engine::secrets::record::CreateOptions;
use crate::engine::secrets::store::SecretStore;
use crate::engine::secrets::{filter, SecretRecord};

impl LocalEngine {
    fn secrets(&self) -> Result<SecretStore, Error> {
        Ok(SecretStore::open(&self.ctx.root)?)
    }
}

impl SecretEngine for LocalEngine {
    fn create_secret(&self, opts: &CreateOptions, data: &[u8]) -> Result<String, Error> {
        Ok(self.secrets()?.create(opts, data)?)
    }

    fn list_secrets(&self, filters: &[String]) -> Result<Vec<SecretRecord>, Error> {
        filter::check(filters)?;
        let all = self.secrets()?.list()?;
        Ok(all
            .into_iter()
            .filter(|s| filter::matches(s, filters))
            .collect())
    }

    fn inspect_secret(&self, name: &str) -> Result<SecretRecord, Error> {
        Ok(self.secrets()?.lookup(name)?)
    }

    fn remove_secrets(&self, names: &[String]) -> Result<Each<String>, Error> {
        let store = self.secrets()?;
        Ok(names.iter().map(|n| Ok(store.remove(n)?)).collect())
    }
}
