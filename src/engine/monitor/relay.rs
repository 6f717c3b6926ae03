//! A `-t` session: the caller's stdin to the pty master, the master to the caller's
//! stdout, signals forwarded, the pty resized on SIGWINCH, children reaped, until
//! the container's init has exited and its last output is out.

use super::tty::Terminal;
use super::wait::reap;
use nix::errno::Errno;
use nix::fcntl::{fcntl, FcntlArg, OFlag};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signal::{kill, SigSet, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::unistd::{read, write, Pid};
use std::io::Write;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};

/// How long to wait for the rest of the output once init is gone. Everything in the
/// container's pid namespace is dead by then, so the pty has no writer left and
/// this only bounds a pty kept open from outside.
const DRAIN_TIMEOUT_MS: u16 = 500;

/// Relays until `init` exits; returns its exit code as `wait::wait_for` does.
/// `set` holds the blocked signals (`wait::block_signals`).
pub fn relay(init: Pid, set: &SigSet, terminal: &Terminal, interactive: bool) -> nix::Result<i32> {
    let signals = SignalFd::with_flags(set, SfdFlags::SFD_NONBLOCK | SfdFlags::SFD_CLOEXEC)?;
    // Non-blocking on our own descriptor only: the caller's stdin is shared with
    // its shell, which must not find it changed afterwards.
    let master = terminal.master.as_fd();
    fcntl(master.as_raw_fd(), FcntlArg::F_SETFL(OFlag::O_NONBLOCK))?;
    let stdin = std::io::stdin();
    let mut stdin_open = interactive;
    let mut master_open = true;
    // Typed but not yet taken by the pty; stdin is not read while this is full, so
    // a container that reads nothing cannot stop its output being relayed.
    let mut pending: Vec<u8> = Vec::new();
    let mut exited = reap(init)?;
    let code = loop {
        if let Some(code) = exited {
            break code;
        }
        let mut fds = vec![PollFd::new(signals.as_fd(), PollFlags::POLLIN)];
        let master_at = master_open.then(|| {
            let mut events = PollFlags::POLLIN;
            if !pending.is_empty() {
                events |= PollFlags::POLLOUT;
            }
            fds.push(PollFd::new(master, events));
            fds.len() - 1
        });
        let stdin_at = (stdin_open && pending.is_empty()).then(|| {
            fds.push(PollFd::new(stdin.as_fd(), PollFlags::POLLIN));
            fds.len() - 1
        });
        match poll(&mut fds, PollTimeout::NONE) {
            Err(Errno::EINTR) => continue,
            result => result?,
        };
        let ready = |at: Option<usize>| {
            at.and_then(|i| fds[i].revents())
                .unwrap_or(PollFlags::empty())
        };
        let (master_ready, stdin_ready) = (ready(master_at), ready(stdin_at));
        // Signals first: a resize that came before a keystroke is applied before it.
        while let Some(info) = signals.read_signal()? {
            match Signal::try_from(info.ssi_signo as i32) {
                Ok(Signal::SIGCHLD) => exited = exited.or(reap(init)?),
                Ok(Signal::SIGWINCH) => terminal.resize(),
                Ok(sig) => {
                    // The container may be gone already; the next reap tells.
                    let _ = kill(init, sig);
                }
                Err(_) => {}
            }
        }
        if master_ready.intersects(PollFlags::POLLIN | PollFlags::POLLHUP | PollFlags::POLLERR) {
            master_open = copy_out(master);
        }
        if master_open && master_ready.contains(PollFlags::POLLOUT) {
            match write(master, &pending) {
                Ok(n) => drop(pending.drain(..n)),
                Err(Errno::EAGAIN | Errno::EINTR) => {}
                Err(_) => master_open = false,
            }
        }
        if !stdin_ready.is_empty() {
            let mut buf = [0u8; 4096];
            match read(stdin.as_fd().as_raw_fd(), &mut buf) {
                Ok(0) => stdin_open = false,
                Ok(n) => pending.extend_from_slice(&buf[..n]),
                Err(Errno::EAGAIN | Errno::EINTR) => {}
                Err(_) => stdin_open = false,
            }
        }
    };
    while master_open {
        let mut fds = [PollFd::new(master, PollFlags::POLLIN)];
        if poll(&mut fds, PollTimeout::from(DRAIN_TIMEOUT_MS))? == 0 {
            break;
        }
        master_open = copy_out(master);
    }
    Ok(code)
}

/// Copies what the pty has to stdout; false once the pty has no writer left.
fn copy_out(master: BorrowedFd) -> bool {
    let mut buf = [0u8; 8192];
    let mut stdout = std::io::stdout().lock();
    loop {
        match read(master.as_raw_fd(), &mut buf) {
            Ok(0) => return false,
            Ok(n) => {
                // A caller that stopped reading loses the output, not the container.
                let _ = stdout.write_all(&buf[..n]);
                let _ = stdout.flush();
            }
            Err(Errno::EAGAIN) => return true,
            Err(Errno::EINTR) => {}
            // EIO: every descriptor of the pty's other side is closed.
            Err(_) => return false,
        }
    }
}
