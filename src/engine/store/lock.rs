//! Advisory file locks (flock): released by the kernel when the holder dies, so a
//! kill -9 never leaves the store locked.

use super::StoreError;
use nix::fcntl::{Flock, FlockArg};
use std::fs::{File, OpenOptions};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::Path;
use std::time::{Duration, Instant};

pub struct Lock {
    held: Flock<File>,
}

#[derive(Clone, Copy)]
pub enum Kind {
    Shared,
    Exclusive,
}

impl Lock {
    pub fn acquire(path: &Path, kind: Kind) -> Result<Lock, StoreError> {
        let arg = match kind {
            Kind::Shared => FlockArg::LockShared,
            Kind::Exclusive => FlockArg::LockExclusive,
        };
        let file = open(path)?;
        let held = Flock::lock(file, arg).map_err(|(_, e)| StoreError::io(path, e.into()))?;
        Ok(Lock { held })
    }

    /// Takes an exclusive lock only if nobody holds one: `None` means in use.
    pub fn try_exclusive(path: &Path) -> Result<Option<Lock>, StoreError> {
        let file = open(path)?;
        match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
            Ok(held) => Ok(Some(Lock { held })),
            Err((_, nix::Error::EWOULDBLOCK)) => Ok(None),
            Err((_, e)) => Err(StoreError::io(path, e.into())),
        }
    }

    /// As `acquire`, but only on a lock file that exists (an error when there
    /// is none): a holder that removes its file on its way out (a monitor
    /// removing its container) must not find a new file in the directory it
    /// is deleting.
    pub fn acquire_existing(path: &Path, kind: Kind) -> Result<Lock, StoreError> {
        let arg = match kind {
            Kind::Shared => FlockArg::LockShared,
            Kind::Exclusive => FlockArg::LockExclusive,
        };
        let file = open_existing(path)?;
        let held = Flock::lock(file, arg).map_err(|(_, e)| StoreError::io(path, e.into()))?;
        Ok(Lock { held })
    }

    /// As `try_exclusive`, but only on a lock file that exists (see
    /// `acquire_existing`).
    pub fn try_exclusive_existing(path: &Path) -> Result<Option<Lock>, StoreError> {
        let file = open_existing(path)?;
        match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
            Ok(held) => Ok(Some(Lock { held })),
            Err((_, nix::Error::EWOULDBLOCK)) => Ok(None),
            Err((_, e)) => Err(StoreError::io(path, e.into())),
        }
    }

    /// As `try_exclusive_existing`, trying again for at most `timeout` while
    /// someone holds it.
    pub fn exclusive_existing_within(
        path: &Path,
        timeout: Duration,
    ) -> Result<Option<Lock>, StoreError> {
        let deadline = Instant::now() + timeout;
        loop {
            let lock = Lock::try_exclusive_existing(path)?;
            if lock.is_some() || Instant::now() >= deadline {
                return Ok(lock);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Waits (at most `timeout`) for whoever holds the lock on the file now at
    /// `path` to let go: true once nobody holds it, or when there is no such file.
    /// The same file is watched throughout, so a holder that removes it on its
    /// way out (a monitor removing its container) is waited for, not mistaken
    /// for gone by a lock taken on a new file at the same path.
    pub fn wait_released(path: &Path, timeout: Duration) -> Result<bool, StoreError> {
        let mut file = match OpenOptions::new().write(true).open(path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(true),
            Err(e) => return Err(StoreError::io(path, e)),
        };
        let deadline = Instant::now() + timeout;
        // A holder that is about to let go (a container that took its stop
        // signal) mostly does so within a few milliseconds: look often at
        // first, then every 10 ms.
        let mut pause = Duration::from_millis(1);
        loop {
            match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
                Ok(_) => return Ok(true),
                Err((again, nix::Error::EWOULDBLOCK)) => file = again,
                Err((_, e)) => return Err(StoreError::io(path, e.into())),
            }
            if Instant::now() >= deadline {
                return Ok(false);
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(10));
        }
    }

    /// Takes ownership of a lock held through an inherited descriptor (a monitor
    /// that exec'd itself): locking the same open file again cannot block.
    pub fn adopt(fd: OwnedFd) -> std::io::Result<Lock> {
        match Flock::lock(File::from(fd), FlockArg::LockExclusiveNonblock) {
            Ok(held) => Ok(Lock { held }),
            Err((_, e)) => Err(e.into()),
        }
    }
}

impl AsFd for Lock {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.held.as_fd()
    }
}

fn open(path: &Path) -> Result<File, StoreError> {
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|e| StoreError::io(path, e))
}

fn open_existing(path: &Path) -> Result<File, StoreError> {
    OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| StoreError::io(path, e))
}
