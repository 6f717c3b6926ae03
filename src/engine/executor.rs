//! Where the engine's async work (registry transfers, downloads) runs. Runtimes
//! are made at the edge, never in here: a CLI command, or the process that
//! serves one API request, builds one when first asked.

/// Gives the engine a runtime to block on. The engine calls `block_on` on the
/// handle from a thread outside the runtime.
pub trait Executor: Send + Sync {
    fn handle(&self) -> std::io::Result<tokio::runtime::Handle>;
}
