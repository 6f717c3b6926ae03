//! pasta (from passt), Podman's default: it copies the host's addresses and
//! routes into the namespace, maps the gateway address to the host (so the host's
//! loopback services are reachable there), forwards DNS sent to
//! `DNS_FORWARD` to the host's resolvers, and forwards published ports.

use super::helper::{self, Ready, LOG_FILE};
use super::link::Netlink;
use super::ports::{pasta_args, PortMapping, Protocol};
use super::NetError;
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The address in the namespace whose DNS queries pasta forwards to the host's
/// resolvers: the one resolv.conf names (net/addresses.rs).
use super::addresses::PASTA_DNS as DNS_FORWARD;

/// The name of pasta's interface in a container that is also on bridges,
/// whose interfaces are eth0, eth1, ... as Podman names them.
pub const BRIDGED_UPLINK: &str = "pasta0";

/// How long pasta may take to configure a namespace.
const CONFIGURED_WITHIN: Duration = Duration::from_secs(10);

/// Starts pasta for the namespace at `netns`; what it returns waits until the
/// namespace is configured and gives pasta's pid.
pub fn start(
    opts: &[String],
    netns: &Path,
    ports: &[PortMapping],
    dir: &Path,
) -> Result<Ready, NetError> {
    helper::check_tun()?;
    let pidfile = dir.join("pasta.pid");
    let _ = std::fs::remove_file(&pidfile);
    let log = std::fs::File::create(dir.join(LOG_FILE)).map_err(|source| NetError::Io {
        what: "create the network helper's log",
        source,
    })?;
    let namespace = std::fs::File::open(netns).map_err(|source| NetError::Io {
        what: "open the network namespace",
        source,
    })?;
    let watch = Watch::new(namespace.as_fd(), &pidfile)?;
    let mut opts = opts.to_vec();
    opts.push("--foreground".into());
    let mut child = Command::new(program())
        .arg0("pasta")
        .args(args(&opts, netns, ports, Some(&pidfile)))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        // Its own process group: a ^C at the caller's terminal is the
        // container's, never its network's.
        .process_group(0)
        .spawn()
        .map_err(|e| helper::spawn_failed("pasta", "passt", e))?;
    let dir = dir.to_owned();
    Ok(Box::new(move || {
        let waited = watch.wait(|| child.try_wait().ok().flatten().map(|s| s.to_string()));
        let _ = std::fs::remove_file(&pidfile);
        match waited {
            Ok(()) => Ok(child.id() as i32),
            Err(Some(status)) => Err(helper::failed("pasta", &dir, status)),
            Err(None) => {
                let _ = child.kill();
                let _ = child.wait();
                Err(NetError::Helper {
                    helper: "pasta".into(),
                    message: "it did not configure the namespace within 10 s".into(),
                })
            }
        }
    }))
}

/// Tells when a pasta in the foreground has configured its namespace: the
/// default route it copies from the host appears there at once (~8 ms after its
/// exec), well before it would go to the background (~28 ms: it sandboxes
/// itself first). Its pid file, written where it would go to the background,
/// covers a host with no IPv4 default route to copy.
pub struct Watch {
    inside: Netlink,
    pidfile: PathBuf,
}

impl Watch {
    /// For the namespace `netns`, and pasta's `--pid` file.
    pub fn new(netns: BorrowedFd, pidfile: &Path) -> Result<Watch, NetError> {
        let inside = Netlink::open_in(netns).map_err(|e| NetError::Helper {
            helper: "pasta".into(),
            message: e.to_string(),
        })?;
        Ok(Watch {
            inside,
            pidfile: pidfile.to_owned(),
        })
    }

    /// For the caller's own namespace (the holder's).
    pub fn here(pidfile: &Path) -> Result<Watch, NetError> {
        let inside = Netlink::open().map_err(|e| NetError::Helper {
            helper: "pasta".into(),
            message: e.to_string(),
        })?;
        Ok(Watch {
            inside,
            pidfile: pidfile.to_owned(),
        })
    }

