//! What a container's processes tell of themselves in /proc, for a container
//! with no cgroup of its own, and what no cgroup tells: the network counters
//! of its namespace and the host's memory.

use super::{Cpu, NetIo};

/// The container's processes: its init and everything below it.
pub struct Processes {
    pids: Vec<i32>,
}

impl Processes {
    pub fn of(init: i32) -> Processes {
        let mut pids = vec![init];
        let mut i = 0;
        while i < pids.len() {
            pids.extend(super::super::top::children(pids[i]));
            i += 1;
        }
        Processes { pids }
    }

    /// utime and stime summed over the processes (their threads included).
    pub fn cpu(&self) -> Cpu {
        let tick = nanos_per_tick();
        let (user, system) = self
            .stats()
            .map(|f| (field(&f, 14) * tick, field(&f, 15) * tick))
            .fold((0, 0), |(u, s), (pu, ps)| (u + pu, s + ps));
        Cpu {
            total: user + system,
            user,
            system,
        }
    }

    /// Resident memory summed over the processes (pages they share are
    /// counted once per process, so this can be more than a cgroup counts).
    pub fn memory(&self) -> u64 {
        // SAFETY: sysconf has no memory-safety preconditions.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(1) as u64;
        self.stats().map(|f| field(&f, 24) * page).sum()
    }

    /// Processes and their threads, as a cgroup's pids.current counts them.
    pub fn tasks(&self) -> u64 {
        self.stats().map(|f| field(&f, 20)).sum()
    }

    /// Bytes read from and written to storage, where /proc lets us see them.
    pub fn block_io(&self) -> (u64, u64) {
        self.pids
            .iter()
            .filter_map(|p| crate::engine::pseudo_file::read(format!("/proc/{p}/io")).ok())
            .map(|io| {
                let value = |key: &str| {
                    io.lines()
                        .find_map(|l| l.strip_prefix(key)?.trim().parse::<u64>().ok())
                        .unwrap_or(0)
                };
                (value("read_bytes:"), value("write_bytes:"))
            })
            .fold((0, 0), |(r, w), (pr, pw)| (r + pr, w + pw))
    }

    /// Each process's stat fields from the third (its state) on.
    fn stats(&self) -> impl Iterator<Item = Vec<String>> + '_ {
        self.pids.iter().filter_map(|p| {
            let stat = crate::engine::pseudo_file::read(format!("/proc/{p}/stat")).ok()?;
            let rest = &stat[stat.rfind(')')? + 2..];
            Some(rest.split(' ').map(str::to_owned).collect())
        })
    }
}

/// Field `n` of /proc/PID/stat, counted from 1 as proc(5) does.
fn field(fields: &[String], n: usize) -> u64 {
    fields.get(n - 3).and_then(|f| f.parse().ok()).unwrap_or(0)
}

pub fn nanos_per_tick() -> u64 {
    // SAFETY: sysconf has no memory-safety preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    1_000_000_000 / ticks
}

/// The interfaces of the network namespace `pid` is in, loopback left out.
pub fn networks(pid: i32) -> Vec<NetIo> {
    crate::engine::pseudo_file::read(format!("/proc/{pid}/net/dev"))
        .map(|text| parse_net_dev(&text))
        .unwrap_or_default()
}

fn parse_net_dev(text: &str) -> Vec<NetIo> {
    text.lines()
        .skip(2)
        .filter_map(|line| {
            let (name, counters) = line.split_once(':')?;
            let c: Vec<u64> = counters
                .split_whitespace()
                .map(|n| n.parse().unwrap_or(0))
                .collect();
            let at = |i: usize| c.get(i).copied().unwrap_or(0);
            Some(NetIo {
                interface: name.trim().to_owned(),
                rx_bytes: at(0),
                rx_packets: at(1),
                rx_errors: at(2),
                rx_dropped: at(3),
                tx_bytes: at(8),
                tx_packets: at(9),
                tx_errors: at(10),
                tx_dropped: at(11),
            })
        })
        .filter(|n| n.interface != "lo")
        .collect()
}

/// The first line of /proc/stat: the time all CPUs spent in every state.
pub fn host_cpu() -> u64 {
    let stat = crate::engine::pseudo_file::read("/proc/stat").unwrap_or_default();
    let ticks: u64 = stat
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("cpu "))
        .map_or(0, |l| {
            l.split_whitespace()
                .filter_map(|n| n.parse::<u64>().ok())
                .sum()
        });
    ticks * nanos_per_tick()
}

/// MemTotal, in bytes: the limit Podman shows for a container without one.
pub fn host_memory() -> u64 {
    let meminfo = crate::engine::pseudo_file::read("/proc/meminfo").unwrap_or_default();
    meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

#[cfg(test)]
mod tests {
    use super::parse_net_dev;

    #[test]
    fn net_dev_counts_each_interface_but_loopback() {
        let text = "Inter-|   Receive                                                |  Transmit\n \
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n    \
 lo:     100       2    0    0    0     0          0         0      100       2    0    0    0     0       0          0\n  \
 tap0:    1500      10    1    2    0     0          0         0      700       5    0    3    0     0       0          0\n";
        let nets = parse_net_dev(text);
        assert_eq!(nets.len(), 1);
        let tap = &nets[0];
        assert_eq!(tap.interface, "tap0");
        assert_eq!(
            (tap.rx_bytes, tap.rx_packets, tap.rx_errors, tap.rx_dropped),
            (1500, 10, 1, 2)
        );
        assert_eq!((tap.tx_bytes, tap.tx_packets, tap.tx_dropped), (700, 5, 3));
    }
}
