//! coracle-init: the container's PID 1 for `coracle run --init`.
//!
//! `coracle-init -P` is a pod's infra process (catatonit -P's job): it holds the
//! pod's namespaces, reaps what it is handed and exits 0 on SIGTERM or SIGINT.
//!
//! `coracle-init -- COMMAND [ARG...]` runs COMMAND, forwards every signal it gets to
//! it, reaps every child the kernel hands it (PID 1 inherits all orphans in the pid
//! namespace), and exits with the command's code: its status, or 128 + the signal
//! that killed it. A command not found exits 127, one not runnable 126.
//!
//! build.rs compiles this file on its own, statically linked, because it runs
//! inside images that may have no libc at all; coracle embeds the result. Only std
//! and the few libc calls std does not wrap, so that it needs no crates.

mod resident_code;

use std::ffi::OsString;
use std::io::ErrorKind;
use std::os::raw::c_int;
use std::os::unix::process::CommandExt;
use std::process::{exit, Command};

/// glibc's sigset_t: 1024 bits.
#[repr(C)]
struct SigSet([u64; 16]);

const SIG_SETMASK: c_int = 2;
const SIGCHLD: c_int = 17;
const SIGTERM: c_int = 15;
const SIGINT: c_int = 2;
const WNOHANG: c_int = 1;

extern "C" {
    fn sigfillset(set: *mut SigSet) -> c_int;
    fn sigprocmask(how: c_int, set: *const SigSet, old: *mut SigSet) -> c_int;
    fn sigwait(set: *const SigSet, sig: *mut c_int) -> c_int;
    fn kill(pid: c_int, sig: c_int) -> c_int;
    fn waitpid(pid: c_int, status: *mut c_int, options: c_int) -> c_int;
    fn setpgid(pid: c_int, pgid: c_int) -> c_int;
    fn tcsetpgrp(fd: c_int, pgrp: c_int) -> c_int;
    fn getpid() -> c_int;
}

fn main() {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    // Every signal waits for sigwait below instead of being handled (PID 1 gets no
    // default actions anyway).
    let mut all = SigSet([0; 16]);
    // SAFETY: both calls only read and write the set they are given.
    unsafe {
        sigfillset(&mut all);
        sigprocmask(SIG_SETMASK, &all, std::ptr::null_mut());
    }
    let command = match args.split_first() {
        Some((pause, rest)) if pause == "-P" && rest.is_empty() => pause_forever(&all),
        Some((dashes, command)) if dashes == "--" && !command.is_empty() => command,
        _ => {
            eprintln!("usage: coracle-init -- COMMAND [ARG...] | coracle-init -P");
            exit(2);
        }
    };
    let mut spawn = Command::new(&command[0]);
    spawn.args(&command[1..]);
    // SAFETY: setpgid, tcsetpgrp and sigprocmask are async-signal-safe, as a
    // pre_exec closure must be.
    unsafe {
        spawn.pre_exec(|| {
            // A process group of its own, in the foreground of the terminal when
            // there is one (-t; otherwise this fails harmlessly), so that a Ctrl-C
            // reaches it once from the terminal and not a second time through us.
            // SIGTTOU is still blocked here, which lets tcsetpgrp proceed.
            setpgid(0, 0);
            tcsetpgrp(0, getpid());
            // The command starts with no signal blocked, as it would without us.
            let none = SigSet([0; 16]);
            sigprocmask(SIG_SETMASK, &none, std::ptr::null_mut());
            Ok(())
        });
    }
    let child = match spawn.spawn() {
        Ok(child) => child.id() as c_int,
        Err(e) => {
            eprintln!(
                "coracle-init: cannot run {}: {e}",
                command[0].to_string_lossy()
            );
            exit(match e.kind() {
                ErrorKind::NotFound => 127,
                _ => 126,
            });
        }
    };
    resident_code::release();
    loop {
        let mut sig: c_int = 0;
        // SAFETY: sigwait reads the set and writes one int.
        if unsafe { sigwait(&all, &mut sig) } != 0 {
            continue;
        }
        if sig == SIGCHLD {
            if let Some(code) = reap(child) {
                exit(code);
            }
        } else {
            // The child may be gone already; the next SIGCHLD tells.
            // SAFETY: kill has no memory-safety preconditions.
            unsafe { kill(child, sig) };
        }
    }
}

/// A pod's infra: nothing to run, only namespaces to hold until told to stop.
fn pause_forever(all: &SigSet) -> ! {
    resident_code::release();
    loop {
        let mut sig: c_int = 0;
        // SAFETY: sigwait reads the set and writes one int.
        if unsafe { sigwait(all, &mut sig) } != 0 {
            continue;
        }
        match sig {
            SIGCHLD => {
                reap(0);
            }
            SIGTERM | SIGINT => exit(0),
            _ => {}
        }
    }
}

/// Reaps every child that has exited; the command's exit code once it is one of them.
fn reap(command: c_int) -> Option<i32> {
    let mut code = None;
    loop {
        let mut status: c_int = 0;
        // SAFETY: waitpid writes one int.
        let pid = unsafe { waitpid(-1, &mut status, WNOHANG) };
        if pid <= 0 {
            return code;
        }
        if pid == command {
            // The wait(2) status: the signal in the low 7 bits, else the exit code.
            code = Some(match status & 0x7f {
                0 => (status >> 8) & 0xff,
                sig => 128 + sig,
            });
        }
    }
}
