//! `RUN --mount=...` as BuildKit spells it and buildah accepts it, parsed and
//! checked when the step is prepared, before anything is resolved or run.

use super::instructions::absolute;
use super::parse::Instruction;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunMount {
    /// Absolute; a relative one is taken from the working directory, as BuildKit does.
    pub target: String,
    pub kind: MountKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MountKind {
    /// The context's `source`, or `from` a stage or image; writes (`rw`) go to a
    /// throwaway layer, never to the source.
    Bind {
        from: Option<String>,
        source: String,
        rw: bool,
    },
    /// A directory kept under the graph root between builds, by `id`. With
    /// `from`, a stage's or image's `source` instead, its writes thrown away (as
    /// buildah does).
    Cache {
        id: String,
        sharing: Sharing,
        from: Option<String>,
        source: String,
        ro: bool,
        owner: Owner,
    },
    Tmpfs {
        size: Option<String>,
    },
    /// The `--secret` given with this id, as a read-only file.
    Secret {
        id: String,
        required: bool,
        owner: Owner,
    },
}

/// Who owns a cache directory or secret file the build makes, and its mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owner {
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
}

/// What a cache mount does when another build uses the same id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sharing {
    /// Every user writes to it at once.
    Shared,
    /// A user that finds it in use gets an empty one of its own.
    Private,
    /// A user waits until the others are done.
    Locked,
}

/// The `from=` names of a RUN's mounts, unexpanded: stages the step needs built.
pub fn from_names(instr: &Instruction) -> Vec<&str> {
    instr
        .flags
        .iter()
        .filter(|(name, _)| name == "mount")
        .flat_map(|(_, value)| value.split(','))
        .filter_map(|field| field.strip_prefix("from="))
        .collect()
}

/// Parses the `--mount`s of a RUN that use no variables, for what can be refused
/// before the build starts (their targets taken from `/`).
pub fn literal(instr: &Instruction) -> Result<Vec<RunMount>, String> {
    let literal: Vec<String> = instr
        .flags
        .iter()
        .filter(|(name, value)| name == "mount" && !value.contains('$'))
        .map(|(_, value)| value.clone())
        .collect();
    parse_all(&literal, "/")
}

/// Parses every `--mount` of a RUN (values already expanded); two on one target
/// are refused.
pub fn parse_all(values: &[String], workdir: &str) -> Result<Vec<RunMount>, String> {
    let mut mounts: Vec<RunMount> = Vec::new();
    for value in values {
        let mount = parse(value, workdir)?;
        if mounts.iter().any(|m| m.target == mount.target) {
            return Err(format!(
                "RUN --mount: {}: duplicate mount destination",
                mount.target
            ));
        }
        mounts.push(mount);
    }
    Ok(mounts)
}

/// The fields of one `--mount` value, after `type=`.
struct Fields<'a> {
    kind: &'a str,
    pairs: Vec<(&'a str, Option<&'a str>)>,
}

impl<'a> Fields<'a> {
    fn take(&mut self, names: &[&str]) -> Option<Option<&'a str>> {
        let mut found = None;
        self.pairs.retain(|(name, value)| {
            let hit = names.contains(name);
            if hit {
                found = Some(*value);
            }
            !hit
        });
        found
    }

    fn text(&mut self, names: &[&str]) -> Result<Option<String>, String> {
        match self.take(names) {
            None => Ok(None),
            Some(Some(v)) if !v.is_empty() => Ok(Some(v.to_owned())),
            Some(_) => Err(format!(
                "RUN --mount: {}: must provide an argument for option",
                names[0]
            )),
        }
    }

    fn flag(&mut self, names: &[&str]) -> Result<Option<bool>, String> {
        match self.take(names) {
            None => Ok(None),
            Some(None) => Ok(Some(true)),
            Some(Some(v)) => v
                .parse()
                .map(Some)
                .map_err(|_| format!("RUN --mount: {}={v}: use true or false", names[0])),
        }
    }

    fn number(&mut self, name: &str, radix: u32, max: u32) -> Result<Option<u32>, String> {
        self.text(&[name])?
            .map(|v| {
                u32::from_str_radix(&v, radix)
                    .ok()
                    .filter(|n| *n <= max)
                    .ok_or_else(|| format!("RUN --mount: {name}={v} is not a valid {name}"))
            })
            .transpose()
    }

    fn owner(&mut self, default_mode: u32) -> Result<Owner, String> {
        Ok(Owner {
            mode: self.number("mode", 8, 0o7777)?.unwrap_or(default_mode),
            uid: self.number("uid", 10, u32::MAX)?.unwrap_or(0),
            gid: self.number("gid", 10, u32::MAX)?.unwrap_or(0),
        })
    }

    /// Whatever is left was not an option of this type.
    fn done(self) -> Result<(), String> {
        match self.pairs.first() {
            None => Ok(()),
            Some((name, _)) => Err(format!(
                "RUN --mount: {name}: invalid mount option for type={}",
                self.kind
            )),
        }
    }
}

