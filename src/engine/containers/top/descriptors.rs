//! Podman's `top` descriptors (psgo's AIX format descriptors): each names a
//! column, by its long name (`pcpu`) or its code (`%C`).

use super::Process;
use crate::engine::duration::go_string;
use crate::engine::runtime::caps;

/// The columns when none are asked for: `ps -ef`'s, as Podman picks them.
pub const DEFAULT: [&str; 8] = [
    "user", "pid", "ppid", "pcpu", "etime", "tty", "time", "args",
];

/// Long name, code, header.
const DESCRIPTORS: [(&str, &str, &str); 32] = [
    ("pcpu", "%C", "%CPU"),
    ("group", "%G", "GROUP"),
    ("groups", "", "GROUPS"),
    ("ppid", "%P", "PPID"),
    ("user", "%U", "USER"),
    ("uid", "", "UID"),
    ("args", "%a", "COMMAND"),
    ("comm", "%c", "COMMAND"),
    ("rgroup", "%g", "RGROUP"),
    ("nice", "%n", "NI"),
    ("pid", "%p", "PID"),
    ("pgid", "%r", "PGID"),
    ("etime", "%t", "ELAPSED"),
    ("ruser", "%u", "RUSER"),
    ("time", "%x", "TIME"),
    ("tty", "%y", "TTY"),
    ("vsz", "%z", "VSZ"),
    ("capamb", "", "AMBIENT CAPS"),
    ("capinh", "", "INHERITED CAPS"),
    ("capprm", "", "PERMITTED CAPS"),
    ("capeff", "", "EFFECTIVE CAPS"),
    ("capbnd", "", "BOUNDING CAPS"),
    ("seccomp", "", "SECCOMP"),
    ("label", "", "LABEL"),
    ("hpid", "", "HPID"),
    ("huser", "", "HUSER"),
    ("huid", "", "HUID"),
    ("hgroup", "", "HGROUP"),
    ("hgroups", "", "HGROUPS"),
    ("rss", "", "RSS"),
    ("state", "", "STATE"),
    ("stime", "", "STIME"),
];

/// Each word of `options` as a descriptor's long name, or None when one is
/// not a descriptor (then they are options for the container's own ps).
/// Words may be given apart or joined by commas.
pub fn parse(options: &[String]) -> Option<Vec<&'static str>> {
    let words: Vec<&str> = options
        .iter()
        .flat_map(|o| o.split(','))
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() {
        return Some(DEFAULT.to_vec());
    }
    words
        .iter()
        .map(|w| {
            DESCRIPTORS
                .iter()
                .find(|(name, code, _)| w == name || w == code)
                .map(|(name, ..)| *name)
        })
        .collect()
}

/// The header and a row per process, in the columns `descriptors` names.
pub fn table(processes: &[Process], descriptors: &[&str]) -> Vec<Vec<String>> {
    let header = descriptors
        .iter()
        .map(|d| {
            DESCRIPTORS
                .iter()
                .find(|(name, ..)| name == d)
                .map_or_else(String::new, |(.., header)| header.to_string())
        })
        .collect();
    let rows = processes
        .iter()
        .map(|p| descriptors.iter().map(|d| value(p, d)).collect());
    std::iter::once(header).chain(rows).collect()
}

fn value(p: &Process, descriptor: &str) -> String {
    match descriptor {
        "pcpu" => format!("{:.3}", p.cpu_percent()),
        "group" => p.group.clone(),
        "groups" => p.groups.clone(),
        "ppid" => p.ns_ppid.to_string(),
        "user" => p.user.clone(),
        "uid" => p.euid.to_string(),
        "args" => p.cmd.clone(),
        "comm" => p.comm.clone(),
        "rgroup" => p.rgroup.clone(),
        "nice" => p.nice.to_string(),
        "pid" => p.ns_pid.to_string(),
        "pgid" => p.ns_pgid.to_string(),
        "etime" => go_string(p.elapsed_nanos),
        "ruser" => p.ruser.clone(),
        "time" => go_string(p.cpu_nanos),
        "tty" => p.tty.clone(),
        "vsz" => p.vsz_kib.to_string(),
        "capamb" => capabilities(p.caps[0]),
        "capinh" => capabilities(p.caps[1]),
        "capprm" => capabilities(p.caps[2]),
        "capeff" => capabilities(p.caps[3]),
        "capbnd" => capabilities(p.caps[4]),
        "seccomp" => ["disabled", "strict", "filter"]
            .get(p.seccomp as usize)
            .unwrap_or(&"?")
            .to_string(),
        "label" => p.label.clone(),
        "hpid" => p.pid.to_string(),
        "huser" => p.host_user.clone(),
        "huid" => p.host_uid.to_string(),
        "hgroup" => p.host_group.clone(),
        "hgroups" => p.host_groups.clone(),
        "rss" => p.rss_kib.to_string(),
        "state" => p.state.clone(),
        "stime" => start_time(p),
        _ => String::new(),
    }
}

/// A capability mask as names without `CAP_`, sorted; "full" for every
/// capability the kernel has, "none" for none.
fn capabilities(mask: u64) -> String {
    let all = (1u64 << caps::BY_NUMBER.len()) - 1;
    if mask & all == all {
        return "full".to_owned();
    }
    let mut names: Vec<&str> = caps::BY_NUMBER
        .iter()
        .enumerate()
        .filter(|(bit, _)| mask & (1 << bit) != 0)
        .map(|(_, name)| name.trim_start_matches("CAP_"))
        .collect();
    if names.is_empty() {
        return "none".to_owned();
    }
    names.sort_unstable();
    names.join(",")
}

/// Go's `time.Time.String` to the second: `2026-12-06 23:04:46 +0000 UTC`.
fn start_time(p: &Process) -> String {
    let zone = match p.start.offset().local_minus_utc() {
        0 => "UTC".to_owned(),
        _ => p.start.format("%z").to_string(),
    };
    format!("{} {zone}", p.start.format("%Y-%m-%d %H:%M:%S %z"))
}

#[cfg(test)]
mod tests {
    use super::{capabilities, parse};

    #[test]
    fn reads_descriptors_by_name_or_code_apart_or_joined() {
        let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(parse(&[]), Some(super::DEFAULT.to_vec()));
        assert_eq!(
            parse(&words(&["pid,%U", "args"])),
            Some(vec!["pid", "user", "args"])
        );
        assert_eq!(parse(&words(&["-eo", "pid"])), None);
        assert_eq!(parse(&words(&["bogus"])), None);
    }

    #[test]
    fn names_capabilities_as_psgo() {
        assert_eq!(capabilities(0), "none");
        assert_eq!(capabilities(u64::MAX), "full");
        assert_eq!(capabilities(0b1 | 1 << 5), "CHOWN,KILL");
    }
}
