//! coracle's offline test kit: OCI/Docker test images built from busybox-static,
//! throwaway Distribution registries (anonymous, basic and token auth), an uploader,
//! a throttling proxy, and a runner that drives the coracle binary as an
//! unprivileged user with its own storage per test.
//!
//! Nothing here needs the internet: the images are packed from `/bin/busybox`
//! and the registry is Debian's `docker-registry` on 127.0.0.1.

pub mod catalog;
pub mod image;
pub mod layer;
pub mod proxy;
pub mod registry;
pub mod runner;
mod spawn;
mod token;
pub mod upload;
pub mod user;

pub use catalog::Catalog;
pub use image::{Blob, Compression, Format, Image, ImageBuilder, Index, Platform, Pushable};
pub use layer::{Layer, LayerBuilder};
pub use proxy::Throttle;
pub use registry::{Auth, Registry};
pub use runner::{Coracle, Output};
pub use user::TestUser;

/// Re-exported so tests can talk HTTP to the registries without their own dependency.
pub use ureq;

/// `sha256:<hex>` of some bytes. (ring's assembly is fast even in debug builds,
/// which is what tests run; sha2 there hashes 64 MiB in seconds.)
pub fn sha256_digest(data: &[u8]) -> String {
    format!(
        "sha256:{}",
        hex::encode(ring::digest::digest(&ring::digest::SHA256, data))
    )
}

/// The hex part of a `sha256:<hex>` digest.
pub fn hex_of(digest: &str) -> &str {
    digest.strip_prefix("sha256:").unwrap_or(digest)
}
