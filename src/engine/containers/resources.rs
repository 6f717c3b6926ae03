//! The resource limits of `run`/`create`/`update` (`--memory`, `--cpus`,
//! `--pids-limit`, ...) and of Docker's HostConfig: checked as Podman checks
//! them, kept in the container's settings, and written into the spec's
//! `linux.resources` (runtime/resources.rs) where the host can enforce them.

use crate::engine::runtime::RuntimeError;
use serde::{Deserialize, Serialize};

/// Podman's default `--pids-limit` where cgroups can enforce one.
pub const DEFAULT_PIDS_LIMIT: i64 = 2048;

/// `--cpus` becomes a quota over this period (µs), as in Podman.
pub const CPU_PERIOD: u64 = 100_000;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Resources {
    /// Bytes; 0 is no limit.
    pub memory: Option<i64>,
    /// Memory plus swap, bytes; -1 is unlimited swap.
    pub memory_swap: Option<i64>,
    pub memory_reservation: Option<i64>,
    pub memory_swappiness: Option<u64>,
    pub oom_kill_disable: bool,
    pub cpu_shares: Option<u64>,
    /// µs per period; `--cpus` sets both.
    pub cpu_quota: Option<i64>,
    pub cpu_period: Option<u64>,
    pub cpu_rt_period: Option<u64>,
    pub cpu_rt_runtime: Option<i64>,
    pub cpuset_cpus: Option<String>,
    pub cpuset_mems: Option<String>,
    /// 0 or below is no limit; none given is the default where enforced.
    pub pids_limit: Option<i64>,
    pub blkio_weight: Option<u16>,
    pub blkio_weight_device: Vec<DeviceLimit>,
    pub device_read_bps: Vec<DeviceLimit>,
    pub device_write_bps: Vec<DeviceLimit>,
    pub device_read_iops: Vec<DeviceLimit>,
    pub device_write_iops: Vec<DeviceLimit>,
    /// `--cgroup-conf`: cgroup v2 files and values.
    pub unified: Vec<(String, String)>,
    /// `--cgroup-parent`: the cgroup the container's is made under.
    pub cgroup_parent: Option<String>,
    /// `--oom-score-adj`: a process attribute, kept where cgroups are not.
    pub oom_score_adj: Option<i32>,
    /// Who makes the container's cgroup (cgroups.rs decides at create).
    pub manager: Manager,
}

/// coracle itself through cgroupfs, or (rootless on cgroup v2) the user's
/// systemd, as a scope in a slice delegated to the user.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Manager {
    #[default]
    Cgroupfs,
    Systemd,
}

/// A block device's weight, rate (bytes/s) or IO rate (ops/s).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceLimit {
    pub path: String,
    pub major: i64,
    pub minor: i64,
    pub value: u64,
}

impl Resources {
    /// Whether any cgroup limit is asked for (`--oom-score-adj` is none).
    pub fn limits_anything(&self) -> bool {
        let cgroup = Resources {
            oom_score_adj: None,
            manager: Manager::default(),
            ..self.clone()
        };
        cgroup != Resources::default()
    }

    /// `--cpus`: a quota of that many periods.
    pub fn set_cpus(&mut self, cpus: f64) -> Result<(), RuntimeError> {
        let available = num_cpus();
        if cpus != 0.0 && !(0.01..=available as f64).contains(&cpus) {
            return Err(invalid(format!(
                "Range of CPUs is from 0.01 to {available}.00, as there are only {available} CPUs available"
            )));
        }
        if cpus > 0.0 {
            self.cpu_period = Some(CPU_PERIOD);
            self.cpu_quota = Some((cpus * CPU_PERIOD as f64).round() as i64);
        }
        Ok(())
    }

    /// `--cpus` against `--cpu-quota`/`--cpu-period`, which it sets itself.
    pub fn check_cpus_alone(cpus: bool, quota: bool, period: bool) -> Result<(), RuntimeError> {
        match (cpus, quota, period) {
            (true, true, _) => Err(invalid("--cpu-quota and --cpus cannot be set together")),
            (true, _, true) => Err(invalid("--cpu-period and --cpus cannot be set together")),
            _ => Ok(()),
        }
    }

