//! coracle's engine, CLI and API server, as a library so that the fuzz targets
//! (fuzz/) can drive its parsers in-process; the binary (main.rs) only calls
//! [`main`]. The modules stay private: what is unused is still reported.

mod api;
mod cli;
mod engine;
#[doc(hidden)]
pub mod fuzzing;
mod wire;

/// The whole command line: parses the process's arguments, runs the command and
/// returns the exit code.
pub fn main() -> i32 {
    cli::main()
}
