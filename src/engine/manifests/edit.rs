//! Making and changing local lists: create, add, annotate, remove, rm, exists,
//! and reading one back for `manifest inspect`.

use super::doc::{Descriptor, Entry, ListDoc};
use super::source::{self, Fetch};
use super::{name, ManifestsError};
use crate::engine::images::{self, remove::Removed};
use crate::engine::oci::reference::validate_digest;
use crate::engine::store::Store;

pub struct CreateOptions {
    pub name: String,
    pub images: Vec<String>,
    /// Add every entry of an image that is itself a list.
    pub all: bool,
    /// Add to the list if one has the name already.
    pub amend: bool,
    pub fetch: Fetch,
}

pub struct AddOptions {
    pub all: bool,
    pub overrides: Overrides,
    pub fetch: Fetch,
}

/// What `--arch`, `--os`, ... set on an entry, over what the image says.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub architecture: Option<String>,
    pub os: Option<String>,
    pub os_version: Option<String>,
    pub variant: Option<String>,
    pub features: Option<Vec<String>>,
    pub os_features: Option<Vec<String>>,
    pub annotations: Vec<(String, String)>,
}

impl Overrides {
    fn apply(&self, descriptor: &mut Descriptor) {
        let platform = descriptor.platform.get_or_insert_with(Default::default);
        let set = |field: &mut String, value: &Option<String>| {
            if let Some(v) = value {
                field.clone_from(v);
            }
        };
        set(&mut platform.architecture, &self.architecture);
        set(&mut platform.os, &self.os);
        set(&mut platform.os_version, &self.os_version);
        set(&mut platform.variant, &self.variant);
        if let Some(f) = &self.features {
            platform.features.clone_from(f);
        }
        if let Some(f) = &self.os_features {
            platform.os_features.clone_from(f);
        }
        for (key, value) in &self.annotations {
            descriptor.annotations.insert(key.clone(), value.clone());
        }
    }
}

/// A list found by the name the user typed: its stored name and content.
pub struct Found {
    pub name: String,
    pub doc: ListDoc,
}

/// The list `input` names; an image by that name is "not a manifest list", as
/// Podman says.
pub fn lookup(store: &Store, input: &str) -> Result<Found, ManifestsError> {
    let not_found = || ManifestsError::NotFound(input.to_owned());
    let name = match by_id(store, input)? {
        Some(name) => name,
        None => name::normalize(input).map_err(|_| not_found())?,
    };
    if let Some((_, doc)) = store.manifest_list(&name)? {
        let doc = ListDoc::parse(&name, &doc)?;
        return Ok(Found { name, doc });
    }
    match images::resolve(store, input) {
        Ok(_) => Err(ManifestsError::NotAList(input.to_owned())),
        Err(_) => Err(not_found()),
    }
}

/// The name of the one list whose ID starts with `input` (with or without
/// `sha256:`), as images are found by ID.
fn by_id(store: &Store, input: &str) -> Result<Option<String>, ManifestsError> {
    let prefix = input.strip_prefix("sha256:").unwrap_or(input);
    if prefix.is_empty() || !prefix.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    match store
        .manifest_lists_by_id_prefix(&prefix.to_ascii_lowercase())?
        .as_slice()
    {
        [name] => Ok(Some(name.clone())),
        _ => Ok(None),
    }
}

/// Makes a list (or with `amend` adds to the one of that name); returns its ID.
/// Every image is read before anything is written: a bad one leaves no list.
pub async fn create(store: &mut Store, opts: &CreateOptions) -> Result<String, ManifestsError> {
    let name = name::normalize(&opts.name)?;
    let mut entries = Vec::new();
    for image in &opts.images {
        entries.extend(source::entries(store, image, opts.all, &opts.fetch).await?);
    }
    if opts.amend {
        let amended = store.edit_manifest_list(&name, |doc| {
            let mut doc = ListDoc::parse(&name, &doc)?;
            doc.add(entries.clone());
            Ok::<_, ManifestsError>(doc.to_json())
        })?;
        if let Some(id) = amended {
            return Ok(id);
        }
    }
    let id = hex::encode(rand::random::<[u8; 32]>());
    let mut doc = ListDoc::default();
    doc.add(entries);
    store.add_manifest_list(&name, &id, &doc.to_json())?;
    Ok(id)
}

