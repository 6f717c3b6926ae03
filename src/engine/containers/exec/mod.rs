//! `exec`: another process in a running container, started from the host side.
//!
//! We join the container's user and network namespaces (see [`join`]; the runtime
//! knows of neither), then hand libcontainer's tenant builder a process made from
//! the container's own (capabilities, rlimits, no_new_privileges, apparmor, user,
//! env, cwd) with the caller's changes; it joins the container's other namespaces
//! through its init's /proc entries and starts the process as our child, which we
//! then wait for as the monitor waits for init.

pub mod sessions;
mod start;

pub use start::start;

use super::lookup::lookup;
use super::{join, ContainersError};
use crate::engine::context::Context;
use crate::engine::monitor::io::{Hub, Session};
use crate::engine::monitor::tty::{ConsoleSocket, Terminal};
use crate::engine::monitor::{rootfs, wait, MonitorError};
use crate::engine::process::Host;
use crate::engine::runtime::seccomp_executor::{self, Filtered};
use crate::engine::runtime::{caps, seccomp_cache, user};
use crate::engine::store::containers::Status;
use crate::engine::store::Store;
use crate::engine::streams::{self, Streams};
use libcontainer::container::builder::ContainerBuilder;
use libcontainer::syscall::syscall::SyscallType;
use nix::unistd::Pid;
use oci_spec::runtime::{Capability, LinuxCapabilities, Process, Spec};
use std::collections::HashSet;
use std::io::Read;
use std::os::fd::{BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

/// What the caller asked for (the CLI and the API fill this); the API's exec
/// sessions keep it in their records.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct ExecOptions {
    pub command: Vec<String>,
    /// `KEY=VALUE` entries, host values already filled in; they replace the
    /// container's own of the same key.
    pub env: Vec<String>,
    pub user: Option<String>,
    pub workdir: Option<String>,
    pub interactive: bool,
    pub tty: bool,
    /// Start it and return: nobody waits for it or relays its stdio.
    pub detach: bool,
    /// Every capability, as `run --privileged` gives.
    pub privileged: bool,
}

/// Runs the command in container `input`, relaying between it and `streams`, and
/// returns its exit code (0 at once when detached). `Host`: it joins the
/// container's namespaces.
pub fn exec(
    ctx: &Context,
    _host: &Host,
    store: &Store,
    input: &str,
    opts: &ExecOptions,
    mut streams: Streams,
) -> Result<i32, ContainersError> {
    if opts.command.is_empty() {
        return Err(ContainersError::Invalid(
            "exec needs a command to run in the container".into(),
        ));
    }
    let record = lookup(store, input)?;
    if record.state.status != Status::Running {
        return Err(ContainersError::Improper(
            "can only create exec sessions on running containers".into(),
        ));
    }
    let init = join::running_init(&record, input)?;
    join::user_namespace(&record, init)?;
    join::net_namespace(&record, init)?;
    join::uts_ipc_namespaces(&record, init)?;
    // libcontainer puts the process in the container's cgroup; on a hybrid host it
    // needs the cgroup2 tree where it looks, as the monitor has it (our mount
    // namespace only).
    rootfs::private_mounts().map_err(monitor)?;
    rootfs::forget_network_file(&store.container_dir(&record.id));
    if ctx.rootless() {
        rootfs::prefer_cgroup2().map_err(monitor)?;
    }
    let dir = store.container_dir(&record.id);
    let spec = Spec::load(dir.join("config.json"))
        .map_err(|e| ContainersError::Invalid(format!("container {input}: {e}")))?;
    let (process, filter) = filtered(&dir, &ctx.runroot, &spec, process_for(&spec, init, opts)?)?;
    let scratch = Scratch::new(&ctx.runroot)?;
    let process_path = scratch.write_process(&process)?;
    let tty = opts.tty && !opts.detach;
    if opts.tty && opts.detach {
        log::warn!(
            "exec -d: the process gets no terminal: nothing would hold one once coracle exits"
        );
    }
    let console = tty
        .then(|| ConsoleSocket::listen(&scratch.0))
        .transpose()
        .map_err(monitor)?;
    let mut session = Session::default();
    let stdio = match (&console, opts.detach) {
        (None, false) => Some(direct(&mut streams, &mut session, opts.interactive)?),
        _ => None,
    };
    let pid = build(
        ctx,
        &record.id,
        &process_path,
        console.as_ref(),
        filter,
        stdio,
    )?;
    // Docker's names: `exec_start: CMD ARGS`, then exec_die with the code.
    let start = format!("exec_start: {}", opts.command.join(" "));
    store.record(super::events::event(&record, &start).with("execID", pid.to_string()));
    if opts.detach {
        return Ok(0);
    }
    session.terminal = console
        .map(|c| c.receive().map(|master| Terminal { master }))
        .transpose()
        .map_err(monitor)?;
    if let Some(terminal) = &session.terminal {
        if let Some((rows, cols)) = streams.controls.as_ref().and_then(|c| c.size()) {
            terminal.set_size(rows, cols);
        }
    }
    drop(scratch);
    let code = relay(pid, &mut session, opts, streams)?;
    let die = super::events::event(&record, "exec_die")
        .with("execID", pid.to_string())
        .with("exitCode", code.to_string());
    store.record(die);
    Ok(code)
}

