//! Creating a container: everything decided from the image and the options, then
//! the record and the directory (upper, work, merged, userdata, config.json).

use super::log_config::LogConfig;
use super::run_files::{self, SdNotify};
use super::settings::{self, Settings};
use super::{files, layers, mapped, names, passwd, secrets, userns, ContainersError};
use crate::engine::containers_conf;
use crate::engine::context::Context;
use crate::engine::images;
use crate::engine::images::policy::PullPolicy;
use crate::engine::images::pull::PullEvent;
use crate::engine::monitor::config::ContainerConfig;
use crate::engine::monitor::init;
use crate::engine::monitor::restart::RestartPolicy;
use crate::engine::net::addresses;
use crate::engine::net::names::NameOptions;
use crate::engine::net::ports::{self, Exposed, Publish};
use crate::engine::net::{self, NetError, Network};
use crate::engine::networks;
use crate::engine::runtime::environment;
use crate::engine::runtime::namespaces::NamespaceMode;
use crate::engine::runtime::process::{self, ImageProcess};
use crate::engine::runtime::seccomp_profile::Profile;
use crate::engine::runtime::spec::{self, SpecInput};
use crate::engine::runtime::ulimit::{self, Ulimit};
use crate::engine::runtime::{caps, seccomp, seccomp_cache, signal, user, RuntimeError};
use crate::engine::secrets::store::SecretStore;
use crate::engine::secrets::SecretRequest;
use crate::engine::store::containers::{ContainerRecord, RunState};
use crate::engine::store::{Store, StoreError};
use crate::engine::userns::{Mappings, UsernsMode};
use crate::engine::volumes::parse::{check_targets, VolumesFrom};
use crate::engine::volumes::plan::{self, ImageVolumes, PlanInput, Planned};
use crate::engine::volumes::MountRequest;

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub enum Seccomp {
    #[default]
    Default,
    Unconfined,
    /// `seccomp=PROFILE.json`, already parsed and checked.
    Profile(Profile),
}

/// Validated options (the CLI and the API build these; see `validate`). Kept
/// in the container's config, as given, for `container clone`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CreateOptions {
    pub image: String,
    pub name: Option<String>,
    pub command: Vec<String>,
    pub entrypoint: Option<String>,
    /// `KEY=VALUE` entries, host values already filled in.
    pub env: Vec<String>,
    pub workdir: Option<String>,
    pub user: Option<String>,
    pub hostname: Option<String>,
    /// None: the host's default (net::default_network), chosen here so that
    /// the record says which.
    pub network: Option<Network>,
    /// `--dns*`, `--add-host`, `--no-hosts`.
    pub names: NameOptions,
    pub read_only: bool,
    pub privileged: bool,
    pub cap_add: Vec<String>,
    pub cap_drop: Vec<String>,
    pub seccomp: Seccomp,
    pub no_new_privileges: bool,
    pub labels: Vec<(String, String)>,
    pub interactive: bool,
    pub tty: bool,
    pub remove: bool,
    /// Any spelling `signal::parse` takes; the image's StopSignal when none.
    pub stop_signal: Option<String>,
    pub ulimits: Vec<Ulimit>,
    /// Run coracle's init as PID 1, the command as its child (`--init`).
    pub init: bool,
    pub restart: RestartPolicy,
    /// `-p`, as given.
    pub publish: Vec<Publish>,
    /// `-P`: every exposed port published too, each on a free host port.
    pub publish_all: bool,
    /// `--expose`.
    pub expose: Vec<Exposed>,
    /// `-v`, `--mount`, `--tmpfs`, each checked on its own.
    pub mounts: Vec<MountRequest>,
    pub volumes_from: Vec<VolumesFrom>,
    /// What becomes of the image's VOLUMEs (`--image-volume`).
    pub image_volumes: ImageVolumes,
    /// `--userns`.
    pub userns: UsernsMode,
    /// Mounts the caller made ready, in OCI form, mounted after all others (a
    /// build's RUN --mount).
    pub extra_mounts: Vec<oci_spec::runtime::Mount>,
    /// `--secret`.
    pub secrets: Vec<SecretRequest>,
    /// `--cidfile`: the new container's ID is written there; it must not exist.
    pub cidfile: Option<PathBuf>,
    /// `--pidfile`: the monitor writes the container's pid there at each start.
    pub pidfile: Option<PathBuf>,
    /// `--replace`: a container of the same name is removed first.
    pub replace: bool,
    /// `--timeout`: seconds after which the monitor kills the container (0: never).
    pub timeout: u32,
    /// `--sdnotify`.
    pub sdnotify: SdNotify,
    /// `--log-driver`, `--log-opt`.
    pub log: LogConfig,
    /// `--passwd`: a line in /etc/passwd (and /etc/group) for a user the image
    /// does not know; `--passwd-entry` is its template.
    pub passwd: bool,
    pub passwd_entry: Option<String>,
    /// `--tz`, `--umask`, `--sysctl`, `--pid`, `--device`, ... (settings.rs).
    pub settings: Settings,
    /// `--pod`: a pod's name or ID, or `new:NAME` for one made on the spot;
    /// the pod's ID once the engine has resolved it (pods::members::join).
    #[serde(default)]
    pub pod: Option<String>,
    /// This is a pod's infra container (pods/infra.rs makes it).
    #[serde(default)]
    pub infra: bool,
}

