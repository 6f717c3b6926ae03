//! coracle itself: what it knows about the host and its store, and clearing it.

use super::Error;

pub trait SystemEngine {
    /// Facts about the host, the store and this build (`info`).
    fn info(&self) -> Result<crate::engine::system::Info, Error>;
}
