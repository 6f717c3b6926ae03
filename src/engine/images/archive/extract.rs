//! Unpacking an image archive (not a layer) into a private temp dir: regular
//! files only, each hashed as it is written so it can become a blob by rename;
//! links are kept as names inside the archive, never made on disk.

use crate::engine::images::pull::decompress;
use crate::engine::images::ImagesError;
use crate::engine::store::{Store, StoreError, TempEntry};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufReader, Read, Write};
use std::path::PathBuf;

pub struct Extracted {
    pub dir: TempEntry,
    /// Name in the archive -> digest of the file.
    files: HashMap<String, String>,
    /// Name in the archive -> the name it links to.
    links: HashMap<String, String>,
}

/// Why an archive cannot be read, for the user.
fn broken(message: String) -> ImagesError {
    ImagesError::InvalidArgument(format!("the archive is unreadable: {message}"))
}

/// Reads a whole archive (gzip- or zstd-compressed or not) into a temp dir.
pub fn extract(store: &Store, input: impl Read) -> Result<Extracted, ImagesError> {
    let dir = store.temp_entry("archive")?;
    std::fs::create_dir(dir.path()).map_err(|e| StoreError::io(dir.path(), e))?;
    let tar =
        decompress(BufReader::with_capacity(1 << 20, input)).map_err(|e| broken(e.to_string()))?;
    let mut archive = tar::Archive::new(tar);
    let mut out = Extracted {
        dir,
        files: HashMap::new(),
        links: HashMap::new(),
    };
    let entries = archive.entries().map_err(|e| broken(e.to_string()))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| broken(e.to_string()))?;
        let raw = entry.path_bytes().into_owned();
        let name = normalize(&String::from_utf8_lossy(&raw)).ok_or_else(|| {
            broken(format!(
                "entry {:?} has an unsafe name",
                String::from_utf8_lossy(&raw)
            ))
        })?;
        match entry.header().entry_type() {
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                let digest = out.write(&name, &mut entry)?;
                out.files.insert(name, digest);
            }
            tar::EntryType::Symlink | tar::EntryType::Link => {
                let target = entry
                    .link_name_bytes()
                    .map(|t| String::from_utf8_lossy(&t).into_owned())
                    .unwrap_or_default();
                let base = if entry.header().entry_type() == tar::EntryType::Symlink {
                    name.rsplit_once('/').map_or("", |(d, _)| d).to_owned()
                } else {
                    String::new()
                };
                let joined = if target.starts_with('/') {
                    target
                } else {
                    format!("{base}/{target}")
                };
                let target = normalize(&joined)
                    .ok_or_else(|| broken(format!("link {name:?} points outside the archive")))?;
                out.links.insert(name, target);
            }
            _ => {}
        }
    }
    Ok(out)
}

impl Extracted {
    fn write(&self, name: &str, entry: &mut impl Read) -> Result<String, ImagesError> {
        let path = self.dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| StoreError::io(parent, e))?;
        }
        copy_hashing(entry, &path, &|e| broken(format!("{name}: {e}")))
    }

    /// The file a name means (following links inside the archive), with its digest.
    pub fn file(&self, name: &str) -> Option<(PathBuf, &str)> {
        let mut name = normalize(name)?;
        for _ in 0..16 {
            if let Some(digest) = self.files.get(&name) {
                return Some((self.dir.path().join(&name), digest));
            }
            name = self.links.get(&name)?.clone();
        }
        None
    }

    /// Reads a small file (a manifest, a config) that must be there.
    pub fn read(&self, name: &str) -> Result<Vec<u8>, ImagesError> {
        let (path, _) = self
            .file(name)
            .ok_or_else(|| broken(format!("{name} is missing")))?;
        std::fs::read(&path).map_err(|e| StoreError::io(&path, e).into())
    }

    pub fn has(&self, name: &str) -> bool {
        self.file(name).is_some()
    }
}

/// Copies `input` into a new file at `path`, returning the digest of the bytes.
pub(super) fn copy_hashing(
    input: &mut dyn Read,
    path: &std::path::Path,
    read_err: &dyn Fn(io::Error) -> ImagesError,
) -> Result<String, ImagesError> {
    let io_err = |e| ImagesError::from(StoreError::io(path, e));
    let file = File::create(path).map_err(io_err)?;
    let mut out = io::BufWriter::with_capacity(1 << 20, file);
    let mut hasher = Sha256::new();
    let mut buf = vec![0; 1 << 20];
    loop {
        let n = input.read(&mut buf).map_err(read_err)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        out.write_all(&buf[..n]).map_err(io_err)?;
    }
    out.flush().map_err(io_err)?;
    Ok(format!("sha256:{}", hex::encode(hasher.finalize())))
}

/// `./a//b/../c` -> `a/c`; None for names that climb out or are empty.
fn normalize(name: &str) -> Option<String> {
    let mut parts = Vec::new();
    for part in name.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn names() {
        assert_eq!(
            normalize("./blobs//sha256/ab/").as_deref(),
            Some("blobs/sha256/ab")
        );
        assert_eq!(normalize("../x"), None);
        assert_eq!(normalize("a/../../x"), None);
        assert_eq!(
            normalize("b/../a/layer.tar").as_deref(),
            Some("a/layer.tar")
        );
        assert_eq!(normalize("/abs/x").as_deref(), Some("abs/x"));
        assert_eq!(normalize("./"), None);
    }
}
