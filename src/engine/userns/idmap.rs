//! Id mappings: /etc/subuid and /etc/subgid, and /proc/self/{uid,gid}_map.

use super::UsernsError;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// One line of a uid_map: `container_id host_id size`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdMap {
    pub container_id: u32,
    pub host_id: u32,
    pub size: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mappings {
    pub uids: Vec<IdMap>,
    pub gids: Vec<IdMap>,
}

impl Mappings {
    /// The mapping Podman uses: the caller becomes 0, its subordinate ranges follow from 1.
    /// With no subordinate ranges, just the caller (a single-id mapping).
    pub fn for_user(uid: u32, gid: u32) -> Result<Mappings, UsernsError> {
        let name = nix::unistd::User::from_uid(uid.into())
            .ok()
            .flatten()
            .map(|u| u.name);
        let subuids = read_subids(Path::new("/etc/subuid"), uid, name.as_deref())?;
        let subgids = read_subids(Path::new("/etc/subgid"), uid, name.as_deref())?;
        Ok(Mappings {
            uids: stack(uid, &subuids),
            gids: stack(gid, &subgids),
        })
    }

    pub fn current() -> Result<Mappings, UsernsError> {
        Ok(Mappings {
            uids: read_proc_map(Path::new("/proc/self/uid_map"))?,
            gids: read_proc_map(Path::new("/proc/self/gid_map"))?,
        })
    }

    pub fn is_identity(&self) -> bool {
        let full = |m: &[IdMap]| {
            m.len() == 1 && m[0].container_id == 0 && m[0].host_id == 0 && m[0].size == u32::MAX
        };
        full(&self.uids) && full(&self.gids)
    }

    /// The uid and gid outside (in the namespace that wrote these maps) that
    /// `uid` and `gid` inside are; None if either is not mapped.
    pub fn outside(&self, uid: u32, gid: u32) -> Option<(u32, u32)> {
        let out = |maps: &[IdMap], id: u32| {
            maps.iter()
                .find(|m| id >= m.container_id && id - m.container_id < m.size)
                .map(|m| m.host_id + (id - m.container_id))
        };
        Some((out(&self.uids, uid)?, out(&self.gids, gid)?))
    }

    /// Only the caller's own id is mapped: files owned by anyone else cannot be created.
    pub fn is_single(&self) -> bool {
        self.uids.len() == 1 && self.uids[0].size == 1
    }
}

fn stack(own: u32, ranges: &[(u32, u32)]) -> Vec<IdMap> {
    let mut maps = vec![IdMap {
        container_id: 0,
        host_id: own,
        size: 1,
    }];
    let mut next = 1;
    for &(host_id, size) in ranges {
        maps.push(IdMap {
            container_id: next,
            host_id,
            size,
        });
        next += size;
    }
    maps
}

fn read_subids(path: &Path, uid: u32, name: Option<&str>) -> Result<Vec<(u32, u32)>, UsernsError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(parse_subids(&text, uid, name)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(source) => Err(UsernsError::Read {
            path: path.to_owned(),
            source,
        }),
    }
}

/// Lines are `user:start:count`, where user is a name or a numeric uid.
pub(super) fn parse_subids(text: &str, uid: u32, name: Option<&str>) -> Vec<(u32, u32)> {
    let uid = uid.to_string();
    text.lines()
        .filter_map(|line| {
            let mut parts = line.trim().split(':');
            let (who, start, count) = (parts.next()?, parts.next()?, parts.next()?);
            if who != uid && Some(who) != name {
                return None;
            }
            let (start, count) = (start.parse().ok()?, count.parse().ok()?);
            (count > 0).then_some((start, count))
        })
        .collect()
}

fn read_proc_map(path: &Path) -> Result<Vec<IdMap>, UsernsError> {
    let text = std::fs::read_to_string(path).map_err(|source| UsernsError::Read {
        path: path.to_owned(),
        source,
    })?;
    Ok(text
        .lines()
        .filter_map(|line| {
            let mut f = line.split_whitespace().map(|n| n.parse::<u32>().ok());
            Some(IdMap {
                container_id: f.next()??,
                host_id: f.next()??,
                size: f.next()??,
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_inside_are_found_outside_through_the_maps() {
        let map = |container_id, host_id, size| IdMap {
            container_id,
            host_id,
            size,
        };
        let maps = Mappings {
            uids: vec![map(0, 1, 1000), map(1000, 0, 1), map(1001, 1001, 64535)],
            gids: vec![map(0, 1, 1000), map(1000, 0, 1)],
        };
        assert_eq!(maps.outside(1000, 1000), Some((0, 0)));
        assert_eq!(maps.outside(0, 999), Some((1, 1000)));
        assert_eq!(maps.outside(2000, 1000), Some((2000, 0)));
        assert_eq!(maps.outside(1000, 5000), None);
    }

    #[test]
    fn subids_match_by_name_or_uid() {
        let text = "alice:100000:65536\n1001:300000:1000\nbob:200000:65536\n# junk\n";
        assert_eq!(
            parse_subids(text, 1000, Some("alice")),
            vec![(100000, 65536)]
        );
        assert_eq!(
            parse_subids(text, 1001, Some("carol")),
            vec![(300000, 1000)]
        );
        assert!(parse_subids(text, 1002, Some("dave")).is_empty());
    }

    #[test]
    fn ranges_stack_above_the_caller() {
        let maps = stack(1000, &[(100000, 10), (200000, 5)]);
        assert_eq!(maps[1].container_id, 1);
        assert_eq!(maps[2].container_id, 11);
        let m = Mappings {
            uids: maps.clone(),
            gids: maps,
        };
        assert!(!m.is_single());
    }

    #[test]
    fn identity_map_is_rootful() {
        let full = vec![IdMap {
            container_id: 0,
            host_id: 0,
            size: u32::MAX,
        }];
        let m = Mappings {
            uids: full.clone(),
            gids: full,
        };
        assert!(m.is_identity());
    }
}
