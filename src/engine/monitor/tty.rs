//! `-t`: the container's pty. libcontainer opens it inside the container and sends
//! its master over a unix socket (the console socket), which must be listening
//! before `build()`. The window size, and the caller's terminal mode, are ours.

use super::{setup, setup_nix, MonitorError};
use nix::sys::socket::{recvmsg, ControlMessageOwned, MsgFlags};
use nix::sys::termios::{self, SetArg, Termios};
use std::io::{IoSliceMut, IsTerminal};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};

/// Where libcontainer sends the pty master; the file goes when this is dropped.
pub struct ConsoleSocket {
    listener: UnixListener,
    path: PathBuf,
}

impl ConsoleSocket {
    /// Listens at `dir/console.sock`.
    pub fn listen(dir: &Path) -> Result<ConsoleSocket, MonitorError> {
        let listener = super::socket::bind_in(dir, "console.sock")
            .map_err(setup("listen on the console socket"))?;
        Ok(ConsoleSocket {
            listener,
            path: dir.join("console.sock"),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The pty master. `build()` connects before it clones, and the container's init
    /// sends the master before `build()` returns (or closes the connection, failing).
    pub fn receive(self) -> Result<OwnedFd, MonitorError> {
        let (stream, _) = self
            .listener
            .accept()
            .map_err(setup("accept on the console socket"))?;
        let mut name = [0u8; 64];
        let mut iov = [IoSliceMut::new(&mut name)];
        let mut space = nix::cmsg_space!([RawFd; 4]);
        let msg = recvmsg::<()>(
            stream.as_raw_fd(),
            &mut iov,
            Some(&mut space),
            MsgFlags::MSG_CMSG_CLOEXEC,
        )
        .map_err(setup_nix("receive the container's pty"))?;
        let mut fds: Vec<OwnedFd> = Vec::new();
        for cmsg in msg
            .cmsgs()
            .map_err(setup_nix("receive the container's pty"))?
        {
            if let ControlMessageOwned::ScmRights(raw) = cmsg {
                // SAFETY: the kernel just installed these descriptors for us; nothing
                // else owns them.
                fds.extend(
                    raw.into_iter()
                        .map(|fd| unsafe { OwnedFd::from_raw_fd(fd) }),
                );
            }
        }
        fds.into_iter().next().ok_or_else(|| {
            setup("receive the container's pty")(std::io::Error::other(
                "the container's init sent no pty (did it fail to start?)",
            ))
        })
    }
}

impl Drop for ConsoleSocket {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// The caller's side of a `-t` session: the pty master, and the caller's terminal
/// in raw mode while it lasts.
pub struct Terminal {
    pub master: OwnedFd,
    _raw: Option<RawMode>,
}

impl Terminal {
    /// Sizes the pty like the caller's terminal and, with `-i` on a terminal, puts
    /// that terminal in raw mode: keys (Ctrl-C included) go to the container's pty,
    /// whose own line discipline handles them.
    pub fn attach(master: OwnedFd, interactive: bool) -> Result<Terminal, MonitorError> {
        let raw = match interactive {
            true => RawMode::enter().map_err(setup_nix("put the terminal in raw mode"))?,
            false => None,
        };
        let terminal = Terminal { master, _raw: raw };
        terminal.resize();
        Ok(terminal)
    }

    /// Gives the pty the caller's window size (at start, and on SIGWINCH).
    pub fn resize(&self) {
        if let Some(size) = caller_terminal().and_then(window_size) {
            self.set_size(size.ws_row, size.ws_col);
        }
    }

    /// Sets the pty's window size (an attached client's, or the caller's).
    pub fn set_size(&self, rows: u16, cols: u16) {
        let size = libc::winsize {
            ws_row: rows,
            ws_col: cols,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        // SAFETY: TIOCSWINSZ reads one winsize from the pointer.
        unsafe { libc::ioctl(self.master.as_raw_fd(), libc::TIOCSWINSZ, &size) };
    }
}

/// The caller's stdin terminal in raw mode; put back as it was on drop, whatever
/// path the process leaves by.
pub struct RawMode {
    saved: Termios,
}

impl RawMode {
    /// `None` when stdin is not a terminal.
    pub fn enter() -> nix::Result<Option<RawMode>> {
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

/// `ROWSxCOLS`, as a pty size is passed on command lines.
pub fn format_size((rows, cols): (u16, u16)) -> String {
    format!("{rows}x{cols}")
}

/// The size `format_size` wrote.
pub fn parse_size(text: &str) -> Option<(u16, u16)> {
    let (rows, cols) = text.split_once('x')?;
    Some((rows.parse().ok()?, cols.parse().ok()?))
}

/// A terminal's window size.
pub fn window_size(fd: BorrowedFd) -> Option<libc::winsize> {
    // SAFETY: winsize is plain data; TIOCGWINSZ fills the one pointed to.
    unsafe {
        let mut size: libc::winsize = std::mem::zeroed();
        (libc::ioctl(fd.as_raw_fd(), libc::TIOCGWINSZ, &mut size) == 0).then_some(size)
    }
}

/// The terminal the caller sees output on (stdout, as Docker), else its stdin.
pub fn caller_terminal() -> Option<BorrowedFd<'static>> {
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
