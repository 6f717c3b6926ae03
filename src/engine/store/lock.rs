//! Advisory file locks (flock): released by the kernel when the holder dies, so a
//! kill -9 never leaves the store locked.

use super::StoreError;
use nix::fcntl::{Flock, FlockArg};
use std::fs::{File, OpenOptions};
use std::path::Path;

pub struct Lock {
    _held: Flock<File>,
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
        Ok(Lock { _held: held })
    }

    /// Takes an exclusive lock only if nobody holds one: `None` means in use.
    pub fn try_exclusive(path: &Path) -> Result<Option<Lock>, StoreError> {
        let file = open(path)?;
        match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
            Ok(held) => Ok(Some(Lock { _held: held })),
            Err((_, nix::Error::EWOULDBLOCK)) => Ok(None),
            Err((_, e)) => Err(StoreError::io(path, e.into())),
        }
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
