//! The rules of the holder's namespace, through nftables: containers on open
//! networks go out through the uplink behind the kernel's NAT, containers on
//! internal networks stay on their bridge, and nothing is routed from one
//! network to another (so names and addresses stay per network, as netavark
//! keeps them). The whole table is written again, in one transaction, each
//! time a bridge is made.
//!
//! nft (Debian's nftables) is run for it, as netavark does; where it is
//! missing, the holder has no shared uplink and each container on an open
//! network gets its own pasta instead.

use super::uplink::INTERFACE as UPLINK;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

const TABLE: &str = "inet coracle";

/// The bridges the rules know.
#[derive(Debug, Default)]
pub struct Firewall {
    /// Each bridge's name, and whether its network is internal.
    bridges: Vec<(String, bool)>,
}

impl Firewall {
    /// Turns on forwarding in the holder's namespace and loads the rules for
    /// no bridge yet; says why not if it cannot.
    pub fn start() -> Result<Firewall, String> {
        for knob in [
            "/proc/sys/net/ipv4/ip_forward",
            "/proc/sys/net/ipv6/conf/all/forwarding",
        ] {
            std::fs::write(knob, "1").map_err(|e| format!("cannot write {knob}: {e}"))?;
        }
        let firewall = Firewall::default();
        firewall.load()?;
        Ok(firewall)
    }

    /// Adds the bridge `name`'s rules.
    pub fn add(&mut self, name: &str, internal: bool) -> Result<(), String> {
        self.bridges.push((name.to_owned(), internal));
        let loaded = self.load();
        if loaded.is_err() {
            self.bridges.pop();
        }
        loaded
    }

    fn load(&self) -> Result<(), String> {
        let nft = nft().ok_or("nft is not installed (apt-get install nftables)")?;
        let mut child = Command::new(nft)
            .args(["-f", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run nft: {e}"))?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin
                .write_all(ruleset(&self.bridges).as_bytes())
                .map_err(|e| format!("cannot write to nft: {e}"))?;
        }
        let out = child
            .wait_with_output()
            .map_err(|e| format!("cannot run nft: {e}"))?;
        match out.status.success() {
            true => Ok(()),
            false => Err(format!(
                "nft refused the rules: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )),
        }
    }
}

/// nft, which is in /usr/sbin: not on a normal user's PATH on Debian.
fn nft() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin".into(), "/sbin".into()])
        .map(|dir| dir.join("nft"))
        .find(|p| p.is_file())
}

/// The table, replaced whole: declaring it first makes the delete safe when
/// it is not there yet.
fn ruleset(bridges: &[(String, bool)]) -> String {
    let mut forward = vec![
        format!("iifname \"{UPLINK}\" ct state established,related accept"),
        format!("iifname \"{UPLINK}\" drop"),
    ];
    for (bridge, internal) in bridges {
        forward.push(match internal {
            true => format!("iifname \"{bridge}\" oifname != \"{bridge}\" drop"),
            false => {
                format!("iifname \"{bridge}\" oifname != {{ \"{bridge}\", \"{UPLINK}\" }} drop")
            }
        });
    }
    let forward: String = forward.iter().map(|r| format!("\t\t{r}\n")).collect();
    format!(
        "table {TABLE}\ndelete table {TABLE}\ntable {TABLE} {{\n\
         \tchain forward {{\n\t\ttype filter hook forward priority filter; policy accept;\n{forward}\t}}\n\
         \tchain postrouting {{\n\t\ttype nat hook postrouting priority srcnat; policy accept;\n\
         \t\toifname \"{UPLINK}\" masquerade\n\t}}\n}}\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_bridges_reach_the_uplink_and_internal_ones_only_themselves() {
        let rules = ruleset(&[("podman1".into(), false), ("podman2".into(), true)]);
        assert!(rules.starts_with("table inet coracle\ndelete table inet coracle\n"));
        assert!(rules.contains("iifname \"podman1\" oifname != { \"podman1\", \"uplink0\" } drop"));
        assert!(rules.contains("iifname \"podman2\" oifname != \"podman2\" drop"));
        assert!(rules.contains("iifname \"uplink0\" drop"));
        assert!(rules.contains("oifname \"uplink0\" masquerade"));
    }
}
