//! What a container holds at a path, found as `cp` finds it (inside the
//! container's root, by a child rooted there): Docker's API reports it beside
//! an archive and checks an extraction point with it.

use super::super::rooted;
use super::super::ContainersError;
use super::{archive, base_name, first_line, open_root, path, send_line};
use crate::engine::context::Context;
use crate::engine::process::Host;
use crate::engine::store::Store;
use serde::{Deserialize, Serialize};
use std::os::fd::{AsFd, AsRawFd};

/// A file's facts, as lstat(2) gives them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathStat {
    /// The path's last name ("/" for the root).
    pub name: String,
    pub size: i64,
    /// `st_mode`: the type and permission bits.
    pub mode: u32,
    pub mtime_secs: i64,
    pub mtime_nanos: i64,
    /// A symlink's target, as an absolute path in the container.
    pub link_target: Option<String>,
}

/// The facts of `given` in container `name`; `None` when nothing is there.
/// `follow`: of what a symlink there points to (inside the root).
pub fn stat(
    ctx: &Context,
    host: &Host,
    store: &Store,
    name: &str,
    given: &str,
    follow: bool,
) -> Result<Option<PathStat>, ContainersError> {
    let wanted = path::container_path(given).map_err(ContainersError::Invalid)?;
    let what = format!("{name}:{given}");
    let work: rooted::Work = Box::new(move |root, mut sock, _own_ids| {
        let root = open_root(root)?;
        let found = archive::locate(root.as_fd(), &wanted.rel, follow)
            .and_then(|node| Ok((node.stat()?, node)));
        let answer = match found {
            Ok((st, node)) => Some(facts(&wanted.rel, &st, &node)),
            Err(e) if matches!(e.raw_os_error(), Some(libc::ENOENT | libc::ENOTDIR)) => None,
            Err(e) => return Err(format!("cannot use {what}: {e}")),
        };
        let line = serde_json::to_string(&answer).map_err(|e| e.to_string())?;
        send_line(&mut sock, &line)
    });
    let (helper, line) = first_line(rooted::spawn(ctx, host, store, name, work)?)?;
    helper.finish()?;
    serde_json::from_str(&line)
        .map_err(|e| ContainersError::Helper(format!("the copy helper's answer: {e}")))
}

fn facts(rel: &str, st: &nix::sys::stat::FileStat, node: &archive::Node) -> PathStat {
    let link_target = (st.st_mode & libc::S_IFMT == libc::S_IFLNK)
        .then(|| nix::fcntl::readlinkat(Some(node.dir.as_raw_fd()), node.name.as_c_str()).ok())
        .flatten()
        .map(|target| absolute_target(rel, &target.to_string_lossy()));
    PathStat {
        name: match rel {
            "" => "/".to_owned(),
            rel => base_name(rel),
        },
        size: st.st_size,
        mode: st.st_mode,
        mtime_secs: st.st_mtime,
        mtime_nanos: st.st_mtime_nsec,
        link_target,
    }
}

/// A link's target from the link's directory, as a path from the root.
fn absolute_target(rel: &str, target: &str) -> String {
    if target.starts_with('/') {
        return target.to_owned();
    }
    let dir = rel.rsplit_once('/').map_or("", |(dir, _)| dir);
    match path::container_path(&format!("{dir}/{target}")) {
        Ok(p) => format!("/{}", p.rel),
        Err(_) => format!("/{target}"),
    }
}

#[cfg(test)]
mod tests {
    use super::absolute_target;

    #[test]
    fn link_targets_are_read_from_the_links_directory() {
        assert_eq!(absolute_target("bin/sh", "busybox"), "/bin/busybox");
        assert_eq!(absolute_target("a/b/c", "../d"), "/a/d");
        assert_eq!(absolute_target("c", "/etc/x"), "/etc/x");
    }
}
