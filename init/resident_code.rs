//! Letting go of resident machine code, for processes that mostly wait (a
//! detached container's monitor, coracle-init). Shared by coracle and
//! coracle-init, which build.rs compiles on its own: std only.

use std::os::raw::{c_int, c_void};

const MADV_DONTNEED: c_int = 4;

extern "C" {
    fn madvise(addr: *mut c_void, len: usize, advice: c_int) -> c_int;
}

/// Drops the executable's code (its r-xp mappings) from this process's page
/// tables. Starting up maps far more of it than waiting runs (a fault maps
/// its neighbours too), and all of it counts in the process's resident and
/// proportional memory; what runs again comes back from the page cache on
/// its next fault. Only code: a writable or relocated page would lose its
/// contents.
pub fn release() {
    let (Ok(exe), Ok(maps)) = (
        std::fs::read_link("/proc/self/exe"),
        std::fs::read_to_string("/proc/self/maps"),
    ) else {
        return;
    };
    let Some(exe) = exe.to_str() else {
        return;
    };
    for line in maps.lines() {
        let mut fields = line.splitn(6, ' ');
        let (Some(range), Some(perms)) = (fields.next(), fields.next()) else {
            continue;
        };
        let path = fields.nth(3).map(str::trim_start);
        let Some((start, end)) = range.split_once('-') else {
            continue;
        };
        let (Ok(start), Ok(end)) = (
            usize::from_str_radix(start, 16),
            usize::from_str_radix(end, 16),
        ) else {
            continue;
        };
        if perms == "r-xp" && path == Some(exe) {
            // SAFETY: the range is a private, read-only mapping of the
            // executable's file: dropping its pages loses nothing.
            unsafe { madvise(start as *mut c_void, end - start, MADV_DONTNEED) };
        }
    }
}
