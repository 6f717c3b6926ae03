//! The verbs on containers that exist: their state, files, output and removal.
//!
//! Verbs on several containers return a result per name; the outer error is the
//! whole verb's (the store would not open, a flag is wrong) and means no name was
//! tried. Nothing here prints: `logs` hands back batches the caller drains, `cp`
//! and `export` read and write the caller's handles.

use super::{Each, Error};
use crate::engine::containers::cp::{CopyOptions, Endpoint, PathStat};
pub use crate::engine::containers::health::check::Outcome as HealthOutcome;
use crate::engine::containers::list::{ListOptions, Listed};
use crate::engine::containers::logs::LogOptions;
use crate::engine::containers::namespaces::Namespaces;
use crate::engine::containers::prune::Pruned;
use crate::engine::containers::remove::RemoveOptions;
use crate::engine::containers::resources::Resources;
use crate::engine::containers::select::Selection;
use crate::engine::containers::stats::Sample;
use crate::engine::containers::top::Process;
use crate::engine::containers::update::Updated;
use crate::engine::containers::wait::WaitOptions;
use crate::engine::containers::ContainersError;
use crate::engine::monitor::logfile::Entry;
use crate::engine::net::ports::PortMapping;
use crate::engine::ErrorKind;
use std::io::{Read, Write};
use std::time::Duration;

// What the verbs hand back speaks of these: a container's status, and which
// stream a logged line came from.
pub use crate::engine::monitor::logfile::{Entry as LogEntry, Stream as LogStream};
pub use crate::engine::store::containers::Status;

/// A container's log entries, a batch at a time; with `follow` a batch may be
/// long in coming, and the end comes when the container's monitor is gone.
pub type LogBatches = Box<dyn Iterator<Item = Result<Vec<Entry>, Error>> + Send>;

pub trait ContainerEngine {
    /// Sends each its stop signal, then SIGKILL after `timeout`; a container
    /// that is not running is left as it is.
    fn stop(&self, names: &[String], timeout: Option<Duration>) -> Result<Each, Error>;

    /// Sends `signal` (a name or number; refused whole when it is neither) to
    /// each container's init.
    fn kill(&self, names: &[String], signal: &str) -> Result<Each, Error>;

    /// Waits for each to exit, in turn; their exit codes.
    fn wait(&self, names: &[String]) -> Result<Each<i32>, Error>;

    /// Podman's wait: until each is in one of the states asked for; their exit
    /// codes.
    fn wait_for(&self, names: &[String], opts: &WaitOptions) -> Result<Each<i32>, Error>;

    /// Readies each for its start without starting it (`container init`).
    fn init_containers(&self, names: &[String]) -> Result<Each, Error>;

    /// The containers a selection means: its names, then its files' IDs, then
    /// what `--all`, `--latest` or `--filter` find.
    fn select_containers(&self, sel: &Selection) -> Result<Vec<String>, Error> {
        let mut names = sel.names.clone();
        names.extend(sel.cidfile_ids()?);
        if let Some(opts) = sel.listing() {
            let listed = self.list_containers(&opts)?;
            if sel.latest && listed.is_empty() {
                return Err(ContainersError::NoLatest.into());
            }
            names.extend(listed.into_iter().map(|l| l.record.name));
        }
        Ok(names)
    }

    /// Whether a container goes by this name or ID (`container exists`).
    fn container_exists(&self, name: &str) -> Result<bool, Error> {
        match self.inspect_container(name) {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Removes each (with `force`, killing a running one first).
    fn remove_containers(&self, names: &[String], opts: &RemoveOptions) -> Result<Each, Error>;

    fn rename(&self, name: &str, new_name: &str) -> Result<(), Error>;

    /// New resource limits for a container, enforced at once if it runs.
    fn update(&self, name: &str, limits: &Resources) -> Result<Updated, Error>;

    /// Freezes each container's processes.
    fn pause(&self, names: &[String]) -> Result<Each, Error>;

    fn unpause(&self, names: &[String]) -> Result<Each, Error>;

    /// The containers `ps` shows, newest first, with their sizes if asked.
    fn list_containers(&self, opts: &ListOptions) -> Result<Vec<Listed>, Error>;

    /// Podman's inspect document of one container (the API reshapes it into
    /// Docker's ContainerJSON).
    fn inspect_container(&self, name: &str) -> Result<serde_json::Value, Error>;

    /// The same with SizeRw and SizeRootFs (`inspect --size`, the API's `size`).
    fn inspect_container_sized(&self, name: &str) -> Result<serde_json::Value, Error> {
        let mut doc = self.inspect_container(name)?;
        let opts = ListOptions {
            all: true,
            filters: vec![format!("id={}", doc["Id"].as_str().unwrap_or(name))],
            last: None,
            size: true,
        };
        if let Some(size) = self
            .list_containers(&opts)?
            .into_iter()
            .find_map(|l| l.size)
        {
            doc["SizeRw"] = size.rw.into();
            doc["SizeRootFs"] = size.root_fs.into();
        }
        Ok(doc)
    }

    /// Podman's inspect document of each (a listing's worth at once).
    fn inspect_containers(&self, names: &[String]) -> Result<Each<serde_json::Value>, Error> {
        Ok(names.iter().map(|n| self.inspect_container(n)).collect())
    }

    fn logs(&self, name: &str, opts: &LogOptions) -> Result<LogBatches, Error>;

    /// The container's processes, in `ps -ef`'s columns.
    fn top(&self, name: &str) -> Result<Vec<Process>, Error>;

    /// One reading of what each container uses; every container when `names`
    /// is empty.
    fn stats(&self, names: &[String]) -> Result<Vec<Sample>, Error>;
    /// Runs the container's healthcheck once, recording the result as a
    /// scheduled run does (`healthcheck run`).
    fn healthcheck(&self, name: &str) -> Result<HealthOutcome, Error>;

    /// The namespaces a running container's init is in (`ps --ns`).
    fn container_namespaces(&self, name: &str) -> Result<Namespaces, Error>;

    /// The ports the container publishes, one mapping per port.
    fn port(&self, name: &str) -> Result<Vec<PortMapping>, Error>;

    /// Removes the containers that are not running, as the filters allow.
    fn prune_containers(&self, filters: &[String]) -> Result<Pruned, Error>;

    /// Copies between a container and the host; a `Stream` endpoint is a tar
    /// read from `input` or written to `output`.
    fn copy(
        &self,
        src: &Endpoint,
        dest: &Endpoint,
        opts: CopyOptions,
        input: &mut dyn Read,
        output: &mut dyn Write,
    ) -> Result<(), Error>;

    /// What the container holds at `path` (with `follow`, what a symlink there
    /// points to); `None` when nothing is there.
    fn stat_path(&self, name: &str, path: &str, follow: bool) -> Result<Option<PathStat>, Error>;

    /// Writes a tar of the container's filesystem to `out`.
    fn export(&self, name: &str, out: &mut dyn Write) -> Result<(), Error>;
}
