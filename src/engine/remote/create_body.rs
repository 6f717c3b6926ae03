//! CreateOptions as Docker's container-create body (a ContainerConfig with
//! its HostConfig). Options the body does not carry here are refused, not
//! dropped: a container must not run differently from what was asked.

use super::RemoteError;
use crate::engine::containers::create::{CreateOptions, Seccomp};
use crate::engine::monitor::restart::RestartPolicy;
use crate::engine::userns::UsernsMode;
use crate::engine::volumes::plan::ImageVolumes;
use bollard_stubs::models::{ContainerConfig, HostConfig, RestartPolicyNameEnum};
use serde::Serialize;

#[derive(Serialize)]
pub struct CreateBody {
    #[serde(flatten)]
    config: ContainerConfig,
    #[serde(rename = "HostConfig")]
    host_config: HostConfig,
}

pub fn body(opts: &CreateOptions) -> Result<CreateBody, RemoteError> {
    refuse_unmapped(opts)?;
    let mut security = Vec::new();
    if opts.no_new_privileges {
        security.push("no-new-privileges".to_owned());
    }
    if let Seccomp::Unconfined = opts.seccomp {
        security.push("seccomp=unconfined".to_owned());
    }
    let config = ContainerConfig {
        image: Some(opts.image.clone()),
        cmd: (!opts.command.is_empty()).then(|| opts.command.clone()),
        entrypoint: opts.entrypoint.as_ref().map(|e| match e.is_empty() {
            true => Vec::new(),
            false => vec![e.clone()],
        }),
        env: Some(opts.env.clone()),
        working_dir: opts.workdir.clone(),
        user: opts.user.clone(),
        hostname: opts.hostname.clone(),
        labels: Some(opts.labels.iter().cloned().collect()),
        tty: Some(opts.tty),
        open_stdin: Some(opts.interactive),
        // As Docker's CLI asks for an attached -i: the end of our input is the
        // end of the container's.
        stdin_once: Some(opts.interactive),
        attach_stdin: Some(opts.interactive),
        attach_stdout: Some(true),
        attach_stderr: Some(true),
        stop_signal: opts.stop_signal.clone(),
        ..Default::default()
    };
    let (name, max) = match opts.restart {
        RestartPolicy::No => (RestartPolicyNameEnum::NO, None),
        RestartPolicy::OnFailure { max } => (RestartPolicyNameEnum::ON_FAILURE, max),
        RestartPolicy::Always => (RestartPolicyNameEnum::ALWAYS, None),
        RestartPolicy::UnlessStopped => (RestartPolicyNameEnum::UNLESS_STOPPED, None),
    };
    let host_config = HostConfig {
        auto_remove: Some(opts.remove),
        privileged: Some(opts.privileged),
        cap_add: Some(opts.cap_add.clone()),
        cap_drop: Some(opts.cap_drop.clone()),
        readonly_rootfs: Some(opts.read_only),
        network_mode: opts.network.as_ref().map(ToString::to_string),
        init: Some(opts.init),
        security_opt: Some(security),
        restart_policy: Some(bollard_stubs::models::RestartPolicy {
            name: Some(name),
            maximum_retry_count: max.map(i64::from),
        }),
        ..Default::default()
    };
    Ok(CreateBody {
        config,
        host_config,
    })
}

fn refuse_unmapped(opts: &CreateOptions) -> Result<(), RemoteError> {
    let given = [
        (
            !opts.publish.is_empty() || opts.publish_all,
            "run --publish",
        ),
        (!opts.expose.is_empty(), "run --expose"),
        (
            !opts.mounts.is_empty() || !opts.volumes_from.is_empty(),
            "run --volume, --mount, --tmpfs and --volumes-from",
        ),
        (!opts.ulimits.is_empty(), "run --ulimit"),
        (
            opts.names != Default::default(),
            "run --dns, --add-host and --no-hosts",
        ),
        (opts.userns != UsernsMode::default(), "run --userns"),
        (
            opts.image_volumes != ImageVolumes::default(),
            "run --image-volume",
        ),
        (
            matches!(opts.seccomp, Seccomp::Profile(_)),
            "run --security-opt seccomp=PROFILE",
        ),
        (!opts.extra_mounts.is_empty(), "a build's RUN --mount"),
        (
            !opts.settings.is_plain(),
            "run --tz, --umask, --sysctl, --shm-size, --pid, --ipc, --uts, --cgroupns, --group-add, --device, --annotation, --env-host, --env-merge, --unsetenv and the other Podman run flags",
        ),
    ];
    match given.into_iter().find(|(given, _)| *given) {
        Some((_, what)) => Err(RemoteError::Unsupported(what)),
        None => Ok(()),
    }
}
