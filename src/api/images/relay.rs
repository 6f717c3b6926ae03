//! Streams a long operation (pull, push, build) as Docker's JSON messages.
//!
//! The operation runs in a child forked from the request's process, and this
//! process relays what it reports onto the connection. The engine's progress
//! callbacks must own what they write to (they may run on the runtime's
//! threads), and a build's RUN steps write their output into a pipe that
//! someone must read while the build blocks: in the child, that someone would
//! have to be a thread, and a thread started before the engine enters the user
//! namespace would stop it from entering. So the child sends finished JSON
//! lines through a pipe, and the parent, still single-threaded, writes them.
//!
//! Docker answers with an error status as long as nothing has been streamed,
//! and with an error message in the stream after that; the parent starts the
//! stream only when the first message arrives, so the same rule holds here.

use super::super::error::Error;
use super::super::exchange::Exchange;
use super::super::http::{Chunked, Response};
use crate::engine::build::RunOutput;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::wait::{waitpid, WaitStatus};
use nix::unistd::{fork, pipe2, ForkResult};
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::sync::Arc;
use std::time::Duration;

/// A line from the child: a message for the client, or the error that ended
/// the operation.
#[derive(Serialize, Deserialize)]
enum Note {
    Message(serde_json::Value),
    Failed { status: u16, message: String },
}

/// The child's end: sends messages to the client, in order with the output
/// of RUN steps.
#[derive(Clone)]
pub struct Sender {
    notes: Arc<File>,
    /// The output pipe's read end, to wait until the parent has read what
    /// came before a message (see [`Sender::send`]).
    output: Option<Arc<OwnedFd>>,
}

impl Sender {
    /// Sends one of Docker's messages. Output written before it (by a RUN
    /// step that has ended) is read by the parent first: the parent reads
    /// notes before output, so a message waits until the output before it has
    /// been taken.
    pub fn send(&self, message: &impl Serialize) {
        if let Ok(value) = serde_json::to_value(message) {
            self.wait_output_read();
            self.note(&Note::Message(value));
        }
    }

    fn fail(&self, e: Error) {
        self.wait_output_read();
        self.note(&Note::Failed {
            status: e.status,
            message: e.message,
        });
    }

    fn note(&self, note: &Note) {
        let Ok(mut line) = serde_json::to_vec(note) else {
            return;
        };
        line.push(b'\n');
        // One write per line: lines from several threads never interleave
        // (pipe writes up to PIPE_BUF are atomic; longer ones come only from
        // the one thread that ends the operation).
        let _ = (&*self.notes).write_all(&line);
    }

