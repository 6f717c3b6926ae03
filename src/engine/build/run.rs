//! RUN: a container made from the step's parent image and run to its end by a
//! monitor child process, exactly as `coracle run` runs one; its overlay upper dir
//! is then the step's layer.

use super::parse::Heredoc;
use super::settings::RunSettings;
use super::source::layered_lookup;
use super::BuildError;
use crate::engine::containers::{self, CreateOptions};
use crate::engine::context::Context;
use crate::engine::monitor::command::MonitorCommand;
use crate::engine::net::Network;
use crate::engine::storage_driver::Upper;
use crate::engine::store::{Store, StoreError, TempEntry};
use crate::engine::volumes::plan::ImageVolumes;
use oci_spec::runtime::Mount;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::process::Stdio;

pub struct RunStep {
    pub image: String,
    pub argv: Vec<String>,
    /// Build args the command sees (not kept in the image).
    pub env: Vec<String>,
    pub workdir: Option<String>,
    pub user: Option<String>,
    /// None: the network `run` gives by default.
    pub network: Option<Network>,
    /// The parent image's layer dirs, topmost first.
    pub layers: Vec<PathBuf>,
    /// `--mount`s, ready to be mounted.
    pub mounts: Vec<Mount>,
    /// Their targets: mount points the runtime makes, not the step's work.
    pub mount_points: Vec<String>,
    /// The build's flags for its RUN steps.
    pub settings: RunSettings,
}

/// Where the commands of RUN steps write: the monitor's stdout and stderr, which
/// it hands to the container.
pub struct RunOutput {
    pub stdout: OwnedFd,
    pub stderr: OwnedFd,
    /// `--stdin`: what RUN steps read; none, they read nothing.
    pub stdin: Option<OwnedFd>,
}

/// Runs the step; returns its upper dir, moved under tmp/, ready to be a layer.
pub fn run(
    ctx: &Context,
    store: &Store,
    step: &RunStep,
    output: &RunOutput,
) -> Result<TempEntry, BuildError> {
    let id = containers::create(
        ctx,
        store,
        &step.settings.apply(CreateOptions {
            image: step.image.clone(),
            command: step.argv.clone(),
            entrypoint: Some(String::new()),
            env: step.env.clone(),
            workdir: step.workdir.clone(),
            user: step.user.clone(),
            network: step.network.clone(),
            // A RUN step writes into its image, not into volumes (Docker's).
            image_volumes: ImageVolumes::Ignore,
            extra_mounts: step.mounts.clone(),
            interactive: output.stdin.is_some(),
            ..Default::default()
        }),
    )?;
    let mount_points: Vec<String> = step
        .mount_points
        .iter()
        .map(String::as_str)
        .chain(step.settings.mount_points())
        .map(str::to_owned)
        .collect();
    let result = monitor(ctx, &id, output).and_then(|code| match code {
        0 => take_upper(
            store,
            &store.container_dir(&id),
            &step.layers,
            &mount_points,
        ),
        code => Err(BuildError::RunFailed { code }),
    });
    store.remove_container(&id)?;
    result
}

fn monitor(ctx: &Context, id: &str, output: &RunOutput) -> Result<i32, BuildError> {
    let mut monitor = MonitorCommand::new(ctx, id)
        .command()
        .map_err(|e| BuildError::Engine(format!("cannot find the coracle binary: {e}")))?;
    let handle = |fd: &OwnedFd| {
        fd.try_clone()
            .map(Stdio::from)
            .map_err(|e| BuildError::Engine(format!("cannot pass the RUN output on: {e}")))
    };
    let (stdout, stderr) = (handle(&output.stdout)?, handle(&output.stderr)?);
    let stdin = match &output.stdin {
        Some(fd) => handle(fd)?,
        None => Stdio::null(),
    };
    let status = monitor
        .stdin(stdin)
        .stdout(stdout)
        .stderr(stderr)
        .status()
        .map_err(|e| BuildError::Engine(format!("cannot start the container monitor: {e}")))?;
    // A monitor killed by a signal reports no code: that is the engine failing.
    Ok(status.code().unwrap_or(125))
}

