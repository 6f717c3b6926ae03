//! The first command on a new store with no driver configured finds one that
//! works, as containers/storage does: a real test mount of the kernel overlay
//! on the graph root (in a user namespace when rootless, where it must work),
//! else coracle's own FUSE overlay when /dev/fuse can be opened, else vfs.
//! What it picks is said once: the store records it. The external
//! fuse-overlayfs is used only when storage.conf names it (mount_program),
//! as Podman users ask for it: coracle's own needs no other program.

use super::{Driver, Storage};
use std::ffi::CString;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub fn pick(root: &Path, rootless: bool) -> Storage {
    let why = match kernel_overlay(root, rootless) {
        Ok(()) => {
            log::info!("storage driver: overlay (the kernel overlay mounts here)");
            return Storage::new(Driver::Overlay);
        }
        Err(e) => e.to_string(),
    };
    if let Err(why_not) = fuse_usable() {
        log::warn!(
            "the kernel overlay cannot be mounted on {} ({why}) and {why_not}: using the vfs \
             driver for this store (a full copy per container; `coracle system reset` starts \
             a new store that looks again)",
            root.display()
        );
        return Storage::new(Driver::Vfs);
    }
    log::warn!(
        "the kernel overlay cannot be mounted on {} ({why}): using coracle's own fuse-overlay \
         for this store",
        root.display()
    );
    Storage::new(Driver::FuseOverlay)
}

/// Whether this user may open /dev/fuse (some machines keep it 0600, root's
/// only); else why not.
fn fuse_usable() -> Result<(), &'static str> {
    use nix::unistd::{access, AccessFlags};
    access("/dev/fuse", AccessFlags::R_OK | AccessFlags::W_OK)
        .map_err(|_| "/dev/fuse is missing or not readable and writable by this user")
}

/// Mounts an overlay of two lower dirs and an upper one on the graph root in a
/// child's own namespaces, which take the mount away when it exits.
fn kernel_overlay(root: &Path, rootless: bool) -> std::io::Result<()> {
    let dir = Probe(root.join(format!("overlay-probe-{}", std::process::id())));
    for sub in ["lower1", "lower2", "upper", "work", "merged"] {
        std::fs::create_dir_all(dir.0.join(sub))?;
    }
    let at = |sub: &str| dir.0.join(sub).display().to_string();
    let options = format!(
        "lowerdir={}:{},upperdir={},workdir={},userxattr",
        at("lower1"),
        at("lower2"),
        at("upper"),
        at("work")
    );
    let child = Child {
        rootless,
        uid_map: format!("0 {} 1", nix::unistd::geteuid()),
        gid_map: format!("0 {} 1", nix::unistd::getegid()),
        merged: cstring(&at("merged"))?,
        options: cstring(&options)?,
    };
    let mut command = Command::new("true");
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    // SAFETY: the closure only makes system calls on buffers made before the
    // fork, then exits: nothing in it allocates or takes a lock.
    unsafe { command.pre_exec(move || child.run()) };
    let status = command.spawn().and_then(|mut c| c.wait());
    // The kernel leaves work/work with no permissions: open it so it can go.
    let _ = std::fs::set_permissions(
        dir.0.join("work/work"),
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    );
    let status = status?;
    match status.success() {
        true => Ok(()),
        false => Err(std::io::Error::other(format!("probe {status}"))),
    }
}

/// The probe's directories, removed when it is done.
struct Probe(PathBuf);

impl Drop for Probe {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn cstring(s: &str) -> std::io::Result<CString> {
    CString::new(s).map_err(std::io::Error::other)
}

/// What the child does; its error goes back to `spawn` through std's pipe.
struct Child {
    rootless: bool,
    uid_map: String,
    gid_map: String,
    merged: CString,
    options: CString,
}

impl Child {
    fn run(&self) -> std::io::Result<()> {
        let mut flags = libc::CLONE_NEWNS;
        if self.rootless {
            flags |= libc::CLONE_NEWUSER;
        }
        // SAFETY: plain system calls on valid C strings.
        unsafe {
            check(libc::unshare(flags))?;
            if self.rootless {
                write(c"/proc/self/setgroups", b"deny")?;
                write(c"/proc/self/uid_map", self.uid_map.as_bytes())?;
                write(c"/proc/self/gid_map", self.gid_map.as_bytes())?;
            }
            let private = (libc::MS_REC | libc::MS_PRIVATE) as libc::c_ulong;
            check(libc::mount(
                std::ptr::null(),
                c"/".as_ptr(),
                std::ptr::null(),
                private,
                std::ptr::null(),
            ))?;
            check(libc::mount(
                c"overlay".as_ptr(),
                self.merged.as_ptr(),
                c"overlay".as_ptr(),
                0,
                self.options.as_ptr().cast(),
            ))?;
            libc::_exit(0)
        }
    }
}

fn check(rc: libc::c_int) -> std::io::Result<()> {
    match rc {
        -1 => Err(std::io::Error::last_os_error()),
        _ => Ok(()),
    }
}

/// # Safety
/// `path` is a valid C string.
unsafe fn write(path: &std::ffi::CStr, bytes: &[u8]) -> std::io::Result<()> {
    let fd = libc::open(path.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
    check(fd)?;
    let written = libc::write(fd, bytes.as_ptr().cast(), bytes.len());
    libc::close(fd);
    match written {
        -1 => Err(std::io::Error::last_os_error()),
        _ => Ok(()),
    }
}
