//! `coracle --runroot RR holder` (hidden): the network holder, started by a
//! command that runs a container on a bridge, never by people. Read before
//! clap, like the monitor's command line.

use crate::engine::context::{Context, ContextOptions};
use crate::engine::net::holder;
use std::ffi::OsString;

/// Is the holder, if that is what this process was started as; returns the
/// exit code of the process that was started.
pub fn as_holder() -> Option<i32> {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let [flag, runroot, command] = args.as_slice() else {
        return None;
    };
    if flag != "--runroot" || command != holder::COMMAND {
        return None;
    }
    super::init_logging("warn");
    let opts = ContextOptions {
        runroot: Some(runroot.into()),
        ..ContextOptions::default()
    };
    let started = Context::new(&opts)
        .map_err(crate::engine::Error::from)
        .and_then(|ctx| Ok(holder::run(&ctx)?));
    Some(match started {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("Error: {e}");
            super::ENGINE_ERROR
        }
    })
}
