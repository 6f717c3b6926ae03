use super::LocalEngine;
use crate::engine::containers::attach::{self, AttachEnd, AttachOptions, AttachRequest};
use crate::engine::containers::clone::{self, CloneOptions};
use crate::engine::containers::create::{CreateEvent, CreateOptions, CreateProgress, Pulling};
use crate::engine::containers::exec::sessions::{self, ExecConfig, ExecSession};
use crate::engine::containers::exec::{self, ExecOptions};
use crate::engine::containers::remove::RemoveOptions;
use crate::engine::containers::settings::Settings;
use crate::engine::containers::start::{self, RunEnd, RunOptions, StartOptions};
use crate::engine::containers::{self, stop};
use crate::engine::images::policy::PullPolicy;
use crate::engine::images::pull::{self, PullOptions};
use crate::engine::interface::{Each, Error, RunEngine};
use crate::engine::monitor::command::{Invocation, MonitorCommand};
use crate::engine::monitor::{self, MonitorError};
use crate::engine::net::holder::Link;
use crate::engine::net::Network;
use crate::engine::networks;
use crate::engine::pods;
use crate::engine::process::single_threaded;
use crate::engine::process::Inside;
use crate::engine::runtime::namespaces::NamespaceMode;
use crate::engine::store::Store;
use crate::engine::streams::Streams;
use crate::engine::volumes;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

impl RunEngine for LocalEngine {
    fn create(
        &self,
        opts: &CreateOptions,
        pulling: Pulling,
        progress: CreateProgress,
    ) -> Result<String, Error> {
        let opts = self.join_pod(opts)?;
        self.inside()?;
        self.create_in(&self.store()?, &opts, pulling, progress)
    }

    fn clone_container(
        &self,
        name: &str,
        opts: &CloneOptions,
        progress: CreateProgress,
    ) -> Result<String, Error> {
        let mut plan = clone::plan(&self.store()?, name, opts)?;
        if let Some(pod) = &opts.pod {
            pods::members::leave(&self.store()?, &mut plan.create);
            plan.create.pod = Some(pod.clone());
            plan.create = self.join_pod(&plan.create)?;
        }
        let joined = joined_containers(&plan.create.settings);
        self.inside_for(plan.create.network.iter().chain(&joined))?;
        let store = self.store()?;
        // The original's image, or the one given, pulled only when missing.
        let pulling = Pulling {
            policy: PullPolicy::Missing,
            tls_verify: true,
            platform: None,
        };
        let id = self.create_in(&store, &plan.create, pulling, progress)?;
        // As Podman does: the clone first, then the original's removal.
        if opts.destroy {
            let _ = stop::stop(&store, &plan.original, Some(plan.stop_timeout));
            let force = RemoveOptions {
                force: true,
                ..RemoveOptions::default()
            };
            containers::remove::remove(self.inside()?, &store, &plan.original, force)?;
        }
        if opts.run {
            start::start_named(&self.ctx, &store, &id)?;
        }
        Ok(id)
    }

    fn run(
        &self,
        opts: &RunOptions,
        streams: Streams,
        progress: CreateProgress,
    ) -> Result<RunEnd, Error> {
        let create = self.join_pod(&opts.create)?;
        let joined = joined_containers(&create.settings);
        self.inside_for(create.network.iter().chain(&joined))?;
        // One connection for the whole run: opening the store costs a quarter of
        // a millisecond each time.
        let store = self.store()?;
        if create.pod.is_some() {
            for network in create.network.iter().chain(&joined) {
                self.start_infra(&store, network)?;
            }
        }
        let opts = &RunOptions {
            create,
            pulling: opts.pulling.clone(),
            detach: opts.detach,
            detach_keys: opts.detach_keys.clone(),
            sig_proxy: opts.sig_proxy,
        };
        let id = self.create_in(&store, &opts.create, opts.pulling.clone(), progress)?;
        let ctx = &self.ctx;
        // The foreground paths start no monitor through start(), which would.
        if !opts.create.settings.requires.is_empty() {
            let config = containers::lookup::config_of(&containers::lookup::lookup(&store, &id)?)?;
            start::start_required(ctx, &store, &config)?;
        }
        if opts.detach {
            let start = StartOptions {
                attach: None,
                remove_on_failure: true,
                tty_size: None,
            };
            start::start(ctx, &store, &id, start)?;
            return Ok(RunEnd::Started(id));
        }
        // With a terminal, a detached monitor and the caller attached to it, as
        // Docker and Podman do: the detach keys leave the container running, and
        // other terminals may attach.
        if opts.create.tty {
            let attach = AttachOptions {
                stdin: opts.create.interactive,
                tty: true,
                detach_keys: opts.detach_keys.clone(),
                // As a foreground run without -t does (and Podman's): signals sent
                // to the caller reach the container, unless --sig-proxy=false;
                // Ctrl-C does too, as a key with -i or as SIGINT without.
                sig_proxy: opts.sig_proxy,
            };
            let end = start::start_attached(ctx, &store, &id, &attach, true, streams)?;
            return Ok(RunEnd::Ended(end));
        }
        // Only a run that publishes has ports to check: the common one is spared
        // reading back the record it has just written.
        let publishes = !opts.create.publish.is_empty() || opts.create.publish_all;
        if let Err(e) = publishes
            .then(|| start::check_ports(&store, &id))
            .transpose()
        {
            let _ = volumes::remove::container_and_anonymous(&store, &id);
            return Err(e.into());
        }
        let foreground = monitor::Options {
            caller: Some(streams),
            remove_on_failure: true,
            ..monitor::Options::default()
        };
        // The monitor must start single-threaded. Unless a pull left threads
        // behind, this process is, and saves the cost of a fresh one.
        if single_threaded() {
            let code = monitor::run(ctx, store, &id, foreground)?;
            return Ok(RunEnd::Ended(AttachEnd::Exited(code)));
        }
        // exec leaves every thread behind; the monitor it makes of this process
        // has this process's stdio, which are the caller's streams in the CLI.
        let cmd = MonitorCommand {
            remove_on_failure: true,
            ..MonitorCommand::new(ctx, &id)
        };
        let e = match cmd.command() {
            Ok(mut cmd) => cmd.exec(),
            Err(e) => e,
        };
        let _ = volumes::remove::container_and_anonymous(&store, &id);
        Err(MonitorError::Exec(e).into())
    }

