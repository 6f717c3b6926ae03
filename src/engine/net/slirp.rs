//! slirp4netns, the fallback: the namespace gets 10.0.2.100/24 with the gateway
//! 10.0.2.2 (which reaches the host's loopback too) and DNS at 10.0.2.3;
//! published ports are added through its API socket once it is ready.

use super::helper::{self, Ready, LOG_FILE};
use super::ports::{slirp_hostfwd, PortMapping};
use super::NetError;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};

/// The API socket, in the container's directory.
const API_SOCKET: &str = "slirp4netns.sock";

/// Starts slirp4netns for the namespace at `netns`; what it returns waits until
/// the interface is configured and the ports are forwarded, and gives its pid.
pub fn start(
    opts: &[String],
    netns: &Path,
    ports: &[PortMapping],
    dir: &Path,
) -> Result<Ready, NetError> {
    helper::check_tun()?;
    let io = |what| move |source| NetError::Io { what, source };
    let log =
        std::fs::File::create(dir.join(LOG_FILE)).map_err(io("create the network helper's log"))?;
    let (ready_read, ready_write): (OwnedFd, OwnedFd) =
        nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)
            .map_err(|e| io("make a pipe for slirp4netns")(e.into()))?;
    let _ = std::fs::remove_file(dir.join(API_SOCKET));
    let mut command = Command::new("slirp4netns");
    command
        .args(["--configure", "--mtu=65520", "--netns-type=path"])
        .arg(format!("--ready-fd={}", ready_write.as_raw_fd()));
    // Relative to its working directory: a socket's path has at most 107 bytes.
    if !ports.is_empty() {
        command
            .current_dir(dir)
            .arg(format!("--api-socket={API_SOCKET}"));
    }
    command
        .args(opts)
        .arg(netns)
        .arg("tap0")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log);
    let fd = ready_write.as_raw_fd();
    // SAFETY: only async-signal-safe fcntl between fork and exec: the ready pipe
    // is the one descriptor slirp4netns inherits on purpose.
    unsafe {
        command.pre_exec(move || {
            nix::fcntl::fcntl(
                fd,
                nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::empty()),
            )
            .map(drop)
            .map_err(std::io::Error::from)
        });
    }
    let mut child = command
        .spawn()
        .map_err(|e| helper::spawn_failed("slirp4netns", "slirp4netns", e))?;
    drop(ready_write);
    let (dir, ports) = (dir.to_owned(), ports.to_vec());
    Ok(Box::new(move || {
        let pid = child.id() as i32;
        let mut said = [0u8; 1];
        let ready = std::fs::File::from(ready_read).read(&mut said).unwrap_or(0) == 1;
        if !ready {
            let _ = child.kill();
            let status = child.wait().map_err(io("wait for slirp4netns"))?;
            return Err(helper::failed("slirp4netns", &dir, status));
        }
        if let Err(e) = forward(&dir, &ports) {
            let _ = child.kill();
            let _ = child.wait();
            return Err(e);
        }
        Ok(pid)
    }))
}

/// Asks slirp4netns to forward each of `ports`, one request per connection as
/// its API wants.
fn forward(dir: &Path, ports: &[PortMapping]) -> Result<(), NetError> {
    let failed = |message: String| NetError::Helper {
        helper: "slirp4netns".into(),
        message,
    };
    if ports.is_empty() {
        return Ok(());
    }
    // Reached through a descriptor of the directory, for the same reason.
    let dir = std::fs::File::open(dir).map_err(|e| failed(e.to_string()))?;
    let socket = format!("/proc/self/fd/{}/{API_SOCKET}", dir.as_raw_fd());
    for request in slirp_hostfwd(ports) {
        let mut stream = UnixStream::connect(&socket).map_err(|e| failed(e.to_string()))?;
        stream
            .write_all(request.to_string().as_bytes())
            .and_then(|()| stream.shutdown(std::net::Shutdown::Write))
            .map_err(|e| failed(e.to_string()))?;
        let mut reply = String::new();
        BufReader::new(stream)
            .read_line(&mut reply)
            .map_err(|e| failed(e.to_string()))?;
        let reply: serde_json::Value = serde_json::from_str(&reply).unwrap_or_default();
        if let Some(error) = reply.get("error") {
            let desc = error["desc"].as_str().unwrap_or("refused");
            return Err(failed(format!(
                "cannot forward port {}: {desc}",
                request["arguments"]["host_port"]
            )));
        }
    }
    Ok(())
}
