//! One run of the container: libcontainer builds and starts it as our child, we
//! relay its stdio until it exits, and it is deleted from the runtime's state.
//! A restart is another run over the same mounted rootfs.

use super::bridge::Bridging;
use super::config::ContainerConfig;
use super::io::{Hub, Session};
use super::oom::OomWatch;
use super::{rootfs, setup, setup_nix, tty, userns, wait, MonitorError};
use crate::engine::containers::cgroups;
use crate::engine::containers::resources::Manager;
use crate::engine::net::helper::{self, Helper, Starting};
use crate::engine::net::{pasta, Network};
use crate::engine::runtime::seccomp_cache::Filter;
use crate::engine::runtime::seccomp_executor;
use crate::engine::runtime::tether::{Tether, Tethered};
use crate::engine::streams::Streams;
use libcontainer::container::builder::ContainerBuilder;
use libcontainer::container::Container;
use libcontainer::syscall::syscall::SyscallType;
use libcontainer::workload::default::DefaultExecutor;
use libcontainer::workload::Executor;
use nix::unistd::Pid;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::Path;

/// Where the container's stdio goes for a run.
pub enum Stdio {
    /// Straight to the caller's descriptors (a foreground `--rm` run: nothing to
    /// log).
    Direct,
    /// Pipes held by the monitor (logged, relayed, attachable).
    Pipes,
}

/// Told that the container runs, with its init, and later that it still runs
/// when the monitor may start over (which execs the monitor anew).
pub type Started<'s> =
    dyn FnMut(Moment, Pid, &mut Hub, &mut Session) -> Result<(), MonitorError> + 's;

/// When a run calls back its monitor.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Moment {
    /// The container's process was let go.
    Started,
    /// It still runs at `Hub::hand_off_at`.
    HandOff,
}

pub struct Run<'a> {
    pub id: &'a str,
    pub bundle: &'a Path,
    pub state_root: &'a Path,
    pub config: &'a ContainerConfig,
    pub stdio: Stdio,
    /// Its user-defined networks, when it is on any.
    pub bridging: Option<&'a Bridging>,
    /// Its seccomp filter, compiled.
    pub filter: Option<&'a Filter>,
}

