//! A RUN's `--mount`s made real, in two steps. `resolve` finds every source
//! before the step's cache is looked up (a missing source or secret fails the
//! build there, and what a bind shows is part of the step's key); `ready` then
//! makes the directories, locks and throwaway layers a run of the step needs, and
//! the OCI mounts that name them. libcontainer mounts those inside the container's
//! root the safe way (every target resolved in the root, never through a symlink
//! out of it).

use super::copy;
use super::exec::Builder;
use super::ignore::Ignore;
use super::mount_spec::{MountKind, Owner, RunMount, Sharing};
use super::secrets::{Secret, SecretDir};
use super::source::{self, layered_dirs, Source};
use super::BuildError;
use crate::engine::context::Context;
use crate::engine::store::lock::{Kind, Lock};
use crate::engine::store::{Store, StoreError, TempEntry};
use oci_spec::runtime::Mount;
use serde_json::json;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// A mount with its source found.
pub struct Resolved {
    target: String,
    what: What,
}

enum What {
    /// A file or directory; a directory of an image is its layers' directories,
    /// topmost first.
    Tree {
        lowers: Vec<PathBuf>,
        dir: bool,
        rw: bool,
        /// What the ignore file leaves out of a context directory, relative to it.
        hidden: Vec<String>,
    },
    Cache {
        id: String,
        sharing: Sharing,
        source: String,
        ro: bool,
        owner: Owner,
    },
    Tmpfs {
        size: Option<String>,
    },
    Secret {
        secret: Secret,
        owner: Owner,
    },
}

/// What a run of the step mounts, and what must stay alive (locks, throwaway
/// layers, secret files) until it is over.
#[derive(Default)]
pub struct Ready {
    pub mounts: Vec<Mount>,
    /// Where they go, for the mount points to be taken out of the layer after.
    pub targets: Vec<String>,
    _temps: Vec<TempEntry>,
    /// Cache ids held, with their locks.
    locks: Vec<(String, Lock)>,
    _secrets: Vec<SecretDir>,
}

impl Builder<'_> {
    /// Finds the mounts' sources; returns them and a digest of what binds show,
    /// for the step's cache key (a cache mount's content is not part of it, as in
    /// BuildKit).
    pub(super) fn resolve_mounts(
        &mut self,
        mounts: &[RunMount],
    ) -> Result<(Vec<Resolved>, String), BuildError> {
        let mut out = Vec::new();
        let mut digests = Vec::new();
        for mount in mounts {
            let what = match &mount.kind {
                MountKind::Bind { from, source, rw } => {
                    let (what, digest) = self.tree(from.as_deref(), source, *rw)?;
                    digests.push(digest);
                    what
                }
                MountKind::Cache {
                    from: Some(from),
                    source,
                    ro,
                    ..
                } => {
                    let (what, digest) = self.tree(Some(from), source, !ro)?;
                    digests.push(digest);
                    what
                }
                MountKind::Cache {
                    id,
                    sharing,
                    source,
                    ro,
                    owner,
                    from: None,
                } => What::Cache {
                    id: id.clone(),
                    sharing: *sharing,
                    source: source.clone(),
                    ro: *ro,
                    owner: *owner,
                },
                MountKind::Tmpfs { size } => What::Tmpfs { size: size.clone() },
                MountKind::Secret {
                    id,
                    required,
                    owner,
                } => match self.secret(id) {
                    Some(secret) => What::Secret {
                        secret: secret.clone(),
                        owner: *owner,
                    },
                    // BuildKit: an optional secret that was not given is not mounted.
                    None if !required => continue,
                    None => return Err(missing_secret(id)),
                },
            };
            out.push(Resolved {
                target: mount.target.clone(),
                what,
            });
        }
        Ok((out, digests.join(",")))
    }

    /// The `--secret` of this id (the last one given).
    pub(super) fn secret(&self, id: &str) -> Option<&Secret> {
        self.opts.secrets.iter().rev().find(|s| s.id == id)
    }

    /// A bind's source: in the context, or in `from`'s stage or image.
    fn tree(
        &mut self,
        from: Option<&str>,
        source: &str,
        rw: bool,
    ) -> Result<(What, String), BuildError> {
        let source = if source.is_empty() { "." } else { source };
        let what = "RUN --mount";
        let Some(from) = from else {
            let context = Source::Context {
                root: &self.bctx.root,
                ignore: &self.bctx.ignore,
            };
            let matched = copy::expand(&context, &[source.to_owned()], what)?;
            let digest = copy::digest(&context, &matched[..1])?;
            let found = &matched[0].found;
            let mut hidden = Vec::new();
            if found.meta.is_dir() && !self.bctx.ignore.is_empty() {
                ignored(
                    &self.bctx.root,
                    &self.bctx.ignore,
                    &matched[0].rel,
                    "",
                    &mut hidden,
                );
            }
            let tree = What::Tree {
                lowers: vec![found.host.clone()],
                dir: found.meta.is_dir(),
                rw,
                hidden,
            };
            return Ok((tree, digest));
        };
        let layers = self.layers_of(from)?;
        let image = Source::Image {
            layers: layers.clone(),
        };
        let matched = copy::expand(&image, &[source.to_owned()], what)?;
        let (rel, found) = (&matched[0].rel, &matched[0].found);
        let lowers = match found.meta.is_dir() {
            true => layered_dirs(&layers, rel),
            false => vec![found.host.clone()],
        };
        // Layers are kept by content: their paths say what the mount shows.
        let digest = format!("{from}:{rel}:{lowers:?}");
        let tree = What::Tree {
            lowers,
            dir: found.meta.is_dir(),
            rw,
            hidden: Vec::new(),
        };
        Ok((tree, digest))
    }
}

