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
        let path = dir.join("console.sock");
        let _ = std::fs::remove_file(&path);
        // A socket path is limited to 108 bytes and a store's paths can be longer:
        // bind through a descriptor of the directory instead.
        let dir_fd = std::fs::File::open(dir).map_err(setup("open the container dir"))?;
        let short = format!("/proc/self/fd/{}/console.sock", dir_fd.as_raw_fd());
        let listener = UnixListener::bind(short).map_err(setup("listen on the console socket"))?;
        Ok(ConsoleSocket { listener, path })
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
/// mode as it was, put back on drop (whatever path the monitor leaves by).
pub struct Terminal {
    pub master: OwnedFd,
    saved: Option<Termios>,
}

impl Terminal {
    /// Sizes the pty like the caller's terminal and, with `-i` on a terminal, puts
    /// that terminal in raw mode: keys (Ctrl-C included) go to the container's pty,
    /// whose own line discipline handles them.
    pub fn attach(master: OwnedFd, interactive: bool) -> Result<Terminal, MonitorError> {
        let mut terminal = Terminal {
            master,
            saved: None,
        };
        terminal.resize();
        let stdin = std::io::stdin();
        if interactive && stdin.is_terminal() {
            let sys = setup_nix("put the terminal in raw mode");
            let saved = termios::tcgetattr(stdin.as_fd()).map_err(&sys)?;
            let mut raw = saved.clone();
            termios::cfmakeraw(&mut raw);
            termios::tcsetattr(stdin.as_fd(), SetArg::TCSANOW, &raw).map_err(&sys)?;
            terminal.saved = Some(saved);
        }
        Ok(terminal)
    }

    /// Gives the pty the caller's window size (at start, and on SIGWINCH).
    pub fn resize(&self) {
        let Some(caller) = caller_terminal() else {
            return;
        };
        // SAFETY: winsize is plain data; both ioctls take a pointer to one.
        unsafe {
            let mut size: libc::winsize = std::mem::zeroed();
            if libc::ioctl(caller.as_raw_fd(), libc::TIOCGWINSZ, &mut size) == 0 {
                libc::ioctl(self.master.as_raw_fd(), libc::TIOCSWINSZ, &size);
            }
        }
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        if let Some(saved) = &self.saved {
            let _ = termios::tcsetattr(std::io::stdin().as_fd(), SetArg::TCSANOW, saved);
        }
    }
}

/// The terminal the caller sees output on (stdout, as Docker), else its stdin.
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
