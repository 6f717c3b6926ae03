//! The verbs on volumes, inside the user namespace, which owns their files.
//! `rm -f` stops the containers using a volume from the host side first, as
//! `network rm -f` does.

use super::LocalEngine;
use crate::engine::containers::stop;
use crate::engine::interface::{Each, Error, VolumeEngine};
use crate::engine::volumes::create::{self, CreateOptions};
use crate::engine::volumes::record::VolumeRecord;
use crate::engine::volumes::{archive, list, remove, VolumesError};
use std::io::{Read, Write};
use std::time::Duration;

impl VolumeEngine for LocalEngine {
    fn create_volume(&self, opts: &CreateOptions) -> Result<VolumeRecord, Error> {
        self.inside()?;
        Ok(create::create(&self.store()?, opts)?)
    }

    fn list_volumes(&self, filters: &[String]) -> Result<Vec<VolumeRecord>, Error> {
        Ok(list::list(&self.store()?, filters)?)
    }

    fn inspect_volume(&self, name: &str) -> Result<VolumeRecord, Error> {
        let store = self.store()?;
        Ok(store
            .volume(name)?
            .ok_or_else(|| VolumesError::NotFound(name.to_owned()))?)
    }

    fn remove_volumes(
        &self,
        names: &[String],
        force: bool,
        timeout: Option<Duration>,
    ) -> Result<Each, Error> {
        let mut users = vec![Vec::new(); names.len()];
        if force {
            let store = self.store()?;
            for (name, ids) in names.iter().zip(&mut users) {
                *ids = store.volume_users(name)?;
                for id in ids.iter() {
                    let _ = stop::stop(&store, id, timeout);
                }
            }
        }
        let inside = self.inside()?;
        let store = self.store()?;
        Ok(names
            .iter()
            .zip(users)
            .map(|(name, ids)| {
                super::networks::remove_all(inside, &store, &ids)?;
                Ok(remove::remove(&store, name)?)
            })
            .collect())
    }

    fn prune_volumes(&self, filters: &[String]) -> Result<Vec<String>, Error> {
        self.inside()?;
        Ok(remove::prune(&self.store()?, filters)?)
    }

    fn export_volume(&self, name: &str, out: &mut dyn Write) -> Result<(), Error> {
        self.inside()?;
        Ok(archive::export(&self.store()?, name, out)?)
    }

    fn import_volume(&self, name: &str, input: &mut dyn Read) -> Result<(), Error> {
        self.inside()?;
        let opts = self.ctx.unpack_options();
        Ok(archive::import(&self.store()?, name, input, &opts)?)
    }
}
