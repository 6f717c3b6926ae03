//! Host ports: free ones chosen at create (by binding port 0, as Podman does),
//! and every one checked free by binding it just before a start, so that a port
//! in use fails the start instead of leaving the helper half listening.

use super::{Exposed, PortMapping, Protocol, Publish};
use crate::engine::net::{NetError, Network};
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, UdpSocket};
use std::os::fd::OwnedFd;

/// What Podman prints when `-p` meets a mode without a helper to forward.
const DISCARDED: &str = "Port mappings have been discarded as one of the Host, Container, Pod, and None network modes are in use";

/// The mappings `publish` (`-p`) and, with `all` (`-P`), `exposed` ask for,
/// each host port chosen. Without a helper (`none`, `host`, `container:`,
/// `ns:`) there is nothing to forward: Podman warns and drops them, and so do we.
pub fn resolve(
    network: &Network,
    publish: &[Publish],
    exposed: &[Exposed],
    all: bool,
) -> Result<Vec<PortMapping>, NetError> {
    if !network.has_helper() {
        if !publish.is_empty() {
            log::warn!("{DISCARDED}");
        }
        return Ok(Vec::new());
    }
    // Held until every port is chosen, so that none is chosen twice.
    let mut held = Vec::new();
    let mut out: Vec<PortMapping> = Vec::new();
    let mut free = |out: &[PortMapping], ip: Option<IpAddr>, wanted: u16, protocol| {
        if wanted != 0 && taken(out, ip, wanted, protocol) {
            return Err(in_use(ip, wanted, protocol));
        }
        let (socket, port) =
            bind(ip, wanted, protocol).map_err(|e| refused(ip, wanted, protocol, e))?;
        held.push(socket);
        Ok(port)
    };
    for p in publish {
        for &protocol in &p.protocols {
            let pairs: Vec<(u16, u16)> = match p.host_ports {
                Some(hosts) if hosts.len() == p.container_ports.len() => {
                    hosts.ports().zip(p.container_ports.ports()).collect()
                }
                Some(hosts) => {
                    let port = hosts
                        .ports()
                        .find_map(|h| free(&out, p.host_ip, h, protocol).ok())
                        .ok_or_else(|| {
                            NetError::PortInUse(format!(
                                "no host port of {}-{}/{protocol} is free: publish another range",
                                hosts.first, hosts.last
                            ))
                        })?;
                    vec![(port, p.container_ports.first)]
                }
                None => {
                    let mut pairs = Vec::new();
                    for c in p.container_ports.ports() {
                        pairs.push((free(&out, p.host_ip, 0, protocol)?, c));
                    }
                    pairs
                }
            };
            out.extend(
                pairs
                    .into_iter()
                    .map(|(host_port, container_port)| PortMapping {
                        host_ip: p.host_ip,
                        host_port,
                        container_port,
                        protocol,
                    }),
            );
        }
    }
    if all {
        for e in exposed {
            if !out.iter().any(|m| m.private() == *e) {
                let port = free(&out, None, 0, e.protocol)?;
                out.push(PortMapping {
                    host_ip: None,
                    host_port: port,
                    container_port: e.port,
                    protocol: e.protocol,
                });
            }
        }
    }
    for (i, p) in out.iter().enumerate() {
        if taken(&out[..i], p.host_ip, p.host_port, p.protocol) {
            return Err(NetError::Invalid(format!(
                "host port {}/{} is published twice: publish each host port once",
                p.host_port, p.protocol
            )));
        }
    }
    if let (Network::Slirp4netns(_), Some(p)) = (
        network,
        out.iter()
            .find(|p| p.host_ip.is_some_and(|ip| ip.is_ipv6())),
    ) {
        return Err(NetError::Invalid(format!(
            "cannot publish on {}: slirp4netns forwards IPv4 only; use an IPv4 address or --network pasta",
            p.public()
        )));
    }
    Ok(out)
}

