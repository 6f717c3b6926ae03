//! `run`, `create`, `start` and `exec` over the API, in the order Docker's CLI
//! makes its calls: create (pulling when the image is missing), attach, wait,
//! start; exec create, start (hijacked), inspect for the exit code.

use super::client::{Client, Payload};
use super::relay::relay;
use super::{path, segment, unsupported, RemoteEngine, RemoteError};
use crate::engine::containers::attach::{AttachEnd, AttachRequest};
use crate::engine::containers::clone::CloneOptions;
use crate::engine::containers::create::{CreateEvent, CreateOptions, CreateProgress, Pulling};
use crate::engine::containers::exec::sessions::{self, ExecSession};
use crate::engine::containers::exec::ExecOptions;
use crate::engine::containers::start::{RunEnd, RunOptions};
use crate::engine::images::policy::PullPolicy;
use crate::engine::interface::{Each, Error, RunEngine};
use crate::engine::streams::{Control, Streams};
use bollard_stubs::models::{
    ContainerCreateResponse, ContainerWaitResponse, ExecConfig, ExecInspectResponse,
    ExecStartConfig,
};
use std::sync::Arc;
use std::time::Duration;

impl RunEngine for RemoteEngine {
    fn create(
        &self,
        opts: &CreateOptions,
        pulling: Pulling,
        progress: CreateProgress,
    ) -> Result<String, Error> {
        let body = super::create_body::body(opts)?;
        let query: Vec<_> = opts.name.iter().map(|n| ("name", n.clone())).collect();
        let path = path("/containers/create", &query);
        if pulling.policy == PullPolicy::Always || pulling.policy == PullPolicy::Newer {
            self.pull_for_create(&opts.image, &progress)?;
        }
        let created = match self.client.call("POST", &path, Payload::json(&body)?) {
            // Docker's CLI pulls when the service has no such image, and tries again.
            Err(RemoteError::Status { status: 404, .. })
                if pulling.policy == PullPolicy::Missing =>
            {
                self.pull_for_create(&opts.image, &progress)?;
                self.client.call("POST", &path, Payload::json(&body)?)?
            }
            reply => reply?,
        };
        Ok(created.json::<ContainerCreateResponse>()?.id)
    }

    fn clone_container(
        &self,
        _: &str,
        _: &CloneOptions,
        _: CreateProgress,
    ) -> Result<String, Error> {
        unsupported("container clone")
    }

    fn run(
        &self,
        opts: &RunOptions,
        streams: Streams,
        progress: CreateProgress,
    ) -> Result<RunEnd, Error> {
        let id = self.create(&opts.create, opts.pulling.clone(), progress)?;
        let container = format!("/containers/{}", segment(&id));
        if opts.detach {
            self.client
                .call("POST", &format!("{container}/start"), Payload::None)
                .map_err(RemoteError::start_failure)?;
            return Ok(RunEnd::Started(id));
        }
        let tty = opts.create.tty;
        let mut attach = vec![
            ("stream", "1".to_owned()),
            ("stdout", "1".to_owned()),
            ("stderr", "1".to_owned()),
            ("stdin", super::flag(opts.create.interactive)),
        ];
        if tty {
            attach.push(("detachKeys", detach_keys(&opts.detach_keys)));
        }
        let conn = self.client.hijack(
            &path(&format!("{container}/attach"), &attach),
            Payload::None,
        )?;
        // Asked before the start, so that neither the exit nor an --rm
        // removal can come first.
        let condition = if opts.create.remove {
            "removed"
        } else {
            "next-exit"
        };
        let wait = self.client.post_later(&path(
            &format!("{container}/wait"),
            &[("condition", condition.into())],
        ))?;
        self.client
            .call("POST", &format!("{container}/start"), Payload::None)
            .map_err(RemoteError::start_failure)?;
        relay(
            conn,
            streams,
            tty,
            controls(self.client.clone(), container.clone()),
        )?;
        if tty && self.running(&container)? {
            return Ok(RunEnd::Ended(AttachEnd::Detached));
        }
        let code = wait.read::<ContainerWaitResponse>()?.status_code;
        Ok(RunEnd::Ended(AttachEnd::Exited(code as i32)))
    }

    fn start(&self, names: &[String]) -> Result<Each, Error> {
        Ok(names
            .iter()
            .map(|name| {
                let path = format!("/containers/{}/start", segment(name));
                self.client.call("POST", &path, Payload::None)?;
                Ok(())
            })
            .collect())
    }

    fn start_attached(&self, _: &str, _: &AttachRequest, _: Streams) -> Result<AttachEnd, Error> {
        unsupported("start --attach")
    }

    fn restart(&self, _: &[String], _: Duration) -> Result<Each, Error> {
        unsupported("restart")
    }

    fn attach(&self, _: &str, _: &AttachRequest, _: Streams) -> Result<AttachEnd, Error> {
        unsupported("attach")
    }

