//! Layers in another compression than the one stored: the stored blob is
//! decompressed and compressed again, so the tar (and its diff-id) stays the same.

use super::plan::Compression;
use crate::engine::images::pull::decompress;
use crate::engine::images::ImagesError;
use crate::engine::store::{Store, StoreError, TempEntry};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Write};

/// A blob written for this push only; gone when dropped.
pub struct Recompressed {
    pub file: TempEntry,
    pub digest: String,
    pub size: u64,
}

/// Writes the stored blob `digest` into a temp file compressed with `to`.
pub fn recompress(
    store: &Store,
    digest: &str,
    to: Compression,
) -> Result<Recompressed, ImagesError> {
    let source = store.blob_path(digest)?;
    let input = File::open(&source).map_err(|e| StoreError::io(&source, e))?;
    let file = store.temp_entry("push-layer")?;
    let output = File::create(file.path()).map_err(|e| StoreError::io(file.path(), e))?;
    let mut counted = Counting {
        inner: BufWriter::with_capacity(1 << 20, output),
        hasher: Sha256::new(),
        size: 0,
    };
    let io_err = |e: io::Error| ImagesError::from(StoreError::io(file.path(), e));
    let mut tar = decompress(BufReader::with_capacity(1 << 20, input)).map_err(io_err)?;
    compress_into(&mut tar, &mut counted, to).map_err(io_err)?;
    counted.inner.flush().map_err(io_err)?;
    Ok(Recompressed {
        digest: format!("sha256:{}", hex::encode(counted.hasher.finalize())),
        size: counted.size,
        file,
    })
}

/// Compresses everything `tar` yields into `out`.
pub fn compress_into(
    tar: &mut dyn io::Read,
    out: &mut dyn Write,
    to: Compression,
) -> io::Result<()> {
    match to {
        Compression::None => {
            io::copy(tar, out)?;
        }
        Compression::Gzip => {
            let mut gz = flate2::write::GzEncoder::new(out, flate2::Compression::default());
            io::copy(tar, &mut gz)?;
            gz.finish()?;
        }
        Compression::Zstd => {
            let mut z = zstd::stream::write::Encoder::new(out, 3)?;
            io::copy(tar, &mut z)?;
            z.finish()?;
        }
    }
    Ok(())
}

/// Hashes and counts what is written through it.
pub struct Counting<W> {
    pub inner: W,
    pub hasher: Sha256,
    pub size: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
