//! `container clone`: a new container made from the options another was
//! created with (kept in its config for this), some of them overridden, as
//! Podman's clone does.

use super::create::CreateOptions;
use super::lookup::{config_of, lookup};
use super::resources::Resources;
use super::settings::DEFAULT_STOP_TIMEOUT;
use super::{remove, ContainerConfig, ContainersError};
use crate::engine::store::Store;
use std::time::Duration;

#[derive(Debug, Clone, Default)]
pub struct CloneOptions {
    /// `NAME`, else `--name`; none: Podman's `<old>-clone`, `-clone1`, ...
    pub name: Option<String>,
    /// `IMAGE`: the clone's image instead of the original's.
    pub image: Option<String>,
    /// The limit flags, over the original's.
    pub resources: Resources,
    /// `--destroy`: the original is removed once the clone exists.
    pub destroy: bool,
    /// `--force`: with `destroy`, a running original is stopped first.
    pub force: bool,
    /// `--run`: the clone is started.
    pub run: bool,
    /// `--pod`: the pod the clone goes in (the engine joins it) instead of
    /// the original's.
    pub pod: Option<String>,
}

/// What the clone is made of, and what `--destroy` removes.
#[derive(Debug)]
pub struct ClonePlan {
    pub create: CreateOptions,
    /// The original's ID.
    pub original: String,
    /// How long a running original gets to stop before SIGKILL (its own
    /// `--stop-timeout`, as Podman's forced removal gives it).
    pub stop_timeout: Duration,
}

/// Everything decided before anything is created: a bad flag, an original
/// that cannot be cloned or that `--destroy` could not remove fails here.
pub fn plan(store: &Store, input: &str, opts: &CloneOptions) -> Result<ClonePlan, ContainersError> {
    if opts.force && !opts.destroy {
        return Err(ContainersError::Invalid(
            "cannot set --force without --destroy: invalid argument".into(),
        ));
    }
    let record = lookup(store, input)?;
    let config = config_of(&record)?;
    let mut create = stored_options(&config, &record.name)?;
    if opts.destroy && !opts.force && record.state.status.has_monitor() {
        return Err(remove::running(&record.id));
    }
    let taken = |name: &str| Ok::<_, ContainersError>(store.container_id_by_name(name)?.is_some());
    create.name = Some(match &opts.name {
        Some(name) => name.clone(),
        None => clone_name(&record.name, taken)?,
    });
    if let Some(image) = &opts.image {
        create.image = image.clone();
    }
    create.settings.resources.merge(&opts.resources);
    // Both belong to the original: its ID file, and no container to replace.
    create.cidfile = None;
    create.replace = false;
    create.validate()?;
    let timeout = config.settings.stop_timeout.unwrap_or(DEFAULT_STOP_TIMEOUT);
    Ok(ClonePlan {
        create,
        original: record.id,
        stop_timeout: Duration::from_secs(timeout),
    })
}

/// The options the container was created with; one made before they were
/// kept has none, and cannot be cloned.
fn stored_options(config: &ContainerConfig, name: &str) -> Result<CreateOptions, ContainersError> {
    config.created_with.clone().ok_or_else(|| {
        ContainersError::Invalid(format!(
            "container {name} was created by a coracle that did not keep its create options: it cannot be cloned; create a new one instead"
        ))
    })
}

/// Podman's choice of name (its CheckName): `a` -> `a-clone`, then `a-clone1`,
/// `a-clone2`...; a clone of `a-clone3` is the next free `a-cloneN` after 3.
pub fn clone_name<E>(old: &str, taken: impl Fn(&str) -> Result<bool, E>) -> Result<String, E> {
    let mut name = old.to_owned();
    if taken(&format!("{old}-clone"))? {
        name.push_str("-clone");
    }
    let Some(at) = name.find("-clone").map(|i| i + "-clone".len()) else {
        return Ok(format!("{name}-clone"));
    };
    let mut count = match name[at..].parse::<u64>() {
        Ok(number) => {
            name.truncate(at);
            number
        }
        Err(_) if !taken(&format!("{name}1"))? => return Ok(format!("{name}1")),
        Err(_) => 0,
    };
    loop {
        count += 1;
        let candidate = format!("{name}{count}");
        if !taken(&candidate)? {
            return Ok(candidate);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(old: &str, existing: &[&str]) -> String {
        clone_name(old, |n| Ok::<_, ContainersError>(existing.contains(&n))).unwrap()
    }

    #[test]
    fn clones_are_named_as_podman_names_them() {
        assert_eq!(named("a", &["a"]), "a-clone");
        assert_eq!(named("a", &["a", "a-clone"]), "a-clone1");
        assert_eq!(named("a", &["a", "a-clone", "a-clone1"]), "a-clone2");
        assert_eq!(named("a-clone", &["a", "a-clone", "a-clone1"]), "a-clone2");
        assert_eq!(named("a-clone3", &["a-clone3"]), "a-clone4");
        assert_eq!(named("a-clone3", &["a-clone3", "a-clone4"]), "a-clone5");
    }

    #[test]
    fn a_container_without_kept_options_is_refused() {
        let e = stored_options(&ContainerConfig::default(), "old").unwrap_err();
        assert!(e
            .to_string()
            .starts_with("container old was created by a coracle"));
        let kept = ContainerConfig {
            created_with: Some(CreateOptions::default()),
            ..Default::default()
        };
        assert!(stored_options(&kept, "new").is_ok());
    }
}
