//! The OCI distribution client: manifests and blobs over https (or http for
//! insecure registries), with anonymous, Bearer-token and basic auth.
//!
//! A [`Client`] is cheap to clone and safe to use from many tasks at once: the
//! pull code fetches the manifest, then every layer in parallel through it.

pub mod auth;
mod catalog;
pub mod creds;
pub mod error;
pub mod login;
mod transport;
pub mod upload;

use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures_util::{Stream, StreamExt, TryStreamExt};
use reqwest::header::{
    HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE,
};
use reqwest::{Method, StatusCode};
use sha2::Digest as _;

use crate::engine::oci::reference::{validate_digest, Reference};
use auth::{AuthCache, CachedAuth, Challenge, Context};
use creds::{CredStore, Credentials};
use error::{cause_of, ErrorBody};
use transport::Transport;

pub use error::RegistryError;

pub const MEDIA_OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const MEDIA_OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const MEDIA_DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub const MEDIA_DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";

/// Manifests larger than this are refused (containers/image uses the same limit):
/// a hostile registry must not make us buffer without end.
const MANIFEST_MAX: usize = 4 << 20;
/// How much of an error body we read to explain a failure.
const ERROR_BODY_MAX: usize = 64 << 10;

#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// false: https without certificate verification, falling back to http, for
    /// every registry (loopback registries are always treated that way).
    pub tls_verify: bool,
    /// Credentials to use instead of the auth files (`--creds user:pass`).
    pub credentials: Option<Credentials>,
    /// The auth files to search; `None` is the default search
    /// ([`creds::default_auth_files`]), `Some` is exactly these (`--authfile`).
    pub auth_files: Option<Vec<PathBuf>>,
    pub connect_timeout: Duration,
    /// How long one read may wait for data.
    pub read_timeout: Duration,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            tls_verify: true,
            credentials: None,
            auth_files: None,
            connect_timeout: Duration::from_secs(30),
            read_timeout: Duration::from_secs(60),
        }
    }
}

/// A manifest (or index) exactly as the registry sent it.
#[derive(Debug, Clone)]
pub struct ManifestBytes {
    pub bytes: Vec<u8>,
    pub media_type: String,
    /// The digest of `bytes`, computed here (`sha256:...`).
    pub digest: String,
}

pub struct BlobStream {
    /// Content-Length, when the registry sent one.
    pub size: Option<u64>,
    pub stream: Pin<Box<dyn Stream<Item = Result<Bytes, RegistryError>> + Send>>,
}

#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    transport: Transport,
    auth: AuthCache,
    opts: ClientOptions,
    /// The auth files, read on first need (most registries need none).
    creds: Mutex<Option<Arc<CredStore>>>,
}

enum What<'a> {
    Manifest,
    Blob(&'a str),
    /// A push request: nothing is "not found", every failure is the registry's answer.
    Upload,
}

impl Client {
    pub fn new(opts: ClientOptions) -> Result<Client, RegistryError> {
        // reqwest is built without a crypto provider; pick ring. Err means
        // one is installed already, which is just as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
        Ok(Client {
            inner: Arc::new(Inner {
                transport: Transport::new(&opts)?,
                auth: AuthCache::default(),
                opts,
                creds: Mutex::new(None),
            }),
        })
    }

    /// GETs the manifest a reference names (its digest if it has one, else its
    /// tag). Fetched by digest, the bytes are verified against it.
    pub async fn manifest(&self, r: &Reference) -> Result<ManifestBytes, RegistryError> {
        match &r.digest {
            Some(d) => self.manifest_by_digest(r, d).await,
            None => self.fetch_manifest(r, r.tag_or_digest(), None).await,
        }
    }

    /// GETs a manifest by digest from the reference's repository (a child of an
    /// index), verifying the bytes.
    pub async fn manifest_by_digest(
        &self,
        r: &Reference,
        digest: &str,
    ) -> Result<ManifestBytes, RegistryError> {
        check_digest(digest)?;
        let pinned = Reference {
            tag: None,
            digest: Some(digest.to_string()),
            ..r.clone()
        };
        self.fetch_manifest(&pinned, digest, Some(digest)).await
    }

    /// GETs a blob, following redirects. The caller verifies the digest while it
    /// streams (it knows what it is unpacking into).
    pub async fn blob(&self, r: &Reference, digest: &str) -> Result<BlobStream, RegistryError> {
        check_digest(digest)?;
        let path = format!("/v2/{}/blobs/{digest}", r.repository);
        let resp = self.get(r, &path, None).await?;
        let resp = self.check(resp, r, What::Blob(digest)).await?;
        let size = resp.content_length();
        let registry = r.registry.clone();
        let stream = resp
            .bytes_stream()
            .map_err(move |e| RegistryError::Transfer {
                registry: registry.clone(),
                cause: cause_of(&e),
            });
        Ok(BlobStream {
            size,
            stream: Box::pin(stream),
        })
    }

