//! The OCI runtime spec (config.json) for a container, with Podman's rootless defaults.

use super::namespaces::NamespaceMode;
use super::spec_settings;
use super::ulimit::{self, Ulimit};
use super::user::ResolvedUser;
use super::RuntimeError;
use crate::engine::containers::settings::Settings;
use crate::engine::net::Network;
use oci_spec::runtime::{Mount, Spec};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// Everything decided about a container, ready to become a spec.
#[derive(Debug, Clone)]
pub struct SpecInput {
    pub argv: Vec<String>,
    pub env: Vec<String>,
    pub cwd: String,
    pub user: ResolvedUser,
    pub hostname: String,
    pub network: Network,
    pub read_only: bool,
    pub privileged: bool,
    pub capabilities: Vec<String>,
    pub no_new_privileges: bool,
    /// A pty for the process (`-t`); the monitor receives its master.
    pub terminal: bool,
    /// Canonical (`SIGTERM`), for `stop`: kept as the annotation the OCI image spec
    /// maps an image's StopSignal to.
    pub stop_signal: String,
    pub ulimits: Vec<Ulimit>,
    pub rootfs: PathBuf,
    /// Holds `hosts`, `hostname` and `resolv.conf`, bind-mounted into /etc.
    pub userdata: PathBuf,
    pub cgroups_path: String,
    /// The tty group for /dev/pts, when gid 5 is mapped in the user namespace.
    pub tty_gid: Option<u32>,
    /// coracle's init on the host (`--init`): mounted at `INIT_PATH` to run `argv`.
    pub init: Option<PathBuf>,
    /// The user's mounts, parents first, after the default ones.
    pub mounts: Vec<crate::engine::volumes::Mount>,
    /// A user namespace of its own (`--userns`), made by the monitor and bound at
    /// `USERNS_FILE` beside the rootfs, with its network namespace at `NETNS_FILE`.
    pub userns: bool,
    /// More files of `userdata` bound over the image's in /etc (keep-id's
    /// `passwd` and `group`).
    pub etc_files: Vec<&'static str>,
    /// Mounts made ready by the caller, after all others.
    pub extra_mounts: Vec<Mount>,
    /// /proc bound from the host rather than mounted (`--pid host` rootless).
    pub bind_proc: bool,
    /// `--tz`, `--umask`, `--sysctl`, `--pid`, `--device`, ...
    pub settings: Settings,
}

/// The `--tz` file in userdata, bound at /etc/localtime.
pub const LOCALTIME: &str = "localtime";

/// Where the stop signal is kept (the OCI image spec's name for it).
pub const STOP_SIGNAL_ANNOTATION: &str = "org.opencontainers.image.stopSignal";

/// Where the container sees coracle's init.
pub const INIT_PATH: &str = "/run/coracle-init";

/// Paths a container must not see (Podman's list).
const MASKED: [&str; 12] = [
    "/proc/acpi",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/proc/interrupts",
    "/sys/firmware",
    "/sys/fs/selinux",
    "/sys/dev/block",
];

/// Paths a container may read but not change.
const READ_ONLY: [&str; 6] = [
    "/proc/asound",
    "/proc/bus",
    "/proc/fs",
    "/proc/irq",
    "/proc/sys",
    "/proc/sysrq-trigger",
];

/// Where the monitor binds a namespace that a network helper connects, in the
/// container's directory.
pub const NETNS_FILE: &str = "netns";

/// Where the monitor binds a container's own user namespace, in its directory.
pub const USERNS_FILE: &str = "userns";