/// buildah's words for a required secret that was not given.
pub fn missing_secret(id: &str) -> BuildError {
    BuildError::Invalid(format!(
        "secret required but no secret with id {id:?} found: give it with --secret id={id},src=PATH"
    ))
}

/// Makes the resolved mounts ready for one run of the step.
pub fn ready(ctx: &Context, store: &Store, resolved: Vec<Resolved>) -> Result<Ready, BuildError> {
    let mut ready = Ready::default();
    for Resolved { target, what } in resolved {
        let mount = match what {
            What::Tree {
                lowers,
                dir,
                rw,
                hidden,
            } => tree(store, &mut ready, &target, &lowers, dir, rw, &hidden)?,
            What::Cache {
                id,
                sharing,
                source,
                ro,
                owner,
            } => {
                let dir = cache_dir(store, &mut ready, &id, sharing, owner)?;
                let dir = subdir(&dir, &source)?;
                bind(&target, &dir, !ro)?
            }
            What::Tmpfs { size } => {
                let mut options = vec!["nosuid".to_owned(), "nodev".to_owned()];
                options.extend(size.map(|s| format!("size={}", s.to_ascii_lowercase())));
                spec_mount(
                    json!({"destination": target, "type": "tmpfs", "source": "tmpfs",
                    "options": options}),
                )?
            }
            What::Secret { secret, owner } => {
                let dir = SecretDir::new(&ctx.runroot)?;
                let file = dir.write(&secret.read()?, owner)?;
                ready._secrets.push(dir);
                spec_mount(
                    json!({"destination": target, "type": "bind", "source": file,
                    "options": ["bind", "ro", "nosuid", "nodev", "noexec"]}),
                )?
            }
        };
        ready.mounts.push(mount);
        ready.targets.push(target);
    }
    Ok(ready)
}

/// A bind source: read-only as it is, or read-write over a throwaway copy (a
/// file) or a throwaway overlay upper dir (a directory), so that writes never
/// reach the context or a layer. Several directories are stacked by an overlay,
/// and what the ignore file leaves out is hidden by whiteouts in a lower dir on
/// top, as BuildKit's context leaves it out.
fn tree(
    store: &Store,
    ready: &mut Ready,
    target: &str,
    lowers: &[PathBuf],
    dir: bool,
    rw: bool,
    hidden: &[String],
) -> Result<Mount, BuildError> {
    let Some(top) = lowers.first() else {
        return Err(BuildError::Engine(format!(
            "RUN --mount: nothing to mount at {target}"
        )));
    };
    if !rw && lowers.len() == 1 && hidden.is_empty() {
        return bind(target, top, false);
    }
    let temp = store.temp_entry("mount")?;
    let io = |p: &Path| {
        let p = p.to_owned();
        move |e| BuildError::from(StoreError::io(&p, e))
    };
    std::fs::create_dir(temp.path()).map_err(io(temp.path()))?;
    if !dir {
        let copy = temp.path().join("file");
        std::fs::copy(top, &copy).map_err(io(top))?;
        let mount = bind(target, &copy, true)?;
        ready._temps.push(temp);
        return Ok(mount);
    }
    let hide = temp.path().join("hide");
    for rel in hidden {
        let path = hide.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        whiteout(&path).map_err(io(&path))?;
    }
    // Overlay refuses a lower dir named twice, and layers are shared by content.
    let mut seen = std::collections::HashSet::new();
    let lower: Vec<String> = (!hidden.is_empty())
        .then_some(&hide)
        .into_iter()
        .chain(lowers)
        .filter(|l| seen.insert(*l))
        .map(|l| l.display().to_string())
        .collect();
    // userxattr: layers mark opaque directories with user.overlay.opaque.
    let mut options = vec![format!("lowerdir={}", lower.join(":")), "userxattr".into()];
    if rw {
        let (upper, work) = (temp.path().join("upper"), temp.path().join("work"));
        for d in [&upper, &work] {
            std::fs::create_dir(d).map_err(io(d))?;
        }
        options.push(format!("upperdir={}", upper.display()));
        options.push(format!("workdir={}", work.display()));
    } else {
        options.push("ro".into());
    }
    ready._temps.push(temp);
    spec_mount(json!({"destination": target, "type": "overlay",
        "source": "overlay", "options": options}))
}

