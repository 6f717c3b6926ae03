//! Runs the coracle binary as a test user, with a storage root, run root, HOME
//! and XDG dirs of its own per test, so tests run in parallel.

use crate::user::{is_root, TestUser};
use anyhow::{Context, Result};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::ffi::OsStr;
use std::fmt;
use std::fs;
use std::io::Read;
use std::os::unix::fs::{chown, PermissionsExt};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Default limit for one coracle command (override with CORACLE_TEST_TIMEOUT=secs).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

/// One test's coracle: its user, its binary copy and its directory.
pub struct Coracle {
    bin: PathBuf,
    user: &'static TestUser,
    dir: PathBuf,
    env: Vec<(String, String)>,
    timeout: Duration,
}

impl Coracle {
    /// Coracle as the rootless test user (`TestUser::get()`).
    /// `bin` is `env!("CARGO_BIN_EXE_coracle")`.
    pub fn new(bin: impl AsRef<Path>) -> Coracle {
        Self::as_user(bin, TestUser::get())
    }

    /// Coracle as real root (rootful); `None` when the tests do not run as root.
    pub fn rootful(bin: impl AsRef<Path>) -> Option<Coracle> {
        TestUser::root().map(|u| Self::as_user(bin, u))
    }

    pub fn as_user(bin: impl AsRef<Path>, user: &'static TestUser) -> Coracle {
        let bin = install_binary(bin.as_ref()).unwrap_or_else(|e| panic!("{e:#}"));
        let dir = make_test_dir(user).unwrap_or_else(|e| panic!("cannot make a test dir: {e:#}"));
        let timeout = std::env::var("CORACLE_TEST_TIMEOUT")
            .ok()
            .and_then(|s| s.parse().ok())
            .map(Duration::from_secs)
            .unwrap_or(DEFAULT_TIMEOUT);
        let coracle = Coracle {
            bin,
            user,
            dir,
            env: Vec::new(),
            timeout,
        };
        // A whole module runs on another storage driver with
        // CORACLE_TEST_STORAGE_DRIVER=vfs, chosen as Podman's users choose it.
        if let Some(driver) = std::env::var("CORACLE_TEST_STORAGE_DRIVER")
            .ok()
            .filter(|d| !d.is_empty())
        {
            let conf = coracle.config_home().join("containers/storage.conf");
            let text = format!("[storage]\ndriver = \"{driver}\"\n");
            coracle.write_user_file(&conf, text.as_bytes());
        }
        coracle
    }

