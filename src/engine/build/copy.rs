//! COPY and ADD: which entries the sources name (globs, directories), a digest of
//! them for the cache, and the copy itself into a fresh layer directory, with
//! Docker's rules for where things land.

use super::source::{join, Found, Source};
use super::BuildError;
use nix::sys::stat::{utimensat, UtimensatFlags};
use nix::sys::time::TimeSpec;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// One source that exists: its path in the source and what is there.
pub struct Matched {
    pub rel: String,
    pub found: Found,
}

pub struct Target<'a> {
    /// Absolute path in the image.
    pub dest: &'a str,
    /// None: the source's owner for another image, root for the context.
    pub owner: Option<(u32, u32)>,
    pub chmod: Option<u32>,
    /// ADD: local tar archives are unpacked at the destination.
    pub extract: bool,
    /// The image being built, topmost layer first (to find existing directories).
    pub image_layers: &'a [PathBuf],
    pub ignore_chown_errors: bool,
}

/// Finds every source; a missing one, or one outside the root, is an error.
pub fn expand(source: &Source, srcs: &[String], what: &str) -> Result<Vec<Matched>, BuildError> {
    let mut out = Vec::new();
    for src in srcs {
        if climbs_out(src) {
            return Err(BuildError::Source(format!(
                "{what} source {src:?} is outside the build context"
            )));
        }
        let before = out.len();
        if src.contains(['*', '?', '[']) {
            glob(source, "", &split(src), &mut out);
        } else if let Some((rel, found)) = source.resolve(src) {
            if !source.excluded(&rel) {
                out.push(Matched { rel, found });
            }
        }
        if out.len() == before {
            return Err(BuildError::Source(format!(
                "{what} source {src:?} not found{}",
                if matches!(source, Source::Context { .. }) {
                    " in the build context (or excluded by .dockerignore)"
                } else {
                    ""
                }
            )));
        }
    }
    Ok(out)
}

/// Docker refuses `../x`; a leading `/` means the context root.
pub fn climbs_out(src: &str) -> bool {
    let mut depth = 0i32;
    for part in src.split('/') {
        match part {
            "" | "." => {}
            ".." => depth -= 1,
            _ => depth += 1,
        }
        if depth < 0 {
            return true;
        }
    }
    false
}

fn split(path: &str) -> Vec<&str> {
    path.split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect()
}

fn glob(source: &Source, dir: &str, parts: &[&str], out: &mut Vec<Matched>) {
    let Some((first, rest)) = parts.split_first() else {
        return;
    };
    let Ok(pattern) = glob::Pattern::new(first) else {
        return;
    };
    for name in source.list(dir) {
        if !pattern.matches(&name) {
            continue;
        }
        let rel = join(dir, &name);
        let Some(found) = source.lookup(&rel) else {
            continue;
        };
        if rest.is_empty() {
            if !source.excluded(&rel) {
                out.push(Matched { rel, found });
            }
        } else if found.meta.is_dir() {
            glob(source, &rel, rest, out);
        }
    }
}

/// A digest of names, types, modes, owners and contents (not times, as Docker).
pub fn digest(source: &Source, matched: &[Matched]) -> Result<String, BuildError> {
    let mut hasher = Sha256::new();
    for m in matched {
        hasher.update(m.rel.as_bytes());
        hash_tree(source, &m.rel, &m.found, &mut hasher)?;
    }
    Ok(hex::encode(hasher.finalize()))
}

fn hash_tree(
    source: &Source,
    rel: &str,
    found: &Found,
    hasher: &mut Sha256,
) -> Result<(), BuildError> {
    let meta = &found.meta;
    hasher.update(
        format!(
            "\0{rel}\0{:o}\0{}:{}\0{}\0",
            meta.mode(),
            meta.uid(),
            meta.gid(),
            meta.len()
        )
        .as_bytes(),
    );
    if meta.is_symlink() {
        let target = std::fs::read_link(&found.host).map_err(|e| read_err(&found.host, e))?;
        hasher.update(target.as_os_str().as_encoded_bytes());
    } else if meta.is_file() {
        let mut file = std::fs::File::open(&found.host).map_err(|e| read_err(&found.host, e))?;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = file.read(&mut buf).map_err(|e| read_err(&found.host, e))?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
    } else if meta.is_dir() {
        for name in source.list(rel) {
            let child = join(rel, &name);
            if source.excluded(&child) && !child_included(source, &child) {
                continue;
            }
            if let Some(found) = source.lookup(&child) {
                hash_tree(source, &child, &found, hasher)?;
            }
        }
    }
    Ok(())
}

