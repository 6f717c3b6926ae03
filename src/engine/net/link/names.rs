//! What links are called: the names the kernel accepts, the names of the
//! host ends of veths, and the bridges' hardware addresses.

/// IFNAMSIZ less its terminating NUL.
pub const MAX_NAME_LEN: usize = 15;

/// Why the kernel would refuse `name` as an interface name, if it would
/// (`dev_valid_name` in net/core/dev.c): checked first, so the user reads
/// what is wrong with the name rather than "Invalid argument".
pub fn check_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() {
        Err("it is empty")
    } else if name.len() > MAX_NAME_LEN {
        Err("it is longer than 15 bytes")
    } else if name == "." || name == ".." {
        Err("it is . or ..")
    } else if name.contains(['/', ':']) || name.contains(char::is_whitespace) {
        Err("it contains '/', ':' or white space")
    } else {
        Ok(())
    }
}

/// A name for the host end of a container's veth: `veth` and 8 random hex
/// digits. Random, not counted, so commands that connect containers at the
/// same moment need no lock to pick distinct names (a clash is one in 2^32,
/// and fails cleanly with EEXIST).
pub fn host_veth() -> String {
    format!("veth{:08x}", rand::random::<u32>())
}

/// A random unicast, locally administered Ethernet address. A bridge given
/// one keeps it; left to itself, it takes the lowest address among its ports
/// and changes it as containers come and go, leaving stale ARP entries for the
/// gateway in the containers already running.
pub fn random_mac() -> [u8; 6] {
    let mut mac: [u8; 6] = rand::random();
    mac[0] = (mac[0] & !0x01) | 0x02;
    mac
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_kernel_takes() {
        for name in ["eth0", "podman1", "veth0123abcd", "a", "br-0123456789ab"] {
            assert_eq!(check_name(name), Ok(()), "{name}");
        }
    }

    #[test]
    fn names_the_kernel_refuses() {
        for name in [
            "",
            ".",
            "..",
            "a/b",
            "a:b",
            "a b",
            "tab\t",
            "sixteen-chars-xx",
        ] {
            assert!(check_name(name).is_err(), "{name:?}");
        }
    }

    #[test]
    fn host_veth_names_are_valid_and_distinct() {
        let (a, b) = (host_veth(), host_veth());
        assert_eq!(check_name(&a), Ok(()));
        assert!(a.starts_with("veth") && a.len() == 12, "{a}");
        assert_ne!(a, b);
    }

    #[test]
    fn random_mac_is_unicast_and_local() {
        for _ in 0..64 {
            let mac = random_mac();
            assert_eq!(mac[0] & 0x01, 0, "{mac:x?} is multicast");
            assert_eq!(mac[0] & 0x02, 0x02, "{mac:x?} is not locally administered");
        }
    }
}