    fn start(&self, names: &[String]) -> Result<Each, Error> {
        let networks = self.networks(names)?;
        self.inside_for(&networks)?;
        let store = self.store()?;
        for network in &networks {
            self.start_infra(&store, network)?;
        }
        Ok(start::start_named_many(&self.ctx, &store, names)
            .into_iter()
            .map(|r| Ok(r?))
            .collect())
    }

    fn start_attached(
        &self,
        name: &str,
        request: &AttachRequest,
        streams: Streams,
    ) -> Result<AttachEnd, Error> {
        self.inside_for(&self.networks(&[name.to_owned()])?)?;
        let store = self.store()?;
        Ok(start::start_named_attached(
            &self.ctx, &store, name, request, streams,
        )?)
    }

    fn restart(&self, names: &[String], timeout: Duration) -> Result<Each, Error> {
        // Stopped from the host side, where the caller owns the containers'
        // namespaces; started from inside ours.
        let store = self.store()?;
        let stopped: Vec<Result<(), Error>> = names
            .iter()
            .map(|name| Ok(stop::stop(&store, name, Some(timeout))?))
            .collect();
        let networks = self.networks(names)?;
        drop(store);
        self.inside_for(&networks)?;
        let store = self.store()?;
        Ok(names
            .iter()
            .zip(stopped)
            .map(|(name, stopped)| {
                stopped?;
                start::start_named(&self.ctx, &store, name)?;
                if let Ok(record) = containers::lookup::lookup(&store, name) {
                    store.record(containers::events::event(&record, "restart"));
                }
                Ok(())
            })
            .collect())
    }

    fn attach(
        &self,
        name: &str,
        request: &AttachRequest,
        streams: Streams,
    ) -> Result<AttachEnd, Error> {
        Ok(attach::attach(&self.store()?, name, request, streams)?)
    }

    fn exec(&self, name: &str, opts: &ExecOptions, streams: Streams) -> Result<i32, Error> {
        let host = self.host()?;
        let store = self.store()?;
        Ok(exec::exec(&self.ctx, &host, &store, name, opts, streams)?)
    }

    fn create_exec(&self, name: &str, config: ExecConfig) -> Result<ExecSession, Error> {
        let store = self.store()?;
        Ok(sessions::create(&self.ctx.runroot, &store, name, config)?)
    }

    fn start_exec(&self, id: &str, detach: bool, streams: Streams) -> Result<i32, Error> {
        let host = self.host()?;
        let store = self.store()?;
        Ok(exec::start(&self.ctx, &host, &store, id, detach, streams)?)
    }

    fn inspect_exec(&self, id: &str) -> Result<ExecSession, Error> {
        Ok(sessions::load(&self.ctx.runroot, id)?)
    }

    fn resize_exec(&self, id: &str, rows: u16, cols: u16) -> Result<(), Error> {
        let session = sessions::load(&self.ctx.runroot, id)?;
        Ok(sessions::resize(&self.ctx.runroot, &session, rows, cols)?)
    }
}