/// What the ignore file leaves out under the context directory `base`, as paths
/// relative to it (`under` so far); an excluded directory whose contents a `!`
/// rule may bring back is looked into instead. Symlinks are never followed.
fn ignored(root: &Path, ignore: &Ignore, base: &str, under: &str, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(root.join(base).join(under)) else {
        return;
    };
    for entry in entries.flatten() {
        let rel = source::join(under, &entry.file_name().to_string_lossy());
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        let excluded = ignore.excluded(&source::join(base, &rel));
        if excluded && !(is_dir && ignore.has_exceptions()) {
            out.push(rel);
        } else if is_dir {
            ignored(root, ignore, base, &rel, out);
        }
    }
}

/// Overlay's whiteout: a 0:0 character device, which hides the lower dirs' entry
/// of its name (user namespaces may make exactly this device, Linux >= 5.8).
fn whiteout(path: &Path) -> std::io::Result<()> {
    let c = std::ffi::CString::new(path.as_os_str().as_bytes())?;
    // SAFETY: a valid C string; mknod reads nothing else.
    match unsafe { libc::mknod(c.as_ptr(), libc::S_IFCHR, libc::makedev(0, 0)) } {
        0 => Ok(()),
        _ => Err(std::io::Error::last_os_error()),
    }
}

fn bind(target: &str, source: &Path, rw: bool) -> Result<Mount, BuildError> {
    let access = if rw { "rw" } else { "ro" };
    spec_mount(
        json!({"destination": target, "type": "bind", "source": source,
        "options": ["rbind", access]}),
    )
}

fn spec_mount(value: serde_json::Value) -> Result<Mount, BuildError> {
    serde_json::from_value(value).map_err(|e| BuildError::Engine(format!("RUN --mount: {e}")))
}

/// The cache id's directory, made with its mode and owner the first time, and
/// held as its sharing says.
fn cache_dir(
    store: &Store,
    ready: &mut Ready,
    id: &str,
    sharing: Sharing,
    owner: Owner,
) -> Result<PathBuf, BuildError> {
    let dir = store.cache_mount_dir(id);
    // Two mounts of one id in a RUN: the second must not wait for the first.
    if ready.locks.iter().any(|(held, _)| held == id) {
        return Ok(dir);
    }
    let lock_path = dir.with_extension("lock");
    if let Some(parent) = dir.parent() {
        std::fs::create_dir_all(parent).map_err(|e| StoreError::io(parent, e))?;
    }
    let lock = match sharing {
        Sharing::Shared => Some(Lock::acquire(&lock_path, Kind::Shared)?),
        Sharing::Locked => Some(Lock::acquire(&lock_path, Kind::Exclusive)?),
        Sharing::Private => Lock::try_exclusive(&lock_path)?,
    };
    let dir = match lock {
        Some(lock) => {
            ready.locks.push((id.to_owned(), lock));
            dir
        }
        // A private cache in use: an empty one of its own, as BuildKit gives.
        None => {
            let temp = store.temp_entry("cache")?;
            let path = temp.path().to_owned();
            ready._temps.push(temp);
            path
        }
    };
    match std::fs::create_dir(&dir) {
        Ok(()) => {
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(owner.mode))
                .and_then(|()| std::os::unix::fs::chown(&dir, Some(owner.uid), Some(owner.gid)))
                .map_err(|e| StoreError::io(&dir, e))?;
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(StoreError::io(&dir, e).into()),
    }
    Ok(dir)
}

/// `source=` inside a cache directory, made if missing. The directory holds
/// what earlier RUNs wrote, symlinks included: none is followed, so that a bind
/// never leaves it.
fn subdir(dir: &Path, source: &str) -> Result<PathBuf, BuildError> {
    let mut path = dir.to_owned();
    for part in source.split('/').filter(|p| !p.is_empty() && *p != ".") {
        if part == ".." {
            return Err(BuildError::Invalid(format!(
                "RUN --mount: source {source:?} is outside the cache"
            )));
        }
        path.push(part);
        match std::fs::symlink_metadata(&path) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                return Err(BuildError::Invalid(format!(
                    "RUN --mount: source {source:?} in the cache is not a directory"
                )))
            }
            Err(_) => std::fs::create_dir(&path).map_err(|e| StoreError::io(&path, e))?,
        }
    }
    Ok(path)
}
