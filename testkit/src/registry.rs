//! Throwaway Distribution registries (`/usr/bin/docker-registry`) on 127.0.0.1.

use crate::image::Pushable;
use crate::spawn::spawn_guarded;
use crate::token::{TokenServer, ISSUER, SERVICE};
use crate::upload::Uploader;
use anyhow::{bail, Context, Result};
use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, Once};
use std::time::{Duration, Instant};

pub const REGISTRY_BIN: &str = "/usr/bin/docker-registry";

/// How the registry authenticates clients.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Auth {
    /// Anonymous pull and push.
    None,
    /// HTTP basic auth from an htpasswd file (bcrypt).
    Basic { user: String, pass: String },
    /// Bearer tokens from testkit's token server; the token server wants basic
    /// credentials, except for anonymous pulls of repositories under `public/`.
    Token { user: String, pass: String },
}

impl Auth {
    pub fn basic(user: &str, pass: &str) -> Self {
        Auth::Basic {
            user: user.into(),
            pass: pass.into(),
        }
    }
    pub fn token(user: &str, pass: &str) -> Self {
        Auth::Token {
            user: user.into(),
            pass: pass.into(),
        }
    }
    pub fn credentials(&self) -> Option<(&str, &str)> {
        match self {
            Auth::None => None,
            Auth::Basic { user, pass } | Auth::Token { user, pass } => Some((user, pass)),
        }
    }
}

/// A running registry; killed (and its storage removed) on drop.
pub struct Registry {
    child: Child,
    port: u16,
    auth: Auth,
    dir: tempfile::TempDir,
    _token: Option<TokenServer>,
    uploader: Uploader,
}

