//! The container's cgroup: where it is, which of the limits asked for this host
//! can enforce (the rest dropped with Podman's warning, never silently), how
//! many times the kernel's OOM killer struck in it, and `update`'s writes.

use super::delegation;
use super::resources::{Manager, Resources, DEFAULT_PIDS_LIMIT};
use crate::engine::runtime::RuntimeError;
use std::path::{Path, PathBuf};

const ROOT: &str = "/sys/fs/cgroup";

/// Whether the host's cgroups are v2 only (no v1 controllers beside).
pub fn unified() -> bool {
    Path::new(ROOT).join("cgroup.controllers").exists()
}

/// The spec's `cgroupsPath`: under `/coracle`, or `--cgroup-parent`; for a
/// systemd scope, `SLICE:coracle:ID`.
pub fn cgroups_path(id: &str, resources: &Resources) -> String {
    if resources.manager == Manager::Systemd {
        return delegation::scope_path(id, resources.cgroup_parent.as_deref());
    }
    match resources
        .cgroup_parent
        .as_deref()
        .map(|p| p.trim_matches('/'))
    {
        Some(parent) if !parent.is_empty() => format!("/{parent}/{id}"),
        _ => format!("/coracle/{id}"),
    }
}

/// Drops what this host cannot enforce, with a warning each, and adds Podman's
/// default pids limit where it can. Rootless, the limits go through a scope
/// that the user's systemd makes on cgroup v2 (delegation.rs), as Podman's do;
/// where there is none (cgroup v1, or no systemd for the user), nothing is
/// enforced but `--oom-score-adj`, a process attribute. A rootless container
/// with no limits gets no scope: asking systemd for one would cost every
/// `run` a round trip over D-Bus for a cgroup nothing reads.
pub fn enforceable(r: &mut Resources, rootless: bool) -> Result<Vec<String>, RuntimeError> {
    let mut warnings = Vec::new();
    r.manager = Manager::Cgroupfs;
    if rootless && r.limits_anything() {
        if let Some(delegated) = delegation::delegated() {
            return through_systemd(r, &delegated);
        }
    }
    if rootless {
        if r.limits_anything() {
            warnings.push(match unified() {
                false => "Resource limits are not supported and ignored on cgroups V1 rootless systems".to_owned(),
                true => "Resource limits are not supported and ignored on cgroups V2 rootless systems without a delegated cgroup".to_owned(),
            });
        }
        *r = Resources {
            oom_score_adj: r.oom_score_adj,
            ..Default::default()
        };
        return Ok(warnings);
    }
    if !r.unified.is_empty() && !unified() {
        return Err(RuntimeError::Invalid(
            "cannot use --cgroup-conf without cgroup v2".into(),
        ));
    }
    if r.blkio_weight.is_some() && !weight_supported() {
        warnings.push("Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.".into());
        r.blkio_weight = None;
    }
    if !r.blkio_weight_device.is_empty() && !weight_supported() {
        warnings.push("Your kernel does not support Block I/O weight_device or the cgroup is not mounted. Weight-device discarded.".into());
        r.blkio_weight_device.clear();
    }
    if r.memory_swap.is_some_and(|s| s > 0) && !swap_supported() {
        warnings.push("Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap.".into());
        r.memory_swap = None;
    }
    // Podman's default applies only where the controller is there to take it.
    if r.pids_limit.is_none() && has_controller("pids") {
        r.pids_limit = Some(DEFAULT_PIDS_LIMIT);
    }
    Ok(warnings)
}

