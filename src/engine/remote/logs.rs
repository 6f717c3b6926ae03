//! `logs` over the API: the log stream asked for with timestamps, so that each
//! entry comes back with its time as the local log file holds it.

use super::client::{Payload, Reply};
use super::{flag, path, segment, RemoteEngine, RemoteError};
use crate::engine::containers::logs::LogOptions;
use crate::engine::interface::{Error, LogBatches, LogEntry, LogStream};
use crate::wire::frames::{self, STDERR};
use std::io::{BufRead, BufReader, Read};

impl RemoteEngine {
    pub(super) fn log_batches(
        &self,
        name: &str,
        opts: &LogOptions,
    ) -> Result<LogBatches, RemoteError> {
        let time = |t: chrono::DateTime<chrono::Utc>| {
            format!("{}.{:09}", t.timestamp(), t.timestamp_subsec_nanos())
        };
        let mut query = vec![
            ("stdout", flag(true)),
            ("stderr", flag(true)),
            ("timestamps", flag(true)),
            ("follow", flag(opts.follow)),
            ("tail", opts.tail.map_or("all".into(), |n| n.to_string())),
        ];
        query.extend(opts.since.map(|t| ("since", time(t))));
        query.extend(opts.until.map(|t| ("until", time(t))));
        let path = path(&format!("/containers/{}/logs", segment(name)), &query);
        let reply = self.client.call("GET", &path, Payload::None)?;
        Ok(Box::new(Batches::new(reply)))
    }
}

/// A batch per frame (or per line of a TTY's raw stream).
struct Batches {
    multiplexed: bool,
    input: BufReader<crate::wire::body::Body<BufReader<std::os::unix::net::UnixStream>>>,
}

impl Batches {
    fn new(reply: Reply) -> Batches {
        let multiplexed = reply
            .header("content-type")
            .is_none_or(|ct| !ct.contains("raw-stream"));
        Batches {
            multiplexed,
            input: BufReader::new(reply.body),
        }
    }

    fn next_frame(&mut self) -> std::io::Result<Option<(LogStream, Vec<u8>)>> {
        if self.multiplexed {
            return Ok(frames::read_frame(&mut self.input)?.map(|(stream, bytes)| {
                let stream = match stream {
                    STDERR => LogStream::Stderr,
                    _ => LogStream::Stdout,
                };
                (stream, bytes)
            }));
        }
        let mut line = Vec::new();
        self.input.by_ref().read_until(b'\n', &mut line)?;
        Ok((!line.is_empty()).then_some((LogStream::Stdout, line)))
    }
}

impl Iterator for Batches {
    type Item = Result<Vec<LogEntry>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.next_frame() {
            Ok(Some((stream, bytes))) => Some(Ok(entries(stream, &bytes))),
            Ok(None) => None,
            Err(e) => Some(Err(RemoteError::from(e).into())),
        }
    }
}

/// The entries of a frame: lines, each after its timestamp and a space.
fn entries(stream: LogStream, bytes: &[u8]) -> Vec<LogEntry> {
    bytes
        .split_inclusive(|b| *b == b'\n')
        .map(|line| {
            let line = String::from_utf8_lossy(line);
            let (time, log) = line.split_once(' ').unwrap_or(("", &line));
            LogEntry {
                log: log.to_owned(),
                stream,
                time: time.to_owned(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_split_from_lines() {
        let e = entries(
            LogStream::Stderr,
            b"2026-01-01T00:00:00.1Z a b\n2026-01-01T00:00:01Z c\n",
        );
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].time, "2026-01-01T00:00:00.1Z");
        assert_eq!(e[0].log, "a b\n");
        assert_eq!(e[1].log, "c\n");
        assert_eq!(e[1].stream, LogStream::Stderr);
    }
}
