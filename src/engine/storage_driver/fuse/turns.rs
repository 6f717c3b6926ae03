//! Which serving thread waits for the kernel's next request, and how. A
//! request that finds its server asleep pays for waking it, and a busy stream
//! of them (a large file read in 128 KiB requests, an untar's round trips)
//! pays that on every one. So one thread at a time waits: after each answer
//! it polls the device for a few tens of µs before it sleeps in read(2), as
//! a halt-polling CPU does. The other threads park here meanwhile, out of the
//! kernel's queue of readers, where each request would wake one of them for
//! nothing. A parked thread goes back to serving when requests queue up
//! while the others are busy, or when one has kept its thread busy for a while
//! (a copy-up, a slow disk), so that one slow request does not hold up the
//! rest; and once the mount is idle, to sleep in read(2) until a request
//! comes.

use std::cell::Cell;
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::{Mutex, MutexGuard};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

/// How long the waiting thread polls before it sleeps: a read request of
/// the kernel's readahead takes about 40 µs to answer, and the next one
/// comes while it is answered or soon after.
const SPIN: Duration = Duration::from_micros(50);
/// How long a request may keep its thread busy before a parked thread goes
/// back to serving the others, and how long the mount must be idle before
/// they all do.
const STUCK: Duration = Duration::from_millis(2);
/// How often parked threads look.
const LOOK: Duration = Duration::from_millis(2);

pub struct Turns {
    /// The FUSE device, polled for a request that waits to be read.
    device: OwnedFd,
    /// Zero on one CPU, where polling would only keep the client off it.
    spin: Duration,
    /// STUCK; longer in tests, to tell a parked thread's reasons apart.
    stuck: Duration,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// A thread is on its way to read(2) the next request, or in it.
    waiter: bool,
    /// The threads answering a request, and since when.
    busy: Vec<(ThreadId, Instant)>,
    /// When a request was last answered.
    last: Option<Instant>,
}

thread_local! {
    /// This thread is the waiter.
    static WAITER: Cell<bool> = const { Cell::new(false) };
}

/// A request being answered on this thread; dropped when it is answered.
pub struct Turn<'a>(&'a Turns);

impl Turns {
    /// `device` is (a duplicate of) the descriptor the requests are read from.
    pub fn new(device: OwnedFd, cpus: usize) -> Turns {
        Turns {
            device,
            spin: if cpus > 1 { SPIN } else { Duration::ZERO },
            stuck: STUCK,
            state: Mutex::new(State::default()),
        }
    }

    /// This thread has read a request and answers it until the turn drops.
    #[must_use]
    pub fn begin(&self) -> Turn<'_> {
        let mut state = self.state();
        if WAITER.replace(false) {
            state.waiter = false;
        }
        state.busy.push((thread::current().id(), Instant::now()));
        Turn(self)
    }

    /// The request is answered: this thread waits for the next one if no
    /// other does, or parks until there is work for a second thread.
    fn end(&self) {
        let me = thread::current().id();
        let mut state = self.state();
        state.busy.retain(|(id, _)| *id != me);
        state.last = Some(Instant::now());
        if !state.waiter {
            state.waiter = true;
            WAITER.set(true);
            drop(state);
            self.poll();
            return;
        }
        loop {
            let stuck = state.busy.iter().any(|(_, t)| t.elapsed() >= self.stuck);
            let idle =
                state.busy.is_empty() && state.last.is_some_and(|t| t.elapsed() >= self.stuck);
            drop(state);
            if stuck || idle || self.pending() {
                return;
            }
            thread::sleep(LOOK);
            state = self.state();
        }
    }

    /// Polls the device for up to `spin`, until a request can be read (or
    /// the mount is gone, which read(2) then reports).
    fn poll(&self) {
        let start = Instant::now();
        while start.elapsed() < self.spin {
            if self.pending() {
                return;
            }
        }
    }

    /// Whether a request waits to be read (or the mount is gone).
    fn pending(&self) -> bool {
        let mut fd = libc::pollfd {
            fd: self.device.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one pollfd, valid for the call; a zero timeout.
        unsafe { libc::poll(&mut fd, 1, 0) != 0 }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        self.0.end();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::sync::mpsc;

    /// Turns over a pipe, which stands for the device (a byte in it is a
    /// request waiting), that call a request stuck after `stuck`; they live
    /// as long as the test's threads.
    fn turns(stuck: Duration) -> (&'static Turns, std::fs::File) {
        let (read, write) = nix::unistd::pipe().unwrap();
        let turns = Turns {
            stuck,
            ..Turns::new(read, 2)
        };
        (Box::leak(Box::new(turns)), std::fs::File::from(write))
    }

    /// Answers one request on a thread of its own, taking `hold`; says
    /// when the thread goes back to read(2), and whether as the waiter.
    fn answer(turns: &'static Turns, hold: Duration) -> mpsc::Receiver<bool> {
        let (done, returned) = mpsc::channel();
        thread::spawn(move || {
            let turn = turns.begin();
            thread::sleep(hold);
            drop(turn);
            let _ = done.send(WAITER.get());
        });
        returned
    }

    const LONG: Duration = Duration::from_secs(30);
    const SOON: Duration = Duration::from_secs(5);

    #[test]
    fn the_first_thread_done_waits_polling_only_briefly() {
        let (turns, _device) = turns(LONG);
        assert!(answer(turns, Duration::ZERO).recv_timeout(SOON).unwrap());
    }

    #[test]
    fn a_second_thread_parks_until_the_mount_is_idle() {
        let stuck = Duration::from_millis(200);
        let (turns, _device) = turns(stuck);
        assert!(answer(turns, Duration::ZERO).recv().unwrap());
        let started = Instant::now();
        assert!(!answer(turns, Duration::ZERO).recv_timeout(SOON).unwrap());
        assert!(started.elapsed() >= stuck);
    }

    #[test]
    fn a_parked_thread_serves_when_requests_queue_up() {
        let (turns, mut device) = turns(LONG);
        assert!(answer(turns, Duration::ZERO).recv().unwrap());
        let _busy = answer(turns, LONG);
        let parked = answer(turns, Duration::ZERO);
        thread::sleep(Duration::from_millis(100));
        assert!(parked.try_recv().is_err(), "it parks");
        device.write_all(b"r").unwrap();
        assert!(!parked.recv_timeout(SOON).unwrap());
    }

    #[test]
    fn a_slow_request_does_not_hold_up_the_rest() {
        let stuck = Duration::from_millis(300);
        let (turns, _device) = turns(stuck);
        assert!(answer(turns, Duration::ZERO).recv().unwrap());
        let _slow = answer(turns, LONG);
        let started = Instant::now();
        assert!(!answer(turns, Duration::ZERO).recv_timeout(SOON).unwrap());
        assert!(started.elapsed() >= stuck / 2);
    }
}
