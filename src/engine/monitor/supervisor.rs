//! The monitor's life with one container: the namespaces and the rootfs, who hears
//! the container, runs until its restart policy is done, and what gets recorded at
//! each start and end.

use super::bridge::{self, Bridging};
use super::config::ContainerConfig;
use super::container::{self, Moment, Run, Stdio};
use super::handoff::Handoff;
use super::health::HealthTimer;
use super::io::{Client, Hub, Session};
use super::logfile::{Format, LogWriter};
use super::restart;
use super::{rootfs, setup, setup_nix, socket, MonitorError, ATTACH_SOCKET, LOG_FILE};
use crate::engine::containers::cgroups;
use crate::engine::containers::log_config::LogDriver;
use crate::engine::containers::run_files::SdNotify;
use crate::engine::containers::{events, health};
use crate::engine::context::Context;
use crate::engine::net::Network;
use crate::engine::runtime::seccomp_cache;
use crate::engine::storage_driver;
use crate::engine::store::containers::{RunState, Status};
use crate::engine::store::lock::Lock;
use crate::engine::store::Store;
use crate::engine::streams::Streams;
use crate::engine::volumes;
use nix::unistd::Pid;
use std::io::Write;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long a detached container runs before its monitor starts over as a
/// fresh image (handoff.rs). Most of what runs for less is done before then,
/// and its monitor is spared the exec, and the store opened again after it,
/// while the container starts and ends beside it.
const SETTLE: Duration = Duration::from_millis(100);

pub(super) struct Supervisor<'a> {
    pub ctx: &'a Context,
    /// Closed while a detached container runs (see `hand_off`), opened when needed.
    pub store: Option<Store>,
    pub dir: PathBuf,
    pub detach: bool,
    pub id: &'a str,
    pub config: &'a ContainerConfig,
    pub ready: Option<std::fs::File>,
    pub state: RunState,
    /// Restarts in a row, each soon after the last (for the back-off).
    pub consecutive: u32,
    /// The container's monitor lock (see containers/state.rs).
    pub alive: &'a Lock,
    /// The pty's size from the start (see `Options`).
    pub tty_size: Option<(u16, u16)>,
    /// Its user-defined networks, when it is on any.
    pub bridging: Option<Bridging>,
}

