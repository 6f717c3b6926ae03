//! Starting a recorded exec session (see [`super::sessions`]): its command runs
//! as `exec` runs one, and its end is written to its record for a later
//! inspect.

use super::super::ContainersError;
use super::sessions::{self, ResizeSocket};
use crate::engine::context::Context;
use crate::engine::error::Kinded;
use crate::engine::process::Host;
use crate::engine::store::Store;
use crate::engine::streams::{Output, Streams};
use nix::unistd::{fork, ForkResult};

/// Runs session `id`'s command, relaying to `streams`, and records its exit
/// code, which it returns. `detach`: a child of ours runs it and records its
/// end, and this returns 0 at once (Docker's detached exec start).
pub fn start(
    ctx: &Context,
    host: &Host,
    store: &Store,
    id: &str,
    detach: bool,
    mut streams: Streams,
) -> Result<i32, ContainersError> {
    let mut session = sessions::load(&ctx.runroot, id)?;
    sessions::begin(&ctx.runroot, &mut session)?;
    if detach {
        return start_detached(ctx, host, store, session);
    }
    // A terminal's size comes from other requests, through this socket.
    if session.opts.tty && streams.controls.is_none() {
        streams.controls = Some(Box::new(ResizeSocket::bind(&ctx.runroot, id)?));
    }
    let result = super::exec(
        ctx,
        host,
        store,
        &session.container_id,
        &session.opts,
        streams,
    );
    let code = result.as_ref().map_or_else(exit_code, |code| *code);
    sessions::end(&ctx.runroot, &mut session, code)?;
    result
}

/// Forks a child that runs the session with no stdio and records its end.
fn start_detached(
    ctx: &Context,
    host: &Host,
    store: &Store,
    mut session: sessions::ExecSession,
) -> Result<i32, ContainersError> {
    // SAFETY: the caller is single-threaded (`Host`), so the child may run any code.
    match unsafe { fork() } {
        Ok(ForkResult::Parent { .. }) => Ok(0),
        Ok(ForkResult::Child) => {
            // Its own session, holding none of the caller's connections (an API
            // client's must close when the caller is done with it).
            let _ = nix::unistd::setsid();
            close_sockets();
            let code = run_unattended(ctx, host, store, &session).unwrap_or_else(|e| exit_code(&e));
            let _ = sessions::end(&ctx.runroot, &mut session, code);
            // SAFETY: leave without the caller's destructors (its store, its locks).
            unsafe { libc::_exit(0) }
        }
        Err(e) => {
            let _ = sessions::end(&ctx.runroot, &mut session, 125);
            Err(ContainersError::Start {
                code: 125,
                message: format!("cannot start the exec session: {e}"),
            })
        }
    }
}

fn run_unattended(
    ctx: &Context,
    host: &Host,
    store: &Store,
    session: &sessions::ExecSession,
) -> Result<i32, ContainersError> {
    let devnull = || {
        std::fs::File::open("/dev/null").map_err(|source| ContainersError::Write {
            path: "/dev/null".into(),
            source,
        })
    };
    let streams = Streams {
        stdin: None,
        stdout: Output::Fd(devnull()?),
        stderr: Output::Fd(devnull()?),
        controls: None,
    };
    super::exec(
        ctx,
        host,
        store,
        &session.container_id,
        &session.opts,
        streams,
    )
}

/// Closes every socket this process holds past stdio. Only sockets: the
/// store's database files stay open under its connection, which SQLite
/// needs (closing them under it breaks its locking).
fn close_sockets() {
    let Ok(entries) = std::fs::read_dir("/proc/self/fd") else {
        return;
    };
    let fds: Vec<i32> = entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .filter(|fd| *fd > 2)
        .collect();
    for fd in fds {
        let socket =
            nix::sys::stat::fstat(fd).is_ok_and(|st| st.st_mode & libc::S_IFMT == libc::S_IFSOCK);
        if socket {
            // SAFETY: a descriptor of ours that nothing below uses.
            unsafe { libc::close(fd) };
        }
    }
}

/// The code a session that could not run ends with: the command's (126, 127)
/// when it was the command's fault, else Docker's 125.
fn exit_code(e: &ContainersError) -> i32 {
    e.command_code().unwrap_or(125)
}
