//! `commit`: a container's changes (its overlay upper dir) as a new image on top of
//! the container's image, with `--change` instructions applied to the config.
//! `--squash` makes the image one layer; `--pause` freezes a running container
//! while its changes are copied.

use super::commit_volumes::add_volumes;
use super::image::{ImageState, ImageStyle};
use super::instructions::{self, default_shell};
use super::parse::parse_line;
use super::squash::squash;
use super::{layer, run, BuildError};
use crate::engine::containers::pause::set_paused;
use crate::engine::containers::remove::resolve;
use crate::engine::containers::{ContainerConfig, ContainersError};
use crate::engine::context::Context;
use crate::engine::images::push::plan::ManifestFormat;
use crate::engine::images::ImagesError;
use crate::engine::oci::reference::Reference;
use crate::engine::process::Inside;
use crate::engine::storage_driver::Upper;
use crate::engine::store::containers::Status;
use crate::engine::store::unpack::unpack_layer;
use crate::engine::store::{Store, StoreError};
use crate::engine::userns::shift::IdShift;
use serde_json::json;
use std::path::PathBuf;

/// Instructions `--change` may give (Docker's list).
const CHANGES: [&str; 10] = [
    "CMD",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "LABEL",
    "ONBUILD",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

#[derive(Debug, Clone, Default)]
pub struct CommitOptions {
    pub container: String,
    pub image: Option<String>,
    pub author: Option<String>,
    pub message: Option<String>,
    pub changes: Vec<String>,
    /// The manifest and config format (`--format oci|docker`).
    pub format: ManifestFormat,
    /// One layer for the whole image (`--squash`).
    pub squash: bool,
    /// Freeze a running container while its changes are copied (`--pause`).
    pub pause: bool,
    /// Every user mount as a VOLUME, not only anonymous volumes (`--include-volumes`).
    pub include_volumes: bool,
}

/// Makes the image and returns its ID.
pub fn commit(ctx: &Context, _inside: Inside, opts: &CommitOptions) -> Result<String, BuildError> {
    let tag = opts
        .image
        .as_deref()
        .map(|name| Reference::parse(name).map(|r| r.to_string()))
        .transpose()
        .map_err(ImagesError::from)?;
    let mut store = ctx.open_store()?;
    let _adding = store.lock_for_adding()?;
    let id = resolve(&store, &opts.container)?;
    let record = store
        .container(&id)?
        .ok_or_else(|| ContainersError::NotFound(opts.container.clone()))?;
    let config = ContainerConfig::of(&record)?;
    let mut image = ImageState::load(&store, &record.image_id)?;
    apply_changes(&mut image, &opts.changes)?;
    add_volumes(&store, &mut image, &config.mounts, opts.include_volumes)?;
    // Podman pauses only a running container, and thaws it whatever the outcome.
    let pause = opts.pause && record.state.status == Status::Running;
    if pause {
        set_paused(&store, &id, true)
            .map_err(|e| BuildError::Engine(format!("pausing container {id:?} to commit: {e}")))?;
    }
    let copied = copy_changes(ctx, &store, &id, &config, &image);
    if pause {
        set_paused(&store, &id, false)?;
    }
    image.layers.push(copied?);
    if let Some(author) = &opts.author {
        image.config["author"] = json!(author);
    }
    image.add_history(&format!("commit of container {}", &id[..12]), false);
    if let Some(message) = &opts.message {
        if let Some(last) = image.config["history"]
            .as_array_mut()
            .and_then(|h| h.last_mut())
        {
            last["comment"] = json!(message);
        }
    }
    let style = ImageStyle {
        format: opts.format,
        ..ImageStyle::default()
    };
    let new_id = if opts.squash {
        let squashed = squash(&mut store, &image, 0, &ctx.unpack_options(), &style)?;
        squashed.id.unwrap_or_default()
    } else {
        image.commit_styled(&mut store, &style)?
    };
    if let Some(tag) = tag {
        store.set_tag(&tag, &new_id)?;
    }
    Ok(new_id)
}

/// `--change` instructions, Docker's list only.
fn apply_changes(image: &mut ImageState, changes: &[String]) -> Result<(), BuildError> {
    for change in changes {
        let instr = parse_line(change, 1).map_err(BuildError::Invalid)?;
        if !CHANGES.contains(&instr.keyword.as_str()) {
            return Err(BuildError::Invalid(format!(
                "--change {change:?}: {} cannot be changed on commit; use one of {}",
                instr.keyword,
                CHANGES.join(", ")
            )));
        }
        instructions::prepare(&instr, image, &[], &default_shell(), '\\')?;
    }
    Ok(())
}

/// The container's upper dir as a stored layer; returns its diff-id.
fn copy_changes(
    ctx: &Context,
    store: &Store,
    id: &str,
    config: &ContainerConfig,
    image: &ImageState,
) -> Result<String, BuildError> {
    let layers: Vec<PathBuf> = image
        .layers
        .iter()
        .rev()
        .map(|l| store.layer_path(l))
        .collect::<Result<_, StoreError>>()?;
    // The container keeps its upper dir: the layer is a copy, made through a tar
    // so that ownership, times and whiteouts come through as they are.
    let copy = store.temp_entry("layer")?;
    std::fs::create_dir(copy.path()).map_err(|e| StoreError::io(copy.path(), e))?;
    let tar_file = store.temp_entry("commit-tar")?;
    let changes = Upper::of(store.storage(), &store.container_dir(id), &config.layers)?;
    let upper = changes.path();
    let io = |e| BuildError::Store(StoreError::io(upper, e));
    let file = std::fs::File::create(tar_file.path()).map_err(io)?;
    // The upper dir of a container with its own user namespace holds its ids as
    // they are on disk; the image holds them as the container saw them.
    let ids = config
        .userns
        .as_ref()
        .map(|own| IdShift::ToContainer(own.maps.clone()));
    layer::write_tar(upper, std::io::BufWriter::new(file), ids.as_ref()).map_err(io)?;
    let file = std::fs::File::open(tar_file.path()).map_err(io)?;
    unpack_layer(
        std::io::BufReader::new(file),
        copy.path(),
        &ctx.unpack_options(),
    )
    .map_err(|e| BuildError::Engine(format!("cannot copy the container's changes: {e}")))?;
    run::remove_placeholders(copy.path(), &layers);
    layer::commit(store, copy)
}
