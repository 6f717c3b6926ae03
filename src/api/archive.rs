//! `/containers/{id}/archive` (`docker cp`): GET a tar of a path, HEAD its
//! facts, PUT a tar into a directory. The copy and the facts are the engine's
//! (`copy` with a tar stream, `stat_path`); this checks the path first so that
//! a missing one gets Docker's 404 before any of the body goes out.

use super::error::Error;
use super::exchange::Exchange;
use crate::engine::containers::cp::{CopyOptions, Endpoint, PathStat};
use crate::engine::interface::Engine;
use base64::Engine as _;

/// `/containers/{id}/archive`: the one container action served here.
pub fn is_container_archive(rest: &str) -> bool {
    rest.split_once('/')
        .is_some_and(|(_, action)| action == "archive")
}

pub fn route(engine: &dyn Engine, ex: &mut Exchange, rest: &str) -> Result<(), Error> {
    let (name, _) = rest.split_once('/').unwrap_or((rest, ""));
    let path = match ex.head.param("path") {
        Some(path) if !path.is_empty() => path.to_owned(),
        _ => return Err(Error::bad_request("path cannot be empty")),
    };
    match ex.head.method.as_str() {
        "HEAD" => {
            let stat = found(engine, name, &path, false)?;
            Ok(ex.reply.empty(200, &[stat_header(&stat)?.as_header()])?)
        }
        "GET" => get(engine, ex, name, &path),
        "PUT" => put(engine, ex, name, &path),
        _ => Err(Error::no_route()),
    }
}

/// The path as a tar, its top entry under the path's own name.
fn get(engine: &dyn Engine, ex: &mut Exchange, name: &str, path: &str) -> Result<(), Error> {
    let stat = found(engine, name, path, false)?;
    let header = stat_header(&stat)?;
    let headers = [("Content-Type", "application/x-tar"), header.as_header()];
    let mut body = ex.reply.stream(200, &headers)?;
    let src = Endpoint::Container {
        name: name.to_owned(),
        path: path.to_owned(),
    };
    engine.copy(
        &src,
        &Endpoint::Stream,
        CopyOptions::default(),
        &mut std::io::empty(),
        &mut body,
    )?;
    Ok(body.finish()?)
}

/// Unpacks the body's tar into the directory `path` (a symlink to one counts,
/// as Docker resolves it). `copyUIDGID` keeps the tar's owners, else they are
/// root's; `noOverwriteDirNonDir` keeps a directory and a non-directory from
/// replacing each other.
fn put(engine: &dyn Engine, ex: &mut Exchange, name: &str, path: &str) -> Result<(), Error> {
    let stat = found(engine, name, path, true)?;
    if stat.mode & libc::S_IFMT != libc::S_IFDIR {
        return Err(Error::bad_request("extraction point is not a directory"));
    }
    let opts = CopyOptions {
        archive: ex.head.flag("copyUIDGID"),
        follow: false,
        overwrite: !ex.head.flag("noOverwriteDirNonDir"),
    };
    let dest = Endpoint::Container {
        name: name.to_owned(),
        path: path.to_owned(),
    };
    engine.copy(
        &Endpoint::Stream,
        &dest,
        opts,
        &mut ex.body,
        &mut std::io::sink(),
    )?;
    Ok(ex.reply.empty(200, &[])?)
}

/// The path's facts; Docker's 404 when nothing is there.
fn found(engine: &dyn Engine, name: &str, path: &str, follow: bool) -> Result<PathStat, Error> {
    engine.stat_path(name, path, follow)?.ok_or_else(|| {
        Error::not_found(format!(
            "Could not find the file {path} in container {name}"
        ))
    })
}

/// `X-Docker-Container-Path-Stat`: Docker's ContainerPathStat as base64 JSON.
struct StatHeader(String);

impl StatHeader {
    fn as_header(&self) -> (&str, &str) {
        ("X-Docker-Container-Path-Stat", &self.0)
    }
}

fn stat_header(stat: &PathStat) -> Result<StatHeader, Error> {
    let mtime = chrono::DateTime::from_timestamp(stat.mtime_secs, stat.mtime_nanos as u32)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
    let json = serde_json::json!({
        "name": stat.name,
        "size": stat.size,
        "mode": go_file_mode(stat.mode),
        "mtime": mtime,
        "linkTarget": stat.link_target.clone().unwrap_or_default(),
    });
    let text = serde_json::to_vec(&json)?;
    Ok(StatHeader(
        base64::engine::general_purpose::STANDARD.encode(text),
    ))
}

/// `st_mode` as Go's os.FileMode, which Docker's clients decode: the
/// permission bits, with the type and the set-id and sticky bits moved to
/// Go's own high bits.
fn go_file_mode(mode: u32) -> u32 {
    const DIR: u32 = 1 << 31;
    const SYMLINK: u32 = 1 << 27;
    const DEVICE: u32 = 1 << 26;
    const NAMED_PIPE: u32 = 1 << 25;
    const SOCKET: u32 = 1 << 24;
    const SETUID: u32 = 1 << 23;
    const SETGID: u32 = 1 << 22;
    const CHAR_DEVICE: u32 = 1 << 21;
    const STICKY: u32 = 1 << 20;
    let mut go = mode & 0o777;
    go |= match mode & libc::S_IFMT {
        libc::S_IFDIR => DIR,
        libc::S_IFLNK => SYMLINK,
        libc::S_IFBLK => DEVICE,
        libc::S_IFCHR => DEVICE | CHAR_DEVICE,
        libc::S_IFIFO => NAMED_PIPE,
        libc::S_IFSOCK => SOCKET,
        _ => 0,
    };
    for (unix, bit) in [
        (libc::S_ISUID, SETUID),
        (libc::S_ISGID, SETGID),
        (libc::S_ISVTX, STICKY),
    ] {
        if mode & unix != 0 {
            go |= bit;
        }
    }
    go
}

#[cfg(test)]
mod tests {
    use super::go_file_mode;

    #[test]
    fn modes_are_gos() {
        assert_eq!(go_file_mode(libc::S_IFDIR | 0o755), (1 << 31) | 0o755);
        assert_eq!(go_file_mode(libc::S_IFLNK | 0o777), (1 << 27) | 0o777);
        assert_eq!(go_file_mode(libc::S_IFREG | 0o644), 0o644);
        assert_eq!(
            go_file_mode(libc::S_IFDIR | libc::S_ISVTX | 0o777),
            (1 << 31) | (1 << 20) | 0o777
        );
    }
}
