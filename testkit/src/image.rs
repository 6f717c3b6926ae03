//! Images and indexes as the registry sees them: manifest, config and blobs, with
//! every digest computed so tests can assert on them.

use crate::layer::Layer;
use crate::sha256_digest;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::Write;

pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
pub const DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";
pub const DOCKER_LAYER_GZIP: &str = "application/vnd.docker.image.rootfs.diff.tar.gzip";
pub const DOCKER_LAYER_TAR: &str = "application/vnd.docker.image.rootfs.diff.tar";
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
pub const OCI_LAYER_TAR: &str = "application/vnd.oci.image.layer.v1.tar";
pub const OCI_LAYER_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
pub const OCI_LAYER_ZSTD: &str = "application/vnd.oci.image.layer.v1.tar+zstd";

/// Every config's `created`: fixed, so image IDs are stable.
pub const CREATED: &str = "2024-01-01T00:00:00Z";

/// Docker v2 schema 2 or OCI media types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Docker,
    Oci,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    Gzip,
    Zstd,
    /// Plain tar.
    None,
}

impl Compression {
    pub fn compress(self, data: &[u8]) -> Vec<u8> {
        match self {
            Compression::None => data.to_vec(),
            Compression::Gzip => gzip(data),
            Compression::Zstd => zstd::encode_all(data, 3).expect("zstd in memory"),
        }
    }

    fn media_type(self, format: Format) -> &'static str {
        match (format, self) {
            (Format::Docker, Compression::Gzip) => DOCKER_LAYER_GZIP,
            (Format::Docker, Compression::None) => DOCKER_LAYER_TAR,
            (Format::Docker, Compression::Zstd) => {
                panic!("Docker schema 2 has no zstd layer type; use Format::Oci")
            }
            (Format::Oci, Compression::Gzip) => OCI_LAYER_GZIP,
            (Format::Oci, Compression::Zstd) => OCI_LAYER_ZSTD,
            (Format::Oci, Compression::None) => OCI_LAYER_TAR,
        }
    }
}

