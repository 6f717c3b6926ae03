//! `--ulimit name=soft[:hard]`, Docker's syntax, as the spec's `process.rlimits`.

use super::RuntimeError;
use nix::sys::resource::{getrlimit, Resource};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// The names Docker accepts, and the resource each sets.
const NAMES: [(&str, &str, Resource); 16] = [
    ("as", "RLIMIT_AS", Resource::RLIMIT_AS),
    ("core", "RLIMIT_CORE", Resource::RLIMIT_CORE),
    ("cpu", "RLIMIT_CPU", Resource::RLIMIT_CPU),
    ("data", "RLIMIT_DATA", Resource::RLIMIT_DATA),
    ("fsize", "RLIMIT_FSIZE", Resource::RLIMIT_FSIZE),
    ("locks", "RLIMIT_LOCKS", Resource::RLIMIT_LOCKS),
    ("memlock", "RLIMIT_MEMLOCK", Resource::RLIMIT_MEMLOCK),
    ("msgqueue", "RLIMIT_MSGQUEUE", Resource::RLIMIT_MSGQUEUE),
    ("nice", "RLIMIT_NICE", Resource::RLIMIT_NICE),
    ("nofile", "RLIMIT_NOFILE", Resource::RLIMIT_NOFILE),
    ("nproc", "RLIMIT_NPROC", Resource::RLIMIT_NPROC),
    ("rss", "RLIMIT_RSS", Resource::RLIMIT_RSS),
    ("rtprio", "RLIMIT_RTPRIO", Resource::RLIMIT_RTPRIO),
    ("rttime", "RLIMIT_RTTIME", Resource::RLIMIT_RTTIME),
    (
        "sigpending",
        "RLIMIT_SIGPENDING",
        Resource::RLIMIT_SIGPENDING,
    ),
    ("stack", "RLIMIT_STACK", Resource::RLIMIT_STACK),
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ulimit {
    /// The spec's name: `RLIMIT_NOFILE`.
    pub resource: &'static str,
    pub soft: u64,
    pub hard: u64,
}

/// A ulimit as stored (in a container's create options): its spec name
/// owned, until it is found among [`NAMES`].
#[derive(Deserialize)]
struct Stored {
    resource: String,
    soft: u64,
    hard: u64,
}

impl<'de> Deserialize<'de> for Ulimit {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Ulimit, D::Error> {
        let stored = Stored::deserialize(d)?;
        let (_, resource, _) = NAMES
            .iter()
            .find(|(_, spec, _)| *spec == stored.resource)
            .ok_or_else(|| {
                serde::de::Error::custom(format!("unknown rlimit {}", stored.resource))
            })?;
        Ok(Ulimit {
            resource,
            soft: stored.soft,
            hard: stored.hard,
        })
    }
}

impl Ulimit {
    /// One `--ulimit` value; -1 means unlimited, a missing hard limit is the soft one.
    pub fn parse(flag: &str) -> Result<Ulimit, RuntimeError> {
        let invalid = |why: &str| {
            RuntimeError::Invalid(format!(
                "invalid --ulimit {flag:?}: {why} (use NAME=SOFT[:HARD], such as nofile=1024:2048)"
            ))
        };
        let (name, values) = flag.split_once('=').ok_or_else(|| invalid("no value"))?;
        let resource = NAMES
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|(_, r, _)| *r)
            .ok_or_else(|| invalid("unknown resource"))?;
        let number = |v: &str| match v {
            "-1" | "unlimited" => Ok(u64::MAX),
            v => v.parse::<u64>().map_err(|_| invalid("not a number")),
        };
        let (soft, hard) = match values.split_once(':') {
            Some((s, h)) => (number(s)?, number(h)?),
            None => (number(values)?, number(values)?),
        };
        if soft > hard {
            return Err(invalid("the soft limit is above the hard one"));
        }
        Ok(Ulimit {
            resource,
            soft,
            hard,
        })
    }
}

/// Rootless, no limit can go above the caller's own hard limit (raising one takes
/// CAP_SYS_RESOURCE in the host's namespace): say so, rather than let the runtime
/// fail with a bare EPERM.
pub fn check_raisable(ulimits: &[Ulimit]) -> Result<(), RuntimeError> {
    for u in ulimits {
        let Some((name, _, resource)) = NAMES.iter().find(|(_, r, _)| *r == u.resource) else {
            continue;
        };
        let (_, max) = getrlimit(*resource)
            .map_err(|e| RuntimeError::Invalid(format!("cannot read the {name} limit: {e}")))?;
        if u.hard > max {
            return Err(RuntimeError::Invalid(format!(
                "--ulimit {name}: the hard limit {} is above this user's {max}, which a rootless container cannot raise",
                u.hard
            )));
        }
    }
    Ok(())
}

/// The spec's `process.rlimits`: one entry per resource, a later flag winning.
pub fn rlimits(ulimits: &[Ulimit]) -> Vec<Value> {
    let mut out: Vec<&Ulimit> = Vec::new();
    for u in ulimits {
        out.retain(|o| o.resource != u.resource);
        out.push(u);
    }
    out.iter()
        .map(|u| json!({"type": u.resource, "soft": u.soft, "hard": u.hard}))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn soft_and_hard() {
        let u = Ulimit::parse("nofile=100:200").unwrap();
        assert_eq!((u.resource, u.soft, u.hard), ("RLIMIT_NOFILE", 100, 200));
        let u = Ulimit::parse("core=-1").unwrap();
        assert_eq!((u.soft, u.hard), (u64::MAX, u64::MAX));
    }

    #[test]
    fn bad_values_are_refused() {
        for bad in [
            "nofile",
            "bogus=1",
            "nofile=x",
            "nofile=200:100",
            "nofile=1:2:3",
        ] {
            assert!(Ulimit::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn later_flags_win() {
        let a = Ulimit::parse("nofile=1").unwrap();
        let b = Ulimit::parse("nproc=5").unwrap();
        let c = Ulimit::parse("nofile=2").unwrap();
        let r = rlimits(&[a, b, c]);
        assert_eq!(r.len(), 2);
        assert_eq!(r[1]["soft"], 2);
    }
}
