//! /etc/hosts, /etc/hostname and /etc/resolv.conf, written into the container's
//! userdata dir and bind-mounted over the image's. Their content follows
//! Podman's: the user's entries first, then the host's, then the container's own.

use crate::engine::net::addresses::{Addresses, OWN_STAND_IN};
use crate::engine::net::dns::SEARCH_DOMAIN;
use crate::engine::net::names::{ExtraHost, HostIp, NameOptions};
use crate::engine::net::{NetError, Network};
use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

pub fn hostname(hostname: &str) -> String {
    format!("{hostname}\n")
}

/// The names that lead to the host from inside a container.
const HOST_NAMES: [&str; 2] = ["host.containers.internal", "host.docker.internal"];

/// `--add-host` entries, then the host's file, then localhost, the host and the
/// container's own names, each of these last only where the entries before do
/// not already name it (so the user's wins).
pub fn hosts(
    extra: &[ExtraHost],
    addresses: &Addresses,
    names: &[&str],
    host_hosts: Option<&str>,
) -> Result<String, NetError> {
    let mut entries: Vec<(IpAddr, Vec<String>)> = Vec::new();
    for h in extra {
        let ip = match h.ip {
            HostIp::Addr(ip) => ip,
            HostIp::HostGateway => addresses.host.ok_or_else(|| {
                NetError::Invalid(format!(
                    "--add-host {h}: this network has no address for the host; give an IP"
                ))
            })?,
        };
        entries.push((ip, vec![h.name.clone()]));
    }
    for line in host_hosts.unwrap_or_default().lines() {
        let line = line.split('#').next().unwrap_or_default();
        let mut fields = line.split_whitespace();
        if let (Some(Ok(ip)), names) = (fields.next().map(str::parse), fields) {
            entries.push((ip, names.map(str::to_owned).collect()));
        }
    }
    let seen: HashSet<String> = entries.iter().flat_map(|(_, n)| n.clone()).collect();
    let own = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let mut ours = vec![
        (IpAddr::V4(Ipv4Addr::LOCALHOST), own(&["localhost"])),
        (IpAddr::V6(Ipv6Addr::LOCALHOST), own(&["localhost"])),
    ];
    if let Some(host) = addresses.host {
        ours.push((host, own(&HOST_NAMES)));
    }
    let mut container = own(names);
    container.dedup();
    ours.push((addresses.own, container));
    for (ip, names) in ours {
        let fresh: Vec<String> = names.into_iter().filter(|n| !seen.contains(n)).collect();
        if !fresh.is_empty() {
            entries.push((ip, fresh));
        }
    }
    let mut text = String::new();
    for (ip, names) in entries {
        text.push_str(&format!("{ip}\t{}\n", names.join(" ")));
    }
    Ok(text)
}

/// The hosts file with the container's own entries (the lines for its `old`
/// addresses, or for create's stand-in) replaced by one line for each `new`
/// address, under the names those lines had, as Podman's etchosts does on
/// `network connect` and `disconnect`. With no address left, the names stay on
/// the stand-in, for a later connect to find; a file with no such line
/// (`--no-hosts`) is returned as it is.
pub fn readdress(text: &str, old: &[IpAddr], new: &[IpAddr]) -> String {
    let own = |ip: &IpAddr| *ip == IpAddr::V4(OWN_STAND_IN) || old.contains(ip);
    let mut names = None;
    let mut out = String::new();
    for line in text.lines() {
        let entry = line
            .split_once(char::is_whitespace)
            .and_then(|(ip, rest)| Some((ip.parse::<IpAddr>().ok()?, rest.trim())));
        match entry {
            Some((ip, rest)) if own(&ip) => {
                names.get_or_insert_with(|| rest.to_owned());
            }
            _ => out.push_str(&format!("{line}\n")),
        }
    }
    let Some(names) = names else {
        return text.to_owned();
    };
    let stand_in = [IpAddr::V4(OWN_STAND_IN)];
    for ip in if new.is_empty() { &stand_in[..] } else { new } {
        out.push_str(&format!("{ip}\t{names}\n"));
    }
    out
}

