//! Reading the kernel's pseudo files (/proc, /sys/fs/cgroup). Their size is
//! not known ahead (stat says 0 or a page), so std's `read_to_string` stats
//! each one and then probes it with small reads; `stats` reads hundreds of
//! them, so they are read here into a page-sized buffer instead, one read and
//! the one that says the end.

use std::io::{self, Read};
use std::path::Path;

pub fn read(path: impl AsRef<Path>) -> io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut buf = vec![0u8; 4096];
    let mut len = 0;
    loop {
        if len == buf.len() {
            buf.resize(len * 2, 0);
        }
        match file.read(&mut buf[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    buf.truncate(len);
    String::from_utf8(buf).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_small_and_large_files_whole() {
        let stat = super::read("/proc/self/stat").unwrap();
        assert!(stat.ends_with('\n') && stat.contains(')'));
        let dir = tempfile::tempdir().unwrap();
        let big = "x".repeat(10_000);
        std::fs::write(dir.path().join("big"), &big).unwrap();
        assert_eq!(super::read(dir.path().join("big")).unwrap(), big);
        assert!(super::read(dir.path().join("missing")).is_err());
    }
}
