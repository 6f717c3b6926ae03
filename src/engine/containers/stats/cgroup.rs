//! A container's own cgroup, found where coracle makes it or from
//! /proc/PID/cgroup of its init, and the figures in its files: cgroup v2's,
//! or v1's per controller (a hybrid host such as this one keeps the
//! controllers in v1).

use super::Cpu;
use std::path::{Path, PathBuf};

const ROOT: &str = "/sys/fs/cgroup";

pub struct Cgroup {
    version: Version,
    /// Bytes in use, read as the cgroup was found (it tells whether the
    /// cgroup counts anything).
    memory: u64,
}

enum Version {
    /// The one directory of the unified tree.
    V2(PathBuf),
    /// A directory per v1 controller that holds the container.
    V1 {
        memory: PathBuf,
        cpuacct: Option<PathBuf>,
        pids: Option<PathBuf>,
        blkio: Option<PathBuf>,
    },
}

impl Cgroup {
    /// The cgroup that holds `pid` if it is container `id`'s own and tells
    /// its memory use; None when the container shares its user's cgroup or
    /// the one it has counts nothing.
    pub fn of(pid: i32, id: &str) -> Option<Cgroup> {
        Cgroup::at_default_path(id).or_else(|| Cgroup::from_proc(pid, id))
    }

    /// Where coracle makes a container's cgroup unless told otherwise
    /// (/coracle/ID), tried first: reading /proc/PID/cgroup walks every
    /// hierarchy under a lock of the kernel's, and with 50 containers that
    /// was a tenth of `stats`.
    fn at_default_path(id: &str) -> Option<Cgroup> {
        let v1 = |controller: &str| Path::new(ROOT).join(controller).join("coracle").join(id);
        let version = Version::V1 {
            memory: v1("memory"),
            cpuacct: Some(v1("cpuacct")),
            pids: Some(v1("pids")),
            blkio: Some(v1("blkio")),
        };
        Cgroup::counting(version)
            .or_else(|| Cgroup::counting(Version::V2(unified_root().join("coracle").join(id))))
    }

    /// The cgroup /proc/PID/cgroup names (a `--cgroup-parent`, or a systemd
    /// scope rootless), if it is container `id`'s own.
    fn from_proc(pid: i32, id: &str) -> Option<Cgroup> {
        let table = crate::engine::pseudo_file::read(format!("/proc/{pid}/cgroup")).ok()?;
        let own = |path: &str| {
            path.contains(id)
                .then(|| path.trim_start_matches('/').to_owned())
        };
        let v1 = |wanted: &str| {
            table.lines().find_map(|line| {
                let mut parts = line.splitn(3, ':');
                let (_, controllers, path) = (parts.next()?, parts.next()?, parts.next()?);
                controllers
                    .split(',')
                    .any(|c| c == wanted)
                    .then(|| own(path))
                    .flatten()
                    .map(|p| Path::new(ROOT).join(wanted).join(p))
            })
        };
        if let Some(memory) = v1("memory") {
            let version = Version::V1 {
                memory,
                cpuacct: v1("cpuacct"),
                pids: v1("pids"),
                blkio: v1("blkio"),
            };
            return Cgroup::counting(version);
        }
        let unified = table.lines().find_map(|l| own(l.strip_prefix("0::")?))?;
        Cgroup::counting(Version::V2(unified_root().join(unified)))
    }

    fn counting(version: Version) -> Option<Cgroup> {
        let memory = match &version {
            Version::V2(dir) => number(&dir.join("memory.current")),
            Version::V1 { memory, .. } => number(&memory.join("memory.usage_in_bytes")),
        }?;
        Some(Cgroup { version, memory })
    }

    pub fn memory(&self) -> u64 {
        self.memory
    }

    /// None: no limit ("max", or v1's page-rounded largest number).
    pub fn memory_limit(&self) -> Option<u64> {
        let limit = match &self.version {
            Version::V2(dir) => number(&dir.join("memory.max")),
            Version::V1 { memory, .. } => number(&memory.join("memory.limit_in_bytes")),
        };
        limit.filter(|l| *l < i64::MAX as u64 / 2)
    }

    pub fn cpu(&self) -> Option<Cpu> {
        match &self.version {
            Version::V2(dir) => {
                let stat = crate::engine::pseudo_file::read(dir.join("cpu.stat")).ok()?;
                let usec = |key| keyed(&stat, key).map(|v| v * 1000);
                Some(Cpu {
                    total: usec("usage_usec")?,
                    user: usec("user_usec").unwrap_or(0),
                    system: usec("system_usec").unwrap_or(0),
                })
            }
            Version::V1 { cpuacct, .. } => {
                let dir = cpuacct.as_ref()?;
                let stat =
                    crate::engine::pseudo_file::read(dir.join("cpuacct.stat")).unwrap_or_default();
                let ticks =
                    |key| keyed(&stat, key).map_or(0, |t| t * super::procfs::nanos_per_tick());
                Some(Cpu {
                    total: number(&dir.join("cpuacct.usage"))?,
                    user: ticks("user"),
                    system: ticks("system"),
                })
            }
        }
    }

    pub fn pids(&self) -> Option<u64> {
        match &self.version {
            Version::V2(dir) => number(&dir.join("pids.current")),
            Version::V1 { pids, .. } => number(&pids.as_ref()?.join("pids.current")),
        }
    }

    /// Bytes read and written, over every device.
    pub fn block_io(&self) -> Option<(u64, u64)> {
        match &self.version {
            Version::V2(dir) => {
                let stat = crate::engine::pseudo_file::read(dir.join("io.stat")).ok()?;
                let sum = |key: &str| {
                    stat.split_whitespace()
                        .filter_map(|f| f.strip_prefix(key)?.parse::<u64>().ok())
                        .sum()
                };
                Some((sum("rbytes="), sum("wbytes=")))
            }
            Version::V1 { blkio, .. } => {
                let path = blkio.as_ref()?.join("blkio.throttle.io_service_bytes");
                let text = crate::engine::pseudo_file::read(path).ok()?;
                let sum = |op: &str| {
                    text.lines()
                        .filter_map(|l| {
                            let mut f = l.split_whitespace();
                            let (_, kind, n) = (f.next()?, f.next()?, f.next()?);
                            (kind == op).then(|| n.parse::<u64>().ok()).flatten()
                        })
                        .sum()
                };
                Some((sum("Read"), sum("Write")))
            }
        }
    }
}

/// The unified hierarchy: /sys/fs/cgroup itself on a v2 host, its `unified`
/// directory on a hybrid one.
fn unified_root() -> &'static Path {
    static ROOT_DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    ROOT_DIR.get_or_init(
        || match Path::new(ROOT).join("cgroup.controllers").exists() {
            true => PathBuf::from(ROOT),
            false => Path::new(ROOT).join("unified"),
        },
    )
}

fn number(path: &Path) -> Option<u64> {
    crate::engine::pseudo_file::read(path)
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// The value of `key` in a `key value` per line file (cpu.stat, cpuacct.stat).
fn keyed(text: &str, key: &str) -> Option<u64> {
    text.lines().find_map(|l| {
        let (k, v) = l.split_once(' ')?;
        (k == key).then(|| v.trim().parse().ok()).flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::keyed;

    #[test]
    fn reads_keyed_files() {
        let stat = "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n";
        assert_eq!(keyed(stat, "usage_usec"), Some(1500));
        assert_eq!(keyed(stat, "system_usec"), Some(500));
        assert_eq!(keyed(stat, "nr_periods"), None);
    }
}
