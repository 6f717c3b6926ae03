//! keep-id's entries for the caller in the container's /etc/passwd and /etc/group,
//! added as Podman adds them when the image has none for those ids, so that
//! `id`, `whoami` and shells know who the user is.

/// Who the caller is on the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostUser {
    pub name: String,
    pub home: String,
}

impl HostUser {
    /// The host's entry for `uid`; a user with none gets a name of the number.
    pub fn lookup(uid: u32) -> HostUser {
        match nix::unistd::User::from_uid(uid.into()).ok().flatten() {
            Some(u) => HostUser {
                name: u.name,
                home: u.dir.display().to_string(),
            },
            None => HostUser {
                name: uid.to_string(),
                home: "/".into(),
            },
        }
    }
}

/// The image's passwd with a line for `uid`, or `None` when it has one.
pub fn passwd_with(passwd: &str, user: &HostUser, uid: u32, gid: u32) -> Option<String> {
    let has = passwd
        .lines()
        .any(|l| l.split(':').nth(2) == Some(&uid.to_string()));
    (!has).then(|| {
        let name = &user.name;
        let home = &user.home;
        format!(
            "{}{name}:*:{uid}:{gid}:{name}:{home}:/bin/sh\n",
            with_newline(passwd)
        )
    })
}

/// The image's group with a line for `gid`, or `None` when it has one.
pub fn group_with(group: &str, user: &HostUser, gid: u32) -> Option<String> {
    let has = group
        .lines()
        .any(|l| l.split(':').nth(2) == Some(&gid.to_string()));
    (!has).then(|| format!("{}{}:x:{gid}:\n", with_newline(group), user.name))
}

fn with_newline(text: &str) -> String {
    match text.is_empty() || text.ends_with('\n') {
        true => text.to_owned(),
        false => format!("{text}\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alice() -> HostUser {
        HostUser {
            name: "alice".into(),
            home: "/home/alice".into(),
        }
    }

    #[test]
    fn the_caller_is_added_when_missing() {
        let passwd = "root:x:0:0:root:/root:/bin/sh";
        assert_eq!(
            passwd_with(passwd, &alice(), 1000, 1000).unwrap(),
            "root:x:0:0:root:/root:/bin/sh\nalice:*:1000:1000:alice:/home/alice:/bin/sh\n"
        );
        assert_eq!(passwd_with(passwd, &alice(), 0, 0), None);
        assert_eq!(
            group_with("root:x:0:\n", &alice(), 1000).unwrap(),
            "root:x:0:\nalice:x:1000:\n"
        );
        assert_eq!(group_with("root:x:0:\n", &alice(), 0), None);
    }
}
