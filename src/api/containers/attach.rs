//! `POST /containers/{id}/attach`: the connection hijacked and relayed to the
//! container, raw with a TTY and in Docker's 8-byte frames without. A client
//! that attaches before the start (Docker's `run`) waits in a session for the
//! start request, then starts the container itself so no output is lost.

use super::super::error::Error;
use super::super::exchange::Exchange;
use super::super::stdio::{self, Framed};
use super::session::{self, Session, Waited};
use super::Target;
use crate::engine::containers::attach::{parse_detach_keys, AttachRequest, DEFAULT_DETACH_KEYS};
use crate::engine::interface::Engine;
use crate::engine::streams::{Output, Streams};
use std::os::fd::{AsFd, OwnedFd};

pub fn attach(engine: &dyn Engine, ex: &mut Exchange, target: &Target) -> Result<(), Error> {
    let head = &ex.head;
    let keys = head.param("detachKeys").filter(|k| !k.is_empty());
    let request = AttachRequest {
        stdin: head.flag("stdin"),
        detach_keys: parse_detach_keys(keys.unwrap_or(DEFAULT_DETACH_KEYS))
            .map_err(|e| Error::bad_request(e.to_string()))?,
        // Docker's clients pass signals on through /kill.
        sig_proxy: false,
    };
    let (want_out, want_err) = (head.flag("stdout"), head.flag("stderr"));
    // Before the hijack, so that a conflict is still an HTTP answer.
    let mut session = match target.running {
        false => Some(Session::bind(&ex.run_root, &target.id)?),
        // Only for the resizes of a client attached to a running container.
        true => Session::bind(&ex.run_root, &target.id).ok(),
    };
    let conn = ex
        .reply
        .hijack(ex.upgrade(), stdio::content_type(target.tty))?;
    let (out, err) = Framed::pair(conn.try_clone()?, target.tty);
    let output = |framed: Framed<std::fs::File>, wanted: bool| match wanted {
        true => Output::Writer(Box::new(framed)),
        false => Output::Writer(Box::new(std::io::sink())),
    };
    let stdin: Option<OwnedFd> = match request.stdin {
        true => Some(conn.try_clone()?.into()),
        false => None,
    };
    let mut start_answer = None;
    if let Some(s) = session.as_mut().filter(|_| !target.running) {
        match s.wait_for_start(conn.as_fd())? {
            Waited::Gone => return Ok(()),
            Waited::Start(answer) => start_answer = Some(answer),
        }
    }
    let streams = Streams {
        stdin,
        stdout: output(out, want_out),
        stderr: output(err, want_err),
        controls: session.map(|s| Box::new(s) as _),
    };
    let result = match &start_answer {
        Some(_) => engine.start_attached(&target.id, &request, streams),
        None => engine.attach(&target.id, &request, streams),
    };
    if let Err(e) = result {
        let e = Error::from(e);
        // A start that failed tells the start request why (a start that
        // succeeded was answered as the relay began, and this goes nowhere).
        if let Some(answer) = &start_answer {
            session::answer(answer, Err(&e));
        }
        log::warn!("attach to {}: {}", target.id, e.message);
    }
    ex.reply.shutdown_write();
    Ok(())
}
