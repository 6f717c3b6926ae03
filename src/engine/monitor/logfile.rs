//! The container's log, in one of two formats (`--log-driver`): Podman's
//! k8s-file, `2026-11-22T13:50:01.123456789+00:00 stdout F text` (P for a piece
//! of a line), or Docker's json-file, one JSON object per line,
//! `{"log":"text\n","stream":"stdout","time":"2026-11-22T13:50:01.123456789Z"}`.
//! Output is split at newlines; a line longer than 16 KiB is written in pieces
//! without the newline, as Docker does, and a last line without one is written
//! when its stream ends. Readers take either format, line by line.

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

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Format {
    #[default]
    K8s,
    Json,
}

pub struct LogWriter {
    file: File,
    partial: [Vec<u8>; 2],
    format: Format,
    /// `--log-opt max-size`: the file is emptied before it would grow past it,
    /// as conmon does.
    max_size: Option<u64>,
    size: u64,
}

impl LogWriter {
    pub fn open(path: &Path, format: Format, max_size: Option<u64>) -> std::io::Result<LogWriter> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        LogWriter::with_file(file, format, max_size)
    }

    /// Goes on writing to `file` (a resumed monitor's, handoff.rs).
    pub fn with_file(
        file: File,
        format: Format,
        max_size: Option<u64>,
    ) -> std::io::Result<LogWriter> {
        let size = file.metadata()?.len();
        Ok(LogWriter {
            file,
            partial: [Vec::new(), Vec::new()],
            format,
            max_size,
            size,
        })
    }

    pub fn file(&self) -> &File {
        &self.file
    }

    pub fn format(&self) -> Format {
        self.format
    }

    pub fn max_size(&self) -> Option<u64> {
        self.max_size
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
        let bytes = match self.format {
            Format::Json => json_line(stream, line),
            Format::K8s => k8s_line(stream, line),
        };
        let len = bytes.len() as u64;
        if self.max_size.is_some_and(|max| self.size + len > max) && self.file.set_len(0).is_ok() {
            self.size = 0;
        }
        if self.file.write_all(&bytes).is_ok() {
            self.size += len;
        }
    }
}

fn json_line(stream: Stream, line: &[u8]) -> Vec<u8> {
    let entry = Entry {
        log: String::from_utf8_lossy(line).into_owned(),
        stream,
        time: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true),
    };
    let mut json = serde_json::to_vec(&entry).unwrap_or_default();
    json.push(b'\n');
    json
}

fn k8s_line(stream: Stream, line: &[u8]) -> Vec<u8> {
    let time = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.9f%:z");
    let (text, tag) = match line.strip_suffix(b"\n") {
        Some(text) => (text, 'F'),
        None => (line, 'P'),
    };
    let name = match stream {
        Stream::Stdout => "stdout",
        Stream::Stderr => "stderr",
    };
    let mut out = format!("{time} {name} {tag} ").into_bytes();
    out.extend_from_slice(text);
    out.push(b'\n');
    out
}

/// One line of a log file in either format; `None` for one that is neither (a
/// crash mid-write).
pub fn parse_line(line: &[u8]) -> Option<Entry> {
    if line.first() == Some(&b'{') {
        return serde_json::from_slice(line).ok();
    }
    let text = std::str::from_utf8(line).ok()?;
    let mut fields = text.splitn(4, ' ');
    let time = chrono::DateTime::parse_from_rfc3339(fields.next()?).ok()?;
    let stream = match fields.next()? {
        "stdout" => Stream::Stdout,
        "stderr" => Stream::Stderr,
        _ => return None,
    };
    let full = match fields.next()? {
        "F" => true,
        "P" => false,
        _ => return None,
    };
    let mut log = fields.next().unwrap_or_default().to_owned();
    if full {
        log.push('\n');
    }
    Some(Entry {
        log,
        stream,
        time: time
            .with_timezone(&chrono::Utc)
            .to_rfc3339_opts(chrono::SecondsFormat::Nanos, true),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(path: &Path) -> Vec<Entry> {
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .map(|l| parse_line(l.as_bytes()).unwrap())
            .collect()
    }

    #[test]
    fn k8s_lines_read_back_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ctr.log");
        let mut log = LogWriter::open(&path, Format::K8s, None).unwrap();
        log.write(Stream::Stdout, b"one\ntw");
        log.flush();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.lines().next().unwrap().ends_with(" stdout F one"),
            "{text}"
        );
        let got: Vec<String> = entries(&path).into_iter().map(|e| e.log).collect();
        assert_eq!(got, ["one\n", "tw"]);
    }

    #[test]
    fn max_size_empties_the_file_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ctr.log");
        let mut log = LogWriter::open(&path, Format::K8s, Some(100)).unwrap();
        for n in 0..20 {
            log.write(Stream::Stdout, format!("line {n}\n").as_bytes());
        }
        assert!(std::fs::metadata(&path).unwrap().len() <= 100);
        let last = entries(&path).pop().unwrap();
        assert_eq!(last.log, "line 19\n");
    }

    #[test]
    fn splits_lines_and_keeps_streams_apart() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("json.log");
        let mut log = LogWriter::open(&path, Format::Json, None).unwrap();
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
        let mut log = LogWriter::open(&path, Format::Json, None).unwrap();
        log.write(Stream::Stdout, &vec![b'x'; MAX_LINE + 10]);
        log.flush();
        let got = entries(&path);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].log.len(), MAX_LINE);
        assert!(got[0].time.ends_with('Z'));
    }
}
