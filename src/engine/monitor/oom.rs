//! OOM kills in a container's systemd scope. systemd removes a scope as soon
//! as it empties, so by the time the monitor has reaped an OOM-killed init the
//! scope's `memory.events` is often gone with its count. The monitor watches
//! the file instead and reads the count whenever it changes, as conmon does.

use crate::engine::containers::cgroups;
use nix::sys::inotify::{AddWatchFlags, InitFlags, Inotify};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};
use std::path::{Path, PathBuf};

pub struct OomWatch {
    inotify: Inotify,
    /// The scope's directory, whose `memory.events` is watched.
    dir: PathBuf,
    /// The most OOM kills seen in it.
    pub kills: u64,
}

impl OomWatch {
    /// A watch on the scope of the container whose cgroup is `cgroups_path`;
    /// none for a cgroup the runtime removes itself, which is still there to
    /// be read when the run ends.
    pub fn of(cgroups_path: &str) -> Option<OomWatch> {
        let dir = cgroups::systemd_scope(cgroups_path)?;
        let inotify = Inotify::init(InitFlags::IN_NONBLOCK | InitFlags::IN_CLOEXEC).ok()?;
        inotify
            .add_watch(&dir.join("memory.events"), AddWatchFlags::IN_MODIFY)
            .ok()?;
        let mut watch = OomWatch {
            inotify,
            dir,
            kills: 0,
        };
        watch.changed();
        Some(watch)
    }

    /// Takes over a watch an earlier image of the monitor passed on (handoff.rs).
    pub fn inherited(fd: OwnedFd, dir: PathBuf, kills: u64) -> OomWatch {
        // SAFETY: `fd` is an inotify descriptor this process owns alone.
        let inotify = unsafe { Inotify::from_raw_fd(fd.into_raw_fd()) };
        OomWatch {
            inotify,
            dir,
            kills,
        }
    }

    pub fn fd(&self) -> BorrowedFd<'_> {
        self.inotify.as_fd()
    }

    pub fn raw_fd(&self) -> RawFd {
        self.inotify.as_fd().as_raw_fd()
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file changed: takes the events and reads the count again.
    pub fn changed(&mut self) {
        while self.inotify.read_events().is_ok_and(|e| !e.is_empty()) {}
        self.kills = self.kills.max(cgroups::oom_kills_in(&self.dir));
    }
}
