//! The resource-limit flags: those `run`, `create` and `update` share, and
//! those only `run` and `create` take (Podman 4.3's `update` has no
//! `--pids-limit`, `--oom-*` or `--cgroup-*`).

use super::unsupported::ignored;
use crate::engine::containers::resources::{DeviceLimit, Resources};
use crate::engine::containers::settings::parse_size;
use anyhow::bail;
use clap::builder::StringValueParser;

#[derive(clap::Args)]
pub struct LimitArgs {
    /// Memory limit: <number>[<unit>], unit b, k, m or g
    #[arg(short, long, value_name = "SIZE")]
    memory: Option<String>,
    /// Swap limit equal to memory plus swap: '-1' to enable unlimited swap
    #[arg(long, value_name = "SIZE")]
    memory_swap: Option<String>,
    /// Memory soft limit: <number>[<unit>]
    #[arg(long, value_name = "SIZE")]
    memory_reservation: Option<String>,
    /// Tune container memory swappiness (0 to 100, or -1 for system default)
    #[arg(long, default_value_t = -1, allow_negative_numbers = true)]
    memory_swappiness: i64,
    /// Number of CPUs. The default is 0.000 which means no limit
    #[arg(long)]
    cpus: Option<f64>,
    /// CPU shares (relative weight)
    #[arg(short = 'c', long)]
    cpu_shares: Option<u64>,
    /// Limit the CPU CFS (Completely Fair Scheduler) quota
    #[arg(long, allow_negative_numbers = true)]
    cpu_quota: Option<i64>,
    /// Limit the CPU CFS (Completely Fair Scheduler) period
    #[arg(long)]
    cpu_period: Option<u64>,
    /// Limit the CPU real-time period in microseconds
    #[arg(long)]
    cpu_rt_period: Option<u64>,
    /// Limit the CPU real-time runtime in microseconds
    #[arg(long, allow_negative_numbers = true)]
    cpu_rt_runtime: Option<i64>,
    /// CPUs in which to allow execution (0-3, 0,1)
    #[arg(long)]
    cpuset_cpus: Option<String>,
    /// Memory nodes (MEMs) in which to allow execution (0-3, 0,1)
    #[arg(long)]
    cpuset_mems: Option<String>,
    /// Block IO weight (relative weight): 10 to 1000
    #[arg(long)]
    blkio_weight: Option<String>,
    /// Block IO weight of a device: DEVICE_NAME:WEIGHT
    #[arg(long, value_name = "DEVICE_NAME:WEIGHT")]
    blkio_weight_device: Vec<String>,
    /// Limit read rate (bytes per second) from a device (e.g. --device-read-bps=/dev/sda:1mb)
    #[arg(long, value_name = "DEVICE:RATE")]
    device_read_bps: Vec<String>,
    /// Limit read rate (IO per second) from a device (e.g. --device-read-iops=/dev/sda:1000)
    #[arg(long, value_name = "DEVICE:RATE")]
    device_read_iops: Vec<String>,
    /// Limit write rate (bytes per second) to a device (e.g. --device-write-bps=/dev/sda:1mb)
    #[arg(long, value_name = "DEVICE:RATE")]
    device_write_bps: Vec<String>,
    /// Limit write rate (IO per second) to a device (e.g. --device-write-iops=/dev/sda:1000)
    #[arg(long, value_name = "DEVICE:RATE")]
    device_write_iops: Vec<String>,
}

#[derive(clap::Args)]
pub struct CreateLimitArgs {
    #[command(flatten)]
    limits: LimitArgs,
    /// Tune container pids limit (-1 for unlimited; default 2048 where cgroups enforce it)
    #[arg(long, allow_negative_numbers = true)]
    pids_limit: Option<i64>,
    /// Disable OOM Killer
    #[arg(long)]
    oom_kill_disable: bool,
    /// Tune the host's OOM preferences (-1000 to 1000)
    #[arg(long, allow_negative_numbers = true)]
    oom_score_adj: Option<i32>,
    /// Configure cgroup v2 (key=value)
    #[arg(long, value_name = "KEY=VALUE")]
    cgroup_conf: Vec<String>,
    /// Optional parent cgroup for the container
    #[arg(long, value_name = "PATH")]
    cgroup_parent: Option<String>,
    /// Control container cgroup configuration: enabled, or no-conmon (the same
    /// here: coracle's monitor never joins the container's cgroup)
    #[arg(long, default_value = "enabled", value_name = "MODE")]
    cgroups: String,
    /// Kernel memory limit (ignored: the kernel no longer has kernel memory limits; a no-op in Podman too)
    #[arg(long, value_name = "SIZE", value_parser = ignored(StringValueParser::new()))]
    kernel_memory: Option<String>,
}

