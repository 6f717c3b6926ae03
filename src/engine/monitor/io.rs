//! The monitor's event loop while the container runs: the container's output to
//! the log, to the caller (a foreground run) and to attached clients; input from
//! the caller and clients to the container; signals forwarded; the pty resized;
//! children reaped. It ends when the container's init has exited and its last
//! output is out.

use super::frame::{Decoder, Frame};
use super::health::HealthTimer;
use super::logfile::{LogWriter, Stream};
use super::oom::OomWatch;
use super::tty::Terminal;
use super::wait::{reap, HEALTH_RESTART};
use crate::engine::streams::{Control, Streams};
use nix::errno::Errno;
use nix::fcntl::{fcntl, FcntlArg, OFlag};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signal::{kill, SigSet, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::unistd::{read, write, Pid};
use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::net::{UnixListener, UnixStream};
use std::time::{Duration, Instant};

/// How long to wait for the rest of the output once init is gone. Everything in the
/// container's pid namespace is dead by then, so its pipes and pty have no writer
/// left and this only bounds one kept open from outside.
const DRAIN: Duration = Duration::from_millis(500);
/// Input waiting for the container beyond this is not read: a container that reads
/// nothing must not stop its output being relayed.
const MAX_PENDING: usize = 64 * 1024;
/// The pty's end-of-file character, ^D.
const END_OF_FILE: u8 = 4;
/// A client this far behind is dropped rather than holding up the container.
const MAX_CLIENT_BACKLOG: usize = 4 << 20;

/// The exit code of a run `--timeout` ended (Podman's).
pub const TIMED_OUT: i32 = -1;

/// The container's side of its stdio for one run, as the monitor holds it.
#[derive(Default)]
pub struct Session {
    pub stdout: Option<OwnedFd>,
    pub stderr: Option<OwnedFd>,
    /// Where input for the container goes (`-i` without `-t`).
    pub stdin: Option<OwnedFd>,
    /// The pty (`-t`): output and input both.
    pub terminal: Option<Terminal>,
    /// `--timeout` ran out and the container was killed: the run ends with -1,
    /// as Podman's.
    pub timed_out: bool,
}

/// Who sees the container's output and may type into it; kept across restarts.
pub struct Hub {
    pub log: Option<LogWriter>,
    /// The caller's stdio, relayed to and from (a foreground `run`, an `exec`).
    pub caller: Option<Streams>,
    /// Whether input is passed on at all (`-i`).
    pub interactive: bool,
    pub listener: Option<UnixListener>,
    pub clients: Vec<Client>,
    /// The pty's size as the last client asked (rows, columns): a restarted
    /// container's new pty is given it too.
    pub tty_size: Option<(u16, u16)>,
    /// The healthcheck's schedule, when the container has one with an interval.
    pub health: Option<HealthTimer>,
    /// A check found the container unhealthy and asked for a restart
    /// (`--health-on-failure=restart`): it is killed and started again.
    pub restart_asked: bool,
    /// The run's watch for OOM kills, when its cgroup is a systemd scope.
    pub oom: Option<OomWatch>,
    /// When a detached monitor is to start over as a fresh image of itself
    /// (handoff.rs), should its container still run then.
    pub hand_off_at: Option<Instant>,
}

pub struct Client {
    sock: UnixStream,
    decoder: Decoder,
    backlog: Vec<u8>,
    gone: bool,
}

impl Client {
    pub fn new(sock: UnixStream) -> std::io::Result<Client> {
        sock.set_nonblocking(true)?;
        Ok(Client {
            sock,
            decoder: Decoder::default(),
            backlog: Vec::new(),
            gone: false,
        })
    }

    pub fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.sock.as_raw_fd()
    }

    fn send(&mut self, frame: &Frame) {
        self.backlog.extend_from_slice(&frame.encode());
        self.flush();
    }

    fn flush(&mut self) {
        while !self.backlog.is_empty() && !self.gone {
            match (&self.sock).write(&self.backlog) {
                Ok(n) => drop(self.backlog.drain(..n)),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => self.gone = true,
            }
        }
        if self.backlog.len() > MAX_CLIENT_BACKLOG {
            self.gone = true;
        }
    }
}

/// Input on its way to the container.
struct Input {
    pending: Vec<u8>,
    /// The input ended: close the container's stdin once `pending` is written.
    closing: bool,
    caller_open: bool,
}

impl Hub {
    /// Relays until `init` exits and its output is out; returns its exit code the shell way (the status,
    /// or 128 + the signal). `set` holds the blocked signals (`wait::block_signals`).
    pub fn pump(&mut self, init: Pid, set: &SigSet, session: &mut Session) -> nix::Result<i32> {
        loop {
            if let Some(code) = self.relay(init, set, session)? {
                return Ok(code);
            }
        }
    }

