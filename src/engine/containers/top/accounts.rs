//! User and group names from an /etc/passwd and /etc/group: the container's,
//! read through its init's root, or the host's.

use std::collections::HashMap;

pub struct Accounts {
    users: HashMap<u32, String>,
    groups: HashMap<u32, String>,
}

impl Accounts {
    /// The accounts of the tree at `root` (`/proc/PID/root`); none when it
    /// cannot be read, so that numbers are shown.
    pub fn of_root(root: &str) -> Accounts {
        Accounts {
            users: names(&format!("{root}/etc/passwd")),
            groups: names(&format!("{root}/etc/group")),
        }
    }

    /// The host's, shown by name only to root: rootless, the ids are the
    /// user's subordinate ones, which Podman shows as numbers.
    pub fn of_host() -> Accounts {
        match nix::unistd::geteuid().is_root() {
            true => Accounts::of_root(""),
            false => Accounts {
                users: HashMap::new(),
                groups: HashMap::new(),
            },
        }
    }

    pub fn user(&self, uid: u32) -> String {
        self.users
            .get(&uid)
            .cloned()
            .unwrap_or_else(|| uid.to_string())
    }

    pub fn group(&self, gid: u32) -> String {
        self.groups
            .get(&gid)
            .cloned()
            .unwrap_or_else(|| gid.to_string())
    }

    pub fn groups(&self, gids: &[u32]) -> String {
        let names: Vec<String> = gids.iter().map(|g| self.group(*g)).collect();
        names.join(",")
    }
}

/// Id to name, from the first and third fields of a passwd or group file.
fn names(path: &str) -> HashMap<u32, String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter_map(|line| {
            let mut fields = line.split(':');
            let name = fields.next()?;
            let id = fields.nth(1)?.parse().ok()?;
            Some((id, name.to_owned()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_names_by_id() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("etc")).unwrap();
        std::fs::write(dir.path().join("etc/passwd"), "root:x:0:0::/root:/bin/sh\n").unwrap();
        let accounts = super::Accounts::of_root(dir.path().to_str().unwrap());
        assert_eq!(accounts.user(0), "root");
        assert_eq!(accounts.user(7), "7");
        assert_eq!(accounts.groups(&[0, 5]), "0,5");
    }
}
