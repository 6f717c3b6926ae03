//! Unix sockets in a directory of the store or run root. A socket path is
//! limited to 108 bytes and those paths can be longer, so both ends go through a
//! descriptor of the directory (`/proc/self/fd/N/NAME`) instead of the path.

use std::fs::File;
use std::os::fd::AsRawFd;
use std::os::unix::net::{UnixDatagram, UnixListener, UnixStream};
use std::path::Path;

/// Listens at `dir/name`, replacing a socket left there by a dead process.
pub fn bind_in(dir: &Path, name: &str) -> std::io::Result<UnixListener> {
    let _ = std::fs::remove_file(dir.join(name));
    let dir_fd = File::open(dir)?;
    UnixListener::bind(short(&dir_fd, name))
}

pub fn connect_in(dir: &Path, name: &str) -> std::io::Result<UnixStream> {
    let dir_fd = File::open(dir)?;
    UnixStream::connect(short(&dir_fd, name))
}

/// A datagram socket at `dir/name`, replacing one left there.
pub fn bind_datagram_in(dir: &Path, name: &str) -> std::io::Result<UnixDatagram> {
    let _ = std::fs::remove_file(dir.join(name));
    let dir_fd = File::open(dir)?;
    UnixDatagram::bind(short(&dir_fd, name))
}

/// Sends one datagram to the socket at `dir/name`.
pub fn send_in(dir: &Path, name: &str, message: &[u8]) -> std::io::Result<()> {
    let dir_fd = File::open(dir)?;
    UnixDatagram::unbound()?
        .send_to(message, short(&dir_fd, name))
        .map(drop)
}

/// `dir/name` by way of the open directory: valid while `dir_fd` is.
fn short(dir_fd: &File, name: &str) -> String {
    format!("/proc/self/fd/{}/{name}", dir_fd.as_raw_fd())
}