    /// Waits until pasta has configured the namespace; else says how it exited
    /// (`exited` tells, while it runs, None), or None if it took too long.
    pub fn wait(&self, mut exited: impl FnMut() -> Option<String>) -> Result<(), Option<String>> {
        let deadline = Instant::now() + CONFIGURED_WITHIN;
        loop {
            if let Some(status) = exited() {
                return Err(Some(status));
            }
            let written = std::fs::metadata(&self.pidfile).is_ok_and(|m| m.len() > 0);
            if written || self.inside.has_default_route().unwrap_or(false) {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(None);
            }
            std::thread::sleep(Duration::from_micros(500));
        }
    }
}

/// pasta in the foreground for the namespace at `netns`, its interface there
/// named `interface`, forwarding no ports: the holder's way out, which it
/// runs as its own child (net/holder/uplink.rs).
pub fn foreground(netns: &Path, interface: &str, pidfile: &Path) -> Command {
    let mut command = Command::new(program());
    command.arg0("pasta").args(args(
        &[
            "--foreground".into(),
            // The file is bound only until pasta has opened it.
            "--no-netns-quit".into(),
            "-I".into(),
            interface.into(),
        ],
        netns,
        &[],
        Some(pidfile),
    ));
    command
}

/// pasta's binary. On x86-64 pasta execs itself again as the `pasta.avx2` beside
/// it when the CPU has AVX2 (Debian's and Fedora's packages ship that build);
/// running that one ourselves spares the second exec, about 2 ms of the wait for
/// pasta. Named `pasta` still (argv[0] is how it knows it is pasta, not passt).
fn program() -> PathBuf {
    let pasta = Path::new("pasta");
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        let dir = std::env::var_os("PATH")
            .and_then(|path| std::env::split_paths(&path).find(|d| d.join(pasta).is_file()));
        if let Some(avx2) = dir.map(|d| d.join("pasta.avx2")).filter(|p| p.is_file()) {
            return avx2;
        }
    }
    pasta.to_owned()
}

/// pasta's command line. Port forwarding is only what was published: pasta's
/// default (`auto`) would scan for and forward every port bound on either side.
fn args(
    opts: &[String],
    netns: &Path,
    ports: &[PortMapping],
    pidfile: Option<&Path>,
) -> Vec<String> {
    let mut args: Vec<String> = vec![
        "--config-net".into(),
        "--quiet".into(),
        "--netns-only".into(),
        "--netns".into(),
        netns.display().to_string(),
    ];
    if let Some(pidfile) = pidfile {
        args.extend(["--pid".into(), pidfile.display().to_string()]);
    }
    args.extend([
        // As root (real, or in our user namespace) pasta would switch to nobody,
        // who may not enter the namespace.
        "--runas".into(),
        format!("{}:{}", nix::unistd::geteuid(), nix::unistd::getegid()),
        "--dns-forward".into(),
        DNS_FORWARD.to_string(),
    ]);
    for (protocol, flag) in [(Protocol::Tcp, "-t"), (Protocol::Udp, "-u")] {
        if !ports.iter().any(|p| p.protocol == protocol) {
            args.extend([flag.to_owned(), "none".to_owned()]);
        }
    }
    args.extend(["-T", "none", "-U", "none"].map(str::to_owned));
    args.extend(pasta_args(ports));
    args.extend(opts.iter().cloned());
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwards_only_what_was_published() {
        let ports = [PortMapping {
            host_ip: None,
            host_port: 8080,
            container_port: 80,
            protocol: Protocol::Tcp,
        }];
        let a = args(
            &["--mtu".into(), "1500".into()],
            Path::new("/n"),
            &ports,
            Some(Path::new("/p")),
        );
        let joined = a.join(" ");
        assert!(joined.contains("--netns /n"));
        assert!(joined.contains("-u none"));
        assert!(!joined.contains("-t none"));
        assert!(joined.contains("-t 8080:80"));
        assert!(joined.ends_with("--mtu 1500"));
    }
}