impl CreateOptions {
    /// Everything that can be checked without the image, so that a bad flag fails
    /// before anything is pulled or created.
    pub fn validate(&self) -> Result<(), RuntimeError> {
        if let Some(name) = &self.name {
            if !names::valid(name) {
                return Err(RuntimeError::Invalid(format!(
                    "invalid container name {name:?}: use letters, digits and _ . - (not first)"
                )));
            }
        }
        if let Some(u) = &self.user {
            user::check_syntax(u)?;
        }
        if let Some(w) = &self.workdir {
            process::cwd(&ImageProcess::default(), Some(w))?;
        }
        if let Some(h) = &self.hostname {
            if h.is_empty() || h.len() > 64 || h.contains(['/', ' ']) {
                return Err(RuntimeError::Invalid(format!(
                    "invalid hostname {h:?}: at most 64 characters, no spaces or slashes"
                )));
            }
        }
        caps::effective_set(self.privileged, &self.cap_add, &self.cap_drop)?;
        if let Some(s) = &self.stop_signal {
            signal::parse(s)?;
        }
        let dns = !self.names.dns.is_empty();
        match &self.network {
            Some(Network::Container(_)) if self.names.any() => {
                return Err(RuntimeError::Invalid(
                    "conflicting options: --network container:X shares X's /etc/hosts and /etc/resolv.conf: drop --dns, --dns-search, --dns-option, --add-host and --no-hosts".into(),
                ))
            }
            Some(Network::None) if dns => {
                return Err(RuntimeError::Invalid(
                    "conflicting options: --dns and --network none: a container without a network has no nameserver to reach".into(),
                ))
            }
            _ => {}
        }
        check_targets(self.mounts.iter().map(|m| m.destination.as_str()))
            .map_err(|e| RuntimeError::Invalid(e.to_string()))?;
        // A network namespace another user namespace owns cannot be joined from
        // the container's own.
        if self.userns.is_private() {
            if let Some(n @ (Network::Container(_) | Network::Ns(_))) = &self.network {
                return Err(RuntimeError::Invalid(format!(
                    "conflicting options: a container with its own user namespace (--userns) cannot join the network namespace of --network {n}: use a network of its own, none or host"
                )));
            }
        }
        if self.replace && self.name.is_none() {
            return Err(RuntimeError::Invalid(
                "cannot replace container without --name being set".into(),
            ));
        }
        if let Some(file) = self.cidfile.as_ref().filter(|f| f.exists()) {
            return Err(RuntimeError::Invalid(format!(
                "container id file exists. Ensure another container is not using it or delete {}",
                file.display()
            )));
        }
        self.settings.validate(self.network.as_ref())?;
        self.settings.resources.clone().validate()?;
        if self.hostname.is_some() && !self.settings.uts.unshared() {
            return Err(RuntimeError::Invalid(
                "invalid config provided: cannot set hostname when running in the host UTS namespace: invalid configuration".into(),
            ));
        }
        if self.userns.is_private() && self.settings.joins_other() {
            return Err(RuntimeError::Invalid(
                "conflicting options: a container with its own user namespace (--userns) cannot join another container's --pid, --ipc or --uts namespace".into(),
            ));
        }
        if self.remove && self.restart != RestartPolicy::No {
            return Err(RuntimeError::Invalid(
                "conflicting options: --restart and --rm: a container cannot be both restarted and removed when it exits".into(),
            ));
        }
        Ok(())
    }
}

