//! `stats`: what each container uses, read when asked (there is no daemon
//! sampling in the background). Figures come from the container's own cgroup
//! where it has one (rootful, or rootless with delegation); a rootless
//! container on a host that gives it none shares its user's cgroup, so its
//! figures are summed over its processes from /proc instead, and the sample
//! says so.

mod cgroup;
mod procfs;

use super::lookup::lookup;
use super::{state, ContainersError};
use crate::engine::store::containers::ContainerRecord;
use crate::engine::store::Store;

/// One reading of one container. A container that is not running reads as
/// zeros, as Podman shows it.
#[derive(Debug, Clone, Default)]
pub struct Sample {
    pub id: String,
    pub name: String,
    pub running: bool,
    /// Unix time of the reading, in nanoseconds.
    pub read_nanos: i64,
    /// Unix time the container started, in nanoseconds.
    pub started_nanos: i64,
    pub cpu: Cpu,
    /// The host's CPU time over all its CPUs, in nanoseconds (/proc/stat), the
    /// measure Docker's clients divide a container's CPU time by.
    pub host_cpu: u64,
    pub online_cpus: u64,
    /// Bytes in use.
    pub memory: u64,
    /// The memory limit in bytes: the cgroup's, or the host's memory when
    /// that is less (or there is no cgroup), as Podman gives it.
    pub memory_limit: u64,
    /// Each network interface in the container's namespace but loopback.
    pub networks: Vec<NetIo>,
    pub block_read: u64,
    pub block_write: u64,
    /// Tasks (processes and their threads), as pids.current counts them.
    pub pids: u64,
    /// Where the figures come from.
    pub source: Source,
}

/// CPU time, in nanoseconds.
#[derive(Debug, Clone, Copy, Default)]
pub struct Cpu {
    pub total: u64,
    pub user: u64,
    pub system: u64,
}

#[derive(Debug, Clone, Default)]
pub struct NetIo {
    pub interface: String,
    pub rx_bytes: u64,
    pub rx_packets: u64,
    pub rx_errors: u64,
    pub rx_dropped: u64,
    pub tx_bytes: u64,
    pub tx_packets: u64,
    pub tx_errors: u64,
    pub tx_dropped: u64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Source {
    /// Not running: nothing was read.
    #[default]
    Nothing,
    /// The container's own cgroup.
    Cgroup,
    /// Its processes, from /proc: it has no cgroup of its own.
    Processes,
}

impl Sample {
    /// Percent of one CPU used since `previous` (of the same container), or
    /// since the container started, as Podman computes its CPU %.
    pub fn cpu_percent(&self, previous: Option<&Sample>) -> f64 {
        let (cpu, since) = match previous {
            Some(p) if p.running => (p.cpu.total, p.read_nanos),
            _ => (0, self.started_nanos),
        };
        percent(self.cpu.total.saturating_sub(cpu), self.read_nanos - since)
    }

    /// Percent of one CPU used over the container's life (Podman's AVG CPU %).
    pub fn average_cpu_percent(&self) -> f64 {
        percent(self.cpu.total, self.read_nanos - self.started_nanos)
    }

    pub fn memory_percent(&self) -> f64 {
        match self.memory_limit {
            0 => 0.0,
            limit => self.memory as f64 / limit as f64 * 100.0,
        }
    }

    pub fn net_rx(&self) -> u64 {
        self.networks.iter().map(|n| n.rx_bytes).sum()
    }

    pub fn net_tx(&self) -> u64 {
        self.networks.iter().map(|n| n.tx_bytes).sum()
    }
}

fn percent(cpu: u64, wall: i64) -> f64 {
    match wall {
        w if w > 0 && cpu > 0 => cpu as f64 / w as f64 * 100.0,
        _ => 0.0,
    }
}

/// The containers `names` gives, or every container when it is empty
/// (Podman's `stats` with no names shows those that are not running too, as
/// zeros), in the order of their IDs.
pub fn stats(store: &Store, names: &[String]) -> Result<Vec<Sample>, ContainersError> {
    let records = match names {
        [] => {
            let mut all = store.containers()?;
            all.sort_by(|a, b| a.id.cmp(&b.id));
            all.into_iter()
                .map(|r| state::refresh(store, r))
                .collect::<Result<Vec<_>, _>>()?
        }
        names => names
            .iter()
            .map(|name| {
                lookup(store, name).map_err(|e| ContainersError::Lookup {
                    name: name.clone(),
                    source: Box::new(e),
                })
            })
            .collect::<Result<Vec<_>, _>>()?,
    };
    // The host's figures once for all the containers.
    let host = Host {
        memory: procfs::host_memory(),
        cpu: procfs::host_cpu(),
        cpus: std::thread::available_parallelism().map_or(1, |n| n.get() as u64),
    };
    Ok(sample_all(&records, &host))
}

/// Reading a container's figures is a dozen small files of the kernel's, so
/// with many containers the reads are shared out over the CPUs.
fn sample_all(records: &[ContainerRecord], host: &Host) -> Vec<Sample> {
    const PER_THREAD: usize = 16;
    let threads = (records.len() / PER_THREAD).clamp(1, host.cpus as usize);
    if threads == 1 {
        return records.iter().map(|r| sample(r, host)).collect();
    }
    let chunk = records.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let workers: Vec<_> = records
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || part.iter().map(|r| sample(r, host)).collect::<Vec<_>>())
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| {
                w.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

struct Host {
    memory: u64,
    cpu: u64,
    cpus: u64,
}

fn sample(record: &ContainerRecord, host: &Host) -> Sample {
    let mut sample = Sample {
        id: record.id.clone(),
        name: record.name.clone(),
        read_nanos: chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0),
        ..Sample::default()
    };
    let Some(init) = state::live_init(&record.state) else {
        return sample;
    };
    let init = init.as_raw();
    sample.running = true;
    sample.host_cpu = host.cpu;
    sample.online_cpus = host.cpus;
    sample.started_nanos = record.state.started_ms.unwrap_or(0) * 1_000_000;
    sample.networks = procfs::networks(init);
    // Walking the process tree is the costly part: only for what the cgroup
    // does not tell.
    let walked = std::cell::OnceCell::new();
    let processes = || walked.get_or_init(|| procfs::Processes::of(init));
    match cgroup::Cgroup::of(init, &record.id) {
        Some(cg) => {
            sample.source = Source::Cgroup;
            sample.cpu = cg.cpu().unwrap_or_else(|| processes().cpu());
            sample.memory = cg.memory();
            sample.memory_limit = cg
                .memory_limit()
                .map_or(host.memory, |l| l.min(host.memory));
            sample.pids = cg.pids().unwrap_or_else(|| processes().tasks());
            (sample.block_read, sample.block_write) =
                cg.block_io().unwrap_or_else(|| processes().block_io());
        }
        None => {
            let processes = processes();
            sample.source = Source::Processes;
            sample.cpu = processes.cpu();
            sample.memory = processes.memory();
            sample.memory_limit = host.memory;
            sample.pids = processes.tasks();
            (sample.block_read, sample.block_write) = processes.block_io();
        }
    }
    sample
}
