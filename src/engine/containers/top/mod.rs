//! `top`: the container's processes, read from the host's /proc by walking the
//! tree down from its init. Users are shown as the container sees them.

mod accounts;
pub mod descriptors;
mod proc;

use super::lookup::{config_of, lookup};
use super::{state, ContainersError};
use crate::engine::net::ports::PortMapping;
use crate::engine::store::Store;
use accounts::Accounts;
use chrono::{DateTime, Local};
use proc::{Clock, Proc};

/// One process, with what both Docker's `ps -ef` columns and Podman's
/// descriptors show of it.
pub struct Process {
    /// Host pids, as Docker's top shows them.
    pub pid: i32,
    pub ppid: i32,
    /// Pids in the container's own pid namespace, as Podman's top shows them.
    pub ns_pid: i32,
    pub ns_ppid: i32,
    pub ns_pgid: i32,
    /// Real and effective uids inside the container's user namespace.
    pub uid: u32,
    pub euid: u32,
    /// Names as the container's /etc/passwd and /etc/group give them (the
    /// number where they have none): effective and real user, effective and
    /// real group, supplementary groups.
    pub user: String,
    pub ruser: String,
    pub group: String,
    pub rgroup: String,
    pub groups: String,
    /// The same on the host: user, uid, group, supplementary groups.
    pub host_user: String,
    pub host_uid: u32,
    pub host_group: String,
    pub host_groups: String,
    pub nice: i64,
    pub state: String,
    pub vsz_kib: u64,
    pub rss_kib: u64,
    /// Capability masks: ambient, inheritable, permitted, effective, bounding.
    pub caps: [u64; 5],
    /// /proc's Seccomp: 0 none, 1 strict, 2 a filter.
    pub seccomp: u8,
    /// The security label, "?" without one.
    pub label: String,
    pub start: DateTime<Local>,
    pub elapsed_nanos: u64,
    pub cpu_nanos: u64,
    pub tty: String,
    pub comm: String,
    /// The command line, or `[comm]` without one.
    pub cmd: String,
}

/// `ps -ef`'s column titles, for [`Process::columns`].
pub const TITLES: [&str; 8] = ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"];

impl Process {
    /// The process in `ps -ef`'s columns (STIME a clock time today, a date
    /// before), as the API's top shows it.
    pub fn columns(self) -> Vec<String> {
        let today = chrono::Local::now().date_naive();
        let stime = match self.start.date_naive() == today {
            true => self.start.format("%H:%M"),
            false => self.start.format("%b%d"),
        };
        let time = self.cpu_nanos / 1_000_000_000;
        vec![
            self.uid.to_string(),
            self.pid.to_string(),
            self.ppid.to_string(),
            (self.cpu_percent() as u64).to_string(),
            stime.to_string(),
            self.tty,
            format!("{:02}:{:02}:{:02}", time / 3600, time / 60 % 60, time % 60),
            self.cmd,
        ]
    }

    /// Percent of its lifetime spent on a CPU.
    pub fn cpu_percent(&self) -> f64 {
        self.cpu_nanos as f64 / self.elapsed_nanos.max(1) as f64 * 100.0
    }
}

pub fn top(store: &Store, input: &str) -> Result<Vec<Process>, ContainersError> {
    let record = lookup(store, input)?;
    let init = state::live_init(&record.state).ok_or_else(|| {
        ContainersError::Conflict("top can only be used on running containers".into())
    })?;
    let mut pids = vec![init.as_raw()];
    let mut i = 0;
    while i < pids.len() {
        pids.extend(children(pids[i]));
        i += 1;
    }
    let procs: Vec<Proc> = pids.into_iter().filter_map(Proc::read).collect();
    let clock = Clock::read();
    let inside = Accounts::of_root(&format!("/proc/{}/root", init.as_raw()));
    let host = Accounts::of_host();
    Ok(procs
        .iter()
        .filter_map(|p| process(p, &procs, &clock, &inside, &host))
        .collect())
}

/// The ports container `input` publishes, host ports as chosen at create.
pub fn ports(store: &Store, input: &str) -> Result<Vec<PortMapping>, ContainersError> {
    Ok(config_of(&lookup(store, input)?)?.ports)
}

pub(super) fn children(pid: i32) -> Vec<i32> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("children")).ok())
        .flat_map(|c| {
            c.split_whitespace()
                .filter_map(|p| p.parse().ok())
                .collect::<Vec<_>>()
        })
        .collect()
}

fn process(
    p: &Proc,
    all: &[Proc],
    clock: &Clock,
    inside: &Accounts,
    host: &Accounts,
) -> Option<Process> {
    let ppid = p.stat(4)? as i32;
    // A pid of the container's namespace for a host pid; 0 for one outside
    // it, as the init's parent is.
    let in_ns = |host_pid: i32| {
        all.iter()
            .find(|q| q.pid == host_pid)
            .map_or(0, Proc::ns_pid)
    };
    let [ruid, euid] = p.ids("Uid")?;
    let [rgid, egid] = p.ids("Gid")?;
    let groups = p.groups();
    let (uid, euid) = (p.inside_uid(ruid), p.inside_uid(euid));
    let (gid, egid) = (p.inside_gid(rgid), p.inside_gid(egid));
    let inside_groups: Vec<u32> = groups.iter().map(|g| p.inside_gid(*g)).collect();
    let started = clock.nanos_at(p.stat(22)?);
    let cpu_ticks = p.stat(14)? + p.stat(15)?;
    Some(Process {
        pid: p.pid,
        ppid,
        ns_pid: p.ns_pid(),
        ns_ppid: in_ns(ppid),
        ns_pgid: in_ns(p.stat(5)? as i32),
        uid,
        euid,
        user: inside.user(euid),
        ruser: inside.user(uid),
        group: inside.group(egid),
        rgroup: inside.group(gid),
        groups: inside.groups(&inside_groups),
        host_user: host.user(ruid),
        host_uid: ruid,
        host_group: host.group(rgid),
        host_groups: host.groups(&groups),
        nice: p.stat_signed(19)?,
        state: p.state(),
        vsz_kib: p.stat(23)? / 1024,
        rss_kib: p.stat(24)? * clock.page_size / 1024,
        caps: ["CapAmb", "CapInh", "CapPrm", "CapEff", "CapBnd"]
            .map(|k| p.status_hex(k).unwrap_or(0)),
        seccomp: p
            .status("Seccomp")
            .and_then(|s| s.parse().ok())
            .unwrap_or(0),
        label: p.label(),
        start: DateTime::from_timestamp(clock.boot + (started / 1_000_000_000) as i64, 0)?
            .with_timezone(&Local),
        elapsed_nanos: clock.uptime_nanos.saturating_sub(started),
        cpu_nanos: clock.nanos_at(cpu_ticks),
        tty: proc::tty_name(p.stat(7)?),
        comm: p.comm.clone(),
        cmd: p.args(),
    })
}
