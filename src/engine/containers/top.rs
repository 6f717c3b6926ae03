//! `top`: the container's processes, read from the host's /proc by walking the
//! tree down from its init. Users are shown as the container sees them.

use super::lookup::{config_of, lookup};
use super::{state, ContainersError};
use crate::engine::net::ports::PortMapping;
use crate::engine::store::Store;
use chrono::{DateTime, Local};

/// One process, in `ps -ef`'s columns.
pub struct Process {
    /// The real uid inside the container's user namespace.
    pub uid: u32,
    pub pid: i32,
    pub ppid: i32,
    /// Percent of its lifetime spent on a CPU.
    pub cpu: u64,
    pub start: DateTime<Local>,
    pub tty: String,
    /// CPU time in seconds.
    pub time: u64,
    pub cmd: String,
}

/// `ps -ef`'s column titles, for [`Process::columns`].
pub const TITLES: [&str; 8] = ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"];

impl Process {
    /// The process in `ps -ef`'s columns (STIME a clock time today, a date
    /// before), as both `top` and the API's top show it.
    pub fn columns(self) -> Vec<String> {
        let today = chrono::Local::now().date_naive();
        let stime = match self.start.date_naive() == today {
            true => self.start.format("%H:%M"),
            false => self.start.format("%b%d"),
        };
        let time = self.time;
        vec![
            self.uid.to_string(),
            self.pid.to_string(),
            self.ppid.to_string(),
            self.cpu.to_string(),
            stime.to_string(),
            self.tty,
            format!("{:02}:{:02}:{:02}", time / 3600, time / 60 % 60, time % 60),
            self.cmd,
        ]
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
    let clock = Clock::read();
    Ok(pids
        .into_iter()
        .filter_map(|p| process(p, &clock))
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

/// What turns /proc's clock ticks into times.
struct Clock {
    ticks: u64,
    boot: i64,
    uptime: f64,
}

impl Clock {
    fn read() -> Clock {
        // SAFETY: sysconf has no memory-safety preconditions.
        let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
        let uptime: f64 = std::fs::read_to_string("/proc/uptime")
            .ok()
            .and_then(|u| u.split_whitespace().next()?.parse().ok())
            .unwrap_or(0.0);
        Clock {
            ticks,
            boot: chrono::Utc::now().timestamp() - uptime as i64,
            uptime,
        }
    }
}

fn process(pid: i32, clock: &Clock) -> Option<Process> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let comm = &stat[stat.find('(')? + 1..stat.rfind(')')?];
    // Fields from 3 (state) on, after the command name.
    let fields: Vec<&str> = stat[stat.rfind(')')? + 2..].split(' ').collect();
    let field = |n: usize| fields.get(n - 3)?.parse::<u64>().ok();
    let (ppid, tty_nr) = (field(4)?, field(7)?);
    let cpu_ticks = field(14)? + field(15)?;
    let started = field(22)? as f64 / clock.ticks as f64;
    let elapsed = (clock.uptime - started).max(1.0);
    let cpu_secs = cpu_ticks / clock.ticks;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let host_uid: u32 = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    let cmd = if cmdline.is_empty() {
        format!("[{comm}]")
    } else {
        String::from_utf8_lossy(cmdline.strip_suffix(b"\0").unwrap_or(&cmdline)).replace('\0', " ")
    };
    Some(Process {
        uid: inside_uid(pid, host_uid).unwrap_or(host_uid),
        pid,
        ppid: ppid as i32,
        cpu: (cpu_ticks as f64 / clock.ticks as f64 / elapsed * 100.0) as u64,
        start: DateTime::from_timestamp(clock.boot + started as i64, 0)?.with_timezone(&Local),
        tty: tty_name(tty_nr),
        time: cpu_secs,
        cmd,
    })
}

/// The uid inside the process's user namespace: /proc/PID/uid_map, read from our
/// namespace, maps its ids (first column) to ours (second).
fn inside_uid(pid: i32, host_uid: u32) -> Option<u32> {
    let map = std::fs::read_to_string(format!("/proc/{pid}/uid_map")).ok()?;
    map.lines().find_map(|l| {
        let n: Vec<u32> = l
            .split_whitespace()
            .filter_map(|x| x.parse().ok())
            .collect();
        let [inside, outside, count] = n[..] else {
            return None;
        };
        (outside <= host_uid && host_uid - outside < count).then(|| inside + host_uid - outside)
    })
}

/// `pts/N` for a pseudo-terminal (major 136-143), `?` for none.
fn tty_name(tty_nr: u64) -> String {
    let major = (tty_nr >> 8) & 0xfff;
    let minor = (tty_nr & 0xff) | ((tty_nr >> 12) & 0xfff00);
    match major {
        0 => "?".to_owned(),
        136..=143 => format!("pts/{}", (major - 136) * 256 + minor),
        4 => format!("tty{minor}"),
        _ => "?".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_terminals() {
        assert_eq!(super::tty_name(0), "?");
        assert_eq!(super::tty_name((136 << 8) | 3), "pts/3");
    }
}
