//! The monitor's life with one container: the namespaces and the rootfs, who hears
//! the container, runs until its restart policy is done, and what gets recorded at
//! each start and end.

use super::container::{Run, Stdio};
use super::io::{Client, Hub};
use super::logfile::LogWriter;
use super::{memory, rootfs, setup, setup_nix, socket, MonitorError, ATTACH_SOCKET, LOG_FILE};
use crate::engine::containers::{restart, state, ContainerConfig};
use crate::engine::context::Context;
use crate::engine::store::containers::{RunState, Status};
use crate::engine::store::Store;
use nix::unistd::Pid;
use std::io::Write;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub(super) struct Supervisor<'a> {
    pub ctx: &'a Context,
    /// Closed while a detached container runs (see `started`), opened when needed.
    pub store: Option<Store>,
    pub dir: PathBuf,
    pub detach: bool,
    pub id: &'a str,
    pub config: &'a ContainerConfig,
    pub ready: Option<std::fs::File>,
    pub state: RunState,
}

impl Supervisor<'_> {
    fn store(&mut self) -> Result<&Store, MonitorError> {
        if self.store.is_none() {
            self.store = Some(self.ctx.open_store()?);
        }
        Ok(self.store.as_ref().unwrap())
    }

    pub fn supervise(&mut self, attach: Option<UnixStream>) -> Result<i32, MonitorError> {
        rootfs::private_mounts()?;
        if self.ctx.rootless() {
            rootfs::prefer_cgroup2()?;
        }
        if self.config.network == crate::engine::runtime::spec::Network::None {
            rootfs::isolated_network()?;
        }
        let dir = self.dir.clone();
        let merged = rootfs::mount_overlay(&dir, &self.config.layers, self.config.remove)?;
        let result = self.prepare(&merged).and_then(|state_root| {
            let mut hub = self.hub(&dir, attach)?;
            self.run_until_done(&dir, &state_root, &mut hub)
        });
        rootfs::unmount(&merged);
        result
    }

    fn prepare(&self, merged: &Path) -> Result<PathBuf, MonitorError> {
        crate::engine::store::unpack::make_dir_in_root(merged, &self.config.cwd).map_err(
            |source| MonitorError::Workdir {
                dir: self.config.cwd.clone(),
                source,
            },
        )?;
        if self.config.init {
            crate::engine::containers::init::install(&self.ctx.runroot)
                .map_err(setup("install coracle's init"))?;
        }
        let state_root = self.ctx.runroot.join("runtime");
        std::fs::create_dir_all(&state_root).map_err(setup("create the runtime state dir"))?;
        // Orphans in the container's pid namespace are reaped by its init; this
        // catches the runtime's own helpers and anything that escapes to us.
        nix::sys::prctl::set_child_subreaper(true).map_err(setup_nix("become a subreaper"))?;
        Ok(state_root)
    }

    /// Who hears the container: the log (unless a foreground `--rm` run, which
    /// nobody could read afterwards), the caller, attached clients.
    fn hub(&self, dir: &Path, attach: Option<UnixStream>) -> Result<Hub, MonitorError> {
        let detach = self.detach;
        let log = match detach || !self.config.remove {
            true => Some(LogWriter::open(&dir.join(LOG_FILE)).map_err(setup("open the log file"))?),
            false => None,
        };
        let listener = match detach {
            true => Some(socket::bind_in(dir, ATTACH_SOCKET).map_err(setup("listen for attach"))?),
            false => None,
        };
        let clients = attach
            .map(Client::new)
            .transpose()
            .map_err(setup("take the attached client"))?;
        Ok(Hub {
            log,
            foreground: !detach,
            interactive: self.config.interactive,
            listener,
            clients: clients.into_iter().collect(),
        })
    }

    /// Runs the container, and again as its restart policy says, until it is done.
    fn run_until_done(
        &mut self,
        dir: &Path,
        state_root: &Path,
        hub: &mut Hub,
    ) -> Result<i32, MonitorError> {
        let stdio = match hub.log.is_none() && hub.clients.is_empty() {
            true => Stdio::Inherit,
            false => Stdio::Pipes,
        };
        let run = Run {
            id: self.id,
            bundle: dir,
            state_root,
            config: self.config,
            stdio,
        };
        let mut consecutive = 0;
        loop {
            let began = Instant::now();
            let code = match run.execute(hub, &mut |init| self.started(init)) {
                Ok(code) => code,
                Err(e) if self.state.started_ms.is_none() => return Err(e),
                Err(e) => {
                    log::error!("cannot restart container {}: {e}", self.id);
                    self.ended(Status::Exited, e.exit_code(), hub)?;
                    return Ok(e.exit_code());
                }
            };
            // The policy first: only a container it would restart costs a look at
            // the record for a stop request.
            let policy = self.config.restart;
            let wanted = policy.restarts(code, self.state.restarts as u32, false);
            if !wanted || self.stop_requested()? {
                self.ended(Status::Exited, code, hub)?;
                return Ok(code);
            }
            self.ended(Status::Restarting, code, hub)?;
            if began.elapsed() >= Duration::from_secs(10) {
                consecutive = 0;
            }
            if !self.back_off(restart::delay(consecutive))? {
                self.ended(Status::Exited, code, hub)?;
                return Ok(code);
            }
            consecutive += 1;
            self.state.restarts += 1;
        }
    }

    /// Whether `stop` or `kill` asked for the end (or the container is gone).
    fn stop_requested(&mut self) -> Result<bool, MonitorError> {
        let id = self.id;
        Ok(self
            .store()?
            .container(id)?
            .is_none_or(|r| r.stop_requested))
    }

    /// Waits before a restart; false when a stop came meanwhile.
    fn back_off(&mut self, delay: Duration) -> Result<bool, MonitorError> {
        let until = Instant::now() + delay;
        while Instant::now() < until {
            std::thread::sleep((until - Instant::now()).min(Duration::from_millis(50)));
            if self.stop_requested()? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// A run ended: record it first, so that a client told the exit code finds the
    /// container exited when it looks.
    fn ended(&mut self, status: Status, code: i32, hub: &mut Hub) -> Result<(), MonitorError> {
        self.state.status = status;
        self.state.exit_code = Some(code);
        self.state.finished_ms = Some(now_ms());
        self.state.pid = None;
        self.state.pid_start = None;
        if status == Status::Exited {
            self.state.monitor_pid = None;
        }
        // A `--rm` container's record is about to go: nothing to write.
        if !(status == Status::Exited && self.config.remove) {
            let (id, state) = (self.id, self.state.clone());
            self.store()?.set_run_state(id, &state)?;
        }
        hub.finish(code);
        Ok(())
    }

    /// The container runs: record it, and tell whoever started us.
    fn started(&mut self, init: Pid) -> Result<(), MonitorError> {
        self.state.status = Status::Running;
        self.state.pid = Some(init.as_raw());
        self.state.pid_start = state::process_start(init.as_raw());
        self.state.monitor_pid = Some(std::process::id() as i32);
        self.state.started_ms = Some(now_ms());
        self.state.finished_ms = None;
        self.state.exit_code = None;
        let (id, state) = (self.id, self.state.clone());
        self.store()?.set_run_state(id, &state)?;
        if let Some(mut ready) = self.ready.take() {
            let _ = ready.write_all(b"ok\n");
        }
        if self.detach {
            self.shed_memory();
        }
        Ok(())
    }

    /// A detached monitor waits with as little as it can: no database connection
    /// (reopened when the container ends), no memory setting up needed.
    fn shed_memory(&mut self) {
        self.store = None;
        memory::shed();
    }
}

pub(super) fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
