//! The mounts of a container being created: its flags' requests, the mounts
//! of the containers named by `--volumes-from` and its image's VOLUMEs, made
//! one list. Everything is checked before anything is made; what was made
//! (volumes, `-v` bind sources) is undone if the container then cannot be.

use super::create;
use super::mounts::{Mount, MountKind};
use super::parse::{check_targets, MountRequest, VolumesFrom};
use super::VolumesError;
use crate::engine::images;
use crate::engine::store::Store;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// What becomes of an image's VOLUMEs (Podman's `--image-volume`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImageVolumes {
    /// An anonymous volume each (`bind`, Podman's default).
    #[default]
    Anonymous,
    /// A tmpfs each.
    Tmpfs,
    /// Nothing (and a build's RUN steps).
    Ignore,
}

impl std::str::FromStr for ImageVolumes {
    type Err = VolumesError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "bind" | "anonymous" => Ok(ImageVolumes::Anonymous),
            "tmpfs" => Ok(ImageVolumes::Tmpfs),
            "ignore" => Ok(ImageVolumes::Ignore),
            _ => Err(VolumesError::Invalid(format!(
                "invalid image volume mode {s:?}: use bind, tmpfs or ignore"
            ))),
        }
    }
}

/// What the plan starts from, besides the store.
pub struct PlanInput<'a> {
    pub requests: &'a [MountRequest],
    /// Each `--volumes-from`, with the other container's mounts.
    pub volumes_from: &'a [(VolumesFrom, Vec<Mount>)],
    /// The image's `config.Volumes`.
    pub image_volumes: &'a [String],
    pub image_mode: ImageVolumes,
    /// The container's user, for `U`.
    pub user: (u32, u32),
    /// Where `O` mounts keep their writes: one directory each under it.
    pub overlays: &'a Path,
}

/// The container's mounts, and what was made for them.
#[derive(Debug, Default)]
pub struct Planned {
    /// Parents before what is mounted inside them.
    pub mounts: Vec<Mount>,
    /// Every volume the container uses, for the store.
    pub volumes: Vec<String>,
    made_volumes: Vec<String>,
    made_dirs: Vec<PathBuf>,
}

impl Planned {
    /// Removes what the plan made, once the container cannot be made.
    pub fn undo(&self, store: &Store) {
        for name in &self.made_volumes {
            let _ = store.remove_volume(name);
        }
        for dir in self.made_dirs.iter().rev() {
            let _ = std::fs::remove_dir(dir);
        }
    }
}

/// Checks the input whole, then makes what is missing; returns the mounts.
pub fn plan(store: &Store, input: &PlanInput) -> Result<Planned, VolumesError> {
    let requests = gather(input)?;
    let image_layers = check(store, &requests)?;
    let mut planned = Planned::default();
    let made = make(store, input, &requests, &image_layers, &mut planned);
    if let Err(e) = made {
        planned.undo(store);
        return Err(e);
    }
    planned
        .mounts
        .sort_by_key(|m| Path::new(&m.destination).components().count());
    Ok(planned)
}

/// One list: the flags', then the other containers' mounts and the image's
/// VOLUMEs on targets the flags leave free.
enum Wanted<'a> {
    Request(MountRequest),
    Copied(&'a Mount, Option<bool>),
}

impl Wanted<'_> {
    fn destination(&self) -> &str {
        match self {
            Wanted::Request(r) => &r.destination,
            Wanted::Copied(m, _) => &m.destination,
        }
    }
}

fn gather<'a>(input: &'a PlanInput) -> Result<Vec<Wanted<'a>>, VolumesError> {
    check_targets(input.requests.iter().map(|r| r.destination.as_str()))?;
    let mut wanted: Vec<Wanted> = input
        .requests
        .iter()
        .cloned()
        .map(Wanted::Request)
        .collect();
    let mut taken: HashSet<String> = wanted.iter().map(|w| w.destination().to_owned()).collect();
    for (from, mounts) in input.volumes_from {
        for m in mounts.iter().filter(|m| m.kind != MountKind::Tmpfs) {
            if taken.insert(m.destination.clone()) {
                wanted.push(Wanted::Copied(m, from.read_only));
            }
        }
    }
    if input.image_mode == ImageVolumes::Ignore {
        return Ok(wanted);
    }
    for path in input.image_volumes {
        // An image's VOLUME is its author's: one that is not a clean absolute
        // path is taken from the root, never refused.
        let Ok(request) = super::parse::volume_flag(&format!("/{}", path.trim_start_matches('/')))
        else {
            continue;
        };
        if taken.insert(request.destination.clone()) {
            let request = match input.image_mode {
                ImageVolumes::Tmpfs => super::parse::tmpfs_flag(&request.destination)?,
                _ => request,
            };
            wanted.push(Wanted::Request(request));
        }
    }
    Ok(wanted)
}

