//! `--passwd` and `--passwd-entry`, as Podman's: a container that runs as a
//! uid its image's /etc/passwd does not know gets a line for it (and one in
//! /etc/group for its gid), so that `id`, `whoami` and shells know the user.

/// Podman's line: `UID:*:UID:GID:container user:HOME:/bin/sh`.
const DEFAULT_ENTRY: &str = "$USERNAME:*:$UID:$GID:$NAME:$HOME:/bin/sh";

/// The container's user as the entries name it.
pub struct User<'a> {
    pub uid: u32,
    pub gid: u32,
    /// The working directory, Podman's home for an unknown user.
    pub home: &'a str,
}

/// The files to bind over the image's, with the lines added; none for root or
/// for a uid (gid) the image knows.
pub fn entries(
    passwd: &str,
    group: &str,
    user: &User,
    template: Option<&str>,
) -> Vec<(&'static str, String)> {
    let known = |file: &str, id: u32| {
        file.lines()
            .any(|l| l.split(':').nth(2) == Some(id.to_string().as_str()))
    };
    if user.uid == 0 || known(passwd, user.uid) {
        return Vec::new();
    }
    let name = user.uid.to_string();
    let line = template
        .unwrap_or(DEFAULT_ENTRY)
        .replace("$USERNAME", &name)
        .replace("$UID", &name)
        .replace("$GID", &user.gid.to_string())
        .replace("$NAME", "container user")
        .replace("$HOME", user.home);
    let mut files = vec![("passwd", format!("{}{line}\n", with_newline(passwd)))];
    if !known(group, user.gid) {
        let gid = user.gid;
        files.push((
            "group",
            format!("{}{gid}:x:{gid}:{name}\n", with_newline(group)),
        ));
    }
    files
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

    const USER: User = User {
        uid: 1234,
        gid: 5678,
        home: "/",
    };

    #[test]
    fn unknown_uids_get_podmans_lines() {
        assert_eq!(
            entries("", "", &USER, None),
            [
                (
                    "passwd",
                    "1234:*:1234:5678:container user:/:/bin/sh\n".to_owned()
                ),
                ("group", "5678:x:5678:1234\n".to_owned()),
            ]
        );
        let template = "$USERNAME:x:$UID:$GID:$NAME:$HOME:/bin/false";
        assert_eq!(
            entries(
                "root:x:0:0::/root:/bin/sh",
                "g:x:5678:",
                &USER,
                Some(template)
            ),
            [(
                "passwd",
                "root:x:0:0::/root:/bin/sh\n1234:x:1234:5678:container user:/:/bin/false\n"
                    .to_owned()
            )]
        );
    }

    #[test]
    fn root_and_known_uids_get_nothing() {
        let root = User { uid: 0, ..USER };
        assert!(entries("", "", &root, None).is_empty());
        assert!(entries("u:x:1234:1::/:/bin/sh", "", &USER, None).is_empty());
    }
}