impl Supervisor<'_> {
    fn store(&mut self) -> Result<&Store, MonitorError> {
        if self.store.is_none() {
            self.store = Some(self.ctx.open_store()?);
        }
        Ok(self.store.as_ref().unwrap())
    }

    pub fn supervise(
        &mut self,
        caller: Option<Streams>,
        attach: Option<UnixStream>,
    ) -> Result<i32, MonitorError> {
        rootfs::private_mounts()?;
        if self.ctx.rootless() {
            rootfs::prefer_cgroup2()?;
        }
        let config = self.config;
        match &config.network {
            // A container with a user namespace of its own gets its network
            // namespace made in that (monitor/userns.rs).
            Network::None if config.userns.is_none() => {
                rootfs::isolated_network()?;
                rootfs::net_sysctls(&config.settings.sysctls)?
            }
            Network::Container(_) | Network::Ns(_) => {
                super::network::join(self.store()?, &config.network)?
            }
            Network::Bridge(_) => {
                let link = bridge::link(self.ctx)?;
                self.bridging = Some(Bridging::new(link, self.ctx, self.id));
            }
            _ => {}
        }
        if config.settings.joins_other() {
            super::namespaces::join(self.store()?, &config.settings)?;
        }
        let dir = self.dir.clone();
        let storage = self.store()?.storage().clone();
        let merged =
            storage_driver::mount(&storage, &dir, &self.config.layers, self.config.remove)?;
        let result = self.mounts_ready(&merged).and_then(|()| {
            self.prepare(&merged)?;
            let mut hub = self.hub(&dir, caller, attach)?;
            self.run_until_done(&mut hub)
        });
        storage_driver::unmount(&dir);
        result
    }

    /// Goes on after a run that an earlier image of this monitor started
    /// (handoff.rs) ended with `outcome`: records it, restarts as the policy says.
    pub fn resume(
        &mut self,
        outcome: Result<i32, MonitorError>,
        hub: &mut Hub,
    ) -> Result<i32, MonitorError> {
        let cgroup = cgroups::cgroups_path(self.id, &self.config.settings.resources);
        let seen = hub.oom.take().map_or(0, |watch| watch.kills);
        cgroups::mark_oom(&self.dir, &cgroup, seen);
        container::forget(&self.state_root(), self.id);
        if let Some(bridging) = &self.bridging {
            bridging.detach();
        }
        container::disconnect(None, &self.dir);
        let ran_for = self
            .state
            .started_ms
            .map_or(0, |started| now_ms().saturating_sub(started));
        let ran_for = Duration::from_millis(ran_for.try_into().unwrap_or(0));
        let result = match self.after_run(outcome, ran_for, hub) {
            Ok(Some(code)) => Ok(code),
            Ok(None) => self.run_until_done(hub),
            Err(e) => Err(e),
        };
        storage_driver::unmount(&self.dir);
        result
    }

    fn state_root(&self) -> PathBuf {
        self.ctx.runroot.join("runtime")
    }

    /// New volumes filled from the image, `U` sources given to the user.
    fn mounts_ready(&mut self, merged: &Path) -> Result<(), MonitorError> {
        let config = self.config;
        if config.mounts.is_empty() {
            return Ok(());
        }
        Ok(volumes::copyup::before_start(
            self.store()?,
            merged,
            &config.mounts,
            config.userns.as_ref().map(|u| &u.maps),
        )?)
    }

    fn prepare(&self, merged: &Path) -> Result<(), MonitorError> {
        crate::engine::store::unpack::make_dir_in_root(merged, &self.config.cwd).map_err(
            |source| MonitorError::Workdir {
                dir: self.config.cwd.clone(),
                source,
            },
        )?;
        if self.config.init {
            let home =
                super::init::home(&self.ctx.runroot, &self.dir, self.config.userns.is_some());
            super::init::install(home).map_err(setup("install coracle's init"))?;
        }
        std::fs::create_dir_all(self.state_root())
            .map_err(setup("create the runtime state dir"))?;
        // Orphans in the container's pid namespace are reaped by its init; this
        // catches the runtime's own helpers and anything that escapes to us.
        nix::sys::prctl::set_child_subreaper(true).map_err(setup_nix("become a subreaper"))
    }

    /// Who hears the container: the caller, and the log and attached clients
    /// unless it is a foreground `--rm` run, whose output goes straight to the
    /// caller (nobody could read its log afterwards).
    fn hub(
        &self,
        dir: &Path,
        caller: Option<Streams>,
        attach: Option<UnixStream>,
    ) -> Result<Hub, MonitorError> {
        let detach = self.detach;
        let relayed = detach || !self.config.remove;
        let log_config = &self.config.log;
        let format = match log_config.driver {
            LogDriver::JsonFile => Format::Json,
            _ => Format::K8s,
        };
        // `--log-opt path=` is a link to the file, made by create.
        let log = match relayed && log_config.driver.keeps_file() {
            true => Some(
                LogWriter::open(&dir.join(LOG_FILE), format, log_config.max_size)
                    .map_err(setup("open the log file"))?,
            ),
            false => None,
        };
        let listener = match relayed {
            true => Some(socket::bind_in(dir, ATTACH_SOCKET).map_err(setup("listen for attach"))?),
            false => None,
        };
        let clients = attach
            .map(Client::new)
            .transpose()
            .map_err(setup("take the attached client"))?;
        Ok(Hub {
            log,
            caller,
            interactive: self.config.interactive,
            listener,
            clients: clients.into_iter().collect(),
            tty_size: self.tty_size,
            health: self.health_timer(),
            restart_asked: false,
            oom: None,
            hand_off_at: None,
        })
    }

    /// The healthcheck's schedule, if it has one (an interval of 0 or
    /// `disable`: checks run only by hand).
    fn health_timer(&self) -> Option<HealthTimer> {
        let interval = self.config.healthcheck.as_ref()?.interval()?;
        let (root, runroot) = (self.ctx.root.clone(), Some(self.ctx.runroot.clone()));
        Some(HealthTimer::new(root, runroot, self.id, interval))
    }

    /// Runs the container, and again as its restart policy says, until it is done.
    fn run_until_done(&mut self, hub: &mut Hub) -> Result<i32, MonitorError> {
        let descriptors = hub
            .caller
            .as_ref()
            .is_some_and(|c| c.stdout.as_fd().is_some() && c.stderr.as_fd().is_some());
        let stdio = match hub.log.is_none() && hub.clients.is_empty() && descriptors {
            true => Stdio::Direct,
            false => Stdio::Pipes,
        };
        let (dir, state_root) = (self.dir.clone(), self.state_root());
        let bridging = self.bridging.take();
        // Once for every run: a restart loads the same filter.
        let filter =
            seccomp_cache::filter(&dir, &self.ctx.runroot).map_err(|e| MonitorError::Runtime {
                code: 125,
                message: e.to_string(),
            })?;
        let run = Run {
            id: self.id,
            bundle: &dir,
            state_root: &state_root,
            config: self.config,
            stdio,
            bridging: bridging.as_ref(),
            filter: filter.as_ref(),
        };
        loop {
            let began = Instant::now();
            let outcome = run.execute(hub, &mut |moment, init, hub, session| match moment {
                Moment::Started => self.started(init, hub, bridging.as_ref()),
                Moment::HandOff => {
                    self.hand_off(init, hub, session, bridging.as_ref());
                    Ok(())
                }
            });
            if let Some(code) = self.after_run(outcome, began.elapsed(), hub)? {
                return Ok(code);
            }
        }
    }

    /// Records how a run that lasted `ran_for` ended: `Some(code)` when the
    /// container is done, `None` when its policy restarts it (after the back-off).
    fn after_run(
        &mut self,
        outcome: Result<i32, MonitorError>,
        ran_for: Duration,
        hub: &mut Hub,
    ) -> Result<Option<i32>, MonitorError> {
        let code = match outcome {
            Ok(code) => code,
            Err(e) if self.state.started_ms.is_none() => return Err(e),
            Err(e) => {
                log::error!("cannot restart container {}: {e}", self.id);
                self.ended(Status::Exited, e.exit_code(), hub)?;
                return Ok(Some(e.exit_code()));
            }
        };
        // The policy first: only a container it would restart costs a look at
        // the record for a stop request.
        let policy = self.config.restart;
        let unhealthy = std::mem::take(&mut hub.restart_asked);
        let wanted = unhealthy || policy.restarts(code, self.state.restarts as u32, false);
        if !wanted || self.stop_requested()? {
            self.ended(Status::Exited, code, hub)?;
            return Ok(Some(code));
        }
        self.ended(Status::Restarting, code, hub)?;
        if ran_for >= Duration::from_secs(10) {
            self.consecutive = 0;
        }
        if !self.back_off(restart::delay(self.consecutive))? {
            self.ended(Status::Exited, code, hub)?;
            return Ok(Some(code));
        }
        self.consecutive += 1;
        self.state.restarts += 1;
        Ok(None)
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
        // A restart the back-off gave up on ended its run before: one die.
        if self.state.status != Status::Restarting {
            let id = self.id;
            // Docker's order: the kernel's kill, then the death it caused.
            if self.dir.join(cgroups::OOM_KILLED).exists() {
                events::record_id(self.store()?, id, "oom", &[]);
            }
            let code = [("exitCode", code.to_string())];
            events::record_id(self.store()?, id, "die", &code);
        }
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
    fn started(
        &mut self,
        init: Pid,
        hub: &mut Hub,
        bridging: Option<&Bridging>,
    ) -> Result<(), MonitorError> {
        self.state.status = Status::Running;
        self.state.pid = Some(init.as_raw());
        self.state.pid_start = crate::engine::process::process_start(init.as_raw());
        self.state.monitor_pid = Some(std::process::id() as i32);
        self.state.started_ms = Some(now_ms());
        self.state.finished_ms = None;
        self.state.exit_code = None;
        let (id, state) = (self.id, self.state.clone());
        self.store()?.set_run_state(id, &state)?;
        events::record_id(self.store()?, id, "start", &[]);
        // Each run starts its health over (Podman's), the log of the last kept.
        if self.config.healthcheck.is_some() {
            if let Err(e) = health::state::restart(&self.dir) {
                log::warn!("container {id}: cannot reset its health: {e}");
            }
        }
        if let Some(bridging) = bridging {
            bridging.record(self.store()?)?;
        }
        self.announce(init);
        if let Some(mut ready) = self.ready.take() {
            let _ = ready.write_all(b"ok\n");
        }
        if self.detach {
            hub.hand_off_at = Some(Instant::now() + SETTLE);
        }
        Ok(())
    }

    /// At each start: the pid to `--pidfile`, READY=1 to systemd
    /// (`--sdnotify=conmon`), and `--timeout`'s alarm, which outlives the
    /// handoff's exec and is caught by the pump (io.rs).
    fn announce(&self, init: Pid) {
        let config = self.config;
        if let Some(file) = &config.pidfile {
            if let Err(e) = std::fs::write(file, init.as_raw().to_string()) {
                log::warn!("cannot write the pid file {}: {e}", file.display());
            }
        }
        if config.sdnotify == SdNotify::Conmon {
            super::notify::ready(init);
        }
        if config.timeout > 0 {
            nix::unistd::alarm::set(config.timeout);
        }
    }

    /// A detached monitor waits as a fresh image of itself (handoff.rs); should
    /// the exec fail, it waits as it is.
    fn hand_off(&mut self, init: Pid, hub: &Hub, session: &Session, bridging: Option<&Bridging>) {
        self.store = None;
        let handoff = Handoff {
            ctx: self.ctx,
            id: self.id,
            init,
            consecutive: self.consecutive,
            interactive: self.config.interactive,
            lock: self.alive,
            holder: bridging.map(Bridging::passed),
        };
        let e = handoff.exec(hub, session);
        log::warn!(
            "container {}: the monitor stays as it is: cannot exec itself: {e}",
            self.id
        );
    }
}

pub(super) fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
