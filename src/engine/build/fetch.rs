//! ADD from a URL: the file downloaded into a directory of its own, named after
//! the URL's last path element, mode 0600, its time the server's Last-Modified, as
//! Docker does.

use super::BuildError;
use nix::sys::stat::{utimensat, UtimensatFlags};
use nix::sys::time::TimeSpec;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use tokio::runtime::Handle;

pub fn is_url(src: &str) -> bool {
    src.starts_with("http://") || src.starts_with("https://")
}

/// Downloads `url` into `dir` on the engine's runtime; returns the file's name there.
pub fn download(runtime: &Handle, url: &str, dir: &Path) -> Result<String, BuildError> {
    let failed = |what: String| BuildError::Source(format!("ADD {url}: {what}"));
    // reqwest is built without a crypto provider; the registry client picks ring too.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let (bytes, modified) = runtime.block_on(async {
        let response = reqwest::get(url)
            .await
            .map_err(|e| failed(format!("cannot download it: {e}")))?;
        if !response.status().is_success() {
            return Err(failed(format!("the server answered {}", response.status())));
        }
        let modified = response
            .headers()
            .get(reqwest::header::LAST_MODIFIED)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| chrono::DateTime::parse_from_rfc2822(v).ok());
        let bytes = response
            .bytes()
            .await
            .map_err(|e| failed(format!("the download broke off: {e}")))?;
        Ok((bytes, modified))
    })?;
    let name = file_name(url);
    let path = dir.join(&name);
    let write = |e: std::io::Error| failed(format!("cannot keep it: {e}"));
    std::fs::write(&path, &bytes).map_err(write)?;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).map_err(write)?;
    if let Some(time) = modified {
        let t = TimeSpec::new(time.timestamp(), 0);
        utimensat(None, &path, &t, &t, UtimensatFlags::NoFollowSymlink)
            .map_err(|e| write(e.into()))?;
    }
    Ok(name)
}

/// The last path element, without query or fragment; `download` when there is none.
fn file_name(url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let after_host = path.splitn(4, '/').nth(3).unwrap_or("");
    match after_host.rsplit('/').next() {
        Some(name) if !name.is_empty() && name != "." && name != ".." => name.to_owned(),
        _ => "download".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_path() {
        assert_eq!(
            file_name("https://example.com/a/b/file.tar.gz?x=1"),
            "file.tar.gz"
        );
        assert_eq!(file_name("http://example.com/"), "download");
        assert_eq!(file_name("http://example.com"), "download");
        assert!(is_url("https://x") && !is_url("file.txt"));
    }
}
