//! The push half of the distribution protocol: blob existence checks, cross-repository
//! mounts, chunked uploads that resume after a failed chunk, and manifests.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderValue, CONTENT_LENGTH, CONTENT_TYPE, LOCATION, RANGE};
use reqwest::{Method, StatusCode};

use super::error::cause_of;
use super::{digest_of, header_value, Client, RegistryError, What};
use crate::engine::oci::reference::Reference;

/// Blobs up to this size go up in one PUT; larger ones in chunks of this size
/// (or the registry's minimum, if larger), each of which can be retried on its own.
const CHUNK: u64 = 16 << 20;
/// The largest chunk a registry's `OCI-Chunk-Min-Length` may ask us to hold in memory.
const CHUNK_MAX: u64 = 256 << 20;
/// How many failures in a row end an upload.
const ATTEMPTS: u32 = 3;

/// Where a blob's bytes are (a stored blob, or a layer compressed for this push).
pub struct BlobSource<'a> {
    pub path: &'a Path,
    pub digest: &'a str,
    pub size: u64,
}

/// What became of a blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sent {
    /// The repository had it already.
    Exists,
    /// Mounted from another repository of the same registry.
    Mounted,
    Uploaded,
}

impl Client {
    /// Does the repository have this blob? (HEAD)
    pub async fn has_blob(&self, r: &Reference, digest: &str) -> Result<bool, RegistryError> {
        let path = format!("/v2/{}/blobs/{digest}", r.repository);
        let resp = self
            .request(
                r,
                Method::HEAD,
                &path,
                HeaderMap::new(),
                None,
                &push_scope(r),
            )
            .await?;
        match resp.status() {
            s if s.is_success() => Ok(true),
            StatusCode::NOT_FOUND => Ok(false),
            _ => self.check(resp, r, What::Upload).await.map(|_| false),
        }
    }

    /// Sends a blob unless the repository has it, mounting it from `mount_from`
    /// (a repository of the same registry that has it) when the registry allows.
    /// `progress` is told how many bytes of the blob are up.
    pub async fn push_blob(
        &self,
        r: &Reference,
        blob: &BlobSource<'_>,
        mount_from: Option<&str>,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<Sent, RegistryError> {
        if self.has_blob(r, blob.digest).await? {
            return Ok(Sent::Exists);
        }
        let (location, chunk) = match self.start_upload(r, blob.digest, mount_from).await? {
            Started::Mounted => return Ok(Sent::Mounted),
            Started::At { location, chunk } => (location, chunk),
        };
        let mut upload = Upload {
            client: self,
            r,
            blob,
            location,
            offset: 0,
            chunk,
        };
        upload.send_all(progress).await?;
        Ok(Sent::Uploaded)
    }

    /// Mounts a blob from another repository of the same registry; false when
    /// the registry will not (it then wants the bytes, which the caller sends).
    pub async fn mount_blob(
        &self,
        r: &Reference,
        digest: &str,
        from: &str,
    ) -> Result<bool, RegistryError> {
        let started = self.start_upload(r, digest, Some(from)).await?;
        Ok(matches!(started, Started::Mounted))
    }

    /// PUTs a manifest under a tag or digest; returns its digest.
    pub async fn put_manifest(
        &self,
        r: &Reference,
        tag_or_digest: &str,
        bytes: &[u8],
        media_type: &str,
    ) -> Result<String, RegistryError> {
        let path = format!("/v2/{}/manifests/{tag_or_digest}", r.repository);
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, header_value(&r.registry, media_type)?);
        let body = Bytes::copy_from_slice(bytes);
        let resp = self
            .request(r, Method::PUT, &path, headers, Some(body), &push_scope(r))
            .await?;
        self.check(resp, r, What::Upload).await?;
        Ok(digest_of("sha256", bytes))
    }