impl Run<'_> {
    /// Builds and starts the container, calls `started` with its init once it runs,
    /// and relays through `hub` until it exits; returns its exit code.
    pub fn execute(&self, hub: &mut Hub, started: &mut Started) -> Result<i32, MonitorError> {
        // A failed build can leave its state dir behind.
        let _ = std::fs::remove_dir_all(self.state_root.join(self.id));
        let starting = self.connect()?;
        // The helper gets the namespace ready while the container is built; only
        // the container's start has to wait for it.
        let built = self.build(hub.caller.as_ref());
        let helper = match starting.map(Starting::ready).transpose() {
            Ok(helper) => helper,
            Err(e) => {
                if let Ok((container, ..)) = built {
                    discard(container, self.state_root, self.id);
                }
                if let Some(bridging) = self.bridging {
                    bridging.detach();
                }
                rootfs::unbind_network(self.bundle);
                return Err(e.into());
            }
        };
        let result = built.and_then(|(mut container, console, mut session)| {
            hub.oom = OomWatch::of(&self.cgroups_path());
            let result = self.start(&mut container, console, &mut session, hub, started);
            let seen = hub.oom.take().map_or(0, |watch| watch.kills);
            cgroups::mark_oom(self.bundle, &self.cgroups_path(), seen);
            delete(container, self.state_root, self.id);
            result
        });
        if let Some(bridging) = self.bridging {
            bridging.detach();
        }
        disconnect(helper, self.bundle);
        result
    }

    fn cgroups_path(&self) -> String {
        cgroups::cgroups_path(self.id, &self.config.settings.resources)
    }

    /// A network namespace for the container, and its helper on the way to
    /// connecting it, when the network mode has one: on user-defined networks,
    /// veths from the holder, and a pasta for the way out unless every network
    /// is internal.
    fn connect(&self) -> Result<Option<Starting>, MonitorError> {
        let helped = self.config.network.has_helper() || self.bridging.is_some();
        let netns = match &self.config.userns {
            Some(own) => {
                let network = helped || self.config.network == Network::None;
                let bound = userns::bound_userns(self.bundle, &own.maps, network);
                if bound.is_err() {
                    rootfs::unbind_network(self.bundle);
                }
                bound?
            }
            None if helped => Some(rootfs::bound_network(self.bundle)?),
            None => None,
        };
        let Some(netns) = netns.filter(|_| helped) else {
            return Ok(None);
        };
        let connected = self.uplink(&netns);
        if connected.is_err() {
            if let Some(bridging) = self.bridging {
                bridging.detach();
            }
            rootfs::unbind_network(self.bundle);
        }
        connected
    }

    fn uplink(&self, netns: &Path) -> Result<Option<Starting>, MonitorError> {
        let bridged;
        let network = match self.bridging {
            Some(bridging) => {
                bridging.attach(netns, self.bundle)?;
                if !bridging.uplink() {
                    return Ok(None);
                }
                bridged = Network::Pasta(vec!["-I".into(), pasta::BRIDGED_UPLINK.into()]);
                &bridged
            }
            None => &self.config.network,
        };
        Ok(helper::start(
            network,
            netns,
            &self.config.ports,
            self.bundle,
        )?)
    }

    fn build(
        &self,
        caller: Option<&Streams>,
    ) -> Result<(Container, Option<tty::ConsoleSocket>, Session), MonitorError> {
        let (bundle, executor) = match self.filter {
            Some(filter) => {
                let (bundle, executor) = seccomp_executor::init_bundle(self.bundle, filter.clone())
                    .map_err(|e| MonitorError::Runtime {
                        code: 125,
                        message: e.to_string(),
                    })?;
                (bundle, Some(executor))
            }
            None => (self.bundle.to_owned(), None),
        };
        let console = match self.config.tty {
            true => Some(tty::ConsoleSocket::listen(self.bundle)?),
            false => None,
        };
        let mut session = Session::default();
        let mut builder = ContainerBuilder::new(self.id.to_owned(), SyscallType::default())
            .with_root_path(self.state_root)
            .map_err(super::runtime)?;
        let tether = Tether::to_this_process().map_err(setup("open a pidfd of the monitor"))?;
        let inner: Box<dyn Executor> = match executor {
            Some(filtered) => Box::new(filtered),
            None => Box::new(DefaultExecutor {}),
        };
        builder = builder.with_executor(Tethered { tether, inner });
        if let Some(console) = &console {
            builder = builder.with_console_socket(Some(console.path()));
        } else {
            let direct = match (&self.stdio, caller) {
                (Stdio::Direct, Some(caller)) => Some(direct_fds(caller)?),
                _ => None,
            };
            match direct {
                Some((stdin, stdout, stderr)) => {
                    let stdin = match (self.config.interactive, stdin) {
                        (true, Some(stdin)) => stdin,
                        _ => devnull()?,
                    };
                    builder = builder
                        .with_stdin(stdin)
                        .with_stdout(stdout)
                        .with_stderr(stderr);
                }
                None => {
                    builder = builder
                        .with_stdin(match self.config.interactive {
                            true => pipe_to(&mut session.stdin)?,
                            false => devnull()?,
                        })
                        .with_stdout(pipe_from(&mut session.stdout)?)
                        .with_stderr(pipe_from(&mut session.stderr)?);
                }
            }
        }
        // `--preserve-fds`: the caller's fds 3.. reach the monitor unchanged
        // (start.rs hands its own above them) and go on to the process.
        let built = builder
            .with_preserved_fds(self.config.settings.preserve_fds as i32)
            .as_init(bundle)
            // A scope from the user's systemd where create chose one
            // (containers/cgroups.rs); coracle's own cgroupfs writes otherwise.
            .with_systemd(self.config.settings.resources.manager == Manager::Systemd)
            // libcontainer's word for "stdio comes through the console socket": it
            // refuses the socket otherwise. The container is our child either way.
            .with_detach(console.is_some())
            .build();
        // build() leaves us non-dumpable, which would hide /proc/<monitor> from us.
        let _ = nix::sys::prctl::set_dumpable(true);
        match built {
            Ok(container) => Ok((container, console, session)),
            Err(e) => {
                let _ = std::fs::remove_dir_all(self.state_root.join(self.id));
                Err(super::runtime(e))
            }
        }
    }

    fn start(
        &self,
        container: &mut Container,
        console: Option<tty::ConsoleSocket>,
        session: &mut Session,
        hub: &mut Hub,
        started: &mut Started,
    ) -> Result<i32, MonitorError> {
        let init = container.pid().ok_or_else(no_pid)?;
        session.terminal = console
            .map(|c| c.receive().map(|master| tty::Terminal { master }))
            .transpose()?;
        let caller_size = hub
            .caller
            .as_ref()
            .and_then(|c| c.controls.as_ref())
            .and_then(|c| c.size());
        if let (Some(terminal), Some((rows, cols))) =
            (&session.terminal, hub.tty_size.or(caller_size))
        {
            terminal.set_size(rows, cols);
        }
        let signals = wait::block_signals(true).map_err(setup_nix("block signals"))?;
        let result = container
            .start()
            .map_err(super::runtime)
            .and_then(|()| started(Moment::Started, init, hub, session))
            .and_then(|()| loop {
                let relayed = hub.relay(init, &signals, session);
                match relayed.map_err(setup_nix("wait for the container"))? {
                    Some(code) => break Ok(code),
                    None => started(Moment::HandOff, init, hub, session)?,
                }
            });
        let _ = wait::unblock_signals(&signals);
        result
    }
}

