//! The infra container: the process that holds a pod's shared namespaces.
//! Podman runs catatonit -P from a `localhost/podman-pause` image it builds
//! on the spot; coracle does the same with its own init (`coracle-init -P`),
//! so no image need be pulled and the pod costs one small static process
//! under the usual per-container monitor.

use super::create::PodCreateOptions;
use super::{Pod, PodsError};
use crate::engine::containers::create::CreateOptions;
use crate::engine::context::Context;
use crate::engine::images;
use crate::engine::images::archive::import::{self, ImportOptions};
use crate::engine::monitor::init;
use crate::engine::net::Network;
use crate::engine::process::Inside;
use crate::engine::store::Store;

/// The image, named after the coracle that made it, as Podman's pause image
/// is after its version: a newer coracle makes its own.
pub const IMAGE: &str = concat!("localhost/coracle-pause:", env!("CARGO_PKG_VERSION"));

/// Where the init sits in the image, and what the infra runs.
const BINARY: &str = "coracle-init";

/// Makes the infra image unless it is there.
pub fn ensure_image(inside: Inside, ctx: &Context, store: &Store) -> Result<(), PodsError> {
    if images::resolve(store, IMAGE).is_ok() {
        return Ok(());
    }
    let tar = image_tar(&ctx.runroot).map_err(|e| PodsError::InfraImage(e.to_string()))?;
    let opts = ImportOptions {
        reference: Some(IMAGE.to_owned()),
        changes: vec![format!(r#"ENTRYPOINT ["/{BINARY}", "-P"]"#)],
        message: None,
        platform: None,
    };
    import::import(inside, ctx, tar.as_slice(), &opts)?;
    Ok(())
}

/// A root file system with the init and the directories the runtime mounts
/// on (it makes them itself, but an image that has them is spared the
/// copy-up).
fn image_tar(runroot: &std::path::Path) -> std::io::Result<Vec<u8>> {
    let binary = std::fs::read(init::install(runroot)?)?;
    let mut tar = tar::Builder::new(Vec::new());
    for dir in ["dev", "etc", "proc", "sys", "tmp"] {
        let mut header = header(0);
        header.set_entry_type(tar::EntryType::Directory);
        tar.append_data(&mut header, format!("{dir}/"), std::io::empty())?;
    }
    let mut header = header(binary.len() as u64);
    tar.append_data(&mut header, BINARY, binary.as_slice())?;
    tar.into_inner()
}

/// Owned by root, mode 0755, dated at the epoch: the same bytes, and so the
/// same image ID, every time.
fn header(size: u64) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    header.set_mode(0o755);
    header.set_uid(0);
    header.set_gid(0);
    header.set_mtime(0);
    header.set_size(size);
    header
}

/// The infra container's options: the pod's network, ports and host name,
/// named as Podman names it (the pod ID's first 12 characters, `-infra`).
pub fn options(pod: &Pod, opts: &PodCreateOptions) -> CreateOptions {
    CreateOptions {
        image: IMAGE.to_owned(),
        name: Some(format!("{}-infra", &pod.id[..12])),
        network: opts.network.clone(),
        hostname: Some(opts.hostname.clone().unwrap_or_else(|| pod.name.clone())),
        publish: opts.publish.clone(),
        names: opts.names.clone(),
        pod: Some(pod.id.clone()),
        infra: true,
        ..CreateOptions::default()
    }
}

/// Whether the network of a pod given `--network` can be shared: none,
/// another container's or the host's are what a member could have had on
/// its own.
pub fn check_network(network: Option<&Network>) -> Result<(), PodsError> {
    match network {
        Some(Network::Container(_)) => Err(PodsError::Invalid(
            "pods presently do not support network mode container: use the network of its infra container instead".into(),
        )),
        _ => Ok(()),
    }
}
