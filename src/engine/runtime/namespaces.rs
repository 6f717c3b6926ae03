//! `--pid`, `--ipc`, `--uts` and `--cgroupns`: whether the container gets a
//! namespace of its own of that kind, shares the host's, or joins another
//! container's.

use super::RuntimeError;
use serde::{Deserialize, Serialize};

/// One namespace kind's mode, as Podman spells it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum NamespaceMode {
    /// A namespace of its own (Podman's `private`, and `shareable` for IPC).
    #[default]
    Private,
    /// The host's: no namespace of this kind in the spec.
    Host,
    /// Another container's, by ID once created (by name or ID as given).
    Container(String),
    /// `--ipc none`: a namespace of its own and no /dev/shm.
    None,
}

/// Which flag a mode is for: the modes each takes differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Pid,
    Ipc,
    Uts,
    Cgroup,
}

impl Kind {
    /// The OCI spec's name for the namespace.
    pub fn oci(self) -> &'static str {
        match self {
            Kind::Pid => "pid",
            Kind::Ipc => "ipc",
            Kind::Uts => "uts",
            Kind::Cgroup => "cgroup",
        }
    }
}

impl NamespaceMode {
    /// Parses a flag's value; empty is the default for the kind.
    pub fn parse(kind: Kind, text: &str) -> Result<NamespaceMode, RuntimeError> {
        let mode = match (kind, text.split_once(':')) {
            // libcontainer reports the pid of a process it starts in a pid
            // namespace not its own as that namespace sees it: the monitor
            // would wait for the wrong process.
            (Kind::Pid, Some(("container", _))) => {
                return Err(RuntimeError::Invalid(format!(
                    "coracle does not support --pid {text}: its runtime loses track of a process started in another container's PID namespace; use --pid host, or exec into that container"
                )))
            }
            (Kind::Ipc | Kind::Uts, Some(("container", x))) if !x.is_empty() => {
                NamespaceMode::Container(x.to_owned())
            }
            (_, Some(_)) => return Err(unrecognized(text)),
            (_, None) => match (kind, text) {
                (_, "" | "private") => NamespaceMode::Private,
                (_, "host") => NamespaceMode::Host,
                (Kind::Ipc, "shareable") => NamespaceMode::Private,
                (Kind::Ipc, "none") => NamespaceMode::None,
                _ => return Err(unrecognized(text)),
            },
        };
        Ok(mode)
    }

    /// How inspect names it (Podman's PidMode, IpcMode, UTSMode, CgroupMode).
    pub fn inspect(&self, kind: Kind) -> String {
        match self {
            NamespaceMode::Private if kind == Kind::Ipc => "shareable".into(),
            NamespaceMode::Private => "private".into(),
            NamespaceMode::Host => "host".into(),
            NamespaceMode::Container(id) => format!("container:{id}"),
            NamespaceMode::None => "none".into(),
        }
    }

    /// Whether the spec asks for a namespace of its own of this kind; one
    /// shared with another container is joined by the monitor instead.
    pub fn unshared(&self) -> bool {
        matches!(self, NamespaceMode::Private | NamespaceMode::None)
    }
}

fn unrecognized(text: &str) -> RuntimeError {
    RuntimeError::Invalid(format!("unrecognized namespace mode {text} passed"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_parse_as_podman_takes_them() {
        let p = |k, t| NamespaceMode::parse(k, t);
        assert_eq!(p(Kind::Pid, "host").unwrap(), NamespaceMode::Host);
        assert_eq!(p(Kind::Pid, "").unwrap(), NamespaceMode::Private);
        assert!(p(Kind::Pid, "container:web").is_err());
        assert_eq!(
            p(Kind::Uts, "container:web").unwrap(),
            NamespaceMode::Container("web".into())
        );
        assert_eq!(p(Kind::Ipc, "none").unwrap(), NamespaceMode::None);
        assert_eq!(p(Kind::Ipc, "shareable").unwrap(), NamespaceMode::Private);
        assert!(p(Kind::Pid, "none").is_err());
        assert!(p(Kind::Cgroup, "container:x").is_err());
        assert!(p(Kind::Ipc, "container:").is_err());
        let err = p(Kind::Pid, "bogus").unwrap_err().to_string();
        assert_eq!(err, "unrecognized namespace mode bogus passed");
        assert_eq!(NamespaceMode::Private.inspect(Kind::Ipc), "shareable");
    }
}
