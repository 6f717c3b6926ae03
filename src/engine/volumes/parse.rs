//! The mount flags of `run` and `create`, as Podman parses them: `-v`,
//! `--mount`, `--tmpfs` and `--volumes-from`, each checked on its own into a
//! request. Nothing here looks at the store or the image (see plan.rs).

use super::create::check_name;
use super::mounts::{MountKind, PROPAGATION};
use super::VolumesError;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// A mount as the flags ask for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MountRequest {
    pub kind: MountKind,
    /// bind: the host path (absolute); volume: its name (None: a new
    /// anonymous one); image: the image; tmpfs: none.
    pub source: Option<String>,
    /// Absolute and clean.
    pub destination: String,
    pub read_only: bool,
    /// Mount options besides ro/rw: [r]bind, propagation, [no]exec|suid|dev,
    /// and a tmpfs's size=, mode=...
    pub options: Vec<String>,
    /// Fill a new, empty volume with what the image has there (not `nocopy`).
    pub copy_up: bool,
    /// `U`: the source belongs to the container's user.
    pub chown: bool,
    /// `-v` creates a bind source that is missing, as Docker does; `--mount`
    /// refuses it.
    pub create_source: bool,
    /// `O`: the host directory is the lower layer of an overlay whose writes
    /// are thrown away when the container stops.
    pub overlay: bool,
    /// `--mount`'s `volume-label=K=V` and `volume-opt=K=V`: for the volume,
    /// if this makes it.
    pub volume_labels: Vec<(String, String)>,
    pub volume_options: Vec<(String, String)>,
}

/// `--volumes-from CTR[:ro|rw]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolumesFrom {
    pub container: String,
    /// None: each mount as the other container has it.
    pub read_only: Option<bool>,
}

const FLAGS: [&str; 6] = ["exec", "noexec", "suid", "nosuid", "dev", "nodev"];
/// A tmpfs's own options (key=value), passed to the kernel.
const TMPFS_KEYS: [&str; 6] = ["size", "mode", "uid", "gid", "nr_inodes", "nr_blocks"];
/// Podman's defaults for a tmpfs.
const TMPFS_DEFAULTS: [&str; 3] = ["noexec", "nosuid", "nodev"];

fn invalid(message: String) -> VolumesError {
    VolumesError::Invalid(message)
}

impl MountRequest {
    pub fn new(
        kind: MountKind,
        source: Option<String>,
        destination: &str,
    ) -> Result<Self, VolumesError> {
        Ok(MountRequest {
            kind,
            source,
            destination: destination_path(destination)?,
            read_only: false,
            options: Vec::new(),
            copy_up: true,
            chown: false,
            create_source: false,
            overlay: false,
            volume_labels: Vec::new(),
            volume_options: Vec::new(),
        })
    }

    /// One option of `-v`'s third part, or a bare word in `--mount`.
    fn option(&mut self, opt: &str, seen_rw: &mut bool) -> Result<(), VolumesError> {
        let tmpfs = self.kind == MountKind::Tmpfs;
        let key = opt.split_once('=').map_or(opt, |(k, _)| k);
        match opt {
            "ro" | "rw" | "readonly" => {
                if std::mem::replace(seen_rw, true) {
                    return Err(invalid("only one of 'rw' and 'ro' can be used".into()));
                }
                self.read_only = opt != "rw";
            }
            // No SELinux here: relabelling has nothing to do, as Podman without it.
            "z" | "Z" => {}
            "U" if !tmpfs => self.chown = true,
            "O" if self.kind == MountKind::Bind => self.overlay = true,
            "O" => {
                return Err(invalid(
                    "the O (overlay) option is only for host directories".into(),
                ))
            }
            "nocopy" | "copy" if self.kind == MountKind::Volume => self.copy_up = opt == "copy",
            "bind" | "rbind" if !tmpfs => self.set_one(opt, &["bind", "rbind"])?,
            p if PROPAGATION.contains(&p) && !tmpfs => self.set_one(p, &PROPAGATION)?,
            f if FLAGS.contains(&f) => {
                let base = f.trim_start_matches("no");
                self.options.retain(|o| o.trim_start_matches("no") != base);
                self.options.push(f.to_owned());
            }
            "tmpcopyup" | "notmpcopyup" if tmpfs => {}
            _ if tmpfs && TMPFS_KEYS.contains(&key) && opt.contains('=') => {
                self.options.retain(|o| !o.starts_with(&format!("{key}=")));
                self.options.push(opt.to_owned());
            }
            _ => {
                return Err(invalid(format!(
                    "unknown mount option {opt:?}: use ro, rw, z, Z, U, nocopy, [r]bind, [r]shared, [r]slave, [r]private, [no]exec, [no]suid, [no]dev{}",
                    if tmpfs { ", size=, mode=" } else { "" }
                )))
            }
        }
        Ok(())
    }

