//! `coracle unshare`: a command in the rootless user namespace every coracle
//! command works in, so that the caller can look at and remove files owned by
//! subordinate ids (Podman's `unshare`).

use super::UsernsError;
use crate::engine::context::Context;
use crate::engine::process::Inside;
use std::convert::Infallible;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::Command;

/// Replaces this process with `argv` (the caller's $SHELL when empty), run as
/// root in coracle's namespace and a mount namespace of its own, told where the store is as Podman tells it.
pub fn exec(ctx: &Context, _inside: Inside, argv: &[String]) -> Result<Infallible, UsernsError> {
    if !ctx.rootless() {
        return Err(UsernsError::UnshareRootful);
    }
    // A mount namespace of the user namespace's own, as Podman's unshare gives
    // (its pause process holds one): the host's belongs to the initial user
    // namespace, where `mount` and `image mount` would fail with EPERM. Mounts
    // made in it are seen by the command and its children only.
    nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNS).map_err(|e| UsernsError::Setup {
        what: "unshare the mount namespace",
        source: e.into(),
    })?;
    let shell = std::env::var("SHELL")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "/bin/sh".into());
    let (program, args) = argv.split_first().unwrap_or((&shell, &[]));
    let found = find(program).ok_or_else(|| UsernsError::Exec {
        command: program.clone(),
        cause: std::io::ErrorKind::NotFound.into(),
    })?;
    let cause = Command::new(found)
        .arg0(program)
        .args(args)
        .env("CONTAINERS_GRAPHROOT", &ctx.root)
        .env("CONTAINERS_RUNROOT", &ctx.runroot)
        .exec();
    Err(UsernsError::Exec {
        command: program.clone(),
        cause,
    })
}

/// `program` as a shell finds it: a path as it is, a name in the first $PATH
/// directory that has it (skipping those the caller cannot read, where
/// execvp would give up with EACCES).
fn find(program: &str) -> Option<PathBuf> {
    if program.contains('/') {
        return Some(PathBuf::from(program));
    }
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/bin:/bin".into());
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}
