//! Where the engine's async work (registry transfers, downloads) runs. Runtimes
//! are made at the edge, never in here: the CLI builds one when first asked, and
//! the API server hands over its own.

/// Gives the engine a runtime to block on. The engine calls `block_on` on the
/// handle from a thread outside the runtime (the API server calls the engine from
/// `spawn_blocking`).
pub trait Executor: Send + Sync {
    fn handle(&self) -> std::io::Result<tokio::runtime::Handle>;
}
