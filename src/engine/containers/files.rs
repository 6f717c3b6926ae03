//! /etc/hosts, /etc/hostname and /etc/resolv.conf, written into the container's
//! userdata dir and bind-mounted over the image's.

use crate::engine::net::Network;

pub fn hostname(hostname: &str) -> String {
    format!("{hostname}\n")
}

/// With the host's network, the host's hosts file plus our name; otherwise loopback.
pub fn hosts(network: &Network, hostname: &str, host_hosts: Option<&str>) -> String {
    let mut text = match (network, host_hosts) {
        (Network::Host, Some(h)) => {
            let mut h = h.to_owned();
            if !h.ends_with('\n') {
                h.push('\n');
            }
            h
        }
        _ => "127.0.0.1\tlocalhost localhost.localdomain\n\
              ::1\tlocalhost ip6-localhost ip6-loopback\n"
            .to_owned(),
    };
    text.push_str(&format!("127.0.1.1\t{hostname}\n"));
    text
}

/// The host's resolver config; none when there is no network to reach it through.
pub fn resolv_conf(network: &Network, host: Option<&str>) -> String {
    match (network, host) {
        (Network::Host, Some(text)) => text.to_owned(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_name_the_container() {
        let h = hosts(&Network::None, "box", Some("10.0.0.1 other\n"));
        assert!(h.starts_with("127.0.0.1\tlocalhost"));
        assert!(h.ends_with("127.0.1.1\tbox\n"));
        assert!(!h.contains("other"));
        assert!(
            hosts(&Network::Host, "box", Some("10.0.0.1 other")).starts_with("10.0.0.1 other\n")
        );
    }

    #[test]
    fn resolv_conf_only_with_a_network() {
        assert_eq!(
            resolv_conf(&Network::None, Some("nameserver 1.1.1.1\n")),
            ""
        );
        assert_eq!(
            resolv_conf(&Network::Host, Some("nameserver 1.1.1.1\n")),
            "nameserver 1.1.1.1\n"
        );
    }
}