/// Creates the container and returns its ID.
pub fn create(
    ctx: &Context,
    store: &Store,
    opts: &CreateOptions,
) -> Result<String, ContainersError> {
    opts.validate()?;
    // Not given: the host's default (the bridge as root; pasta, else
    // slirp4netns), chosen here so
    // that the record says which. X of container:X is stored by ID, as Podman
    // does, so that a rename of X changes nothing; a user-defined network by
    // its name, which never changes, once it is known to exist.
    let conf = containers_conf::load(ctx.rootless())?;
    let network = match &opts.network {
        None => net::default_network(
            &ctx.runroot,
            ctx.rootless(),
            conf.rootless_network_cmd.as_deref(),
        )?,
        Some(Network::Container(x)) => Network::Container(super::lookup::lookup(store, x)?.id),
        Some(Network::Bridge(a)) => Network::Bridge(networks::resolve_attachments(store, a)?),
        Some(n) => n.clone(),
    };
    let secrets_read = match opts.secrets.is_empty() {
        true => Vec::new(),
        false => secrets::read(&SecretStore::open(&ctx.root)?, &opts.secrets)?,
    };
    let mut settings = resolve_others(store, &opts.settings)?;
    settings.add_default_sysctls(&conf.default_sysctls, &network);
    settings.resources.validate()?;
    // Its warnings were the caller's to give (local/run.rs), before any pull.
    super::cgroups::enforceable(&mut settings.resources, ctx.rootless())?;
    // Held until the record names the image and the directory: an rmi or a
    // prune meanwhile would take the image, or the half-made directory, for unused.
    let _adding = store.lock_for_adding()?;
    let image_id = images::resolve(store, &opts.image)?;
    let image = store.image(&image_id)?;
    let config = images::config::load(store, &image)?;
    let image_proc = ImageProcess::from_config(&config);
    let layer_dirs: Vec<PathBuf> = image
        .layers
        .iter()
        .rev()
        .map(|l| store.layer_path(l))
        .collect::<Result<_, _>>()?;

    let image_hosts = layers::read_file(&layer_dirs, "etc/hosts").unwrap_or_default();
    let argv = process::argv(&image_proc, opts.entrypoint.as_deref(), &opts.command)?;
    let cwd = process::cwd(&image_proc, opts.workdir.as_deref())?;
    let user_spec = opts.user.clone().unwrap_or_else(|| image_proc.user.clone());
    let image_passwd = layers::read_file(&layer_dirs, "etc/passwd").unwrap_or_default();
    let image_group = layers::read_file(&layer_dirs, "etc/group").unwrap_or_default();
    let mut resolved = user::resolve(&user_spec, &image_passwd, &image_group)?;
    let mut planned = userns::plan(
        ctx,
        store,
        opts.userns,
        &layer_dirs,
        opts.user.is_some(),
        &mut resolved,
    )?;
    // keep-id's own lines come first; they name the caller.
    if opts.passwd && planned.etc.is_empty() {
        let user = passwd::User {
            uid: resolved.uid,
            gid: resolved.gid,
            home: &cwd,
        };
        let entry = opts.passwd_entry.as_deref();
        planned.etc = passwd::entries(&image_passwd, &image_group, &user, entry);
    }
    if !settings.hostusers.is_empty() {
        super::hostuser::add(&mut planned.etc, &layer_dirs, &settings.hostusers, &cwd)?;
    }
    let group_text = layers::read_file(&layer_dirs, "etc/group").unwrap_or_default();
    for group in &opts.settings.group_add {
        resolved
            .additional_gids
            .push(user::group_gid(group, &group_text)?);
    }
    // keep-groups: no setgroups at all, so the process keeps the caller's.
    if opts.settings.keep_groups {
        resolved.additional_gids.clear();
    }
    // With a single-id mapping, setgroups(2) is denied in the user namespace (the
    // kernel requires it before an unprivileged process may write gid_map).
    if ctx.mode.mappings().is_some_and(|m| m.is_single()) {
        resolved.additional_gids.clear();
    }
    let id = hex::encode(rand::random::<[u8; 32]>());
    let name = opts.name.clone().unwrap_or_else(names::generate);
    let hostname = match (&opts.hostname, &settings.uts) {
        (Some(name), _) => name.clone(),
        // What `hostname` says inside: the host's, or X's.
        (None, NamespaceMode::Host) => nix::unistd::gethostname()
            .map(|h| h.to_string_lossy().into_owned())
            .unwrap_or_default(),
        (None, NamespaceMode::Container(x)) => {
            std::fs::read_to_string(store.container_dir(x).join("userdata/hostname"))
                .map(|h| h.trim().to_owned())
                .unwrap_or_default()
        }
        (None, _) => id[..12].to_owned(),
    };
    let mut env = environment::merge(
        process::DEFAULT_PATH,
        &image_proc.env,
        &hostname,
        &opts.settings.env,
        &opts.env,
    );
    // libcontainer looks the command up in PATH even when it is a path.
    if !env.iter().any(|e| e.starts_with("PATH=")) {
        return Err(RuntimeError::Invalid(
            "coracle does not support a container without PATH (--unsetenv PATH, --unsetenv-all): its runtime needs PATH to find the command; give one with -e PATH=...".into(),
        )
        .into());
    }
    if !env.iter().any(|e| e.starts_with("HOME=")) {
        env.push(format!("HOME={}", resolved.home.as_deref().unwrap_or("/")));
    }
    // As Docker and Podman do: programs on a pty expect to know its kind.
    if opts.tty && !env.iter().any(|e| e.starts_with("TERM=")) {
        env.push("TERM=xterm".to_owned());
    }
    let stop_signal = match (&opts.stop_signal, image_proc.stop_signal.as_str()) {
        (Some(flag), _) => signal::parse(flag)?,
        (None, "") => "SIGTERM".to_owned(),
        (None, image) => signal::parse(image).map_err(|_| {
            RuntimeError::Invalid(format!(
                "the image's StopSignal {image:?} is not a signal: give one with --stop-signal"
            ))
        })?,
    };
    if ctx.rootless() {
        ulimit::check_raisable(&opts.ulimits)?;
    }
    let capabilities = caps::effective_set(opts.privileged, &opts.cap_add, &opts.cap_drop)?;
    // A profile asked for applies even with --privileged: a container never runs
    // without the profile that was asked for.
    let seccomp = match (&opts.seccomp, opts.privileged) {
        (Seccomp::Default, false) => Some(seccomp::default_object(
            conf.seccomp_profile.as_deref(),
            &capabilities,
            &ctx.runroot,
        )?),
        (Seccomp::Profile(p), _) => Some(p.to_oci(&capabilities).to_string()),
        _ => None,
    };
    // Docker's ExposedPorts: the image's, --expose's and the published ones.
    let mut exposed = ports::image_exposed(&config);
    exposed.extend(&opts.expose);
    exposed.sort();
    exposed.dedup();
    let ports = ports::resolve(&network, &opts.publish, &exposed, opts.publish_all)?;
    exposed.extend(ports.iter().map(|p| p.private()));
    exposed.sort();
    exposed.dedup();
    let dir = store.container_dir(&id);
    let given = secrets::give(
        &dir.join("userdata"),
        secrets_read,
        planned.userns.as_ref().map(|u| &u.maps),
    )?;
    env.extend(given.env.iter().cloned());
    let notify = run_files::notify_socket(opts.sdnotify, &mut env)?;
    let overlays = dir.join("overlay-mounts");
    let mounted = plan_mounts(
        store,
        opts,
        &config,
        (resolved.uid, resolved.gid),
        &overlays,
    )?;
    let tty_gid = match &planned.userns {
        Some(own) => own.maps_gid(5),
        None => ctx.mode.mappings().is_none_or(|m| {
            m.gids
                .iter()
                .any(|g| g.container_id <= 5 && 5 < g.container_id + g.size)
        }),
    }
    .then_some(5);
    let spec = spec::generate(&SpecInput {
        mounts: mounted.mounts.clone(),
        argv: argv.clone(),
        env,
        cwd: cwd.clone(),
        user: resolved,
        hostname: hostname.clone(),
        network: network.clone(),
        read_only: opts.read_only,
        privileged: opts.privileged,
        capabilities,
        no_new_privileges: opts.no_new_privileges,
        terminal: opts.tty,
        stop_signal: stop_signal.clone(),
        ulimits: opts.ulimits.clone(),
        rootfs: dir.join("merged"),
        userdata: dir.join("userdata"),
        cgroups_path: super::cgroups::cgroups_path(&id, &settings.resources),
        tty_gid,
        init: opts.init.then(|| match &settings.init_path {
            Some(path) => path.clone(),
            None => init::host_path(init::home(&ctx.runroot, &dir, planned.userns.is_some())),
        }),
        userns: planned.userns.is_some(),
        etc_files: planned.etc.iter().map(|(file, _)| *file).collect(),
        extra_mounts: given
            .mounts
            .iter()
            .chain(&notify)
            .chain(&opts.extra_mounts)
            .cloned()
            .collect(),
        // The host's pid namespace belongs to no namespace of ours: proc cannot
        // be mounted for it rootless, only bound.
        bind_proc: settings.pid == NamespaceMode::Host
            && (ctx.rootless() || planned.userns.is_some()),
        settings: settings.clone(),
    })
    .inspect_err(|_| mounted.undo(store))?;
    // A container with ids of its own runs on a copy of the layers owned as it
    // sees them (mapped.rs), made once the directory is there.
    let lowers = match &planned.userns {
        Some(_) => (0..layer_dirs.len())
            .map(|n| dir.join(MAPPED_LAYERS).join(n.to_string()))
            .collect(),
        None => layer_dirs.clone(),
    };
    let monitor_config = ContainerConfig {
        layers: lowers,
        network: network.clone(),
        names: opts.names.clone(),
        interactive: opts.interactive,
        tty: opts.tty,
        remove: opts.remove,
        cwd,
        labels: opts.labels.clone(),
        init: opts.init,
        command: argv,
        stop_signal,
        restart: opts.restart,
        user: user_spec,
        privileged: opts.privileged,
        cap_add: opts.cap_add.clone(),
        cap_drop: opts.cap_drop.clone(),
        ports,
        exposed,
        mounts: mounted.mounts.clone(),
        userns: planned.userns,
        secrets: given.given,
        pidfile: opts.pidfile.clone(),
        timeout: opts.timeout,
        sdnotify: opts.sdnotify,
        log: opts.log.clone(),
        healthcheck: opts.settings.health.resolve(image_healthcheck(&config)),
        settings,
        created_with: Some(opts.clone()),
        pod: opts.pod.clone(),
        infra: opts.infra,
    };
    let config = serde_json::to_string(&monitor_config);
    let mut record = ContainerRecord {
        id: id.clone(),
        name,
        image_id,
        image_name: opts.image.clone(),
        created: chrono::Utc::now().timestamp(),
        config: config.map_err(|e| RuntimeError::Spec(e.to_string()))?,
        state: RunState::created(),
        stop_requested: false,
    };
    // The directory is whole before the record makes the container visible: a
    // kill in between leaves a directory no record names, which a prune removes
    // (the adding lock, held until the record is in, keeps a prune off it now).
    let failed = |e: ContainersError| {
        let _ = store.remove_container(&id);
        mounted.undo(store);
        e
    };
    let write = |name: &str| {
        name_files(
            store,
            &network,
            &opts.names,
            &image_hosts,
            &[&hostname, name],
        )
        .and_then(|files| {
            let files: Vec<_> = files.into_iter().chain(planned.etc.clone()).collect();
            write_dir(&dir, &spec, seccomp.as_deref(), &hostname, &files)
        })
    };
    let written = write(&record.name)
        .and_then(|()| localtime(&dir, &monitor_config.settings))
        .and_then(|()| match &monitor_config.userns {
            Some(own) => copy_mapped(&layer_dirs, &dir, &own.maps),
            None => Ok(()),
        })
        .and_then(|()| run_files::link_log(&dir, &opts.log));
    drop(planned.lock);
    written.map_err(failed)?;
    let chosen = record.name.clone();
    add_record(store, &mut record, opts.name.is_none())
        .and_then(|()| Ok(store.add_container_volumes(&id, &mounted.volumes)?))
        .map_err(failed)?;
    // A generated name another container took meanwhile was replaced: the
    // hosts file must name the new one.
    if record.name != chosen {
        write(&record.name).map_err(failed)?;
    }
    if let Some(file) = &opts.cidfile {
        run_files::write_cidfile(file, &id).map_err(failed)?;
    }
    store.record(super::events::event(&record, "create"));
    Ok(id)
}

