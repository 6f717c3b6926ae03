//! A running container's rootfs, brought into our mount namespace for `mount`.
//! Its overlay is mounted in its monitor's private namespace only; mounting a
//! second overlay on the same upper dir would not see the first one's writes.
//! So a child joins the container's mount namespace and clones its root mount
//! (open_tree), hands the detached copy back over a socket, and we attach it
//! (move_mount): the same file system, seen from both sides.

use super::{join, ContainersError};
use crate::engine::process::Host;
use crate::engine::store::containers::ContainerRecord;
use nix::sys::socket::{recvmsg, sendmsg, ControlMessage, ControlMessageOwned, MsgFlags};
use nix::sys::wait::{waitpid, WaitStatus};
use nix::unistd::{fork, ForkResult};
use std::io::{IoSlice, IoSliceMut};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::path::Path;

/// Mounts the running container's root at `target`. The caller is on the host
/// side with one thread, as `Host` proves: the child joins namespaces.
pub fn attach(
    _host: &Host,
    record: &ContainerRecord,
    input: &str,
    target: &Path,
) -> Result<(), ContainersError> {
    let init = join::running_init(record, input)?;
    let (ours, theirs) = UnixStream::pair().map_err(|e| failed("make a socket pair", e))?;
    // SAFETY: the caller is single-threaded (`Host`), so the child may run any code.
    match unsafe { fork() }.map_err(|e| failed("fork", e.into()))? {
        ForkResult::Child => {
            drop(ours);
            let sent = join::user_namespace(record, init)
                .and_then(|()| join::mount_namespace(record, init))
                .and_then(|()| clone_root())
                .and_then(|tree| send(&theirs, &tree));
            // SAFETY: leave without the parent's destructors (its database, its locks).
            unsafe { libc::_exit(i32::from(sent.is_err())) }
        }
        ForkResult::Parent { child } => {
            drop(theirs);
            let tree = receive(&ours);
            let status =
                waitpid(child, None).map_err(|e| failed("wait for the helper", e.into()))?;
            match (tree, status) {
                (Ok(Some(tree)), WaitStatus::Exited(_, 0)) => move_mount(&tree, target),
                _ => Err(ContainersError::Helper(format!(
                    "cannot reach the rootfs of container {input} in its mount namespace"
                ))),
            }
        }
    }
}

/// A detached copy of the root mount (not the ones under it: /proc, /dev...).
fn clone_root() -> Result<OwnedFd, ContainersError> {
    // SAFETY: a plain system call on a C string; the fd returned is ours.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_open_tree,
            libc::AT_FDCWD,
            c"/".as_ptr(),
            libc::OPEN_TREE_CLONE | libc::OPEN_TREE_CLOEXEC,
        )
    };
    if fd < 0 {
        return Err(failed(
            "clone the root mount",
            std::io::Error::last_os_error(),
        ));
    }
    // SAFETY: the kernel just returned this descriptor; nothing else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

fn move_mount(tree: &OwnedFd, target: &Path) -> Result<(), ContainersError> {
    let target = std::ffi::CString::new(target.as_os_str().as_encoded_bytes())
        .map_err(|e| failed("name the mount point", std::io::Error::other(e)))?;
    // SAFETY: plain system call on a descriptor we own and valid C strings.
    let done = unsafe {
        libc::syscall(
            libc::SYS_move_mount,
            tree.as_raw_fd(),
            c"".as_ptr(),
            libc::AT_FDCWD,
            target.as_ptr(),
            libc::MOVE_MOUNT_F_EMPTY_PATH,
        )
    };
    if done < 0 {
        return Err(failed("attach the rootfs", std::io::Error::last_os_error()));
    }
    Ok(())
}

fn send(sock: &UnixStream, tree: &OwnedFd) -> Result<(), ContainersError> {
    let fds = [tree.as_raw_fd()];
    sendmsg::<()>(
        sock.as_raw_fd(),
        &[IoSlice::new(b"t")],
        &[ControlMessage::ScmRights(&fds)],
        MsgFlags::empty(),
        None,
    )
    .map(drop)
    .map_err(|e| failed("pass the rootfs on", e.into()))
}

/// The tree the child sent; `None` when it sent nothing (it said why by its
/// exit status).
fn receive(sock: &UnixStream) -> Result<Option<OwnedFd>, ContainersError> {
    let mut buf = [0u8; 1];
    let mut space = nix::cmsg_space!([RawFd; 1]);
    let mut iov = [IoSliceMut::new(&mut buf)];
    let msg = recvmsg::<()>(
        sock.as_raw_fd(),
        &mut iov,
        Some(&mut space),
        MsgFlags::MSG_CMSG_CLOEXEC,
    )
    .map_err(|e| failed("receive the rootfs", e.into()))?;
    let cmsgs = msg
        .cmsgs()
        .map_err(|e| failed("receive the rootfs", e.into()))?;
    for cmsg in cmsgs {
        if let ControlMessageOwned::ScmRights(fds) = cmsg {
            // SAFETY: the kernel just gave us this descriptor; nothing else owns it.
            return Ok(fds.first().map(|&fd| unsafe { OwnedFd::from_raw_fd(fd) }));
        }
    }
    Ok(None)
}

fn failed(what: &str, e: std::io::Error) -> ContainersError {
    ContainersError::Helper(format!("cannot mount the running container: {what}: {e}"))
}
