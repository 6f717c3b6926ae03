//! From an image the user names to the list entries it becomes: a stored image
//! (read from the store), or a registry's manifest or index (fetched, with the
//! config of a single manifest for its platform; no layer is downloaded).

use super::doc::{Descriptor, Entry, Platform, Source};
use super::ManifestsError;
use crate::engine::images::pull::manifest::{self, Parsed};
use crate::engine::images::push::plan::{self, ManifestFormat};
use crate::engine::images::{self, ImagesError};
use crate::engine::oci::platform;
use crate::engine::oci::reference::Reference;
use crate::engine::registry::creds::Credentials;
use crate::engine::registry::{digest_of, Client, ClientOptions, RegistryError};
use crate::engine::store::Store;
use futures_util::StreamExt;
use std::path::PathBuf;

/// Image configs larger than this are refused: a hostile registry must not make
/// us buffer without end.
const CONFIG_MAX: usize = 4 << 20;

/// How to reach registries.
#[derive(Debug, Clone)]
pub struct Fetch {
    pub tls_verify: bool,
    pub credentials: Option<Credentials>,
    pub auth_files: Option<Vec<PathBuf>>,
}

impl Fetch {
    pub fn client(&self) -> Result<Client, RegistryError> {
        Client::new(ClientOptions {
            tls_verify: self.tls_verify,
            credentials: self.credentials.clone(),
            auth_files: self.auth_files.clone(),
            ..Default::default()
        })
    }
}

/// The entries `image` adds: `containers-storage:` names a stored image and
/// `docker://` a registry's; with no transport, a stored image by that name
/// wins and the registry is asked otherwise. A remote list gives the entry for
/// this host's platform, or with `all` every entry.
pub async fn entries(
    store: &Store,
    image: &str,
    all: bool,
    fetch: &Fetch,
) -> Result<Vec<Entry>, ManifestsError> {
    if let Some(name) = image.strip_prefix("containers-storage:") {
        return Ok(vec![local(store, name)?]);
    }
    if let Some(name) = image.strip_prefix("docker://") {
        return remote(name, all, fetch).await;
    }
    match local(store, image) {
        Err(ManifestsError::Images(ImagesError::NotFound(_))) => remote(image, all, fetch).await,
        other => other.map(|e| vec![e]),
    }
}

/// A stored image's entry: its manifest as a push would send it unchanged.
fn local(store: &Store, name: &str) -> Result<Entry, ManifestsError> {
    let image = store.image(&images::resolve(store, name)?)?;
    let format = image
        .manifest_media_type
        .as_deref()
        .map_or(ManifestFormat::Oci, ManifestFormat::of_media_type);
    let plan = plan::as_stored(store, &image, format)?;
    let (bytes, media_type) = plan.manifest_for(&plan.stored_layers());
    let config: serde_json::Value =
        serde_json::from_slice(&store.read_blob(&image.config_digest())?)
            .map_err(|e| bad(name, &format!("malformed image config: {e}")))?;
    Ok(Entry {
        descriptor: Descriptor {
            media_type,
            size: bytes.len() as u64,
            digest: digest_of("sha256", &bytes),
            platform: Some(platform_of(&config)),
            annotations: Default::default(),
        },
        source: Source::Local(image.id),
    })
}

async fn remote(name: &str, all: bool, fetch: &Fetch) -> Result<Vec<Entry>, ManifestsError> {
    let reference = Reference::parse(name)?;
    let client = fetch.client()?;
    let served = client.manifest(&reference).await?;
    let source = Source::Remote(reference.name());
    let entry = |descriptor| Entry {
        descriptor,
        source: source.clone(),
    };
    match manifest::parse(name, &served.bytes, &served.media_type)? {
        Parsed::Index(index) => {
            let chosen = match all {
                true => index.manifests().clone(),
                false => vec![platform::select(&index, &platform::Platform::host())
                    .map_err(ImagesError::from)?],
            };
            chosen
                .iter()
                .map(|d| {
                    serde_json::to_value(d)
                        .and_then(serde_json::from_value)
                        .map(entry)
                        .map_err(|e| bad(name, &format!("malformed index entry: {e}")))
                })
                .collect()
        }
        Parsed::Manifest(m) => {
            let config = fetch_config(&client, &reference, m.config().digest().as_ref()).await?;
            Ok(vec![entry(Descriptor {
                media_type: served.media_type,
                size: served.bytes.len() as u64,
                digest: served.digest,
                platform: Some(platform_of(&config)),
                annotations: Default::default(),
            })])
        }
    }
}

/// A config blob, checked against its digest.
async fn fetch_config(
    client: &Client,
    reference: &Reference,
    digest: &str,
) -> Result<serde_json::Value, ManifestsError> {
    let name = reference.to_string();
    let mut blob = client.blob(reference, digest).await?;
    let mut bytes = Vec::new();
    while let Some(chunk) = blob.stream.next().await {
        bytes.extend_from_slice(&chunk?);
        if bytes.len() > CONFIG_MAX {
            return Err(bad(&name, "the image config is too large"));
        }
    }
    if digest_of("sha256", &bytes) != digest {
        return Err(bad(
            &name,
            &format!("config {digest} does not match its digest"),
        ));
    }
    serde_json::from_slice(&bytes).map_err(|e| bad(&name, &format!("malformed image config: {e}")))
}

fn platform_of(config: &serde_json::Value) -> Platform {
    let text = |key: &str| config[key].as_str().unwrap_or_default().to_owned();
    let list = |key: &str| {
        config[key]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    Platform {
        architecture: text("architecture"),
        os: text("os"),
        os_version: text("os.version"),
        os_features: list("os.features"),
        variant: text("variant"),
        features: Vec::new(),
    }
}

fn bad(image: &str, message: &str) -> ManifestsError {
    ManifestsError::BadManifest {
        image: image.to_owned(),
        message: message.to_owned(),
    }
}