/// `container:X` of `--pid`, `--ipc` and `--uts`, and `--requires`, stored by
/// ID, as the network's is, so that a rename of X changes nothing.
fn resolve_others(store: &Store, given: &Settings) -> Result<Settings, ContainersError> {
    let mut settings = given.clone();
    settings.cgroupns = Some(given.cgroupns());
    for mode in [&mut settings.pid, &mut settings.ipc, &mut settings.uts] {
        if let NamespaceMode::Container(x) = mode {
            *x = super::lookup::lookup(store, x)?.id;
        }
    }
    for required in &mut settings.requires {
        *required = match super::lookup::lookup(store, required) {
            Ok(record) => record.id,
            Err(e) => {
                return Err(ContainersError::Invalid(format!(
                    "{required:?} is not a valid container, cannot be used as a dependency: {e}"
                )))
            }
        };
    }
    Ok(settings)
}

/// `--tz`: the zone's file copied into userdata, bound at /etc/localtime (a
/// copy, so that the host's changing later does not change the container's).
fn localtime(dir: &Path, settings: &Settings) -> Result<(), ContainersError> {
    let Some(tz) = &settings.timezone else {
        return Ok(());
    };
    let source = settings::timezone_file(tz)?;
    let path = dir.join("userdata").join(spec::LOCALTIME);
    std::fs::copy(&source, &path).map_err(|source| ContainersError::Write { path, source })?;
    Ok(())
}

