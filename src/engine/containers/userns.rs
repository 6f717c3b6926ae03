//! `create`'s part of `--userns`: the container's own id mappings, who it runs as,
//! and the /etc files keep-id adds.

use super::{layers, ContainerConfig, ContainersError};
use crate::engine::context::Context;
use crate::engine::runtime::user::{self, ResolvedUser};
use crate::engine::store::lock::{Kind, Lock};
use crate::engine::store::Store;
use crate::engine::userns::container::{self, ContainerUserns};
use crate::engine::userns::passwd::{self, HostUser};
use crate::engine::userns::{IdMap, UsernsError, UsernsMode};
use std::path::{Path, PathBuf};

/// What `--userns` decides for a new container.
#[derive(Default)]
pub struct Planned {
    pub userns: Option<ContainerUserns>,
    /// Files for the container's /etc (`passwd`, `group`), bound over the image's.
    pub etc: Vec<(&'static str, String)>,
    /// Held until the container's record is written, so that two `auto`
    /// containers created at once never get the same ids.
    pub lock: Option<Lock>,
}

/// Refuses what this host cannot do, before anything is pulled.
pub fn check(ctx: &Context, mode: UsernsMode) -> Result<(), UsernsError> {
    match mode {
        UsernsMode::KeepId { .. } if !ctx.rootless() => Err(UsernsError::KeepIdRootful),
        _ => Ok(()),
    }
}

/// Plans the container's namespace; `resolved` becomes the caller's ids under
/// keep-id unless `--user` said otherwise.
pub fn plan(
    ctx: &Context,
    store: &Store,
    mode: UsernsMode,
    layer_dirs: &[PathBuf],
    user_given: bool,
    resolved: &mut ResolvedUser,
) -> Result<Planned, ContainersError> {
    check(ctx, mode)?;
    let passwd = layers::read_file(layer_dirs, "etc/passwd").unwrap_or_default();
    let group = layers::read_file(layer_dirs, "etc/group").unwrap_or_default();
    let outer = ctx.mode.mappings();
    match (mode, outer) {
        (UsernsMode::Host, _) => Ok(Planned::default()),
        (UsernsMode::KeepId { .. }, Some(outer)) if outer.is_single() => {
            Err(UsernsError::NoSubordinateIds { mode: "keep-id" }.into())
        }
        (UsernsMode::KeepId { uid, gid }, Some(outer)) => {
            let host = HostUser::lookup(outer.uids[0].host_id);
            let uid = uid.unwrap_or(outer.uids[0].host_id);
            let gid = gid.unwrap_or(outer.gids[0].host_id);
            let mut etc = Vec::new();
            let passwd = match passwd::passwd_with(&passwd, &host, uid, gid) {
                Some(added) => {
                    etc.push(("passwd", added.clone()));
                    added
                }
                None => passwd,
            };
            if let Some(added) = passwd::group_with(&group, &host, gid) {
                etc.push(("group", added));
            }
            if !user_given {
                *resolved = user::resolve(&format!("{uid}:{gid}"), &passwd, "")?;
            }
            Ok(Planned {
                userns: Some(ContainerUserns {
                    mode,
                    maps: container::keep_id(outer, uid, gid),
                }),
                etc,
                lock: None,
            })
        }
        (UsernsMode::KeepId { .. }, None) => Err(UsernsError::KeepIdRootful.into()),
        (UsernsMode::Auto { size }, outer) => {
            let size = size.unwrap_or_else(|| container::auto_size(&passwd, &group));
            let pool = container::auto_pool(outer)?;
            if pool.is_empty() {
                return Err(UsernsError::NoSubordinateIds { mode: "auto" }.into());
            }
            searchable(&ctx.root)?;
            let lock = Lock::acquire(&ctx.root.join("userns-auto.lock"), Kind::Exclusive)?;
            let maps = container::auto(&pool, &auto_ranges(store)?, size)?;
            Ok(Planned {
                userns: Some(ContainerUserns { mode, maps }),
                etc: Vec::new(),
                lock: Some(lock),
            })
        }
    }
}

/// The ids other `auto` containers hold.
fn auto_ranges(store: &Store) -> Result<Vec<IdMap>, ContainersError> {
    let mut used = Vec::new();
    for record in store.containers()? {
        if let Some(userns) = ContainerConfig::of(&record)?.userns {
            if matches!(userns.mode, UsernsMode::Auto { .. }) {
                used.extend(userns.maps.uids);
            }
        }
    }
    Ok(used)
}

/// The runtime reaches the container's rootfs by its path as the container's
/// root, who under `auto` is none of the ids that own the store: every directory
/// on the way must let others through, as containers/storage makes its own
/// (0711). The store's root is ours to open up, and the `coracle` directory
/// above the default one (`~/.local/share/coracle/storage`); the rest are the
/// user's.
fn searchable(root: &Path) -> Result<(), ContainersError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = |dir: &Path| std::fs::metadata(dir).map(|m| m.permissions().mode());
    let ours = std::iter::once(root).chain(
        root.parent()
            .filter(|p| p.file_name() == Some("coracle".as_ref())),
    );
    for dir in ours {
        let write = |source| ContainersError::Write {
            path: dir.to_owned(),
            source,
        };
        if mode(dir).map_err(write)? & 0o001 == 0 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o711)).map_err(write)?;
        }
    }
    for dir in root.ancestors().skip(1) {
        if std::fs::metadata(dir).is_ok_and(|m| !lets_through(&m)) {
            return Err(ContainersError::Invalid(format!(
                "--userns=auto: the container's root user cannot reach the store through {}: let others search it (chmod go+x {0}) or use --root elsewhere",
                dir.display()
            )));
        }
    }
    Ok(())
}

/// Whether the container's root may search a directory: others may, and the
/// group may too when it is one of the caller's (the runtime keeps the caller's
/// groups until it sets the container's, and a group without the bit is refused
/// even where others have it).
fn lets_through(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    let ours = nix::unistd::getgroups()
        .unwrap_or_default()
        .into_iter()
        .chain([nix::unistd::getegid()])
        .any(|g| g.as_raw() == meta.gid());
    meta.mode() & 0o001 != 0 && (!ours || meta.mode() & 0o010 != 0)
}