    /// Sets one of a group of options that exclude each other.
    fn set_one(&mut self, opt: &str, group: &[&str]) -> Result<(), VolumesError> {
        if let Some(other) = self.options.iter().find(|o| group.contains(&o.as_str())) {
            if other != opt {
                return Err(invalid(format!(
                    "conflicting mount options {other} and {opt}: give one"
                )));
            }
        }
        self.options.retain(|o| o != opt);
        self.options.push(opt.to_owned());
        Ok(())
    }
}

/// Whether `-v` takes `word` as an option (a key=value one is a tmpfs's).
fn option_word(word: &str) -> bool {
    const WORDS: [&str; 9] = ["ro", "rw", "z", "Z", "U", "O", "nocopy", "copy", "bind"];
    WORDS.contains(&word) || word == "rbind" || PROPAGATION.contains(&word) || FLAGS.contains(&word)
}

/// The container path, absolute and clean (`/a/./b/../c/` is `/a/c`).
fn destination_path(given: &str) -> Result<String, VolumesError> {
    if !given.starts_with('/') {
        return Err(invalid(format!(
            "invalid container path {given:?}, must be an absolute path"
        )));
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in given.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    Ok(format!("/{}", parts.join("/")))
}

/// A host path, absolute (a relative one is taken from the working directory).
fn host_path(given: &str) -> Result<String, VolumesError> {
    let absolute = std::path::absolute(Path::new(given))
        .map_err(|e| invalid(format!("invalid source path {given:?}: {e}")))?;
    Ok(absolute.to_string_lossy().into_owned())
}

/// `-v [SOURCE:]CONTAINER-DIR[:OPTIONS]`: a bind when SOURCE is a path (it
/// starts with / or .), a named volume when it is a name, an anonymous one
/// without it.
pub fn volume_flag(spec: &str) -> Result<MountRequest, VolumesError> {
    let parts: Vec<&str> = spec.split(':').collect();
    let (source, destination, options) = match parts.as_slice() {
        [dest] => (None, *dest, None),
        // `/ctr:ro` is an anonymous volume with options; `/host:ctr` a bind
        // whose container path is wrong, and said so.
        [dest, opts] if dest.starts_with('/') && opts.split(',').all(option_word) => {
            (None, *dest, Some(*opts))
        }
        [src, dest] => (Some(*src), *dest, None),
        [src, dest, opts] => (Some(*src), *dest, Some(*opts)),
        _ => {
            return Err(invalid(format!(
                "incorrect volume format {spec:?}: use [SOURCE:]CONTAINER-DIR[:OPTIONS]"
            )))
        }
    };
    let mut request = match source {
        None => MountRequest::new(MountKind::Volume, None, destination)?,
        Some("") => {
            return Err(invalid(format!(
                "incorrect volume format {spec:?}: the source is empty"
            )))
        }
        Some(src) if src.starts_with(['/', '.']) => {
            let mut r = MountRequest::new(MountKind::Bind, Some(host_path(src)?), destination)?;
            r.create_source = true;
            r
        }
        Some(name) => {
            check_name(name)?;
            MountRequest::new(MountKind::Volume, Some(name.to_owned()), destination)?
        }
    };
    let mut seen_rw = false;
    for opt in options.into_iter().flat_map(|o| o.split(',')) {
        request.option(opt, &mut seen_rw)?;
    }
    Ok(request)
}

/// `--tmpfs CONTAINER-DIR[:OPTIONS]`, with Podman's defaults (noexec, nosuid,
/// nodev) unless the options say otherwise.
pub fn tmpfs_flag(spec: &str) -> Result<MountRequest, VolumesError> {
    let (destination, options) = spec.split_once(':').unwrap_or((spec, ""));
    let mut request = MountRequest::new(MountKind::Tmpfs, None, destination)?;
    tmpfs_defaults(&mut request);
    let mut seen_rw = false;
    for opt in options.split(',').filter(|o| !o.is_empty()) {
        request.option(opt, &mut seen_rw)?;
    }
    Ok(request)
}

fn tmpfs_defaults(request: &mut MountRequest) {
    request.options = TMPFS_DEFAULTS.iter().map(|s| s.to_string()).collect();
}

/// `--mount type=bind|volume|tmpfs|image,src=...,dst=...[,ro]...`, with
/// Docker's keys and Podman's bare options.
pub fn mount_flag(spec: &str) -> Result<MountRequest, VolumesError> {
    let mut kind = MountKind::Volume;
    let mut source = None;
    let mut destination = None;
    let mut rest = Vec::new();
    for item in spec.split(',') {
        let (key, value) = match item.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (item, None),
        };
        match (key, value) {
            ("type", Some(t)) => {
                kind = match t {
                    "bind" => MountKind::Bind,
                    "volume" => MountKind::Volume,
                    "tmpfs" => MountKind::Tmpfs,
                    "image" => MountKind::Image,
                    _ => {
                        return Err(invalid(format!(
                            "invalid mount type {t:?}: use bind, volume, tmpfs or image"
                        )))
                    }
                }
            }
            ("source" | "src", Some(s)) if !s.is_empty() => source = Some(s.to_owned()),
            ("destination" | "dst" | "target", Some(d)) => destination = Some(d.to_owned()),
            _ => rest.push((key, value)),
        }
    }
    let destination = destination.ok_or_else(|| {
        invalid(format!(
            "--mount {spec:?}: the destination (dst=, target=) is required"
        ))
    })?;
    let source = match (&kind, source) {
        (MountKind::Tmpfs, Some(_)) => {
            return Err(invalid(format!("--mount {spec:?}: a tmpfs has no source")))
        }
        (MountKind::Bind, Some(s)) => Some(host_path(&s)?),
        (MountKind::Bind | MountKind::Image, None) => {
            return Err(invalid(format!(
                "--mount {spec:?}: the source (src=) is required"
            )))
        }
        (MountKind::Volume, Some(name)) => {
            check_name(&name)?;
            Some(name)
        }
        (_, s) => s,
    };
    let mut request = MountRequest::new(kind, source, &destination)?;
    if request.kind == MountKind::Tmpfs {
        tmpfs_defaults(&mut request);
    }
    if request.kind == MountKind::Image {
        request.read_only = true;
    }
    let mut seen_rw = false;
    for (key, value) in rest {
        mount_key(&mut request, key, value, &mut seen_rw)?;
    }
    Ok(request)
}