/// Refuses what cannot be mounted, before anything is made; returns the
/// layers of each image mount, by image.
fn check(store: &Store, wanted: &[Wanted]) -> Result<Vec<(String, Vec<PathBuf>)>, VolumesError> {
    let mut layers = Vec::new();
    for w in wanted {
        let Wanted::Request(r) = w else { continue };
        match (r.kind, &r.source) {
            (MountKind::Bind, Some(src)) if !r.create_source && !Path::new(src).exists() => {
                return Err(VolumesError::Invalid(format!(
                    "invalid mount config for type \"bind\": bind source path does not exist: {src}"
                )))
            }
            (MountKind::Image, Some(image)) => {
                let id = images::resolve(store, image)?;
                let record = store.image(&id)?;
                let dirs = record
                    .layers
                    .iter()
                    .rev()
                    .map(|l| store.layer_path(l))
                    .collect::<Result<_, _>>()?;
                layers.push((id, dirs));
            }
            _ => {}
        }
    }
    Ok(layers)
}

fn make(
    store: &Store,
    input: &PlanInput,
    wanted: &[Wanted],
    image_layers: &[(String, Vec<PathBuf>)],
    planned: &mut Planned,
) -> Result<(), VolumesError> {
    let mut images = image_layers.iter();
    for w in wanted {
        let mount = match w {
            Wanted::Copied(m, read_only) => Mount {
                read_only: read_only.unwrap_or(m.read_only),
                copy_up: false,
                chown: None,
                overlay: m
                    .overlay
                    .as_ref()
                    .map(|_| input.overlays.join(planned.mounts.len().to_string())),
                ..(*m).clone()
            },
            Wanted::Request(r) => {
                let image = match r.kind {
                    MountKind::Image => images.next().cloned(),
                    _ => None,
                };
                made_mount(store, input, r, image, planned)?
            }
        };
        if let (MountKind::Volume, Some(name)) = (mount.kind, &mount.name) {
            planned.volumes.push(name.clone());
        }
        planned.mounts.push(mount);
    }
    Ok(())
}

/// The mount a request asks for, with its volume or bind source made.
fn made_mount(
    store: &Store,
    input: &PlanInput,
    r: &MountRequest,
    image: Option<(String, Vec<PathBuf>)>,
    planned: &mut Planned,
) -> Result<Mount, VolumesError> {
    let mut mount = Mount {
        kind: r.kind,
        name: None,
        source: PathBuf::new(),
        layers: Vec::new(),
        destination: r.destination.clone(),
        read_only: r.read_only,
        options: r.options.clone(),
        tmpfs: r.kind == MountKind::Tmpfs,
        copy_up: false,
        chown: r.chown.then_some(input.user),
        overlay: r
            .overlay
            .then(|| input.overlays.join(planned.mounts.len().to_string())),
    };
    match r.kind {
        MountKind::Bind => {
            let source = PathBuf::from(r.source.clone().unwrap_or_default());
            make_bind_source(&source, planned)?;
            mount.source = source;
        }
        MountKind::Volume => {
            let made = create::Made {
                labels: r.volume_labels.clone(),
                options: r.volume_options.clone(),
            };
            let volume = match &r.source {
                Some(name) => {
                    let existed = store.volume(name)?.is_some();
                    let v = create::ensure(store, name, &made)?;
                    if !existed {
                        planned.made_volumes.push(name.clone());
                    }
                    v
                }
                None => {
                    let v = create::anonymous(store, &made)?;
                    planned.made_volumes.push(v.name.clone());
                    v
                }
            };
            for default in ["nosuid", "nodev"] {
                let base = default.trim_start_matches("no");
                if !mount
                    .options
                    .iter()
                    .any(|o| o.trim_start_matches("no") == base)
                {
                    mount.options.push(default.into());
                }
            }
            mount.source = store.volume_dir(&volume.name).join("_data");
            if volume.is_tmpfs() {
                mount.tmpfs = true;
                mount.options.retain(|o| o != "bind" && o != "rbind");
                mount.options.extend(volume.mount_options());
            } else if let Some(device) = volume.device() {
                mount.source = PathBuf::from(device);
            } else {
                // One filled already spares the monitor its claim.
                mount.copy_up = r.copy_up && volume.needs_copy_up;
            }
            mount.name = Some(volume.name);
        }
        MountKind::Image => {
            let (id, layers) = image.unwrap_or_default();
            mount.source = layers.first().cloned().unwrap_or_default();
            mount.name = Some(id);
            mount.layers = layers;
            mount.read_only = true;
        }
        MountKind::Tmpfs => {}
    }
    Ok(mount)
}

