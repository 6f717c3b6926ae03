//! `-t`: the container's pty. libcontainer opens it inside the container and sends
//! its master over a unix socket (the console socket), which must be listening
//! before `build()`. Its window size is the caller's, passed on by the monitor; the
//! caller's own terminal is the caller's business (cli/terminal.rs).

use super::{setup, setup_nix, MonitorError};
use nix::sys::socket::{recvmsg, ControlMessageOwned, MsgFlags};
use std::io::IoSliceMut;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
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

/// The container's pty, as the monitor (or `exec`) holds it.
pub struct Terminal {
    pub master: OwnedFd,
}

impl Terminal {
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

/// `ROWSxCOLS`, as a pty size is passed on command lines.
pub fn format_size((rows, cols): (u16, u16)) -> String {
    format!("{rows}x{cols}")
}

/// The size `format_size` wrote.
pub fn parse_size(text: &str) -> Option<(u16, u16)> {
    let (rows, cols) = text.split_once('x')?;
    Some((rows.parse().ok()?, cols.parse().ok()?))
}