    /// Podman's checks, and its default swap (twice the memory).
    pub fn validate(&mut self) -> Result<(), RuntimeError> {
        let memory = self.memory.unwrap_or(0);
        match self.memory_swap {
            Some(swap) if swap != -1 && swap != 0 && memory == 0 => {
                return Err(invalid(
                    "you should always set a memory limit when using a memoryswap limit, see usage",
                ))
            }
            Some(swap) if swap != -1 && memory > 0 && swap < memory => {
                return Err(invalid(
                    "minimum memoryswap limit should be larger than memory limit, see usage",
                ))
            }
            None if memory > 0 => self.memory_swap = Some(2 * memory),
            _ => {}
        }
        if let Some(reservation) = self.memory_reservation {
            if memory > 0 && reservation > memory {
                return Err(invalid(
                    "minimum memory limit cannot be less than memory reservation limit, see usage",
                ));
            }
        }
        if let Some(s) = self.memory_swappiness.filter(|&s| s > 100) {
            return Err(invalid(format!(
                "invalid value: {s}, valid memory swappiness range is 0-100"
            )));
        }
        if self.cpu_quota.is_some_and(|q| q > 0 && q < 1000) {
            return Err(invalid("CPU cfs quota cannot be less than 1ms (i.e. 1000)"));
        }
        if self
            .cpu_period
            .is_some_and(|p| p != 0 && !(1000..=1_000_000).contains(&p))
        {
            return Err(invalid(
                "CPU cfs period cannot be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)",
            ));
        }
        if let Some(adj) = self.oom_score_adj.filter(|a| !(-1000..=1000).contains(a)) {
            return Err(invalid(format!(
                "invalid --oom-score-adj {adj}: the range is -1000 to 1000"
            )));
        }
        if let Some(cpus) = &self.cpuset_cpus {
            check_cpuset(cpus, "cpus", "CPUs", "/sys/devices/system/cpu/online")?;
        }
        if let Some(mems) = &self.cpuset_mems {
            check_cpuset(
                mems,
                "mems",
                "memory nodes",
                "/sys/devices/system/node/online",
            )?;
        }
        for (key, _) in &self.unified {
            if key.is_empty() {
                return Err(invalid("--cgroup-conf must be formatted KEY=VALUE"));
            }
        }
        Ok(())
    }

    /// The fields `other` gives replace ours (`update`); a new memory limit
    /// without a swap limit takes the default swap again.
    pub fn merge(&mut self, other: &Resources) {
        macro_rules! take {
            ($($field:ident),*) => {$(
                if other.$field.is_some() {
                    self.$field = other.$field.clone();
                }
            )*};
        }
        if other.memory.is_some() && other.memory_swap.is_none() {
            self.memory_swap = None;
        }
        take!(
            memory,
            memory_swap,
            memory_reservation,
            memory_swappiness,
            cpu_shares,
            cpu_quota,
            cpu_period,
            cpu_rt_period,
            cpu_rt_runtime,
            cpuset_cpus,
            cpuset_mems,
            pids_limit,
            blkio_weight
        );
        for (ours, theirs) in [
            (&mut self.blkio_weight_device, &other.blkio_weight_device),
            (&mut self.device_read_bps, &other.device_read_bps),
            (&mut self.device_write_bps, &other.device_write_bps),
            (&mut self.device_read_iops, &other.device_read_iops),
            (&mut self.device_write_iops, &other.device_write_iops),
        ] {
            if !theirs.is_empty() {
                ours.clone_from(theirs);
            }
        }
    }
}

impl DeviceLimit {
    /// `PATH:WEIGHT` of `--blkio-weight-device`.
    pub fn parse_weight(text: &str) -> Result<DeviceLimit, RuntimeError> {
        let bad = || invalid(format!("bad format: {text}"));
        let (path, weight) = text.rsplit_once(':').ok_or_else(bad)?;
        let value: u64 = weight.parse().map_err(|_| bad())?;
        if !(10..=1000).contains(&value) && value != 0 {
            return Err(invalid(format!(
                "invalid weight for device: {text}: the range is 10 to 1000"
            )));
        }
        let (major, minor) = device_numbers(path).map_err(|e| {
            invalid(format!(
                "failed to inspect '{path}' in --blkio-weight-device: {e}"
            ))
        })?;
        Ok(DeviceLimit {
            path: path.to_owned(),
            major,
            minor,
            value,
        })
    }

    /// `PATH:RATE` of `--device-read-bps` and the others; `bytes` takes a
    /// size (`1mb`), else a plain count of operations.
    pub fn parse_rate(text: &str, bytes: bool) -> Result<DeviceLimit, RuntimeError> {
        let bad = || {
            match bytes {
            true => invalid(format!("invalid rate for device: {text}. The correct format is <device-path>:<number>[<unit>]. Number must be a positive integer. Unit is optional and can be kb, mb, or gb")),
            false => invalid(format!("invalid rate for device: {text}. The correct format is <device-path>:<number>. Number must be a positive integer")),
        }
        };
        let (path, rate) = text.rsplit_once(':').ok_or_else(bad)?;
        let value = match bytes {
            true => super::settings::parse_size("device-rate", rate).map_err(|_| bad())?,
            false => rate.parse().map_err(|_| bad())?,
        };
        let (major, minor) = device_numbers(path)
            .map_err(|e| invalid(format!("could not parse throttle device at {path}: {e}")))?;
        Ok(DeviceLimit {
            path: path.to_owned(),
            major,
            minor,
            value,
        })
    }
}

