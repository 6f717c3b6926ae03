//! The Docker API socket (`system service`), driven by real clients: the docker
//! CLI, the Python docker SDK and docker-compose, plus raw requests for what
//! clients never send.

mod activation;
mod archive;
mod compose;
mod containers;
mod events;
mod exec;
mod images;
mod limits;
mod networks;
mod remote;
mod service;
mod volumes;

use coracle_testkit::runner::wait_output;
use coracle_testkit::{Coracle, Output};
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The docker CLI these machines have.
pub const DOCKER: &str = "/usr/local/bin/docker";

/// A running `system service` for one test, as the test's user, on a socket
/// in the test's directory; stopped when dropped.
pub struct Service {
    child: Child,
    pub socket: PathBuf,
}

impl Service {
    /// Starts the service with no idle timeout and waits for its socket.
    pub fn start(c: &Coracle) -> Service {
        Self::start_with(c, &["--time", "0"])
    }

    /// Starts the service with `args` before its URI.
    pub fn start_with(c: &Coracle, args: &[&str]) -> Service {
        Self::start_command(c, c.command(["system", "service"]), args)
    }

    /// Starts `cmd` (a `system service` command) with `args` and a URI.
    pub fn start_command(c: &Coracle, mut cmd: Command, args: &[&str]) -> Service {
        let socket = c.dir().join("api.sock");
        let uri = format!("unix://{}", socket.display());
        cmd.args(args).arg(&uri);
        cmd.stdout(Stdio::null()).stderr(Stdio::inherit());
        let child = cmd.spawn().expect("start the service");
        let deadline = Instant::now() + Duration::from_secs(10);
        while UnixStream::connect(&socket).is_err() {
            assert!(
                Instant::now() < deadline,
                "the service did not listen on {uri}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Service { child, socket }
    }

    /// The service's own process.
    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    /// `unix://SOCKET`, for DOCKER_HOST.
    pub fn host(&self) -> String {
        format!("unix://{}", self.socket.display())
    }

    /// The docker CLI as the test's user, pointed at this service, not started.
    pub fn docker_command<I, S>(&self, c: &Coracle, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut cmd = c.peer_command(DOCKER);
        cmd.env("DOCKER_HOST", self.host())
            .env("DOCKER_CONFIG", c.home().join(".docker"))
            .env("DOCKER_BUILDKIT", "0")
            .env("DOCKER_CLI_HINTS", "false")
            .args(args);
        cmd
    }

    /// Runs the docker CLI against this service.
    pub fn docker<I, S>(&self, c: &Coracle, args: I) -> Output
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        c.run_command(self.docker_command(c, args))
    }

    /// Runs the docker CLI with `input` on its stdin.
    pub fn docker_with_input(&self, c: &Coracle, args: &[&str], input: &[u8]) -> Output {
        let mut cmd = self.docker_command(c, args);
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("start docker");
        child.stdin.take().unwrap().write_all(input).unwrap();
        let argv = args.iter().map(|a| a.to_string()).collect();
        wait_output(child, argv, Duration::from_secs(120))
    }

    /// One raw HTTP/1.1 request with `Connection: close`; the whole response.
    pub fn request(&self, head: &str, body: &[u8]) -> Reply {
        let mut conn = UnixStream::connect(&self.socket).expect("connect");
        conn.write_all(head.as_bytes()).unwrap();
        conn.write_all(body).unwrap();
        let mut raw = Vec::new();
        conn.set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        conn.read_to_end(&mut raw).expect("read the response");
        Reply::parse(&raw)
    }

    /// `METHOD PATH` with a JSON body, or none.
    pub fn call(&self, method: &str, path: &str, json: Option<&str>) -> Reply {
        let body = json.unwrap_or("");
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: d\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        self.request(&head, body.as_bytes())
    }
}

/// A virtualenv with the Python docker SDK (PyPI `docker` 7.x) where the test
/// user can read it: made by the first test run on a machine, kept for later.
pub fn python_sdk() -> &'static PathBuf {
    static VENV: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    VENV.get_or_init(|| {
        let dir = coracle_testkit::runner::shared_tmp().join("coracle-docker-sdk-7");
        let ok = |cmd: &mut Command| {
            let out = cmd.output().expect("run python");
            assert!(
                out.status.success(),
                "{cmd:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        let ready = Command::new(dir.join("bin/python"))
            .args(["-c", "import docker"])
            .output()
            .is_ok_and(|o| o.status.success());
        if ready {
            return dir;
        }
        let _ = std::fs::remove_dir_all(&dir);
        ok(Command::new("/usr/bin/python3")
            .args(["-m", "venv"])
            .arg(&dir));
        ok(Command::new(dir.join("bin/pip")).args(["install", "-q", "docker>=7,<8"]));
        dir
    })
}

impl Service {
    /// Runs a Python script with the docker SDK as the test's user, with
    /// DOCKER_HOST pointing here (`docker.from_env()` finds it).
    pub fn python(&self, c: &Coracle, script: &str) -> Output {
        let mut cmd = c.peer_command(python_sdk().join("bin/python"));
        cmd.env("DOCKER_HOST", self.host()).args(["-c", script]);
        c.run_command(cmd)
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        // SAFETY: signalling our own child.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let _ = self.child.wait();
    }
}

/// A response as the client got it.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// The body, chunks joined.
    pub body: Vec<u8>,
}

impl Reply {
    fn parse(raw: &[u8]) -> Reply {
        let end = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap_or_else(|| panic!("no head in {:?}", String::from_utf8_lossy(raw)));
        let head = String::from_utf8_lossy(&raw[..end]).into_owned();
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .unwrap()
            .split(' ')
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        let mut body = raw[end + 4..].to_vec();
        if headers
            .iter()
            .any(|(k, v)| k == "transfer-encoding" && v == "chunked")
        {
            body = dechunk(&body);
        }
        Reply {
            status,
            headers,
            body,
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {:?}", String::from_utf8_lossy(&self.body)))
    }

    /// Docker's `{"message": …}`.
    pub fn message(&self) -> String {
        self.json()["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = raw.windows(2).position(|w| w == b"\r\n") {
        let size =
            usize::from_str_radix(std::str::from_utf8(&raw[..eol]).unwrap().trim(), 16).unwrap();
        if size == 0 {
            break;
        }
        out.extend_from_slice(&raw[eol + 2..eol + 2 + size]);
        raw = &raw[eol + 4 + size..];
    }
    out
}
mod health;