/// Rootless on cgroup v2 with a user systemd: the limits whose controller it
/// does not delegate are dropped with a warning (crun would fail the run
/// instead); the rest go in a scope.
fn through_systemd(r: &mut Resources, delegated: &[String]) -> Result<Vec<String>, RuntimeError> {
    let mut warnings = Vec::new();
    let mut lacks = |controller: &str, asked: bool| {
        let lacking = asked && !delegated.iter().any(|d| d == controller);
        let warning = format!("Resource limits of the {controller} controller are not supported and ignored: systemd does not delegate it to this user (Delegate= of user@.service)");
        if lacking && !warnings.contains(&warning) {
            warnings.push(warning);
        }
        lacking
    };
    let memory = r.memory.is_some()
        || r.memory_swap.is_some()
        || r.memory_reservation.is_some()
        || r.memory_swappiness.is_some()
        || r.oom_kill_disable;
    if lacks("memory", memory) {
        (r.memory, r.memory_swap, r.memory_reservation) = (None, None, None);
        (r.memory_swappiness, r.oom_kill_disable) = (None, false);
    }
    let cpu = r.cpu_shares.is_some()
        || r.cpu_quota.is_some()
        || r.cpu_period.is_some()
        || r.cpu_rt_period.is_some()
        || r.cpu_rt_runtime.is_some();
    if lacks("cpu", cpu) {
        (r.cpu_shares, r.cpu_quota, r.cpu_period) = (None, None, None);
        (r.cpu_rt_period, r.cpu_rt_runtime) = (None, None);
    }
    if lacks("cpuset", r.cpuset_cpus.is_some() || r.cpuset_mems.is_some()) {
        (r.cpuset_cpus, r.cpuset_mems) = (None, None);
    }
    if lacks("pids", r.pids_limit.is_some()) {
        r.pids_limit = None;
    }
    let io = r.blkio_weight.is_some()
        || !r.blkio_weight_device.is_empty()
        || !r.device_read_bps.is_empty()
        || !r.device_write_bps.is_empty()
        || !r.device_read_iops.is_empty()
        || !r.device_write_iops.is_empty();
    if lacks("io", io) {
        r.blkio_weight = None;
        r.blkio_weight_device.clear();
        r.device_read_bps.clear();
        r.device_write_bps.clear();
        r.device_read_iops.clear();
        r.device_write_iops.clear();
    }
    r.unified
        .retain(|(file, _)| !lacks(delegation::controller_of(file), true));
    if let Some(parent) = r.cgroup_parent.as_deref() {
        if !delegation::is_slice(parent) {
            return Err(RuntimeError::Invalid(format!(
                "--cgroup-parent {parent} is not a systemd slice (NAME.slice): rootless limits go through the user's systemd"
            )));
        }
    }
    if r.limits_anything() {
        r.manager = Manager::Systemd;
        if r.pids_limit.is_none() && delegated.iter().any(|d| d == "pids") {
            r.pids_limit = Some(DEFAULT_PIDS_LIMIT);
        }
    }
    Ok(warnings)
}

