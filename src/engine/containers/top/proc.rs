//! One process as /proc tells it, read once for all the columns asked of it.

/// /proc/PID/stat, status and cmdline of one process.
pub struct Proc {
    pub pid: i32,
    pub comm: String,
    /// stat's fields from 3 (state) on, after the command name.
    fields: Vec<String>,
    status: String,
    cmdline: Vec<u8>,
    uid_map: String,
    gid_map: String,
}

impl Proc {
    pub fn read(pid: i32) -> Option<Proc> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let (open, close) = (stat.find('(')?, stat.rfind(')')?);
        let read = |name: &str| std::fs::read_to_string(format!("/proc/{pid}/{name}"));
        Some(Proc {
            pid,
            comm: stat[open + 1..close].to_owned(),
            fields: stat
                .get(close + 2..)?
                .split(' ')
                .map(str::to_owned)
                .collect(),
            status: read("status").ok()?,
            cmdline: std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default(),
            uid_map: read("uid_map").unwrap_or_default(),
            gid_map: read("gid_map").unwrap_or_default(),
        })
    }

    /// stat's field `n`, numbered as proc(5) numbers them.
    pub fn stat(&self, n: usize) -> Option<u64> {
        self.fields.get(n - 3)?.trim().parse().ok()
    }

    pub fn stat_signed(&self, n: usize) -> Option<i64> {
        self.fields.get(n - 3)?.trim().parse().ok()
    }

    pub fn state(&self) -> String {
        self.fields.first().cloned().unwrap_or_default()
    }

    pub fn status(&self, key: &str) -> Option<&str> {
        self.status.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            (k == key).then(|| v.trim())
        })
    }

    pub fn status_hex(&self, key: &str) -> Option<u64> {
        u64::from_str_radix(self.status(key)?, 16).ok()
    }

    /// The real and effective ids of status's `Uid` or `Gid` line.
    pub fn ids(&self, key: &str) -> Option<[u32; 2]> {
        let mut ids = self.status(key)?.split_whitespace();
        Some([ids.next()?.parse().ok()?, ids.next()?.parse().ok()?])
    }

    pub fn groups(&self) -> Vec<u32> {
        self.status("Groups")
            .unwrap_or_default()
            .split_whitespace()
            .filter_map(|g| g.parse().ok())
            .collect()
    }

    /// The pid in the process's own pid namespace (the last of NSpid).
    pub fn ns_pid(&self) -> i32 {
        self.status("NSpid")
            .and_then(|l| l.split_whitespace().last()?.parse().ok())
            .unwrap_or(self.pid)
    }

    pub fn inside_uid(&self, host: u32) -> u32 {
        inside(&self.uid_map, host).unwrap_or(host)
    }

    pub fn inside_gid(&self, host: u32) -> u32 {
        inside(&self.gid_map, host).unwrap_or(host)
    }

    /// The command line, or `[comm]` for a process without one, as ps shows it.
    pub fn args(&self) -> String {
        if self.cmdline.is_empty() {
            return format!("[{}]", self.comm);
        }
        let line = self.cmdline.strip_suffix(b"\0").unwrap_or(&self.cmdline);
        String::from_utf8_lossy(line).replace('\0', " ")
    }

    pub fn label(&self) -> String {
        std::fs::read_to_string(format!("/proc/{}/attr/current", self.pid))
            .ok()
            .map(|l| l.trim_end_matches(['\0', '\n']).to_owned())
            .filter(|l| !l.is_empty())
            .unwrap_or_else(|| "?".to_owned())
    }
}

/// The id inside the process's user namespace: its uid_map or gid_map, read
/// from our namespace, maps its ids (first column) to ours (second).
fn inside(map: &str, host: u32) -> Option<u32> {
    map.lines().find_map(|l| {
        let n: Vec<u32> = l
            .split_whitespace()
            .filter_map(|x| x.parse().ok())
            .collect();
        let [inside, outside, count] = n[..] else {
            return None;
        };
        (outside <= host && host - outside < count).then(|| inside + host - outside)
    })
}

/// What turns /proc's clock ticks and pages into times and sizes.
pub struct Clock {
    pub ticks: u64,
    pub page_size: u64,
    pub boot: i64,
    /// Time since boot, as /proc/uptime tells it (to the hundredth).
    pub uptime_nanos: u64,
}

impl Clock {
    pub fn read() -> Clock {
        // SAFETY: sysconf has no memory-safety preconditions.
        let (ticks, page) = unsafe {
            (
                libc::sysconf(libc::_SC_CLK_TCK),
                libc::sysconf(libc::_SC_PAGESIZE),
            )
        };
        let uptime_nanos = std::fs::read_to_string("/proc/uptime")
            .ok()
            .and_then(|u| nanos(u.split_whitespace().next()?))
            .unwrap_or(0);
        Clock {
            ticks: ticks.max(1) as u64,
            page_size: page.max(1) as u64,
            boot: chrono::Utc::now().timestamp() - (uptime_nanos / 1_000_000_000) as i64,
            uptime_nanos,
        }
    }

    /// Nanoseconds since boot at `ticks` clock ticks.
    pub fn nanos_at(&self, ticks: u64) -> u64 {
        ticks * 1_000_000_000 / self.ticks
    }
}

/// `123.45` (seconds) in nanoseconds, without a float's rounding.
fn nanos(seconds: &str) -> Option<u64> {
    let (whole, fraction) = seconds.split_once('.').unwrap_or((seconds, ""));
    let digits = fraction.len().min(9);
    let fraction: u64 = match digits {
        0 => 0,
        n => fraction[..n].parse::<u64>().ok()? * 10u64.pow(9 - n as u32),
    };
    Some(whole.parse::<u64>().ok()? * 1_000_000_000 + fraction)
}

/// `pts/N` for a pseudo-terminal (major 136-143), `?` for none.
pub fn tty_name(tty_nr: u64) -> String {
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

    #[test]
    fn reads_uptime_to_the_nanosecond() {
        assert_eq!(super::nanos("12.34"), Some(12_340_000_000));
        assert_eq!(super::nanos("7"), Some(7_000_000_000));
        assert_eq!(super::nanos("x"), None);
    }

    #[test]
    fn maps_ids_into_the_namespace() {
        let map = "         0       1001          1\n         1     100000      65536\n";
        assert_eq!(super::inside(map, 1001), Some(0));
        assert_eq!(super::inside(map, 100_999), Some(1000));
        assert_eq!(super::inside(map, 5), None);
    }
}
