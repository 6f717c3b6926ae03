//! Reading the log: the events already recorded that a time range asks for,
//! then, when following, each new line as it is appended (the log is polled:
//! readers are rare and short-lived, and nothing is resident to notify them).

use super::log::{CURRENT, PREVIOUS};
use super::{Event, EventLog, EventsError, Filter};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How often a follower looks for new events.
const POLL: Duration = Duration::from_millis(100);

#[derive(Debug, Clone, Default)]
pub struct EventsOptions {
    /// Unix time in nanoseconds; events before it are left out.
    pub since: Option<i64>,
    /// Unix time in nanoseconds; nothing after it is shown, and a follower
    /// stops there.
    pub until: Option<i64>,
    /// `key=value` filters (see filter.rs).
    pub filters: Vec<String>,
    /// Follow new events (until `until`, if given).
    pub stream: bool,
}

/// Events a batch at a time. A follower's batch may be empty: nothing came
/// during one poll, which gives the caller a moment to see whether its own
/// reader has gone.
pub type Batches = Box<dyn Iterator<Item = Result<Vec<Event>, EventsError>> + Send>;

pub fn read(log: &EventLog, opts: &EventsOptions) -> Result<Batches, EventsError> {
    let filter = Filter::parse(&opts.filters)?;
    let Some(dir) = log.dir() else {
        return Ok(Box::new(std::iter::empty()));
    };
    Ok(Box::new(Reader {
        dir: dir.to_owned(),
        filter,
        since: opts.since,
        until: opts.until,
        stream: opts.stream,
        current: None,
        partial: Vec::new(),
        started: false,
        finished: false,
    }))
}

struct Reader {
    dir: PathBuf,
    filter: Filter,
    since: Option<i64>,
    until: Option<i64>,
    stream: bool,
    /// The log being read, and how far.
    current: Option<File>,
    /// The start of a line whose end has not been written yet.
    partial: Vec<u8>,
    started: bool,
    finished: bool,
}

impl Iterator for Reader {
    type Item = Result<Vec<Event>, EventsError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        if !self.started {
            self.started = true;
            return Some(self.history());
        }
        Some(self.poll())
    }
}

impl Reader {
    /// What was recorded before: all of it when a time range is asked or
    /// nothing is followed, else none (a plain follower sees new events only,
    /// as Docker's).
    fn history(&mut self) -> Result<Vec<Event>, EventsError> {
        // The current log is opened first: should it be rotated meanwhile, the
        // previous one read below is this very file, and is skipped.
        let current = self.path(CURRENT);
        self.current = open(&current)?;
        let wanted = self.since.is_some() || self.until.is_some() || !self.stream;
        let mut events = Vec::new();
        if wanted {
            let previous = self.path(PREVIOUS);
            if let Some(mut file) = open(&previous)? {
                let same = match &self.current {
                    Some(current) => same_file(&file, current),
                    None => false,
                };
                if !same {
                    let mut partial = Vec::new();
                    events = self.read_from(&mut file, &previous, &mut partial)?;
                }
            }
        }
        match self.current.take() {
            Some(mut file) if wanted => {
                let mut partial = std::mem::take(&mut self.partial);
                events.extend(self.read_from(&mut file, &current, &mut partial)?);
                self.partial = partial;
                self.current = Some(file);
            }
            Some(mut file) => {
                file.seek(SeekFrom::End(0))
                    .map_err(|source| EventsError::Read {
                        path: current.clone(),
                        source,
                    })?;
                self.current = Some(file);
            }
            None => {}
        }
        self.finished = !self.stream || self.past_until();
        Ok(events)
    }

    /// New events since the last look; none after a pause when nothing came.
    fn poll(&mut self) -> Result<Vec<Event>, EventsError> {
        let path = self.path(CURRENT);
        let mut events = Vec::new();
        if let Some(mut file) = self.current.take() {
            let mut partial = std::mem::take(&mut self.partial);
            events = self.read_from(&mut file, &path, &mut partial)?;
            self.partial = partial;
            // Rotated: what was appended to the old file is read above, what
            // comes next goes to a new one, read from its start.
            let rotated = match std::fs::metadata(&path) {
                Ok(now) => {
                    let ours = file.metadata().ok();
                    ours.is_none_or(|m| m.ino() != now.ino() || m.dev() != now.dev())
                }
                Err(_) => false,
            };
            self.current = match rotated {
                true => {
                    self.partial.clear();
                    open(&path)?
                }
                false => Some(file),
            };
        } else {
            self.current = open(&path)?;
        }
        if self.past_until() {
            self.finished = true;
        } else if events.is_empty() {
            std::thread::sleep(POLL);
        }
        Ok(events)
    }

