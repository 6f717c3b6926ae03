//! `info`, `system prune` and `system reset`.

use super::containers::cgroups;
use super::containers::resources::Manager;
use super::context::Context;
use super::net::found::{self, FoundHelper};
use super::process::{Host as HostSide, Inside};
use super::store::Store;
use super::userns::IdMap;
use crate::engine::error::{ErrorKind, Kinded};
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum SystemError {
    #[error(transparent)]
    Store(#[from] super::store::StoreError),
    #[error(transparent)]
    Context(#[from] super::context::ContextError),
    #[error("cannot remove {}: {source}", path.display())]
    Remove {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("refusing to remove {0}: it is not a coracle storage directory")]
    NotAStore(std::path::PathBuf),
    #[error(transparent)]
    Containers(#[from] super::containers::ContainersError),
    #[error(transparent)]
    Images(#[from] super::images::ImagesError),
    #[error(transparent)]
    Build(#[from] super::build::BuildError),
    #[error(transparent)]
    Networks(#[from] super::networks::NetworksError),
    #[error(transparent)]
    Volumes(#[from] super::volumes::VolumesError),
}

/// What `system prune` removed.
pub struct Pruned {
    pub containers: Vec<String>,
    pub networks: Vec<String>,
    pub volumes: Vec<String>,
    pub images: Vec<super::images::remove::Removed>,
    pub reclaimed: u64,
}

/// What `system prune` is asked to remove.
#[derive(Debug, Default)]
pub struct PruneOptions {
    /// Every image no container uses, not only dangling ones.
    pub all: bool,
    /// The volumes no container uses too.
    pub volumes: bool,
    /// Podman's `--filter`, given to each kind's prune.
    pub filters: Vec<String>,
}

/// Podman's `system prune`: stopped containers, then the networks no container
/// uses, the volumes (when asked), the build cache, and dangling images (every
/// image no container uses, with `all`). The filters are checked against each
/// kind first, so a bad one removes nothing.
pub fn prune(
    store: &mut Store,
    inside: Inside,
    opts: &PruneOptions,
) -> Result<Pruned, SystemError> {
    let filters = &opts.filters;
    super::containers::prune::check_filters(filters)?;
    super::networks::remove::check_prune_filters(filters)?;
    if opts.volumes {
        super::volumes::remove::check_prune_filters(filters)?;
    }
    let image_filters = super::images::prune_filter::PruneFilters::parse(filters)?;
    let containers = super::containers::prune::prune(inside, store, filters)?;
    let networks = super::networks::remove::prune(store, filters)?;
    let volumes = match opts.volumes {
        true => super::volumes::remove::prune(store, filters)?,
        false => Vec::new(),
    };
    // The cache's steps carry no labels or times a filter could pick by.
    let cache = match filters.is_empty() {
        true => super::build::prune::prune(store, inside)?,
        false => Default::default(),
    };
    let images = super::images::remove::prune(store, opts.all, &image_filters)?;
    Ok(Pruned {
        containers: containers.removed,
        networks,
        volumes,
        images: cache.removed.into_iter().chain(images.removed).collect(),
        reclaimed: containers.reclaimed + cache.reclaimed + images.reclaimed,
    })
}

#[derive(Debug, Serialize)]
pub struct Info {
    pub host: Host,
    pub store: StoreInfo,
    pub version: Version,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Host {
    pub arch: String,
    pub os: String,
    pub kernel: String,
    pub hostname: String,
    pub rootless: bool,
    pub id_mappings: Option<IdMappings>,
    pub cgroup_version: String,
    /// `systemd` where rootless limits go through the user's systemd.
    pub cgroup_manager: Manager,
    pub cgroup_controllers: Vec<String>,
    /// The rootless network helpers found, as Podman lists them.
    pub pasta: Option<FoundHelper>,
    pub slirp4netns: Option<FoundHelper>,
    /// The OCI runtime: libcontainer, in coracle's own process.
    pub oci_runtime: OciRuntime,
}

#[derive(Debug, Serialize)]
pub struct OciRuntime {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Serialize)]
pub struct IdMappings {
    pub uidmap: Vec<IdMap>,
    pub gidmap: Vec<IdMap>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StoreInfo {
    pub graph_root: String,
    pub run_root: String,
    pub graph_driver_name: String,
    pub image_store: Count,
}

#[derive(Debug, Serialize)]
pub struct Count {
    pub number: usize,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Version {
    pub version: String,
    pub os_arch: String,
    pub git_commit: String,
    /// Podman reports its Go's; coracle its Rust's.
    pub rust_version: String,
    /// The OCI runtime built in, with its version: `libcontainer 0.7.0`.
    pub runtime: String,
}

pub fn version() -> Version {
    Version {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        os_arch: format!(
            "linux/{}",
            crate::engine::oci::platform::Platform::host().architecture
        ),
        git_commit: env!("CORACLE_GIT_COMMIT").to_owned(),
        rust_version: env!("CORACLE_RUST_VERSION").to_owned(),
        runtime: format!("libcontainer {}", env!("CORACLE_LIBCONTAINER_VERSION")),
    }
}

pub fn info(ctx: &Context, _inside: Inside) -> Result<Info, SystemError> {
    let store = ctx.open_store()?;
    let uname = nix::sys::utsname::uname().ok();
    let text = |f: fn(&nix::sys::utsname::UtsName) -> &std::ffi::OsStr| {
        uname
            .as_ref()
            .map(|u| f(u).to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let cgroup_version = if std::path::Path::new("/sys/fs/cgroup/cgroup.controllers").exists() {
        "v2"
    } else {
        "v1"
    };
    let (cgroup_manager, cgroup_controllers) = cgroups::host_manager(ctx.rootless());
    Ok(Info {
        host: Host {
            arch: version().os_arch.trim_start_matches("linux/").to_owned(),
            os: "linux".to_owned(),
            kernel: text(|u| u.release()),
            hostname: text(|u| u.nodename()),
            rootless: ctx.rootless(),
            id_mappings: ctx.mode.mappings().map(|m| IdMappings {
                uidmap: m.uids.clone(),
                gidmap: m.gids.clone(),
            }),
            cgroup_version: cgroup_version.to_owned(),
            cgroup_manager,
            cgroup_controllers,
            pasta: found::find("pasta"),
            slirp4netns: found::find("slirp4netns"),
            oci_runtime: OciRuntime {
                name: "libcontainer".to_owned(),
                version: env!("CORACLE_LIBCONTAINER_VERSION").to_owned(),
            },
        },
        store: StoreInfo {
            graph_root: ctx.root.display().to_string(),
            run_root: ctx.runroot.display().to_string(),
            graph_driver_name: ctx.storage()?.driver.name().to_owned(),
            image_store: Count {
                number: store.images()?.len(),
            },
        },
        version: version(),
    })
}

/// Whether there is a store to open (`system reset` creates none).
pub fn has_store(ctx: &Context) -> bool {
    ctx.root.join("db.sqlite").exists()
}

/// Kills every running container, from the host side (see containers/stop.rs),
/// before `remove_storage` takes their files away.
pub fn kill_all(store: &Store, _host: &HostSide) -> Result<(), SystemError> {
    for id in store.container_ids()? {
        let _ = super::containers::stop::stop(store, &id, Some(std::time::Duration::ZERO));
    }
    Ok(())
}

/// Removes everything coracle stored, from inside the user namespace, so that
/// the files owned by subordinate ids go too.
pub fn remove_storage(ctx: &Context, _inside: Inside) -> Result<(), SystemError> {
    // Rootfs `coracle mount` left mounted go first: a mount point cannot be removed.
    if let Ok(containers) = std::fs::read_dir(ctx.root.join("containers")) {
        for dir in containers.flatten() {
            let merged = super::monitor::rootfs::merged(&dir.path());
            let _ = nix::mount::umount2(&merged, nix::mount::MntFlags::MNT_DETACH);
        }
    }
    for dir in [&ctx.root, &ctx.runroot] {
        if !dir.exists() {
            continue;
        }
        let ours = dir == &ctx.runroot || dir.join("db.sqlite").exists();
        if !ours
            && std::fs::read_dir(dir)
                .map(|mut d| d.next().is_some())
                .unwrap_or(false)
        {
            return Err(SystemError::NotAStore(dir.clone()));
        }
        std::fs::remove_dir_all(dir).map_err(|source| SystemError::Remove {
            path: dir.clone(),
            source,
        })?;
    }
    Ok(())
}

impl Kinded for SystemError {
    fn kind(&self) -> ErrorKind {
        match self {
            SystemError::Store(e) => e.kind(),
            SystemError::Context(e) => e.kind(),
            SystemError::Containers(e) => e.kind(),
            SystemError::Images(e) => e.kind(),
            SystemError::Build(e) => e.kind(),
            SystemError::Networks(e) => e.kind(),
            SystemError::Volumes(e) => e.kind(),
            SystemError::NotAStore(_) => ErrorKind::Invalid,
            SystemError::Remove { source, .. }
                if source.kind() == std::io::ErrorKind::PermissionDenied =>
            {
                ErrorKind::NotPermitted
            }
            SystemError::Remove { .. } => ErrorKind::Internal,
        }
    }
}
