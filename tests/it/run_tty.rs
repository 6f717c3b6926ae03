//! run -t: the container's pty, driven from here through a pty of our own, as a
//! person at a terminal would.

use crate::common::*;
use coracle_testkit::Coracle;
use nix::fcntl::{open, OFlag};
use nix::pty::{grantpt, posix_openpt, ptsname_r, unlockpt, PtyMaster, Winsize};
use nix::sys::stat::Mode;
use nix::sys::termios::{tcgetattr, LocalFlags};
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(60);

/// coracle started on a fresh pty, as the session leader with the pty as its
/// controlling terminal (so it gets SIGWINCH), and what it has written so far.
pub(crate) struct Session {
    master: PtyMaster,
    child: Child,
    pub(crate) screen: String,
}

impl Session {
    pub(crate) fn start(c: &Coracle, args: &[&str], rows: u16, cols: u16) -> Session {
        // Both ends close-on-exec from the start: a process another test forks must
        // not inherit them, or the pty never reports that coracle is gone.
        let master =
            posix_openpt(OFlag::O_RDWR | OFlag::O_NOCTTY | OFlag::O_CLOEXEC).expect("posix_openpt");
        grantpt(&master).expect("grantpt");
        unlockpt(&master).expect("unlockpt");
        let name = ptsname_r(&master).expect("ptsname");
        let slave = open(
            name.as_str(),
            OFlag::O_RDWR | OFlag::O_NOCTTY | OFlag::O_CLOEXEC,
            Mode::empty(),
        )
        .expect("open the pty");
        // SAFETY: open just returned this descriptor.
        let slave = unsafe { OwnedFd::from_raw_fd(slave) };
        let session = Session {
            master,
            child: spawn_on(c, args, slave),
            screen: String::new(),
        };
        session.resize(rows, cols);
        nix::fcntl::fcntl(
            session.master.as_raw_fd(),
            nix::fcntl::FcntlArg::F_SETFL(OFlag::O_NONBLOCK),
        )
        .expect("nonblock");
        session
    }