/// The process's stdio without a pty: the caller's descriptors as they are,
/// and pipes for outputs that are not descriptors (the session relays those).
fn direct(
    streams: &mut Streams,
    session: &mut Session,
    interactive: bool,
) -> Result<[OwnedFd; 3], ContainersError> {
    let copy = |fd: BorrowedFd| fd.try_clone_to_owned().map_err(pipe_error);
    let stdin = match streams.stdin.take().filter(|_| interactive) {
        Some(fd) => fd,
        None => devnull()?,
    };
    let output = |fd: Option<BorrowedFd>, ours: &mut Option<OwnedFd>| match fd {
        Some(fd) => copy(fd),
        None => {
            let (read, write) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)
                .map_err(|e| pipe_error(e.into()))?;
            *ours = Some(read);
            Ok(write)
        }
    };
    let stdout = output(streams.stdout.as_fd(), &mut session.stdout)?;
    let stderr = output(streams.stderr.as_fd(), &mut session.stderr)?;
    Ok([stdin, stdout, stderr])
}

/// Starts the process; returns its pid once it has exec'd the command.
fn build(
    ctx: &Context,
    id: &str,
    process: &Path,
    console: Option<&ConsoleSocket>,
    filter: Option<Filtered>,
    stdio: Option<[OwnedFd; 3]>,
) -> Result<Pid, ContainersError> {
    let mut builder = ContainerBuilder::new(id.to_owned(), SyscallType::default())
        .with_root_path(ctx.runroot.join("runtime"))
        .map_err(runtime)?;
    if let Some(filter) = filter {
        builder = builder.with_executor(filter);
    }
    match (console, stdio) {
        (Some(console), _) => builder = builder.with_console_socket(Some(console.path())),
        (None, Some([stdin, stdout, stderr])) => {
            builder = builder
                .with_stdin(stdin)
                .with_stdout(stdout)
                .with_stderr(stderr)
        }
        // Detached: nobody reads or writes its stdio.
        (None, None) => {
            builder = builder
                .with_stdin(devnull()?)
                .with_stdout(devnull()?)
                .with_stderr(devnull()?)
        }
    }
    let built = builder
        .as_tenant()
        .with_process(Some(process))
        // libcontainer's word for "stdio comes through the console socket".
        .with_detach(console.is_some())
        .build();
    // build() leaves us non-dumpable, which would hide /proc/self from us.
    let _ = nix::sys::prctl::set_dumpable(true);
    built.map_err(runtime)
}

/// Waits for the process, relaying between it and the caller's `streams` and
/// passing the caller's signals and window sizes on.
fn relay(
    pid: Pid,
    session: &mut Session,
    opts: &ExecOptions,
    mut streams: Streams,
) -> Result<i32, ContainersError> {
    if let Some(controls) = &mut streams.controls {
        let session = streams::Session {
            tty: opts.tty,
            stdin: opts.interactive,
            signals: true,
        };
        controls.begin(session).map_err(wait_error)?;
    }
    let mut hub = Hub {
        log: None,
        caller: Some(streams),
        interactive: opts.interactive,
        listener: None,
        clients: Vec::new(),
        tty_size: None,
        health: None,
        restart_asked: false,
        oom: None,
        hand_off_at: None,
    };
    // The caller's signals come as controls; ours is only the process's end.
    let signals = wait::block_signals(false).map_err(|e| wait_error(e.into()))?;
    hub.pump(pid, &signals, session)
        .map_err(|e| wait_error(e.into()))
}

