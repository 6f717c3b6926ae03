//! What a build's flags set beyond the Dockerfile: how RUN steps run (the way
//! `run` runs a container with the same flags) and what the result holds.

use super::image::ImageStyle;
use crate::engine::containers::{CreateOptions, Seccomp};
use crate::engine::net::names::NameOptions;
use crate::engine::runtime::ulimit::Ulimit;
use crate::engine::volumes::MountRequest;

/// RUN steps' container: `--add-host`, `--dns*`, `--no-hosts`, `--cap-*`,
/// `--security-opt`, `--ulimit`, `--volume`.
#[derive(Debug, Clone, Default)]
pub struct RunSettings {
    pub names: NameOptions,
    pub cap_add: Vec<String>,
    pub cap_drop: Vec<String>,
    pub seccomp: Seccomp,
    pub no_new_privileges: bool,
    pub ulimits: Vec<Ulimit>,
    /// `-v`: bind mounts (or volumes) every RUN sees; not part of any layer.
    pub mounts: Vec<MountRequest>,
}

impl RunSettings {
    /// `opts` with these settings.
    pub fn apply(&self, opts: CreateOptions) -> CreateOptions {
        CreateOptions {
            names: self.names.clone(),
            cap_add: self.cap_add.clone(),
            cap_drop: self.cap_drop.clone(),
            seccomp: self.seccomp.clone(),
            no_new_privileges: self.no_new_privileges,
            ulimits: self.ulimits.clone(),
            mounts: self.mounts.clone(),
            ..opts
        }
    }

    /// Whether any was given.
    pub fn any(&self) -> bool {
        self.names.any()
            || !self.cap_add.is_empty()
            || !self.cap_drop.is_empty()
            || !matches!(self.seccomp, Seccomp::Default)
            || self.no_new_privileges
            || !self.ulimits.is_empty()
            || !self.mounts.is_empty()
    }

    /// Where the mounts go: mount points, not the steps' work.
    pub fn mount_points(&self) -> impl Iterator<Item = &str> {
        self.mounts.iter().map(|m| m.destination.as_str())
    }
}

/// `os.features` with `--os-feature`s applied.
pub fn os_features(base: &[String], flags: &[String]) -> Vec<String> {
    let mut features = base.to_vec();
    for flag in flags {
        match flag.strip_suffix('-') {
            Some(name) => features.retain(|f| f != name),
            None if !features.contains(flag) => features.push(flag.clone()),
            None => {}
        }
    }
    features
}

/// The image the build ends with: `--env`, `--unsetenv`, `--omit-history`, and
/// how every image of the build is written.
#[derive(Debug, Clone, Default)]
pub struct ResultSettings {
    /// `--env`: set in the result (a bare KEY has the caller's value).
    pub env: Vec<(String, String)>,
    /// `--unsetenv`: removed from the result, whoever set them.
    pub unsetenv: Vec<String>,
    pub omit_history: bool,
    /// `--os-version`: the image's `os.version`, instead of the base image's.
    pub os_version: Option<String>,
    /// `--os-feature`: added to the base image's `os.features` (`NAME-` removes one).
    pub os_features: Vec<String>,
    pub style: ImageStyle,
}

impl ResultSettings {
    /// Whether any was given.
    pub fn any(&self) -> bool {
        self.changes_config() || self.style != ImageStyle::default()
    }

    /// Whether the result differs from the last step's image.
    pub fn changes_config(&self) -> bool {
        !self.env.is_empty()
            || !self.unsetenv.is_empty()
            || self.omit_history
            || self.os_version.is_some()
            || !self.os_features.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_features_add_and_remove() {
        let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            os_features(&strings(&["a", "b"]), &strings(&["c", "a-", "b"])),
            strings(&["b", "c"])
        );
    }
}
