//! A detached monitor starts over once its container has run a moment
//! (supervisor.rs's SETTLE: a container done sooner spares it). Setting a container up
//! (SQLite, the spec, libcontainer) leaves a fragmented heap that malloc cannot give
//! back, and a monitor lives as long as its container, one per container. So it
//! execs its own binary, which keeps what matters: its pid (it stays the
//! container's parent and subreaper), its namespaces and mounts, its blocked and
//! pending signals, and the descriptors named on the new command line. The new
//! image relays until the container exits, then opens the store again to record
//! the end and to restart or clean up (`super::resume`).
//!
//! The command line is `coracle monitor --resumed KEY=VALUE...`, told apart by
//! command.rs and read here before clap: building clap's whole command tree would
//! cost the memory this is for.

use super::command::{MONITOR, RESUMED};
use super::health::HealthTimer;
use super::io::{Client, Hub, Session};
use super::logfile::{Format, LogWriter};
use super::oom::OomWatch;
use super::resident_code;
use super::tty::Terminal;
use super::{wait, MonitorError};
use crate::engine::context::{Context, ContextOptions};
use crate::engine::net::holder::Link;
use crate::engine::store::lock::Lock;
use nix::fcntl::{fcntl, FcntlArg, FdFlag};
use nix::unistd::Pid;
use std::ffi::{CString, OsStr, OsString};
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::time::Duration;

/// What the monitor passes on to its next image.
pub(super) struct Handoff<'a> {
    pub ctx: &'a Context,
    pub id: &'a str,
    pub init: Pid,
    /// Restarts in a row so far (for the back-off).
    pub consecutive: u32,
    pub interactive: bool,
    pub lock: &'a Lock,
    /// The holder's connection and pid, when the container is on bridges.
    pub holder: Option<(RawFd, i32)>,
}

impl Handoff<'_> {
    /// Execs the monitor anew; returns only if that failed.
    pub fn exec(&self, hub: &Hub, session: &Session) -> nix::Error {
        let mut fds = passed(self.lock, hub, session);
        fds.extend(self.holder.map(|(fd, _)| ("holder", fd)));
        let mut args: Vec<CString> = ["coracle", MONITOR, RESUMED]
            .iter()
            .map(|a| CString::new(*a).unwrap())
            .collect();
        let values = [
            ("root", self.ctx.root.as_os_str().to_owned()),
            ("runroot", self.ctx.runroot.as_os_str().to_owned()),
            ("id", self.id.into()),
            ("init", self.init.to_string().into()),
            ("consecutive", self.consecutive.to_string().into()),
            ("interactive", u8::from(self.interactive).to_string().into()),
        ];
        let size = hub
            .tty_size
            .map(|size| ("tty", super::tty::format_size(size).into()));
        let holder = self
            .holder
            .map(|(_, pid)| ("holder_pid", pid.to_string().into()));
        let log_format = hub.log.as_ref().map(|log| {
            let format = match log.format() {
                Format::Json => "json",
                Format::K8s => "k8s",
            };
            ("log_format", format.into())
        });
        let log_max = hub
            .log
            .as_ref()
            .and_then(|log| log.max_size())
            .map(|max| ("log_max", max.to_string().into()));
        let health = hub
            .health
            .as_ref()
            .map(|h| ("health", h.interval.as_nanos().to_string().into()));
        let oom = hub.oom.iter().flat_map(|watch| {
            [
                ("oom_dir", watch.dir().as_os_str().to_owned()),
                ("oom_kills", watch.kills.to_string().into()),
            ]
        });
        let fd_values = fds
            .iter()
            .map(|(k, fd)| (*k, OsString::from(fd.to_string())));
        for (key, value) in values
            .into_iter()
            .chain(size)
            .chain(holder)
            .chain(log_format)
            .chain(log_max)
            .chain(health)
            .chain(oom)
            .chain(fd_values)
        {
            let mut arg = OsString::from(format!("{key}="));
            arg.push(value);
            match CString::new(arg.into_vec()) {
                Ok(arg) => args.push(arg),
                Err(_) => return nix::Error::EINVAL,
            }
        }
        for (_, fd) in &fds {
            if let Err(e) = fcntl(*fd, FcntlArg::F_SETFD(FdFlag::empty())) {
                return e;
            }
        }
        // execv, not std's Command: that would unblock the signals queued for us.
        let Err(e) = nix::unistd::execv(c"/proc/self/exe", &args);
        for (_, fd) in &fds {
            let _ = fcntl(*fd, FcntlArg::F_SETFD(FdFlag::FD_CLOEXEC));
        }
        e
    }
}

