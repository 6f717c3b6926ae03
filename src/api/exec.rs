//! Exec instances: `POST /containers/{id}/exec` records one, `/exec/{id}/start`
//! runs it on the hijacked connection, `/exec/{id}/json` and `/resize` follow
//! it. The records and the runs are the engine's (its exec sessions); this maps
//! Docker's shapes onto them.

use super::error::Error;
use super::exchange::Exchange;
use super::stdio::{self, Framed};
use crate::engine::containers::exec::sessions::{ExecConfig as Config, ExecSession};
use crate::engine::containers::exec::ExecOptions;
use crate::engine::interface::Engine;
use crate::engine::streams::{Output, Streams};
use bollard_stubs::models::{ExecConfig, ExecInspectResponse, ExecStartConfig, ProcessConfig};
use std::io::Write;
use std::os::fd::OwnedFd;

/// `/containers/{id}/exec`: the one container action served here.
pub fn is_container_exec(rest: &str) -> bool {
    rest.split_once('/')
        .is_some_and(|(_, action)| action == "exec")
}

/// `POST /containers/{id}/exec`.
pub fn create(engine: &dyn Engine, ex: &mut Exchange, rest: &str) -> Result<(), Error> {
    let (name, _) = rest.split_once('/').unwrap_or((rest, ""));
    if ex.head.method != "POST" {
        return Err(Error::no_route());
    }
    let body: ExecConfig = ex.json()?;
    let config = Config {
        opts: ExecOptions {
            command: body.cmd.unwrap_or_default(),
            env: body.env.unwrap_or_default(),
            user: body.user.filter(|u| !u.is_empty()),
            workdir: body.working_dir.filter(|w| !w.is_empty()),
            interactive: body.attach_stdin.unwrap_or(false),
            tty: body.tty.unwrap_or(false),
            detach: false,
            privileged: body.privileged.unwrap_or(false),
        },
        stdout: body.attach_stdout.unwrap_or(false),
        stderr: body.attach_stderr.unwrap_or(false),
        detach_keys: body.detach_keys.unwrap_or_default(),
    };
    // Docker's words for an unknown container, not Podman's.
    let session = engine
        .create_exec(name, config)
        .map_err(|e| match Error::from(e) {
            e if e.status == 404 => Error::not_found(format!("No such container: {name}")),
            e => e,
        })?;
    // Docker's key is `Id`; the stubs' IdResponse spells it `ID`, which the
    // Python SDK would not find.
    Ok(ex
        .reply
        .json(201, &serde_json::json!({ "Id": session.id }))?)
}

/// `/exec/{id}/...`.
pub fn route(engine: &dyn Engine, ex: &mut Exchange, rest: &str) -> Result<(), Error> {
    let Some((id, action)) = rest.split_once('/') else {
        return Err(Error::no_route());
    };
    match (ex.head.method.as_str(), action) {
        ("POST", "start") => start(engine, ex, id),
        ("POST", "resize") => resize(engine, ex, id),
        ("GET", "json") => inspect(engine, ex, id),
        _ => Err(Error::no_route()),
    }
}

/// Runs the session: at once with `Detach`, else on the connection, hijacked
/// as attach is; its end goes to the session's record for inspect.
fn start(engine: &dyn Engine, ex: &mut Exchange, id: &str) -> Result<(), Error> {
    let body: ExecStartConfig = ex.json()?;
    let session = engine.inspect_exec(id)?;
    // What fails before the run must fail before the hijack, with a status.
    if session.running || session.exit_code.is_some() {
        return Err(Error::new(
            409,
            format!("exec instance {id} has already been started"),
        ));
    }
    let container = engine.inspect_container(&session.container_id)?;
    if container["State"]["Running"] != serde_json::Value::Bool(true) {
        return Err(Error::new(
            409,
            format!("container {} is not running", session.container_id),
        ));
    }
    if body.detach.unwrap_or(false) {
        engine.start_exec(id, true, quiet())?;
        return Ok(ex.reply.empty(200, &[])?);
    }
    let tty = session.opts.tty;
    let conn = ex.reply.hijack(ex.upgrade(), stdio::content_type(tty))?;
    let stdin = match session.opts.interactive {
        true => Some(OwnedFd::from(conn.try_clone()?)),
        false => None,
    };
    let (out, err) = Framed::pair(conn.try_clone()?, tty);
    let streams = Streams {
        stdin,
        stdout: wanted(session.stdout, out),
        stderr: wanted(session.stderr, err),
        controls: None,
    };
    if let Err(e) = engine.start_exec(id, false, streams) {
        // The status has gone: Docker writes the failure on the stream.
        let (mut out, _) = Framed::pair(conn, tty);
        let _ = out.write_all(format!("{e}\r\n").as_bytes());
    }
    ex.reply.shutdown_write();
    Ok(())
}

fn wanted(attached: bool, framed: Framed<std::fs::File>) -> Output {
    match attached {
        true => Output::Writer(Box::new(framed)),
        false => Output::Writer(Box::new(std::io::sink())),
    }
}

/// No stdio: a detached start's.
fn quiet() -> Streams {
    Streams {
        stdin: None,
        stdout: Output::Writer(Box::new(std::io::sink())),
        stderr: Output::Writer(Box::new(std::io::sink())),
        controls: None,
    }
}

/// `POST /exec/{id}/resize?h=&w=`.
fn resize(engine: &dyn Engine, ex: &mut Exchange, id: &str) -> Result<(), Error> {
    let size = |name: &str| {
        let value = ex.head.param(name).unwrap_or_default();
        value
            .parse::<u16>()
            .map_err(|_| Error::bad_request(format!("invalid {name} {value:?}: want a number")))
    };
    let (rows, cols) = (size("h")?, size("w")?);
    engine.resize_exec(id, rows, cols)?;
    Ok(ex.reply.empty(200, &[])?)
}

/// `GET /exec/{id}/json`.
fn inspect(engine: &dyn Engine, ex: &mut Exchange, id: &str) -> Result<(), Error> {
    let session = engine.inspect_exec(id)?;
    Ok(ex.reply.json(200, &inspected(session))?)
}

/// The record as Docker's ExecInspectResponse. The engine runs the command in
/// the request that started it and learns its pid only inside that run, so
/// `Pid` is 0.
fn inspected(s: ExecSession) -> ExecInspectResponse {
    let mut command = s.opts.command.into_iter();
    ExecInspectResponse {
        can_remove: Some(false),
        detach_keys: Some(s.detach_keys),
        id: Some(s.id),
        running: Some(s.running),
        exit_code: s.exit_code.map(i64::from),
        process_config: Some(ProcessConfig {
            privileged: Some(s.opts.privileged),
            user: Some(s.opts.user.unwrap_or_default()),
            tty: Some(s.opts.tty),
            entrypoint: command.next(),
            arguments: Some(command.collect()),
        }),
        open_stdin: Some(s.opts.interactive),
        open_stderr: Some(s.stderr),
        open_stdout: Some(s.stdout),
        container_id: Some(s.container_id),
        pid: Some(0),
    }
}
