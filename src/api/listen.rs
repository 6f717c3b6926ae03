//! The socket the service listens on: the one systemd passed (socket
//! activation), or one bound from a `unix://` or `tcp://` URI.

use super::service::ServiceError;
use std::net::TcpListener;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};

pub enum Listener {
    /// `path` is the file bound here, removed when the service ends; none for
    /// a socket that systemd owns.
    Unix {
        listener: UnixListener,
        path: Option<PathBuf>,
    },
    Tcp(TcpListener),
}

impl Listener {
    /// The socket systemd passed, if this process was socket-activated; the
    /// variables are unset either way, so containers never inherit them.
    pub fn activated() -> Result<Option<Listener>, ServiceError> {
        let mut fds = listenfd::ListenFd::from_env();
        std::env::remove_var("LISTEN_FDNAMES");
        match fds.len() {
            0 => return Ok(None),
            1 => {}
            n => {
                return Err(ServiceError::Activation(format!(
                    "{n} sockets were passed, one is served"
                )))
            }
        }
        if let Ok(Some(listener)) = fds.take_unix_listener(0) {
            return Ok(Some(Listener::Unix {
                listener,
                path: None,
            }));
        }
        match fds.take_tcp_listener(0) {
            Ok(Some(listener)) => Ok(Some(Listener::Tcp(listener))),
            _ => Err(ServiceError::Activation(
                "the socket passed is neither a unix nor a TCP stream socket".into(),
            )),
        }
    }

    /// Binds the socket `uri` names.
    pub fn bind(uri: &str) -> Result<Listener, ServiceError> {
        if let Some(path) = uri
            .strip_prefix("unix://")
            .or_else(|| uri.strip_prefix("unix:"))
        {
            return bind_unix(Path::new(path));
        }
        if let Some(addr) = uri
            .strip_prefix("tcp://")
            .or_else(|| uri.strip_prefix("tcp:"))
        {
            let listener = TcpListener::bind(addr).map_err(|cause| ServiceError::Bind {
                what: uri.to_owned(),
                cause,
            })?;
            return Ok(Listener::Tcp(listener));
        }
        Err(ServiceError::Uri(uri.to_owned()))
    }

    /// The next connection; `None` when the client went before we took it.
    pub fn accept(&self) -> std::io::Result<Option<OwnedFd>> {
        let accepted = match self {
            Listener::Unix { listener, .. } => listener.accept().map(|(s, _)| OwnedFd::from(s)),
            Listener::Tcp(listener) => listener.accept().map(|(s, _)| OwnedFd::from(s)),
        };
        match accepted {
            Ok(fd) => {
                set_blocking(&fd)?;
                Ok(Some(fd))
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionAborted => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub fn set_nonblocking(&self) -> std::io::Result<()> {
        match self {
            Listener::Unix { listener, .. } => listener.set_nonblocking(true),
            Listener::Tcp(listener) => listener.set_nonblocking(true),
        }
    }

    /// Removes the socket file this service bound.
    pub fn remove(&self) {
        if let Listener::Unix {
            path: Some(path), ..
        } = self
        {
            let _ = std::fs::remove_file(path);
        }
    }
}

impl AsFd for Listener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        match self {
            Listener::Unix { listener, .. } => listener.as_fd(),
            Listener::Tcp(listener) => listener.as_fd(),
        }
    }
}

/// Binds a unix socket that only its owner can use: 0600, in a directory
/// made 0700 when it is made here. A socket file left by a service that died
/// is replaced; one that a live service answers on is not.
fn bind_unix(path: &Path) -> Result<Listener, ServiceError> {
    let bind_error = |cause| ServiceError::Bind {
        what: path.display().to_string(),
        cause,
    };
    if let Some(dir) = path.parent().filter(|d| !d.exists()) {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(bind_error)?;
    }
    if path.exists() {
        if UnixStream::connect(path).is_ok() {
            return Err(ServiceError::InUse(path.to_owned()));
        }
        std::fs::remove_file(path).map_err(bind_error)?;
    }
    // The socket is never reachable by others, not even between bind and chmod.
    let old = nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o177));
    let bound = UnixListener::bind(path);
    nix::sys::stat::umask(old);
    let listener = bound.map_err(bind_error)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(bind_error)?;
    Ok(Listener::Unix {
        listener,
        path: Some(path.to_owned()),
    })
}

fn set_blocking(fd: &OwnedFd) -> std::io::Result<()> {
    use nix::fcntl::{fcntl, FcntlArg, OFlag};
    use std::os::fd::AsRawFd;
    let flags = fcntl(fd.as_raw_fd(), FcntlArg::F_GETFL).map_err(std::io::Error::from)?;
    let flags = OFlag::from_bits_truncate(flags) & !OFlag::O_NONBLOCK;
    fcntl(fd.as_raw_fd(), FcntlArg::F_SETFL(flags)).map_err(std::io::Error::from)?;
    Ok(())
}
