//! What a tar header (and its PAX records) says about an entry's metadata.

use std::ffi::CString;
use std::io::{self, Read};

use super::sys::Times;

pub(super) struct Meta {
    pub(super) uid: u32,
    pub(super) gid: u32,
    /// Permission bits with setuid, setgid and sticky.
    pub(super) mode: u32,
    pub(super) times: Times,
    /// `SCHILY.xattr.*` records, in the order the tar gives them.
    pub(super) xattrs: Vec<(CString, Vec<u8>)>,
}

const XATTR_PREFIX: &[u8] = b"SCHILY.xattr.";

impl Meta {
    /// Reads the header; the tar crate has already applied PAX `uid`, `gid`,
    /// `size`, `path` and `linkpath`, so only times and xattrs are left here.
    pub(super) fn read<R: Read>(entry: &mut tar::Entry<'_, R>) -> io::Result<Meta> {
        let header = entry.header();
        let id = |v: u64, what: &str| {
            u32::try_from(v).map_err(|_| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{what} {v} is out of range"),
                )
            })
        };
        let uid = id(header.uid()?, "uid")?;
        let gid = id(header.gid()?, "gid")?;
        let mode = header.mode()? & 0o7777;
        let mut mtime = timespec(i64::try_from(header.mtime()?).unwrap_or(i64::MAX), 0);
        let mut atime = None;
        let mut xattrs = Vec::new();
        if let Some(records) = entry.pax_extensions()? {
            for record in records {
                let record = record?;
                let key = record.key_bytes();
                if key == b"mtime" {
                    mtime = parse_pax_time(record.value_bytes()).unwrap_or(mtime);
                } else if key == b"atime" {
                    atime = parse_pax_time(record.value_bytes());
                } else if let Some(name) = key.strip_prefix(XATTR_PREFIX) {
                    let name = CString::new(name).map_err(|_| {
                        io::Error::new(io::ErrorKind::InvalidData, "xattr name holds a NUL byte")
                    })?;
                    xattrs.push((name, record.value_bytes().to_vec()));
                }
            }
        }
        // As Docker: the access time is the header's when it is later than the
        // modification time, else the modification time.
        let atime = match atime {
            Some(a) if (a.tv_sec, a.tv_nsec) > (mtime.tv_sec, mtime.tv_nsec) => a,
            _ => mtime,
        };
        Ok(Meta {
            uid,
            gid,
            mode,
            times: [atime, mtime],
            xattrs,
        })
    }
}

fn timespec(sec: i64, nsec: i64) -> libc::timespec {
    // SAFETY: timespec is plain data (it has private padding on some targets).
    let mut ts: libc::timespec = unsafe { std::mem::zeroed() };
    ts.tv_sec = sec as libc::time_t;
    ts.tv_nsec = nsec as _;
    ts
}

/// A PAX time: decimal seconds since the epoch, maybe negative, maybe with a
/// fraction (`1700000000.123456789`).
fn parse_pax_time(value: &[u8]) -> Option<libc::timespec> {
    let value = std::str::from_utf8(value).ok()?;
    let (negative, digits) = match value.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, value),
    };
    let (sec, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if sec.is_empty()
        || !sec.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let sec: i64 = sec.parse().ok()?;
    let mut nsec: i64 = 0;
    for (i, digit) in frac.bytes().take(9).enumerate() {
        nsec += i64::from(digit - b'0') * 10i64.pow(8 - i as u32);
    }
    Some(if !negative {
        timespec(sec, nsec)
    } else if nsec == 0 {
        timespec(-sec, 0)
    } else {
        timespec(-sec - 1, 1_000_000_000 - nsec)
    })
}

#[cfg(test)]
mod tests {
    use super::parse_pax_time;

    fn t(s: &str) -> Option<(libc::time_t, libc::c_long)> {
        parse_pax_time(s.as_bytes()).map(|ts| (ts.tv_sec, ts.tv_nsec))
    }

    #[test]
    fn pax_times_parse_with_fractions_and_signs() {
        assert_eq!(t("1700000000"), Some((1_700_000_000, 0)));
        assert_eq!(t("1700000000.5"), Some((1_700_000_000, 500_000_000)));
        assert_eq!(t("1.123456789123"), Some((1, 123_456_789)));
        assert_eq!(t("-1.25"), Some((-2, 750_000_000)));
        assert_eq!(t("-3"), Some((-3, 0)));
        assert_eq!(t(""), None);
        assert_eq!(t("12a"), None);
        assert_eq!(t(".5"), None);
    }
}
