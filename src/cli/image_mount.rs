//! `image mount` and `image unmount`/`umount`: an image's layers, read-only,
//! where the caller can reach them, printed as Podman prints them.

use crate::engine::images::list::ListOptions;
use crate::engine::images::mount::MountedImage;
use crate::engine::interface::Engine;
use serde::Serialize;

#[derive(clap::Args)]
pub struct MountArgs {
    /// Mount all images
    #[arg(short, long)]
    all: bool,
    /// Print the mounted images in specified format (json)
    #[arg(long)]
    format: Option<String>,
    /// The images to mount; with none, list the mounted ones
    images: Vec<String>,
}

#[derive(clap::Args)]
pub struct UnmountArgs {
    /// Unmount all of the currently mounted images
    #[arg(short, long)]
    all: bool,
    /// Force the complete unmount of the specified mounted images
    #[arg(short, long)]
    force: bool,
    /// The images to unmount
    #[arg(required_unless_present = "all")]
    images: Vec<String>,
}

pub fn mount(engine: &dyn Engine, args: MountArgs) -> anyhow::Result<()> {
    if args.all && !args.images.is_empty() {
        anyhow::bail!("when using the --all switch, you may not pass any image names or IDs");
    }
    // A bad format fails before anything is mounted.
    let json = match args.format.as_deref() {
        None | Some("") => false,
        Some("json") => true,
        Some(other) => anyhow::bail!("unknown --format argument: {other:?}"),
    };
    let names = match args.all {
        true => all_ids(engine)?,
        false => args.images,
    };
    let mounted = match names.is_empty() {
        true => engine.mounted_images()?,
        false => engine.mount_images(&names)?,
    };
    // One image asked for by name: only its path.
    if let ([one], false) = (mounted.as_slice(), args.all) {
        if names.len() == 1 {
            println!("{}", one.path.display());
            return Ok(());
        }
    }
    match json {
        true => println!("{}", report(&mounted)?),
        false => mounted
            .iter()
            .for_each(|m| println!("{}  {}", m.tags.first().unwrap_or(&m.id), m.path.display())),
    }
    Ok(())
}

pub fn unmount(engine: &dyn Engine, args: UnmountArgs) -> anyhow::Result<()> {
    if args.all && !args.images.is_empty() {
        anyhow::bail!("when using the --all switch, you may not pass any image names or IDs");
    }
    let names = match args.all {
        true => engine.mounted_images()?.into_iter().map(|m| m.id).collect(),
        false => args.images,
    };
    if names.is_empty() {
        return Ok(());
    }
    for id in engine.unmount_images(&names, args.force)? {
        println!("{id}");
    }
    Ok(())
}

fn all_ids(engine: &dyn Engine) -> anyhow::Result<Vec<String>> {
    let rows = engine.list_images(&ListOptions {
        all: true,
        ..ListOptions::default()
    })?;
    let mut ids: Vec<String> = rows.into_iter().map(|r| r.id).collect();
    ids.dedup();
    Ok(ids)
}

/// Podman's JSON report, its fields in its order, indented by one space.
#[derive(Serialize)]
struct Report<'a> {
    id: &'a str,
    #[serde(rename = "Names")]
    names: Vec<&'a str>,
    #[serde(rename = "Repositories")]
    repositories: &'a [String],
    mountpoint: &'a std::path::Path,
}

fn report(mounted: &[MountedImage]) -> anyhow::Result<String> {
    let reports: Vec<Report> = mounted
        .iter()
        .map(|m| Report {
            id: &m.id,
            names: m.manifest_digest.iter().map(String::as_str).collect(),
            repositories: &m.tags,
            mountpoint: &m.path,
        })
        .collect();
    let mut buf = Vec::new();
    let indent = serde_json::ser::PrettyFormatter::with_indent(b" ");
    reports.serialize(&mut serde_json::Serializer::with_formatter(
        &mut buf, indent,
    ))?;
    Ok(String::from_utf8(buf)?)
}
