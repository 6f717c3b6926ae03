//! The verbs that start processes in containers and relay their stdio.

use super::{Each, Error};
use crate::engine::containers::attach::{AttachEnd, AttachRequest};
use crate::engine::containers::clone::CloneOptions;
use crate::engine::containers::create::{CreateOptions, CreateProgress, Pulling};
use crate::engine::containers::exec::sessions::{ExecConfig, ExecSession};
use crate::engine::containers::exec::ExecOptions;
use crate::engine::containers::start::{RunEnd, RunOptions};
use crate::engine::streams::Streams;
use std::time::Duration;

pub trait RunEngine {
    /// Pulls as `pulling` says and creates the container; returns its ID.
    fn create(
        &self,
        opts: &CreateOptions,
        pulling: Pulling,
        progress: CreateProgress,
    ) -> Result<String, Error>;

    /// Creates a container from the options another was created with, as
    /// `opts` overrides them; removes the original or starts the clone if
    /// asked. Returns the clone's ID.
    fn clone_container(
        &self,
        name: &str,
        opts: &CloneOptions,
        progress: CreateProgress,
    ) -> Result<String, Error>;

    /// Pulls, creates and starts a container: detached, attached to `streams`
    /// (`-t`), or relaying to them until it exits.
    fn run(
        &self,
        opts: &RunOptions,
        streams: Streams,
        progress: CreateProgress,
    ) -> Result<RunEnd, Error>;

    /// Starts each container that is not running.
    fn start(&self, names: &[String]) -> Result<Each, Error>;

    /// Starts the container with `streams` attached from its first output on.
    fn start_attached(
        &self,
        name: &str,
        request: &AttachRequest,
        streams: Streams,
    ) -> Result<AttachEnd, Error>;

    /// Stops each container (killing it after `timeout`) and starts it again.
    fn restart(&self, names: &[String], timeout: Duration) -> Result<Each, Error>;

    /// Attaches `streams` to a running container.
    fn attach(
        &self,
        name: &str,
        request: &AttachRequest,
        streams: Streams,
    ) -> Result<AttachEnd, Error>;

    /// Runs a command in a running container; returns its exit code.
    fn exec(&self, name: &str, opts: &ExecOptions, streams: Streams) -> Result<i32, Error>;

    /// Records a session that runs a command in a running container when
    /// started (Docker's exec instance).
    fn create_exec(&self, name: &str, config: ExecConfig) -> Result<ExecSession, Error>;

    /// Runs a session's command, relaying to `streams`, and records its exit
    /// code, which it returns; `detach`: in the background, returning 0 at once.
    fn start_exec(&self, id: &str, detach: bool, streams: Streams) -> Result<i32, Error>;

    /// A session as recorded.
    fn inspect_exec(&self, id: &str) -> Result<ExecSession, Error>;

    /// Gives a running session's terminal a new size.
    fn resize_exec(&self, id: &str, rows: u16, cols: u16) -> Result<(), Error>;
}
