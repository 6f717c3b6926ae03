//! coracle itself: what it knows about the host and its store, and clearing it.

use super::Error;
use crate::engine::events::{Event, EventsOptions};
use crate::engine::names::{NameKind, Names};
use crate::engine::system::{Info, PruneOptions, Pruned, Version};

/// Events a batch at a time; a follower's batches may be empty (a poll that
/// found nothing), so that its caller can look up now and then.
pub type EventBatches = Box<dyn Iterator<Item = Result<Vec<Event>, Error>> + Send>;

pub trait SystemEngine {
    /// Facts about the host, the store and this build (`info`).
    fn info(&self) -> Result<Info, Error>;

    /// This engine's version and platform.
    fn version(&self) -> Result<Version, Error>;

    /// The names of one kind of thing, for a shell's completion: cheap, and
    /// never making a store.
    fn names(&self, kind: NameKind) -> Result<Names, Error>;

    /// Removes stopped containers, unused networks (and volumes, when asked),
    /// the build cache and dangling images (with `all`, every image no
    /// container uses), as the filters allow.
    fn prune_system(&self, opts: &PruneOptions) -> Result<Pruned, Error>;

    /// Kills every running container, then removes everything stored.
    fn reset(&self) -> Result<(), Error>;

    /// Replaces this process with `argv` (the caller's shell when empty) run in
    /// the rootless user namespace (`unshare`); returns only when it cannot.
    /// The recorded events `opts` asks for, then, when following, new ones as
    /// they are recorded.
    fn events(&self, opts: &EventsOptions) -> Result<EventBatches, Error>;

    fn unshare(&self, argv: &[String]) -> Result<std::convert::Infallible, Error>;
}