/// gzip without name or timestamp (deterministic). The gzip binary (Essential
/// on Debian) is used when there is one: flate2 in a debug build takes over a
/// minute for 64 MiB.
fn gzip(data: &[u8]) -> Vec<u8> {
    use std::process::{Command, Stdio};
    if let Ok(mut child) = Command::new("gzip")
        .args(["-1", "-n", "-c"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
    {
        let mut stdin = child.stdin.take().unwrap();
        let input = data.to_vec();
        let writer = std::thread::spawn(move || stdin.write_all(&input));
        let out = child.wait_with_output().expect("gzip runs");
        if writer.join().map(|r| r.is_ok()).unwrap_or(false) && out.status.success() {
            return out.stdout;
        }
    }
    // flate2 writes mtime 0 and no name: deterministic too.
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(data).expect("gzip in memory");
    enc.finish().expect("gzip in memory")
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Platform {
    pub os: String,
    pub architecture: String,
    pub variant: Option<String>,
}

impl Platform {
    pub fn new(os: &str, architecture: &str, variant: Option<&str>) -> Self {
        Self {
            os: os.into(),
            architecture: architecture.into(),
            variant: variant.map(Into::into),
        }
    }
    pub fn linux_amd64() -> Self {
        Self::new("linux", "amd64", None)
    }
    pub fn linux_arm64_v8() -> Self {
        Self::new("linux", "arm64", Some("v8"))
    }
    fn to_json(&self) -> Value {
        let mut p = json!({"architecture": self.architecture, "os": self.os});
        if let Some(v) = &self.variant {
            p["variant"] = json!(v);
        }
        p
    }
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

/// A blob as pushed to the registry.
#[derive(Clone, Debug)]
pub struct Blob {
    pub media_type: String,
    pub digest: String,
    pub data: Vec<u8>,
}

impl Blob {
    pub fn new(media_type: &str, data: Vec<u8>) -> Self {
        Self {
            media_type: media_type.into(),
            digest: sha256_digest(&data),
            data,
        }
    }
    fn descriptor(&self) -> Value {
        json!({"mediaType": self.media_type, "size": self.data.len(), "digest": self.digest})
    }
}

/// One image: its manifest, config and layer blobs.
#[derive(Clone, Debug)]
pub struct Image {
    pub format: Format,
    pub platform: Platform,
    pub manifest: Vec<u8>,
    pub manifest_media_type: String,
    /// `sha256:` of the manifest bytes: what `pull NAME@DIGEST` takes.
    pub manifest_digest: String,
    pub config: Blob,
    /// The compressed layer blobs, bottom first.
    pub layers: Vec<Blob>,
    /// The diff_ids as written in the config (see [`ImageBuilder::wrong_diff_id`]).
    pub diff_ids: Vec<String>,
}

impl Image {
    /// The image ID: the config digest's hex (what `coracle pull` prints).
    pub fn id(&self) -> String {
        crate::hex_of(&self.config.digest).to_string()
    }
    /// `sha256:<hex>` of the config.
    pub fn config_digest(&self) -> &str {
        &self.config.digest
    }
    /// The 12-hex short ID `coracle images` shows.
    pub fn short_id(&self) -> String {
        self.id()[..12].to_string()
    }
    /// The parsed config.
    pub fn config_json(&self) -> Value {
        serde_json::from_slice(&self.config.data).expect("config is JSON")
    }
    /// The config blob followed by the layers.
    pub fn blobs(&self) -> impl Iterator<Item = &Blob> {
        std::iter::once(&self.config).chain(self.layers.iter())
    }
    /// The sum of the compressed layer sizes.
    pub fn layers_size(&self) -> u64 {
        self.layers.iter().map(|b| b.data.len() as u64).sum()
    }
}

/// An OCI index or a Docker manifest list with its child images.
#[derive(Clone, Debug)]
pub struct Index {
    pub manifest: Vec<u8>,
    pub media_type: String,
    pub digest: String,
    pub images: Vec<Image>,
}

impl Index {
    pub fn new(format: Format, images: Vec<Image>) -> Self {
        let media_type = match format {
            Format::Docker => DOCKER_LIST,
            Format::Oci => OCI_INDEX,
        };
        let manifests: Vec<Value> = images
            .iter()
            .map(|i| {
                json!({
                    "mediaType": i.manifest_media_type,
                    "size": i.manifest.len(),
                    "digest": i.manifest_digest,
                    "platform": i.platform.to_json(),
                })
            })
            .collect();
        let doc = json!({"schemaVersion": 2, "mediaType": media_type, "manifests": manifests});
        let manifest = serde_json::to_vec_pretty(&doc).unwrap();
        Self {
            digest: sha256_digest(&manifest),
            manifest,
            media_type: media_type.into(),
            images,
        }
    }

    /// The child image for a platform.
    pub fn image(&self, platform: &Platform) -> &Image {
        self.images
            .iter()
            .find(|i| &i.platform == platform)
            .unwrap_or_else(|| panic!("index has no {platform} image"))
    }
}

/// Something the uploader can push: an image, or an index with its children.
pub trait Pushable {
    /// Child images whose manifests must be pushed (by digest) before the top one.
    fn images(&self) -> Vec<&Image>;
    /// The top-level manifest: bytes, media type, digest.
    fn top(&self) -> (&[u8], &str, &str);
}

impl Pushable for Image {
    fn images(&self) -> Vec<&Image> {
        vec![self]
    }
    fn top(&self) -> (&[u8], &str, &str) {
        (
            &self.manifest,
            &self.manifest_media_type,
            &self.manifest_digest,
        )
    }
}

impl Pushable for Index {
    fn images(&self) -> Vec<&Image> {
        self.images.iter().collect()
    }
    fn top(&self) -> (&[u8], &str, &str) {
        (&self.manifest, &self.media_type, &self.digest)
    }
}

/// Assembles an image from layers: config (with history), manifest, digests.
pub struct ImageBuilder {
    format: Format,
    compression: Compression,
    platform: Platform,
    env: Vec<String>,
    cmd: Vec<String>,
    labels: BTreeMap<String, String>,
    stop_signal: Option<String>,
    layers: Vec<Layer>,
    history: Vec<Value>,
    wrong_diff_id: Option<usize>,
}

impl ImageBuilder {
    pub fn new(format: Format, compression: Compression) -> Self {
        Self {
            format,
            compression,
            platform: Platform::linux_amd64(),
            env: vec!["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into()],
            cmd: vec!["sh".into()],
            labels: BTreeMap::new(),
            stop_signal: None,
            layers: Vec::new(),
            history: Vec::new(),
            wrong_diff_id: None,
        }
    }

    pub fn platform(mut self, platform: Platform) -> Self {
        self.platform = platform;
        self
    }

    pub fn label(mut self, key: &str, value: &str) -> Self {
        self.labels.insert(key.into(), value.into());
        self.history.push(json!({
            "created": CREATED,
            "created_by": format!("/bin/sh -c #(nop)  LABEL {key}={value}"),
            "empty_layer": true,
        }));
        self
    }

    pub fn cmd(mut self, cmd: &[&str]) -> Self {
        self.cmd = cmd.iter().map(|s| s.to_string()).collect();
        self
    }

    /// Sets the config's StopSignal.
    pub fn stop_signal(mut self, signal: &str) -> Self {
        self.stop_signal = Some(signal.into());
        self
    }

    pub fn env(mut self, var: &str) -> Self {
        self.env.push(var.into());
        self
    }

    /// Adds a layer, with a history entry saying how it was made.
    pub fn layer(mut self, layer: Layer, created_by: &str) -> Self {
        self.layers.push(layer);
        self.history
            .push(json!({"created": CREATED, "created_by": created_by}));
        self
    }

    /// Writes a wrong diff_id for layer `i` into the config (the blob stays valid).
    pub fn wrong_diff_id(mut self, i: usize) -> Self {
        self.wrong_diff_id = Some(i);
        self
    }

    pub fn build(self) -> Image {
        let mut diff_ids: Vec<String> = self.layers.iter().map(|l| l.diff_id.clone()).collect();
        if let Some(i) = self.wrong_diff_id {
            diff_ids[i] = sha256_digest(format!("not the diff_id of layer {i}").as_bytes());
        }
        let mut history = self.history;
        history.push(json!({
            "created": CREATED,
            "created_by": format!("/bin/sh -c #(nop)  CMD {}", serde_json::to_string(&self.cmd).unwrap()),
            "empty_layer": true,
        }));
        let mut config = json!({
            "architecture": self.platform.architecture,
            "os": self.platform.os,
            "created": CREATED,
            "author": "coracle-testkit",
            "config": {
                "Env": self.env,
                "Cmd": self.cmd,
                "Labels": self.labels,
            },
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
            "history": history,
        });
        if let Some(s) = &self.stop_signal {
            config["config"]["StopSignal"] = json!(s);
        }
        if let Some(v) = &self.platform.variant {
            config["variant"] = json!(v);
        }
        let (config_type, manifest_type) = match self.format {
            Format::Docker => (DOCKER_CONFIG, DOCKER_MANIFEST),
            Format::Oci => (OCI_CONFIG, OCI_MANIFEST),
        };
        let config = Blob::new(config_type, serde_json::to_vec(&config).unwrap());
        let layer_type = self.compression.media_type(self.format);
        let layers: Vec<Blob> = self
            .layers
            .iter()
            .map(|l| match self.compression {
                // Uncompressed: the blob digest is the diff_id; skip hashing it again.
                Compression::None => Blob {
                    media_type: layer_type.into(),
                    digest: l.diff_id.clone(),
                    data: l.tar.clone(),
                },
                c => Blob::new(layer_type, c.compress(&l.tar)),
            })
            .collect();
        let manifest = json!({
            "schemaVersion": 2,
            "mediaType": manifest_type,
            "config": config.descriptor(),
            "layers": layers.iter().map(Blob::descriptor).collect::<Vec<_>>(),
        });
        let manifest = serde_json::to_vec_pretty(&manifest).unwrap();
        Image {
            format: self.format,
            platform: self.platform,
            manifest_digest: sha256_digest(&manifest),
            manifest,
            manifest_media_type: manifest_type.into(),
            config,
            layers,
            diff_ids,
        }
    }
}
