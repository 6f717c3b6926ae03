//! Deterministic layer tarballs: fixed mtimes, fixed ordering, raw names (so that
//! hostile entries such as `../escape` can be written on purpose).

/// Every entry's mtime: 2024-01-01T00:00:00Z, so digests never change.
pub const MTIME: u64 = 1_704_067_200;

/// An uncompressed layer tarball and its diff_id.
#[derive(Clone, Debug)]
pub struct Layer {
    pub tar: Vec<u8>,
    /// `sha256:` of the uncompressed tar.
    pub diff_id: String,
}

/// Builds a layer tar entry by entry. Paths are written byte for byte, without the
/// checks the `tar` crate applies, so tests can produce hostile archives.
pub struct LayerBuilder {
    builder: tar::Builder<Vec<u8>>,
}

impl Default for LayerBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl LayerBuilder {
    pub fn new() -> Self {
        let mut builder = tar::Builder::new(Vec::new());
        builder.mode(tar::HeaderMode::Complete);
        Self { builder }
    }

    fn header(kind: tar::EntryType, path: &str, mode: u32, uid: u64, gid: u64) -> tar::Header {
        let mut h = tar::Header::new_ustar();
        h.set_entry_type(kind);
        h.set_mode(mode);
        h.set_uid(uid);
        h.set_gid(gid);
        h.set_mtime(MTIME);
        h.set_size(0);
        set_raw(&mut h.as_old_mut().name, path);
        h
    }

    fn append(&mut self, mut h: tar::Header, data: &[u8]) -> &mut Self {
        h.set_size(data.len() as u64);
        h.set_cksum();
        self.builder
            .append(&h, data)
            .expect("append to in-memory tar");
        self
    }

    /// A directory (`path` without trailing slash; one is added).
    pub fn dir(&mut self, path: &str, mode: u32) -> &mut Self {
        self.dir_owned(path, mode, 0, 0)
    }

    pub fn dir_owned(&mut self, path: &str, mode: u32, uid: u64, gid: u64) -> &mut Self {
        let name = format!("{}/", path.trim_end_matches('/'));
        let h = Self::header(tar::EntryType::Directory, &name, mode, uid, gid);
        self.append(h, &[])
    }

    /// A regular file owned by root.
    pub fn file(&mut self, path: &str, mode: u32, data: &[u8]) -> &mut Self {
        self.file_owned(path, mode, 0, 0, data)
    }

    pub fn file_owned(
        &mut self,
        path: &str,
        mode: u32,
        uid: u64,
        gid: u64,
        data: &[u8],
    ) -> &mut Self {
        let h = Self::header(tar::EntryType::Regular, path, mode, uid, gid);
        self.append(h, data)
    }

    /// A regular file preceded by a PAX header carrying `SCHILY.xattr.<name>` records.
    pub fn file_with_xattrs(
        &mut self,
        path: &str,
        mode: u32,
        data: &[u8],
        xattrs: &[(&str, &[u8])],
    ) -> &mut Self {
        let records: Vec<(String, &[u8])> = xattrs
            .iter()
            .map(|(k, v)| (format!("SCHILY.xattr.{k}"), *v))
            .collect();
        self.builder
            .append_pax_extensions(records.iter().map(|(k, v)| (k.as_str(), *v)))
            .expect("append pax header");
        self.file(path, mode, data)
    }

    pub fn symlink(&mut self, path: &str, target: &str) -> &mut Self {
        let mut h = Self::header(tar::EntryType::Symlink, path, 0o777, 0, 0);
        set_raw(&mut h.as_old_mut().linkname, target);
        self.append(h, &[])
    }

    pub fn hardlink(&mut self, path: &str, target: &str) -> &mut Self {
        let mut h = Self::header(tar::EntryType::Link, path, 0o644, 0, 0);
        set_raw(&mut h.as_old_mut().linkname, target);
        self.append(h, &[])
    }

    /// An AUFS-style whiteout hiding `dir/name` of the layers below.
    pub fn whiteout(&mut self, dir: &str, name: &str) -> &mut Self {
        self.file(&format!("{dir}/.wh.{name}"), 0o644, &[])
    }

    /// Marks `dir` opaque: nothing below it in lower layers shows through.
    pub fn opaque(&mut self, dir: &str) -> &mut Self {
        self.file(&format!("{dir}/.wh..wh..opq"), 0o644, &[])
    }

    pub fn finish(self) -> Layer {
        let tar = self.builder.into_inner().expect("finish in-memory tar");
        let diff_id = crate::sha256_digest(&tar);
        Layer { tar, diff_id }
    }
}

/// Writes a name into a fixed-size header field, unchecked (up to its length).
fn set_raw(field: &mut [u8], value: &str) {
    let bytes = value.as_bytes();
    assert!(
        bytes.len() <= field.len(),
        "tar name too long for a ustar field: {value}"
    );
    field.fill(0);
    field[..bytes.len()].copy_from_slice(bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names_are_written_verbatim() {
        let mut b = LayerBuilder::new();
        b.file("../escape", 0o644, b"x")
            .symlink("evil", "../../tmp");
        let layer = b.finish();
        let mut ar = tar::Archive::new(&layer.tar[..]);
        let names: Vec<String> = ar
            .entries()
            .unwrap()
            .map(|e| String::from_utf8(e.unwrap().path_bytes().into_owned()).unwrap())
            .collect();
        assert_eq!(names, ["../escape", "evil"]);
    }

    #[test]
    fn layers_are_deterministic() {
        let build = || {
            let mut b = LayerBuilder::new();
            b.dir("data", 0o755).file("data/a", 0o644, b"a1");
            b.finish().diff_id
        };
        assert_eq!(build(), build());
    }
}