/// An excluded directory is still walked when an exception may re-include
/// something under it; an excluded file is skipped.
fn child_included(source: &Source, rel: &str) -> bool {
    source.lookup(rel).is_some_and(|f| {
        f.meta.is_dir()
            && matches!(source, Source::Context { ignore, .. } if ignore.has_exceptions())
    })
}

fn read_err(path: &Path, e: std::io::Error) -> BuildError {
    BuildError::Source(format!("cannot read {}: {e}", path.display()))
}

fn write_err(path: &Path, e: impl std::fmt::Display) -> BuildError {
    BuildError::Engine(format!("cannot write {}: {e}", path.display()))
}

/// Copies the sources into `out` (the new layer's directory) at `target.dest`.
pub fn copy(
    source: &Source,
    matched: &[Matched],
    target: &Target,
    out: &Path,
) -> Result<(), BuildError> {
    let image = target.image();
    let dest = resolve_dest(&image, target.dest);
    let into_dir = target.dest.ends_with('/')
        || matched.len() > 1
        || image.resolve(&dest).is_some_and(|(_, f)| f.meta.is_dir());
    let copier = Copier {
        source,
        target,
        out,
        image: &image,
    };
    for m in matched {
        if m.found.meta.is_dir() {
            copier.make_parents(&dest)?;
            copier.dir_at(&dest, Some(&m.found))?;
            copier.contents(&m.rel, &dest)?;
        } else if target.extract && is_archive(&m.found.host) {
            copier.make_parents(&dest)?;
            copier.dir_at(&dest, None)?;
            copier.extract(&m.found.host, &dest)?;
        } else {
            let at = if into_dir {
                let name = m.rel.rsplit('/').next().unwrap_or(&m.rel);
                join(&dest, name)
            } else {
                dest.clone()
            };
            copier.make_parents(&at)?;
            copier.entry(&m.rel, &m.found, &at)?;
        }
    }
    Ok(())
}

/// Creates `target.dest` (a WORKDIR) and its parents, as the image has them or
/// 0755 root.
pub fn make_dir(target: &Target, out: &Path) -> Result<(), BuildError> {
    let image = target.image();
    let copier = Copier::of_image(&image, target, out);
    let dest = resolve_dest(&image, target.dest);
    copier.make_parents(&dest)?;
    copier.dir_at(&dest, None)
}

/// Writes a heredoc source (`COPY <<EOF /dest`) as file `name`, 0644 unless chmod.
pub fn write_file(
    target: &Target,
    out: &Path,
    name: &str,
    bytes: &[u8],
    into_dir: bool,
) -> Result<(), BuildError> {
    let image = target.image();
    let copier = Copier::of_image(&image, target, out);
    let dest = resolve_dest(&image, target.dest);
    let at = if into_dir || target.dest.ends_with('/') {
        join(&dest, name)
    } else {
        dest
    };
    copier.make_parents(&at)?;
    let path = out.join(&at);
    std::fs::write(&path, bytes).map_err(|e| write_err(&path, e))?;
    copier.set_meta(
        &path,
        target.chmod.unwrap_or(0o644),
        copier.owner_default(),
        None,
    )
}

/// The destination relative to the image root, with symlinked directories on the
/// way resolved (so COPY into /bin of an image where /bin -> usr/bin lands in
/// usr/bin rather than replacing the link).
fn resolve_dest(image: &Source, dest: &str) -> String {
    let parts = split(dest);
    for n in (1..=parts.len()).rev() {
        let prefix = parts[..n].join("/");
        if let Some((real, found)) = image.resolve(&prefix) {
            if found.meta.is_dir() {
                let mut path = real;
                for rest in &parts[n..] {
                    path = join(&path, rest);
                }
                return path;
            }
        }
    }
    parts.join("/")
}

fn is_archive(path: &Path) -> bool {
    let mut head = [0u8; 512];
    let Ok(mut file) = std::fs::File::open(path) else {
        return false;
    };
    let n = file.read(&mut head).unwrap_or(0);
    if n >= 2 && head[..2] == [0x1f, 0x8b] {
        return true;
    }
    n == 512 && &head[257..262] == b"ustar"
}

