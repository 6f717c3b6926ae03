//! The engine's interface, done in this process: each method checks what kind
//! of process it needs (engine/process.rs), opens the store and calls the
//! modules that do the work. The files here hold the flows between modules (pull
//! then create then start), never the work itself.

mod build;
mod containers;
mod images;
mod kube;
mod manifests;
mod networks;
mod pod_clone;
mod pods;
mod run;
mod secrets;
mod storage;
mod system;
mod volumes;

use super::context::Context;
use super::executor::Executor;
use super::process::{Host, Inside};
use super::store::Store;
use super::Error;

pub struct LocalEngine {
    ctx: Context,
    executor: Box<dyn Executor>,
    /// Held while this command starts containers on bridges: the holder stays
    /// until their monitors have connected to it themselves.
    holder: std::sync::OnceLock<super::net::holder::Link>,
}

impl LocalEngine {
    pub fn new(ctx: Context, executor: Box<dyn Executor>) -> LocalEngine {
        LocalEngine {
            ctx,
            executor,
            holder: std::sync::OnceLock::new(),
        }
    }

    fn inside(&self) -> Result<Inside, Error> {
        Ok(self.ctx.inside()?)
    }

    fn host(&self) -> Result<Host, Error> {
        Ok(self.ctx.host()?)
    }

    fn store(&self) -> Result<Store, Error> {
        Ok(self.ctx.open_store()?)
    }

    fn runtime(&self) -> Result<tokio::runtime::Handle, Error> {
        self.executor.handle().map_err(|e| {
            Error::new(
                super::ErrorKind::Internal,
                format!("cannot start a runtime: {e}"),
            )
        })
    }
}
