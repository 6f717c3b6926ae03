//! `--hostuser`: the host's account of that name or uid, added to the
//! container's /etc/passwd, as Podman adds it (no password, the working
//! directory as home, /bin/sh).

use super::layers;
use crate::engine::runtime::RuntimeError;
use nix::unistd::{Uid, User};
use std::path::PathBuf;

/// The host's account, or Podman's error when there is none.
pub fn lookup(name: &str) -> Result<User, RuntimeError> {
    let found = match name.parse::<u32>() {
        Ok(uid) => User::from_uid(Uid::from_raw(uid)),
        Err(_) => User::from_name(name),
    };
    match found {
        Ok(Some(user)) => Ok(user),
        _ => Err(RuntimeError::Invalid(format!("user: unknown user {name}"))),
    }
}

/// Appends the accounts to the container's passwd: the one already planned
/// (keep-id's), else the image's.
pub fn add(
    etc: &mut Vec<(&'static str, String)>,
    layer_dirs: &[PathBuf],
    names: &[String],
    home: &str,
) -> Result<(), RuntimeError> {
    let at = match etc.iter().position(|(file, _)| *file == "passwd") {
        Some(at) => at,
        None => {
            let image = layers::read_file(layer_dirs, "etc/passwd").unwrap_or_default();
            etc.push(("passwd", image));
            etc.len() - 1
        }
    };
    let passwd = &mut etc[at].1;
    for name in names {
        let user = lookup(name)?;
        if !passwd.is_empty() && !passwd.ends_with('\n') {
            passwd.push('\n');
        }
        let gecos = user.gecos.to_string_lossy();
        passwd.push_str(&format!(
            "{}:*:{}:{}:{gecos}:{home}:/bin/sh\n",
            user.name, user.uid, user.gid
        ));
    }
    Ok(())
}