struct Copier<'a> {
    source: &'a Source<'a>,
    target: &'a Target<'a>,
    out: &'a Path,
    image: &'a Source<'a>,
}

impl<'a> Target<'a> {
    /// The image being built, as a source (for existing directories and files).
    fn image(&self) -> Source<'a> {
        Source::Image {
            layers: self.image_layers.to_vec(),
        }
    }
}

impl<'a> Copier<'a> {
    /// A copier that only creates things (directories, heredoc files).
    fn of_image(image: &'a Source<'a>, target: &'a Target<'a>, out: &'a Path) -> Copier<'a> {
        Copier {
            source: image,
            target,
            out,
            image,
        }
    }

    /// Creates the missing directories above `rel`, as the image has them or 0755 root.
    fn make_parents(&self, rel: &str) -> Result<(), BuildError> {
        let parts = split(rel);
        for n in 1..parts.len() {
            let prefix = parts[..n].join("/");
            let path = self.out.join(&prefix);
            if path.symlink_metadata().is_ok() {
                continue;
            }
            std::fs::create_dir(&path).map_err(|e| write_err(&path, e))?;
            match self.image.lookup(&prefix) {
                Some(f) if f.meta.is_dir() => {
                    self.set_meta(&path, f.meta.mode(), (f.meta.uid(), f.meta.gid()), None)?
                }
                _ => self.set_meta(&path, 0o755, (0, 0), None)?,
            }
        }
        Ok(())
    }

    /// The directory `rel` itself: like `from` when given, else as the image has it
    /// or 0755 root.
    fn dir_at(&self, rel: &str, from: Option<&Found>) -> Result<(), BuildError> {
        let path = self.out.join(rel);
        if path.symlink_metadata().is_ok_and(|m| m.is_dir()) {
            return Ok(());
        }
        std::fs::create_dir(&path).map_err(|e| write_err(&path, e))?;
        let existing = self.image.lookup(rel).filter(|f| f.meta.is_dir());
        match (existing, from) {
            (Some(f), _) => self.set_meta(&path, f.meta.mode(), (f.meta.uid(), f.meta.gid()), None),
            (None, Some(f)) => self.set_meta(&path, f.meta.mode(), self.owner(f), None),
            (None, None) => self.set_meta(&path, 0o755, self.owner_default(), None),
        }
    }

    fn contents(&self, from: &str, to: &str) -> Result<(), BuildError> {
        for name in self.source.list(from) {
            let child = join(from, &name);
            let Some(found) = self.source.lookup(&child) else {
                continue;
            };
            if self.source.excluded(&child) && !found.meta.is_dir() {
                continue;
            }
            self.entry(&child, &found, &join(to, &name))?;
        }
        Ok(())
    }

    fn entry(&self, rel: &str, found: &Found, at: &str) -> Result<(), BuildError> {
        let path = self.out.join(at);
        let meta = &found.meta;
        let owner = self.owner(found);
        let mode = self.target.chmod.unwrap_or(meta.mode() & 0o7777);
        if meta.is_dir() {
            if path.symlink_metadata().is_err() {
                std::fs::create_dir(&path).map_err(|e| write_err(&path, e))?;
            }
            self.contents(rel, at)?;
            // An excluded directory is walked only for what an exception brings
            // back; with nothing brought back it is not copied.
            if self.source.excluded(rel) && is_empty_dir(&path) {
                return std::fs::remove_dir(&path).map_err(|e| write_err(&path, e));
            }
            return self.set_meta(&path, mode, owner, Some(meta));
        }
        if path.symlink_metadata().is_ok() {
            std::fs::remove_file(&path).map_err(|e| write_err(&path, e))?;
        }
        if meta.is_symlink() {
            let target = std::fs::read_link(&found.host).map_err(|e| read_err(&found.host, e))?;
            std::os::unix::fs::symlink(target, &path).map_err(|e| write_err(&path, e))?;
            self.chown(&path, owner)?;
            return times(&path, meta);
        }
        if !meta.is_file() {
            return Ok(()); // devices and sockets are not copied from a context
        }
        std::fs::copy(&found.host, &path).map_err(|e| write_err(&path, e))?;
        self.set_meta(&path, mode, owner, Some(meta))
    }

    fn extract(&self, archive: &Path, at: &str) -> Result<(), BuildError> {
        let file = std::fs::File::open(archive).map_err(|e| read_err(archive, e))?;
        let mut reader: Box<dyn Read> = Box::new(std::io::BufReader::new(file));
        if std::fs::File::open(archive)
            .and_then(|mut f| {
                let mut magic = [0u8; 2];
                f.read_exact(&mut magic).map(|()| magic)
            })
            .is_ok_and(|m| m == [0x1f, 0x8b])
        {
            reader = Box::new(flate2::read::GzDecoder::new(reader));
        }
        let dest = self.out.join(at);
        let opts = crate::engine::store::unpack::UnpackOptions {
            ignore_chown_errors: self.target.ignore_chown_errors,
            skip_devices: true,
            ids: None,
            keep_kinds: false,
        };
        crate::engine::store::unpack::unpack_layer(&mut reader, &dest, &opts)
            .map_err(|e| BuildError::Source(format!("cannot unpack {}: {e}", archive.display())))?;
        Ok(())
    }

    fn owner(&self, found: &Found) -> (u32, u32) {
        match (self.target.owner, self.source) {
            (Some(owner), _) => owner,
            (None, Source::Image { .. }) => (found.meta.uid(), found.meta.gid()),
            (None, Source::Context { .. }) => (0, 0),
        }
    }

    fn owner_default(&self) -> (u32, u32) {
        self.target.owner.unwrap_or((0, 0))
    }

    fn chown(&self, path: &Path, (uid, gid): (u32, u32)) -> Result<(), BuildError> {
        match std::os::unix::fs::lchown(path, Some(uid), Some(gid)) {
            Err(e) if !self.target.ignore_chown_errors => Err(write_err(path, e)),
            _ => Ok(()),
        }
    }

    fn set_meta(
        &self,
        path: &Path,
        mode: u32,
        owner: (u32, u32),
        time_from: Option<&std::fs::Metadata>,
    ) -> Result<(), BuildError> {
        self.chown(path, owner)?;
        // After chown, which clears setuid bits.
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & 0o7777))
            .map_err(|e| write_err(path, e))?;
        match time_from {
            Some(meta) => times(path, meta),
            None => Ok(()),
        }
    }
}