    async fn fetch_manifest(
        &self,
        r: &Reference,
        tag_or_digest: &str,
        expected: Option<&str>,
    ) -> Result<ManifestBytes, RegistryError> {
        let path = format!("/v2/{}/manifests/{tag_or_digest}", r.repository);
        let accept = [
            MEDIA_OCI_MANIFEST,
            MEDIA_OCI_INDEX,
            MEDIA_DOCKER_MANIFEST,
            MEDIA_DOCKER_LIST,
        ]
        .join(", ");
        let resp = self.get(r, &path, Some(&accept)).await?;
        let resp = self.check(resp, r, What::Manifest).await?;
        let header_type = resp
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or("").trim().to_string());
        let bytes = read_limited(resp, MANIFEST_MAX, &r.registry)
            .await?
            .ok_or_else(|| RegistryError::Protocol {
                registry: r.registry.clone(),
                message: format!(
                    "the manifest of {r} is larger than {} MiB",
                    MANIFEST_MAX >> 20
                ),
            })?;
        let algo = expected
            .and_then(|d| d.split_once(':'))
            .map_or("sha256", |(a, _)| a);
        let digest = digest_of(algo, &bytes);
        if let Some(expected) = expected {
            if digest != expected {
                return Err(RegistryError::DigestMismatch {
                    what: "manifest".to_string(),
                    image: r.to_string(),
                    expected: expected.to_string(),
                    actual: digest,
                });
            }
        }
        let media_type = media_type_of(header_type.as_deref(), &bytes).ok_or_else(|| {
            RegistryError::Protocol {
                registry: r.registry.clone(),
                message: format!(
                    "cannot tell what kind of manifest {r} is (no usable content type)"
                ),
            }
        })?;
        Ok(ManifestBytes {
            bytes,
            media_type,
            digest,
        })
    }

    /// One authenticated GET with pull access.
    async fn get(
        &self,
        r: &Reference,
        path: &str,
        accept: Option<&str>,
    ) -> Result<reqwest::Response, RegistryError> {
        let mut headers = HeaderMap::new();
        if let Some(a) = accept {
            headers.insert(ACCEPT, header_value(&r.registry, a)?);
        }
        let scope = format!("repository:{}:pull", r.repository);
        self.request(r, Method::GET, path, headers, None, &scope)
            .await
    }

    /// One authenticated request: the cached authorization (or one made ahead of
    /// time from the registry's known challenge), then on a 401 a fresh one from
    /// the challenge and exactly one retry. `scope` is one or more
    /// space-separated token scopes.
    async fn request(
        &self,
        r: &Reference,
        method: Method,
        target: &str,
        headers: HeaderMap,
        body: Option<Bytes>,
        scope: &str,
    ) -> Result<reqwest::Response, RegistryError> {
        let registry = r.registry.as_str();
        let mut authorization = self.inner.auth.get(registry, scope);
        if authorization.is_none() {
            if let Some(challenge) = self.inner.auth.challenge(registry) {
                authorization = self.authorize(r, &challenge, scope, true).await?;
            }
        }
        let send = |authorization: Option<String>| {
            let mut headers = headers.clone();
            let (method, body) = (method.clone(), body.clone());
            async move {
                if let Some(a) = authorization {
                    let mut v = header_value(registry, &a)?;
                    v.set_sensitive(true);
                    headers.insert(AUTHORIZATION, v);
                }
                self.inner
                    .transport
                    .send(method, registry, target, headers, body)
                    .await
            }
        };
        let resp = send(authorization).await?;
        if resp.status() != StatusCode::UNAUTHORIZED {
            return Ok(resp);
        }
        let Some(challenge) = challenge_of(&resp) else {
            return Err(self.unauthorized(r)?);
        };
        self.inner.auth.set_challenge(registry, challenge.clone());
        let Some(authorization) = self.authorize(r, &challenge, scope, false).await? else {
            return Err(self.unauthorized(r)?);
        };
        let resp = send(Some(authorization)).await?;
        if resp.status() == StatusCode::UNAUTHORIZED {
            return Err(self.unauthorized(r)?);
        }
        Ok(resp)
    }

    /// Answers a challenge: a token for Bearer, our credentials for Basic. Ahead
    /// of time (`early`), Basic without credentials just means "try anonymously".
    async fn authorize(
        &self,
        r: &Reference,
        challenge: &Challenge,
        scope: &str,
        early: bool,
    ) -> Result<Option<String>, RegistryError> {
        let creds = self.credentials_for(r)?;
        let cached = match challenge {
            Challenge::Bearer { realm, service, .. } => {
                let image = r.to_string();
                let ctx = Context {
                    registry: &r.registry,
                    image: &image,
                };
                let http = self.inner.transport.client_for(realm);
                auth::fetch_token(http, realm, service.as_deref(), scope, creds.as_ref(), &ctx)
                    .await?
            }
            Challenge::Basic => match &creds {
                Some(c) => CachedAuth {
                    header: auth::basic_header(c),
                    expires: None,
                },
                None if early => return Ok(None),
                None => return Err(self.unauthorized(r)?),
            },
        };
        let header = cached.header.clone();
        self.inner.auth.put(&r.registry, scope, cached);
        Ok(Some(header))
    }

    /// Turns an unsuccessful response into the error it means.
    async fn check(
        &self,
        resp: reqwest::Response,
        r: &Reference,
        what: What<'_>,
    ) -> Result<reqwest::Response, RegistryError> {
        let status = resp.status();
        if status.is_success() {
            return Ok(resp);
        }
        let body = read_limited(resp, ERROR_BODY_MAX, &r.registry)
            .await
            .ok()
            .flatten()
            .unwrap_or_default();
        let parsed = ErrorBody::parse(&body);
        let blob = match what {
            What::Blob(d) => Some(d.to_string()),
            What::Manifest | What::Upload => None,
        };
        let upload = matches!(what, What::Upload);
        if !upload
            && (status == StatusCode::NOT_FOUND
                || parsed.has_code(&["MANIFEST_UNKNOWN", "NAME_UNKNOWN", "BLOB_UNKNOWN"]))
        {
            return Err(RegistryError::NotFound {
                image: r.to_string(),
                blob,
            });
        }
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
            return Err(self.unauthorized(r)?);
        }
        let reason = status.canonical_reason().unwrap_or("error").to_lowercase();
        Err(RegistryError::Http {
            registry: r.registry.clone(),
            image: r.to_string(),
            status: status.as_u16(),
            message: parsed.summary(&body, &reason),
        })
    }

    fn unauthorized(&self, r: &Reference) -> Result<RegistryError, RegistryError> {
        Ok(RegistryError::Unauthorized {
            image: r.to_string(),
            registry: r.registry.clone(),
            had_credentials: self.credentials_for(r)?.is_some(),
        })
    }

    fn credentials_for(&self, r: &Reference) -> Result<Option<Credentials>, RegistryError> {
        if let Some(c) = &self.inner.opts.credentials {
            return Ok(Some(c.clone()));
        }
        let store = {
            let mut slot = self.inner.creds.lock().unwrap();
            match &*slot {
                Some(store) => store.clone(),
                None => {
                    let store = Arc::new(match &self.inner.opts.auth_files {
                        Some(files) => CredStore::load_named(files)?,
                        None => CredStore::load(&creds::default_auth_files())?,
                    });
                    *slot = Some(store.clone());
                    store
                }
            }
        };
        Ok(store.lookup(&r.registry, &r.repository))
    }
}