    /// As `pump`, but returns None at `hand_off_at` (taken) if the container
    /// still runs then, with no input held back for it.
    pub fn relay(
        &mut self,
        init: Pid,
        set: &SigSet,
        session: &mut Session,
    ) -> nix::Result<Option<i32>> {
        let signals = SignalFd::with_flags(set, SfdFlags::SFD_NONBLOCK | SfdFlags::SFD_CLOEXEC)?;
        for fd in [&session.stdout, &session.stderr, &session.stdin]
            .into_iter()
            .flatten()
            .chain(session.terminal.as_ref().map(|t| &t.master))
        {
            fcntl(fd.as_raw_fd(), FcntlArg::F_SETFL(OFlag::O_NONBLOCK))?;
        }
        if let Some(listener) = &self.listener {
            listener.set_nonblocking(true).map_err(io_errno)?;
        }
        let mut input = Input {
            pending: Vec::new(),
            closing: false,
            // With no pipe or pty of ours, the container reads the caller's stdin itself.
            caller_open: self.caller.as_ref().is_some_and(|c| c.stdin.is_some())
                && self.interactive
                && (session.stdin.is_some() || session.terminal.is_some()),
        };
        let mut exited = self.reap(init)?;
        let mut deadline = None;
        loop {
            if let (None, Some(health)) = (exited, &mut self.health) {
                health.run_due();
            }
            if let Some(code) = exited {
                let deadline = *deadline.get_or_insert_with(|| Instant::now() + DRAIN);
                let outputs_open = session.stdout.is_some()
                    || session.stderr.is_some()
                    || session.terminal.is_some();
                if !outputs_open || Instant::now() >= deadline {
                    if let Some(log) = &mut self.log {
                        log.flush();
                    }
                    return Ok(Some(if session.timed_out { TIMED_OUT } else { code }));
                }
            }
            // Input held for the container waits for it, not for a timer.
            let hand_off = self
                .hand_off_at
                .filter(|_| exited.is_none() && input.pending.is_empty());
            if hand_off.is_some_and(|at| Instant::now() >= at) {
                self.hand_off_at = None;
                return Ok(None);
            }
            let check = self.health.as_ref().and_then(HealthTimer::wait);
            let until_hand_off = hand_off.map(|at| at.saturating_duration_since(Instant::now()));
            let wait = match (check, until_hand_off) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            let timeout = match (deadline, wait) {
                (Some(d), _) => PollTimeout::try_from(d.saturating_duration_since(Instant::now()))
                    .unwrap_or(PollTimeout::ZERO),
                (None, Some(wait)) => PollTimeout::try_from(wait).unwrap_or(PollTimeout::MAX),
                (None, None) => PollTimeout::NONE,
            };
            self.turn(init, &signals, session, &mut input, &mut exited, timeout)?;
        }
    }

    /// Reaps what ended; init's exit code once it has.
    fn reap(&mut self, init: Pid) -> nix::Result<Option<i32>> {
        let health = &mut self.health;
        reap(init, &mut |pid| {
            if let Some(health) = health {
                health.reaped(pid);
            }
        })
    }