fn is_empty_dir(path: &Path) -> bool {
    std::fs::read_dir(path).is_ok_and(|mut entries| entries.next().is_none())
}

/// The source's modification time, kept as Docker keeps it.
fn times(path: &Path, meta: &std::fs::Metadata) -> Result<(), BuildError> {
    let mtime = TimeSpec::new(meta.mtime(), meta.mtime_nsec());
    utimensat(None, path, &mtime, &mtime, UtimensatFlags::NoFollowSymlink)
        .map_err(|e| write_err(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::build::ignore::Ignore;

    #[test]
    fn sources_outside_the_context_are_refused() {
        assert!(climbs_out("../x"));
        assert!(climbs_out("a/../../x"));
        assert!(!climbs_out("/a/../b"));
    }

    #[test]
    fn files_land_where_docker_puts_them() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = dir.path().join("ctx");
        std::fs::create_dir_all(ctx.join("d/sub")).unwrap();
        std::fs::write(ctx.join("f.txt"), "f").unwrap();
        std::fs::write(ctx.join("g.txt"), "g").unwrap();
        std::fs::write(ctx.join("d/sub/x"), "x").unwrap();
        let ignore = Ignore::default();
        let source = Source::Context {
            root: &ctx,
            ignore: &ignore,
        };
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        let run = |srcs: &[&str], dest: &str| {
            let srcs: Vec<String> = srcs.iter().map(|s| s.to_string()).collect();
            let matched = expand(&source, &srcs, "COPY").unwrap();
            let target = Target {
                dest,
                owner: None,
                chmod: None,
                extract: false,
                image_layers: &[],
                ignore_chown_errors: true,
            };
            copy(&source, &matched, &target, &out).unwrap();
        };
        run(&["f.txt"], "/app/renamed");
        run(&["*.txt"], "/many");
        run(&["d"], "/dir");
        assert_eq!(
            std::fs::read_to_string(out.join("app/renamed")).unwrap(),
            "f"
        );
        assert!(out.join("many/f.txt").is_file() && out.join("many/g.txt").is_file());
        assert!(out.join("dir/sub/x").is_file());
        assert!(!out.join("dir/d").exists());
        assert!(expand(&source, &["nope".to_owned()], "COPY").is_err());
    }
}
