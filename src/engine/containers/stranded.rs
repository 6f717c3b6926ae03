//! A monitor killed between building its container and starting it leaves the
//! container's init (libcontainer's, which has not exec'd) waiting to be
//! started for ever, holding the monitor lock it inherited: the container
//! would stay created and could never start again. The kernel still names the
//! monitor that took the lock as its owner; when that process is gone while
//! the lock is held, whatever holds it is such a leftover, and is killed.

use crate::engine::process::process_start;
use crate::engine::store::lock::Lock;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Kills what holds the monitor lock at `lock` once the monitor that took it
/// is gone; nothing while it lives (it is starting the container).
pub fn release(lock: &Path, id: &str) {
    let Some(owner) = owner(lock) else {
        return;
    };
    if process_start(owner).is_some() {
        return;
    }
    let Ok(path) = lock.canonicalize() else {
        return;
    };
    let holders = holders(&path);
    if holders.is_empty() {
        return;
    }
    log::warn!(
        "the monitor of container {} died before starting it: killing the init it left waiting",
        &id[..id.len().min(12)]
    );
    for pid in holders {
        let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
    }
    let _ = Lock::wait_released(lock, Duration::from_secs(2));
}

/// The pid /proc/locks gives as the owner of the flock on `lock`: the process
/// that took it, whether or not it still lives.
fn owner(lock: &Path) -> Option<i32> {
    let meta = std::fs::metadata(lock).ok()?;
    let dev = meta.dev();
    let file = format!(
        "{:02x}:{:02x}:{}",
        libc::major(dev),
        libc::minor(dev),
        meta.ino()
    );
    let locks = std::fs::read_to_string("/proc/locks").ok()?;
    locks.lines().find_map(|line| {
        // `1: FLOCK  ADVISORY  WRITE PID MAJ:MIN:INODE 0 EOF`; a waiter's line
        // has `->` before FLOCK.
        let fields: Vec<&str> = line.split_whitespace().collect();
        match fields[..] {
            [_, "FLOCK", _, _, pid, f, ..] if f == file => pid.parse().ok(),
            _ => None,
        }
    })
}

/// The processes with `path` open, but this one.
fn holders(path: &PathBuf) -> Vec<i32> {
    let me = std::process::id() as i32;
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    procs
        .flatten()
        .filter_map(|entry| {
            let pid: i32 = entry.file_name().to_str()?.parse().ok()?;
            let fds = std::fs::read_dir(entry.path().join("fd")).ok()?;
            let open = fds
                .flatten()
                .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|l| &l == path));
            (open && pid != me).then_some(pid)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::engine::store::lock::Lock;

    #[test]
    fn names_the_process_that_took_a_lock_and_who_holds_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("monitor.lock");
        let _lock = Lock::try_exclusive(&path).unwrap().unwrap();
        assert_eq!(super::owner(&path), Some(std::process::id() as i32));
        // This process is left out of the holders.
        assert!(super::holders(&path.canonicalize().unwrap()).is_empty());
    }
}