    /// POSTs a new upload session, as a mount when there is a repository to
    /// mount from (a 201 means mounted, a 202 that the registry wants the bytes).
    async fn start_upload(
        &self,
        r: &Reference,
        digest: &str,
        mount_from: Option<&str>,
    ) -> Result<Started, RegistryError> {
        let mut path = format!("/v2/{}/blobs/uploads/", r.repository);
        let mut scope = push_scope(r);
        if let Some(from) = mount_from.filter(|f| *f != r.repository) {
            path.push_str(&format!("?mount={digest}&from={from}"));
            scope.push_str(&format!(" repository:{from}:pull"));
        }
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_LENGTH, HeaderValue::from_static("0"));
        let resp = self
            .request(r, Method::POST, &path, headers, Some(Bytes::new()), &scope)
            .await?;
        if resp.status() == StatusCode::CREATED && mount_from.is_some() {
            return Ok(Started::Mounted);
        }
        let resp = self.check(resp, r, What::Upload).await?;
        // A registry may want larger chunks than ours (OCI-Chunk-Min-Length).
        let min = resp
            .headers()
            .get("oci-chunk-min-length")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0);
        Ok(Started::At {
            location: location_of(&resp, r)?,
            chunk: CHUNK.max(min.min(CHUNK_MAX)),
        })
    }
}

enum Started {
    Mounted,
    At { location: String, chunk: u64 },
}

/// One blob's upload session.
struct Upload<'a> {
    client: &'a Client,
    r: &'a Reference,
    blob: &'a BlobSource<'a>,
    /// Where the next request of the session goes.
    location: String,
    /// How many bytes the registry has.
    offset: u64,
    /// How many bytes one PATCH carries.
    chunk: u64,
}