/// One `KEY[=VALUE]` of `--mount` besides type, source and destination.
fn mount_key(
    r: &mut MountRequest,
    key: &str,
    value: Option<&str>,
    seen_rw: &mut bool,
) -> Result<(), VolumesError> {
    let yes = |v: Option<&str>| -> Result<bool, VolumesError> {
        match v {
            None | Some("true" | "1") => Ok(true),
            Some("false" | "0") => Ok(false),
            Some(v) => Err(invalid(format!(
                "invalid value {v:?} for mount option {key}: use true or false"
            ))),
        }
    };
    match (key, value) {
        ("readonly" | "ro", v) => {
            let ro = yes(v)?;
            r.option(if ro { "ro" } else { "rw" }, seen_rw)
        }
        ("rw", v) => {
            let rw = yes(v)?;
            r.option(if rw { "rw" } else { "ro" }, seen_rw)
        }
        ("bind-propagation", Some(p)) if r.kind == MountKind::Bind => r.option(p, seen_rw),
        ("bind-nonrecursive", v) if r.kind == MountKind::Bind => match yes(v)? {
            true => r.option("bind", seen_rw),
            false => Ok(()),
        },
        ("volume-nocopy", v) if r.kind == MountKind::Volume => {
            r.copy_up = !yes(v)?;
            Ok(())
        }
        ("volume-driver", Some("local")) if r.kind == MountKind::Volume => Ok(()),
        ("volume-label", Some(pair)) if r.kind == MountKind::Volume => {
            r.volume_labels.push(split_pair(key, pair)?);
            Ok(())
        }
        ("volume-opt", Some(pair)) if r.kind == MountKind::Volume => {
            r.volume_options.push(split_pair(key, pair)?);
            Ok(())
        }
        ("tmpfs-size", Some(size)) if r.kind == MountKind::Tmpfs => {
            r.option(&format!("size={size}"), seen_rw)
        }
        ("tmpfs-mode", Some(mode)) if r.kind == MountKind::Tmpfs => {
            r.option(&format!("mode={mode}"), seen_rw)
        }
        ("chown", v) if r.kind != MountKind::Tmpfs => {
            r.chown = yes(v)?;
            Ok(())
        }
        // SELinux relabelling, and Docker's macOS-only consistency: nothing to do here.
        ("relabel", Some("shared" | "private")) | ("consistency", Some(_)) => Ok(()),
        (word, None) => r.option(word, seen_rw),
        (key, Some(value)) => Err(invalid(format!(
            "unknown mount option {key}={value} for type {}",
            r.kind.as_str()
        ))),
    }
}

