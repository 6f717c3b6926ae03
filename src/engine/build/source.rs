//! Where COPY and ADD read from: the build context (a directory, minus what the
//! ignore file leaves out) or another image (`--from`), read through its layers
//! without mounting them: the topmost layer that has a path wins, whiteouts and
//! opaque directories hide what is below.

use super::ignore::Ignore;
use crate::engine::store::unpack::{find_in_layers, is_opaque, is_whiteout};
use std::fs::Metadata;
use std::path::{Path, PathBuf};

pub enum Source<'a> {
    Context { root: &'a Path, ignore: &'a Ignore },
    Image { layers: Vec<PathBuf> },
}

#[derive(Debug)]
pub struct Found {
    pub host: PathBuf,
    pub meta: Metadata,
}

/// How many symlinks a source path may go through (as Linux allows).
const MAX_LINKS: usize = 40;

impl Source<'_> {
    /// The entry at `rel` (relative, `/`-separated; "" is the root), not followed.
    pub fn lookup(&self, rel: &str) -> Option<Found> {
        match self {
            Source::Context { root, ignore } => {
                if !rel.is_empty() && ignore.excluded(rel) && !ignore.has_exceptions() {
                    return None;
                }
                let host = root.join(rel);
                let meta = std::fs::symlink_metadata(&host).ok()?;
                Some(Found { host, meta })
            }
            Source::Image { layers } => layered_lookup(layers, rel),
        }
    }

    /// Like `lookup`, but symlinks on the way, and the last one, are followed
    /// within the source's root (as Docker resolves COPY sources).
    pub fn resolve(&self, rel: &str) -> Option<(String, Found)> {
        let mut parts: Vec<String> = split(rel);
        let mut done: Vec<String> = Vec::new();
        let mut links = 0;
        while !parts.is_empty() {
            let part = parts.remove(0);
            if part == ".." {
                done.pop();
                continue;
            }
            done.push(part);
            let here = done.join("/");
            let found = self.lookup(&here)?;
            if found.meta.file_type().is_symlink() {
                links += 1;
                if links > MAX_LINKS {
                    return None;
                }
                let target = std::fs::read_link(&found.host).ok()?;
                let target = target.to_string_lossy();
                done.pop();
                if target.starts_with('/') {
                    done.clear();
                }
                let mut rest = split(&target);
                rest.append(&mut parts);
                parts = rest;
            }
        }
        let rel = done.join("/");
        let found = self.lookup(&rel)?;
        Some((rel, found))
    }

    /// The names in directory `rel`, sorted; whiteouts and excluded entries left out.
    pub fn list(&self, rel: &str) -> Vec<String> {
        let mut names = match self {
            Source::Context { root, .. } => read_names(&root.join(rel)),
            Source::Image { layers } => layered_list(layers, rel),
        };
        if let Source::Context { ignore, .. } = self {
            if !ignore.has_exceptions() {
                names.retain(|n| !ignore.excluded(&join(rel, n)));
            }
        }
        names.sort();
        names
    }

    /// Whether `rel` is left out by the ignore file (only ever true for a context).
    pub fn excluded(&self, rel: &str) -> bool {
        match self {
            Source::Context { ignore, .. } => !rel.is_empty() && ignore.excluded(rel),
            Source::Image { .. } => false,
        }
    }
}

pub fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_owned()
    } else {
        format!("{dir}/{name}")
    }
}

fn split(path: &str) -> Vec<String> {
    path.split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .map(str::to_owned)
        .collect()
}

fn read_names(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// `layers` topmost first.
pub fn layered_lookup(layers: &[PathBuf], rel: &str) -> Option<Found> {
    find_in_layers(layers, Path::new(rel)).map(|(host, meta)| Found { host, meta })
}

/// The directories that, stacked as overlay lower dirs (topmost first), show the
/// directory at `rel` of `layers` (topmost first): each layer's own `rel`, down to
/// the first layer that hides what is below it (a whiteout, a file on the way, or
/// an opaque directory).
pub fn layered_dirs(layers: &[PathBuf], rel: &str) -> Vec<PathBuf> {
    let parts = split(rel);
    let mut out = Vec::new();
    for layer in layers {
        let mut host = layer.clone();
        let mut hides_below = false;
        let mut present = true;
        for part in &parts {
            host.push(part);
            match std::fs::symlink_metadata(&host) {
                Ok(meta) if is_whiteout(&meta) || !meta.is_dir() => return out,
                Ok(_) => hides_below |= is_opaque(&host),
                Err(_) => {
                    present = false;
                    break;
                }
            }
        }
        if present {
            out.push(host);
        }
        if hides_below {
            break;
        }
    }
    out
}

fn layered_list(layers: &[PathBuf], rel: &str) -> Vec<String> {
    let mut seen = std::collections::BTreeMap::new();
    for layer in layers {
        let dir = layer.join(rel);
        let Ok(meta) = std::fs::symlink_metadata(&dir) else {
            continue;
        };
        if !meta.is_dir() {
            break;
        }
        for name in read_names(&dir) {
            let visible = std::fs::symlink_metadata(dir.join(&name))
                .map(|m| !is_whiteout(&m))
                .unwrap_or(false);
            seen.entry(name).or_insert(visible);
        }
        if is_opaque(&dir) {
            break;
        }
    }
    seen.into_iter()
        .filter(|(_, visible)| *visible)
        .map(|(n, _)| n)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_is_stacked_down_to_what_hides_it() {
        let dir = tempfile::tempdir().unwrap();
        let layers: Vec<PathBuf> = ["top", "middle", "file", "bottom"]
            .iter()
            .map(|l| dir.path().join(l))
            .collect();
        for l in [&layers[0], &layers[1], &layers[3]] {
            std::fs::create_dir_all(l.join("out")).unwrap();
        }
        // A file at the path hides the lower layers' directory.
        std::fs::create_dir_all(&layers[2]).unwrap();
        std::fs::write(layers[2].join("out"), "").unwrap();
        assert_eq!(
            layered_dirs(&layers, "/out"),
            [layers[0].join("out"), layers[1].join("out")]
        );
        assert_eq!(layered_dirs(&layers[3..], "out"), [layers[3].join("out")]);
        assert!(layered_dirs(&layers, "nope").is_empty());
    }

    #[test]
    fn layers_hide_and_override() {
        let dir = tempfile::tempdir().unwrap();
        let (top, bottom) = (dir.path().join("top"), dir.path().join("bottom"));
        std::fs::create_dir_all(bottom.join("etc")).unwrap();
        std::fs::write(bottom.join("etc/a"), "old").unwrap();
        std::fs::write(bottom.join("etc/b"), "b").unwrap();
        std::fs::create_dir_all(top.join("etc")).unwrap();
        std::fs::write(top.join("etc/a"), "new").unwrap();
        std::os::unix::fs::symlink("etc/a", top.join("link")).unwrap();
        let source = Source::Image {
            layers: vec![top.clone(), bottom],
        };
        let a = source.lookup("etc/a").unwrap();
        assert_eq!(std::fs::read_to_string(a.host).unwrap(), "new");
        assert_eq!(source.list("etc"), ["a", "b"]);
        let (rel, found) = source.resolve("/link").unwrap();
        assert_eq!(rel, "etc/a");
        assert!(found.meta.is_file());
        assert!(source.lookup("nope").is_none());
    }
}