/// The container's process with the caller's changes.
fn process_for(spec: &Spec, init: Pid, opts: &ExecOptions) -> Result<Process, ContainersError> {
    let mut process = spec.process().clone().unwrap_or_default();
    let mut env = process.env().clone().unwrap_or_default();
    if let Some(spec_user) = &opts.user {
        let root = PathBuf::from(format!("/proc/{init}/root"));
        let resolved = user::resolve(
            spec_user,
            &read_in(&root, "/etc/passwd"),
            &read_in(&root, "/etc/group"),
        )?;
        let mut u = process.user().clone();
        u.set_uid(resolved.uid)
            .set_gid(resolved.gid)
            .set_additional_gids(Some(resolved.additional_gids));
        process.set_user(u);
        if let Some(home) = resolved.home {
            set_env(&mut env, &format!("HOME={home}"));
        }
    }
    for entry in &opts.env {
        set_env(&mut env, entry);
    }
    if let Some(dir) = opts.workdir.as_deref().filter(|d| !d.is_empty()) {
        if !dir.starts_with('/') {
            return Err(ContainersError::Invalid(format!(
                "the working directory {dir:?} is not an absolute path"
            )));
        }
        process.set_cwd(dir.into());
    }
    let bounding = match opts.privileged {
        true => all_capabilities(),
        false => process
            .capabilities()
            .as_ref()
            .and_then(|c| c.bounding().clone())
            .unwrap_or_default(),
    };
    let uid = process.user().uid();
    process.set_capabilities(Some(capabilities(bounding, uid)));
    process
        .set_args(Some(opts.command.clone()))
        .set_env(Some(env))
        .set_terminal(Some(opts.tty && !opts.detach));
    Ok(process)
}

/// The process with room to load the container's seccomp filter, and the executor
/// that loads it (none when the container has no filter).
fn filtered(
    dir: &Path,
    runroot: &Path,
    spec: &Spec,
    process: Process,
) -> Result<(Process, Option<Filtered>), ContainersError> {
    let embedded = spec.linux().as_ref().and_then(|l| l.seccomp().as_ref());
    let filter = match embedded {
        Some(seccomp) => Some(seccomp_cache::embedded(seccomp, runroot)?),
        None => seccomp_cache::filter(dir, runroot)?,
    };
    Ok(match filter {
        Some(filter) => {
            let (process, executor) = seccomp_executor::filtered(process, filter);
            (process, Some(executor))
        }
        None => (process, None),
    })
}

/// Replaces the entry with `entry`'s key, or adds it.
fn set_env(env: &mut Vec<String>, entry: &str) {
    let key = entry.split('=').next().unwrap_or(entry);
    env.retain(|e| e.split('=').next() != Some(key));
    env.push(entry.to_owned());
}

/// A file of the container's, read inside its root; empty when it has none.
fn read_in(root: &Path, path: &str) -> String {
    let mut text = String::new();
    if let Ok(mut f) = crate::engine::store::unpack::open_in_root(root, path) {
        let _ = f.read_to_string(&mut text);
    }
    text
}

fn all_capabilities() -> HashSet<Capability> {
    caps::ALL
        .iter()
        .filter_map(|c| serde_json::from_value(serde_json::Value::from(*c)).ok())
        .collect()
}

/// The container's rule (see runtime::spec): root gets the bounding set as its
/// effective one, any other user starts with nothing effective.
fn capabilities(bounding: HashSet<Capability>, uid: u32) -> LinuxCapabilities {
    let live = match uid {
        0 => bounding.clone(),
        _ => HashSet::new(),
    };
    let mut set = LinuxCapabilities::default();
    set.set_bounding(Some(bounding))
        .set_effective(Some(live.clone()))
        .set_permitted(Some(live))
        .set_inheritable(None)
        .set_ambient(None);
    set
}

/// A directory of our own for the process file and the console socket.
struct Scratch(PathBuf);

impl Scratch {
    fn new(runroot: &Path) -> Result<Scratch, ContainersError> {
        let path = runroot
            .join("exec")
            .join(format!("{:016x}", rand::random::<u64>()));
        std::fs::create_dir_all(&path).map_err(|source| ContainersError::Write {
            path: path.clone(),
            source,
        })?;
        Ok(Scratch(path))
    }

    /// Writes the process where the tenant builder reads it.
    fn write_process(&self, process: &Process) -> Result<PathBuf, ContainersError> {
        let path = self.0.join("process.json");
        serde_json::to_vec(process)
            .map_err(std::io::Error::other)
            .and_then(|json| std::fs::write(&path, json))
            .map_err(|source| ContainersError::Write {
                path: path.clone(),
                source,
            })?;
        Ok(path)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn devnull() -> Result<OwnedFd, ContainersError> {
    std::fs::File::open("/dev/null")
        .map(OwnedFd::from)
        .map_err(|e| {
            monitor(MonitorError::Setup {
                what: "open /dev/null",
                source: e,
            })
        })
}

/// libcontainer's failure, in Docker's codes (126, 127, else 125).
fn runtime(e: libcontainer::error::LibcontainerError) -> ContainersError {
    monitor(crate::engine::monitor::runtime(e))
}

fn monitor(e: MonitorError) -> ContainersError {
    ContainersError::Start {
        code: e.exit_code(),
        message: e.to_string(),
    }
}

fn pipe_error(source: std::io::Error) -> ContainersError {
    monitor(MonitorError::Setup {
        what: "give the exec process its stdio",
        source,
    })
}

fn wait_error(source: std::io::Error) -> ContainersError {
    monitor(MonitorError::Setup {
        what: "wait for the exec process",
        source,
    })
}