    pub fn user(&self) -> &'static TestUser {
        self.user
    }
    /// The test's directory (owned by the user).
    pub fn dir(&self) -> &Path {
        &self.dir
    }
    /// `--root`: the graph root.
    pub fn root(&self) -> PathBuf {
        self.dir.join("storage")
    }
    /// `--runroot`.
    pub fn runroot(&self) -> PathBuf {
        self.dir.join("run")
    }
    pub fn home(&self) -> PathBuf {
        self.dir.join("home")
    }
    /// `$XDG_RUNTIME_DIR` (mode 0700).
    pub fn runtime_dir(&self) -> PathBuf {
        self.dir.join("xdg-run")
    }
    pub fn data_home(&self) -> PathBuf {
        self.dir.join("home/.local/share")
    }
    pub fn config_home(&self) -> PathBuf {
        self.dir.join("home/.config")
    }
    /// The copy of the binary that is run.
    pub fn bin(&self) -> &Path {
        &self.bin
    }

    /// Adds an environment variable to every command.
    pub fn env(&mut self, key: &str, value: &str) -> &mut Self {
        self.env.push((key.into(), value.into()));
        self
    }

    pub fn set_timeout(&mut self, timeout: Duration) -> &mut Self {
        self.timeout = timeout;
        self
    }

    /// `coracle --root .. --runroot .. ARGS`, as the user, not started.
    pub fn command<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = self.bare_command(["--root".as_ref(), self.root().as_os_str()]);
        cmd.arg("--runroot").arg(self.runroot()).args(args);
        cmd
    }

    /// `coracle ARGS` without `--root`/`--runroot` (the XDG dirs still point into the test dir).
    pub fn bare_command<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = self.peer_command(&self.bin);
        cmd.args(args);
        cmd
    }

    /// Another program (podman, skopeo) as the same user, with the same HOME and
    /// XDG dirs, not started.
    pub fn peer_command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir(&self.dir).env_clear().stdin(Stdio::null());
        let mut env: HashMap<String, String> = HashMap::new();
        for key in ["RUST_BACKTRACE", "RUST_LOG", "TERM", "LANG"] {
            if let Ok(v) = std::env::var(key) {
                env.insert(key.into(), v);
            }
        }
        env.insert(
            "PATH".into(),
            "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into(),
        );
        env.insert("HOME".into(), self.home().display().to_string());
        env.insert("USER".into(), self.user.name.clone());
        env.insert("LOGNAME".into(), self.user.name.clone());
        env.insert(
            "XDG_RUNTIME_DIR".into(),
            self.runtime_dir().display().to_string(),
        );
        env.insert(
            "XDG_DATA_HOME".into(),
            self.data_home().display().to_string(),
        );
        env.insert(
            "XDG_CONFIG_HOME".into(),
            self.config_home().display().to_string(),
        );
        env.extend(self.env.iter().cloned());
        cmd.envs(env);
        // SAFETY: geteuid has no preconditions.
        if is_root() && self.user.uid != unsafe { libc::geteuid() } {
            // std drops supplementary groups (setgroups(0)) when root sets a uid.
            cmd.uid(self.user.uid).gid(self.user.gid);
        }
        cmd
    }

    /// Runs `coracle --root .. --runroot .. ARGS` and collects its output.
    pub fn run<I, S>(&self, args: I) -> Output
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.run_command(self.command(args))
    }

    /// Runs a prepared command (see [`Coracle::command`]) with the timeout.
    pub fn run_command(&self, mut cmd: Command) -> Output {
        let args: Vec<String> = std::iter::once(cmd.get_program())
            .chain(cmd.get_args())
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        let child = spawn_retrying(&mut cmd).unwrap_or_else(|e| panic!("cannot run {args:?}: {e}"));
        wait_output(child, args, self.timeout)
    }

    /// Starts `coracle --root .. --runroot .. ARGS` with piped output and returns
    /// at once (for kill and concurrency tests); finish it with [`wait_output`].
    pub fn spawn<I, S>(&self, args: I) -> Child
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = self.command(args);
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        spawn_retrying(&mut cmd).unwrap_or_else(|e| panic!("cannot start coracle: {e}"))
    }

    /// Writes `$XDG_RUNTIME_DIR/containers/auth.json` with credentials for `registry` (host:port).
    pub fn write_auth_json(&self, registry: &str, user: &str, pass: &str) {
        let path = self.runtime_dir().join("containers/auth.json");
        self.write_user_file(&path, &auth_file(registry, user, pass));
    }

    /// Writes `~/.docker/config.json` with credentials for `registry` (host:port).
    pub fn write_docker_config(&self, registry: &str, user: &str, pass: &str) {
        let path = self.home().join(".docker/config.json");
        self.write_user_file(&path, &auth_file(registry, user, pass));
    }

    /// Writes a file (and its missing parents) owned by the test user.
    pub fn write_user_file(&self, path: &Path, contents: &[u8]) {
        let mut missing = Vec::new();
        let mut p = path.parent();
        while let Some(d) = p.filter(|d| !d.exists()) {
            missing.push(d.to_path_buf());
            p = d.parent();
        }
        for d in missing.iter().rev() {
            fs::create_dir(d).unwrap();
            fs::set_permissions(d, fs::Permissions::from_mode(0o700)).unwrap();
            chown(d, Some(self.user.uid), Some(self.user.gid)).unwrap();
        }
        fs::write(path, contents).unwrap();
        fs::set_permissions(path, fs::Permissions::from_mode(0o600)).unwrap();
        chown(path, Some(self.user.uid), Some(self.user.gid)).unwrap();
    }
}

impl Drop for Coracle {
    fn drop(&mut self) {
        if std::env::var_os("CORACLE_TEST_KEEP").is_some() {
            eprintln!("CORACLE_TEST_KEEP: leaving {}", self.dir.display());
            return;
        }
        // Files unpacked rootless belong to subordinate ids: let coracle remove
        // them from inside its user namespace first.
        if self.root().exists() {
            let mut cmd = self.command(["system", "reset", "-f"]);
            cmd.stdout(Stdio::null()).stderr(Stdio::null());
            if let Ok(child) = spawn_retrying(&mut cmd) {
                let _ = wait_output(child, vec![], Duration::from_secs(60));
            }
        }
        stop_podman_pause(&self.runtime_dir());
        if let Err(e) = remove_all(&self.dir) {
            eprintln!("warning: could not remove {}: {e}", self.dir.display());
        }
    }
}