/// The descriptors that outlive the exec, by the names the new image knows them by.
fn passed(lock: &Lock, hub: &Hub, session: &Session) -> Vec<(&'static str, RawFd)> {
    let raw = |fd: &Option<OwnedFd>| fd.as_ref().map(|f| f.as_raw_fd());
    let mut fds = vec![("lock", lock.as_fd().as_raw_fd())];
    let optional = [
        ("listener", hub.listener.as_ref().map(|l| l.as_raw_fd())),
        ("log", hub.log.as_ref().map(|l| l.file().as_raw_fd())),
        ("stdout", raw(&session.stdout)),
        ("stderr", raw(&session.stderr)),
        ("stdin", raw(&session.stdin)),
        (
            "pty",
            session.terminal.as_ref().map(|t| t.master.as_raw_fd()),
        ),
    ];
    fds.extend(
        optional
            .into_iter()
            .filter_map(|(k, fd)| fd.map(|fd| (k, fd))),
    );
    fds.extend(hub.clients.iter().map(|c| ("client", c.as_raw_fd())));
    fds.extend(hub.oom.as_ref().map(|watch| ("oom", watch.raw_fd())));
    fds
}

/// A monitor that exec'd itself, as its command line describes it.
pub struct Resumed {
    pub context: ContextOptions,
    pub id: String,
    pub init: Pid,
    pub consecutive: u32,
    pub lock: Lock,
    pub hub: Hub,
    pub session: Session,
    /// How the container's init exited, once `wait` has seen it.
    pub ended: Option<nix::Result<i32>>,
    /// The holder's connection, when the container is on bridges.
    pub holder: Option<Link>,
}

impl Resumed {
    /// Relays until the container's init exits, and keeps its exit code. The
    /// first thing a resumed monitor does, before anything else takes memory.
    pub fn wait(&mut self) {
        if self.ended.is_none() {
            // Waiting runs little of the binary that the start mapped.
            resident_code::release();
            self.ended = Some(self.pump());
        }
    }

    fn pump(&mut self) -> nix::Result<i32> {
        let signals = wait::block_signals(true)?;
        let code = self.hub.pump(self.init, &signals, &mut self.session);
        let _ = wait::unblock_signals(&signals);
        code
    }
}

/// Names the process after its binary again, as `ps` showed it before: exec'd
/// through /proc/self/exe, it would be called `exe`.
fn keep_name() {
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let name = exe.file_name().unwrap_or_default().as_bytes();
    let name = name.strip_suffix(b" (deleted)").unwrap_or(name);
    if let Ok(name) = CString::new(name) {
        let _ = nix::sys::prctl::set_name(&name);
    }
}

/// Reads the `KEY=VALUE` arguments of the exec'd monitor's command line.
pub(super) fn parse(args: &[OsString]) -> Result<Resumed, MonitorError> {
    keep_name();
    let bad = |what: &str| MonitorError::Resume(what.to_owned());
    let mut values = Values::default();
    for arg in args {
        let bytes = arg.as_bytes();
        let at = bytes
            .iter()
            .position(|&b| b == b'=')
            .ok_or_else(|| bad("an argument"))?;
        let (key, value) = (&bytes[..at], OsStr::from_bytes(&bytes[at + 1..]));
        values
            .take(key, value)
            .ok_or_else(|| bad(&String::from_utf8_lossy(key)))?;
    }
    let root = values.root.ok_or_else(|| bad("root"))?;
    let id = values.id.ok_or_else(|| bad("id"))?;
    let log = values
        .log
        .map(|fd| LogWriter::with_file(fd.into(), values.log_format, values.log_max))
        .transpose()
        .map_err(super::setup("keep the log file"))?;
    let terminal = values.pty.map(|master| Terminal { master });
    let lock = Lock::adopt(values.lock.ok_or_else(|| bad("lock"))?)
        .map_err(super::setup("keep the monitor lock"))?;
    let clients = values
        .clients
        .into_iter()
        .map(|fd| Client::new(UnixStream::from(fd)))
        .collect::<Result<_, _>>()
        .map_err(super::setup("keep the attached clients"))?;
    let health = values
        .health
        .map(|interval| HealthTimer::new(root.clone(), values.runroot.clone(), &id, interval));
    Ok(Resumed {
        context: ContextOptions {
            root: Some(root),
            runroot: values.runroot,
            storage_driver: None,
            userns: None,
        },
        id,
        init: values.init.ok_or_else(|| bad("init"))?,
        consecutive: values.consecutive,
        lock,
        hub: Hub {
            log,
            caller: None,
            interactive: values.interactive,
            listener: values.listener.map(UnixListener::from),
            clients,
            tty_size: values.tty_size,
            health,
            restart_asked: false,
            oom: values
                .oom
                .zip(values.oom_dir)
                .map(|(fd, dir)| OomWatch::inherited(fd, dir, values.oom_kills)),
            hand_off_at: None,
        },
        session: Session {
            stdout: values.stdout,
            stderr: values.stderr,
            stdin: values.stdin,
            terminal,
            timed_out: false,
        },
        ended: None,
        holder: match (values.holder, values.holder_pid) {
            (Some(fd), Some(pid)) => Some(Link::adopt(fd, pid).map_err(|_| bad("holder"))?),
            _ => None,
        },
    })
}