/// The host's resolver config, with what the user gave instead. In a namespace
/// of its own the container cannot reach resolvers on the host's loopback: the
/// helper's forwarder stands in for them, as in Podman; `none` has no resolver.
/// Behind pasta (its own, or the holder's on a bridge) the forwarder stands in
/// for every resolver, as in Podman 5: Debian 12's pasta loses UDP sent to a
/// resolver elsewhere on the host's network, and its forwarder asks it from the
/// host.
///
/// On bridges with name resolution, their DNS servers (`bridge_dns`) stand
/// for all of them: they answer the networks' names and pass the rest on to
/// the host's resolvers, and their search domain comes first (aardvark-dns's).
pub fn resolv_conf(
    network: &Network,
    names: &NameOptions,
    addresses: &Addresses,
    bridge_dns: &[IpAddr],
    host: Option<&str>,
) -> String {
    let mut host = Resolv::parse(host.unwrap_or_default());
    if !bridge_dns.is_empty() {
        host.search.insert(0, SEARCH_DOMAIN.to_owned());
    }
    let nameservers: Vec<IpAddr> = match network {
        _ if !names.dns.is_empty() => names.dns.clone(),
        _ if !bridge_dns.is_empty() => bridge_dns.to_vec(),
        Network::Host => host.nameservers,
        Network::None => Vec::new(),
        Network::Pasta(_) | Network::Bridge(_) if addresses.dns_forwarder.is_some() => {
            addresses.dns_forwarder.into_iter().collect()
        }
        _ => {
            let (local, mut reachable): (Vec<IpAddr>, Vec<IpAddr>) =
                host.nameservers.into_iter().partition(IpAddr::is_loopback);
            if let Some(fwd) = addresses.dns_forwarder {
                if !local.is_empty() || reachable.is_empty() {
                    reachable.insert(0, fwd);
                }
            }
            reachable
        }
    };
    let search = match names.dns_search.as_slice() {
        [] => host.search,
        s if s.iter().any(|d| d == ".") => Vec::new(),
        s => s.to_vec(),
    };
    let options = match names.dns_options.as_slice() {
        [] => host.options,
        o => o.to_vec(),
    };
    let mut text = String::new();
    if !search.is_empty() {
        text.push_str(&format!("search {}\n", search.join(" ")));
    }
    for ns in nameservers {
        text.push_str(&format!("nameserver {ns}\n"));
    }
    if !options.is_empty() {
        text.push_str(&format!("options {}\n", options.join(" ")));
    }
    text
}

/// The container's resolv.conf `text` with `ip` as its first nameserver: the
/// DNS server of a network it was connected to later, which answers that
/// network's names (Podman adds it in front the same way).
pub fn add_nameserver(text: &str, ip: IpAddr) -> String {
    let line = format!("nameserver {ip}\n");
    if nameserver_lines(text).any(|l| l == ip) {
        return text.to_owned();
    }
    let mut out = String::new();
    let mut added = false;
    for l in text.lines() {
        if !added && l.split_whitespace().next() == Some("nameserver") {
            out.push_str(&line);
            added = true;
        }
        out.push_str(l);
        out.push('\n');
    }
    if !added {
        out.push_str(&line);
    }
    out
}

/// The container's resolv.conf `text` without the nameserver `ip` (the DNS
/// server of a network it left).
pub fn remove_nameserver(text: &str, ip: IpAddr) -> String {
    text.lines()
        .filter(|l| Resolv::parse(l).nameservers != [ip])
        .map(|l| format!("{l}\n"))
        .collect()
}

fn nameserver_lines(text: &str) -> impl Iterator<Item = IpAddr> + '_ {
    text.lines().flat_map(|l| Resolv::parse(l).nameservers)
}

#[derive(Default)]
struct Resolv {
    nameservers: Vec<IpAddr>,
    search: Vec<String>,
    options: Vec<String>,
}