    fn turn(
        &mut self,
        init: Pid,
        signals: &SignalFd,
        session: &mut Session,
        input: &mut Input,
        exited: &mut Option<i32>,
        timeout: PollTimeout,
    ) -> nix::Result<()> {
        let out = session.stdout.as_ref().map(|f| f.as_fd());
        let err = session.stderr.as_ref().map(|f| f.as_fd());
        let master = session.terminal.as_ref().map(|t| t.master.as_fd());
        let sink = master.or(session.stdin.as_ref().map(|f| f.as_fd()));
        let mut fds = vec![PollFd::new(signals.as_fd(), PollFlags::POLLIN)];
        let out_at = slot(&mut fds, out.or(master), PollFlags::POLLIN);
        let err_at = slot(&mut fds, err, PollFlags::POLLIN);
        let sink_at = slot(
            &mut fds,
            sink.filter(|_| !input.pending.is_empty()),
            PollFlags::POLLOUT,
        );
        let caller = self.caller.as_ref();
        let caller_in = caller.and_then(|c| c.stdin.as_ref()).map(|fd| fd.as_fd());
        let caller_at = slot(
            &mut fds,
            caller_in.filter(|_| input.caller_open && input.pending.len() < MAX_PENDING),
            PollFlags::POLLIN,
        );
        let controls = caller
            .and_then(|c| c.controls.as_ref())
            .and_then(|c| c.fd());
        let controls_at = slot(&mut fds, controls, PollFlags::POLLIN);
        let listener_at = slot(
            &mut fds,
            self.listener.as_ref().map(|l| l.as_fd()),
            PollFlags::POLLIN,
        );
        let oom_at = slot(
            &mut fds,
            self.oom.as_ref().map(OomWatch::fd),
            PollFlags::POLLIN,
        );
        let first_client = fds.len();
        for c in &self.clients {
            let mut events = PollFlags::POLLIN;
            if !c.backlog.is_empty() {
                events |= PollFlags::POLLOUT;
            }
            fds.push(PollFd::new(c.sock.as_fd(), events));
        }
        match poll(&mut fds, timeout) {
            Err(Errno::EINTR) => return Ok(()),
            result => result?,
        };
        let ready = |at: Option<usize>| {
            at.and_then(|i| fds[i].revents())
                .unwrap_or(PollFlags::empty())
        };
        let readable = PollFlags::POLLIN | PollFlags::POLLHUP | PollFlags::POLLERR;
        let (out_ready, err_ready) = (ready(out_at), ready(err_at));
        let (sink_ready, caller_ready) = (ready(sink_at), ready(caller_at));
        let (listener_ready, controls_ready) = (ready(listener_at), ready(controls_at));
        let oom_ready = ready(oom_at);
        let client_ready: Vec<PollFlags> =
            (first_client..fds.len()).map(|i| ready(Some(i))).collect();
        drop(fds);

        if let (true, Some(watch)) = (oom_ready.intersects(PollFlags::POLLIN), &mut self.oom) {
            watch.changed();
        }
        // Signals first: a resize that came before a keystroke is applied before it.
        while let Some(info) = signals.read_signal()? {
            match Signal::try_from(info.ssi_signo as i32) {
                Ok(Signal::SIGCHLD) => *exited = exited.or(self.reap(init)?),
                // Sizes come from the caller's controls and clients, not our own.
                Ok(Signal::SIGWINCH) => {}
                // The monitor's own alarm: `--timeout` is up (supervisor.rs).
                Ok(Signal::SIGALRM) => {
                    session.timed_out = true;
                    let _ = kill(init, Signal::SIGKILL);
                }
                Ok(HEALTH_RESTART) => {
                    self.restart_asked = true;
                    let _ = kill(init, Signal::SIGKILL);
                }
                Ok(sig) => {
                    // The container may be gone already; the next reap tells.
                    let _ = kill(init, sig);
                }
                Err(_) => {}
            }
        }
        if controls_ready.intersects(readable) {
            self.control(init, session);
        }
        if out_ready.intersects(readable) {
            let open = self.drain(out.or(master).unwrap(), Stream::Stdout);
            if !open {
                session.stdout = None;
                session.terminal = None;
            }
        }
        if err_ready.intersects(readable) && !self.drain(err.unwrap(), Stream::Stderr) {
            session.stderr = None;
        }
        if sink_ready.intersects(PollFlags::POLLOUT | PollFlags::POLLERR) {
            self.feed(session, input);
        }
        let caller_in = self.caller.as_ref().and_then(|c| c.stdin.as_ref());
        if let (true, Some(fd)) = (caller_ready.intersects(readable), caller_in) {
            let mut buf = [0u8; 4096];
            match read(fd.as_raw_fd(), &mut buf) {
                Ok(0) | Err(Errno::EBADF | Errno::EIO) => {
                    input.caller_open = false;
                    input.closing = true;
                }
                Ok(n) => input.pending.extend_from_slice(&buf[..n]),
                Err(_) => {}
            }
        }
        if listener_ready.intersects(PollFlags::POLLIN) {
            self.accept();
        }
        for (i, events) in client_ready.into_iter().enumerate() {
            if events.intersects(readable) {
                self.read_client(i, init, session, input);
            }
            if events.contains(PollFlags::POLLOUT) {
                self.clients[i].flush();
            }
        }
        self.clients.retain(|c| !c.gone);
        if !input.pending.is_empty() || input.closing {
            self.feed(session, input);
        }
        Ok(())
    }

    /// Passes what the container wrote on to everyone; false once the stream ended.
    fn drain(&mut self, fd: BorrowedFd, stream: Stream) -> bool {
        let mut buf = [0u8; 16384];
        loop {
            match read(fd.as_raw_fd(), &mut buf) {
                Ok(0) => return false,
                Ok(n) => self.publish(stream, &buf[..n]),
                Err(Errno::EAGAIN) => return true,
                Err(Errno::EINTR) => {}
                // EIO: every descriptor of the pty's other side is closed.
                Err(_) => return false,
            }
        }
    }

