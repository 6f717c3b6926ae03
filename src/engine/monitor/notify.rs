//! `--sdnotify=conmon`: the monitor tells systemd (the `NOTIFY_SOCKET` the
//! caller was started with) that the container runs, and which pid is its
//! main one, as conmon does for Podman.

use nix::unistd::Pid;
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixDatagram};

pub fn ready(init: Pid) {
    let Some(path) = std::env::var_os("NOTIFY_SOCKET") else {
        return;
    };
    let message = format!("MAINPID={}\nREADY=1\n", init.as_raw());
    let bytes = path.as_encoded_bytes();
    // A leading @ names a socket in the abstract namespace.
    let addr = match bytes.strip_prefix(b"@") {
        Some(name) => SocketAddr::from_abstract_name(name),
        None => SocketAddr::from_pathname(&path),
    };
    let sent = UnixDatagram::unbound()
        .and_then(|sock| addr.and_then(|a| sock.send_to_addr(message.as_bytes(), &a)));
    if let Err(e) = sent {
        log::warn!(
            "cannot notify systemd through {}: {e}",
            path.to_string_lossy()
        );
    }
}