/// `-v`'s bind source, made when missing as Docker makes it.
fn make_bind_source(source: &Path, planned: &mut Planned) -> Result<(), VolumesError> {
    if source.exists() {
        return Ok(());
    }
    let mut missing = Vec::new();
    let mut dir = Some(source);
    while let Some(d) = dir.filter(|d| !d.exists()) {
        missing.push(d.to_owned());
        dir = d.parent();
    }
    std::fs::create_dir_all(source).map_err(VolumesError::io(format!(
        "cannot create the bind source {}",
        source.display()
    )))?;
    planned.made_dirs.extend(missing.into_iter().rev());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::volumes::parse::{tmpfs_flag, volume_flag};

    fn input<'a>(
        requests: &'a [MountRequest],
        from: &'a [(VolumesFrom, Vec<Mount>)],
        image: &'a [String],
    ) -> PlanInput<'a> {
        PlanInput {
            requests,
            volumes_from: from,
            image_volumes: image,
            image_mode: ImageVolumes::Anonymous,
            user: (1000, 1000),
            overlays: Path::new("/c/overlay-mounts"),
        }
    }

    #[test]
    fn flags_win_over_volumes_from_and_the_image() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s")).unwrap();
        let bind = dir.path().join("made/here");
        let requests = [
            volume_flag(&format!("{}:/data:U", bind.display())).unwrap(),
            volume_flag("db:/db").unwrap(),
            tmpfs_flag("/tmp").unwrap(),
        ];
        let image = ["/db".to_string(), "cache/".to_string()];
        let planned = plan(&store, &input(&requests, &[], &image)).unwrap();
        let dests: Vec<&str> = planned
            .mounts
            .iter()
            .map(|m| m.destination.as_str())
            .collect();
        assert_eq!(dests, ["/data", "/db", "/tmp", "/cache"]);
        assert!(bind.is_dir());
        assert_eq!(planned.mounts[0].chown, Some((1000, 1000)));
        assert!(planned.mounts[1].copy_up);
        assert_eq!(planned.volumes.len(), 2);
        assert!(
            store
                .volume(&planned.volumes[1])
                .unwrap()
                .unwrap()
                .anonymous
        );
        planned.undo(&store);
        assert!(store.volumes().unwrap().is_empty());
        assert!(!dir.path().join("made").exists());

        let from = [(
            VolumesFrom {
                container: "other".into(),
                read_only: Some(true),
            },
            planned.mounts.clone(),
        )];
        let copied = plan(&store, &input(&[], &from, &[])).unwrap();
        assert_eq!(copied.mounts.len(), 3, "a tmpfs is not copied");
        assert!(copied.mounts.iter().all(|m| m.read_only && !m.copy_up));
    }

    #[test]
    fn nothing_is_made_when_a_mount_is_bad() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let dup = [volume_flag("a:/x").unwrap(), volume_flag("/y:/x").unwrap()];
        let err = plan(&store, &input(&dup, &[], &[])).unwrap_err();
        assert_eq!(err.to_string(), "/x: duplicate mount destination");
        let missing = [
            volume_flag("a:/a").unwrap(),
            super::super::parse::mount_flag("type=bind,src=/no/such/dir,dst=/b").unwrap(),
        ];
        let err = plan(&store, &input(&missing, &[], &[])).unwrap_err();
        assert!(err
            .to_string()
            .contains("bind source path does not exist: /no/such/dir"));
        assert!(store.volumes().unwrap().is_empty());
    }
}
