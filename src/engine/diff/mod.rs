//! `diff`: what a container changed over its image (its overlay upper dir), or
//! what an image's top layer changed over the layers below it, as Podman lists
//! them (A, C and D lines).

mod changes;

pub use changes::{Change, Kind};

use crate::engine::containers::{self, ContainersError};
use crate::engine::error::{ErrorKind, Kinded};
use crate::engine::images::{self, ImagesError};
use crate::engine::process::Inside;
use crate::engine::storage_driver::{StorageDriverError, Upper};
use crate::engine::store::{Store, StoreError};
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Containers(#[from] ContainersError),
    #[error(transparent)]
    Images(#[from] ImagesError),
    #[error(transparent)]
    Storage(#[from] StorageDriverError),
    /// Podman's words: `NAME not found: layer not known` and the like.
    #[error("{name} not found: {what}")]
    NotFound { name: String, what: String },
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// What a name is looked up as: `diff` tries a container, then an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Any,
    Container,
    Image,
}

/// Paths the runtime makes in every container (mount points, Podman's
/// `initInodes`): never listed, as Podman lists none of them.
const RUNTIME_PATHS: [&str; 10] = [
    "/dev",
    "/etc/hostname",
    "/etc/hosts",
    "/etc/resolv.conf",
    "/proc",
    "/run",
    "/run/.containerenv",
    "/run/notify",
    "/run/secrets",
    "/sys",
];

/// The changes of the container or image `name`. Inside our user namespace:
/// layers hold directories only their owners (subordinate ids) may list.
pub fn diff(
    _inside: Inside,
    store: &Store,
    name: &str,
    target: Target,
) -> Result<Vec<Change>, DiffError> {
    let (upper, lowers) = match target {
        Target::Container => container_layers(store, name)?,
        Target::Image => image_layers(store, name)?,
        Target::Any => match container_layers(store, name) {
            Err(DiffError::NotFound { .. }) => image_layers(store, name).map_err(|e| match e {
                DiffError::NotFound { .. } => not_found(name, "layer not known"),
                e => e,
            })?,
            other => other?,
        },
    };
    let Some(upper) = upper else {
        return Ok(Vec::new());
    };
    let changes = changes::changes(upper.path(), &lowers).map_err(|source| DiffError::Read {
        path: upper.path().to_owned(),
        source,
    })?;
    Ok(changes
        .into_iter()
        .filter(|c| !RUNTIME_PATHS.contains(&c.path.as_str()))
        .collect())
}

/// The container's upper dir over its image's layers (topmost first).
fn container_layers(store: &Store, name: &str) -> Result<(Option<Upper>, Vec<PathBuf>), DiffError> {
    let id = match containers::resolve(store, name) {
        Err(ContainersError::NotFound(_)) => return Err(not_found(name, "container not known")),
        other => other?,
    };
    let record = store
        .container(&id)?
        .ok_or_else(|| not_found(name, "container not known"))?;
    let config = containers::lookup::config_of(&record)?;
    let upper = Upper::of(store.storage(), &store.container_dir(&id), &config.layers)?;
    Ok((Some(upper), config.layers))
}

/// The image's top layer over the layers below it (topmost first); an image of
/// no layers changes nothing.
fn image_layers(store: &Store, name: &str) -> Result<(Option<Upper>, Vec<PathBuf>), DiffError> {
    let id = match images::resolve(store, name) {
        Err(ImagesError::NotFound(_)) => {
            return Err(not_found(name, &format!("{name}: image not known")))
        }
        other => other?,
    };
    let image = store.image(&id)?;
    let mut layers = image
        .layers
        .iter()
        .rev()
        .map(|l| store.layer_path(l))
        .collect::<Result<Vec<_>, _>>()?;
    if layers.is_empty() {
        return Ok((None, layers));
    }
    let top = layers.remove(0);
    Ok((Some(Upper::at(top)), layers))
}

fn not_found(name: &str, what: &str) -> DiffError {
    DiffError::NotFound {
        name: name.to_owned(),
        what: what.to_owned(),
    }
}

impl Kinded for DiffError {
    fn kind(&self) -> ErrorKind {
        match self {
            DiffError::Store(e) => e.kind(),
            DiffError::Containers(e) => e.kind(),
            DiffError::Images(e) => e.kind(),
            DiffError::Storage(e) => e.kind(),
            DiffError::NotFound { .. } => ErrorKind::NotFound,
            DiffError::Read { .. } => ErrorKind::Internal,
        }
    }
}
