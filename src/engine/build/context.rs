//! The build context: a directory, or a tar read from the caller's reader (`build
//! -` gives stdin; unpacked under the store's tmp/ with the same hardened unpacker
//! layers use), with its ignore file and its Dockerfile.

use super::ignore::Ignore;
use super::BuildError;
use crate::engine::store::unpack::{unpack_layer, UnpackOptions};
use crate::engine::store::{Store, TempEntry};
use std::io::Read;
use std::path::{Path, PathBuf};

pub enum ContextInput {
    Dir(PathBuf),
    /// A tar (plain or gzip), or a lone Dockerfile: `-` is stdin.
    Reader(Box<dyn Read + Send>),
}

pub struct BuildContext {
    pub root: PathBuf,
    pub ignore: Ignore,
    /// Shown in errors: the Dockerfile's name as the user knows it.
    pub file_name: String,
    pub dockerfile: String,
    _unpacked: Option<TempEntry>,
}

pub fn prepare(
    store: &Store,
    input: ContextInput,
    file: Option<&Path>,
    ignorefile: Option<&Path>,
    opts: &UnpackOptions,
) -> Result<BuildContext, BuildError> {
    let (root, unpacked, lone_dockerfile) = match input {
        ContextInput::Dir(dir) => {
            if !dir.is_dir() {
                return Err(BuildError::Context(format!(
                    "the build context {} is not a directory",
                    dir.display()
                )));
            }
            (dir, None, None)
        }
        ContextInput::Reader(reader) => {
            let (temp, lone) = from_reader(store, reader, opts)?;
            (temp.path().to_owned(), Some(temp), lone)
        }
    };
    let (file_name, dockerfile) = match lone_dockerfile {
        Some(text) => ("Dockerfile".to_owned(), text),
        None => read_dockerfile(&root, file)?,
    };
    let ignore = match ignorefile {
        Some(path) => read_ignore_file(path)?,
        None => read_ignore(&root)?,
    };
    Ok(BuildContext {
        root,
        ignore,
        file_name,
        dockerfile,
        _unpacked: unpacked,
    })
}

fn read_dockerfile(root: &Path, file: Option<&Path>) -> Result<(String, String), BuildError> {
    let path = match file {
        // Relative to where the user is, as Podman does, else to the context.
        Some(f) if f.exists() => f.to_owned(),
        Some(f) => root.join(f),
        None => ["Containerfile", "Dockerfile"]
            .iter()
            .map(|n| root.join(n))
            .find(|p| p.is_file())
            .ok_or_else(|| {
                BuildError::Context(format!(
                    "no Containerfile or Dockerfile in {}: add one, or name it with -f",
                    root.display()
                ))
            })?,
    };
    let text = std::fs::read_to_string(&path).map_err(|e| {
        BuildError::Context(format!(
            "cannot read the Dockerfile {}: {e}",
            path.display()
        ))
    })?;
    let name = file.map(|f| f.display().to_string()).unwrap_or_else(|| {
        path.file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned()
    });
    Ok((name, text))
}

pub fn read_ignore(root: &Path) -> Result<Ignore, BuildError> {
    for name in [".containerignore", ".dockerignore"] {
        let path = root.join(name);
        if let Ok(text) = std::fs::read_to_string(&path) {
            return Ignore::parse(&text)
                .map_err(|e| BuildError::Context(format!("{}: {e}", path.display())));
        }
    }
    Ok(Ignore::default())
}

/// `--ignorefile`: it must be there, as in Podman.
fn read_ignore_file(path: &Path) -> Result<Ignore, BuildError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        BuildError::Context(format!(
            "cannot read the ignore file {}: {e}",
            path.display()
        ))
    })?;
    Ignore::parse(&text).map_err(|e| BuildError::Context(format!("{}: {e}", path.display())))
}

/// Unpacks a tar from `reader`; what is not a tar is taken as a Dockerfile alone.
fn from_reader(
    store: &Store,
    mut reader: Box<dyn Read + Send>,
    opts: &UnpackOptions,
) -> Result<(TempEntry, Option<String>), BuildError> {
    let mut bytes = Vec::new();
    reader
        .read_to_end(&mut bytes)
        .map_err(|e| BuildError::Context(format!("cannot read the context from stdin: {e}")))?;
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut plain = Vec::new();
        flate2::read::GzDecoder::new(bytes.as_slice())
            .read_to_end(&mut plain)
            .map_err(|e| {
                BuildError::Context(format!("the context on stdin is not valid gzip: {e}"))
            })?;
        bytes = plain;
    }
    let temp = store.temp_entry("context")?;
    std::fs::create_dir(temp.path())
        .map_err(|e| crate::engine::store::StoreError::io(temp.path(), e))?;
    let is_tar = bytes.len() >= 262 && &bytes[257..262] == b"ustar";
    if !is_tar {
        let text = String::from_utf8(bytes).map_err(|_| {
            BuildError::Context("stdin holds neither a tar nor a Dockerfile".to_owned())
        })?;
        return Ok((temp, Some(text)));
    }
    unpack_layer(&mut bytes.as_slice(), temp.path(), opts)
        .map_err(|e| BuildError::Context(format!("cannot unpack the context from stdin: {e}")))?;
    Ok((temp, None))
}
