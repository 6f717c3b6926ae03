//! The verbs on images: registries, the store, archives.

use super::{Each, Error};
use crate::engine::images::archive::import::ImportOptions;
use crate::engine::images::archive::save::ArchiveFormat;
use crate::engine::images::history::HistoryEntry;
use crate::engine::images::list::{ImageRow, ListOptions};
use crate::engine::images::pull::{self, PullOptions};
use crate::engine::images::push::{self, PushOptions};
use crate::engine::images::remove::{Pruned, Removed};
use crate::engine::images::search::{Found, SearchOptions};
use crate::engine::images::tree::ImageTree;
use crate::engine::registry::creds::Credentials;
use crate::engine::registry::login::{LoginOptions, LogoutOptions};
use crate::engine::registry::ManifestBytes;
use std::io::{Read, Write};
use std::path::Path;

pub trait ImageEngine {
    /// Pulls an image into the store; returns its ID.
    fn pull(&self, opts: &PullOptions, progress: pull::Progress) -> Result<String, Error>;

    /// Pushes a stored image; returns the digest of the manifest pushed.
    fn push(&self, opts: &PushOptions, progress: push::Progress) -> Result<String, Error>;

    /// The credentials saved for the registry, if any.
    fn saved_login(&self, opts: &LoginOptions) -> Result<Option<Credentials>, Error>;

    /// Checks `creds` against the registry, then saves them.
    fn login(&self, opts: &LoginOptions, creds: &Credentials) -> Result<(), Error>;

    /// Checks `creds` against the registry, saving nothing.
    fn check_login(&self, opts: &LoginOptions, creds: &Credentials) -> Result<(), Error>;

    /// Forgets the credentials of one registry, or of all.
    fn logout(&self, opts: &LogoutOptions) -> Result<(), Error>;

    /// The manifest (or index) a registry serves for `reference`, as served.
    fn manifest_inspect(&self, reference: &str, tls_verify: bool) -> Result<ManifestBytes, Error>;

    /// What a registry holds that matches the term, or a repository's tags.
    fn search(&self, opts: &SearchOptions) -> Result<Found, Error>;

    /// The stored images (`images`), a row per name.
    fn list_images(&self, opts: &ListOptions) -> Result<Vec<ImageRow>, Error>;

    /// Docker's ImageInspect object for one stored image.
    fn inspect_image(&self, name: &str) -> Result<serde_json::Value, Error>;

    /// Gives image `source` each of `targets` as a name, stopping at the first
    /// that fails.
    fn tag(&self, source: &str, targets: &[String]) -> Result<(), Error>;

    /// Takes `names` from image `image`, or all its names when `names` is empty;
    /// the image stays.
    fn untag(&self, image: &str, names: &[String]) -> Result<(), Error>;

    /// Removes each image (`rmi`); `force` removes by ID one that has several
    /// names. The outer error is one that stopped them all.
    fn remove_images(&self, names: &[String], force: bool) -> Result<Each<Vec<Removed>>, Error>;

    /// Removes dangling images, or with `all` every image no container uses, of
    /// those the filters (until=, label=, label!=, dangling=) let through.
    fn prune_images(&self, all: bool, filters: &[String]) -> Result<Pruned, Error>;

    /// The image's layers with their sizes, and which images each one tops.
    fn image_tree(&self, name: &str) -> Result<ImageTree, Error>;

    /// The image's history, newest first.
    fn history(&self, name: &str) -> Result<Vec<HistoryEntry>, Error>;

    /// Writes images as an archive of `format` into `out`.
    fn save(
        &self,
        names: &[String],
        format: ArchiveFormat,
        out: &mut dyn Write,
    ) -> Result<(), Error>;

    /// Writes images as an OCI layout into the directory `dir`.
    fn save_to_dir(&self, names: &[String], dir: &Path) -> Result<(), Error>;

    /// Loads every image of the archive read from `input`; returns their names.
    fn load(&self, input: &mut dyn Read) -> Result<Vec<String>, Error>;

    /// Makes an image of the root file system tarball read from `input`;
    /// returns its ID.
    fn import(&self, input: &mut dyn Read, opts: &ImportOptions) -> Result<String, Error>;
}
