//! `-u name|uid[:group|gid]` resolved through the image's /etc/passwd and /etc/group,
//! with Docker's rules: a numeric uid need not exist (its gid is then 0), a name must.

use super::RuntimeError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedUser {
    pub uid: u32,
    pub gid: u32,
    /// Supplementary groups: the primary one, then those /etc/group lists the user's
    /// name in (as Docker sets them).
    pub additional_gids: Vec<u32>,
    /// From /etc/passwd when the user is there.
    pub home: Option<String>,
}

/// `spec` is what the user (or the image's User) said; empty means root.
pub fn resolve(spec: &str, passwd: &str, group: &str) -> Result<ResolvedUser, RuntimeError> {
    let (user, grp) = match spec.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (spec, None),
    };
    let user = if user.is_empty() { "0" } else { user };
    let entry = passwd.lines().filter_map(PasswdEntry::parse).find(|e| {
        user.parse::<u32>()
            .map_or(e.name == user, |uid| e.uid == uid)
    });
    let (uid, mut gid, name, home) = match (&entry, user.parse::<u32>()) {
        (Some(e), _) => (e.uid, e.gid, Some(e.name), Some(e.home.to_owned())),
        (None, Ok(uid)) => (uid, 0, None, None),
        (None, Err(_)) => {
            return Err(RuntimeError::UnknownUser(format!(
                "unable to find user {user}: no matching entries in the image's /etc/passwd"
            )))
        }
    };
    let groups: Vec<GroupEntry> = group.lines().filter_map(GroupEntry::parse).collect();
    if let Some(g) = grp.filter(|g| !g.is_empty()) {
        gid = match (g.parse::<u32>(), groups.iter().find(|e| e.name == g)) {
            (Ok(n), _) => n,
            (Err(_), Some(e)) => e.gid,
            (Err(_), None) => {
                return Err(RuntimeError::UnknownUser(format!(
                    "unable to find group {g}: no matching entries in the image's /etc/group"
                )))
            }
        };
    }
    // An explicit group replaces the supplementary ones, as in Docker.
    let mut additional_gids = vec![gid];
    if let (Some(name), None) = (name, grp) {
        additional_gids.extend(
            groups
                .iter()
                .filter(|e| e.gid != gid && e.members.contains(&name))
                .map(|e| e.gid),
        );
    }
    Ok(ResolvedUser {
        uid,
        gid,
        additional_gids,
        home,
    })
}

/// Refuses what can never resolve, before anything is pulled or created.
pub fn check_syntax(spec: &str) -> Result<(), RuntimeError> {
    let bad = spec.split(':').count() > 2
        || spec
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '/');
    if bad {
        return Err(RuntimeError::Invalid(format!(
            "invalid user {spec:?}: use name|uid[:group|gid]"
        )));
    }
    Ok(())
}

struct PasswdEntry<'a> {
    name: &'a str,
    uid: u32,
    gid: u32,
    home: &'a str,
}

impl<'a> PasswdEntry<'a> {
    fn parse(line: &'a str) -> Option<Self> {
        let f: Vec<&str> = line.split(':').collect();
        if f.len() < 6 {
            return None;
        }
        Some(PasswdEntry {
            name: f[0],
            uid: f[2].parse().ok()?,
            gid: f[3].parse().ok()?,
            home: f[5],
        })
    }
}

/// `--group-add`: a gid as is, a name looked up in the image's /etc/group.
pub fn group_gid(group: &str, group_file: &str) -> Result<u32, RuntimeError> {
    if let Ok(gid) = group.parse() {
        return Ok(gid);
    }
    group_file
        .lines()
        .filter_map(GroupEntry::parse)
        .find(|e| e.name == group)
        .map(|e| e.gid)
        .ok_or_else(|| {
            RuntimeError::UnknownUser(format!(
                "unable to find group {group}: no matching entries in the image's /etc/group"
            ))
        })
}

struct GroupEntry<'a> {
    name: &'a str,
    gid: u32,
    members: Vec<&'a str>,
}

impl<'a> GroupEntry<'a> {
    fn parse(line: &'a str) -> Option<Self> {
        let f: Vec<&str> = line.split(':').collect();
        if f.len() < 4 {
            return None;
        }
        Some(GroupEntry {
            name: f[0],
            gid: f[2].parse().ok()?,
            members: f[3].split(',').filter(|m| !m.is_empty()).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWD: &str = "root:x:0:0:root:/root:/bin/sh\n\
        daemon:x:1:1:daemon:/usr/sbin:/bin/false\n\
        alice:x:1000:1000:Alice:/home/alice:/bin/sh\n";
    const GROUP: &str = "root:x:0:\nwheel:x:10:alice,bob\nalice:x:1000:\naudio:x:29:alice\n";

    #[test]
    fn empty_means_root() {
        let u = resolve("", PASSWD, GROUP).unwrap();
        assert_eq!((u.uid, u.gid), (0, 0));
        assert_eq!(u.home.as_deref(), Some("/root"));
    }

    #[test]
    fn names_resolve_with_their_groups() {
        let u = resolve("alice", PASSWD, GROUP).unwrap();
        assert_eq!((u.uid, u.gid), (1000, 1000));
        assert_eq!(u.additional_gids, vec![1000, 10, 29]);
        assert_eq!(u.home.as_deref(), Some("/home/alice"));
    }

    #[test]
    fn numeric_ids_need_not_exist() {
        let u = resolve("4242", PASSWD, GROUP).unwrap();
        assert_eq!((u.uid, u.gid, u.home), (4242, 0, None));
        let u = resolve("1000:29", PASSWD, GROUP).unwrap();
        assert_eq!((u.uid, u.gid), (1000, 29));
        assert_eq!(u.additional_gids, vec![29]);
    }

    #[test]
    fn group_names_resolve() {
        let u = resolve("daemon:wheel", PASSWD, GROUP).unwrap();
        assert_eq!((u.uid, u.gid), (1, 10));
    }

    #[test]
    fn unknown_names_are_errors() {
        assert!(matches!(
            resolve("mallory", PASSWD, GROUP),
            Err(RuntimeError::UnknownUser(_))
        ));
        assert!(matches!(
            resolve("alice:nogroup", PASSWD, GROUP),
            Err(RuntimeError::UnknownUser(_))
        ));
        assert!(resolve("1000", "", "").is_ok());
    }

    #[test]
    fn syntax_is_checked_early() {
        assert!(check_syntax("alice:wheel").is_ok());
        assert!(check_syntax("a:b:c").is_err());
        assert!(check_syntax("bad name").is_err());
    }
}
