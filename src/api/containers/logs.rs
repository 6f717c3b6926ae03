//! `GET /containers/{id}/logs`: the log's entries as a stream, in Docker's
//! frames unless the container has a TTY.

use super::super::error::Error;
use super::super::exchange::Exchange;
use super::super::stdio::{self, STDERR, STDOUT};
use super::Target;
use crate::engine::containers::logs::LogOptions;
use crate::engine::interface::{Engine, LogStream};
use chrono::{DateTime, Utc};
use std::io::Write;

pub fn logs(engine: &dyn Engine, ex: &mut Exchange, t: &Target) -> Result<(), Error> {
    let head = &ex.head;
    let (want_out, want_err) = (head.flag("stdout"), head.flag("stderr"));
    if !want_out && !want_err {
        return Err(Error::bad_request(
            "you must choose at least one stream: stdout=1 or stderr=1",
        ));
    }
    let tail = match head.param("tail").unwrap_or("all") {
        "all" | "" => None,
        n => {
            let n: i64 = n
                .parse()
                .map_err(|_| Error::bad_request(format!("invalid tail {n:?}")))?;
            // Docker takes a negative count as all.
            usize::try_from(n).ok()
        }
    };
    let opts = LogOptions {
        follow: head.flag("follow"),
        since: time(head.param("since"))?,
        until: time(head.param("until"))?,
        tail,
    };
    let timestamps = head.flag("timestamps");
    let batches = engine.logs(&t.id, &opts)?;
    let mut body = ex
        .reply
        .stream(200, &[("Content-Type", stdio::content_type(t.tty))])?;
    for batch in batches {
        let mut out = Vec::new();
        for entry in batch? {
            let stream = match entry.stream {
                LogStream::Stdout if want_out => STDOUT,
                LogStream::Stderr if want_err => STDERR,
                _ => continue,
            };
            let mut line = match timestamps {
                true => format!("{} ", entry.time).into_bytes(),
                false => Vec::new(),
            };
            line.extend_from_slice(entry.log.as_bytes());
            if !t.tty {
                out.extend_from_slice(&stdio::header(stream, line.len()));
            }
            out.extend_from_slice(&line);
        }
        // A client that went away ends the stream.
        if body.write_all(&out).is_err() {
            return Ok(());
        }
    }
    Ok(body.finish()?)
}

/// Docker's since and until: seconds since the epoch, maybe with a fraction;
/// 0 or nothing for no bound.
fn time(param: Option<&str>) -> Result<Option<DateTime<Utc>>, Error> {
    let Some(text) = param.filter(|t| !t.is_empty() && *t != "0") else {
        return Ok(None);
    };
    let seconds: f64 = text.parse().map_err(|_| {
        Error::bad_request(format!(
            "invalid time {text:?}: give seconds since the epoch"
        ))
    })?;
    Ok(DateTime::from_timestamp_millis((seconds * 1000.0) as i64))
}