/// A rootless Podman run by a test (the interop tests) leaves its pause process
/// behind, holding its user namespace, for as long as the machine runs; it
/// writes the pid under its runtime directory.
fn stop_podman_pause(runtime_dir: &Path) {
    let pidfile = runtime_dir.join("libpod/tmp/pause.pid");
    let pid = fs::read_to_string(pidfile)
        .ok()
        .and_then(|text| text.trim().parse::<libc::pid_t>().ok());
    if let Some(pid) = pid.filter(|&pid| pid > 1) {
        // SAFETY: kill(2) with a pid and a signal; no memory is involved.
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
}

/// Removes a tree, making directories writable on the way (as root that is not needed).
fn remove_all(dir: &Path) -> std::io::Result<()> {
    if fs::remove_dir_all(dir).is_ok() || !dir.exists() {
        return Ok(());
    }
    let _ = Command::new("chmod")
        .args(["-R", "u+rwX"])
        .arg(dir)
        .status();
    fs::remove_dir_all(dir)
}

fn auth_file(registry: &str, user: &str, pass: &str) -> Vec<u8> {
    let doc = json!({"auths": {registry: {"auth": STANDARD.encode(format!("{user}:{pass}"))}}});
    serde_json::to_vec_pretty(&doc).unwrap()
}

/// Spawns, retrying on ETXTBSY (another thread may still hold the binary copy
/// open for writing across a fork).
fn spawn_retrying(cmd: &mut Command) -> std::io::Result<Child> {
    let mut tries = 0;
    loop {
        match cmd.spawn() {
            Err(e) if e.raw_os_error() == Some(libc::ETXTBSY) && tries < 50 => {
                tries += 1;
                std::thread::sleep(Duration::from_millis(20));
            }
            r => return r,
        }
    }
}

/// Waits for a child started with piped stdout/stderr, killing it after `timeout`.
pub fn wait_output(mut child: Child, args: Vec<String>, timeout: Duration) -> Output {
    let reader = |r: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut r) = r {
                let _ = r.read_to_end(&mut buf);
            }
            String::from_utf8_lossy(&buf).into_owned()
        })
    };
    let out = reader(
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    );
    let err = reader(
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    );
    let deadline = Instant::now() + timeout;
    let mut timed_out = false;
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait for coracle") {
            break s;
        }
        if Instant::now() > deadline {
            timed_out = true;
            let _ = child.kill();
            break child.wait().expect("wait for coracle");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Output {
        args,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
        code: status.code(),
        signal: status.signal(),
        timed_out,
    }
}

/// What a coracle command did.
#[derive(Clone, Debug)]
pub struct Output {
    pub args: Vec<String>,
    pub stdout: String,
    pub stderr: String,
    /// None when killed by a signal.
    pub code: Option<i32>,
    pub signal: Option<i32>,
    pub timed_out: bool,
}

impl fmt::Display for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "command: {}", self.args.join(" "))?;
        match (self.code, self.signal) {
            (Some(c), _) => writeln!(f, "exit code: {c}")?,
            (None, s) => writeln!(
                f,
                "killed by signal {s:?}{}",
                if self.timed_out { " (timed out)" } else { "" }
            )?,
        }
        writeln!(f, "--- stdout ---\n{}", self.stdout)?;
        write!(f, "--- stderr ---\n{}", self.stderr)
    }
}

impl Output {
    /// Panics unless the exit code is 0.
    #[track_caller]
    pub fn success(&self) -> &Self {
        assert_eq!(self.code, Some(0), "expected success\n{self}");
        self
    }

    #[track_caller]
    pub fn code(&self, code: i32) -> &Self {
        assert_eq!(self.code, Some(code), "expected exit code {code}\n{self}");
        self
    }

    #[track_caller]
    pub fn failure(&self) -> &Self {
        assert!(
            self.code.is_some_and(|c| c != 0),
            "expected a failure exit code\n{self}"
        );
        self
    }

    #[track_caller]
    pub fn stdout_contains(&self, needle: &str) -> &Self {
        assert!(
            self.stdout.contains(needle),
            "stdout lacks {needle:?}\n{self}"
        );
        self
    }