/// `KEY=VALUE` of `volume-label=` and `volume-opt=`.
fn split_pair(key: &str, pair: &str) -> Result<(String, String), VolumesError> {
    match pair.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_owned(), v.to_owned())),
        _ => Err(invalid(format!(
            "invalid mount option {key}={pair}: give {key}=KEY=VALUE"
        ))),
    }
}

/// `--volumes-from CTR[:OPTIONS]`, options ro, rw, z, Z.
pub fn volumes_from_flag(spec: &str) -> Result<VolumesFrom, VolumesError> {
    let (container, options) = spec.split_once(':').unwrap_or((spec, ""));
    if container.is_empty() {
        return Err(invalid(format!(
            "--volumes-from {spec:?}: name a container"
        )));
    }
    let mut read_only = None;
    for opt in options.split(',').filter(|o| !o.is_empty()) {
        match opt {
            "ro" | "rw" if read_only.is_some() => {
                return Err(invalid("only one of 'rw' and 'ro' can be used".into()))
            }
            "ro" | "rw" => read_only = Some(opt == "ro"),
            "z" | "Z" => {}
            _ => {
                return Err(invalid(format!(
                    "invalid option {opt:?} for --volumes-from: use ro, rw, z or Z"
                )))
            }
        }
    }
    Ok(VolumesFrom {
        container: container.to_owned(),
        read_only,
    })
}

