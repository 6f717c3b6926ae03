//! The host's side of a copy, worked in our own process as the caller: the
//! source read from a host path or the caller's tar stream, and the tar from the
//! container unpacked at a host path.

use super::archive::{self, Node, TreeOptions};
use super::path::{self, ContainerPath, Dest};
use super::{base_name, invalid, send_line, Endpoint};
use crate::engine::containers::rooted::Rooted;
use crate::engine::containers::ContainersError;
use crate::engine::store::unpack::{self, UnpackOptions};
use std::io::{self, Read, Write};
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};

/// The copy's source on the host.
pub(super) struct HostSource {
    /// `None`: a tar stream from the caller.
    node: Option<Node>,
    pub(super) name: String,
    pub(super) contents: bool,
}

impl HostSource {
    pub(super) fn open(from: &Endpoint, follow: bool) -> Result<HostSource, ContainersError> {
        let Endpoint::Host(given) = from else {
            return Ok(HostSource {
                node: None,
                name: String::new(),
                contents: true,
            });
        };
        let text = given.to_string_lossy();
        let contents = text.ends_with("/.") || text == ".";
        let absolute = std::path::absolute(given)
            .map_err(|e| invalid(&format!("cannot use {}: {e}", given.display())))?;
        let root = std::fs::File::open("/").map_err(|e| invalid(&format!("cannot open /: {e}")))?;
        let node = archive::locate(root.as_fd(), &absolute.to_string_lossy(), follow)
            .map_err(|e| invalid(&format!("cannot copy {}: {e}", given.display())))?;
        let is_dir = node.is_dir().unwrap_or(false);
        if text.ends_with('/') && !is_dir {
            return Err(invalid(&format!("{} is not a directory", given.display())));
        }
        let name = base_name(&absolute.to_string_lossy());
        Ok(HostSource {
            node: Some(node),
            name,
            contents,
        })
    }

    /// Whether it is a directory; `None` for a tar stream.
    pub(super) fn is_dir(&self) -> Option<bool> {
        self.node.as_ref().map(|n| n.is_dir().unwrap_or(false))
    }

    /// Sends it as a tar whose names start with `prefix` (the place in the root);
    /// a stream is read from `input`.
    pub(super) fn send(
        &self,
        sock: &mut UnixStream,
        prefix: &Path,
        tree: &TreeOptions,
        input: &mut dyn Read,
    ) -> Result<(), ContainersError> {
        let mut b = tar::Builder::new(io::BufWriter::new(sock));
        let written = match &self.node {
            // `SRC/.`: what the directory holds, under the place the child chose.
            Some(node) if self.contents => archive::append_contents(&mut b, node, prefix, tree),
            Some(node) => archive::append(&mut b, node, prefix, tree),
            None => rebase_stream(&mut b, input, prefix, tree),
        };
        written
            .and_then(|()| b.into_inner()?.flush())
            .map_err(|e| invalid(&format!("cannot send the files: {e}")))
    }
}

/// Re-writes a tar stream with `prefix` before every name (and hard link target),
/// owned by root unless `-a`.
fn rebase_stream<W: Write>(
    b: &mut tar::Builder<W>,
    input: impl Read,
    prefix: &Path,
    tree: &TreeOptions,
) -> io::Result<()> {
    let mut archive = tar::Archive::new(input);
    for entry in archive.entries()? {
        let mut entry = entry?;
        let name = prefix.join(entry.path()?.strip_prefix("/").unwrap_or(&entry.path()?));
        let mut header = entry.header().clone();
        // Writers leave numeric fields empty at times; GNU tar reads that as 0.
        if !tree.keep_owner || header.uid().is_err() || header.gid().is_err() {
            header.set_uid(0);
            header.set_gid(0);
        }
        if header.mtime().is_err() {
            header.set_mtime(0);
        }
        match header.entry_type() {
            tar::EntryType::Symlink | tar::EntryType::Link => {
                let mut target = entry.link_name()?.unwrap_or_default().into_owned();
                if header.entry_type() == tar::EntryType::Link {
                    target = prefix.join(target.strip_prefix("/").unwrap_or(&target));
                }
                b.append_link(&mut header, name, target)?;
            }
            _ => b.append_data(&mut header, name, &mut entry)?,
        }
    }
    Ok(())
}

/// Receives the tar on the host and unpacks it where Docker's rules put it.
pub(super) fn extract_on_host(
    helper: &mut Rooted,
    src_is_dir: bool,
    src: &ContainerPath,
    src_name: &str,
    dest: &Path,
) -> Result<(), ContainersError> {
    let state = match std::fs::metadata(dest) {
        Ok(m) if m.is_dir() => Dest::Dir,
        Ok(_) => Dest::File,
        Err(e) if e.kind() == io::ErrorKind::NotFound => Dest::Missing,
        Err(e) => return Err(invalid(&format!("cannot use {}: {e}", dest.display()))),
    };
    let given = dest.to_string_lossy();
    let placed = path::place(
        src_is_dir,
        src_name,
        src.contents,
        state,
        &given,
        given.ends_with('/'),
    )
    .map_err(ContainersError::Invalid)?;
    let target = match placed.into_dest {
        true => dest.to_owned(),
        false => match dest.parent().filter(|p| !p.as_os_str().is_empty()) {
            Some(parent) => parent.to_owned(),
            None => PathBuf::from("."),
        },
    };
    if !target.is_dir() {
        return Err(invalid(&format!(
            "the destination directory {} does not exist",
            target.display()
        )));
    }
    send_line(&mut helper.sock, placed.name.as_deref().unwrap_or_default())
        .map_err(ContainersError::Invalid)?;
    // Owners cannot be given away here: the files are the caller's, as Docker has it.
    let opts = UnpackOptions {
        ignore_chown_errors: true,
        skip_devices: true,
        ids: None,
        keep_kinds: false,
    };
    unpack::unpack_layer(&mut helper.sock, &target, &opts)
        .map(|_| ())
        .map_err(|e| invalid(&format!("cannot copy to {}: {e}", dest.display())))
}
