//! The runtime for the engine's async work in a CLI command or an API request:
//! built when first asked (most never ask, and `run` must stay single-threaded
//! unless it pulls), and let go without waiting when the command ends.

use crate::engine::executor::Executor;
use std::sync::OnceLock;

#[derive(Default)]
pub struct LazyRuntime(OnceLock<tokio::runtime::Runtime>);

impl Executor for LazyRuntime {
    fn handle(&self) -> std::io::Result<tokio::runtime::Handle> {
        if let Some(runtime) = self.0.get() {
            return Ok(runtime.handle().clone());
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?;
        Ok(self.0.get_or_init(|| runtime).handle().clone())
    }
}

impl Drop for LazyRuntime {
    fn drop(&mut self) {
        // Layers still unpacking after a failed pull would hold the exit; their
        // temp dirs are swept by the next pull.
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}
