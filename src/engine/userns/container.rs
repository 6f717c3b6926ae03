//! A container's own user namespace (`--userns=keep-id|auto`): its id mappings,
//! laid out as Podman lays them out, in the ids of the namespace its monitor
//! runs in (coracle's, rootless; the host's, rootful).

use super::{IdMap, Mappings, UsernsError, UsernsMode};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// What the monitor needs to make a container's user namespace; kept in its
/// config.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerUserns {
    pub mode: UsernsMode,
    pub maps: Mappings,
}

/// Rootful `auto` takes its ids from the `containers` user's subordinate
/// ranges, as Podman does; without one, from a range no login user is given
/// (useradd hands them out upwards from 100000).
const ROOTFUL_AUTO_USER: &str = "containers";
const ROOTFUL_AUTO_DEFAULT: (u32, u32) = (1 << 31, 1 << 30);

/// Podman's smallest automatic namespace, when the image asks for fewer ids.
pub const AUTO_MIN_SIZE: u32 = 1024;

/// keep-id: `uid` and `gid` inside are the caller, who is id 0 of coracle's
/// namespace (`outer`); the caller's subordinate ids fill the ids below and above.
pub fn keep_id(outer: &Mappings, uid: u32, gid: u32) -> Mappings {
    let around = |maps: &[IdMap], id: u32| {
        let subordinate: u32 = maps.iter().skip(1).map(|m| m.size).sum();
        let mut out = Vec::new();
        if subordinate > 0 && id > 0 {
            out.push(IdMap {
                container_id: 0,
                host_id: 1,
                size: id.min(subordinate),
            });
        }
        out.push(IdMap {
            container_id: id,
            host_id: 0,
            size: 1,
        });
        if subordinate > id {
            out.push(IdMap {
                container_id: id + 1,
                host_id: id + 1,
                size: subordinate - id,
            });
        }
        out
    };
    Mappings {
        uids: around(&outer.uids, uid),
        gids: around(&outer.gids, gid),
    }
}

/// The ids `auto` may hand out: rootless, coracle's namespace's subordinate ids
/// (every id there but the caller's 0); rootful, the `containers` ranges.
pub fn auto_pool(outer: Option<&Mappings>) -> Result<Vec<(u32, u32)>, UsernsError> {
    if let Some(outer) = outer {
        let subordinate: u32 = outer.uids.iter().skip(1).map(|m| m.size).sum();
        let subordinate_gids: u32 = outer.gids.iter().skip(1).map(|m| m.size).sum();
        let size = subordinate.min(subordinate_gids);
        return Ok(if size > 0 { vec![(1, size)] } else { vec![] });
    }
    let path = Path::new("/etc/subuid");
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(source) => {
            return Err(UsernsError::Read {
                path: path.to_owned(),
                source,
            })
        }
    };
    let ranges = super::idmap::parse_subids(&text, u32::MAX, Some(ROOTFUL_AUTO_USER));
    Ok(if ranges.is_empty() {
        vec![ROOTFUL_AUTO_DEFAULT]
    } else {
        ranges
    })
}

/// The first `size` ids of `pool` that no range in `used` touches, as one
/// mapping (the same ids for users and groups).
pub fn auto(pool: &[(u32, u32)], used: &[IdMap], size: u32) -> Result<Mappings, UsernsError> {
    let mut used: Vec<(u64, u64)> = used
        .iter()
        .map(|m| {
            (
                u64::from(m.host_id),
                u64::from(m.host_id) + u64::from(m.size),
            )
        })
        .collect();
    used.sort();
    for &(start, count) in pool {
        let end = u64::from(start) + u64::from(count);
        let mut at = u64::from(start);
        for &(from, to) in &used {
            if to <= at || from >= end {
                continue;
            }
            if from >= at + u64::from(size) {
                break;
            }
            at = at.max(to);
        }
        if at + u64::from(size) <= end {
            let maps = vec![IdMap {
                container_id: 0,
                host_id: at as u32,
                size,
            }];
            return Ok(Mappings {
                uids: maps.clone(),
                gids: maps,
            });
        }
    }
    Err(UsernsError::Exhausted { size })
}