pub fn generate(input: &SpecInput) -> Result<Spec, RuntimeError> {
    let caps = &input.capabilities;
    // A non-root user keeps the bounding set but starts with nothing effective, as
    // after a setuid in Docker and Podman.
    let live: &[String] = if input.user.uid == 0 { caps } else { &[] };
    let mut namespaces = spec_settings::namespaces(&input.settings);
    // `none`'s namespace is made by the monitor, which brings loopback up, and
    // inherited; `host` has none. A helper's is made by the monitor too, bound
    // at NETNS_FILE beside the rootfs, while the monitor stays in the host's to
    // run the helper there.
    // A container with a user namespace of its own joins it, made by the monitor
    // with the mappings written; and a network namespace made in it (one the
    // monitor's namespace owns could not be joined from there, nor sysfs mounted).
    if input.userns {
        namespaces.push(json!({"type": "user", "path": input.rootfs.with_file_name(USERNS_FILE)}));
    }
    match &input.network {
        Network::None if input.userns => {
            namespaces
                .push(json!({"type": "network", "path": input.rootfs.with_file_name(NETNS_FILE)}));
        }
        Network::Pasta(_) | Network::Slirp4netns(_) | Network::Bridge(_) => {
            namespaces
                .push(json!({"type": "network", "path": input.rootfs.with_file_name(NETNS_FILE)}));
        }
        Network::Ns(path) => namespaces.push(json!({"type": "network", "path": path})),
        Network::None | Network::Host | Network::Container(_) => {}
    }
    let mut linux = json!({
        "namespaces": namespaces,
        "cgroupsPath": input.cgroups_path,
    });
    if !input.privileged {
        linux["maskedPaths"] = json!(MASKED);
        linux["readonlyPaths"] = json!(READ_ONLY);
    }
    if let Some(resources) = super::resources::spec(&input.settings.resources) {
        linux["resources"] = resources;
    }
    let mut process = json!({
        "terminal": input.terminal,
        "user": {
            "uid": input.user.uid,
            "gid": input.user.gid,
            "additionalGids": input.user.additional_gids,
        },
        "args": args(input),
        "env": input.env,
        "cwd": input.cwd,
        "capabilities": {
            "bounding": caps,
            "effective": live,
            "permitted": live,
        },
    });
    // Only when asked: libcontainer takes any value here, false included, to mean
    // "load seccomp after dropping capabilities", which then fails.
    if input.no_new_privileges {
        process["noNewPrivileges"] = json!(true);
    }
    if !input.ulimits.is_empty() {
        process["rlimits"] = json!(ulimit::rlimits(&input.ulimits));
    }
    if let Some(adj) = input.settings.resources.oom_score_adj {
        process["oomScoreAdj"] = json!(adj);
    }
    let mut annotations = serde_json::Map::new();
    annotations.insert(STOP_SIGNAL_ANNOTATION.into(), json!(input.stop_signal));
    // `none`'s network namespace is the monitor's, which sets its sysctls: the
    // runtime would take them for the host's.
    let monitor_net = matches!(input.network, Network::None) && !input.userns;
    spec_settings::apply(
        &input.settings,
        monitor_net,
        &mut linux,
        &mut process,
        &mut annotations,
    );
    let mut spec = json!({
        "ociVersion": "1.0.2",
        "process": process,
        "root": { "path": input.rootfs, "readonly": input.read_only },
        "hostname": input.hostname,
        "mounts": mounts(input),
        "linux": linux,
        "annotations": annotations,
    });
    // Only a UTS namespace of its own can be given a name.
    if !input.settings.uts.unshared() {
        spec.as_object_mut().map(|s| s.remove("hostname"));
    }
    serde_json::from_value(spec).map_err(|e| RuntimeError::Spec(e.to_string()))
}

/// The command, or with `--init` coracle's init running it.
fn args(input: &SpecInput) -> Vec<String> {
    match input.init {
        Some(_) => [INIT_PATH, "--"]
            .into_iter()
            .map(str::to_owned)
            .chain(input.argv.iter().cloned())
            .collect(),
        None => input.argv.clone(),
    }
}

