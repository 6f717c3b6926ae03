//! Mount targets, made before the runtime mounts on them. libcontainer
//! resolves a target inside the root but will not create one through a
//! dangling symlink (an image's `/data -> /srv/data` with no /srv/data), which
//! runc and crun do: made here the same way, inside the root. Every symlink on
//! the way is read and followed by hand, `..` stops at the root, and each
//! directory is opened with RESOLVE_IN_ROOT, so nothing outside the root is
//! ever looked at or made.

use crate::engine::store::unpack::open_fd_in_root;
use nix::fcntl::{readlinkat, AtFlags};
use nix::sys::stat::{fstatat, mkdirat, Mode};
use std::collections::VecDeque;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};

/// Symlinks followed before giving up, as the kernel's limit.
const MAX_LINKS: usize = 40;

/// Makes the directory `path` inside `root` (and what is missing on the way),
/// following symlinks as the container would see them.
pub fn make_dir(root: BorrowedFd, path: &str) -> io::Result<()> {
    let mut pending: VecDeque<String> = path.split('/').map(str::to_owned).collect();
    let mut resolved: Vec<String> = Vec::new();
    let mut links = 0;
    while let Some(part) = pending.pop_front() {
        match part.as_str() {
            "" | "." => continue,
            ".." => {
                resolved.pop();
                continue;
            }
            _ => {}
        }
        let parent = open_fd_in_root(
            root.as_fd(),
            &resolved.join("/"),
            libc::O_PATH | libc::O_DIRECTORY,
        )?;
        match fstatat(
            Some(parent.as_raw_fd()),
            part.as_str(),
            AtFlags::AT_SYMLINK_NOFOLLOW,
        ) {
            Ok(st) if st.st_mode & libc::S_IFMT == libc::S_IFLNK => {
                links += 1;
                if links > MAX_LINKS {
                    return Err(io::Error::from_raw_os_error(libc::ELOOP));
                }
                let target = readlinkat(Some(parent.as_raw_fd()), part.as_str())?;
                let target = target.to_string_lossy();
                if target.starts_with('/') {
                    resolved.clear();
                }
                for p in target.split('/').rev() {
                    pending.push_front(p.to_owned());
                }
            }
            Ok(_) => resolved.push(part),
            Err(nix::Error::ENOENT) => {
                mkdirat(
                    Some(parent.as_raw_fd()),
                    part.as_str(),
                    Mode::from_bits_truncate(0o755),
                )?;
                resolved.push(part);
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn dangling_symlinks_are_made_inside_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        std::fs::create_dir(&root).unwrap();
        let outside = dir.path().join("outside");
        symlink(
            format!("../../../../..{}", outside.display()),
            root.join("escape"),
        )
        .unwrap();
        symlink("/", root.join("top")).unwrap();
        symlink("..", root.join("up")).unwrap();
        let fd = std::fs::File::open(&root).unwrap();
        make_dir(fd.as_fd(), "/escape/sub").unwrap();
        make_dir(fd.as_fd(), "/top/a/../b").unwrap();
        make_dir(fd.as_fd(), "up/up/c").unwrap();
        assert!(!outside.exists());
        assert!(root
            .join(outside.strip_prefix("/").unwrap())
            .join("sub")
            .is_dir());
        assert!(root.join("b").is_dir() && root.join("a").is_dir() && root.join("c").is_dir());
        symlink("loop", root.join("loop")).unwrap();
        assert!(make_dir(fd.as_fd(), "/loop/x").is_err());
    }
}
