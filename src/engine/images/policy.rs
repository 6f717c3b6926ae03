//! `--pull`: when `run`, `create` and `build` fetch an image they name, with
//! Podman's meanings.

use super::{resolve, ImagesError};
use crate::engine::store::Store;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PullPolicy {
    /// Pull only when the image is not stored.
    #[default]
    Missing,
    /// Pull every time.
    Always,
    /// Never pull: a missing image is an error.
    Never,
    /// Ask the registry every time, but use the stored image when it cannot
    /// answer (Podman suppresses pull errors when a local image exists).
    Newer,
}

impl std::str::FromStr for PullPolicy {
    type Err = ImagesError;

    fn from_str(s: &str) -> Result<PullPolicy, ImagesError> {
        match s {
            "missing" => Ok(PullPolicy::Missing),
            "always" => Ok(PullPolicy::Always),
            "never" => Ok(PullPolicy::Never),
            "newer" => Ok(PullPolicy::Newer),
            _ => Err(ImagesError::InvalidArgument(format!(
                "invalid pull policy {s:?}: use missing, always, never or newer"
            ))),
        }
    }
}

impl PullPolicy {
    /// The ID of image `name` as the policy has it: the stored one, or what
    /// `pull` fetches (its error type is the caller's: the engine's pull returns
    /// the interface's). `warn` hears why a stored image was used after all.
    pub fn obtain<E: From<ImagesError> + std::fmt::Display>(
        self,
        store: &Store,
        name: &str,
        pull: impl FnOnce() -> Result<String, E>,
        warn: impl FnOnce(String),
    ) -> Result<String, E> {
        let stored = match resolve(store, name) {
            Ok(id) => Some(id),
            Err(ImagesError::NotFound(_)) => None,
            Err(e) => return Err(e.into()),
        };
        match (self, stored) {
            (PullPolicy::Never, None) => Err(ImagesError::InvalidArgument(format!(
                "image {name} is not in the store and --pull=never was given: pull it first"
            ))
            .into()),
            (PullPolicy::Always, _) | (_, None) => pull(),
            (PullPolicy::Newer, Some(id)) => match pull() {
                Ok(id) => Ok(id),
                Err(e) => {
                    warn(format!("{e}: using the stored image"));
                    Ok(id)
                }
            },
            (PullPolicy::Missing | PullPolicy::Never, Some(id)) => Ok(id),
        }
    }
}