    fn publish(&mut self, stream: Stream, data: &[u8]) {
        if let Some(log) = &mut self.log {
            log.write(stream, data);
        }
        if let Some(caller) = &mut self.caller {
            let out = match stream {
                Stream::Stdout => &mut caller.stdout,
                Stream::Stderr => &mut caller.stderr,
            };
            // A caller that stopped reading loses the output, not the container.
            let _ = out.write_all(data).and_then(|()| out.flush());
        }
        let frame = match stream {
            Stream::Stdout => Frame::Stdout(data.to_vec()),
            Stream::Stderr => Frame::Stderr(data.to_vec()),
        };
        for c in &mut self.clients {
            c.send(&frame);
        }
    }

    /// Writes pending input to the container; closes its stdin once input ended.
    fn feed(&mut self, session: &mut Session, input: &mut Input) {
        let sink = match (&session.terminal, &session.stdin) {
            (Some(t), _) => Some(t.master.as_fd()),
            (None, Some(fd)) => Some(fd.as_fd()),
            (None, None) => None,
        };
        let Some(sink) = sink else {
            input.pending.clear();
            return;
        };
        while !input.pending.is_empty() {
            match write(sink, &input.pending) {
                Ok(n) => drop(input.pending.drain(..n)),
                Err(Errno::EINTR) => {}
                Err(Errno::EAGAIN) => return,
                Err(_) => {
                    input.pending.clear();
                    session.stdin = None;
                    return;
                }
            }
        }
        // A pipe closes; a pty is told the way a terminal tells it, with one
        // end-of-file character (^D, every pty's default), so that `echo x | run
        // -it IMAGE cat` ends.
        if input.closing {
            input.closing = false;
            match session.terminal {
                None => session.stdin = None,
                Some(_) => {
                    input.pending.push(END_OF_FILE);
                    self.feed(session, input);
                }
            }
        }
    }

    /// Applies what the caller asks besides input.
    fn control(&mut self, init: Pid, session: &Session) {
        let Some(controls) = self.caller.as_mut().and_then(|c| c.controls.as_mut()) else {
            return;
        };
        for control in controls.take() {
            match control {
                Control::Resize { rows, cols } => {
                    if let Some(t) = &session.terminal {
                        t.set_size(rows, cols);
                    }
                }
                // SAFETY: kill(2) with a pid and a number; no memory involved.
                Control::Signal(n) => unsafe {
                    libc::kill(init.as_raw(), n);
                },
            }
        }
    }

    fn accept(&mut self) {
        while let Some(Ok((sock, _))) = self.listener.as_ref().map(|l| l.accept()) {
            if let Ok(client) = Client::new(sock) {
                self.clients.push(client);
            }
        }
    }

    fn read_client(&mut self, i: usize, init: Pid, session: &mut Session, input: &mut Input) {
        let client = &mut self.clients[i];
        let mut buf = [0u8; 4096];
        loop {
            match (&client.sock).read(&mut buf) {
                Ok(0) => {
                    client.gone = true;
                    break;
                }
                Ok(n) => client.decoder.push(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => {
                    client.gone = true;
                    break;
                }
            }
        }
        loop {
            match client.decoder.next_frame() {
                Ok(Some(Frame::Stdin(data))) if self.interactive => {
                    input.pending.extend_from_slice(&data)
                }
                Ok(Some(Frame::StdinEof)) if self.interactive => input.closing = true,
                Ok(Some(Frame::Signal(n))) => {
                    // SAFETY: kill(2) with a pid and a number; no memory involved.
                    unsafe { libc::kill(init.as_raw(), n) };
                }
                Ok(Some(Frame::Resize { rows, cols })) => {
                    if let Some(t) = &session.terminal {
                        t.set_size(rows, cols);
                    }
                    self.tty_size = Some((rows, cols));
                }
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(_) => {
                    client.gone = true;
                    break;
                }
            }
        }
    }

    /// The run is over and recorded: clients get the exit code (each given a
    /// moment to take it) and are let go.
    pub fn finish(&mut self, code: i32) {
        for mut c in std::mem::take(&mut self.clients) {
            c.send(&Frame::Exit(code));
            let _ = c.sock.set_nonblocking(false);
            let _ = c.sock.set_write_timeout(Some(Duration::from_secs(1)));
            let _ = (&c.sock).write_all(&c.backlog);
        }
    }
}

/// Adds `fd` to the poll set, if there is one; returns where.
fn slot<'a>(
    fds: &mut Vec<PollFd<'a>>,
    fd: Option<BorrowedFd<'a>>,
    events: PollFlags,
) -> Option<usize> {
    fd.map(|fd| {
        fds.push(PollFd::new(fd, events));
        fds.len() - 1
    })
}

fn io_errno(e: std::io::Error) -> Errno {
    Errno::from_raw(e.raw_os_error().unwrap_or(libc::EIO))
}