    #[track_caller]
    pub fn stderr_contains(&self, needle: &str) -> &Self {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}\n{self}"
        );
        self
    }

    /// Passes when stderr contains any of the needles (case-insensitive).
    #[track_caller]
    pub fn stderr_contains_any(&self, needles: &[&str]) -> &Self {
        let lower = self.stderr.to_lowercase();
        assert!(
            needles.iter().any(|n| lower.contains(&n.to_lowercase())),
            "stderr has none of {needles:?}\n{self}"
        );
        self
    }

    #[track_caller]
    pub fn stdout_eq(&self, want: &str) -> &Self {
        assert_eq!(
            self.stdout.trim_end(),
            want.trim_end(),
            "unexpected stdout\n{self}"
        );
        self
    }

    /// stdout without its trailing newline.
    pub fn stdout_trim(&self) -> &str {
        self.stdout.trim()
    }

    pub fn stdout_lines(&self) -> Vec<&str> {
        self.stdout
            .lines()
            .filter(|l| !l.trim().is_empty())
            .collect()
    }

    /// stdout parsed as one JSON document.
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e})\n{self}"))
    }

    /// stdout parsed as one JSON document per line.
    #[track_caller]
    pub fn json_lines(&self) -> Vec<Value> {
        self.stdout_lines()
            .iter()
            .map(|l| {
                serde_json::from_str(l)
                    .unwrap_or_else(|e| panic!("line {l:?} is not JSON ({e})\n{self}"))
            })
            .collect()
    }
}

/// A temp dir the test user can enter: /tmp, not $TMPDIR (which may sit under
/// /root on CI); CORACLE_TEST_TMPDIR overrides it (e.g. /dev/shm for speed).
pub fn shared_tmp() -> PathBuf {
    std::env::var_os("CORACLE_TEST_TMPDIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp"))
}

/// Copies the binary once per process into a world-readable dir (the build dir
/// may sit under /root, which the test user cannot enter).
fn install_binary(src: &Path) -> Result<PathBuf> {
    static CACHE: OnceLock<Mutex<HashMap<PathBuf, PathBuf>>> = OnceLock::new();
    let mut cache = CACHE
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(p) = cache.get(src) {
        return Ok(p.clone());
    }
    let meta = fs::metadata(src).with_context(|| format!("binary {} missing", src.display()))?;
    let mtime = meta
        .modified()?
        .duration_since(std::time::UNIX_EPOCH)?
        .as_nanos();
    let key = crate::sha256_digest(format!("{}:{}:{mtime}", src.display(), meta.len()).as_bytes());
    // SAFETY: geteuid has no preconditions.
    let base = shared_tmp().join(format!("coracle-testkit-{}", unsafe { libc::geteuid() }));
    let dir = base.join(&crate::hex_of(&key)[..16]);
    let dest = dir.join(src.file_name().unwrap_or(OsStr::new("coracle")));
    if !dest.exists() {
        fs::create_dir_all(&dir)?;
        for d in [&base, &dir] {
            fs::set_permissions(d, fs::Permissions::from_mode(0o755))?;
        }
        let tmp = dir.join(format!(
            ".tmp-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        fs::copy(src, &tmp)
            .with_context(|| format!("copy {} to {}", src.display(), tmp.display()))?;
        fs::set_permissions(&tmp, fs::Permissions::from_mode(0o755))?;
        fs::rename(&tmp, &dest)?;
    }
    cache.insert(src.to_path_buf(), dest.clone());
    Ok(dest)
}

/// A fresh world-traversable dir under the temp dir, owned by the user, with
/// HOME and XDG dirs inside.
fn make_test_dir(user: &TestUser) -> Result<PathBuf> {
    let dir = tempfile::Builder::new()
        .prefix("coracle-it-")
        .tempdir_in(shared_tmp())?
        .keep();
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o755))?;
    for (sub, mode) in [
        ("home", 0o755),
        ("home/.local", 0o755),
        ("home/.local/share", 0o755),
        ("home/.config", 0o755),
        ("xdg-run", 0o700),
    ] {
        let p = dir.join(sub);
        fs::create_dir_all(&p)?;
        fs::set_permissions(&p, fs::Permissions::from_mode(mode))?;
    }
    if is_root() {
        for sub in [
            "",
            "home",
            "home/.local",
            "home/.local/share",
            "home/.config",
            "xdg-run",
        ] {
            chown(dir.join(sub), Some(user.uid), Some(user.gid))?;
        }
    }
    Ok(dir)
}