    /// The complete lines from `file`'s position on that the filters and the
    /// time range let through; a line still being written waits in `partial`.
    fn read_from(
        &self,
        file: &mut File,
        path: &Path,
        partial: &mut Vec<u8>,
    ) -> Result<Vec<Event>, EventsError> {
        file.read_to_end(partial)
            .map_err(|source| EventsError::Read {
                path: path.to_owned(),
                source,
            })?;
        let complete = partial
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let events = partial[..complete]
            .split(|&b| b == b'\n')
            .filter(|line| !line.is_empty())
            // A line a crash cut short is skipped, not fatal.
            .filter_map(|line| serde_json::from_slice::<Event>(line).ok())
            .filter(|e| self.in_range(e) && self.filter.matches(e))
            .collect();
        partial.drain(..complete);
        Ok(events)
    }

    fn in_range(&self, event: &Event) -> bool {
        self.since.is_none_or(|s| event.time_nano >= s)
            && self.until.is_none_or(|u| event.time_nano <= u)
    }

    fn past_until(&self) -> bool {
        self.until.is_some_and(|u| super::event::now_nanos() > u)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

fn open(path: &Path) -> Result<Option<File>, EventsError> {
    match File::open(path) {
        Ok(file) => Ok(Some(file)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(EventsError::Read {
            path: path.to_owned(),
            source,
        }),
    }
}

fn same_file(a: &File, b: &File) -> bool {
    match (a.metadata(), b.metadata()) {
        (Ok(a), Ok(b)) => a.ino() == b.ino() && a.dev() == b.dev(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::events::Type;

    fn collect(log: &EventLog, opts: &EventsOptions) -> Vec<Event> {
        read(log, opts)
            .unwrap()
            .flat_map(|batch| batch.unwrap())
            .collect()
    }

    #[test]
    fn appends_and_reads_back_with_filters_and_times() {
        let dir = tempfile::tempdir().unwrap();
        let log = EventLog::new(dir.path().join("events"));
        let all = EventsOptions::default();
        assert!(collect(&log, &all).is_empty(), "no log yet");
        let create = Event::container("create", "c1", "web", "busybox");
        let mut start = Event::container("start", "c1", "web", "busybox");
        start.time_nano = create.time_nano + 10;
        log.record(create.clone());
        log.record(start.clone());
        log.record(Event::new(Type::Volume, "create", "v1"));
        assert_eq!(collect(&log, &all).len(), 3);
        let containers = EventsOptions {
            filters: vec!["type=container".into()],
            ..EventsOptions::default()
        };
        assert_eq!(
            collect(&log, &containers),
            vec![create.clone(), start.clone()]
        );
        let since = EventsOptions {
            since: Some(start.time_nano),
            until: Some(start.time_nano),
            ..EventsOptions::default()
        };
        assert_eq!(collect(&log, &since), vec![start]);
    }

    #[test]
    fn rotates_and_reads_across_the_rotation() {
        let dir = tempfile::tempdir().unwrap();
        let log = EventLog::with_max_size(dir.path().to_owned(), 300);
        for i in 0..20 {
            log.record(Event::new(Type::Volume, "create", &format!("v{i}")));
        }
        // The last write may have moved the log aside: no current one yet.
        let size = |name: &str| std::fs::metadata(dir.path().join(name)).map_or(0, |m| m.len());
        assert!(size(CURRENT) <= 300 + 100 && size(PREVIOUS) <= 300 + 100);
        let events = collect(&log, &EventsOptions::default());
        assert!(events.len() < 20 && events.len() >= 4, "{}", events.len());
        assert_eq!(events.last().unwrap().id, "v19");
    }

    #[test]
    fn a_follower_sees_new_events_only_and_skips_torn_lines() {
        let dir = tempfile::tempdir().unwrap();
        let log = EventLog::new(dir.path().to_owned());
        log.record(Event::new(Type::Volume, "create", "old"));
        let opts = EventsOptions {
            stream: true,
            ..EventsOptions::default()
        };
        let mut batches = read(&log, &opts).unwrap();
        assert!(batches.next().unwrap().unwrap().is_empty());
        log.record(Event::new(Type::Volume, "create", "new"));
        let batch = batches.next().unwrap().unwrap();
        assert_eq!(batch.len(), 1);
        assert_eq!(batch[0].id, "new");
        // Half a line waits for its end.
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(dir.path().join(CURRENT))
            .unwrap();
        std::io::Write::write_all(&mut file, b"{\"Type\":\"volume\",").unwrap();
        assert!(batches.next().unwrap().unwrap().is_empty());
        std::io::Write::write_all(
            &mut file,
            b"\"Action\":\"remove\",\"ID\":\"new\",\"TimeNano\":1}\nnot json\n",
        )
        .unwrap();
        let batch = batches.next().unwrap().unwrap();
        assert_eq!(batch.len(), 1);
        assert_eq!(batch[0].action, "remove");
    }

    #[test]
    fn recording_is_cheap() {
        let dir = tempfile::tempdir().unwrap();
        let log = EventLog::new(dir.path().to_owned());
        let started = std::time::Instant::now();
        for i in 0..200 {
            log.record(Event::container(
                "start",
                &format!("{i:064}"),
                "web",
                "busybox",
            ));
        }
        let each = started.elapsed() / 200;
        assert!(each < Duration::from_millis(1), "{each:?} an event");
    }
}
