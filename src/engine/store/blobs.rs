//! Content-addressed blobs: written under tmp/, checked, fsynced, then renamed, so a
//! blob under its digest is always whole and always what the digest says.

use super::{digest_hex, Store, StoreError, TempEntry};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::Write;
use std::path::PathBuf;

pub fn sha256_digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

impl Store {
    pub fn blob_path(&self, digest: &str) -> Result<PathBuf, StoreError> {
        Ok(self.root.join("blobs/sha256").join(digest_hex(digest)?))
    }

    pub fn has_blob(&self, digest: &str) -> bool {
        self.blob_path(digest).is_ok_and(|p| p.exists())
    }

    pub fn read_blob(&self, digest: &str) -> Result<Vec<u8>, StoreError> {
        let path = self.blob_path(digest)?;
        std::fs::read(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => StoreError::BlobMissing(digest.to_owned()),
            _ => StoreError::io(&path, e),
        })
    }

    /// Stores `bytes`, which must hash to `digest`.
    pub fn put_blob(&self, digest: &str, bytes: &[u8]) -> Result<(), StoreError> {
        let mut writer = self.blob_writer()?;
        writer
            .write_all(bytes)
            .map_err(|e| StoreError::io(writer.tmp.path(), e))?;
        writer.commit(self, digest)
    }

    /// Moves a file whose digest the caller computed while writing it (under
    /// tmp/, so on the same file system) into place as that blob.
    pub fn adopt_blob(&self, file: &std::path::Path, digest: &str) -> Result<(), StoreError> {
        let path = self.blob_path(digest)?;
        if path.exists() {
            return Ok(());
        }
        File::open(file)
            .and_then(|f| f.sync_all())
            .map_err(|e| StoreError::io(file, e))?;
        std::fs::rename(file, &path).map_err(|e| StoreError::io(&path, e))
    }

    pub fn blob_writer(&self) -> Result<BlobWriter, StoreError> {
        let tmp = self.temp_entry("blob")?;
        let file = File::create(tmp.path()).map_err(|e| StoreError::io(tmp.path(), e))?;
        Ok(BlobWriter {
            tmp,
            file,
            hasher: Sha256::new(),
            written: 0,
        })
    }

    pub(crate) fn remove_blob(&self, digest: &str) -> Result<(), StoreError> {
        let path = self.blob_path(digest)?;
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(StoreError::io(&path, e)),
            _ => Ok(()),
        }
    }
}

/// A blob being written; it lands in the store only through `commit`.
pub struct BlobWriter {
    tmp: TempEntry,
    file: File,
    hasher: Sha256,
    written: u64,
}

impl BlobWriter {
    /// The digest of what was written so far.
    pub fn digest(&self) -> String {
        format!("sha256:{}", hex::encode(self.hasher.clone().finalize()))
    }

    /// How many bytes were written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Checks the content against `expected`, makes it durable and moves it into place.
    pub fn commit(mut self, store: &Store, expected: &str) -> Result<(), StoreError> {
        let actual = self.digest();
        if actual != expected {
            return Err(StoreError::Corrupt(format!(
                "blob {expected} has digest {actual}"
            )));
        }
        let path = store.blob_path(expected)?;
        let io = |e| StoreError::io(self.tmp.path(), e);
        self.file.flush().map_err(io)?;
        self.file.sync_all().map_err(io)?;
        std::fs::rename(self.tmp.path(), &path).map_err(|e| StoreError::io(&path, e))
    }
}

impl Write for BlobWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.file.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}
