//! `cp`: files between a container and the host, or a tar stream, with Docker's
//! rules for where they land (see [`path`]).
//!
//! The container's side is worked by a child rooted in its filesystem (see
//! [`super::rooted`]); we, the parent, stay the invoking user on the host (see
//! [`host`]). The two first agree on names over the socket (the child says what
//! the container holds at its path, the producer's side decides the tar's names),
//! then one streams a tar to the other. What goes into the container goes through
//! the layer unpacker, which resolves every name inside the container's root.

pub mod archive;
mod host;
pub mod path;
mod stat;

pub use stat::{stat, PathStat};

use super::rooted::{self, Rooted};
use super::ContainersError;
use crate::engine::context::Context;
use crate::engine::process::Host;
use crate::engine::store::unpack::{self, UnpackOptions};
use crate::engine::store::Store;
use crate::engine::userns::shift::IdShift;
use archive::{Node, TreeOptions};
use host::{extract_on_host, HostSource};
use path::{ContainerPath, Dest, Placement};
use std::io::{self, Read, Write};
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};

/// One side of a copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    Host(PathBuf),
    /// `-`: a tar stream, read from the caller's input or written to its output.
    Stream,
    Container {
        name: String,
        path: String,
    },
}

impl Endpoint {
    /// Docker's reading of an argument: `-`, an absolute path, or `NAME:PATH`;
    /// anything else is a host path (write `./a:b` for a host file with a colon).
    pub fn parse(arg: &str) -> Endpoint {
        if arg == "-" {
            return Endpoint::Stream;
        }
        match arg.split_once(':') {
            Some((name, path)) if !arg.starts_with(['/', '.']) && !name.is_empty() => {
                Endpoint::Container {
                    name: name.to_owned(),
                    path: path.to_owned(),
                }
            }
            _ => Endpoint::Host(PathBuf::from(arg)),
        }
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct CopyOptions {
    /// `-a`: keep owners (else what goes into the container belongs to root).
    pub archive: bool,
    /// `-L`: follow a symlink given as the source.
    pub follow: bool,
    /// `--overwrite`: a directory may replace a non-directory and the reverse.
    pub overwrite: bool,
}

/// The caller's handles, for a `Stream` endpoint.
pub struct CopyIo<'a> {
    pub input: &'a mut dyn Read,
    pub output: &'a mut dyn Write,
}

/// Copies from the host side, as `Host` proves: the container's side is worked
/// by a child that joins or enters its namespaces.
pub fn copy(
    ctx: &Context,
    host: &Host,
    store: &Store,
    src: &Endpoint,
    dest: &Endpoint,
    opts: CopyOptions,
    io: CopyIo,
) -> Result<(), ContainersError> {
    let job = Job {
        ctx,
        host,
        store,
        opts,
    };
    match (src, dest) {
        (Endpoint::Container { .. }, Endpoint::Container { .. }) => Err(invalid(
            "copying between containers is not supported: copy to the host first",
        )),
        (Endpoint::Container { name, path }, to) => job.copy_out(name, path, to, io.output),
        (from, Endpoint::Container { name, path }) => job.copy_in(from, name, path, io.input),
        _ => Err(invalid(
            "one side of the copy must be a container: CONTAINER:PATH",
        )),
    }
}

/// What both directions need.
struct Job<'a> {
    ctx: &'a Context,
    host: &'a Host,
    store: &'a Store,
    opts: CopyOptions,
}

