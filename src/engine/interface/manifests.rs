//! The verbs on manifest lists made locally, and on what a registry serves.

use super::{Each, Error};
use crate::engine::images::remove::Removed;
use crate::engine::manifests::edit::{AddOptions, CreateOptions, Overrides};
use crate::engine::manifests::push::{self, PushOptions};

pub trait ManifestEngine {
    /// Makes a list (or amends one); returns its ID.
    fn create_manifest(&self, opts: &CreateOptions) -> Result<String, Error>;

    /// Adds images to a list; returns the list's ID.
    fn add_to_manifest(
        &self,
        list: &str,
        images: &[String],
        opts: &AddOptions,
    ) -> Result<String, Error>;

    /// Sets the platform and annotations of one entry; returns the list's ID.
    fn annotate_manifest(
        &self,
        list: &str,
        digest: &str,
        overrides: &Overrides,
    ) -> Result<String, Error>;

    /// Takes one entry out of a list; returns the list's ID.
    fn remove_from_manifest(&self, list: &str, digest: &str) -> Result<String, Error>;

    /// Deletes each list, never the images it names.
    fn remove_manifests(&self, lists: &[String]) -> Result<Each<Vec<Removed>>, Error>;

    /// Whether a local list has this name.
    fn manifest_exists(&self, list: &str) -> Result<bool, Error>;

    /// A local list's index, or else what the registry serves for `name`.
    fn inspect_manifest(&self, name: &str, tls_verify: bool) -> Result<Vec<u8>, Error>;

    /// Pushes a list (and with `all` its images); returns the index's digest.
    fn push_manifest(&self, opts: &PushOptions, progress: push::Progress) -> Result<String, Error>;
}
