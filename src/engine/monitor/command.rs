//! The monitor's command line, written by whoever starts a monitor (`start`, a
//! `run` that cannot be one itself, a build's RUN) and read by `coracle monitor`
//! before clap, which it has no use for:
//!
//! `coracle --root R --runroot RR monitor [--detach] [--ready-fd N]
//! [--attach-fd N] [--remove-on-failure] [--tty-size RxC] ID`
//!
//! or, for a detached monitor that exec'd itself, `coracle monitor --resumed
//! KEY=VALUE...` (handoff.rs).

use super::handoff::{self, Resumed};
use super::tty::{format_size, parse_size};
use super::MonitorError;
use crate::engine::context::{Context, ContextOptions};
use std::ffi::OsString;
use std::os::fd::RawFd;
use std::path::PathBuf;

pub(super) const MONITOR: &str = "monitor";
/// Marks the exec'd monitor's command line (after `monitor`).
pub(super) const RESUMED: &str = "--resumed";

/// A monitor for one container, as its command line says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonitorCommand {
    pub root: PathBuf,
    pub runroot: PathBuf,
    /// No caller to relay to; take attach clients on the container's socket.
    pub detach: bool,
    /// A descriptor to write `ok` to once the container runs (or the code and error).
    pub ready_fd: Option<RawFd>,
    /// A connected socket to serve as the first attach client.
    pub attach_fd: Option<RawFd>,
    /// Remove the container when it cannot be started.
    pub remove_on_failure: bool,
    /// The pty's size from the start (rows, columns).
    pub tty_size: Option<(u16, u16)>,
    /// The container's full ID.
    pub id: String,
}

/// What a `coracle monitor` process is to do.
pub enum Invocation {
    Monitor(MonitorCommand),
    Resumed(Box<Resumed>),
}

impl MonitorCommand {
    /// A foreground monitor for container `id` in `ctx`'s store.
    pub fn new(ctx: &Context, id: &str) -> MonitorCommand {
        MonitorCommand::blank(ctx.root.clone(), ctx.runroot.clone(), id)
    }

    fn blank(root: PathBuf, runroot: PathBuf, id: &str) -> MonitorCommand {
        MonitorCommand {
            root,
            runroot,
            detach: false,
            ready_fd: None,
            attach_fd: None,
            remove_on_failure: false,
            tty_size: None,
            id: id.to_owned(),
        }
    }

    /// The command that runs it: this binary, with `args`.
    pub fn command(&self) -> std::io::Result<std::process::Command> {
        let mut cmd = std::process::Command::new(std::env::current_exe()?);
        cmd.args(self.args());
        Ok(cmd)
    }

    /// The arguments after the program's name.
    pub fn args(&self) -> Vec<OsString> {
        let mut args: Vec<OsString> = vec![
            "--root".into(),
            self.root.clone().into(),
            "--runroot".into(),
            self.runroot.clone().into(),
            MONITOR.into(),
        ];
        if self.detach {
            args.push("--detach".into());
        }
        let numbers = [
            ("--ready-fd", self.ready_fd),
            ("--attach-fd", self.attach_fd),
        ];
        for (flag, fd) in numbers {
            if let Some(fd) = fd {
                args.extend([flag.into(), fd.to_string().into()]);
            }
        }
        if self.remove_on_failure {
            args.push("--remove-on-failure".into());
        }
        if let Some(size) = self.tty_size {
            args.extend(["--tty-size".into(), format_size(size).into()]);
        }
        args.push(self.id.clone().into());
        args
    }

    /// The store it works on.
    pub fn context(&self) -> ContextOptions {
        ContextOptions {
            root: Some(self.root.clone()),
            runroot: Some(self.runroot.clone()),
            storage_driver: None,
            userns: None,
        }
    }
}

impl Invocation {
    /// The store it works on.
    pub fn context(&self) -> ContextOptions {
        match self {
            Invocation::Monitor(cmd) => cmd.context(),
            Invocation::Resumed(resumed) => resumed.context.clone(),
        }
    }

    /// Reads a monitor's command line (`args` from argv\[0\]); `None` when `args`
    /// is not one.
    pub fn from_args(args: &[OsString]) -> Option<Result<Invocation, MonitorError>> {
        if let Some([monitor, flag]) = args.get(1..3) {
            if monitor == MONITOR && flag == RESUMED {
                return Some(handoff::parse(&args[3..]).map(|r| Invocation::Resumed(Box::new(r))));
            }
        }
        let at = args.iter().position(|a| a == MONITOR)?;
        let (globals, rest) = (&args[1..at], &args[at + 1..]);
        let mut root = None;
        let mut runroot = None;
        for pair in globals.chunks(2) {
            match pair {
                [flag, value] if flag == "--root" => root = Some(PathBuf::from(value)),
                [flag, value] if flag == "--runroot" => runroot = Some(PathBuf::from(value)),
                _ => return None,
            }
        }
        let cmd = MonitorCommand::blank(root?, runroot?, "");
        Some(parse(cmd, rest).map(Invocation::Monitor))
    }
}

/// The flags and the ID after `monitor`.
fn parse(mut cmd: MonitorCommand, args: &[OsString]) -> Result<MonitorCommand, MonitorError> {
    let bad = |what: &str| MonitorError::CommandLine(what.to_owned());
    let mut args = args
        .iter()
        .map(|a| a.to_str().ok_or_else(|| bad("an argument")));
    let number = |value: Option<Result<&str, MonitorError>>, what: &str| {
        value
            .transpose()?
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| bad(what))
    };
    while let Some(arg) = args.next() {
        match arg? {
            "--detach" => cmd.detach = true,
            "--remove-on-failure" => cmd.remove_on_failure = true,
            "--ready-fd" => cmd.ready_fd = Some(number(args.next(), "--ready-fd")?),
            "--attach-fd" => cmd.attach_fd = Some(number(args.next(), "--attach-fd")?),
            "--tty-size" => {
                let size = args.next().transpose()?.and_then(parse_size);
                cmd.tty_size = Some(size.ok_or_else(|| bad("--tty-size"))?);
            }
            id if !id.starts_with('-') && cmd.id.is_empty() => cmd.id = id.to_owned(),
            other => return Err(bad(other)),
        }
    }
    if cmd.id.is_empty() {
        return Err(bad("container ID"));
    }
    Ok(cmd)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(cmd: &MonitorCommand) -> MonitorCommand {
        let mut args: Vec<OsString> = vec!["coracle".into()];
        args.extend(cmd.args());
        match Invocation::from_args(&args) {
            Some(Ok(Invocation::Monitor(read))) => read,
            _ => panic!("not read back: {args:?}"),
        }
    }

    #[test]
    fn what_is_written_reads_back() {
        let plain = MonitorCommand::blank("/r".into(), "/rr".into(), "abc");
        assert_eq!(read(&plain), plain);
        let full = MonitorCommand {
            detach: true,
            ready_fd: Some(3),
            attach_fd: Some(4),
            remove_on_failure: true,
            tty_size: Some((24, 80)),
            ..plain
        };
        assert_eq!(read(&full), full);
    }

    #[test]
    fn other_command_lines_are_not_a_monitor() {
        let args: Vec<OsString> = ["coracle", "run", "alpine"].map(OsString::from).into();
        assert!(Invocation::from_args(&args).is_none());
        let bad: Vec<OsString> = ["coracle", "--root", "/r", "--runroot", "/rr", "monitor"]
            .map(OsString::from)
            .into();
        assert!(matches!(Invocation::from_args(&bad), Some(Err(_))));
    }
}
