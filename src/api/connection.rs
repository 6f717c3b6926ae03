//! One client connection, in a process of its own forked by the service.
//!
//! Each request is served by a fresh child forked from this process, which
//! never starts a thread itself, so every request runs as a CLI command does:
//! single-threaded until it pulls, free to enter the rootless user namespace or
//! stay on the host side as its verb needs (exec and stop must not have
//! entered it; a pull must). The child answers on the connection and exits; its
//! exit status says whether the connection carries another request.
//!
//! Docker's clients send a request only after the previous response, so what
//! this process read past a head belongs to that request's body, which the
//! child reads from its copy of the buffer and the connection.

use super::error::Error;
use super::exchange::Exchange;
use super::http::{Body, Head, Response};
use crate::engine::context::{Context, ContextOptions};
use crate::engine::local::LocalEngine;
use nix::sys::wait::{waitpid, WaitStatus};
use nix::unistd::{fork, ForkResult};
use std::fs::File;
use std::io::BufReader;
use std::os::fd::OwnedFd;

/// The most of a body left unread by a route that is read and dropped to keep
/// the connection; past it the connection is closed instead.
const DRAIN_LIMIT: u64 = 1024 * 1024;

/// Exit statuses of a request's process.
const KEEP: i32 = 0;
const CLOSE: i32 = 1;

/// Serves requests on `conn` until the client or a response closes it.
pub fn serve(conn: OwnedFd, ctx: &ContextOptions, cors: Option<&str>) {
    let conn = File::from(conn);
    loop {
        let Ok(read_half) = conn.try_clone() else {
            return;
        };
        let mut reader = BufReader::new(read_half);
        let head = match Head::read(&mut reader) {
            Ok(Some(head)) => head,
            Ok(None) => return,
            Err(e) => {
                let mut reply = Response::new(conn, false, false).allow_origin(cors);
                let e = Error::from(e);
                let _ = reply.json(e.status, &serde_json::json!({ "message": e.message }));
                return;
            }
        };
        // SAFETY: this process has started no thread (see the module's doc).
        match unsafe { fork() } {
            Ok(ForkResult::Child) => {
                let code = serve_one(head, &mut reader, &conn, ctx, cors);
                std::process::exit(code);
            }
            Ok(ForkResult::Parent { child }) => loop {
                match waitpid(child, None) {
                    Ok(WaitStatus::Exited(_, KEEP)) => break,
                    Err(nix::errno::Errno::EINTR) => continue,
                    _ => return,
                }
            },
            Err(e) => {
                log::error!("cannot fork to serve a request: {e}");
                return;
            }
        }
    }
}

/// Serves one request; returns whether the connection can be used again.
fn serve_one(
    head: Head,
    reader: &mut BufReader<File>,
    conn: &File,
    ctx: &ContextOptions,
    cors: Option<&str>,
) -> i32 {
    let Ok(out) = conn.try_clone() else {
        return CLOSE;
    };
    let reply = Response::new(out, head.keep_alive(), head.method == "HEAD").allow_origin(cors);
    let body = match head.framing() {
        Ok(framing) => Body::new(framing, reader),
        Err(e) => return fail(reply, Error::from(e)),
    };
    let mut ex = Exchange {
        head,
        body,
        reply,
        version: (1, 44),
        run_root: Default::default(),
    };
    let began = std::time::Instant::now();
    let result = Context::new(ctx)
        .map_err(|e| Error::from(crate::engine::Error::from(e)))
        .and_then(|ctx| {
            ex.run_root = ctx.runroot.clone();
            let engine = LocalEngine::new(ctx, Box::<crate::cli::runtime::LazyRuntime>::default());
            super::router::route(&engine, &mut ex)
        });
    log::info!(
        "{} {} {:.1} ms",
        ex.head.method,
        ex.head.path,
        began.elapsed().as_secs_f64() * 1000.0
    );
    if let Err(e) = result {
        if ex.reply.sent() {
            log::warn!("{} {}: {}", ex.head.method, ex.head.path, e.message);
            return CLOSE;
        }
        if e.status >= 500 {
            log::warn!("{} {}: {}", ex.head.method, ex.head.path, e.message);
        }
        let _ = ex
            .reply
            .json(e.status, &serde_json::json!({ "message": e.message }));
    }
    match ex.reply.keep_alive && ex.body.drain(DRAIN_LIMIT) {
        true => KEEP,
        false => CLOSE,
    }
}

fn fail(mut reply: Response, e: Error) -> i32 {
    reply.keep_alive = false;
    let _ = reply.json(e.status, &serde_json::json!({ "message": e.message }));
    CLOSE
}
