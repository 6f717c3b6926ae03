//! Which containers a verb acts on when the caller names them some other way
//! than by name: Podman's `--all`, `--latest`, `--cidfile` and `--filter`.

use super::list::ListOptions;
use super::ContainersError;
use std::path::PathBuf;

/// The containers `--all` (or `--filter`) picks among.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Scope {
    /// Every container (`rm -a`, `start --all`, `restart -a`).
    #[default]
    All,
    /// Those with a running process (`stop -a`, `kill -a`, `pause -a`).
    Running,
    /// The paused ones (`unpause -a`).
    Paused,
}

#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub names: Vec<String>,
    /// Files that hold a container ID each (`--cidfile`).
    pub cidfiles: Vec<PathBuf>,
    /// Every container in `scope` (`--all`).
    pub all: bool,
    /// The most recently created container (`--latest`).
    pub latest: bool,
    /// `KEY=VALUE` as `ps --filter` takes them: the containers in `scope` that match.
    pub filters: Vec<String>,
    pub scope: Scope,
}

impl Selection {
    /// The listing that finds what `--all`, `--latest` or `--filter` ask for;
    /// `None` when only names and files were given.
    pub fn listing(&self) -> Option<ListOptions> {
        if self.latest {
            return Some(ListOptions {
                last: Some(1),
                filters: self.filters.clone(),
                ..ListOptions::default()
            });
        }
        if !self.all && self.filters.is_empty() {
            return None;
        }
        let mut filters = self.filters.clone();
        if self.scope == Scope::Paused {
            filters.push("status=paused".into());
        }
        Some(ListOptions {
            all: self.scope != Scope::Running,
            filters,
            ..ListOptions::default()
        })
    }

    /// The IDs the `--cidfile` files hold.
    pub fn cidfile_ids(&self) -> Result<Vec<String>, ContainersError> {
        self.cidfiles
            .iter()
            .map(|path| match std::fs::read_to_string(path) {
                Ok(id) => Ok(id.trim().to_owned()),
                Err(e) => Err(ContainersError::Invalid(format!(
                    "reading CIDFile: open {}: {}",
                    path.display(),
                    go_words(&e)
                ))),
            })
            .collect()
    }
}

/// An OS error as Go prints it ("no such file or directory"), as Podman's say.
fn go_words(e: &std::io::Error) -> String {
    let text = e.to_string();
    let text = text.split(" (os error").next().unwrap_or(&text);
    text.to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::{Scope, Selection};

    #[test]
    fn names_alone_need_no_listing() {
        let sel = Selection {
            names: vec!["a".into()],
            ..Selection::default()
        };
        assert!(sel.listing().is_none());
    }

    #[test]
    fn latest_is_the_newest_of_every_container() {
        let sel = Selection {
            latest: true,
            scope: Scope::Running,
            ..Selection::default()
        };
        let opts = sel.listing().unwrap();
        assert_eq!(opts.last, Some(1));
    }

    #[test]
    fn all_in_the_paused_scope_filters_on_the_status() {
        let sel = Selection {
            all: true,
            scope: Scope::Paused,
            ..Selection::default()
        };
        let opts = sel.listing().unwrap();
        assert!(opts.all);
        assert_eq!(opts.filters, ["status=paused"]);
    }

    #[test]
    fn all_in_the_running_scope_lists_only_running_ones() {
        let sel = Selection {
            all: true,
            scope: Scope::Running,
            ..Selection::default()
        };
        assert!(!sel.listing().unwrap().all);
    }
}