#[derive(Default)]
struct Values {
    root: Option<PathBuf>,
    runroot: Option<PathBuf>,
    id: Option<String>,
    init: Option<Pid>,
    consecutive: u32,
    interactive: bool,
    tty_size: Option<(u16, u16)>,
    lock: Option<OwnedFd>,
    listener: Option<OwnedFd>,
    stdout: Option<OwnedFd>,
    stderr: Option<OwnedFd>,
    stdin: Option<OwnedFd>,
    pty: Option<OwnedFd>,
    clients: Vec<OwnedFd>,
    holder: Option<OwnedFd>,
    holder_pid: Option<i32>,
    /// The log file, when the container keeps one (`--log-driver`).
    log: Option<OwnedFd>,
    log_format: Format,
    log_max: Option<u64>,
    /// The healthcheck's interval, when it has a schedule.
    health: Option<Duration>,
    /// The watch on the container's systemd scope (oom.rs): its inotify
    /// descriptor, the scope's directory and the kills seen so far.
    oom: Option<OwnedFd>,
    oom_dir: Option<PathBuf>,
    oom_kills: u64,
}

impl Values {
    /// Takes one `key=value`; `None` if either is not what was passed.
    fn take(&mut self, key: &[u8], value: &OsStr) -> Option<()> {
        let number = || value.to_str()?.parse::<i32>().ok();
        match key {
            b"root" => self.root = Some(value.into()),
            b"runroot" => self.runroot = Some(value.into()),
            b"id" => self.id = Some(value.to_str()?.to_owned()),
            b"init" => self.init = Some(Pid::from_raw(number()?)),
            b"consecutive" => self.consecutive = number()?.try_into().ok()?,
            b"interactive" => self.interactive = number()? == 1,
            b"tty" => self.tty_size = Some(super::tty::parse_size(value.to_str()?)?),
            b"lock" => self.lock = Some(inherited(number()?)?),
            b"listener" => self.listener = Some(inherited(number()?)?),
            b"stdout" => self.stdout = Some(inherited(number()?)?),
            b"stderr" => self.stderr = Some(inherited(number()?)?),
            b"stdin" => self.stdin = Some(inherited(number()?)?),
            b"pty" => self.pty = Some(inherited(number()?)?),
            b"client" => self.clients.push(inherited(number()?)?),
            b"holder" => self.holder = Some(inherited(number()?)?),
            b"holder_pid" => self.holder_pid = Some(number()?),
            b"log" => self.log = Some(inherited(number()?)?),
            b"log_format" => {
                self.log_format = match value.as_bytes() {
                    b"json" => Format::Json,
                    b"k8s" => Format::K8s,
                    _ => return None,
                }
            }
            b"log_max" => self.log_max = Some(value.to_str()?.parse().ok()?),
            b"health" => self.health = Some(Duration::from_nanos(value.to_str()?.parse().ok()?)),
            b"oom" => self.oom = Some(inherited(number()?)?),
            b"oom_dir" => self.oom_dir = Some(value.into()),
            b"oom_kills" => self.oom_kills = value.to_str()?.parse().ok()?,
            _ => return None,
        }
        Some(())
    }
}

/// Owns a descriptor the previous image left open for us, closed on exec again so
/// that a restarted container does not inherit it.
fn inherited(fd: RawFd) -> Option<OwnedFd> {
    fcntl(fd, FcntlArg::F_SETFD(FdFlag::FD_CLOEXEC)).ok()?;
    // SAFETY: the fd is open (fcntl succeeded) and was passed to this image by
    // number for this purpose alone, so nothing else in the process owns it.
    Some(unsafe { OwnedFd::from_raw_fd(fd) })
}