impl Job<'_> {
    /// Container to host (or to a tar stream on `output`).
    fn copy_out(
        &self,
        name: &str,
        given: &str,
        to: &Endpoint,
        output: &mut dyn Write,
    ) -> Result<(), ContainersError> {
        let opts = self.opts;
        let src = path::container_path(given).map_err(ContainersError::Invalid)?;
        let wanted = src.clone();
        let what = format!("{name}:{given}");
        let work: rooted::Work = Box::new(move |root, mut sock, own_ids| {
            let tree = TreeOptions {
                keep_owner: true,
                one_file_system: false,
                ids: own_ids.map(IdShift::ToContainer),
            };
            let root = open_root(root)?;
            let node = archive::locate(root.as_fd(), &wanted.rel, opts.follow)
                .map_err(|e| missing(&what, e))?;
            let is_dir = node.is_dir().map_err(|e| missing(&what, e))?;
            if wanted.dir_hint && !is_dir {
                return Err(format!("{what} is not a directory"));
            }
            send_line(&mut sock, if is_dir { "dir" } else { "file" })?;
            // No name: the parent gave up, and says why itself.
            let Ok(name) = read_line(&mut sock) else {
                return Ok(());
            };
            send_tree(sock, &node, &name, &tree)
        });
        let (mut helper, kind) = first_line(self.spawn(name, work)?)?;
        let src_name = base_name(&src.rel);
        let result = match to {
            Endpoint::Stream => {
                let name = if src.contents { "" } else { &src_name };
                send_line(&mut helper.sock, name)
                    .map_err(ContainersError::Invalid)
                    .and_then(|()| stream_out(&mut helper.sock, output))
            }
            Endpoint::Host(dest) => {
                extract_on_host(&mut helper, kind == "dir", &src, &src_name, dest)
            }
            Endpoint::Container { .. } => unreachable!("refused by copy"),
        };
        finish(helper, result)
    }

    /// Host (or a tar stream on `input`) to the container.
    fn copy_in(
        &self,
        from: &Endpoint,
        name: &str,
        given: &str,
        input: &mut dyn Read,
    ) -> Result<(), ContainersError> {
        let opts = self.opts;
        let dest = path::container_path(given).map_err(ContainersError::Invalid)?;
        let source = HostSource::open(from, opts.follow)?;
        let what = format!("{name}:{given}");
        let unpack_opts = UnpackOptions {
            skip_devices: true,
            keep_kinds: !opts.overwrite,
            ..self.ctx.unpack_options()
        };
        let (src_is_dir, src_name, src_contents) =
            (source.is_dir(), source.name.clone(), source.contents);
        let work: rooted::Work = Box::new(move |root, mut sock, own_ids| {
            let unpack_opts = UnpackOptions {
                ids: own_ids.map(IdShift::ToDisk),
                ..unpack_opts
            };
            let root_fd = open_root(root)?;
            let state = dest_state(root_fd.as_fd(), &dest, &what)?;
            if src_is_dir.is_none() && state != Dest::Dir {
                return Err(format!(
                    "the destination {what} must be a directory to copy a tar stream into"
                ));
            }
            let placed = path::place(
                src_is_dir.unwrap_or(true),
                &src_name,
                src_contents,
                state,
                &dest.rel,
                dest.dir_hint,
            )?;
            send_line(&mut sock, &prefix_in_root(&dest, &placed))?;
            let stats = unpack::unpack_layer(&mut sock, root, &unpack_opts);
            // Take the rest (the archive's trailing blocks), so the writer sees no broken pipe.
            let _ = io::copy(&mut sock, &mut io::sink());
            stats
                .map(|_| ())
                .map_err(|e| format!("cannot copy into {what}: {e}"))
        });
        let (mut helper, prefix) = first_line(self.spawn(name, work)?)?;
        let tree = TreeOptions {
            keep_owner: opts.archive,
            ..TreeOptions::default()
        };
        let sent = source.send(&mut helper.sock, Path::new(&prefix), &tree, input);
        finish(helper, sent)
    }

    fn spawn(&self, name: &str, work: rooted::Work) -> Result<Rooted, ContainersError> {
        rooted::spawn(self.ctx, self.host, self.store, name, work)
    }
}

/// Where in the root the tar's names start: the destination or its parent, then
/// the top name.
fn prefix_in_root(dest: &ContainerPath, placed: &Placement) -> String {
    let dir = match placed.into_dest {
        true => dest.rel.as_str(),
        false => dest.rel.rsplit_once('/').map_or("", |(dir, _)| dir),
    };
    let parts = [dir, placed.name.as_deref().unwrap_or_default()];
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("/")
}

