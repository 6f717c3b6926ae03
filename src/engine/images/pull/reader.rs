//! Readers that let a synchronous tar unpacker consume an async download, hashing
//! and keeping the bytes as they pass.

use crate::engine::registry::{BlobStream, RegistryError};
use crate::engine::store::blobs::BlobWriter;
use bytes::Bytes;
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use std::io::{self, Read, Write};
use tokio::runtime::Handle;

/// Blocks on the download stream; runs on a blocking-pool thread.
pub struct StreamReader<'a> {
    handle: Handle,
    blob: BlobStream,
    chunk: Bytes,
    received: u64,
    on_progress: &'a dyn Fn(u64) -> bool,
    /// The registry error behind an io error we returned, for a precise message.
    pub failure: Option<RegistryError>,
}

impl<'a> StreamReader<'a> {
    pub fn new(handle: Handle, blob: BlobStream, on_progress: &'a dyn Fn(u64) -> bool) -> Self {
        StreamReader {
            handle,
            blob,
            chunk: Bytes::new(),
            received: 0,
            on_progress,
            failure: None,
        }
    }
}

impl Read for StreamReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.chunk.is_empty() {
            match self.handle.block_on(self.blob.stream.next()) {
                Some(Ok(chunk)) => {
                    self.received += chunk.len() as u64;
                    if !(self.on_progress)(self.received) {
                        return Err(io::Error::other("cancelled"));
                    }
                    self.chunk = chunk;
                }
                Some(Err(e)) => {
                    let err = io::Error::other(e.to_string());
                    self.failure = Some(e);
                    return Err(err);
                }
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.chunk.len());
        buf[..n].copy_from_slice(&self.chunk.split_to(n));
        Ok(n)
    }
}

/// Copies everything read into the blob being written (which hashes it).
pub struct Tee<'a> {
    pub source: StreamReader<'a>,
    pub blob: BlobWriter,
}

impl Read for Tee<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.source.read(buf)?;
        self.blob.write_all(&buf[..n])?;
        Ok(n)
    }
}

/// Hashes what passes through: the uncompressed tar, for the diff-id.
pub struct Hashing<R> {
    inner: R,
    hasher: Sha256,
}

impl<R: Read> Hashing<R> {
    pub fn new(inner: R) -> Self {
        Hashing {
            inner,
            hasher: Sha256::new(),
        }
    }

    /// Reads to the end (the unpacker stops at the end-of-archive marker) and
    /// returns the digest of everything.
    pub fn finish(mut self) -> io::Result<String> {
        io::copy(&mut self, &mut io::sink())?;
        Ok(format!("sha256:{}", hex::encode(self.hasher.finalize())))
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

/// Picks the decompressor from the first bytes, not the declared media type, which
/// registries and tools get wrong often enough.
pub fn decompress<'r, R: Read + 'r>(mut source: R) -> io::Result<Box<dyn Read + 'r>> {
    let mut magic = [0u8; 4];
    let mut have = 0;
    while have < magic.len() {
        match source.read(&mut magic[have..])? {
            0 => break,
            n => have += n,
        }
    }
    let prefix = io::Cursor::new(magic[..have].to_vec());
    let whole = prefix.chain(source);
    Ok(match &magic[..have] {
        [0x1f, 0x8b, ..] => Box::new(flate2::read::MultiGzDecoder::new(whole)),
        [0x28, 0xb5, 0x2f, 0xfd] => Box::new(zstd::stream::read::Decoder::new(whole)?),
        _ => Box::new(whole),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(compressed: Vec<u8>) -> Vec<u8> {
        let mut out = Vec::new();
        decompress(io::Cursor::new(compressed))
            .unwrap()
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn detects_gzip_zstd_and_plain() {
        let data = b"hello layer".repeat(100);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&data).unwrap();
        assert_eq!(roundtrip(gz.finish().unwrap()), data);
        assert_eq!(roundtrip(zstd::encode_all(&data[..], 1).unwrap()), data);
        assert_eq!(roundtrip(data.clone()), data);
        assert_eq!(roundtrip(b"ab".to_vec()), b"ab");
    }

    #[test]
    fn hashing_covers_what_the_reader_left() {
        let mut r = Hashing::new(io::Cursor::new(b"abcdef".to_vec()));
        let mut two = [0u8; 2];
        r.read_exact(&mut two).unwrap();
        assert_eq!(
            r.finish().unwrap(),
            crate::engine::store::blobs::sha256_digest(b"abcdef")
        );
    }
}
