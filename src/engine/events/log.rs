//! Appending to the log. Many processes append at once (commands, monitors,
//! the service's requests): each event is one line written with a single
//! write(2) on an O_APPEND descriptor, which the kernel never interleaves with
//! another's. The log is capped as Podman caps its own (1 MB): past that it is
//! renamed to `events.log.1`, replacing the one before, so the two together
//! never hold much more than twice the cap.

use super::Event;
use crate::engine::store::lock::{Kind, Lock};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

pub(super) const CURRENT: &str = "events.log";
pub(super) const PREVIOUS: &str = "events.log.1";
const MAX_SIZE: u64 = 1_000_000;
/// Lines stay small, so that writing one is cheap; a container with many
/// labels has them left out of its events past this.
const MAX_LINE: usize = 4096;
/// The attributes kept when the labels do not fit.
const ESSENTIAL: [&str; 5] = ["name", "image", "exitCode", "signal", "container"];

#[derive(Debug, Clone, Default)]
pub struct EventLog {
    /// None: this store records nothing (a store opened by a unit test).
    dir: Option<PathBuf>,
    /// The most the log may grow to before it is rotated.
    max_size: u64,
}

impl EventLog {
    pub fn new(dir: PathBuf) -> EventLog {
        EventLog {
            dir: Some(dir),
            max_size: MAX_SIZE,
        }
    }

    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// Appends `event`. An event that cannot be recorded is worth a warning,
    /// never the failure of what it reports.
    pub fn record(&self, event: Event) {
        let Some(dir) = &self.dir else {
            return;
        };
        if let Err(e) = self.append(dir, &event) {
            log::warn!(
                "cannot record the {} {} event in {}: {e}",
                event.kind.as_str(),
                event.action,
                dir.display()
            );
        }
    }

    fn append(&self, dir: &Path, event: &Event) -> std::io::Result<()> {
        let line = line_of(event)?;
        let path = dir.join(CURRENT);
        let file = match open(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(dir)?;
                open(&path)?
            }
            other => other?,
        };
        let written = (&file).write(&line)?;
        if written != line.len() {
            return Err(std::io::Error::other("the event was written in part"));
        }
        if file.metadata()?.len() > self.max_size {
            rotate(dir, &file)?;
        }
        Ok(())
    }
}

fn open(path: &Path) -> std::io::Result<File> {
    OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o600)
        .open(path)
}

/// The event as one line, its labels dropped if they make it too long.
fn line_of(event: &Event) -> std::io::Result<Vec<u8>> {
    let mut line = serde_json::to_vec(event)?;
    if line.len() > MAX_LINE {
        let mut small = event.clone();
        small
            .attributes
            .retain(|k, _| ESSENTIAL.contains(&k.as_str()));
        line = serde_json::to_vec(&small)?;
    }
    line.push(b'\n');
    Ok(line)
}

/// Moves the full log aside. Two writers may both find it full: under the lock,
/// only one that still finds its own file there moves it.
fn rotate(dir: &Path, written: &File) -> std::io::Result<()> {
    let _lock =
        Lock::acquire(&dir.join("events.lock"), Kind::Exclusive).map_err(std::io::Error::other)?;
    let current = dir.join(CURRENT);
    let ours = written.metadata()?;
    match std::fs::metadata(&current) {
        Ok(now) if now.ino() == ours.ino() && now.dev() == ours.dev() => {
            std::fs::rename(&current, dir.join(PREVIOUS))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
impl EventLog {
    pub(super) fn with_max_size(dir: PathBuf, max_size: u64) -> EventLog {
        EventLog {
            dir: Some(dir),
            max_size,
        }
    }
}
