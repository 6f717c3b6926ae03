//! Manifest lists, which the remote engine does not speak yet (Docker's API has
//! no endpoints for them).

use super::{unsupported, RemoteEngine};
use crate::engine::images::remove::Removed;
use crate::engine::interface::{Each, Error, ManifestEngine};
use crate::engine::manifests::edit::{AddOptions, CreateOptions, Overrides};
use crate::engine::manifests::push::{self, PushOptions};

impl ManifestEngine for RemoteEngine {
    fn create_manifest(&self, _: &CreateOptions) -> Result<String, Error> {
        unsupported("manifest create")
    }
    fn add_to_manifest(&self, _: &str, _: &[String], _: &AddOptions) -> Result<String, Error> {
        unsupported("manifest add")
    }
    fn annotate_manifest(&self, _: &str, _: &str, _: &Overrides) -> Result<String, Error> {
        unsupported("manifest annotate")
    }
    fn remove_from_manifest(&self, _: &str, _: &str) -> Result<String, Error> {
        unsupported("manifest remove")
    }
    fn remove_manifests(&self, _: &[String]) -> Result<Each<Vec<Removed>>, Error> {
        unsupported("manifest rm")
    }
    fn manifest_exists(&self, _: &str) -> Result<bool, Error> {
        unsupported("manifest exists")
    }
    fn inspect_manifest(&self, _: &str, _: bool) -> Result<Vec<u8>, Error> {
        unsupported("manifest inspect")
    }
    fn push_manifest(&self, _: &PushOptions, _: push::Progress) -> Result<String, Error> {
        unsupported("manifest push")
    }
}
