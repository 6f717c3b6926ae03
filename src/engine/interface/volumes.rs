//! The verbs on volumes: their records and files.

use super::{Each, Error};
use crate::engine::volumes::create::CreateOptions;
use crate::engine::volumes::record::VolumeRecord;
use std::io::{Read, Write};
use std::time::Duration;

pub trait VolumeEngine {
    /// Creates a volume; returns its record.
    fn create_volume(&self, opts: &CreateOptions) -> Result<VolumeRecord, Error>;

    /// Every volume the filters let through, by name.
    fn list_volumes(&self, filters: &[String]) -> Result<Vec<VolumeRecord>, Error>;

    /// The volume called `name`.
    fn inspect_volume(&self, name: &str) -> Result<VolumeRecord, Error>;

    /// Removes each volume (with `force`, the containers using it first,
    /// stopped within `timeout`, else each one's stop timeout).
    fn remove_volumes(
        &self,
        names: &[String],
        force: bool,
        timeout: Option<Duration>,
    ) -> Result<Each, Error>;

    /// Removes the volumes no container uses, as the filters allow; returns
    /// their names.
    fn prune_volumes(&self, filters: &[String]) -> Result<Vec<String>, Error>;

    /// Writes a tar of the volume's files.
    fn export_volume(&self, name: &str, out: &mut dyn Write) -> Result<(), Error>;

    /// Unpacks a tar into the volume.
    fn import_volume(&self, name: &str, input: &mut dyn Read) -> Result<(), Error>;
}
