//! `--sysctl`: only the kernel parameters that belong to a namespace the
//! container has of its own may be set (Podman's and runc's rule); any other
//! would change the host.

use super::namespaces::NamespaceMode;
use super::RuntimeError;

/// The IPC namespace's parameters outside fs.mqueue.
const IPC: [&str; 8] = [
    "kernel.msgmax",
    "kernel.msgmnb",
    "kernel.msgmni",
    "kernel.sem",
    "kernel.shmall",
    "kernel.shmmax",
    "kernel.shmmni",
    "kernel.shm_rmid_forced",
];

/// Which namespace a parameter belongs to, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Ipc,
    Net,
}

/// `KEY=VALUE`, the key with `/` or `.` separators, checked to be namespaced.
pub fn parse(flag: &str) -> Result<(String, String, Owner), RuntimeError> {
    let Some((key, value)) = flag.split_once('=') else {
        return Err(RuntimeError::Invalid(format!(
            "{flag} is invalid, sysctl values must be in the form of KEY=VALUE"
        )));
    };
    let key = key.replace('/', ".");
    let owner = if IPC.contains(&key.as_str()) || key.starts_with("fs.mqueue.") {
        Owner::Ipc
    } else if key.starts_with("net.") {
        Owner::Net
    } else {
        return Err(RuntimeError::Invalid(format!(
            "sysctl '{key}' is not allowed"
        )));
    };
    Ok((key, value.to_owned(), owner))
}

/// A parameter of a namespace the container shares with the host (or another
/// container) would be set there: refused, in Podman's words.
pub fn check_owner(
    (key, value): (&str, &str),
    owner: Owner,
    ipc: &NamespaceMode,
    shared_network: bool,
) -> Result<(), RuntimeError> {
    let (shared, name) = match owner {
        Owner::Ipc => (!ipc.unshared(), "IPC"),
        Owner::Net => (shared_network, "Network"),
    };
    match shared {
        true => Err(RuntimeError::Invalid(format!(
            "sysctl {key}={value} can't be set since {name} Namespace set to host: invalid argument"
        ))),
        false => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_namespaced_parameters_pass() {
        assert_eq!(
            parse("kernel.shmmax=1000").unwrap(),
            ("kernel.shmmax".into(), "1000".into(), Owner::Ipc)
        );
        assert_eq!(
            parse("net/ipv4/ip_forward=1").unwrap().0,
            "net.ipv4.ip_forward"
        );
        assert_eq!(
            parse("vm.swappiness=1").unwrap_err().to_string(),
            "sysctl 'vm.swappiness' is not allowed"
        );
        assert!(parse("foo").is_err());
        let host = NamespaceMode::Host;
        let own = NamespaceMode::Private;
        assert!(check_owner(("kernel.sem", "1"), Owner::Ipc, &host, false).is_err());
        assert!(check_owner(("net.x", "1"), Owner::Net, &own, true).is_err());
        assert!(check_owner(("net.x", "1"), Owner::Net, &own, false).is_ok());
        assert!(parse("kernel.hostname=x").is_err());
    }
}
