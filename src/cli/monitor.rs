//! `coracle monitor` (hidden): started by `run`, `start`, `restart` and a
//! build's RUN, never by people. Its command line (engine/monitor/command.rs) is
//! read here before clap, which would cost a monitor memory it keeps for as long
//! as its container runs.

use super::runtime::LazyRuntime;
use crate::engine::context::Context;
use crate::engine::local::LocalEngine;
use crate::engine::monitor::command::Invocation;

/// Is the monitor, if that is what this process was started as; returns its exit
/// code (the container's).
pub fn as_monitor() -> Option<i32> {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let mut invocation = match Invocation::from_args(&args)? {
        Ok(invocation) => invocation,
        Err(e) => {
            eprintln!("Error: {e}");
            return Some(e.exit_code());
        }
    };
    if let Invocation::Resumed(resumed) = &mut invocation {
        resumed.wait();
    }
    super::init_logging("warn");
    let context = invocation.context();
    let result = Context::new(&context)
        .map_err(crate::engine::Error::from)
        .and_then(|ctx| {
            let engine = LocalEngine::new(ctx, Box::<LazyRuntime>::default());
            // The monitor's stdio is its caller's.
            engine.monitor(invocation, super::terminal::streams(true, false))
        });
    Some(match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("Error: {e}");
            e.command_code().unwrap_or(super::ENGINE_ERROR)
        }
    })
}
