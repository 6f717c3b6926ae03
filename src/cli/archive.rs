//! `coracle save` and `coracle load`

use crate::engine::context::Context;
use crate::engine::images::archive::load::load as load_archive;
use crate::engine::images::archive::save::{save_to, save_to_dir, ArchiveFormat};
use anyhow::{bail, Context as _};
use std::io::{BufWriter, IsTerminal};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct SaveArgs {
    /// Write to this file (or directory, for oci-dir) instead of stdout
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// docker-archive, oci-archive or oci-dir
    #[arg(long, default_value = "docker-archive", value_parser = ["docker-archive", "oci-archive", "oci-dir"])]
    format: String,
    /// Say nothing
    #[arg(short, long)]
    quiet: bool,
    /// The images to save
    #[arg(required = true)]
    images: Vec<String>,
}

#[derive(clap::Args)]
pub struct LoadArgs {
    /// Read from this file instead of stdin
    #[arg(short, long, value_name = "FILE")]
    input: Option<PathBuf>,
    /// Print only the names of the loaded images
    #[arg(short, long)]
    quiet: bool,
}

pub fn save(ctx: &Context, args: SaveArgs) -> anyhow::Result<()> {
    let format = match args.format.as_str() {
        "oci-archive" => ArchiveFormat::OciArchive,
        "oci-dir" => ArchiveFormat::OciDir,
        _ => ArchiveFormat::DockerArchive,
    };
    let Some(output) = args.output else {
        if format == ArchiveFormat::OciDir {
            bail!("oci-dir needs a directory: use -o DIR");
        }
        let stdout = std::io::stdout();
        if stdout.is_terminal() {
            bail!("refusing to write an archive to a terminal: use -o FILE or redirect stdout");
        }
        return Ok(save_to(
            ctx,
            &args.images,
            format,
            BufWriter::new(stdout.lock()),
        )?);
    };
    if format == ArchiveFormat::OciDir {
        return Ok(save_to_dir(ctx, &args.images, &output)?);
    }
    // Written beside and renamed: a failed save leaves no half archive.
    let tmp = output.with_extension(format!("coracle-tmp-{}", std::process::id()));
    let file = std::fs::File::create(&tmp)
        .with_context(|| format!("cannot create {}", output.display()))?;
    let result = save_to(
        ctx,
        &args.images,
        format,
        BufWriter::with_capacity(1 << 20, file),
    )
    .map_err(anyhow::Error::from)
    .and_then(|()| {
        std::fs::rename(&tmp, &output).with_context(|| format!("cannot write {}", output.display()))
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

pub fn load(ctx: &Context, args: LoadArgs) -> anyhow::Result<()> {
    let names = match &args.input {
        Some(path) => {
            let file = std::fs::File::open(path)
                .with_context(|| format!("cannot open {}", path.display()))?;
            load_archive(ctx, file)?
        }
        None => {
            let stdin = std::io::stdin();
            if stdin.is_terminal() {
                bail!("no archive to load: use -i FILE or redirect one into stdin");
            }
            load_archive(ctx, stdin.lock())?
        }
    };
    for name in names {
        if args.quiet {
            println!("{name}");
        } else {
            println!("Loaded image: {name}");
        }
    }
    Ok(())
}