/// Adds each image's entries to the list; returns the list's ID.
pub async fn add(
    store: &mut Store,
    list: &str,
    images: &[String],
    opts: &AddOptions,
) -> Result<String, ManifestsError> {
    let found = lookup(store, list)?;
    let mut entries: Vec<Entry> = Vec::new();
    for image in images {
        entries.extend(source::entries(store, image, opts.all, &opts.fetch).await?);
    }
    for entry in &mut entries {
        opts.overrides.apply(&mut entry.descriptor);
    }
    edit(store, list, &found.name, |doc| {
        doc.add(entries);
        Ok(())
    })
}

/// Changes the platform and annotations of the entry with `digest`.
pub fn annotate(
    store: &mut Store,
    list: &str,
    digest: &str,
    overrides: &Overrides,
) -> Result<String, ManifestsError> {
    check_digest(digest)?;
    let found = lookup(store, list)?;
    edit(store, list, &found.name, |doc| {
        let entry = doc
            .entry_mut(digest)
            .ok_or_else(|| ManifestsError::NoSuchEntry(digest.to_owned()))?;
        overrides.apply(&mut entry.descriptor);
        Ok(())
    })
}

/// Takes the entry with `digest` out of the list (the image stays).
pub fn remove(store: &mut Store, list: &str, digest: &str) -> Result<String, ManifestsError> {
    check_digest(digest)?;
    let found = lookup(store, list)?;
    edit(store, list, &found.name, |doc| {
        let before = doc.entries.len();
        doc.entries.retain(|e| e.descriptor.digest != digest);
        match doc.entries.len() < before {
            true => Ok(()),
            false => Err(ManifestsError::NoSuchEntryToRemove {
                list: list.to_owned(),
                digest: digest.to_owned(),
            }),
        }
    })
}

/// Deletes a list, never the images it names; what `rmi` would say of it.
pub fn remove_list(store: &Store, list: &str) -> Result<Vec<Removed>, ManifestsError> {
    let found = lookup(store, list)?;
    let id = store
        .remove_manifest_list(&found.name)?
        .ok_or_else(|| ManifestsError::NotFound(list.to_owned()))?;
    Ok(vec![Removed::Untagged(found.name), Removed::Deleted(id)])
}

/// Whether `list` is a list; an image by that name is an error, as in Podman.
pub fn exists(store: &Store, list: &str) -> Result<bool, ManifestsError> {
    match lookup(store, list) {
        Ok(_) => Ok(true),
        Err(ManifestsError::NotFound(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// The local list's index as `manifest inspect` prints it; `None` when there is
/// no list by that name (the caller asks the registry then).
pub fn inspect(store: &Store, list: &str) -> Result<Option<Vec<u8>>, ManifestsError> {
    match lookup(store, list) {
        Ok(found) => Ok(Some(found.doc.inspect_json())),
        Err(ManifestsError::NotFound(_) | ManifestsError::NotAList(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

fn check_digest(digest: &str) -> Result<(), ManifestsError> {
    validate_digest(digest).map_err(|_| ManifestsError::BadDigest(digest.to_owned()))
}

/// Rewrites the stored list in one transaction; a list removed meanwhile is
/// not known.
fn edit(
    store: &mut Store,
    list: &str,
    name: &str,
    change: impl FnOnce(&mut ListDoc) -> Result<(), ManifestsError>,
) -> Result<String, ManifestsError> {
    store
        .edit_manifest_list(name, |doc| {
            let mut doc = ListDoc::parse(name, &doc)?;
            change(&mut doc)?;
            Ok::<_, ManifestsError>(doc.to_json())
        })?
        .ok_or_else(|| ManifestsError::NotFound(list.to_owned()))
}