impl Resolv {
    fn parse(text: &str) -> Resolv {
        let mut r = Resolv::default();
        for line in text.lines() {
            let mut words = line.split_whitespace();
            let rest = |w: std::str::SplitWhitespace| w.map(str::to_owned).collect();
            match words.next() {
                Some("nameserver") => {
                    // An IPv6 link-local resolver may carry its zone (`%eth0`).
                    let ip = words
                        .next()
                        .and_then(|w| w.split('%').next()?.parse::<IpAddr>().ok());
                    r.nameservers.extend(ip);
                }
                // The last of search and domain wins, as in resolv.conf(5).
                Some("search" | "domain") => r.search = rest(words),
                Some("options") => r.options.extend::<Vec<String>>(rest(words)),
                _ => {}
            }
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::net::addresses::for_mode;

    fn addrs(host: Option<&str>, fwd: Option<&str>) -> Addresses {
        Addresses {
            host: host.map(|h| h.parse().unwrap()),
            dns_forwarder: fwd.map(|h| h.parse().unwrap()),
            own: "127.0.1.1".parse().unwrap(),
        }
    }

    #[test]
    fn readdressing_moves_the_containers_own_names_only() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let created = "10.0.0.9\textra\n127.0.0.1\tlocalhost\n127.0.1.1\tabc app\n";
        let first = readdress(created, &[], &[ip("10.89.0.2")]);
        assert_eq!(
            first,
            "10.0.0.9\textra\n127.0.0.1\tlocalhost\n10.89.0.2\tabc app\n"
        );
        let both = readdress(
            &first,
            &[ip("10.89.0.2")],
            &[ip("10.89.0.2"), ip("10.89.1.3")],
        );
        assert!(
            both.ends_with("10.89.0.2\tabc app\n10.89.1.3\tabc app\n"),
            "{both}"
        );
        let none = readdress(&both, &[ip("10.89.0.2"), ip("10.89.1.3")], &[]);
        assert!(none.ends_with("localhost\n127.0.1.1\tabc app\n"), "{none}");
        let again = readdress(&none, &[], &[ip("10.89.1.4")]);
        assert!(
            again.ends_with("localhost\n10.89.1.4\tabc app\n"),
            "{again}"
        );
        let no_hosts = "127.0.0.1\tlocalhost\n";
        assert_eq!(readdress(no_hosts, &[], &[ip("10.89.0.2")]), no_hosts);
    }

    #[test]
    fn hosts_name_the_container_and_the_host() {
        let h = hosts(
            &[],
            &addrs(Some("192.0.2.1"), None),
            &["abc123", "web"],
            Some("# comment\n10.0.0.1 other   # theirs\n127.0.0.1 localhost\n"),
        )
        .unwrap();
        assert_eq!(
            h,
            "10.0.0.1\tother\n127.0.0.1\tlocalhost\n\
             192.0.2.1\thost.containers.internal host.docker.internal\n\
             127.0.1.1\tabc123 web\n"
        );
        let bare = hosts(&[], &addrs(None, None), &["box"], None).unwrap();
        assert_eq!(
            bare,
            "127.0.0.1\tlocalhost\n::1\tlocalhost\n127.0.1.1\tbox\n"
        );
    }

    #[test]
    fn added_hosts_come_first_and_win() {
        let extra: Vec<ExtraHost> = [
            "web:10.1.1.1",
            "gw:host-gateway",
            "host.docker.internal:10.2.2.2",
        ]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
        let h = hosts(
            &extra,
            &addrs(Some("10.0.2.2"), None),
            &["box", "web"],
            None,
        )
        .unwrap();
        assert!(
            h.starts_with("10.1.1.1\tweb\n10.0.2.2\tgw\n10.2.2.2\thost.docker.internal\n"),
            "{h}"
        );
        assert!(h.contains("10.0.2.2\thost.containers.internal\n"), "{h}");
        assert!(h.ends_with("127.0.1.1\tbox\n"), "{h}");
        let e = hosts(&extra, &addrs(None, None), &["box"], None).unwrap_err();
        assert!(e.to_string().contains("gw:host-gateway"), "{e}");
    }

    #[test]
    fn resolv_conf_per_mode() {
        let host = "search corp.example\nnameserver 127.0.0.53\noptions edns0\n";
        let none = NameOptions::default();
        let pasta = Network::Pasta(vec![]);
        assert_eq!(
            resolv_conf(
                &pasta,
                &none,
                &addrs(None, Some("169.254.1.1")),
                &[],
                Some(host)
            ),
            "search corp.example\nnameserver 169.254.1.1\noptions edns0\n"
        );
        let remote = "nameserver 9.9.9.9\n";
        for behind_pasta in [pasta, Network::Bridge(vec![])] {
            assert_eq!(
                resolv_conf(
                    &behind_pasta,
                    &none,
                    &addrs(None, Some("169.254.1.1")),
                    &[],
                    Some(remote)
                ),
                "nameserver 169.254.1.1\n"
            );
        }
        assert_eq!(
            resolv_conf(
                &Network::Host,
                &none,
                &for_mode(&Network::Host),
                &[],
                Some(host)
            ),
            host
        );
        assert_eq!(
            resolv_conf(&Network::None, &none, &addrs(None, None), &[], Some(host)),
            "search corp.example\noptions edns0\n"
        );
        let slirp = Network::Slirp4netns(vec![]);
        assert_eq!(
            resolv_conf(&slirp, &none, &for_mode(&slirp), &[], None),
            "nameserver 10.0.2.3\n"
        );
    }

    #[test]
    fn resolv_conf_on_bridges_names_their_dns_first() {
        let host = "search corp.example\nnameserver 127.0.0.53\n";
        let bridge = Network::Bridge(vec![]);
        let dns = ["10.89.0.1".parse().unwrap(), "10.89.1.1".parse().unwrap()];
        assert_eq!(
            resolv_conf(
                &bridge,
                &NameOptions::default(),
                &addrs(None, None),
                &dns,
                Some(host)
            ),
            "search dns.podman corp.example\nnameserver 10.89.0.1\nnameserver 10.89.1.1\n"
        );
    }

    #[test]
    fn nameservers_of_networks_connected_later_come_first_and_go() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let text = "search dns.podman\nnameserver 10.89.0.1\noptions ndots:1\n";
        let added = add_nameserver(text, ip("10.89.1.1"));
        assert_eq!(
            added,
            "search dns.podman\nnameserver 10.89.1.1\nnameserver 10.89.0.1\noptions ndots:1\n"
        );
        assert_eq!(add_nameserver(&added, ip("10.89.0.1")), added);
        assert_eq!(remove_nameserver(&added, ip("10.89.1.1")), text);
        assert_eq!(
            remove_nameserver(text, ip("10.89.0.1")),
            "search dns.podman\noptions ndots:1\n"
        );
        assert_eq!(
            add_nameserver("", ip("10.89.2.1")),
            "nameserver 10.89.2.1\n"
        );
    }

    #[test]
    fn resolv_conf_takes_the_flags() {
        let own = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let names = NameOptions::parse(
            &own(&["1.1.1.1", "::1"]),
            &own(&["a.example", "b.example"]),
            &own(&["ndots:2"]),
            &[],
            false,
        )
        .unwrap();
        let host = "search corp.example\nnameserver 127.0.0.53\noptions edns0\n";
        assert_eq!(
            resolv_conf(&Network::None, &names, &addrs(None, None), &[], Some(host)),
            "search a.example b.example\nnameserver 1.1.1.1\nnameserver ::1\noptions ndots:2\n"
        );
        let dot = NameOptions::parse(&[], &own(&["."]), &[], &[], false).unwrap();
        assert_eq!(
            resolv_conf(&Network::Host, &dot, &addrs(None, None), &[], Some(host)),
            "nameserver 127.0.0.53\noptions edns0\n"
        );
    }
}
