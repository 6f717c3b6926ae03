//! `coracle save` and `coracle load`

use crate::engine::images::archive::save::ArchiveFormat;
use crate::engine::interface::Engine;
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
    /// Write the images given into one archive (ignored: coracle always does)
    #[arg(short, long, value_parser = super::unsupported::ignored(clap::builder::BoolValueParser::new()))]
    multi_image_archive: bool,
    /// Compress layers when saving to a directory (ignored: only Podman's dir
    /// format uses it, which coracle does not write)
    #[arg(long, value_parser = super::unsupported::ignored(clap::builder::BoolValueParser::new()))]
    compress: bool,
    /// Accept uncompressed layers in OCI images (ignored: coracle writes layers as
    /// it stores them)
    #[arg(long, value_parser = super::unsupported::ignored(clap::builder::BoolValueParser::new()))]
    uncompressed: bool,
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

pub fn save(engine: &dyn Engine, args: SaveArgs) -> anyhow::Result<()> {
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
        let mut out = BufWriter::new(stdout.lock());
        return Ok(engine.save(&args.images, format, &mut out)?);
    };
    if format == ArchiveFormat::OciDir {
        return Ok(engine.save_to_dir(&args.images, &output)?);
    }
    // Written beside and renamed: a failed save leaves no half archive.
    let tmp = output.with_extension(format!("coracle-tmp-{}", std::process::id()));
    let file = std::fs::File::create(&tmp)
        .with_context(|| format!("cannot create {}", output.display()))?;
    let result = engine
        .save(
            &args.images,
            format,
            &mut BufWriter::with_capacity(1 << 20, file),
        )
        .map_err(anyhow::Error::from)
        .and_then(|()| {
            std::fs::rename(&tmp, &output)
                .with_context(|| format!("cannot write {}", output.display()))
        });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

pub fn load(engine: &dyn Engine, args: LoadArgs) -> anyhow::Result<()> {
    let names = match &args.input {
        Some(path) => {
            let mut file = std::fs::File::open(path)
                .with_context(|| format!("cannot open {}", path.display()))?;
            engine.load(&mut file)?
        }
        None => {
            let stdin = std::io::stdin();
            if stdin.is_terminal() {
                bail!("no archive to load: use -i FILE or redirect one into stdin");
            }
            engine.load(&mut stdin.lock())?
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
