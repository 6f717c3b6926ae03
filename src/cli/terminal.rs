//! The caller's side of a container's stdio: our own stdin, stdout and stderr as
//! the engine's `Streams`, and our terminal: raw mode while a container's
//! terminal takes our keys, its window size, and the signals we pass on.

use crate::engine::streams::PROXIED_SIGNALS as FORWARDED;
use crate::engine::streams::{Control, Controls, Output, Session, Streams};
use nix::sys::signal::{SigSet, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::sys::termios::{self, SetArg, Termios};
use std::io::IsTerminal;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};

/// Our stdio for a container: stdin only when it is passed on (`-i`), and our
/// terminal's controls when `controls`.
pub fn streams(stdin: bool, controls: bool) -> Streams {
    // One of ours that is closed reads as empty and swallows what is written.
    let output = |fd: BorrowedFd| match fd.try_clone_to_owned() {
        Ok(fd) => Output::fd(fd),
        Err(_) => Output::Writer(Box::new(std::io::sink())),
    };
    Streams {
        stdin: stdin
            .then(|| std::io::stdin().as_fd().try_clone_to_owned().ok())
            .flatten(),
        stdout: output(std::io::stdout().as_fd()),
        stderr: output(std::io::stderr().as_fd()),
        controls: match controls {
            true => Some(Box::new(Terminal::default())),
            false => None,
        },
    }
}

/// Our terminal as a source of controls: SIGWINCH becomes our new size, and the
/// signals passed on become signals for the container.
#[derive(Default)]
struct Terminal {
    signals: Option<SignalFd>,
    _raw: Option<RawMode>,
}

impl Controls for Terminal {
    fn begin(&mut self, session: Session) -> std::io::Result<()> {
        let mut set = SigSet::empty();
        set.add(Signal::SIGWINCH);
        if session.signals {
            FORWARDED.iter().for_each(|s| set.add(*s));
        }
        set.thread_block()?;
        self.signals = Some(SignalFd::with_flags(
            &set,
            SfdFlags::SFD_NONBLOCK | SfdFlags::SFD_CLOEXEC,
        )?);
        // Keys (Ctrl-C included) go to the container's terminal, whose own line
        // discipline handles them.
        if session.tty && session.stdin {
            self._raw = RawMode::enter()?;
        }
        Ok(())
    }

    fn fd(&self) -> Option<BorrowedFd<'_>> {
        self.signals.as_ref().map(|s| s.as_fd())
    }

    fn take(&mut self) -> Vec<Control> {
        let mut controls = Vec::new();
        let Some(signals) = &self.signals else {
            return controls;
        };
        while let Ok(Some(info)) = signals.read_signal() {
            let signal = info.ssi_signo as i32;
            if signal != Signal::SIGWINCH as i32 {
                controls.push(Control::Signal(signal));
            } else if let Some((rows, cols)) = self.size() {
                controls.push(Control::Resize { rows, cols });
            }
        }
        controls
    }

    fn size(&self) -> Option<(u16, u16)> {
        caller_terminal()
            .and_then(window_size)
            .map(|size| (size.ws_row, size.ws_col))
    }
}

/// Our stdin terminal in raw mode; put back as it was on drop, whatever path the
/// process leaves by.
struct RawMode {
    saved: Termios,
}

impl RawMode {
    /// `None` when stdin is not a terminal.
    fn enter() -> nix::Result<Option<RawMode>> {
        let stdin = std::io::stdin();
        if !stdin.is_terminal() {
            return Ok(None);
        }
        let saved = termios::tcgetattr(stdin.as_fd())?;
        let mut raw = saved.clone();
        termios::cfmakeraw(&mut raw);
        termios::tcsetattr(stdin.as_fd(), SetArg::TCSANOW, &raw)?;
        Ok(Some(RawMode { saved }))
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        let _ = termios::tcsetattr(std::io::stdin().as_fd(), SetArg::TCSANOW, &self.saved);
    }
}

/// A terminal's window size.
fn window_size(fd: BorrowedFd) -> Option<libc::winsize> {
    // SAFETY: winsize is plain data; TIOCGWINSZ fills the one pointed to.
    unsafe {
        let mut size: libc::winsize = std::mem::zeroed();
        (libc::ioctl(fd.as_raw_fd(), libc::TIOCGWINSZ, &mut size) == 0).then_some(size)
    }
}

/// The terminal we see output on (stdout, as Docker), else our stdin.
fn caller_terminal() -> Option<BorrowedFd<'static>> {
    if std::io::stdout().is_terminal() {
        // SAFETY: fd 1 stays open for the life of the process.
        Some(unsafe { BorrowedFd::borrow_raw(1) })
    } else if std::io::stdin().is_terminal() {
        // SAFETY: fd 0 stays open for the life of the process.
        Some(unsafe { BorrowedFd::borrow_raw(0) })
    } else {
        None
    }
}
