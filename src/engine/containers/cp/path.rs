//! `cp`'s paths and Docker's rules for where a copy lands. Pure decisions only.

/// A path in the container, as given after `CONTAINER:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerPath {
    /// Normalised, relative to the container's root ("" is the root itself).
    pub rel: String,
    /// Given with a trailing `/`: it must be a directory.
    pub dir_hint: bool,
    /// Given as `DIR/.`: a directory's contents, not the directory.
    pub contents: bool,
}

/// Parses a container path (relative ones are taken from the root, as Docker
/// does). One that climbs above the root is refused: Docker quietly clamps it to
/// the root, which turns a mistyped path into a copy of something else.
pub fn container_path(given: &str) -> Result<ContainerPath, String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in given.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err(format!(
                        "the path {given:?} leads outside the container's root filesystem"
                    ));
                }
            }
            part => parts.push(part),
        }
    }
    Ok(ContainerPath {
        rel: parts.join("/"),
        dir_hint: given.ends_with('/') || given.ends_with("/.") || given == ".",
        contents: given.ends_with("/.") || given == "." || parts.is_empty(),
    })
}

/// What is at the destination already.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dest {
    Missing,
    File,
    Dir,
}

/// Where the copy goes: into the destination (a directory) or beside it (into its
/// parent, under the destination's own name), and under which top name (`None`:
/// the source directory's contents, without it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub into_dest: bool,
    pub name: Option<String>,
}

/// Docker's rules (docs of `docker cp`): a file overwrites a file, goes into a
/// directory under its own name, or is created as the destination; a directory is
/// created as the destination, copied into an existing one, or only its contents
/// (`SRC/.`) are.
pub fn place(
    src_is_dir: bool,
    src_name: &str,
    src_contents: bool,
    dest: Dest,
    dest_given: &str,
    dest_dir_hint: bool,
) -> Result<Placement, String> {
    let dest_name = || {
        dest_given
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_owned()
    };
    let beside = || Placement {
        into_dest: false,
        name: Some(dest_name()),
    };
    match (src_is_dir, dest) {
        (false, Dest::Missing) if dest_dir_hint => Err(format!(
            "the destination directory {dest_given} does not exist"
        )),
        (_, Dest::Missing) | (false, Dest::File) => Ok(beside()),
        (true, Dest::File) => Err(format!(
            "cannot copy a directory to a file: {dest_given} is a file"
        )),
        (false, Dest::Dir) => Ok(Placement {
            into_dest: true,
            name: Some(src_name.to_owned()),
        }),
        (true, Dest::Dir) => Ok(Placement {
            into_dest: true,
            name: (!src_contents).then(|| src_name.to_owned()),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn container_paths_are_normalised_and_cannot_climb_out() {
        let p = container_path("/etc/../etc/./passwd").unwrap();
        assert_eq!(p.rel, "etc/passwd");
        assert!(!p.dir_hint && !p.contents);
        let p = container_path("tmp/dir/.").unwrap();
        assert_eq!(
            (p.rel.as_str(), p.dir_hint, p.contents),
            ("tmp/dir", true, true)
        );
        assert!(container_path("/tmp/").unwrap().dir_hint);
        assert_eq!(container_path("/").unwrap().rel, "");
        assert!(container_path("../../etc/passwd").is_err());
        assert!(container_path("/tmp/../../x").is_err());
    }

    fn placed(src_dir: bool, contents: bool, dest: Dest, given: &str) -> Result<Placement, String> {
        place(src_dir, "src", contents, dest, given, given.ends_with('/'))
    }

    #[test]
    fn a_file_lands_as_docker_says() {
        let beside = |n: &str| Placement {
            into_dest: false,
            name: Some(n.into()),
        };
        assert_eq!(
            placed(false, false, Dest::Missing, "/d/new"),
            Ok(beside("new"))
        );
        assert!(placed(false, false, Dest::Missing, "/d/new/").is_err());
        assert_eq!(
            placed(false, false, Dest::File, "/d/old"),
            Ok(beside("old"))
        );
        let into = Placement {
            into_dest: true,
            name: Some("src".into()),
        };
        assert_eq!(placed(false, false, Dest::Dir, "/d"), Ok(into));
    }

    #[test]
    fn a_directory_lands_as_docker_says() {
        let beside = Placement {
            into_dest: false,
            name: Some("new".into()),
        };
        assert_eq!(placed(true, false, Dest::Missing, "/d/new"), Ok(beside));
        assert!(placed(true, false, Dest::File, "/d/file").is_err());
        let into = Placement {
            into_dest: true,
            name: Some("src".into()),
        };
        assert_eq!(placed(true, false, Dest::Dir, "/d"), Ok(into));
        let contents = Placement {
            into_dest: true,
            name: None,
        };
        assert_eq!(placed(true, true, Dest::Dir, "/d"), Ok(contents));
    }
}