impl LocalEngine {
    /// Inside the user namespace the containers are to live in: a new one, or,
    /// rootless with `--network container:X`, X's, which owns the network
    /// namespace they join (X must run: its init holds both); on user-defined
    /// networks, the holder's, which owns the bridges (started if need be).
    pub(super) fn inside_for<'a>(
        &self,
        networks: impl IntoIterator<Item = &'a Network>,
    ) -> Result<Inside, Error> {
        let mut bridged = false;
        let mut other = None;
        for network in networks {
            match network {
                Network::Container(x) => other = other.or(Some(x)),
                Network::Bridge(_) => bridged = true,
                _ => {}
            }
        }
        if let Some(x) = other.filter(|_| self.ctx.rootless()) {
            let store = self.store()?;
            let record = containers::lookup::lookup(&store, x)?;
            let init = match containers::join::running_init(&record, &record.name) {
                Ok(init) => init,
                // A pod's infra that is not running is started from a
                // namespace of our own (start_infra), which its members join.
                Err(_) if self.check_not_infra(&store, x).is_err() => return self.inside(),
                Err(e) => return Err(e.into()),
            };
            let userns = PathBuf::from(format!("/proc/{init}/ns/user"));
            // `kube play` starts a pod's infra, then its members, from one
            // process: already in the infra's namespace, it has nothing to join.
            if self.ctx.entered() && same_file(&userns, Path::new("/proc/self/ns/user")) {
                return self.inside();
            }
            let host = self.host()?;
            return Ok(self.ctx.inside_of(host, &userns)?);
        }
        if !bridged {
            return self.inside();
        }
        let host = self.host()?;
        let link = Link::connect(&self.ctx.runroot)?;
        let userns = PathBuf::from(format!("/proc/{}/ns/user", link.pid));
        let _ = self.holder.set(link);
        Ok(self.ctx.inside_of(host, &userns)?)
    }

    /// The networks the named containers were created with (unknown names are
    /// left to the verb to report).
    fn networks(&self, names: &[String]) -> Result<Vec<Network>, Error> {
        let store = self.store()?;
        Ok(names
            .iter()
            .filter_map(|n| containers::lookup::lookup(&store, n).ok())
            .filter_map(|r| containers::lookup::config_of(&r).ok())
            .flat_map(|c| std::iter::once(c.network).chain(joined_containers(&c.settings)))
            .collect())
    }

    /// Pulls the image as `pulling` says, then creates the container.
    fn create_in(
        &self,
        store: &Store,
        opts: &CreateOptions,
        pulling: Pulling,
        progress: CreateProgress,
    ) -> Result<String, Error> {
        let fetch = || {
            let pull_opts = PullOptions {
                reference: opts.image.clone(),
                platform: pulling.platform.clone(),
                tls_verify: pulling.tls_verify,
                credentials: None,
                auth_files: None,
            };
            let events = progress.clone();
            let events: pull::Progress = Arc::new(move |e| events(CreateEvent::Pull(e)));
            let result = self.pull_image(&pull_opts, events);
            progress(CreateEvent::Pulled { ok: result.is_ok() });
            result
        };
        containers::userns::check(&self.ctx, opts.userns)
            .map_err(containers::ContainersError::from)?;
        // Said once, here, before any pull; create leaves the same limits out.
        let mut limits = opts.settings.resources.clone();
        let rootless = self.ctx.rootless();
        let warnings = containers::cgroups::enforceable(&mut limits, rootless)
            .map_err(containers::ContainersError::from)?;
        for warning in warnings {
            progress(CreateEvent::Warning(warning));
        }
        // An unknown network fails the run before anything is pulled.
        if let Some(Network::Bridge(attachments)) = &opts.network {
            networks::resolve_attachments(store, attachments)?;
        }
        let warn = |why: String| log::warn!("{why}");
        pulling.policy.obtain(store, &opts.image, fetch, warn)?;
        if let Some(name) = opts.name.as_deref().filter(|_| opts.replace) {
            self.replace(store, name)?;
        }
        Ok(containers::create(&self.ctx, store, opts)?)
    }

    /// `--replace`: the container called `name`, if any, killed and removed,
    /// once the image is there (a failed pull leaves it be).
    fn replace(&self, store: &Store, name: &str) -> Result<(), Error> {
        let Some(id) = store.container_id_by_name(name)? else {
            return Ok(());
        };
        let _ = stop::stop(store, &id, Some(Duration::ZERO));
        let force = containers::remove::RemoveOptions {
            force: true,
            volumes: false,
            stop_timeout: None,
        };
        containers::remove::remove(self.inside()?, store, &id, force)?;
        Ok(())
    }

    /// Is the monitor `invocation` asks for, in this process (which must have no
    /// other thread), relaying to `caller` unless detached; returns the
    /// container's exit code. Only a local engine can be a monitor.
    pub fn monitor(&self, invocation: Invocation, caller: Streams) -> Result<i32, Error> {
        match invocation {
            Invocation::Monitor(cmd) => Ok(monitor::run_command(&self.ctx, &cmd, caller)?),
            Invocation::Resumed(resumed) => Ok(monitor::resume(&self.ctx, *resumed)?),
        }
    }
}

/// The containers whose pid, IPC or UTS namespace a container joins, as the
/// `--network container:X` they amount to for choosing the user namespace to
/// be in: X's, the only one whose namespaces may be joined.
fn joined_containers(settings: &Settings) -> Vec<Network> {
    [&settings.pid, &settings.ipc, &settings.uts]
        .into_iter()
        .filter_map(|mode| match mode {
            NamespaceMode::Container(x) => Some(Network::Container(x.clone())),
            _ => None,
        })
        .collect()
}

/// Whether two paths name one file (two namespaces' links, one namespace).
fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}
