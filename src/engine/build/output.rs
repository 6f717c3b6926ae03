//! `--output`: the built image's files, its layers merged top-down (what a
//! container of it would see), written as a tar or into a directory.

use super::merge::merged_tar;
use super::BuildError;
use crate::engine::store::unpack::{unpack_layer, UnpackOptions};
use crate::engine::store::{Store, StoreError};
use std::path::PathBuf;

/// Where the files go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuildOutput {
    /// `type=local,dest=DIR`, or a lone DIR.
    Local(PathBuf),
    /// `type=tar,dest=FILE`.
    Tar(PathBuf),
}

impl std::str::FromStr for BuildOutput {
    type Err = String;

    fn from_str(text: &str) -> Result<BuildOutput, String> {
        if !text.contains('=') {
            return match text {
                "" | "-" => Err(format!(
                    "--output {text:?}: give a directory, or type=local|tar,dest=PATH"
                )),
                dir => Ok(BuildOutput::Local(dir.into())),
            };
        }
        let (mut kind, mut dest) = (None, None);
        for field in text.split(',') {
            match field.split_once('=') {
                Some(("type", v)) => kind = Some(v),
                Some(("dest", v)) if !v.is_empty() && v != "-" => dest = Some(PathBuf::from(v)),
                _ => return Err(format!("--output {text:?}: unknown or bad field {field:?}")),
            }
        }
        let dest = dest.ok_or_else(|| format!("--output {text:?}: dest=PATH is required"))?;
        match kind {
            Some("local") => Ok(BuildOutput::Local(dest)),
            Some("tar") => Ok(BuildOutput::Tar(dest)),
            _ => Err(format!("--output {text:?}: type must be local or tar")),
        }
    }
}

/// Writes the files of the image made of `layers` (diff-ids, bottom first).
pub fn write(
    store: &Store,
    layers: &[String],
    output: &BuildOutput,
    opts: &UnpackOptions,
) -> Result<(), BuildError> {
    let dirs: Vec<PathBuf> = layers
        .iter()
        .rev()
        .map(|l| store.layer_path(l))
        .collect::<Result<_, StoreError>>()?;
    match output {
        BuildOutput::Tar(path) => {
            let file = std::fs::File::create(path).map_err(|e| StoreError::io(path, e))?;
            merged_tar(&dirs, std::io::BufWriter::new(file), false)
                .map_err(|e| StoreError::io(path, e))?;
        }
        BuildOutput::Local(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::io(dir, e))?;
            let tar = store.temp_entry("output-tar")?;
            let file = std::fs::File::create(tar.path()).map_err(|e| StoreError::io(dir, e))?;
            merged_tar(&dirs, std::io::BufWriter::new(file), false)
                .map_err(|e| StoreError::io(dir, e))?;
            let file = std::fs::File::open(tar.path()).map_err(|e| StoreError::io(dir, e))?;
            unpack_layer(std::io::BufReader::new(file), dir, opts).map_err(|e| {
                BuildError::Engine(format!("cannot write the output to {}: {e}", dir.display()))
            })?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_specs_as_podman_reads_them() {
        let parse = |s: &str| s.parse::<BuildOutput>();
        assert_eq!(parse("out"), Ok(BuildOutput::Local("out".into())));
        assert_eq!(
            parse("type=local,dest=/o"),
            Ok(BuildOutput::Local("/o".into()))
        );
        assert_eq!(
            parse("type=tar,dest=o.tar"),
            Ok(BuildOutput::Tar("o.tar".into()))
        );
        assert!(parse("type=zip,dest=o").is_err());
        assert!(parse("type=tar").is_err());
        assert!(parse("type=local,dest=o,extra=1").is_err());
        assert!(parse("-").is_err());
    }
}
