//! Podman's ways of naming the containers a verb acts on besides their names:
//! `--all`, `--latest`, `--cidfile` and `--filter`, checked before anything is
//! touched and resolved to names by the engine.

use crate::engine::containers::select::{Scope, Selection};
use crate::engine::interface::Engine;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Targets {
    /// Act on every container the command applies to
    #[arg(short, long)]
    pub all: bool,
    /// Act on the latest container coracle is aware of
    #[arg(short, long)]
    pub latest: bool,
    /// Read the container ID from the file
    #[arg(long = "cidfile", value_name = "FILE")]
    pub cidfiles: Vec<PathBuf>,
    #[arg(value_name = "CONTAINER")]
    pub names: Vec<String>,
}

// `--latest` alone, for the verbs on one container.
#[derive(clap::Args)]
pub struct Latest {
    /// Act on the latest container coracle is aware of
    #[arg(short, long)]
    pub latest: bool,
}

impl Latest {
    /// The container meant: `name`, or with `--latest` the newest one.
    pub fn resolve(&self, engine: &dyn Engine, name: Option<String>) -> anyhow::Result<String> {
        let names: Vec<String> = name.into_iter().collect();
        check(
            &names,
            false,
            self.latest,
            &[],
            "you must provide at least one name or id",
        )?;
        let sel = Selection {
            names,
            latest: self.latest,
            ..Selection::default()
        };
        let mut names = engine.select_containers(&sel)?;
        Ok(names.remove(0))
    }
}

impl Targets {
    /// The names the flags mean, in Podman's order: names, files, then what
    /// `--all`, `--latest` or `--filter` find among `scope`.
    pub fn resolve(
        self,
        engine: &dyn Engine,
        filters: Vec<String>,
        scope: Scope,
    ) -> anyhow::Result<Vec<String>> {
        let mut named = self.names.clone();
        named.extend(self.cidfiles.iter().map(|p| p.display().to_string()));
        check(
            &named,
            self.all,
            self.latest,
            &filters,
            "you must provide at least one name or id",
        )?;
        let sel = Selection {
            names: self.names,
            cidfiles: self.cidfiles,
            all: self.all,
            latest: self.latest,
            filters,
            scope,
        };
        Ok(engine.select_containers(&sel)?)
    }
}

/// Podman's refusals of flags that contradict each other, or of none at all.
pub fn check(
    named: &[String],
    all: bool,
    latest: bool,
    filters: &[String],
    missing: &str,
) -> anyhow::Result<()> {
    if latest && !named.is_empty() {
        anyhow::bail!("--latest and containers cannot be used together");
    }
    if all && latest {
        anyhow::bail!("--all and --latest cannot be used together");
    }
    if all && !named.is_empty() {
        anyhow::bail!("no arguments are needed with --all");
    }
    if named.is_empty() && !all && !latest && filters.is_empty() {
        anyhow::bail!("{missing}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn contradictions_are_refused_in_podmans_words() {
        let names = ["a".to_owned()];
        let err = |r: anyhow::Result<()>| r.unwrap_err().to_string();
        assert_eq!(
            err(check(&names, false, true, &[], "none")),
            "--latest and containers cannot be used together"
        );
        assert_eq!(
            err(check(&names, true, false, &[], "none")),
            "no arguments are needed with --all"
        );
        assert_eq!(err(check(&[], false, false, &[], "none")), "none");
        assert!(check(&[], false, false, &["name=a".into()], "none").is_ok());
    }
}