fn mounts(input: &SpecInput) -> Vec<Value> {
    let mut pts = vec![
        "nosuid",
        "noexec",
        "newinstance",
        "ptmxmode=0666",
        "mode=0620",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect::<Vec<_>>();
    if let Some(gid) = input.tty_gid {
        pts.push(format!("gid={gid}"));
    }
    let sys = match &input.network {
        // sysfs can only be mounted by the owner of the network namespace; with the
        // host's, bind the host's /sys instead.
        Network::Host => json!({"destination": "/sys", "type": "bind", "source": "/sys",
            "options": ["rbind", "nosuid", "noexec", "nodev", "ro"]}),
        _ => json!({"destination": "/sys", "type": "sysfs", "source": "sysfs",
            "options": ["nosuid", "noexec", "nodev", "ro"]}),
    };
    let proc = match input.bind_proc {
        true => json!({"destination": "/proc", "type": "bind", "source": "/proc",
            "options": ["rbind", "nosuid", "noexec", "nodev"]}),
        false => json!({"destination": "/proc", "type": "proc", "source": "proc",
            "options": ["nosuid", "noexec", "nodev"]}),
    };
    let mut mounts = vec![
        proc,
        json!({"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
            "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]}),
        json!({"destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": pts}),
        sys,
    ];
    // As Podman: a container in a cgroup namespace of its own sees its own
    // cgroup, read-only (cgroup v2 only: v1's hierarchies are the host's).
    if input.settings.cgroupns() == NamespaceMode::Private
        && Path::new("/sys/fs/cgroup/cgroup.controllers").exists()
    {
        mounts.push(json!({"destination": "/sys/fs/cgroup", "type": "cgroup",
            "source": "cgroup", "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]}));
    }
    mounts.extend(spec_settings::ipc_mounts(&input.settings));
    // Before the binds below: a read-only root's tmpfs on /run must not hide
    // the init bound into it.
    mounts.extend(spec_settings::mounts(
        &input.settings,
        input.read_only,
        &input.userdata,
    ));
    let files = ["hosts", "hostname", "resolv.conf"];
    let localtime = input.settings.timezone.as_ref().map(|_| LOCALTIME);
    for file in files.iter().chain(&input.etc_files).chain(&localtime) {
        mounts.push(json!({
            "destination": format!("/etc/{file}"),
            "type": "bind",
            "source": input.userdata.join(file),
            "options": ["bind", "rprivate"],
        }));
    }
    if let Some(init) = &input.init {
        mounts.push(
            json!({"destination": INIT_PATH, "type": "bind", "source": init,
            "options": ["bind", "ro", "rprivate"]}),
        );
    }
    mounts.extend(input.mounts.iter().map(crate::engine::volumes::Mount::spec));
    mounts.extend(input.extra_mounts.iter().map(|m| json!(m)));
    mounts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> SpecInput {
        SpecInput {
            argv: vec!["sh".into()],
            env: vec!["PATH=/bin".into()],
            cwd: "/".into(),
            user: ResolvedUser {
                uid: 0,
                gid: 0,
                additional_gids: vec![],
                home: None,
            },
            hostname: "box".into(),
            network: Network::None,
            read_only: false,
            privileged: false,
            capabilities: super::super::caps::effective_set(false, &[], &[]).unwrap(),
            no_new_privileges: false,
            terminal: false,
            stop_signal: "SIGTERM".into(),
            ulimits: vec![],
            rootfs: "/r/merged".into(),
            userdata: "/r/userdata".into(),
            cgroups_path: "/coracle/x".into(),
            tty_gid: Some(5),
            init: None,
            mounts: vec![],
            userns: false,
            etc_files: vec![],
            extra_mounts: vec![],
            bind_proc: false,
            settings: Settings::default(),
        }
    }

    fn as_json(input: &SpecInput) -> Value {
        serde_json::to_value(generate(input).unwrap()).unwrap()
    }

    #[test]
    fn rootless_defaults() {
        let spec = as_json(&input());
        let ns: Vec<&str> = spec["linux"]["namespaces"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["type"].as_str().unwrap())
            .collect();
        assert_eq!(ns, ["pid", "ipc", "uts", "mount"]);
        let mut i = input();
        i.network = Network::Pasta(vec![]);
        let spec = as_json(&i);
        assert_eq!(
            spec["linux"]["namespaces"][4],
            json!({"type": "network", "path": "/r/netns"})
        );
        i.network = Network::Ns("/run/netns/x".into());
        let spec = as_json(&i);
        assert_eq!(
            spec["linux"]["namespaces"][4],
            json!({"type": "network", "path": "/run/netns/x"})
        );
        assert_eq!(
            spec["process"]["capabilities"]["bounding"]
                .as_array()
                .unwrap()
                .len(),
            11
        );
        assert!(spec["linux"]["maskedPaths"]
            .as_array()
            .unwrap()
            .contains(&json!("/proc/kcore")));
        assert!(spec["linux"]["readonlyPaths"]
            .as_array()
            .unwrap()
            .contains(&json!("/proc/sys")));
        let dests: Vec<&str> = spec["mounts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["destination"].as_str().unwrap())
            .collect();
        for d in [
            "/proc",
            "/dev",
            "/dev/pts",
            "/dev/shm",
            "/sys",
            "/etc/hosts",
            "/etc/resolv.conf",
        ] {
            assert!(dests.contains(&d), "{d} missing");
        }
    }

    #[test]
    fn host_network_binds_sys() {
        let mut i = input();
        i.network = Network::Host;
        let spec = as_json(&i);
        let sys = spec["mounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["destination"] == "/sys")
            .unwrap()
            .clone();
        assert_eq!(sys["type"], "bind");
    }

    #[test]
    fn non_root_users_start_without_capabilities() {
        let mut i = input();
        i.user.uid = 1000;
        let spec = as_json(&i);
        assert!(spec["process"]["capabilities"]["effective"]
            .as_array()
            .is_none_or(|a| a.is_empty()));
        assert_eq!(
            spec["process"]["capabilities"]["bounding"]
                .as_array()
                .unwrap()
                .len(),
            11
        );
    }

    #[test]
    fn privileged_unmasks_and_read_only_sticks() {
        let mut i = input();
        i.privileged = true;
        i.read_only = true;
        let spec = as_json(&i);
        assert!(spec["linux"]["maskedPaths"].is_null());
        assert_eq!(spec["root"]["readonly"], true);
    }

    #[test]
    fn ulimits_and_the_stop_signal_are_in_the_spec() {
        let mut i = input();
        i.ulimits = vec![Ulimit::parse("nofile=10:20").unwrap()];
        i.stop_signal = "SIGQUIT".into();
        let spec = as_json(&i);
        assert_eq!(
            spec["process"]["rlimits"],
            json!([{"type": "RLIMIT_NOFILE", "soft": 10, "hard": 20}])
        );
        assert_eq!(spec["annotations"][STOP_SIGNAL_ANNOTATION], "SIGQUIT");
        assert!(as_json(&input())["process"]["rlimits"].is_null());
    }

    #[test]
    fn init_runs_the_command_from_a_read_only_mount() {
        let mut i = input();
        i.argv = vec!["sh".into(), "-c".into(), "true".into()];
        i.init = Some("/run/x/init/coracle-init-0123".into());
        let spec = as_json(&i);
        assert_eq!(
            spec["process"]["args"],
            json!([INIT_PATH, "--", "sh", "-c", "true"])
        );
        let mount = spec["mounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["destination"] == INIT_PATH)
            .unwrap()
            .clone();
        assert_eq!(mount["source"], "/run/x/init/coracle-init-0123");
        assert!(mount["options"].as_array().unwrap().contains(&json!("ro")));
        assert_eq!(as_json(&input())["process"]["args"], json!(["sh"]));
    }

    #[test]
    fn an_own_user_namespace_is_joined_with_its_network() {
        let mut i = input();
        i.userns = true;
        i.etc_files = vec!["passwd"];
        let spec = as_json(&i);
        let ns = spec["linux"]["namespaces"].as_array().unwrap();
        assert!(ns.contains(&json!({"type": "user", "path": "/r/userns"})));
        assert!(ns.contains(&json!({"type": "network", "path": "/r/netns"})));
        assert!(spec["mounts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["destination"] == "/etc/passwd" && m["source"] == "/r/userdata/passwd"));
    }

    #[test]
    fn networks_parse() {
        assert_eq!("none".parse::<Network>().unwrap(), Network::None);
        assert!("".parse::<Network>().is_err());
    }
}
