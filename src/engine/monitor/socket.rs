//! Unix sockets in a container's directory. A socket path is limited to 108 bytes
//! and a store's paths can be longer, so both ends go through a descriptor of the
//! directory (`/proc/self/fd/N/NAME`) instead of the path.

use std::os::fd::AsRawFd;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::Path;

/// Listens at `dir/name`, replacing a socket left there by a dead monitor.
pub fn bind_in(dir: &Path, name: &str) -> std::io::Result<UnixListener> {
    let _ = std::fs::remove_file(dir.join(name));
    let dir_fd = std::fs::File::open(dir)?;
    UnixListener::bind(format!("/proc/self/fd/{}/{name}", dir_fd.as_raw_fd()))
}

pub fn connect_in(dir: &Path, name: &str) -> std::io::Result<UnixStream> {
    let dir_fd = std::fs::File::open(dir)?;
    UnixStream::connect(format!("/proc/self/fd/{}/{name}", dir_fd.as_raw_fd()))
}
