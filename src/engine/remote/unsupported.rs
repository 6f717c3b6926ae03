//! The nouns the remote engine does not speak yet: networks, volumes,
//! storage and coracle's own system verbs.

use super::{unsupported, RemoteEngine};
use crate::engine::containers::mount::Mounted;
use crate::engine::diff::{Change, Target};
use crate::engine::disk_usage::DiskUsage;
use crate::engine::events::EventsOptions;
use crate::engine::images::mount::MountedImage;
use crate::engine::interface::{
    Each, Error, EventBatches, NetworkEngine, StorageEngine, SystemEngine, VolumeEngine,
};
use crate::engine::names::{NameKind, Names};
use crate::engine::net::network::NetworkConfig;
use crate::engine::networks::lookup::Member;
use crate::engine::networks::{ConnectOptions, CreateOptions};
use crate::engine::system::{Info, PruneOptions, Pruned, Version};
use crate::engine::volumes::create::CreateOptions as VolumeOptions;
use crate::engine::volumes::record::VolumeRecord;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::Duration;

impl NetworkEngine for RemoteEngine {
    fn create_network(&self, _: &CreateOptions) -> Result<NetworkConfig, Error> {
        unsupported("network create")
    }
    fn list_networks(&self, _: &[String]) -> Result<Vec<NetworkConfig>, Error> {
        unsupported("network ls")
    }
    fn inspect_network(&self, _: &str) -> Result<NetworkConfig, Error> {
        unsupported("network inspect")
    }
    fn remove_networks(&self, _: &[String], _: bool, _: Option<Duration>) -> Result<Each, Error> {
        unsupported("network rm")
    }
    fn prune_networks(&self, _: &[String]) -> Result<Vec<String>, Error> {
        unsupported("network prune")
    }
    fn connect_network(&self, _: &ConnectOptions) -> Result<(), Error> {
        unsupported("network connect")
    }
    fn disconnect_network(&self, _: &str, _: &str, _: bool) -> Result<(), Error> {
        unsupported("network disconnect")
    }
    fn network_members(&self, _: &str) -> Result<Vec<Member>, Error> {
        unsupported("network inspect")
    }
}

impl VolumeEngine for RemoteEngine {
    fn create_volume(&self, _: &VolumeOptions) -> Result<VolumeRecord, Error> {
        unsupported("volume create")
    }
    fn list_volumes(&self, _: &[String]) -> Result<Vec<VolumeRecord>, Error> {
        unsupported("volume ls")
    }
    fn inspect_volume(&self, _: &str) -> Result<VolumeRecord, Error> {
        unsupported("volume inspect")
    }
    fn remove_volumes(&self, _: &[String], _: bool, _: Option<Duration>) -> Result<Each, Error> {
        unsupported("volume rm")
    }
    fn prune_volumes(&self, _: &[String]) -> Result<Vec<String>, Error> {
        unsupported("volume prune")
    }
    fn export_volume(&self, _: &str, _: &mut dyn Write) -> Result<(), Error> {
        unsupported("volume export")
    }
    fn import_volume(&self, _: &str, _: &mut dyn Read) -> Result<(), Error> {
        unsupported("volume import")
    }
}

impl StorageEngine for RemoteEngine {
    fn diff(&self, _: &str, _: Target) -> Result<Vec<Change>, Error> {
        unsupported("diff")
    }
    fn mount(&self, _: &[String]) -> Result<Each<PathBuf>, Error> {
        unsupported("mount")
    }
    fn unmount(&self, _: &[String], _: bool) -> Result<Each<bool>, Error> {
        unsupported("umount")
    }
    fn unmount_all(&self, _: bool) -> Result<Vec<String>, Error> {
        unsupported("umount")
    }
    fn mounted(&self) -> Result<Vec<Mounted>, Error> {
        unsupported("mount")
    }
    fn mount_images(&self, _: &[String]) -> Result<Vec<MountedImage>, Error> {
        unsupported("image mount")
    }
    fn unmount_images(&self, _: &[String], _: bool) -> Result<Vec<String>, Error> {
        unsupported("image unmount")
    }
    fn mounted_images(&self) -> Result<Vec<MountedImage>, Error> {
        unsupported("image mount")
    }
    fn disk_usage(&self) -> Result<DiskUsage, Error> {
        unsupported("system df")
    }
}

impl SystemEngine for RemoteEngine {
    fn info(&self) -> Result<Info, Error> {
        unsupported("info")
    }
    fn version(&self) -> Result<Version, Error> {
        unsupported("version")
    }
    fn names(&self, _: NameKind) -> Result<Names, Error> {
        unsupported("completion of names")
    }
    fn prune_system(&self, _: &PruneOptions) -> Result<Pruned, Error> {
        unsupported("system prune")
    }
    fn reset(&self) -> Result<(), Error> {
        unsupported("system reset")
    }
    fn unshare(&self, _: &[String]) -> Result<std::convert::Infallible, Error> {
        unsupported("unshare")
    }
    fn events(&self, _: &EventsOptions) -> Result<EventBatches, Error> {
        unsupported("events")
    }
}
