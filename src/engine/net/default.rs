//! The network a container gets when `--network` is not given. As root, the
//! default bridge (`podman`), as Podman and Docker give root: an address of its
//! own on a bridge shared with the other containers, out through the kernel's
//! NAT. Rootless, pasta when it runs here, else slirp4netns, as Podman
//! chooses: probed once and remembered in the run root (a tmpfs: gone at
//! reboot, when packages may have changed), unless containers.conf's
//! `default_rootless_network_cmd` names one.

use super::network::DEFAULT_NAME;
use super::{Attachment, NetError, Network};
use std::path::Path;
use std::process::{Command, Stdio};

/// The choice, in the run root.
const CHOICE_FILE: &str = "network-default";

/// The default network mode for containers on this host; `configured` is
/// containers.conf's choice of helper for rootless ones.
pub fn default_network(
    runroot: &Path,
    rootless: bool,
    configured: Option<&str>,
) -> Result<Network, NetError> {
    if !rootless {
        return Ok(Network::Bridge(vec![Attachment {
            network: DEFAULT_NAME.to_owned(),
            aliases: Vec::new(),
            ip: None,
        }]));
    }
    match configured {
        Some("slirp4netns") => return Ok(Network::Slirp4netns(vec![])),
        Some(_) => return Ok(Network::Pasta(vec![])),
        None => {}
    }
    let file = runroot.join(CHOICE_FILE);
    if let Some(known) = std::fs::read_to_string(&file)
        .ok()
        .and_then(|s| s.trim().parse().ok())
    {
        return Ok(known);
    }
    let chosen = [Network::Pasta(vec![]), Network::Slirp4netns(vec![])]
        .into_iter()
        .find(|n| runs(&n.to_string()))
        .ok_or(NetError::NoHelper)?;
    // Written whole under a temporary name: a reader never sees half of it.
    let tmp = runroot.join(format!("{CHOICE_FILE}.{}", std::process::id()));
    if std::fs::create_dir_all(runroot).is_ok() && std::fs::write(&tmp, chosen.to_string()).is_ok()
    {
        let _ = std::fs::rename(&tmp, &file);
    }
    Ok(chosen)
}

/// Whether `helper --version` runs and succeeds.
fn runs(helper: &str) -> bool {
    Command::new(helper)
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}