/// Mount points the runtime creates in the rootfs when the image lacks them.
const PLACEHOLDERS: [&str; 6] = [
    "etc/hosts",
    "etc/hostname",
    "etc/resolv.conf",
    "dev",
    "proc",
    "sys",
];

/// Moves the container's upper dir out of the container dir before it is removed,
/// without the empty mount points the runtime made (they are not the step's work).
fn take_upper(
    store: &Store,
    dir: &Path,
    layers: &[PathBuf],
    mount_points: &[String],
) -> Result<TempEntry, BuildError> {
    let changes = Upper::of(store.storage(), dir, layers)?;
    let upper = changes.path();
    let temp = store.temp_entry("layer")?;
    std::fs::rename(upper, temp.path()).map_err(|e| StoreError::io(upper, e))?;
    remove_placeholders(temp.path(), layers);
    remove_mount_points(temp.path(), layers, mount_points.iter().map(String::as_str));
    Ok(temp)
}

/// Removes from a container's changes the empty mount points the runtime made
/// where the image (`layers`, topmost first) had nothing.
pub fn remove_placeholders(dir: &Path, layers: &[PathBuf]) {
    remove_mount_points(dir, layers, PLACEHOLDERS);
}

/// Removes each mount point, and the directories made to hold it, while they
/// are empty and the image had nothing there.
fn remove_mount_points<'a>(
    dir: &Path,
    layers: &[PathBuf],
    points: impl IntoIterator<Item = &'a str>,
) {
    for point in points {
        let mut rel = point.trim_matches('/');
        while !rel.is_empty() && layered_lookup(layers, rel).is_none() {
            let path = dir.join(rel);
            // Only an empty file or directory is a mount point; a non-empty one is
            // something the step wrote (remove_dir refuses non-empty directories).
            let removed = match std::fs::symlink_metadata(&path) {
                Ok(m) if m.is_file() && m.len() == 0 => std::fs::remove_file(&path).is_ok(),
                Ok(m) if m.is_dir() => std::fs::remove_dir(&path).is_ok(),
                _ => false,
            };
            if !removed {
                break;
            }
            rel = rel.rsplit_once('/').map_or("", |(parent, _)| parent);
        }
    }
}

/// The argv of a shell-form RUN: the shell, then the command with its heredocs. A
/// RUN that is only a heredoc runs the heredoc as the script (as BuildKit does).
pub fn shell_argv(shell: &[String], command: &str, heredocs: &[Heredoc]) -> Vec<String> {
    let mut argv = shell.to_vec();
    let only_heredoc = heredocs.len() == 1 && {
        let rest = command
            .trim()
            .trim_start_matches("<<")
            .trim_start_matches('-');
        rest.trim_matches(['"', '\'']) == heredocs[0].name
    };
    if only_heredoc {
        argv.push(heredocs[0].body.clone());
        return argv;
    }
    let mut script = command.to_owned();
    for h in heredocs {
        script.push('\n');
        script.push_str(&h.body);
        script.push_str(&h.name);
    }
    argv.push(script);
    argv
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh() -> Vec<String> {
        vec!["/bin/sh".to_owned(), "-c".to_owned()]
    }

    fn doc(name: &str, body: &str) -> Heredoc {
        Heredoc {
            name: name.to_owned(),
            body: body.to_owned(),
            expand: true,
        }
    }

    #[test]
    fn heredocs_become_part_of_the_script() {
        assert_eq!(shell_argv(&sh(), "echo hi", &[])[2], "echo hi");
        assert_eq!(
            shell_argv(&sh(), "<<EOF", &[doc("EOF", "echo a\necho b\n")])[2],
            "echo a\necho b\n"
        );
        assert_eq!(
            shell_argv(&sh(), "cat <<EOF > /f", &[doc("EOF", "x\n")])[2],
            "cat <<EOF > /f\nx\nEOF"
        );
    }
}
