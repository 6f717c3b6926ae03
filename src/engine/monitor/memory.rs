//! Giving back what setting a container up needed. A detached monitor lives as long
//! as its container, one per container, so what it keeps is multiplied: the target
//! is to cost no more than conmon.

/// Room left below the caller's frame for the event loop's own calls; anything
/// deeper is faulted in again, zero-filled, as a fresh stack would be.
const STACK_KEPT: usize = 16 * 1024;

/// Returns free heap memory, and the stack pages below the caller that building
/// the container dirtied, to the kernel.
pub fn shed() {
    // SAFETY: malloc_trim only returns free heap memory to the kernel.
    unsafe { libc::malloc_trim(0) };
    release_stack();
}

fn release_stack() {
    let marker = 0u8;
    let here = std::ptr::addr_of!(marker) as usize;
    // Only on the main thread's own stack (the monitor has no other thread).
    let Some((lowest, _)) = stack_range().filter(|(lo, hi)| (*lo..*hi).contains(&here)) else {
        return;
    };
    let page = 4096;
    let below = here.saturating_sub(STACK_KEPT) & !(page - 1);
    if below <= lowest {
        return;
    }
    // SAFETY: [lowest, below) is the main thread's stack beneath every live frame
    // (the stack grows down from `here`, and STACK_KEPT more is left alone); its
    // contents are dead, and MADV_DONTNEED makes the pages zero-filled on next use.
    unsafe {
        libc::madvise(
            lowest as *mut libc::c_void,
            below - lowest,
            libc::MADV_DONTNEED,
        );
    }
}

/// The main thread's stack mapping, lowest address first.
fn stack_range() -> Option<(usize, usize)> {
    let maps = std::fs::read_to_string("/proc/self/maps").ok()?;
    let line = maps.lines().find(|l| l.ends_with("[stack]"))?;
    let (range, _) = line.split_once(' ')?;
    let (start, end) = range.split_once('-')?;
    Some((
        usize::from_str_radix(start, 16).ok()?,
        usize::from_str_radix(end, 16).ok()?,
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn shedding_leaves_the_caller_working() {
        let deep = vec![7u8; 1 << 16];
        super::shed();
        assert!(deep.iter().all(|&b| b == 7));
        assert!(super::stack_range().is_some_and(|(lo, hi)| lo < hi));
    }
}