/// How many ids an image needs: one more than the highest its /etc/passwd and
/// /etc/group name, at least Podman's minimum.
pub fn auto_size(passwd: &str, group: &str) -> u32 {
    let third = |line: &str| line.split(':').nth(2).and_then(|id| id.parse::<u32>().ok());
    let fourth = |line: &str| line.split(':').nth(3).and_then(|id| id.parse::<u32>().ok());
    passwd
        .lines()
        .flat_map(|l| [third(l), fourth(l)])
        .chain(group.lines().map(third))
        .flatten()
        // nobody (65534) is the kernel's overflow id: unmapped ids show as it anyway.
        .filter(|&id| id < 65534)
        .map(|id| id + 1)
        .fold(AUTO_MIN_SIZE, u32::max)
}

impl ContainerUserns {
    /// Whether gid `gid` exists inside.
    pub fn maps_gid(&self, gid: u32) -> bool {
        self.maps
            .gids
            .iter()
            .any(|g| g.container_id <= gid && gid - g.container_id < g.size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outer(sub: u32) -> Mappings {
        let m = vec![
            IdMap {
                container_id: 0,
                host_id: 1000,
                size: 1,
            },
            IdMap {
                container_id: 1,
                host_id: 100000,
                size: sub,
            },
        ];
        Mappings {
            uids: m.clone(),
            gids: m,
        }
    }

    fn map(c: u32, h: u32, s: u32) -> IdMap {
        IdMap {
            container_id: c,
            host_id: h,
            size: s,
        }
    }

    #[test]
    fn keep_id_puts_the_caller_at_its_own_id() {
        let m = keep_id(&outer(65536), 1000, 1000);
        assert_eq!(
            m.uids,
            vec![map(0, 1, 1000), map(1000, 0, 1), map(1001, 1001, 64536)]
        );
        let m = keep_id(&outer(65536), 0, 0);
        assert_eq!(m.uids, vec![map(0, 0, 1), map(1, 1, 65536)]);
        // More ids asked for than there are subordinates: those below only.
        let m = keep_id(&outer(10), 500, 500);
        assert_eq!(m.uids, vec![map(0, 1, 10), map(500, 0, 1)]);
        let single = Mappings {
            uids: vec![map(0, 1000, 1)],
            gids: vec![map(0, 1000, 1)],
        };
        assert_eq!(keep_id(&single, 1000, 1000).uids, vec![map(1000, 0, 1)]);
    }

    #[test]
    fn auto_takes_the_first_free_range() {
        let pool = [(1, 65536)];
        let first = auto(&pool, &[], 1024).unwrap();
        assert_eq!(first.uids, vec![map(0, 1, 1024)]);
        let second = auto(&pool, &first.uids, 1024).unwrap();
        assert_eq!(second.uids, vec![map(0, 1025, 1024)]);
        // A gap too small is skipped; one big enough is used.
        let used = [map(0, 1, 10), map(0, 20, 10), map(0, 2000, 10)];
        assert_eq!(auto(&pool, &used, 9).unwrap().uids, vec![map(0, 11, 9)]);
        assert_eq!(auto(&pool, &used, 10).unwrap().uids, vec![map(0, 30, 10)]);
        assert_eq!(auto(&pool, &used, 100).unwrap().uids, vec![map(0, 30, 100)]);
        assert!(matches!(
            auto(&pool, &[], 70000),
            Err(UsernsError::Exhausted { size: 70000 })
        ));
    }

    #[test]
    fn auto_size_follows_the_image() {
        assert_eq!(auto_size("root:x:0:0::/:/bin/sh\n", ""), AUTO_MIN_SIZE);
        assert_eq!(
            auto_size(
                "app:x:5000:5001::/:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n",
                "g:x:4000:\n"
            ),
            5002
        );
    }
}
