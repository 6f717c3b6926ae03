//! `logs`: the entries of a container's json-file log, read as it grows with
//! `--follow` until its monitor is gone.

use super::state::monitor_lock_path;
use super::{ContainerConfig, ContainersError};
use crate::engine::monitor::logfile::{self, Entry};
use crate::engine::monitor::LOG_FILE;
use crate::engine::store::containers::ContainerRecord;
use crate::engine::store::lock::Lock;
use crate::engine::store::Store;
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use std::fs::File;
use std::io::Read;
use std::path::PathBuf;

/// How often `--follow` looks for more.
const POLL: std::time::Duration = std::time::Duration::from_millis(50);

#[derive(Debug, Default, Clone)]
pub struct LogOptions {
    pub follow: bool,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Only the last N entries of what is already written.
    pub tail: Option<usize>,
}

pub struct LogReader {
    file: Option<File>,
    /// Bytes of a line whose end is not written yet.
    partial: Vec<u8>,
    opts: LogOptions,
    lock: PathBuf,
    started: bool,
}

impl LogReader {
    /// The container's log; Podman's error when its driver keeps none.
    pub fn open(
        store: &Store,
        record: &ContainerRecord,
        opts: LogOptions,
    ) -> Result<LogReader, ContainersError> {
        let driver = ContainerConfig::of(record)?.log.driver;
        if !driver.keeps_file() {
            return Err(ContainersError::Conflict(format!(
                "this container is using the '{}' log driver, cannot read logs: this container is not logging output",
                driver.name()
            )));
        }
        let dir = store.container_dir(&record.id);
        Ok(LogReader {
            // No file: the container never ran detached (or was removed).
            file: File::open(dir.join(LOG_FILE)).ok(),
            partial: Vec::new(),
            opts,
            lock: monitor_lock_path(store, &record.id),
            started: false,
        })
    }

    /// The next entries to show; `None` once there will be no more.
    fn next_batch(&mut self) -> Result<Option<Vec<Entry>>, ContainersError> {
        if !self.started {
            self.started = true;
            let mut entries = self.read_new()?;
            if let Some(n) = self.opts.tail {
                entries.drain(..entries.len().saturating_sub(n));
            }
            return Ok(Some(self.within_window(entries)));
        }
        if !self.opts.follow || self.file.is_none() {
            return Ok(None);
        }
        loop {
            // Asked before reading: once the monitor is gone, what is read next is
            // everything it wrote.
            let gone = !self.monitor_alive();
            let entries = self.read_new()?;
            if !entries.is_empty() {
                return Ok(Some(self.within_window(entries)));
            }
            if gone {
                return Ok(None);
            }
            std::thread::sleep(POLL);
        }
    }

    fn monitor_alive(&self) -> bool {
        matches!(Lock::try_exclusive(&self.lock), Ok(None))
    }

    fn read_new(&mut self) -> Result<Vec<Entry>, ContainersError> {
        let Some(file) = &mut self.file else {
            return Ok(Vec::new());
        };
        file.read_to_end(&mut self.partial)
            .map_err(ContainersError::Log)?;
        let complete = self
            .partial
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let lines: Vec<u8> = self.partial.drain(..complete).collect();
        // A line that does not parse (a crash mid-write) is skipped, not fatal.
        Ok(lines
            .split(|&b| b == b'\n')
            .filter_map(logfile::parse_line)
            .collect())
    }

    fn within_window(&self, entries: Vec<Entry>) -> Vec<Entry> {
        entries
            .into_iter()
            .filter(|e| {
                let Some(t) = parse_rfc3339(&e.time) else {
                    return true;
                };
                self.opts.since.is_none_or(|s| t >= s) && self.opts.until.is_none_or(|u| t <= u)
            })
            .collect()
    }
}

impl Iterator for LogReader {
    type Item = Result<Vec<Entry>, ContainersError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_batch().transpose()
    }
}

fn parse_rfc3339(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// A time as Docker's `--since`/`--until` take it: RFC 3339 (or its date and
/// date-time prefixes, in UTC), a Go duration before now (`10s`, `1h30m`), or unix
/// seconds with an optional fraction.
pub fn parse_time(s: &str) -> Result<DateTime<Utc>, ContainersError> {
    let invalid = || {
        ContainersError::Invalid(format!(
            "invalid time {s:?}: use RFC 3339 (2006-01-02T15:04:05Z), a duration such as 10s, 5m or 1h, or unix seconds"
        ))
    };
    if let Some(t) = parse_rfc3339(s) {
        return Ok(t);
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, format) {
            return Ok(Utc.from_utc_datetime(&t));
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).ok_or_else(invalid)?));
    }
    if let Some(d) = crate::engine::duration::go_nanos(s).map(|n| Duration::nanoseconds(n as i64)) {
        return Ok(Utc::now() - d);
    }
    let (secs, frac) = s.split_once('.').unwrap_or((s, "0"));
    let secs: i64 = secs.parse().map_err(|_| invalid())?;
    let nanos: u32 = format!("{frac:0<9}")
        .get(..9)
        .and_then(|f| f.parse().ok())
        .ok_or_else(invalid)?;
    DateTime::from_timestamp(secs, nanos).ok_or_else(invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_dockers_time_forms() {
        let t = parse_time("2026-01-02T03:04:05Z").unwrap();
        assert_eq!(t.timestamp(), 1767323045);
        assert_eq!(parse_time("2026-01-02T03:04:05").unwrap(), t);
        assert_eq!(parse_time("1767323045").unwrap(), t);
        assert_eq!(
            parse_time("1767323045.5")
                .unwrap()
                .timestamp_subsec_millis(),
            500
        );
        assert_eq!(
            parse_time("2026-01-02").unwrap().timestamp(),
            1767323045 - 3 * 3600 - 4 * 60 - 5
        );
        let ago = Utc::now() - parse_time("1h30m").unwrap();
        assert!((ago.num_seconds() - 5400).abs() < 5);
        assert!(parse_time("yesterday").is_err());
        assert!(parse_time("10x").is_err());
    }
}