impl LimitArgs {
    /// The limits as given, checked as Podman checks them.
    pub fn plan(&self) -> anyhow::Result<Resources> {
        let size = |text: &Option<String>| -> anyhow::Result<Option<i64>> {
            Ok(text
                .as_deref()
                .map(|t| parse_size("memory", t).map_err(|_| size_error(t)))
                .transpose()?
                .map(|b| b as i64))
        };
        let mut r = Resources {
            memory: size(&self.memory)?,
            memory_swap: match self.memory_swap.as_deref() {
                Some("-1") => Some(-1),
                _ => size(&self.memory_swap)?,
            },
            memory_reservation: size(&self.memory_reservation)?,
            memory_swappiness: match self.memory_swappiness {
                -1 => None,
                s if s < -1 => bail!("invalid value: {s}, valid memory swappiness range is 0-100"),
                s => Some(s as u64),
            },
            cpu_shares: self.cpu_shares,
            cpu_quota: self.cpu_quota,
            cpu_period: self.cpu_period,
            cpu_rt_period: self.cpu_rt_period,
            cpu_rt_runtime: self.cpu_rt_runtime,
            cpuset_cpus: self.cpuset_cpus.clone(),
            cpuset_mems: self.cpuset_mems.clone(),
            blkio_weight: self
                .blkio_weight
                .as_deref()
                .map(|w| {
                    w.parse::<u16>().map_err(|_| {
                        anyhow::anyhow!("invalid value for blkio-weight: strconv.ParseUint: parsing {w:?}: invalid syntax")
                    })
                })
                .transpose()?,
            blkio_weight_device: self
                .blkio_weight_device
                .iter()
                .map(|d| DeviceLimit::parse_weight(d))
                .collect::<Result<_, _>>()?,
            device_read_bps: rates(&self.device_read_bps, true)?,
            device_write_bps: rates(&self.device_write_bps, true)?,
            device_read_iops: rates(&self.device_read_iops, false)?,
            device_write_iops: rates(&self.device_write_iops, false)?,
            ..Default::default()
        };
        Resources::check_cpus_alone(
            self.cpus.is_some(),
            self.cpu_quota.is_some(),
            self.cpu_period.is_some(),
        )?;
        if let Some(cpus) = self.cpus {
            r.set_cpus(cpus)?;
        }
        Ok(r)
    }
}

impl CreateLimitArgs {
    pub fn plan(&self) -> anyhow::Result<Resources> {
        match self.cgroups.as_str() {
            "enabled" | "no-conmon" => {}
            mode @ ("disabled" | "split") => bail!(
                "coracle does not support --cgroups={mode}: libcontainer always gives the container a cgroup of its own (under /coracle)"
            ),
            mode => bail!("running container create option: invalid cgroup mode {mode:?}: invalid argument"),
        }
        let mut r = self.limits.plan()?;
        r.pids_limit = self.pids_limit;
        r.oom_kill_disable = self.oom_kill_disable;
        r.oom_score_adj = self.oom_score_adj;
        r.cgroup_parent = self.cgroup_parent.clone();
        for conf in &self.cgroup_conf {
            match conf.split_once('=') {
                Some((k, v)) if !k.is_empty() => r.unified.push((k.to_owned(), v.to_owned())),
                _ => bail!("--cgroup-conf must be formatted KEY=VALUE"),
            }
        }
        Ok(r)
    }
}

/// Podman's words for a size it cannot read (the same for every memory flag).
fn size_error(text: &str) -> anyhow::Error {
    anyhow::anyhow!("invalid value for memory: invalid size: '{text}'")
}

fn rates(flags: &[String], bytes: bool) -> anyhow::Result<Vec<DeviceLimit>> {
    Ok(flags
        .iter()
        .map(|f| DeviceLimit::parse_rate(f, bytes))
        .collect::<Result<_, _>>()?)
}