/// The image's HEALTHCHECK, if it has a usable one.
fn image_healthcheck(image_config: &serde_json::Value) -> Option<super::health::Healthcheck> {
    let check = image_config.pointer("/config/Healthcheck")?;
    serde_json::from_value(check.clone()).ok()
}

/// The container's mounts: its flags', those of the containers it takes
/// volumes from, and its image's VOLUMEs; volumes and `-v` sources made.
fn plan_mounts(
    store: &Store,
    opts: &CreateOptions,
    image_config: &serde_json::Value,
    user: (u32, u32),
    overlays: &Path,
) -> Result<Planned, ContainersError> {
    let volumes_from = opts
        .volumes_from
        .iter()
        .map(|from| {
            let record = super::lookup::lookup(store, &from.container)?;
            Ok((from.clone(), ContainerConfig::of(&record)?.mounts))
        })
        .collect::<Result<Vec<_>, ContainersError>>()?;
    let image_volumes: Vec<String> = image_config
        .pointer("/config/Volumes")
        .and_then(serde_json::Value::as_object)
        .map(|v| v.keys().cloned().collect())
        .unwrap_or_default();
    Ok(plan::plan(
        store,
        &PlanInput {
            requests: &opts.mounts,
            volumes_from: &volumes_from,
            image_volumes: &image_volumes,
            image_mode: opts.image_volumes,
            user,
            overlays,
        },
    )?)
}