/// The first challenge of a 401 we can answer (Bearer before Basic).
fn challenge_of(resp: &reqwest::Response) -> Option<Challenge> {
    resp.headers()
        .get_all(WWW_AUTHENTICATE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(auth::parse_www_authenticate)
        .next()
}

fn header_value(registry: &str, s: &str) -> Result<HeaderValue, RegistryError> {
    HeaderValue::from_str(s).map_err(|_| RegistryError::Protocol {
        registry: registry.to_string(),
        // Never the value itself: it may be a token.
        message: "a header value (a token or a name) has characters http does not allow"
            .to_string(),
    })
}

fn check_digest(digest: &str) -> Result<(), RegistryError> {
    validate_digest(digest).map_err(|reason| RegistryError::InvalidDigest {
        digest: digest.to_string(),
        reason,
    })
}

/// Reads a whole body, or `None` when it is longer than `max`.
async fn read_limited(
    resp: reqwest::Response,
    max: usize,
    registry: &str,
) -> Result<Option<Vec<u8>>, RegistryError> {
    if resp.content_length().is_some_and(|n| n > max as u64) {
        return Ok(None);
    }
    let mut out = Vec::new();
    let mut stream = resp.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| RegistryError::Transfer {
            registry: registry.to_string(),
            cause: cause_of(&e),
        })?;
        if out.len() + chunk.len() > max {
            return Ok(None);
        }
        out.extend_from_slice(&chunk);
    }
    Ok(Some(out))
}

pub fn digest_of(algo: &str, bytes: &[u8]) -> String {
    match algo {
        "sha512" => format!("sha512:{}", hex::encode(sha2::Sha512::digest(bytes))),
        _ => format!("sha256:{}", hex::encode(sha2::Sha256::digest(bytes))),
    }
}

/// The manifest's media type: the Content-Type unless it is a generic one, then
/// the JSON's own `mediaType`, then a guess from its shape (OCI allows leaving
/// `mediaType` out).
fn media_type_of(header: Option<&str>, bytes: &[u8]) -> Option<String> {
    let generic = [
        "",
        "application/json",
        "text/plain",
        "application/octet-stream",
    ];
    if let Some(h) = header.filter(|h| !generic.contains(h)) {
        return Some(h.to_string());
    }
    let json: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    if let Some(mt) = json.get("mediaType").and_then(|m| m.as_str()) {
        return Some(mt.to_string());
    }
    if json.get("manifests").is_some() {
        Some(MEDIA_OCI_INDEX.to_string())
    } else if json.get("config").is_some() && json.get("layers").is_some() {
        Some(MEDIA_OCI_MANIFEST.to_string())
    } else {
        None
    }
}

#[cfg(test)]
mod tests;