impl Registry {
    /// Starts a registry on a free port and waits until `/v2/` answers.
    pub fn start(auth: Auth) -> Result<Registry> {
        if !Path::new(REGISTRY_BIN).exists() {
            bail!("{REGISTRY_BIN} is missing: install the docker-registry package (scripts/test does)");
        }
        sweep_stale_dirs();
        let dir = tempfile::Builder::new()
            .prefix(&format!("coracle-registry-{}-", std::process::id()))
            .tempdir_in(std::env::temp_dir())?;
        let token = match &auth {
            Auth::Token { user, pass } => Some(TokenServer::start(user, pass)?),
            _ => None,
        };
        let auth_yaml = match (&auth, &token) {
            (Auth::None, _) => String::new(),
            (Auth::Basic { user, pass }, _) => {
                let hash = bcrypt::hash(pass, 4).context("bcrypt the registry password")?;
                let path = dir.path().join("htpasswd");
                fs::write(&path, format!("{user}:{hash}\n"))?;
                format!(
                    "auth:\n  htpasswd:\n    realm: coracle-test\n    path: {}\n",
                    path.display()
                )
            }
            (Auth::Token { .. }, Some(t)) => {
                let path = dir.path().join("token-cert.pem");
                fs::write(&path, &t.cert_pem)?;
                format!(
                    "auth:\n  token:\n    realm: {}\n    service: {SERVICE}\n    issuer: {ISSUER}\n    rootcertbundle: {}\n",
                    t.realm(),
                    path.display()
                )
            }
            (Auth::Token { .. }, None) => unreachable!(),
        };

        let mut last_err = None;
        for _ in 0..5 {
            let port = free_port()?;
            let config = dir.path().join("config.yml");
            fs::write(
                &config,
                format!(
                    "version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\n\
                     storage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\n\
                     http:\n  addr: 127.0.0.1:{port}\n  secret: coracle-testkit\n{auth_yaml}",
                    dir.path().join("storage").display()
                ),
            )?;
            let log = fs::File::create(dir.path().join("registry.log"))?;
            let mut cmd = Command::new(REGISTRY_BIN);
            cmd.arg("serve")
                .arg(&config)
                .stdin(Stdio::null())
                .stdout(log.try_clone()?)
                .stderr(log);
            let mut child = spawn_guarded(cmd).with_context(|| format!("start {REGISTRY_BIN}"))?;
            at_exit_cleanup(child.id(), dir.path());
            match wait_ready(&mut child, port, dir.path()) {
                Ok(()) => {
                    return Ok(Registry {
                        child,
                        port,
                        uploader: Uploader::new(&format!("127.0.0.1:{port}"), auth.credentials()),
                        auth,
                        dir,
                        _token: token,
                    })
                }
                Err(e) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    LEFT.lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .retain(|(pid, _)| *pid != child.id());
                    last_err = Some(e);
                }
            }
        }
        Err(last_err.unwrap())
    }

    /// The registry's log so far (for failure messages).
    pub fn log(&self) -> String {
        read_log(self.dir.path())
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1:PORT`.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr())
    }

    /// `127.0.0.1:PORT/NAME` (NAME may carry `:tag` or `@digest`).
    pub fn image(&self, name: &str) -> String {
        format!("{}/{name}", self.addr())
    }

    pub fn auth(&self) -> &Auth {
        &self.auth
    }

    /// Where the registry keeps its files.
    pub fn storage_dir(&self) -> PathBuf {
        self.dir.path().join("storage")
    }

    /// Pushes `item` as `repo:tag` (or `repo@digest`; `repo` alone means `:latest`).
    pub fn push(&self, reference: &str, item: &dyn Pushable) -> Result<()> {
        let (repo, r) = split_reference(reference);
        self.uploader.push(repo, r, item)
    }

    /// Flips one byte of a stored blob (past the first 512 bytes when it is
    /// longer than that, so an uncompressed tar stays a valid tar), so that the
    /// registry serves bytes that do not match their digest.
    pub fn tamper_blob(&self, digest: &str) -> Result<()> {
        let hex = crate::hex_of(digest);
        let path = self.storage_dir().join(format!(
            "docker/registry/v2/blobs/sha256/{}/{hex}/data",
            &hex[..2]
        ));
        let mut data = fs::read(&path).with_context(|| format!("read blob {}", path.display()))?;
        let at = if data.len() > 512 {
            512
        } else {
            data.len() / 2
        };
        data[at] ^= 0x20;
        fs::write(&path, data)?;
        Ok(())
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // Reaped: its pid may be reused, so the exit handler must not kill it.
        LEFT.lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|(pid, _)| *pid != self.child.id());
    }
}

/// `name:tag` → (name, tag); `name@sha256:..` → (name, digest); `name` → (name, latest).
pub fn split_reference(reference: &str) -> (&str, &str) {
    if let Some((n, d)) = reference.split_once('@') {
        return (n, d);
    }
    match reference.rsplit_once(':') {
        Some((n, t)) if !t.contains('/') => (n, t),
        _ => (reference, "latest"),
    }
}

fn read_log(dir: &Path) -> String {
    fs::read_to_string(dir.join("registry.log")).unwrap_or_default()
}

fn wait_ready(child: &mut Child, port: u16, dir: &Path) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(2))
        .build();
    let url = format!("http://127.0.0.1:{port}/v2/");
    loop {
        match agent.get(&url).call() {
            Ok(_) | Err(ureq::Error::Status(401, _)) => return Ok(()),
            Err(_) => {}
        }
        if let Some(status) = child.try_wait()? {
            bail!("docker-registry exited ({status}): {}", read_log(dir));
        }
        if Instant::now() > deadline {
            bail!(
                "docker-registry did not answer on {url} within 30s: {}",
                read_log(dir)
            );
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Registries kept in statics are never dropped: kill them and remove their
/// dirs when the process exits normally (a crash leaves the dirs to
/// `sweep_stale_dirs`, and PR_SET_PDEATHSIG kills the registries).
static LEFT: Mutex<Vec<(u32, PathBuf)>> = Mutex::new(Vec::new());

fn at_exit_cleanup(pid: u32, dir: &Path) {
    static REGISTERED: Once = Once::new();
    extern "C" fn cleanup() {
        if let Ok(left) = LEFT.try_lock() {
            for (pid, dir) in left.iter() {
                // SAFETY: signalling a child we started; harmless if it is gone.
                unsafe { libc::kill(*pid as i32, libc::SIGKILL) };
                let _ = fs::remove_dir_all(dir);
            }
        }
    }
    REGISTERED.call_once(|| {
        // SAFETY: registers a plain extern "C" function.
        unsafe { libc::atexit(cleanup) };
    });
    LEFT.lock()
        .unwrap_or_else(|e| e.into_inner())
        .push((pid, dir.to_path_buf()));
}

/// Removes registry dirs left by test processes that are gone (statics are never dropped).
fn sweep_stale_dirs() {
    let Ok(entries) = fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix("coracle-registry-") else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<i32>().ok()) else {
            continue;
        };
        // SAFETY: kill with signal 0 only checks that the process exists.
        let alive = unsafe { libc::kill(pid, 0) } == 0
            || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM);
        if !alive {
            let _ = fs::remove_dir_all(e.path());
        }
    }
}