/// Fails unless every host port of `ports` can be listened on now. Each is
/// let go at once (`resolve` made them distinct), so that a long range does
/// not run out of descriptors.
pub fn check_free(ports: &[PortMapping]) -> Result<(), NetError> {
    for p in ports {
        bind(p.host_ip, p.host_port, p.protocol)
            .map_err(|e| refused(p.host_ip, p.host_port, p.protocol, e))?;
    }
    Ok(())
}

/// Whether `port` on `ip` is already one of `out`'s: the same address, or
/// either one every address.
fn taken(out: &[PortMapping], ip: Option<IpAddr>, port: u16, protocol: Protocol) -> bool {
    out.iter().any(|m| {
        m.protocol == protocol
            && m.host_port == port
            && (m.host_ip.is_none() || ip.is_none() || m.host_ip == ip)
    })
}

/// Binds `port` (0: any free one) on `ip`; without an address on IPv6 and IPv4
/// both, as pasta listens, or IPv4 alone on a host without IPv6. Returns the
/// socket, to keep while the port must stay ours, and its port.
fn bind(ip: Option<IpAddr>, port: u16, protocol: Protocol) -> io::Result<(OwnedFd, u16)> {
    let on = |ip: IpAddr| -> io::Result<(OwnedFd, u16)> {
        let addr = SocketAddr::new(ip, port);
        match protocol {
            Protocol::Tcp => {
                let l = TcpListener::bind(addr)?;
                let port = l.local_addr()?.port();
                Ok((l.into(), port))
            }
            Protocol::Udp => {
                let s = UdpSocket::bind(addr)?;
                let port = s.local_addr()?.port();
                Ok((s.into(), port))
            }
        }
    };
    match ip {
        Some(ip) => on(ip),
        None => match on(Ipv6Addr::UNSPECIFIED.into()) {
            Err(e)
                if matches!(
                    e.raw_os_error(),
                    Some(libc::EAFNOSUPPORT | libc::EADDRNOTAVAIL)
                ) =>
            {
                on(Ipv4Addr::UNSPECIFIED.into())
            }
            result => result,
        },
    }
}

fn in_use(ip: Option<IpAddr>, port: u16, protocol: Protocol) -> NetError {
    NetError::PortInUse(format!(
        "host port {}/{protocol} is already in use: stop what listens there or publish another port",
        shown(ip, port)
    ))
}

/// Why the host would not let us listen on `port`, and what to do about it.
fn refused(ip: Option<IpAddr>, port: u16, protocol: Protocol, e: io::Error) -> NetError {
    match e.raw_os_error() {
        Some(libc::EADDRINUSE) => in_use(ip, port, protocol),
        Some(libc::EACCES) => NetError::NotPermitted(format!(
            "cannot publish host port {port}/{protocol}: ports below {} need root here; as root, `sysctl net.ipv4.ip_unprivileged_port_start={port}` lets users publish it",
            unprivileged_start()
        )),
        Some(libc::EADDRNOTAVAIL) => NetError::Invalid(format!(
            "cannot publish on {}: it is not an address of this host",
            shown(ip, port)
        )),
        _ => NetError::Bind(format!(
            "cannot listen on host port {}/{protocol}: {e}",
            shown(ip, port)
        )),
    }
}

fn shown(ip: Option<IpAddr>, port: u16) -> String {
    PortMapping {
        host_ip: ip,
        host_port: port,
        container_port: 0,
        protocol: Protocol::Tcp,
    }
    .public()
}