    /// Sets the window size (the kernel tells coracle with SIGWINCH).
    pub(crate) fn resize(&self, rows: u16, cols: u16) {
        let size = Winsize {
            ws_row: rows,
            ws_col: cols,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        // SAFETY: TIOCSWINSZ reads one winsize.
        let rc = unsafe { libc::ioctl(self.master.as_raw_fd(), libc::TIOCSWINSZ, &size) };
        assert_eq!(rc, 0, "TIOCSWINSZ");
    }

    /// Reads whatever is there; false once the pty has no writer left.
    pub(crate) fn read_some(&mut self) -> bool {
        let mut buf = [0u8; 4096];
        loop {
            match self.master.read(&mut buf) {
                Ok(0) => return false,
                Ok(n) => self.screen.push_str(&String::from_utf8_lossy(&buf[..n])),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return true,
                Err(_) => return false,
            }
        }
    }

    pub(crate) fn wait_for(&mut self, text: &str) {
        let start = Instant::now();
        while !self.screen.contains(text) {
            assert!(
                start.elapsed() < TIMEOUT,
                "no {text:?} on the screen:\n{:?}",
                self.screen
            );
            if !self.read_some() && !self.screen.contains(text) {
                panic!("coracle exited without {text:?}:\n{:?}", self.screen);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    pub(crate) fn type_keys(&mut self, keys: &str) {
        self.master.write_all(keys.as_bytes()).expect("type");
    }

    fn local_flags(&self) -> LocalFlags {
        // On a pty master this reads the terminal side's settings.
        tcgetattr(&self.master).expect("tcgetattr").local_flags
    }

    /// Waits for coracle to exit and returns its exit code.
    pub(crate) fn finish(&mut self) -> i32 {
        let start = Instant::now();
        let status = loop {
            self.read_some();
            if let Some(status) = self.child.try_wait().expect("wait") {
                break status;
            }
            if start.elapsed() > TIMEOUT {
                let _ = self.child.kill();
                panic!("coracle did not exit:\n{:?}", self.screen);
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        self.read_some();
        status.code().expect("an exit code")
    }
}

fn spawn_on(c: &Coracle, args: &[&str], slave: OwnedFd) -> Child {
    let mut cmd = c.command(args);
    cmd.stdin(Stdio::from(slave.try_clone().unwrap()))
        .stdout(Stdio::from(slave.try_clone().unwrap()))
        .stderr(Stdio::from(slave));
    // SAFETY: setsid and ioctl are async-signal-safe.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    cmd.spawn().expect("start coracle")
}

fn with_busybox() -> (Coracle, String) {
    let c = coracle();
    let image = anon_ref("busybox:latest");
    pull(&c, &image).success();
    (c, image)
}

#[test]
fn run_tty_gives_the_container_a_pty() {
    let (c, image) = with_busybox();
    let mut s = Session::start(&c, &["run", "--rm", "-t", &image, "tty"], 24, 80);
    assert_eq!(s.finish(), 0, "{:?}", s.screen);
    assert!(s.screen.contains("/dev/pts/0"), "{:?}", s.screen);
    // Gone when run returns, as with Docker.
    c.run(["ps", "-aq"]).success().stdout_eq("");
    let mut s = Session::start(&c, &["run", "--rm", "-t", &image, "env"], 24, 80);
    assert_eq!(s.finish(), 0, "{:?}", s.screen);
    assert!(s.screen.contains("TERM=xterm"), "{:?}", s.screen);
    // Without -t, the same terminal is passed through as it is, not a pty of its own.
    c.run(["run", "--rm", &image, "tty"])
        .code(1)
        .stdout_contains("not a tty");
}

#[test]
fn run_it_relays_keys_in_raw_mode_and_returns_the_exit_code() {
    let (c, image) = with_busybox();
    let mut s = Session::start(&c, &["run", "--rm", "-it", &image, "sh"], 24, 80);
    assert!(s.local_flags().contains(LocalFlags::ICANON));
    s.wait_for("# ");
    let raw = s.local_flags();
    assert!(
        !raw.intersects(LocalFlags::ICANON | LocalFlags::ECHO | LocalFlags::ISIG),
        "the caller's terminal is not in raw mode: {raw:?}"
    );
    // The quotes keep the echoed command line from matching the output.
    s.type_keys("echo h''i; exit 3\r");
    assert_eq!(s.finish(), 3, "{:?}", s.screen);
    assert!(s.screen.contains("\r\nhi\r\n"), "{:?}", s.screen);
    let restored = s.local_flags();
    assert!(
        restored.contains(LocalFlags::ICANON | LocalFlags::ECHO | LocalFlags::ISIG),
        "the caller's terminal mode was not restored: {restored:?}"
    );
}

#[test]
fn run_tty_follows_the_callers_window_size() {
    let (c, image) = with_busybox();
    let mut s = Session::start(&c, &["run", "--rm", "-it", &image, "sh"], 33, 111);
    s.wait_for("# ");
    s.type_keys("stty size\r");
    s.wait_for("33 111");
    s.resize(40, 120);
    s.type_keys("stty size; exit\r");
    assert_eq!(s.finish(), 0, "{:?}", s.screen);
    assert!(s.screen.contains("40 120"), "{:?}", s.screen);
}

#[test]
fn run_tty_init_puts_the_command_in_the_terminals_foreground() {
    let (c, image) = with_busybox();
    // pid, process group and the terminal's foreground group: the command's own
    // group, so that Ctrl-C signals it once, from the terminal, and not its init.
    let stat = "cut -d' ' -f1,5,8 /proc/$$/stat";
    let args = ["run", "--rm", "-t", "--init", &image, "sh", "-c", stat];
    let mut s = Session::start(&c, &args, 24, 80);
    assert_eq!(s.finish(), 0, "{:?}", s.screen);
    assert!(s.screen.contains("2 2 2"), "{:?}", s.screen);
}

#[test]
fn attach_reaches_a_detached_tty_and_detach_keys_leave_it_running() {
    let (c, image) = with_busybox();
    let out = c.run(["run", "-dit", "--name", "shell", &image, "sh"]);
    out.success();
    let mut s = Session::start(&c, &["attach", "shell"], 30, 100);
    s.type_keys("stty size; echo h''i\r");
    s.wait_for("30 100");
    s.wait_for("hi");
    // ctrl-p ctrl-q: Docker's detach keys.
    s.type_keys("\x10\x11");
    assert_eq!(s.finish(), 0, "{:?}", s.screen);
    let restored = s.local_flags();
    assert!(
        restored.contains(LocalFlags::ICANON | LocalFlags::ECHO),
        "{restored:?}"
    );
    c.run(["kill", "-s", "WINCH", "shell"]).success();
    let mut s = Session::start(&c, &["attach", "--detach-keys", "ctrl-x", "shell"], 24, 80);
    s.type_keys("exit 5\r");
    assert_eq!(s.finish(), 5, "{:?}", s.screen);
    c.run(["wait", "shell"]).success().stdout_eq("5\n");
}

#[test]
fn run_it_detaches_with_its_detach_keys_and_the_container_runs_on() {
    let (c, image) = with_busybox();
    let args = [
        "run",
        "-it",
        "--name",
        "shell",
        "--detach-keys",
        "ctrl-x",
        &image,
        "sh",
    ];
    let mut s = Session::start(&c, &args, 24, 80);
    s.wait_for("# ");
    s.type_keys("\x18");
    assert_eq!(s.finish(), 0, "{:?}", s.screen);
    assert_eq!(inspect_field(&c, "shell", "{{.State.Status}}"), "running");
    let mut s = Session::start(&c, &["attach", "shell"], 24, 80);
    s.type_keys("exit 4\r");
    assert_eq!(s.finish(), 4, "{:?}", s.screen);
    c.run(["wait", "shell"]).success().stdout_eq("4\n");
}

#[test]
fn a_restarted_tty_container_keeps_its_terminal_size() {
    let (c, image) = with_busybox();
    // Three runs: the third is started by a monitor image that heard of the size
    // only from the image before it (see engine/monitor/handoff.rs).
    let args = [
        "run",
        "-t",
        "--name",
        "again",
        "--restart",
        "on-failure:2",
        &image,
        "sh",
        "-c",
        "stty size; exit 1",
    ];
    let mut s = Session::start(&c, &args, 30, 90);
    assert_eq!(s.finish(), 1, "{:?}", s.screen);
    c.run(["wait", "again"]).success().stdout_eq("1\n");
    let logs = c.run(["logs", "again"]).success().stdout_trim().to_owned();
    assert_eq!(logs.matches("30 90").count(), 3, "{logs:?}");
}

#[test]
fn piped_input_to_a_tty_ends_as_a_terminal_would_end_it() {
    let (c, image) = with_busybox();
    let out = with_stdin(&c, &["run", "--rm", "-i", "-t", &image, "cat"], "piped\n");
    out.success().stdout_contains("piped");
}

#[test]
fn run_tty_passes_signals_on_to_the_container() {
    let (c, image) = with_busybox();
    let script = "trap 'echo got TERM; exit 7' TERM; echo ready; while true; do sleep 0.1; done";
    let mut s = Session::start(
        &c,
        &["run", "--rm", "-t", &image, "sh", "-c", script],
        24,
        80,
    );
    s.wait_for("ready");
    let pid = nix::unistd::Pid::from_raw(s.child.id() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
    assert_eq!(s.finish(), 7, "{:?}", s.screen);
    assert!(s.screen.contains("got TERM"), "{:?}", s.screen);
}