/// Refuses two mounts on one target (Podman's wording).
pub fn check_targets<'a>(
    destinations: impl IntoIterator<Item = &'a str>,
) -> Result<(), VolumesError> {
    let mut seen = std::collections::HashSet::new();
    for d in destinations {
        if !seen.insert(d) {
            return Err(invalid(format!("{d}: duplicate mount destination")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v_takes_binds_named_and_anonymous_volumes() {
        let bind = volume_flag("/srv/data:/data:ro,Z,rshared,noexec").unwrap();
        assert_eq!(bind.kind, MountKind::Bind);
        assert_eq!(bind.source.as_deref(), Some("/srv/data"));
        assert!(bind.read_only && bind.create_source);
        assert_eq!(bind.options, ["rshared", "noexec"]);
        let named = volume_flag("db:/var/lib/db/:nocopy,U").unwrap();
        assert_eq!(named.kind, MountKind::Volume);
        assert_eq!(named.destination, "/var/lib/db");
        assert!(!named.copy_up && named.chown);
        let anon = volume_flag("/cache").unwrap();
        assert_eq!((anon.kind, anon.source), (MountKind::Volume, None));
        let anon_ro = volume_flag("/cache:ro").unwrap();
        assert!(anon_ro.read_only);
        let relative = volume_flag("./here:/x").unwrap();
        assert!(relative.source.unwrap().starts_with('/'));
    }

    #[test]
    fn bad_v_flags_say_what_is_wrong() {
        let err = |s: &str| volume_flag(s).unwrap_err().to_string();
        assert_eq!(
            err("/srv:data"),
            "invalid container path \"data\", must be an absolute path"
        );
        assert!(err("data").contains("must be an absolute path"));
        assert_eq!(
            err("/host:data"),
            "invalid container path \"data\", must be an absolute path"
        );
        assert!(err("/a:/b:foo").starts_with("unknown mount option \"foo\""));
        assert!(err("/a:/b:ro,rw").contains("only one of 'rw' and 'ro'"));
        assert!(volume_flag("/a:/b:O").unwrap().overlay);
        assert!(err("name:/b:O").contains("overlay"));
        assert!(err("bad@name:/b").contains("names must match"));
        assert!(err("/a:/b:ro:x").contains("incorrect volume format"));
        assert!(err("/a:/b:shared,slave").contains("conflicting mount options"));
    }

    #[test]
    fn mount_takes_dockers_and_podmans_keys() {
        let m = mount_flag("type=bind,source=/srv,target=/data,readonly,bind-propagation=rslave")
            .unwrap();
        assert_eq!(m.kind, MountKind::Bind);
        assert!(m.read_only && !m.create_source);
        assert_eq!(m.options, ["rslave"]);
        let v = mount_flag("type=volume,src=db,dst=/db,volume-nocopy,ro=false").unwrap();
        assert!(!v.copy_up && !v.read_only);
        let v =
            mount_flag("type=volume,src=t,dst=/t,volume-opt=type=tmpfs,volume-label=a=b").unwrap();
        assert_eq!(v.volume_options, [("type".into(), "tmpfs".into())]);
        assert_eq!(v.volume_labels, [("a".into(), "b".into())]);
        assert!(mount_flag("type=volume,src=t,dst=/t,volume-opt=type")
            .unwrap_err()
            .to_string()
            .contains("volume-opt=KEY=VALUE"));
        let t = mount_flag("type=tmpfs,dst=/t,tmpfs-size=1m,tmpfs-mode=1777").unwrap();
        assert_eq!(
            t.options,
            ["noexec", "nosuid", "nodev", "size=1m", "mode=1777"]
        );
        let anon = mount_flag("dst=/anon").unwrap();
        assert_eq!((anon.kind, anon.source), (MountKind::Volume, None));
        let err = |s: &str| mount_flag(s).unwrap_err().to_string();
        assert!(err("type=bind,dst=/x").contains("source"));
        assert!(err("type=bind,src=/x").contains("destination"));
        assert!(err("type=nfs,dst=/x").contains("invalid mount type"));
        assert!(err("type=bind,src=/x,dst=/y,foo=bar").contains("unknown mount option foo=bar"));
        assert!(err("type=volume,src=/x,dst=/y").contains("names must match"));
        assert!(err("type=tmpfs,src=x,dst=/y").contains("no source"));
    }

    #[test]
    fn tmpfs_and_volumes_from_flags() {
        let t = tmpfs_flag("/run:size=64k,exec").unwrap();
        assert_eq!(t.options, ["nosuid", "nodev", "size=64k", "exec"]);
        assert!(tmpfs_flag("run").is_err());
        assert!(tmpfs_flag("/run:rbind").is_err());
        let from = volumes_from_flag("box:ro").unwrap();
        assert_eq!(from.read_only, Some(true));
        assert_eq!(volumes_from_flag("box").unwrap().read_only, None);
        assert!(volumes_from_flag("box:foo").is_err());
        assert!(check_targets(["/a", "/b", "/a"])
            .unwrap_err()
            .to_string()
            .starts_with("/a: duplicate mount destination"));
    }
}