    fn wait_output_read(&self) {
        let Some(output) = &self.output else {
            return;
        };
        while unread(output.as_raw_fd()) > 0 {
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

fn unread(fd: i32) -> i32 {
    let mut n: libc::c_int = 0;
    // SAFETY: FIONREAD writes one int into `n`.
    match unsafe { libc::ioctl(fd, libc::FIONREAD, &mut n) } {
        0 => n,
        _ => 0,
    }
}

/// Runs `work` in a child and streams what it sends as `application/json`.
/// With `with_output`, `work` also gets a RunOutput whose bytes become
/// `{"stream": …}` messages. An error `work` returns is the response's status
/// while nothing has been streamed, else the stream's last message.
pub fn run<F>(ex: &mut Exchange, with_output: bool, work: F) -> Result<(), Error>
where
    F: FnOnce(&Sender, Option<RunOutput>) -> Result<(), Error>,
{
    let (notes_read, notes_write) = pipe2(nix::fcntl::OFlag::O_CLOEXEC).map_err(io)?;
    let output = match with_output {
        true => Some(pipe2(nix::fcntl::OFlag::O_CLOEXEC).map_err(io)?),
        false => None,
    };
    // SAFETY: a request's process has started no thread (see connection.rs).
    match unsafe { fork() }.map_err(io)? {
        ForkResult::Child => {
            drop(notes_read);
            let (run_output, probe) = match output {
                Some((read, write)) => {
                    let stderr = write.try_clone().map_err(Error::from);
                    let run_output = stderr.map(|stderr| RunOutput {
                        stdout: write,
                        stderr,
                        stdin: None,
                    });
                    (Some(run_output), Some(Arc::new(read)))
                }
                None => (None, None),
            };
            let sender = Sender {
                notes: Arc::new(File::from(notes_write)),
                output: probe,
            };
            let result = match run_output {
                Some(Err(e)) => Err(e),
                Some(Ok(o)) => work(&sender, Some(o)),
                None => work(&sender, None),
            };
            if let Err(e) = result {
                sender.fail(e);
            }
            std::process::exit(0);
        }
        ForkResult::Parent { child } => {
            drop(notes_write);
            let output = output.map(|(read, write)| {
                drop(write);
                read
            });
            let result = relay(
                &mut ex.reply,
                File::from(notes_read),
                output.map(File::from),
            );
            let status = loop {
                match waitpid(child, None) {
                    Err(nix::errno::Errno::EINTR) => continue,
                    other => break other,
                }
            };
            match (result, status) {
                (Err(e), _) => Err(e),
                (Ok(Ended::Streamed { whole }), _) => {
                    // A client that left mid-stream leaves the connection unusable.
                    ex.reply.keep_alive &= whole;
                    Ok(())
                }
                (Ok(Ended::Silent), Ok(WaitStatus::Exited(_, 0))) => {
                    Err(Error::new(500, "the operation ended without a word"))
                }
                (Ok(Ended::Silent), _) => Err(Error::new(500, "the operation's process died")),
            }
        }
    }
}

fn io(e: nix::errno::Errno) -> Error {
    Error::from(std::io::Error::from(e))
}

enum Ended {
    /// `whole` when the client took all of it.
    Streamed { whole: bool },
    /// The child ended before it sent a thing.
    Silent,
}

/// Copies the child's notes and output onto the connection until the child
/// ends. A client that goes away stops the writing, never the reading: the
/// child must not block on a full pipe, and must not be killed halfway
/// through a build or a pull.
fn relay(reply: &mut Response, mut notes: File, mut output: Option<File>) -> Result<Ended, Error> {
    let mut stream = Stream {
        reply: Some(reply),
        chunks: None,
        gone: false,
    };
    let mut pending = Vec::new();
    let mut text = Utf8Tail::default();
    let mut buf = vec![0; 64 * 1024];
    loop {
        let (notes_ready, output_ready) = {
            let mut fds = vec![PollFd::new(notes.as_fd(), PollFlags::POLLIN)];
            if let Some(out) = &output {
                fds.push(PollFd::new(out.as_fd(), PollFlags::POLLIN));
            }
            match poll(&mut fds, PollTimeout::NONE) {
                Err(nix::errno::Errno::EINTR) => continue,
                Err(e) => return Err(io(e)),
                Ok(_) => {}
            }
            let ready = |fd: &PollFd| fd.revents().is_some_and(|r| !r.is_empty());
            (ready(&fds[0]), fds.get(1).is_some_and(ready))
        };
        // Notes first: see Sender::send.
        if notes_ready {
            let n = notes.read(&mut buf)?;
            if n == 0 {
                break;
            }
            pending.extend_from_slice(&buf[..n]);
            while let Some(end) = pending.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = pending.drain(..=end).collect();
                if let Some(e) = stream.note(&line)? {
                    return Err(e);
                }
            }
        } else if output_ready {
            let out = output.as_mut().expect("polled only when present");
            match out.read(&mut buf)? {
                0 => output = None,
                n => stream.output(&text.push(&buf[..n]))?,
            }
        }
    }
    // The child is gone; what its RUN steps wrote last is in the pipe.
    if let Some(mut out) = output {
        nix::fcntl::fcntl(
            out.as_raw_fd(),
            nix::fcntl::FcntlArg::F_SETFL(nix::fcntl::OFlag::O_NONBLOCK),
        )
        .map_err(io)?;
        while let Ok(n @ 1..) = out.read(&mut buf) {
            stream.output(&text.push(&buf[..n]))?;
        }
    }
    stream.finish()
}

/// The response, streamed from the first message on.
struct Stream<'e> {
    reply: Option<&'e mut Response>,
    chunks: Option<Chunked<'e>>,
    gone: bool,
}

impl Stream<'_> {
    /// Writes a note's message; returns the error of a failure that came
    /// before anything was streamed, which becomes the response.
    fn note(&mut self, line: &[u8]) -> Result<Option<Error>, Error> {
        let note: Note = serde_json::from_slice(line)
            .map_err(|e| Error::new(500, format!("a garbled progress message: {e}")))?;
        match note {
            Note::Message(value) => self.write(&value)?,
            Note::Failed { status, message } if self.chunks.is_none() => {
                return Ok(Some(Error::new(status, message)))
            }
            Note::Failed { message, .. } => self.write(&serde_json::json!({
                "errorDetail": { "message": message },
                "error": message,
            }))?,
        }
        Ok(None)
    }

    fn output(&mut self, text: &str) -> Result<(), Error> {
        match text.is_empty() {
            true => Ok(()),
            false => self.write(&serde_json::json!({ "stream": text })),
        }
    }

    fn write(&mut self, value: &serde_json::Value) -> Result<(), Error> {
        if let Some(reply) = self.reply.take() {
            self.chunks = Some(reply.stream(200, &[("Content-Type", "application/json")])?);
        }
        let Some(chunks) = self.chunks.as_mut() else {
            return Ok(());
        };
        let mut line = serde_json::to_vec(value)?;
        line.push(b'\n');
        if !self.gone && chunks.write_all(&line).is_err() {
            self.gone = true;
        }
        Ok(())
    }

    fn finish(self) -> Result<Ended, Error> {
        match self.chunks {
            None => Ok(Ended::Silent),
            Some(chunks) => Ok(Ended::Streamed {
                whole: !self.gone && chunks.finish().is_ok(),
            }),
        }
    }
}

/// Output bytes as text; a character split between two reads waits for the
/// next one instead of becoming two replacement characters.
#[derive(Default)]
struct Utf8Tail {
    tail: Vec<u8>,
}

impl Utf8Tail {
    fn push(&mut self, bytes: &[u8]) -> String {
        self.tail.extend_from_slice(bytes);
        let keep = match std::str::from_utf8(&self.tail) {
            Err(e) if e.error_len().is_none() => self.tail.len() - e.valid_up_to(),
            _ => 0,
        };
        let rest = self.tail.split_off(self.tail.len() - keep);
        let text = String::from_utf8_lossy(&self.tail).into_owned();
        self.tail = rest;
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_split_character_waits_for_its_end() {
        let mut t = Utf8Tail::default();
        let snow = "a☃b".as_bytes();
        assert_eq!(t.push(&snow[..2]), "a");
        assert_eq!(t.push(&snow[2..]), "☃b");
    }
}