/// Stops a run's helper and lets its namespace go; also for a run that an
/// earlier image of this monitor started, known only by the helper's record.
pub fn disconnect(helper: Option<Helper>, dir: &Path) {
    if let Some(helper) = helper.or_else(|| Helper::recorded(dir)) {
        helper.stop();
    }
    rootfs::unbind_network(dir);
}

fn no_pid() -> MonitorError {
    MonitorError::Runtime {
        code: 125,
        message: "the runtime reported no pid for the container".into(),
    }
}

/// Deletes a run's container from the runtime's state, found there by `id` (a run
/// that an earlier image of this monitor started: see handoff.rs).
pub fn forget(state_root: &Path, id: &str) {
    match Container::load(state_root.join(id)) {
        Ok(container) => delete(container, state_root, id),
        Err(_) => {
            let _ = std::fs::remove_dir_all(state_root.join(id));
        }
    }
}

/// Deletes a container that was built and will not be started. Rootless, the
/// runtime's forced delete kills through the cgroup, which it may not have, and
/// would leave the init waiting to be started (holding the caller's stdio); it
/// is our child, so we kill and reap it ourselves.
fn discard(container: Container, state_root: &Path, id: &str) {
    if let Some(init) = container.pid() {
        if nix::sys::signal::kill(init, nix::sys::signal::Signal::SIGKILL).is_ok() {
            let _ = nix::sys::wait::waitpid(init, None);
        }
    }
    delete(container, state_root, id);
}

fn delete(mut container: Container, state_root: &Path, id: &str) {
    if container.delete(true).is_err() {
        let _ = std::fs::remove_dir_all(state_root.join(id));
    }
}

/// A pipe whose write end the container gets; we keep the read end.
fn pipe_from(ours: &mut Option<OwnedFd>) -> Result<OwnedFd, MonitorError> {
    let (read, write) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)
        .map_err(setup_nix("make a pipe for the container's output"))?;
    *ours = Some(read);
    Ok(write)
}

/// A pipe whose read end the container gets; we keep the write end.
fn pipe_to(ours: &mut Option<OwnedFd>) -> Result<OwnedFd, MonitorError> {
    let (read, write) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)
        .map_err(setup_nix("make a pipe for the container's input"))?;
    *ours = Some(write);
    Ok(read)
}

/// Copies of the caller's descriptors for the container to use as its own.
type DirectFds = (Option<OwnedFd>, OwnedFd, OwnedFd);

fn direct_fds(caller: &Streams) -> Result<DirectFds, MonitorError> {
    let copy = |fd: Option<BorrowedFd>| {
        fd.map(|fd| fd.try_clone_to_owned())
            .transpose()
            .map_err(setup("copy the caller's descriptors"))
    };
    let missing = || setup("copy the caller's descriptors")(std::io::ErrorKind::NotFound.into());
    Ok((
        copy(caller.stdin.as_ref().map(|fd| fd.as_fd()))?,
        copy(caller.stdout.as_fd())?.ok_or_else(missing)?,
        copy(caller.stderr.as_fd())?.ok_or_else(missing)?,
    ))
}

fn devnull() -> Result<OwnedFd, MonitorError> {
    Ok(std::fs::File::open("/dev/null")
        .map_err(setup("open /dev/null"))?
        .into())
}