/// The container's /etc/hosts and /etc/resolv.conf. With `container:X` they are
/// X's, as it shares X's network; with `--no-hosts` the hosts file is the image's.
fn name_files(
    store: &Store,
    network: &Network,
    names_opts: &NameOptions,
    image_hosts: &str,
    names: &[&str],
) -> Result<[(&'static str, String); 2], ContainersError> {
    let invalid = |e: NetError| ContainersError::Invalid(e.to_string());
    if let Network::Container(id) = network {
        let read = |file: &str| {
            std::fs::read_to_string(store.container_dir(id).join("userdata").join(file))
                .unwrap_or_default()
        };
        return Ok([
            ("hosts", read("hosts")),
            ("resolv.conf", read("resolv.conf")),
        ]);
    }
    let mut addresses = addresses::for_mode(network);
    let mut bridge_dns = Vec::new();
    if let Network::Bridge(attachments) = network {
        let configs = attachments
            .iter()
            .map(|a| networks::lookup::find(store, &a.network))
            .collect::<Result<Vec<_>, _>>()?;
        // Internal networks only: no pasta, so no way to the host.
        if configs.iter().all(|c| c.internal) {
            addresses.host = None;
            addresses.dns_forwarder = None;
        }
        bridge_dns = configs
            .iter()
            .filter(|c| c.dns_enabled)
            .filter_map(|c| c.subnets.first().map(|s| s.gateway))
            .collect();
    }
    let hosts = match names_opts.no_hosts {
        true => image_hosts.to_owned(),
        false => files::hosts(
            &names_opts.add_hosts,
            &addresses,
            names,
            std::fs::read_to_string("/etc/hosts").ok().as_deref(),
        )
        .map_err(invalid)?,
    };
    let resolv = files::resolv_conf(
        network,
        names_opts,
        &addresses,
        &bridge_dns,
        std::fs::read_to_string("/etc/resolv.conf").ok().as_deref(),
    );
    Ok([("hosts", hosts), ("resolv.conf", resolv)])
}

fn write_dir(
    dir: &Path,
    spec: &oci_spec::runtime::Spec,
    seccomp: Option<&str>,
    hostname: &str,
    name_files: &[(&str, String)],
) -> Result<(), ContainersError> {
    let write_err = |path: &Path| {
        let path = path.to_owned();
        move |source| ContainersError::Write { path, source }
    };
    for sub in ["upper", "work", "merged", "userdata"] {
        let path = dir.join(sub);
        std::fs::create_dir_all(&path).map_err(write_err(&path))?;
    }
    let userdata = dir.join("userdata");
    let hostname = ("hostname", files::hostname(hostname));
    for (file, text) in std::iter::once(&hostname).chain(name_files) {
        let path = userdata.join(file);
        std::fs::write(&path, text).map_err(write_err(&path))?;
    }
    let path = dir.join("config.json");
    let json = serde_json::to_vec_pretty(spec).map_err(|e| RuntimeError::Spec(e.to_string()))?;
    std::fs::write(&path, json).map_err(write_err(&path))?;
    // Beside config.json, not in it: libcontainer would compile it at every start.
    if let Some(seccomp) = seccomp {
        let path = dir.join(seccomp_cache::FILE);
        std::fs::write(&path, seccomp).map_err(write_err(&path))?;
    }
    Ok(())
}

/// Where a container with its own user namespace keeps its copy of the layers.
const MAPPED_LAYERS: &str = "layers";

fn copy_mapped(layers: &[PathBuf], dir: &Path, maps: &Mappings) -> Result<(), ContainersError> {
    let copies = dir.join(MAPPED_LAYERS);
    let failed = |source| ContainersError::Write {
        path: copies.clone(),
        source,
    };
    mapped::copy_layers(layers, &copies, maps).map_err(failed)?;
    mapped::give_to_root(&dir.join("upper"), maps).map_err(failed)
}

/// Adds the record; a generated name that happens to be taken is replaced by
/// another, a chosen one is the user's conflict.
fn add_record(
    store: &Store,
    record: &mut ContainerRecord,
    generated: bool,
) -> Result<(), ContainersError> {
    let mut attempts = 0;
    loop {
        match store.add_container(record) {
            Err(StoreError::Conflict(_)) if generated && attempts < 8 => {
                attempts += 1;
                record.name = names::generate();
            }
            result => return Ok(result?),
        }
    }
}

/// How `create` and `run` come by their image (`--pull`, `--tls-verify`).
#[derive(Debug, Clone)]
pub struct Pulling {
    pub policy: PullPolicy,
    pub tls_verify: bool,
    /// `os/arch[/variant]` to pull instead of the host's (`--platform`).
    pub platform: Option<String>,
}

/// What `create` and `run` report while they pull.
#[derive(Debug, Clone)]
pub enum CreateEvent {
    Pull(PullEvent),
    /// The pull is over, and whether it worked.
    Pulled {
        ok: bool,
    },
    /// Something asked for that the host cannot do, and is left out (a
    /// resource limit rootless on cgroup v1): Podman's words, for stderr.
    Warning(String),
}

pub type CreateProgress = std::sync::Arc<dyn Fn(CreateEvent) + Send + Sync>;