impl Upload<'_> {
    /// Sends the blob: a PATCH per chunk and a closing PUT with the rest (so a
    /// small blob is one monolithic PUT). After a failure it asks the registry how
    /// far the session got, or opens a new one, and goes on from there; a few
    /// failures in a row end the push.
    async fn send_all(
        &mut self,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<(), RegistryError> {
        let mut file = File::open(self.blob.path).map_err(|e| self.failed(&e))?;
        let mut failures = 0;
        loop {
            let remaining = self.blob.size - self.offset;
            let last = remaining <= self.chunk;
            let len = if last { remaining } else { self.chunk };
            let data = read_chunk(&mut file, self.offset, len).map_err(|e| self.failed(&e))?;
            let step = if last {
                self.finish(data).await
            } else {
                self.patch(data).await
            };
            match step {
                Ok(()) if last => {
                    progress(self.blob.size);
                    return Ok(());
                }
                Ok(()) => {
                    failures = 0;
                    progress(self.offset);
                }
                // A registry that takes no chunks gets the whole blob in one PUT.
                Err(e) if self.offset == 0 && refuses_chunks(&e) && !last => {
                    log::debug!(
                        "{} refuses chunked uploads: {e}; sending {} whole",
                        self.r.registry,
                        self.blob.digest
                    );
                    self.chunk = self.blob.size;
                }
                Err(e) if failures + 1 >= ATTEMPTS || !retryable(&e) => return Err(e),
                Err(e) => {
                    failures += 1;
                    log::debug!(
                        "upload of {} failed at {}: {e}; resuming",
                        self.blob.digest,
                        self.offset
                    );
                    tokio::time::sleep(Duration::from_millis(200 * u64::from(failures))).await;
                    self.resume().await?;
                }
            }
        }
    }

    async fn patch(&mut self, data: Bytes) -> Result<(), RegistryError> {
        let mut headers = HeaderMap::new();
        let (at, len) = (self.offset, data.len() as u64);
        let range = format!("{at}-{}", at + len - 1);
        headers.insert("content-range", header_value(&self.r.registry, &range)?);
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/octet-stream"),
        );
        let location = self.location.clone();
        let resp = self.send(Method::PATCH, &location, headers, data).await?;
        let resp = self.client.check(resp, self.r, What::Upload).await?;
        self.location = location_of(&resp, self.r)?;
        self.offset = at + len;
        Ok(())
    }

    /// The closing PUT, with the last bytes (all of them, for a monolithic upload).
    async fn finish(&mut self, data: Bytes) -> Result<(), RegistryError> {
        // The location may carry a query of its own (Distribution's `_state`).
        let sep = if self.location.contains('?') {
            '&'
        } else {
            '?'
        };
        let target = format!("{}{sep}digest={}", self.location, self.blob.digest);
        let mut headers = HeaderMap::new();
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/octet-stream"),
        );
        let resp = self.send(Method::PUT, &target, headers, data).await?;
        self.client.check(resp, self.r, What::Upload).await?;
        Ok(())
    }

    async fn send(
        &self,
        method: Method,
        target: &str,
        headers: HeaderMap,
        body: Bytes,
    ) -> Result<reqwest::Response, RegistryError> {
        self.client
            .request(
                self.r,
                method,
                target,
                headers,
                Some(body),
                &push_scope(self.r),
            )
            .await
            .map_err(|e| match e {
                RegistryError::Unreachable { cause, .. } => self.failed_with(cause),
                other => other,
            })
    }

    /// Learns how much the registry kept (GET on the session: `Range: 0-N`), or
    /// opens a new session from byte 0 when the old one cannot go on.
    async fn resume(&mut self) -> Result<(), RegistryError> {
        let location = self.location.clone();
        let status = self
            .client
            .request(
                self.r,
                Method::GET,
                &location,
                HeaderMap::new(),
                None,
                &push_scope(self.r),
            )
            .await;
        if let Ok(resp) = status {
            let kept = resp
                .headers()
                .get(RANGE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit_once('-'))
                .and_then(|(_, end)| end.parse::<u64>().ok())
                // `0-0` means one byte or none (Distribution says it for both),
                // and a range past the blob is nonsense: start over then.
                .filter(|end| *end > 0 && *end < self.blob.size);
            if resp.status() == StatusCode::NO_CONTENT {
                if let (Some(end), Ok(location)) = (kept, location_of(&resp, self.r)) {
                    self.location = location;
                    self.offset = end + 1;
                    return Ok(());
                }
            }
        }
        // Registries (Distribution among them) drop a session whose last chunk
        // arrived in part, or cannot say how much they kept: start over.
        match self
            .client
            .start_upload(self.r, self.blob.digest, None)
            .await?
        {
            Started::At { location, .. } => self.location = location,
            Started::Mounted => unreachable!("no mount was asked for"),
        }
        self.offset = 0;
        Ok(())
    }

    fn failed(&self, e: &(dyn std::error::Error + 'static)) -> RegistryError {
        self.failed_with(cause_of(e))
    }

    fn failed_with(&self, cause: String) -> RegistryError {
        RegistryError::Upload {
            image: self.r.to_string(),
            digest: self.blob.digest.to_string(),
            cause,
        }
    }
}

/// Failures worth another try: the connection, or the registry's own trouble.
fn retryable(e: &RegistryError) -> bool {
    match e {
        RegistryError::Upload { .. } | RegistryError::Transfer { .. } => true,
        RegistryError::Http { status, .. } => *status >= 500 || *status == 416,
        _ => false,
    }
}

/// A PATCH answered this way means the registry only takes monolithic uploads.
fn refuses_chunks(e: &RegistryError) -> bool {
    matches!(e, RegistryError::Http { status, .. } if [400, 405, 501].contains(status))
}

fn push_scope(r: &Reference) -> String {
    format!("repository:{}:pull,push", r.repository)
}

fn location_of(resp: &reqwest::Response, r: &Reference) -> Result<String, RegistryError> {
    resp.headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .ok_or_else(|| RegistryError::Protocol {
            registry: r.registry.clone(),
            message: "an upload answer has no Location".to_string(),
        })
}

fn read_chunk(file: &mut File, at: u64, len: u64) -> std::io::Result<Bytes> {
    file.seek(SeekFrom::Start(at))?;
    let mut buf = vec![0; len as usize];
    file.read_exact(&mut buf)?;
    Ok(Bytes::from(buf))
}
