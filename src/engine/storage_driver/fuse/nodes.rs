//! The inodes the kernel knows: a number for each path it looked up, kept
//! until the kernel forgets it. A node is known by its path in the merged
//! view (the layers have no inode of their own that survives a copy-up); a
//! hard link made here is the same node under a second name, so both names
//! show one inode number as they do on the kernel overlay.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub const ROOT: u64 = 1;

pub struct Node {
    /// Its names, relative to the root ("" for the root); the first is used.
    pub names: Vec<PathBuf>,
    /// The topmost layer holding it (0: the upper dir).
    pub layer: usize,
    /// For a directory, the lower layers showing through it.
    pub lowers: Vec<usize>,
    lookups: u64,
}

impl Node {
    pub fn rel(&self) -> &Path {
        &self.names[0]
    }

    /// The layers below the upper dir that a directory shows: its own when
    /// it was found below, then the ones under that.
    pub fn below(&self) -> Vec<usize> {
        let own = (self.layer != 0).then_some(self.layer);
        own.into_iter().chain(self.lowers.iter().copied()).collect()
    }
}

pub struct Table {
    nodes: HashMap<u64, Node>,
    by_name: HashMap<PathBuf, u64>,
    next: u64,
}

impl Table {
    pub fn new(root_lowers: Vec<usize>) -> Table {
        let root = Node {
            names: vec![PathBuf::new()],
            layer: 0,
            lowers: root_lowers,
            lookups: 1,
        };
        Table {
            nodes: HashMap::from([(ROOT, root)]),
            by_name: HashMap::from([(PathBuf::new(), ROOT)]),
            next: ROOT + 1,
        }
    }

    pub fn get(&self, ino: u64) -> Option<&Node> {
        self.nodes.get(&ino)
    }

    /// The node at `rel` (made when new), counted as looked up once more.
    pub fn remember(&mut self, rel: PathBuf, layer: usize, lowers: Vec<usize>) -> u64 {
        if let Some(&ino) = self.by_name.get(&rel) {
            let node = self.nodes.get_mut(&ino).expect("named nodes exist");
            node.layer = layer;
            node.lowers = lowers;
            node.lookups += 1;
            return ino;
        }
        let ino = self.next;
        self.next += 1;
        self.by_name.insert(rel.clone(), ino);
        self.nodes.insert(
            ino,
            Node {
                names: vec![rel],
                layer,
                lowers,
                lookups: 1,
            },
        );
        ino
    }

    /// `ino` under the further name `rel` (a hard link).
    pub fn alias(&mut self, ino: u64, rel: PathBuf) {
        if let Some(node) = self.nodes.get_mut(&ino) {
            node.names.push(rel.clone());
            node.lookups += 1;
            self.by_name.insert(rel, ino);
        }
    }

    pub fn forget(&mut self, ino: u64, count: u64) {
        let Some(node) = self.nodes.get_mut(&ino) else {
            return;
        };
        node.lookups = node.lookups.saturating_sub(count);
        if node.lookups > 0 || ino == ROOT {
            return;
        }
        let node = self.nodes.remove(&ino).expect("just seen");
        for name in node.names {
            if self.by_name.get(&name) == Some(&ino) {
                self.by_name.remove(&name);
            }
        }
    }

    /// The name `rel` is gone (unlinked, or renamed over).
    pub fn unname(&mut self, rel: &Path) {
        let Some(ino) = self.by_name.remove(rel) else {
            return;
        };
        if let Some(node) = self.nodes.get_mut(&ino) {
            if node.names.len() > 1 {
                node.names.retain(|n| n != rel);
            }
        }
    }

    /// `rel` and the directories above it are in the upper dir now.
    pub fn mark_upper(&mut self, rel: &Path) {
        for dir in rel.ancestors() {
            if let Some(node) = self.by_name.get(dir).and_then(|i| self.nodes.get_mut(i)) {
                // A directory keeps showing the layer it was found in below
                // its copy in the upper dir.
                if node.layer != 0 {
                    node.lowers.insert(0, node.layer);
                    node.layer = 0;
                }
            }
        }
    }

    /// `a` and `b` (and all under them) have swapped places.
    pub fn exchange(&mut self, a: &Path, b: &Path) {
        // No name in the tree is absolute: the one place nothing else is.
        let aside = Path::new("/exchanging");
        self.rename(a, aside);
        self.rename(b, a);
        self.rename(aside, b);
    }

    /// `from` (and all under it) is now at `to`.
    pub fn rename(&mut self, from: &Path, to: &Path) {
        self.unname(to);
        let moved: Vec<(PathBuf, u64)> = self
            .by_name
            .iter()
            .filter(|(name, _)| name.starts_with(from))
            .map(|(name, ino)| (name.clone(), *ino))
            .collect();
        for (old, ino) in moved {
            // Not `to.join("")`: that would end the path in a slash.
            let rest = old.strip_prefix(from).expect("filtered on it");
            let new = match rest.as_os_str().is_empty() {
                true => to.to_owned(),
                false => to.join(rest),
            };
            self.by_name.remove(&old);
            self.by_name.insert(new.clone(), ino);
            if let Some(node) = self.nodes.get_mut(&ino) {
                for name in node.names.iter_mut().filter(|n| **n == old) {
                    *name = new.clone();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_renamed_directory_takes_its_entries_along() {
        let mut t = Table::new(vec![]);
        let dir = t.remember("a".into(), 1, vec![]);
        let file = t.remember("a/f".into(), 1, vec![]);
        t.rename(Path::new("a"), Path::new("b"));
        assert_eq!(t.get(dir).unwrap().rel().as_os_str(), "b");
        assert_eq!(t.get(file).unwrap().rel(), Path::new("b/f"));
        assert_eq!(t.remember("b/f".into(), 0, vec![]), file);
    }

    #[test]
    fn exchanged_directories_swap_their_entries() {
        let mut t = Table::new(vec![]);
        let a = t.remember("a".into(), 0, vec![]);
        let af = t.remember("a/f".into(), 0, vec![]);
        let b = t.remember("b".into(), 0, vec![]);
        t.exchange(Path::new("a"), Path::new("b"));
        assert_eq!(t.get(a).unwrap().rel(), Path::new("b"));
        assert_eq!(t.get(af).unwrap().rel(), Path::new("b/f"));
        assert_eq!(t.get(b).unwrap().rel(), Path::new("a"));
        assert_eq!(t.remember("a".into(), 0, vec![]), b);
    }

    #[test]
    fn a_hard_link_keeps_its_node_when_the_first_name_goes() {
        let mut t = Table::new(vec![]);
        let file = t.remember("f".into(), 0, vec![]);
        t.alias(file, "g".into());
        t.unname(Path::new("f"));
        assert_eq!(t.get(file).unwrap().rel(), Path::new("g"));
        t.forget(file, 2);
        assert!(t.get(file).is_none());
    }
}