    fn exec(&self, name: &str, opts: &ExecOptions, streams: Streams) -> Result<i32, Error> {
        let config = ExecConfig {
            attach_stdin: Some(opts.interactive && !opts.detach),
            attach_stdout: Some(!opts.detach),
            attach_stderr: Some(!opts.detach),
            tty: Some(opts.tty),
            env: Some(opts.env.clone()),
            cmd: Some(opts.command.clone()),
            privileged: Some(opts.privileged),
            user: opts.user.clone(),
            working_dir: opts.workdir.clone(),
            ..Default::default()
        };
        let path = format!("/containers/{}/exec", segment(name));
        let id = self
            .client
            .call("POST", &path, Payload::json(&config)?)?
            .json::<ExecCreated>()?
            .id;
        let exec = format!("/exec/{}", segment(&id));
        let start = ExecStartConfig {
            detach: Some(opts.detach),
            tty: Some(opts.tty),
            ..Default::default()
        };
        if opts.detach {
            self.client
                .call("POST", &format!("{exec}/start"), Payload::json(&start)?)?;
            return Ok(0);
        }
        let conn = self
            .client
            .hijack(&format!("{exec}/start"), Payload::json(&start)?)
            .map_err(RemoteError::start_failure)?;
        relay(
            conn,
            streams,
            opts.tty,
            controls(self.client.clone(), exec.clone()),
        )?;
        Ok(self.exit_code(&exec)?)
    }

    // Exec instances one by one are the API server's verbs; the CLI's exec
    // above makes its instance through the API.
    fn create_exec(&self, _: &str, _: sessions::ExecConfig) -> Result<ExecSession, Error> {
        unsupported("exec create")
    }

    fn start_exec(&self, _: &str, _: bool, _: Streams) -> Result<i32, Error> {
        unsupported("exec start")
    }

    fn inspect_exec(&self, _: &str) -> Result<ExecSession, Error> {
        unsupported("exec inspect")
    }

    fn resize_exec(&self, _: &str, _: u16, _: u16) -> Result<(), Error> {
        unsupported("exec resize")
    }
}

impl RemoteEngine {
    fn pull_for_create(&self, image: &str, progress: &CreateProgress) -> Result<(), RemoteError> {
        let events = progress.clone();
        let result = self.pull_stream(image, None, &move |e| events(CreateEvent::Pull(e)));
        progress(CreateEvent::Pulled { ok: result.is_ok() });
        result
    }

    /// Whether the container still runs; one that --rm took away does not.
    fn running(&self, container: &str) -> Result<bool, RemoteError> {
        let path = format!("{container}/json");
        let inspect: serde_json::Value = match self.client.call("GET", &path, Payload::None) {
            Err(RemoteError::Status { status: 404, .. }) => return Ok(false),
            reply => reply?.json()?,
        };
        Ok(inspect["State"]["Running"].as_bool().unwrap_or(false))
    }

    /// The exec's exit code, once the service has recorded it (its stream
    /// may end a moment before).
    fn exit_code(&self, exec: &str) -> Result<i32, RemoteError> {
        let path = format!("{exec}/json");
        for _ in 0..100 {
            let state: ExecInspectResponse =
                self.client.call("GET", &path, Payload::None)?.json()?;
            if state.running != Some(true) {
                return Ok(state.exit_code.unwrap_or(0) as i32);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err(RemoteError::Protocol(format!(
            "the exec {exec} still runs after its output ended"
        )))
    }
}

/// Docker's answer to an exec create; the stubs' IdResponse spells its key
/// `ID`, where Docker's is `Id`.
#[derive(serde::Deserialize)]
struct ExecCreated {
    #[serde(rename = "Id")]
    id: String,
}

/// Passes the caller's window size and signals on to `target` (a container
/// or an exec: both have /resize; only a container takes a signal).
fn controls(client: Client, target: String) -> impl Fn(Control) + Send + 'static {
    let client = Arc::new(client);
    move |control| {
        let call = match control {
            Control::Resize { rows, cols } => path(
                &format!("{target}/resize"),
                &[("h", rows.to_string()), ("w", cols.to_string())],
            ),
            Control::Signal(n) if target.starts_with("/containers/") => {
                path(&format!("{target}/kill"), &[("signal", n.to_string())])
            }
            Control::Signal(_) => return,
        };
        if let Err(e) = client.call("POST", &call, Payload::None) {
            log::debug!("cannot pass {control:?} on: {e}");
        }
    }
}

/// The detach keys in Docker's spelling (ctrl-X or the character).
fn detach_keys(keys: &[u8]) -> String {
    keys.iter()
        .map(|k| match k {
            1..=26 => format!("ctrl-{}", (b'a' + k - 1) as char),
            0 => "ctrl-@".to_owned(),
            27 => "ctrl-[".to_owned(),
            28 => "ctrl-\\".to_owned(),
            29 => "ctrl-]".to_owned(),
            30 => "ctrl-^".to_owned(),
            31 => "ctrl-_".to_owned(),
            k => (*k as char).to_string(),
        })
        .collect::<Vec<_>>()
        .join(",")
}