fn parse(value: &str, workdir: &str) -> Result<RunMount, String> {
    let pairs: Vec<(&str, Option<&str>)> = value
        .split(',')
        .filter(|f| !f.is_empty())
        .map(|f| match f.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (f, None),
        })
        .collect();
    let mut fields = Fields { kind: "", pairs };
    // BuildKit's default type.
    let kind = fields.text(&["type"])?.unwrap_or_else(|| "bind".to_owned());
    let kind: &str = match kind.as_str() {
        "bind" => "bind",
        "cache" => "cache",
        "tmpfs" => "tmpfs",
        "secret" => "secret",
        other => {
            return Err(format!(
                "RUN --mount: invalid mount type {other:?}: use bind, cache, tmpfs or secret"
            ))
        }
    };
    fields.kind = kind;
    let target = fields
        .text(&["target", "dst", "destination"])?
        .map(|t| absolute(workdir, &t));
    if target.as_deref() == Some("/") {
        return Err("RUN --mount: target=/ would hide the whole image".to_owned());
    }
    let need_target = || {
        target
            .clone()
            .ok_or_else(|| format!("RUN --mount: type={kind} needs target=PATH"))
    };
    let mount = match kind {
        "bind" => {
            let from = fields.text(&["from"])?;
            let source = fields.text(&["source", "src"])?.unwrap_or_default();
            if from.is_none() && super::copy::climbs_out(&source) {
                return Err(format!(
                    "RUN --mount: source {source:?} is outside the build context"
                ));
            }
            let rw = fields.flag(&["rw", "readwrite"])?.unwrap_or(false);
            RunMount {
                target: need_target()?,
                kind: MountKind::Bind { from, source, rw },
            }
        }
        "cache" => {
            let target = need_target()?;
            let sharing = match fields.text(&["sharing"])?.as_deref() {
                None | Some("shared") => Sharing::Shared,
                Some("private") => Sharing::Private,
                Some("locked") => Sharing::Locked,
                Some(other) => {
                    return Err(format!(
                        "RUN --mount: sharing={other}: use shared, private or locked"
                    ))
                }
            };
            RunMount {
                kind: MountKind::Cache {
                    id: fields.text(&["id"])?.unwrap_or_else(|| target.clone()),
                    sharing,
                    from: fields.text(&["from"])?,
                    source: fields.text(&["source", "src"])?.unwrap_or_default(),
                    ro: fields.flag(&["ro", "readonly"])?.unwrap_or(false),
                    owner: fields.owner(0o755)?,
                },
                target,
            }
        }
        "tmpfs" => {
            let size = fields.text(&["size", "tmpfs-size"])?;
            if let Some(s) = &size {
                check_size(s)?;
            }
            RunMount {
                target: need_target()?,
                kind: MountKind::Tmpfs { size },
            }
        }
        _ => {
            let id = fields.text(&["id"])?;
            // BuildKit: the id defaults to the target's name, the target to
            // /run/secrets/ID.
            let id = match (id, &target) {
                (Some(id), _) => id,
                (None, Some(t)) => t.rsplit('/').next().unwrap_or_default().to_owned(),
                (None, None) => {
                    return Err("RUN --mount: type=secret needs id=ID or target=PATH".to_owned())
                }
            };
            RunMount {
                target: target.unwrap_or_else(|| absolute("/run/secrets", &id)),
                kind: MountKind::Secret {
                    required: fields.flag(&["required"])?.unwrap_or(false),
                    owner: fields.owner(0o400)?,
                    id,
                },
            }
        }
    };
    fields.done()?;
    Ok(mount)
}

