//! `POST /build`: the legacy builder's API. The body is the context as a tar
//! (plain or gzip); the answer is Docker's build stream: steps and RUN output
//! as `{"stream": …}`, base image pulls as progress messages, the image ID as
//! `{"aux": {"ID": …}}`. BuildKit's sessions are not served.

use super::progress::{short, status, Transfer};
use super::relay::{self, Sender};
use crate::api::error::Error;
use crate::api::exchange::Exchange;
use crate::engine::build::{BuildEvent, BuildOptions, ContextInput, RunOutput};
use crate::engine::images::policy::PullPolicy;
use crate::engine::images::pull::PullEvent;
use crate::engine::interface::Engine;
use crate::engine::net::Network;
use crate::engine::oci::reference::Reference;
use bollard_stubs::models::CreateImageInfo;
use std::collections::HashMap;
use std::fs::File;
use std::io::{Seek, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

pub fn build(engine: &dyn Engine, ex: &mut Exchange) -> Result<(), Error> {
    let head = &ex.head;
    if head.param("version") == Some("2") || head.param("session").is_some_and(|s| !s.is_empty()) {
        return Err(Error::bad_request(
            "BuildKit is not supported: build with the legacy builder (DOCKER_BUILDKIT=0)",
        ));
    }
    if head.param("remote").is_some_and(|r| !r.is_empty()) {
        return Err(Error::bad_request(
            "building from a remote context is not supported: send the context as the body",
        ));
    }
    let opts = plan(head)?;
    let quiet = head.flag("q");
    let context = spool(&mut ex.body)?;
    relay::run(ex, !quiet, |sender, output| {
        // The Dockerfile is named relative to the context; the engine looks
        // where the caller stands first, and a service stands nowhere.
        std::env::set_current_dir("/")?;
        let output = match output {
            Some(output) => output,
            None => discard()?,
        };
        let events = Arc::new(Events {
            to: sender.clone(),
            quiet,
            pulled: Transfer::default(),
            pulling: Mutex::new(None),
            tags: Mutex::new(Vec::new()),
        });
        let sink = events.clone();
        let id = engine.build(
            ContextInput::Reader(Box::new(context)),
            output,
            &opts,
            Arc::new(move |event| sink.show(event)),
        )?;
        events.finish(&id);
        Ok(())
    })
}

/// Every parameter checked before the context is read.
fn plan(head: &crate::api::http::Head) -> Result<BuildOptions, Error> {
    let bad = |e: String| Error::bad_request(e);
    let tags = head
        .params("t")
        .iter()
        .filter(|t| !t.is_empty())
        .map(|t| Reference::parse(t).map(|r| r.to_string()))
        .collect::<Result<_, _>>()
        .map_err(|e| bad(e.to_string()))?;
    let file = match head.param("dockerfile").filter(|f| !f.is_empty()) {
        None => None,
        Some(f) => {
            let path = PathBuf::from(f);
            if !path
                .components()
                .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
            {
                return Err(bad(format!(
                    "the Dockerfile ({f}) must be inside the build context"
                )));
            }
            Some(path)
        }
    };
    let network = match head.param("networkmode").filter(|n| !n.is_empty()) {
        None | Some("default") => None,
        Some(n) => Some(n.parse::<Network>().map_err(|e| bad(e.to_string()))?),
    };
    Ok(BuildOptions {
        file,
        tags,
        build_args: json_map(head.param("buildargs"), "buildargs")?,
        target: head
            .param("target")
            .filter(|t| !t.is_empty())
            .map(str::to_owned),
        no_cache: head.flag("nocache"),
        pull: match head.flag("pull") {
            true => PullPolicy::Always,
            false => PullPolicy::Missing,
        },
        // Loopback registries may still speak plain HTTP, as Docker allows.
        tls_verify: true,
        credentials: None,
        platform: head
            .param("platform")
            .filter(|p| !p.is_empty())
            .map(str::to_owned),
        labels: json_map(head.param("labels"), "labels")?,
        network,
        secrets: vec![],
        named_contexts: vec![],
        from: None,
        ignorefile: None,
        layers: true,
        run: Default::default(),
        result: Default::default(),
        output: None,
        squash: Default::default(),
    })
}

/// `buildargs` and `labels`: JSON maps of strings; a null value (a build
/// argument named without one) is left out.
fn json_map(value: Option<&str>, what: &str) -> Result<Vec<(String, String)>, Error> {
    let Some(value) = value.filter(|v| !v.is_empty()) else {
        return Ok(vec![]);
    };
    let map: HashMap<String, Option<String>> = serde_json::from_str(value)
        .map_err(|e| Error::bad_request(format!("invalid {what}: {e}")))?;
    let mut pairs: Vec<_> = map.into_iter().filter_map(|(k, v)| Some((k, v?))).collect();
    pairs.sort();
    Ok(pairs)
}

/// The body into an unnamed temporary file: the engine takes the context as a
/// reader of its own, and the connection's body belongs to this request's
/// process, which must read it before the build's child starts.
fn spool(body: &mut impl std::io::Read) -> Result<File, Error> {
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .mode(0o600)
        .custom_flags(libc::O_TMPFILE)
        .open(std::env::temp_dir())?;
    std::io::copy(body, &mut file)
        .map_err(|e| Error::bad_request(format!("cannot read the build context: {e}")))?;
    file.flush()?;
    file.rewind()?;
    Ok(file)
}

/// Quiet builds drop what RUN steps print.
fn discard() -> Result<RunOutput, Error> {
    let null = |_| File::options().write(true).open(Path::new("/dev/null"));
    Ok(RunOutput {
        stdout: null(())?.into(),
        stderr: null(())?.into(),
        stdin: None,
    })
}

/// The build's events as the legacy builder words them.
struct Events {
    to: Sender,
    quiet: bool,
    pulled: Transfer,
    /// The base image being pulled, named in its "Pulling from".
    pulling: Mutex<Option<Reference>>,
    /// Names the build gave, said after "Successfully built" as Docker does.
    tags: Mutex<Vec<String>>,
}

impl Events {
    fn show(&self, event: BuildEvent) {
        let line = match event {
            BuildEvent::Tagged { name } => {
                lock(&self.tags).push(name);
                return;
            }
            _ if self.quiet => return,
            BuildEvent::Step { n, m, text, .. } => format!("Step {n}/{m} : {text}\n"),
            // The step's image follows as Committed.
            BuildEvent::CacheHit { .. } => " ---> Using cache\n".to_owned(),
            BuildEvent::Committed { id } => format!(" ---> {}\n", short(&id)),
            BuildEvent::Warning(warning) => format!("[Warning] {warning}\n"),
            BuildEvent::Pull(event) => return self.pull(event),
            BuildEvent::Pulled { .. } => return,
        };
        self.stream(line);
    }

    fn pull(&self, event: PullEvent) {
        if let PullEvent::Resolved { reference } = &event {
            *lock(&self.pulling) = Reference::parse(reference).ok();
        }
        let announce = match &*lock(&self.pulling) {
            Some(r) => CreateImageInfo {
                id: Some(r.tag_or_digest().to_owned()),
                ..status(format!("Pulling from {}", r.repository))
            },
            None => status("Pulling"),
        };
        for message in self.pulled.pull(event, &announce) {
            self.to.send(&message);
        }
    }

    fn finish(&self, id: &str) {
        self.to
            .send(&serde_json::json!({ "aux": { "ID": format!("sha256:{id}") } }));
        if self.quiet {
            return self.stream(format!("sha256:{id}\n"));
        }
        self.stream(format!("Successfully built {}\n", short(id)));
        for name in lock(&self.tags).iter() {
            let name = Reference::parse(name).map_or(name.clone(), |r| r.familiar_full());
            self.stream(format!("Successfully tagged {name}\n"));
        }
    }

    fn stream(&self, text: String) {
        self.to.send(&serde_json::json!({ "stream": text }));
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_args_drop_nulls() {
        assert_eq!(
            json_map(Some(r#"{"A":"1","B":null}"#), "buildargs").unwrap(),
            vec![("A".to_owned(), "1".to_owned())]
        );
        assert!(json_map(Some("[1]"), "labels").is_err());
    }
}