/// A device file's major and minor numbers, with Go's words for a failure.
fn device_numbers(path: &str) -> Result<(i64, i64), String> {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    let meta = std::fs::metadata(path).map_err(|e| {
        let text = e.to_string();
        text.split(" (os error")
            .next()
            .unwrap_or(&text)
            .to_lowercase()
    })?;
    if !meta.file_type().is_block_device() && !meta.file_type().is_char_device() {
        return Err("not a device node".into());
    }
    let rdev = meta.rdev();
    Ok((
        nix::sys::stat::major(rdev) as i64,
        nix::sys::stat::minor(rdev) as i64,
    ))
}

/// `--cpuset-cpus`/`--cpuset-mems`: a list such as `0-2,4`, each within what
/// the host has online.
fn check_cpuset(list: &str, flag: &str, what: &str, online: &str) -> Result<(), RuntimeError> {
    let wanted = parse_list(list)
        .ok_or_else(|| invalid(format!("invalid value {list} for cpuset {flag}")))?;
    let Some(available) = std::fs::read_to_string(online).ok() else {
        return Ok(());
    };
    let available = available.trim();
    let have = parse_list(available).unwrap_or_default();
    if wanted.iter().any(|n| !have.contains(n)) {
        return Err(invalid(format!(
            "requested {what} are not available - requested {list}, available: {available}"
        )));
    }
    Ok(())
}

fn parse_list(list: &str) -> Option<Vec<u32>> {
    let mut out = Vec::new();
    for part in list.split(',') {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b): (u32, u32) = (a.parse().ok()?, b.parse().ok()?);
                if a > b {
                    return None;
                }
                out.extend(a..=b);
            }
            None => out.push(part.parse().ok()?),
        }
    }
    Some(out)
}

/// The CPUs this process may run on.
fn num_cpus() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn invalid(text: impl Into<String>) -> RuntimeError {
    RuntimeError::Invalid(text.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_swap_defaults_to_twice_the_memory_and_is_checked() {
        let mut r = Resources {
            memory: Some(32 << 20),
            ..Default::default()
        };
        r.validate().unwrap();
        assert_eq!(r.memory_swap, Some(64 << 20));
        let mut r = Resources {
            memory_swap: Some(64 << 20),
            ..Default::default()
        };
        assert!(r
            .validate()
            .unwrap_err()
            .to_string()
            .contains("always set a memory limit"));
        let mut r = Resources {
            memory: Some(32 << 20),
            memory_swap: Some(16 << 20),
            ..Default::default()
        };
        assert!(r.validate().is_err());
        let mut r = Resources {
            memory: Some(32 << 20),
            memory_swap: Some(-1),
            ..Default::default()
        };
        r.validate().unwrap();
    }

    #[test]
    fn cpus_become_a_quota_and_too_many_are_refused() {
        let mut r = Resources::default();
        r.set_cpus(0.5).unwrap();
        assert_eq!(
            (r.cpu_quota, r.cpu_period),
            (Some(50_000), Some(CPU_PERIOD))
        );
        let n = num_cpus();
        assert_eq!(
            r.set_cpus(n as f64 + 1.0).unwrap_err().to_string(),
            format!("Range of CPUs is from 0.01 to {n}.00, as there are only {n} CPUs available")
        );
        assert!(Resources::check_cpus_alone(true, true, false).is_err());
    }

    #[test]
    fn cpu_lists_parse() {
        assert_eq!(parse_list("0-2,4"), Some(vec![0, 1, 2, 4]));
        assert_eq!(parse_list("abc"), None);
        assert_eq!(parse_list("2-1"), None);
    }

    #[test]
    fn update_takes_only_what_is_given() {
        let mut r = Resources {
            memory: Some(32 << 20),
            memory_swap: Some(64 << 20),
            pids_limit: Some(10),
            ..Default::default()
        };
        r.merge(&Resources {
            memory: Some(64 << 20),
            ..Default::default()
        });
        r.validate().unwrap();
        assert_eq!(r.memory_swap, Some(128 << 20));
        assert_eq!(r.pids_limit, Some(10));
    }
}
