//! `system df`: the space images, containers and volumes take, and how much of
//! it nothing uses, as Podman's `system df` counts it.

use super::containers::list::{self, ListOptions};
use super::containers::ContainersError;
use super::error::{ErrorKind, Kinded};
use super::images::{self, ImagesError};
use super::process::Inside;
use super::store::{Store, StoreError};
use std::collections::HashMap;

#[derive(Debug, thiserror::Error)]
pub enum DiskUsageError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Containers(#[from] ContainersError),
    #[error(transparent)]
    Images(#[from] ImagesError),
}

#[derive(Debug, Default)]
pub struct DiskUsage {
    pub images: Vec<ImageUsage>,
    pub containers: Vec<ContainerUsage>,
    pub volumes: Vec<VolumeUsage>,
}

#[derive(Debug, Clone)]
pub struct ImageUsage {
    pub id: String,
    /// The first of its names, or `<none>`.
    pub repository: String,
    pub tag: String,
    pub created: Option<String>,
    pub size: u64,
    /// The part of `size` in layers other images use too.
    pub shared_size: u64,
    /// Containers made from it.
    pub containers: usize,
}

#[derive(Debug, Clone)]
pub struct ContainerUsage {
    pub id: String,
    pub image_id: String,
    pub command: Vec<String>,
    pub local_volumes: usize,
    /// What it wrote (its upper dir).
    pub size: u64,
    /// Seconds since the epoch.
    pub created: i64,
    pub status: String,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct VolumeUsage {
    pub name: String,
    /// The containers that use it.
    pub containers: Vec<String>,
    pub size: u64,
}

impl ImageUsage {
    pub fn unique_size(&self) -> u64 {
        self.size.saturating_sub(self.shared_size)
    }
}

/// Inside our user namespace: containers' upper dirs hold directories only
/// their owners (subordinate ids) may list.
pub fn disk_usage(_inside: Inside, store: &Store) -> Result<DiskUsage, DiskUsageError> {
    let volumes = volumes(store)?;
    let listed = list::list(
        store,
        &ListOptions {
            all: true,
            size: true,
            ..Default::default()
        },
    )?;
    let containers: Vec<ContainerUsage> = listed
        .into_iter()
        .map(|l| ContainerUsage {
            local_volumes: volumes
                .iter()
                .filter(|v| v.containers.contains(&l.record.id))
                .count(),
            size: l.size.map_or(0, |s| s.rw),
            id: l.record.id,
            image_id: l.record.image_id,
            command: l.config.command,
            created: l.record.created,
            status: l.record.state.status.as_str().to_owned(),
            name: l.record.name,
        })
        .collect();
    Ok(DiskUsage {
        images: image_usage(store, &containers)?,
        containers,
        volumes,
    })
}

/// One entry per image (not per name), with its first name.
fn image_usage(
    store: &Store,
    containers: &[ContainerUsage],
) -> Result<Vec<ImageUsage>, DiskUsageError> {
    let rows = images::list::list(
        store,
        &images::list::ListOptions {
            all: true,
            ..Default::default()
        },
    )?;
    let mut layers = HashMap::new();
    for row in &rows {
        if !layers.contains_key(&row.id) {
            layers.insert(row.id.clone(), store.image(&row.id)?.layers);
        }
    }
    let mut users: HashMap<&str, usize> = HashMap::new();
    for diff_id in layers.values().flatten() {
        *users.entry(diff_id.as_str()).or_default() += 1;
    }
    let mut usage: Vec<ImageUsage> = Vec::new();
    for row in rows {
        if usage.iter().any(|u| u.id == row.id) {
            continue;
        }
        let mut shared_size = 0;
        for diff_id in &layers[&row.id] {
            if users[diff_id.as_str()] > 1 {
                shared_size += store.layer_size(diff_id)?;
            }
        }
        usage.push(ImageUsage {
            containers: containers.iter().filter(|c| c.image_id == row.id).count(),
            shared_size: shared_size.min(row.size),
            id: row.id,
            repository: row.repository,
            tag: row.tag,
            created: row.created,
            size: row.size,
        });
    }
    Ok(usage)
}

/// The volumes, who uses them, and what their files take.
fn volumes(store: &Store) -> Result<Vec<VolumeUsage>, DiskUsageError> {
    store
        .volumes()?
        .into_iter()
        .map(|v| {
            Ok(VolumeUsage {
                containers: store.volume_users(&v.name)?,
                size: store.volume_size(&v.name),
                name: v.name,
            })
        })
        .collect()
}

impl Kinded for DiskUsageError {
    fn kind(&self) -> ErrorKind {
        match self {
            DiskUsageError::Store(e) => e.kind(),
            DiskUsageError::Containers(e) => e.kind(),
            DiskUsageError::Images(e) => e.kind(),
        }
    }
}
