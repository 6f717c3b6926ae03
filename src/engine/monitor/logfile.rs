//! The container's log, in Docker's json-file format: one JSON object per line,
//! `{"log":"text\n","stream":"stdout","time":"2026-11-22T13:50:01.123456789Z"}`.
//! Output is split at newlines; a line longer than 16 KiB is written in pieces
//! without the newline, as Docker does, and a last line without one is written
//! when its stream ends.

use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::Write;
use std::path::Path;

const MAX_LINE: usize = 16 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stream {
    Stdout,
    Stderr,
}

/// One line of the log file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    pub log: String,
    pub stream: Stream,
    /// RFC 3339 with nanoseconds, UTC.
    pub time: String,
}

pub struct LogWriter {
    file: File,
    partial: [Vec<u8>; 2],
}

impl LogWriter {
    pub fn open(path: &Path) -> std::io::Result<LogWriter> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        Ok(LogWriter {
            file,
            partial: [Vec::new(), Vec::new()],
        })
    }

    /// Logs what the container wrote. A full disk loses log lines, never the
    /// container: errors are dropped.
    pub fn write(&mut self, stream: Stream, data: &[u8]) {
        let buf = &mut self.partial[stream as usize];
        buf.extend_from_slice(data);
        let mut lines = Vec::new();
        while let Some(end) = buf.iter().position(|&b| b == b'\n').map(|i| i + 1) {
            lines.push(buf.drain(..end).collect::<Vec<u8>>());
        }
        while buf.len() >= MAX_LINE {
            lines.push(buf.drain(..MAX_LINE).collect());
        }
        for line in lines {
            self.append(stream, &line);
        }
    }

    /// Writes what is left of a stream's last line (at its end, or the container's).
    pub fn flush(&mut self) {
        for stream in [Stream::Stdout, Stream::Stderr] {
            let rest = std::mem::take(&mut self.partial[stream as usize]);
            if !rest.is_empty() {
                self.append(stream, &rest);
            }
        }
    }

    fn append(&mut self, stream: Stream, line: &[u8]) {
        let entry = Entry {
            log: String::from_utf8_lossy(line).into_owned(),
            stream,
            time: now(),
        };
        if let Ok(mut json) = serde_json::to_vec(&entry) {
            json.push(b'\n');
            let _ = self.file.write_all(&json);
        }
    }
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(path: &Path) -> Vec<Entry> {
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    #[test]
    fn splits_lines_and_keeps_streams_apart() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("json.log");
        let mut log = LogWriter::open(&path).unwrap();
        log.write(Stream::Stdout, b"one\ntw");
        log.write(Stream::Stderr, b"oops\n");
        log.write(Stream::Stdout, b"o\nthree");
        log.flush();
        let got: Vec<(String, Stream)> = entries(&path)
            .into_iter()
            .map(|e| (e.log, e.stream))
            .collect();
        assert_eq!(
            got,
            [
                ("one\n".to_owned(), Stream::Stdout),
                ("oops\n".to_owned(), Stream::Stderr),
                ("two\n".to_owned(), Stream::Stdout),
                ("three".to_owned(), Stream::Stdout),
            ]
        );
    }

    #[test]
    fn long_lines_are_written_in_pieces() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("json.log");
        let mut log = LogWriter::open(&path).unwrap();
        log.write(Stream::Stdout, &vec![b'x'; MAX_LINE + 10]);
        log.flush();
        let got = entries(&path);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].log.len(), MAX_LINE);
        assert!(got[0].time.ends_with('Z'));
    }
}