/// tmpfs's own spelling: a number of bytes, or of k, m or g.
fn check_size(size: &str) -> Result<(), String> {
    let digits = size.trim_end_matches(['k', 'K', 'm', 'M', 'g', 'G']);
    let ok = !digits.is_empty()
        && size.len() - digits.len() <= 1
        && digits.bytes().all(|b| b.is_ascii_digit());
    match ok {
        true => Ok(()),
        false => Err(format!(
            "RUN --mount: size={size}: give bytes, or a number with k, m or g"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(value: &str) -> Result<RunMount, String> {
        parse(value, "/work")
    }

    #[test]
    fn each_type_with_its_defaults() {
        assert_eq!(
            one("type=cache,target=/root/.cache").unwrap(),
            RunMount {
                target: "/root/.cache".into(),
                kind: MountKind::Cache {
                    id: "/root/.cache".into(),
                    sharing: Sharing::Shared,
                    from: None,
                    source: String::new(),
                    ro: false,
                    owner: Owner {
                        mode: 0o755,
                        uid: 0,
                        gid: 0
                    },
                },
            }
        );
        assert_eq!(
            one("target=src,source=app").unwrap(),
            RunMount {
                target: "/work/src".into(),
                kind: MountKind::Bind {
                    from: None,
                    source: "app".into(),
                    rw: false
                },
            }
        );
        assert_eq!(
            one("type=secret,id=tok,required,mode=0440,uid=5").unwrap(),
            RunMount {
                target: "/run/secrets/tok".into(),
                kind: MountKind::Secret {
                    id: "tok".into(),
                    required: true,
                    owner: Owner {
                        mode: 0o440,
                        uid: 5,
                        gid: 0
                    },
                },
            }
        );
        let secret = one("type=secret,dst=/etc/key").unwrap();
        assert!(
            matches!(secret.kind, MountKind::Secret { ref id, required: false, .. } if id == "key")
        );
        let tmp = one("type=tmpfs,dst=/t,size=64m").unwrap();
        assert_eq!(
            tmp.kind,
            MountKind::Tmpfs {
                size: Some("64m".into())
            }
        );
    }

    #[test]
    fn bad_input_says_what_is_wrong() {
        let err = |v: &str| one(v).unwrap_err();
        assert_eq!(
            err("type=volume,target=/x"),
            "RUN --mount: invalid mount type \"volume\": use bind, cache, tmpfs or secret"
        );
        assert_eq!(
            err("type=cache,target=/x,colour=red"),
            "RUN --mount: colour: invalid mount option for type=cache"
        );
        assert_eq!(
            err("type=tmpfs,target=/x,from=a"),
            "RUN --mount: from: invalid mount option for type=tmpfs"
        );
        assert_eq!(
            err("type=cache"),
            "RUN --mount: type=cache needs target=PATH"
        );
        assert!(err("type=cache,target=/x,sharing=sometimes").contains("sharing"));
        assert!(err("type=cache,target=/x,mode=99").contains("mode=99"));
        assert!(err("type=tmpfs,target=/x,size=lots").contains("size=lots"));
        assert!(err("type=cache,target=/x,id=").contains("id: must provide"));
        assert!(err("type=secret").contains("needs id"));
        assert!(err("source=a/../../x,target=/x").contains("outside the build context"));
        assert!(one("from=stage,source=../x,target=/x").is_ok());
        assert!(parse_all(
            &["type=tmpfs,target=/x".into(), "type=cache,target=/x".into()],
            "/"
        )
        .unwrap_err()
        .contains("duplicate"));
    }

    #[test]
    fn from_names_find_the_stages_a_run_needs() {
        let instr = super::super::parse::parse_line(
            "RUN --mount=type=bind,from=builder,target=/b --mount=type=cache,target=/c --network=none true",
            1,
        )
        .unwrap();
        assert_eq!(from_names(&instr), ["builder"]);
    }
}
