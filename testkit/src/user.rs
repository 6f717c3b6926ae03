//! The unprivileged users tests run coracle as.
//!
//! As root (CI): `coracle-test` with a subordinate id range and `coracle-nosub`
//! without one, created once (under a file lock, so parallel test threads and
//! processes agree). As a normal user: that user, and no second user.

use anyhow::{bail, Context, Result};
use std::fs;
use std::io::Write;
use std::process::Command;
use std::sync::OnceLock;

pub const TEST_USER: &str = "coracle-test";
pub const NOSUB_USER: &str = "coracle-nosub";
/// The range given to `coracle-test` when it has none (moved up past existing ranges).
pub const SUBID_START: u32 = 200_000;
pub const SUBID_COUNT: u32 = 65_536;

#[derive(Clone, Debug)]
pub struct TestUser {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    /// (start, count) from /etc/subuid, if any.
    pub subuid: Option<(u32, u32)>,
    pub subgid: Option<(u32, u32)>,
}

/// Whether this process is real root.
pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

impl TestUser {
    /// The user with subordinate ids that rootless tests run as.
    pub fn get() -> &'static TestUser {
        static USER: OnceLock<TestUser> = OnceLock::new();
        USER.get_or_init(|| {
            let r = if is_root() {
                ensure_users().map(|(u, _)| u)
            } else {
                current_user()
            };
            r.unwrap_or_else(|e| panic!("cannot set up the test user: {e:#}"))
        })
    }

    /// The user without subordinate ids (`coracle-nosub`); `None` when not root,
    /// after printing why the caller's test is skipped.
    pub fn nosub() -> Option<&'static TestUser> {
        static USER: OnceLock<TestUser> = OnceLock::new();
        if !is_root() {
            eprintln!("skipped: a second user without subordinate ids needs root to create");
            return None;
        }
        Some(USER.get_or_init(|| {
            ensure_users()
                .map(|(_, n)| n)
                .unwrap_or_else(|e| panic!("{e:#}"))
        }))
    }

    /// Real root, for rootful tests; `None` (with a note) when not root.
    pub fn root() -> Option<&'static TestUser> {
        static USER: OnceLock<TestUser> = OnceLock::new();
        if !is_root() {
            eprintln!("skipped: rootful mode needs the tests to run as root");
            return None;
        }
        Some(USER.get_or_init(|| TestUser {
            name: "root".into(),
            uid: 0,
            gid: 0,
            subuid: None,
            subgid: None,
        }))
    }

    pub fn is_root(&self) -> bool {
        self.uid == 0
    }

    /// The host uid that container uid `id` is stored as: itself when rootful,
    /// the user for 0, `subuid_start + id - 1` otherwise (None if unmapped).
    pub fn host_uid(&self, id: u32) -> Option<u32> {
        map_id(self.uid, self.subuid, id, self.is_root())
    }

    pub fn host_gid(&self, id: u32) -> Option<u32> {
        map_id(self.gid, self.subgid, id, self.is_root())
    }
}

fn map_id(own: u32, range: Option<(u32, u32)>, id: u32, rootful: bool) -> Option<u32> {
    if rootful {
        return Some(id);
    }
    match (id, range) {
        (0, _) => Some(own),
        (n, Some((start, count))) if n <= count => Some(start + n - 1),
        _ => None,
    }
}

fn current_user() -> Result<TestUser> {
    // SAFETY: getuid/getgid have no preconditions.
    let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
    let name = lookup_by_uid(uid)?.unwrap_or_else(|| std::env::var("USER").unwrap_or_default());
    Ok(TestUser {
        subuid: read_range("/etc/subuid", &name, uid),
        subgid: read_range("/etc/subgid", &name, uid),
        name,
        uid,
        gid,
    })
}

