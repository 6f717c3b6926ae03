//! Published ports (`-p`, `-P`, `--expose`): what the user asked for, checked,
//! expanded to one mapping per port, and stored with the container; then how
//! the helpers are told to forward them and how they are shown.

mod bind;
mod parse;
mod show;

pub use bind::{check_free, resolve};
pub use parse::{image_exposed, parse_expose};
pub use show::{inspect_ports, port_bindings, ps_column};

use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::IpAddr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Tcp,
    Udp,
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
        })
    }
}

/// One host port forwarded to one container port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortMapping {
    /// The host address to listen on; all of them when none.
    pub host_ip: Option<IpAddr>,
    pub host_port: u16,
    pub container_port: u16,
    pub protocol: Protocol,
}

impl PortMapping {
    /// The container's side as Docker names it: `80/tcp`.
    pub fn private(&self) -> Exposed {
        Exposed {
            port: self.container_port,
            protocol: self.protocol,
        }
    }

    /// The host's side as Docker shows it: `0.0.0.0:8080`, `[::1]:8080`.
    pub fn public(&self) -> String {
        format!("{}:{}", host_ip_text(self.host_ip), self.host_port)
    }
}

/// The address a mapping listens on, as Docker shows it.
fn host_ip_text(ip: Option<IpAddr>) -> String {
    match ip {
        None => "0.0.0.0".to_owned(),
        Some(IpAddr::V6(v6)) => format!("[{v6}]"),
        Some(IpAddr::V4(v4)) => v4.to_string(),
    }
}

/// A port the container listens on (the image's EXPOSE, `--expose`): `80/tcp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Exposed {
    pub port: u16,
    pub protocol: Protocol,
}

impl fmt::Display for Exposed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.port, self.protocol)
    }
}

/// An inclusive range of ports, one port or more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortRange {
    pub first: u16,
    pub last: u16,
}

impl PortRange {
    pub fn len(&self) -> usize {
        usize::from(self.last - self.first) + 1
    }

    pub fn ports(&self) -> impl Iterator<Item = u16> {
        self.first..=self.last
    }
}

/// One `-p` as given, before the free host ports are chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Publish {
    pub host_ip: Option<IpAddr>,
    /// None: a free port for each container port. A range as long as the
    /// container's maps port to port; a range for a single container port
    /// (`8000-8010:80`) takes the first free one of it, as Docker does.
    pub host_ports: Option<PortRange>,
    pub container_ports: PortRange,
    pub protocols: Vec<Protocol>,
}

/// Mappings that follow each other (same address and protocol, host and
/// container ports both one more): each as its first mapping and its length,
/// so that a range is told and shown as one.
fn runs(ports: &[PortMapping]) -> Vec<(&PortMapping, u16)> {
    let mut out: Vec<(&PortMapping, u16)> = Vec::new();
    for p in ports {
        if let Some((first, len)) = out.last_mut() {
            let follows = first.host_ip == p.host_ip
                && first.protocol == p.protocol
                && u32::from(first.host_port) + u32::from(*len) == u32::from(p.host_port)
                && u32::from(first.container_port) + u32::from(*len) == u32::from(p.container_port);
            if follows {
                *len += 1;
                continue;
            }
        }
        out.push((p, 1));
    }
    out
}

/// `first` or `first-last` for a run of `len` ports.
fn span(first: u16, len: u16) -> String {
    match len {
        1 => first.to_string(),
        _ => format!("{first}-{}", first + (len - 1)),
    }
}

/// pasta's port options (`-t`/`-u` specs, `[ADDR/]HOST[-HOST]:CTR[-CTR]`) that
/// forward `ports` into the namespace, a run of ports as one spec. Nothing for a
/// protocol without ports: the caller says `none` for it, since pasta's default,
/// `auto`, would forward every port the container listens on.
pub fn pasta_args(ports: &[PortMapping]) -> Vec<String> {
    let mut args = Vec::new();
    for (protocol, flag) in [(Protocol::Tcp, "-t"), (Protocol::Udp, "-u")] {
        let mine: Vec<PortMapping> = ports
            .iter()
            .filter(|p| p.protocol == protocol)
            .cloned()
            .collect();
        for (p, len) in runs(&mine) {
            let addr = p.host_ip.map(|ip| format!("{ip}/")).unwrap_or_default();
            let spec = format!(
                "{addr}{}:{}",
                span(p.host_port, len),
                span(p.container_port, len)
            );
            args.extend([flag.to_owned(), spec]);
        }
    }
    args
}

/// The requests that ask slirp4netns (through its API socket) to forward `ports`,
/// one per port. slirp4netns listens on IPv4 only: `resolve` refuses an IPv6
/// host address with it.
pub fn slirp_hostfwd(ports: &[PortMapping]) -> Vec<serde_json::Value> {
    ports
        .iter()
        .map(|p| {
            serde_json::json!({
                "execute": "add_hostfwd",
                "arguments": {
                    "proto": p.protocol.to_string(),
                    "host_addr": p.host_ip.map_or("0.0.0.0".to_owned(), |ip| ip.to_string()),
                    "host_port": p.host_port,
                    "guest_port": p.container_port,
                }
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A mapping for tests here and in the submodules.
    pub(super) fn map(ip: Option<&str>, host: u16, ctr: u16, protocol: Protocol) -> PortMapping {
        PortMapping {
            host_ip: ip.map(|i| i.parse().unwrap()),
            host_port: host,
            container_port: ctr,
            protocol,
        }
    }

    #[test]
    fn pasta_gets_one_spec_per_run() {
        use Protocol::*;
        let ports = [
            map(None, 8000, 80, Tcp),
            map(None, 8001, 81, Tcp),
            map(None, 8002, 82, Tcp),
            map(Some("127.0.0.1"), 9000, 90, Tcp),
            map(Some("::1"), 9001, 91, Tcp),
        ];
        assert_eq!(
            pasta_args(&ports),
            [
                "-t",
                "8000-8002:80-82",
                "-t",
                "127.0.0.1/9000:90",
                "-t",
                "::1/9001:91",
            ]
        );
        assert_eq!(pasta_args(&[map(None, 5353, 53, Udp)]), ["-u", "5353:53"]);
        assert!(pasta_args(&[]).is_empty());
    }

    #[test]
    fn slirp_gets_one_request_per_port() {
        let reqs = slirp_hostfwd(&[
            map(None, 8080, 80, Protocol::Tcp),
            map(Some("127.0.0.1"), 5353, 53, Protocol::Udp),
        ]);
        assert_eq!(
            reqs[0],
            serde_json::json!({"execute": "add_hostfwd", "arguments": {
                "proto": "tcp", "host_addr": "0.0.0.0", "host_port": 8080, "guest_port": 80}})
        );
        assert_eq!(reqs[1]["arguments"]["host_addr"], "127.0.0.1");
        assert_eq!(reqs[1]["arguments"]["proto"], "udp");
    }

    #[test]
    fn sides_are_shown_as_docker_shows_them() {
        let p = map(Some("::1"), 8080, 80, Protocol::Tcp);
        assert_eq!(p.private().to_string(), "80/tcp");
        assert_eq!(p.public(), "[::1]:8080");
        assert_eq!(map(None, 8080, 80, Protocol::Udp).public(), "0.0.0.0:8080");
    }
}
