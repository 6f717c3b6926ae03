//! Between the ids a container with a user namespace of its own (`--userns=keep-id`,
//! `auto`) sees and the ids its files have on disk, in the namespace the store
//! is kept in. Its layer copies and its upper dir hold disk ids; images, tars
//! and the caller's files hold the container's (the image's) ids. `commit`,
//! `export` and `cp` of a stopped container read or write the disk directly, so
//! they translate here; a running container's are seen through its namespace,
//! where the kernel does it.

use super::{IdMap, Mappings};

/// What the kernel shows for an id the namespace does not map
/// (/proc/sys/kernel/overflowuid and overflowgid).
pub const OVERFLOW_ID: u32 = 65534;

/// Where an id the container sees lands on disk; an id the container has not is
/// left as it is (the container cannot have made it, and nothing else is right).
pub fn to_disk(maps: &[IdMap], id: u32) -> u32 {
    maps.iter()
        .find(|m| m.container_id <= id && id - m.container_id < m.size)
        .map_or(id, |m| m.host_id + (id - m.container_id))
}

/// The id the container sees for an id on disk; one outside its mapping is the
/// overflow id, as the kernel shows it to the running container, so that a
/// stopped container's files come out with the owners a running one's do.
pub fn to_container(maps: &[IdMap], id: u32) -> u32 {
    maps.iter()
        .find(|m| m.host_id <= id && id - m.host_id < m.size)
        .map_or(OVERFLOW_ID, |m| m.container_id + (id - m.host_id))
}

/// One direction of the translation for one container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdShift {
    /// Disk ids to the container's: what is read out of it.
    ToContainer(Mappings),
    /// The container's ids to disk: what is written into it.
    ToDisk(Mappings),
}

impl IdShift {
    pub fn ids(&self, uid: u32, gid: u32) -> (u32, u32) {
        match self {
            IdShift::ToContainer(m) => (to_container(&m.uids, uid), to_container(&m.gids, gid)),
            IdShift::ToDisk(m) => (to_disk(&m.uids, uid), to_disk(&m.gids, gid)),
        }
    }

    /// Rewrites a tar header's owner.
    pub fn header(&self, header: &mut tar::Header) {
        let (Ok(uid), Ok(gid)) = (header.uid(), header.gid()) else {
            return;
        };
        let (Ok(uid), Ok(gid)) = (u32::try_from(uid), u32::try_from(gid)) else {
            return;
        };
        let (uid, gid) = self.ids(uid, gid);
        header.set_uid(uid.into());
        header.set_gid(gid.into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// keep-id for uid 1000 over a store namespace of 0..65537.
    fn keep_id() -> Vec<IdMap> {
        let m = |container_id, host_id, size| IdMap {
            container_id,
            host_id,
            size,
        };
        vec![m(0, 1, 1000), m(1000, 0, 1), m(1001, 1001, 64536)]
    }

    #[test]
    fn ids_shift_into_the_containers_range() {
        let maps = keep_id();
        assert_eq!(to_disk(&maps, 0), 1);
        assert_eq!(to_disk(&maps, 999), 1000);
        assert_eq!(to_disk(&maps, 1000), 0);
        assert_eq!(to_disk(&maps, 70000), 70000);
    }

    #[test]
    fn disk_ids_shift_back_and_unmapped_ones_overflow() {
        let maps = keep_id();
        for id in [0, 1, 999, 1000, 1001, 65536] {
            assert_eq!(to_container(&maps, to_disk(&maps, id)), id);
        }
        assert_eq!(to_container(&maps, 65537), OVERFLOW_ID);
    }

    #[test]
    fn headers_are_rewritten() {
        let maps = Mappings {
            uids: keep_id(),
            gids: keep_id(),
        };
        let mut header = tar::Header::new_gnu();
        header.set_uid(1);
        header.set_gid(0);
        IdShift::ToContainer(maps).header(&mut header);
        assert_eq!((header.uid().unwrap(), header.gid().unwrap()), (0, 1000));
    }
}