/// Creates both users and their subordinate ids if needed; returns (test, nosub).
fn ensure_users() -> Result<(TestUser, TestUser)> {
    let lock_path = "/run/lock/coracle-testkit-users.lock";
    let lock_path = if std::path::Path::new("/run/lock").is_dir() {
        lock_path
    } else {
        "/tmp/coracle-testkit-users.lock"
    };
    let lock = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(lock_path)?;
    // SAFETY: flock on an fd we own; released when `lock` is closed.
    if unsafe { libc::flock(std::os::fd::AsRawFd::as_raw_fd(&lock), libc::LOCK_EX) } != 0 {
        bail!("lock {lock_path}: {}", std::io::Error::last_os_error());
    }
    for f in ["/etc/subuid", "/etc/subgid"] {
        if !std::path::Path::new(f).exists() {
            fs::write(f, "")?;
        }
    }
    for name in [TEST_USER, NOSUB_USER] {
        if lookup(name)?.is_none() {
            let status = Command::new("useradd")
                .args([
                    "--no-create-home",
                    "--home-dir",
                    "/nonexistent",
                    "--shell",
                    "/bin/sh",
                    "--user-group",
                    name,
                ])
                .status()
                .context("run useradd (package passwd)")?;
            if !status.success() && lookup(name)?.is_none() {
                bail!("useradd {name} failed: {status}");
            }
        }
    }
    for f in ["/etc/subuid", "/etc/subgid"] {
        let text = fs::read_to_string(f)?;
        let mut lines: Vec<String> = text
            .lines()
            .filter(|l| l.split(':').next() != Some(NOSUB_USER))
            .map(String::from)
            .collect();
        if !lines.iter().any(|l| l.split(':').next() == Some(TEST_USER)) {
            let end = lines
                .iter()
                .filter_map(|l| {
                    let mut p = l.split(':').skip(1).map(|n| n.trim().parse::<u64>().ok());
                    Some(p.next()?? + p.next()??)
                })
                .max()
                .unwrap_or(0);
            let start =
                (SUBID_START as u64).max(end.div_ceil(SUBID_COUNT as u64) * SUBID_COUNT as u64);
            lines.push(format!("{TEST_USER}:{start}:{SUBID_COUNT}"));
        }
        let new = lines.iter().map(|l| format!("{l}\n")).collect::<String>();
        if new != text {
            let tmp = format!("{f}.coracle-testkit");
            let mut out = fs::File::create(&tmp)?;
            out.write_all(new.as_bytes())?;
            out.sync_all()?;
            fs::rename(&tmp, f)?;
        }
    }
    // Rootless networking later needs /dev/net/tun usable by the user, and the
    // fuse-overlay driver /dev/fuse (both 0666 on normal distributions, 0600
    // on some of these machines).
    let _ = Command::new("chmod")
        .args(["0666", "/dev/net/tun", "/dev/fuse"])
        .status();
    let user = |name: &str| -> Result<TestUser> {
        let (uid, gid) =
            lookup(name)?.with_context(|| format!("user {name} missing after useradd"))?;
        Ok(TestUser {
            name: name.into(),
            uid,
            gid,
            subuid: read_range("/etc/subuid", name, uid),
            subgid: read_range("/etc/subgid", name, uid),
        })
    };
    Ok((user(TEST_USER)?, user(NOSUB_USER)?))
}

/// (uid, gid) of a user name, via getent (so NSS is honoured).
fn lookup(name: &str) -> Result<Option<(u32, u32)>> {
    let out = Command::new("getent")
        .args(["passwd", name])
        .output()
        .context("run getent")?;
    if !out.status.success() {
        return Ok(None);
    }
    let line = String::from_utf8_lossy(&out.stdout);
    let f: Vec<&str> = line.trim().split(':').collect();
    Ok(Some((f[2].parse()?, f[3].parse()?)))
}

fn lookup_by_uid(uid: u32) -> Result<Option<String>> {
    let out = Command::new("getent")
        .args(["passwd", &uid.to_string()])
        .output()
        .context("run getent")?;
    Ok(out.status.success().then(|| {
        String::from_utf8_lossy(&out.stdout)
            .split(':')
            .next()
            .unwrap_or("")
            .to_string()
    }))
}

fn read_range(file: &str, name: &str, uid: u32) -> Option<(u32, u32)> {
    let text = fs::read_to_string(file).ok()?;
    text.lines().find_map(|l| {
        let f: Vec<&str> = l.trim().split(':').collect();
        (f.len() == 3 && (f[0] == name || f[0] == uid.to_string()))
            .then(|| Some((f[1].parse().ok()?, f[2].parse().ok()?)))?
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn id_mapping() {
        assert_eq!(
            super::map_id(1001, Some((200000, 65536)), 0, false),
            Some(1001)
        );
        assert_eq!(
            super::map_id(1001, Some((200000, 65536)), 1000, false),
            Some(200999)
        );
        assert_eq!(super::map_id(1001, None, 1000, false), None);
        assert_eq!(super::map_id(0, None, 1000, true), Some(1000));
    }
}
