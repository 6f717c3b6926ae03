//! `build --secret id=ID,src=PATH` (or `env=VAR`, as buildah 1.28 and later):
//! values a RUN step reads through `--mount=type=secret`. Only where the value
//! comes from is kept here; the value itself is read when a step mounts it, and is
//! never part of a layer, the history or a step's cache key.

use super::mount_spec::Owner;
use super::BuildError;
use crate::engine::store::StoreError;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secret {
    pub id: String,
    pub source: SecretSource,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    File(PathBuf),
    /// An environment variable of the building process.
    Env(String),
}

impl std::str::FromStr for Secret {
    type Err = String;

    /// `id=ID,src=PATH`, `id=ID,env=VAR`, or `id=ID,type=env|file,src=NAME`.
    fn from_str(text: &str) -> Result<Secret, String> {
        let (mut id, mut src, mut env, mut kind) = (None, None, None, None);
        for field in text.split(',').filter(|f| !f.is_empty()) {
            let (key, value) = field.split_once('=').unwrap_or((field, ""));
            let slot = match key {
                "id" => &mut id,
                "src" | "source" => &mut src,
                "env" => &mut env,
                "type" => &mut kind,
                _ => {
                    return Err(format!(
                        "invalid --secret {text:?}: unknown option {key:?}: use id=ID,src=PATH or id=ID,env=VAR"
                    ))
                }
            };
            *slot = Some(value.to_owned()).filter(|v| !v.is_empty());
        }
        let id = id.ok_or_else(|| format!("invalid --secret {text:?}: it needs id=ID"))?;
        let source = match (kind.as_deref(), src, env) {
            (None | Some("file"), Some(path), None) => SecretSource::File(path.into()),
            (None | Some("env"), None, Some(var)) | (Some("env"), Some(var), None) => {
                SecretSource::Env(var)
            }
            (Some(other), _, _) if other != "file" && other != "env" => {
                return Err(format!(
                    "invalid --secret {text:?}: type={other}: use file or env"
                ))
            }
            _ => {
                return Err(format!(
                    "invalid --secret {text:?}: give one of src=PATH or env=VAR"
                ))
            }
        };
        Ok(Secret { id, source })
    }
}

impl Secret {
    pub fn read(&self) -> Result<Vec<u8>, BuildError> {
        match &self.source {
            SecretSource::File(path) => std::fs::read(path).map_err(|e| {
                BuildError::Invalid(format!(
                    "secret {:?}: cannot read {}: {e}",
                    self.id,
                    path.display()
                ))
            }),
            SecretSource::Env(var) => std::env::var_os(var)
                .map(std::os::unix::ffi::OsStringExt::into_vec)
                .ok_or_else(|| {
                    BuildError::Invalid(format!(
                        "secret {:?}: the environment variable {var} is not set",
                        self.id
                    ))
                }),
        }
    }
}

/// A private directory in the run root (memory, not disk, on most systems) that
/// holds one secret's file while a step runs, and goes with it.
pub struct SecretDir(PathBuf);

impl SecretDir {
    pub fn new(runroot: &Path) -> Result<SecretDir, BuildError> {
        let path = runroot
            .join("build-secrets")
            .join(format!("{:016x}", rand::random::<u64>()));
        std::fs::create_dir_all(&path)
            .and_then(|()| std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o700)))
            .map_err(|e| StoreError::io(&path, e))?;
        Ok(SecretDir(path))
    }

    /// Writes the secret's file, with the mode and owner its mount asks for.
    pub fn write(&self, value: &[u8], owner: Owner) -> Result<PathBuf, BuildError> {
        let file = self.0.join("secret");
        std::fs::write(&file, value)
            .and_then(|()| {
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(owner.mode))
            })
            .and_then(|()| std::os::unix::fs::chown(&file, Some(owner.uid), Some(owner.gid)))
            .map_err(|e| StoreError::io(&file, e))?;
        Ok(file)
    }
}

impl Drop for SecretDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_flags() {
        let s: Secret = "id=tok,src=/run/tok".parse().unwrap();
        assert_eq!(s.source, SecretSource::File("/run/tok".into()));
        let s: Secret = "id=tok,env=TOKEN".parse().unwrap();
        assert_eq!(s.source, SecretSource::Env("TOKEN".into()));
        let s: Secret = "type=env,id=tok,src=TOKEN".parse().unwrap();
        assert_eq!(s.source, SecretSource::Env("TOKEN".into()));
        assert!("src=/x".parse::<Secret>().unwrap_err().contains("needs id"));
        assert!("id=a".parse::<Secret>().unwrap_err().contains("src=PATH"));
        assert!("id=a,src=x,env=y".parse::<Secret>().is_err());
        assert!("id=a,src=x,colour=red"
            .parse::<Secret>()
            .unwrap_err()
            .contains("colour"));
    }
}