/// The lowest port a user may listen on (`net.ipv4.ip_unprivileged_port_start`).
fn unprivileged_start() -> u16 {
    std::fs::read_to_string("/proc/sys/net/ipv4/ip_unprivileged_port_start")
        .ok()
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or(1024)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::net::ports::PortRange;

    fn pasta() -> Network {
        Network::Pasta(Vec::new())
    }

    fn publish(specs: &[&str]) -> Vec<Publish> {
        specs.iter().map(|s| s.parse().unwrap()).collect()
    }

    /// A port that was free a moment ago on 127.0.0.1.
    fn free_port() -> u16 {
        TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    }

    #[test]
    fn fixed_ports_map_one_to_one() {
        let got = resolve(
            &pasta(),
            &publish(&["127.0.0.1:48000-48002:80-82/tcp,udp"]),
            &[],
            false,
        )
        .unwrap();
        assert_eq!(got.len(), 6);
        assert_eq!(
            (got[2].host_port, got[2].container_port, got[2].protocol),
            (48002, 82, Protocol::Tcp)
        );
        assert_eq!(got[3].protocol, Protocol::Udp);
    }

    #[test]
    fn empty_host_ports_get_distinct_free_ones() {
        let got = resolve(&pasta(), &publish(&["127.0.0.1::80-89"]), &[], false).unwrap();
        let mut hosts: Vec<u16> = got.iter().map(|m| m.host_port).collect();
        assert!(hosts.iter().all(|&h| h != 0));
        hosts.dedup();
        assert_eq!(hosts.len(), 10);
        assert_eq!(got[9].container_port, 89);
    }

    #[test]
    fn a_host_range_for_one_port_takes_its_first_free_one() {
        let busy = TcpListener::bind("127.0.0.1:0").unwrap();
        let first = busy.local_addr().unwrap().port();
        let p = Publish {
            host_ip: Some("127.0.0.1".parse().unwrap()),
            host_ports: Some(PortRange {
                first,
                last: first.saturating_add(20),
            }),
            container_ports: PortRange {
                first: 80,
                last: 80,
            },
            protocols: vec![Protocol::Tcp],
        };
        let got = resolve(&pasta(), &[p], &[], false).unwrap();
        assert!(got[0].host_port > first, "{got:?}");
    }

    #[test]
    fn publish_all_adds_the_exposed_ports_not_yet_published() {
        let exposed = [
            Exposed {
                port: 80,
                protocol: Protocol::Tcp,
            },
            Exposed {
                port: 53,
                protocol: Protocol::Udp,
            },
        ];
        let port = free_port();
        let got = resolve(&pasta(), &publish(&[&format!("{port}:80")]), &exposed, true).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!((got[0].host_port, got[1].container_port), (port, 53));
        assert_eq!(got[1].protocol, Protocol::Udp);
    }

    #[test]
    fn modes_without_a_helper_drop_the_ports() {
        for network in [Network::None, Network::Host] {
            assert!(resolve(&network, &publish(&["8080:80"]), &[], true)
                .unwrap()
                .is_empty());
        }
    }

    #[test]
    fn impossible_requests_are_refused() {
        let e = resolve(&pasta(), &publish(&["48010:80", "48010:81"]), &[], false).unwrap_err();
        assert!(e.to_string().contains("published twice"), "{e}");
        // Different protocols or addresses do not clash.
        resolve(
            &pasta(),
            &publish(&["127.0.0.1:48010:80", "127.0.0.2:48010:81", "48010:80/udp"]),
            &[],
            false,
        )
        .unwrap();
        let e = resolve(
            &Network::Slirp4netns(Vec::new()),
            &publish(&["[::1]:48011:80"]),
            &[],
            false,
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("slirp4netns forwards IPv4 only"),
            "{e}"
        );
        let e = resolve(&pasta(), &publish(&["192.0.2.77::80"]), &[], false).unwrap_err();
        assert!(e.to_string().contains("not an address of this host"), "{e}");
    }

    #[test]
    fn a_port_in_use_is_found() {
        let busy = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = busy.local_addr().unwrap().port();
        for ip in [None, Some("127.0.0.1".parse().unwrap())] {
            let m = PortMapping {
                host_ip: ip,
                host_port: port,
                container_port: 80,
                protocol: Protocol::Tcp,
            };
            let e = check_free(&[m]).unwrap_err();
            assert!(matches!(e, NetError::PortInUse(_)), "{e}");
            assert!(
                e.to_string()
                    .contains(&format!(":{port}/tcp is already in use")),
                "{e}"
            );
        }
        drop(busy);
        let m = PortMapping {
            host_ip: None,
            host_port: port,
            container_port: 80,
            protocol: Protocol::Udp,
        };
        check_free(&[m]).unwrap();
    }
}
