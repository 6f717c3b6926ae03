//! coracle itself: what it knows about the host and its store, and clearing it.

use super::Error;
use crate::engine::system::{Info, Pruned, Version};

pub trait SystemEngine {
    /// Facts about the host, the store and this build (`info`).
    fn info(&self) -> Result<Info, Error>;

    /// This engine's version and platform.
    fn version(&self) -> Result<Version, Error>;

    /// Removes stopped containers, the build cache and dangling images (with
    /// `all`, every image no container uses).
    fn prune_system(&self, all: bool) -> Result<Pruned, Error>;

    /// Kills every running container, then removes everything stored.
    fn reset(&self) -> Result<(), Error>;

    /// Replaces this process with `argv` (the caller's shell when empty) run in
    /// the rootless user namespace (`unshare`); returns only when it cannot.
    fn unshare(&self, argv: &[String]) -> Result<std::convert::Infallible, Error>;
}
