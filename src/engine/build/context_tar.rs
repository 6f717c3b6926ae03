//! A context directory as the tar Docker's CLI sends to a service: without
//! what its ignore file excludes, and with a Dockerfile from outside it added.

use super::context::read_ignore;
use super::ignore::Ignore;
use super::BuildError;
use std::path::Path;

/// Where a Dockerfile from outside the context goes in the tar.
const OUTSIDE_DOCKERFILE: &str = ".coracle-dockerfile";

fn io(e: std::io::Error) -> BuildError {
    BuildError::Context(format!("cannot pack the build context: {e}"))
}

/// The context directory as a tar, and the Dockerfile's name in it when it
/// had to be added from outside.
pub fn context_tar(
    dir: &Path,
    file: Option<&Path>,
) -> Result<(Vec<u8>, Option<String>), BuildError> {
    let ignore = read_ignore(dir)?;
    let mut tar = tar::Builder::new(Vec::new());
    tar.follow_symlinks(false);
    add_dir(&mut tar, dir, dir, &ignore).map_err(io)?;
    let mut name = None;
    if let Some(f) = file.filter(|f| f.exists()) {
        let inside = f
            .canonicalize()
            .ok()
            .zip(dir.canonicalize().ok())
            .and_then(|(f, d)| f.strip_prefix(d).ok().map(Path::to_owned));
        match inside {
            Some(rel) => name = Some(rel.display().to_string()),
            None => {
                tar.append_path_with_name(f, OUTSIDE_DOCKERFILE)
                    .map_err(io)?;
                name = Some(OUTSIDE_DOCKERFILE.to_owned());
            }
        }
    }
    Ok((tar.into_inner().map_err(io)?, name))
}

fn add_dir(
    tar: &mut tar::Builder<Vec<u8>>,
    root: &Path,
    dir: &Path,
    ignore: &Ignore,
) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let rel = path.strip_prefix(root).unwrap_or(&path);
        let rel_text = rel.to_string_lossy();
        // An excluded directory is still walked when the file has exceptions
        // (`!keep/this`) that may bring something under it back.
        let excluded = ignore.excluded(&rel_text);
        let is_dir = entry.file_type()?.is_dir();
        if excluded && !(is_dir && ignore.has_exceptions()) {
            continue;
        }
        if !excluded {
            tar.append_path_with_name(&path, rel)?;
        }
        if is_dir {
            add_dir(tar, root, &path, ignore)?;
        }
    }
    Ok(())
}