/// `info`'s `cgroupManager` and `cgroupControllers`: who would make a limited
/// container's cgroup, and the controllers it could limit.
pub fn host_manager(rootless: bool) -> (Manager, Vec<String>) {
    if rootless {
        return match delegation::delegated() {
            Some(delegated) => (Manager::Systemd, delegated),
            None => (Manager::Cgroupfs, Vec::new()),
        };
    }
    let controllers = match unified() {
        true => std::fs::read_to_string(Path::new(ROOT).join("cgroup.controllers"))
            .map(|c| c.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default(),
        false => [
            "cpu", "cpuset", "memory", "pids", "blkio", "freezer", "devices",
        ]
        .into_iter()
        .filter(|c| has_controller(c))
        .map(str::to_owned)
        .collect(),
    };
    (Manager::Cgroupfs, controllers)
}

fn has_controller(name: &str) -> bool {
    let root = Path::new(ROOT);
    match unified() {
        true => std::fs::read_to_string(root.join("cgroup.controllers"))
            .is_ok_and(|c| c.split_whitespace().any(|c| c == name)),
        false => root.join(name).is_dir(),
    }
}

/// Whether swap is accounted (v1 needs the kernel's swapaccount=1).
fn swap_supported() -> bool {
    match unified() {
        true => true,
        false => Path::new(ROOT)
            .join("memory/memory.memsw.limit_in_bytes")
            .exists(),
    }
}

/// Whether the block I/O controller takes weights (it needs the BFQ scheduler).
fn weight_supported() -> bool {
    let root = Path::new(ROOT);
    match unified() {
        true => has_controller("io"),
        false => {
            let blkio = root.join("blkio");
            blkio.join("blkio.weight").exists() || blkio.join("blkio.bfq.weight").exists()
        }
    }
}

/// The memory controller's directory of a container's cgroup, as this process
/// sees the tree (the monitor's may have the cgroup2 tree bound over the v1 one).
fn memory_dir(cgroups_path: &str) -> PathBuf {
    if let Some(scope) = delegation::scope_dir(cgroups_path) {
        return scope;
    }
    let relative = cgroups_path.trim_start_matches('/');
    let root = Path::new(ROOT);
    match root.join("memory").is_dir() {
        true => root.join("memory").join(relative),
        false => root.join(relative),
    }
}

/// How many processes the OOM killer ended in the cgroup (v1's
/// memory.oom_control and v2's memory.events both count `oom_kill`).
pub fn oom_kills(cgroups_path: &str) -> u64 {
    oom_kills_in(&memory_dir(cgroups_path))
}

/// The same, of the memory controller's directory `dir`.
pub fn oom_kills_in(dir: &Path) -> u64 {
    ["memory.events", "memory.oom_control"]
        .iter()
        .filter_map(|file| std::fs::read_to_string(dir.join(file)).ok())
        .flat_map(|text| {
            text.lines()
                .filter_map(|l| l.strip_prefix("oom_kill ")?.trim().parse::<u64>().ok())
                .collect::<Vec<_>>()
        })
        .max()
        .unwrap_or(0)
}

/// The directory of the systemd scope a rootless container's cgroup is, when
/// it is one (systemd removes it by itself once it empties).
pub fn systemd_scope(cgroups_path: &str) -> Option<PathBuf> {
    delegation::scope_dir(cgroups_path)
}

/// Marks a container whose run the OOM killer ended (inspect's
/// `State.OOMKilled`), in its directory; a run that ends otherwise clears it.
pub const OOM_KILLED: &str = "oom-killed";

/// Called as a run ends, before the runtime deletes its cgroup; `seen` is what
/// the monitor counted while the run went on (monitor/oom.rs).
pub fn mark_oom(dir: &Path, cgroups_path: &str, seen: u64) {
    let mark = dir.join(OOM_KILLED);
    let _ = match oom_kills(cgroups_path).max(seen) {
        0 => std::fs::remove_file(mark),
        _ => std::fs::write(mark, ""),
    };
}

/// Writes `resources` (the spec's `linux.resources`) to a running
/// container's cgroup, as the runtime did at create.
pub fn apply(cgroups_path: &str, id: &str, resources: &serde_json::Value) -> Result<(), String> {
    use libcgroups::common::{create_cgroup_manager, CgroupConfig, CgroupManager, ControllerOpt};
    let resources: oci_spec::runtime::LinuxResources =
        serde_json::from_value(resources.clone()).map_err(|e| e.to_string())?;
    let manager = create_cgroup_manager(CgroupConfig {
        cgroup_path: PathBuf::from(cgroups_path),
        systemd_cgroup: delegation::scope_dir(cgroups_path).is_some(),
        container_name: id.to_owned(),
    })
    .map_err(|e| e.to_string())?;
    let opt = ControllerOpt {
        disable_oom_killer: resources
            .memory()
            .as_ref()
            .and_then(|m| m.disable_oom_killer())
            .unwrap_or(false),
        resources: &resources,
        oom_score_adj: None,
        freezer_state: None,
    };
    manager.apply(&opt).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rootless_keeps_only_the_oom_score() {
        let mut r = Resources {
            memory: Some(1 << 25),
            oom_score_adj: Some(100),
            ..Default::default()
        };
        let warnings = enforceable(&mut r, true).unwrap();
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].starts_with("Resource limits are not supported and ignored"));
        assert_eq!(r.memory, None);
        assert_eq!(r.oom_score_adj, Some(100));
        let mut plain = Resources::default();
        assert!(enforceable(&mut plain, true).unwrap().is_empty());
    }

    #[test]
    fn a_user_systemd_takes_the_delegated_limits_and_warns_of_the_rest() {
        let delegated = ["cpu", "memory", "pids"].map(String::from);
        let mut r = Resources {
            memory: Some(1 << 25),
            cpuset_cpus: Some("0".into()),
            unified: vec![("io.max".into(), "x".into())],
            ..Default::default()
        };
        let warnings = through_systemd(&mut r, &delegated).unwrap();
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0].contains("the cpuset controller"));
        assert!(warnings[1].contains("the io controller"));
        assert_eq!((r.memory, r.cpuset_cpus.as_deref()), (Some(1 << 25), None));
        assert!(r.unified.is_empty());
        assert_eq!(r.pids_limit, Some(DEFAULT_PIDS_LIMIT));
        assert_eq!(r.manager, Manager::Systemd);
        assert!(cgroups_path("x", &r).ends_with(":coracle:x"));

        let mut nothing_left = Resources {
            cpuset_cpus: Some("0".into()),
            ..Default::default()
        };
        through_systemd(&mut nothing_left, &delegated).unwrap();
        assert_eq!(nothing_left.manager, Manager::Cgroupfs);

        let mut parent = Resources {
            memory: Some(1 << 25),
            cgroup_parent: Some("mine".into()),
            ..Default::default()
        };
        assert!(through_systemd(&mut parent, &delegated).is_err());
    }

    #[test]
    fn paths_sit_under_coracle_or_the_parent() {
        let r = Resources {
            cgroup_parent: Some("mine/".into()),
            ..Default::default()
        };
        assert_eq!(cgroups_path("x", &r), "/mine/x");
        assert_eq!(cgroups_path("x", &Resources::default()), "/coracle/x");
    }
}
