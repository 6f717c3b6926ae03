//! `export`: a container's whole filesystem as a tar, running or not, read by a
//! child rooted in it (see [`super::rooted`]). What is mounted into a running
//! container (/proc, /sys, /dev, /etc/hosts...) is not part of it, as in Docker.

use super::cp::archive::{self, TreeOptions};
use super::rooted;
use super::ContainersError;
use crate::engine::context::Context;
use crate::engine::process::Host;
use crate::engine::store::Store;
use crate::engine::userns::shift::IdShift;
use std::io::{self, Write};
use std::os::fd::AsFd;
use std::path::Path;

/// Writes the tar of container `input`'s filesystem to `out`.
pub fn export(
    ctx: &Context,
    host: &Host,
    store: &Store,
    input: &str,
    out: &mut dyn Write,
) -> Result<(), ContainersError> {
    let work: rooted::Work = Box::new(|root, sock, own_ids| {
        let root = super::cp::open_root(root)?;
        let node = archive::locate(root.as_fd(), "", false)
            .map_err(|e| format!("cannot open the container's root: {e}"))?;
        let tree = TreeOptions {
            keep_owner: true,
            one_file_system: true,
            ids: own_ids.map(IdShift::ToContainer),
        };
        let mut b = tar::Builder::new(io::BufWriter::new(sock));
        archive::append_contents(&mut b, &node, Path::new(""), &tree)
            .and_then(|()| b.into_inner()?.flush())
            .map_err(|e| format!("cannot read the container's files: {e}"))
    });
    let mut helper = rooted::spawn(ctx, host, store, input, work)?;
    let copied = io::copy(&mut helper.sock, out).and_then(|_| out.flush());
    helper.finish()?;
    copied.map_err(|source| ContainersError::Write {
        path: "-".into(),
        source,
    })
}