/// In the child: what the container holds at `dest` (a symlink there followed,
/// inside the root); its parent must exist.
fn dest_state(
    root: std::os::fd::BorrowedFd,
    dest: &ContainerPath,
    what: &str,
) -> Result<Dest, String> {
    let node = archive::locate(root, &dest.rel, true).map_err(|e| missing(what, e))?;
    match node.stat() {
        Ok(_) if node.is_dir().unwrap_or(false) => Ok(Dest::Dir),
        Ok(_) => Ok(Dest::File),
        Err(e) if e.raw_os_error() == Some(libc::ENOENT) => Ok(Dest::Missing),
        Err(e) => Err(missing(what, e)),
    }
}

fn stream_out(sock: &mut UnixStream, out: &mut dyn Write) -> Result<(), ContainersError> {
    io::copy(sock, out)
        .and_then(|_| out.flush())
        .map_err(|e| ContainersError::Write {
            path: PathBuf::from("-"),
            source: e,
        })
}

/// In the child: sends `node` as a tar, named `name` (empty: its contents).
fn send_tree(sock: UnixStream, node: &Node, name: &str, tree: &TreeOptions) -> Result<(), String> {
    let mut b = tar::Builder::new(io::BufWriter::new(sock));
    let written = match name {
        "" => archive::append_contents(&mut b, node, Path::new(""), tree),
        name => archive::append(&mut b, node, Path::new(name), tree),
    };
    written
        .and_then(|()| b.into_inner()?.flush())
        .map_err(|e| format!("cannot send the files: {e}"))
}

/// The helper's first answer; its error when it has none.
fn first_line(mut helper: Rooted) -> Result<(Rooted, String), ContainersError> {
    match read_line(&mut helper.sock) {
        Ok(line) => Ok((helper, line)),
        Err(_) => Err(helper
            .finish()
            .err()
            .unwrap_or_else(|| invalid("the copy helper stopped"))),
    }
}

/// The child's error first (it says what went wrong in the container), then ours.
fn finish(helper: Rooted, ours: Result<(), ContainersError>) -> Result<(), ContainersError> {
    let theirs = helper.finish();
    theirs.and(ours)
}

pub(super) fn open_root(root: &Path) -> Result<std::fs::File, String> {
    std::fs::File::open(root).map_err(|e| format!("cannot open the container's root: {e}"))
}

fn send_line(sock: &mut UnixStream, line: &str) -> Result<(), String> {
    sock.write_all(format!("{line}\n").as_bytes())
        .map_err(|e| format!("cannot talk to the copy helper: {e}"))
}

/// One line, read a byte at a time so that nothing after it is taken.
fn read_line(sock: &mut UnixStream) -> Result<String, String> {
    let mut line = Vec::new();
    let mut byte = [0u8];
    loop {
        match sock.read(&mut byte) {
            Ok(0) => return Err("the other side stopped".into()),
            Ok(_) if byte[0] == b'\n' => break,
            Ok(_) => line.push(byte[0]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok(String::from_utf8_lossy(&line).into_owned())
}

fn base_name(path: &str) -> String {
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_owned()
}

fn missing(what: &str, e: io::Error) -> String {
    match e.raw_os_error() {
        Some(libc::ENOENT) => format!("no such container path: {what}"),
        _ => format!("cannot use {what}: {e}"),
    }
}

fn invalid(message: &str) -> ContainersError {
    ContainersError::Invalid(message.to_owned())
}

#[cfg(test)]
mod tests {
    use super::Endpoint;
    use std::path::PathBuf;

    #[test]
    fn arguments_are_read_as_docker_reads_them() {
        let c = |n: &str, p: &str| Endpoint::Container {
            name: n.into(),
            path: p.into(),
        };
        assert_eq!(Endpoint::parse("box:/etc"), c("box", "/etc"));
        assert_eq!(Endpoint::parse("-"), Endpoint::Stream);
        assert_eq!(
            Endpoint::parse("/a:b"),
            Endpoint::Host(PathBuf::from("/a:b"))
        );
        assert_eq!(
            Endpoint::parse("./a:b"),
            Endpoint::Host(PathBuf::from("./a:b"))
        );
        assert_eq!(
            Endpoint::parse("file"),
            Endpoint::Host(PathBuf::from("file"))
        );
    }
}
