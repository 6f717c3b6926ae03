//! What each instruction does to the image being built. `prepare` applies the
//! config changes to the next state and says what work remains (a RUN, a COPY, a
//! directory to create) and what the cache must key on; the executor then looks the
//! step up in the cache or does the work.

use super::expand::{self, Lookup};
use super::image::ImageState;
use super::mount_spec::{self, RunMount};
use super::parse::{Heredoc, Instruction};
use super::BuildError;
use serde_json::{json, Value};

/// Docker's shell for the shell form.
pub fn default_shell() -> Vec<String> {
    vec!["/bin/sh".to_owned(), "-c".to_owned()]
}

/// The build args any Dockerfile may use without declaring them (Docker's list);
/// they stay out of the image's history and the cache key.
pub const PROXY_ARGS: [&str; 10] = [
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "FTP_PROXY",
    "ftp_proxy",
    "NO_PROXY",
    "no_proxy",
    "ALL_PROXY",
    "all_proxy",
];

/// The work a step needs besides its config changes.
pub enum Action {
    /// Only the config changed.
    Config,
    /// An ARG: no image is made.
    Declare,
    Run {
        argv: Vec<String>,
        env: Vec<String>,
        network: Option<String>,
        mounts: Vec<RunMount>,
    },
    Copy(CopySpec),
    /// WORKDIR naming a directory the image does not have.
    Mkdir(String),
}

pub struct CopySpec {
    pub add: bool,
    pub from: Option<String>,
    pub sources: Vec<String>,
    pub heredocs: Vec<Heredoc>,
    /// Absolute, with a trailing `/` kept (it means "into this directory").
    pub dest: String,
    pub chown: Option<String>,
    pub chmod: Option<u32>,
}

pub struct Prepared {
    pub action: Action,
    /// What, besides the parent image and the instruction's text, decides the result.
    pub key_extra: String,
    pub created_by: String,
}

/// The variables of a stage: ENV wins over ARG, as in Docker.
pub struct Scope<'a> {
    pub state: &'a ImageState,
    pub args: &'a [(String, Option<String>)],
}

impl Scope<'_> {
    pub fn get(&self, name: &str) -> Option<String> {
        self.state.env_value(name).or_else(|| {
            self.args
                .iter()
                .rev()
                .find(|(n, _)| n == name)
                .and_then(|(_, v)| v.clone())
        })
    }
}

fn invalid(message: impl Into<String>) -> BuildError {
    BuildError::Invalid(message.into())
}

fn nop(instr: &Instruction) -> String {
    format!("/bin/sh -c #(nop) {}", instr.display())
}

/// Applies `instr` to `next` (a copy of the parent state) and returns the remaining work.
pub fn prepare(
    instr: &Instruction,
    next: &mut ImageState,
    args: &[(String, Option<String>)],
    shell: &[String],
    escape: char,
) -> Result<Prepared, BuildError> {
    let snapshot = next.clone();
    let scope = Scope {
        state: &snapshot,
        args,
    };
    let lookup = |n: &str| scope.get(n);
    let vars: Lookup = &lookup;
    let word = |text: &str| expand::word(text, escape, vars).map_err(invalid);
    let words = |text: &str| expand::words(text, escape, vars).map_err(invalid);
    let config_only = |next: &ImageState| Prepared {
        action: Action::Config,
        key_extra: next.config["config"].to_string(),
        created_by: nop(instr),
    };
    match instr.keyword.as_str() {
        "ENV" => {
            for (k, v) in pairs(&instr.args, escape, vars)? {
                next.set_env(&k, &v);
            }
        }
        "LABEL" => {
            for (k, v) in pairs(&instr.args, escape, vars)? {
                next.insert_into("Labels", &k, json!(v));
            }
        }
        "MAINTAINER" => next.config["author"] = json!(word(&instr.args)?),
        "EXPOSE" => {
            for port in words(&instr.args)? {
                let port = if port.contains('/') {
                    port.to_ascii_lowercase()
                } else {
                    format!("{port}/tcp")
                };
                next.insert_into("ExposedPorts", &port, json!({}));
            }
        }
        "VOLUME" => {
            let volumes = match instr.exec_form() {
                Some(v) => v.iter().map(|v| word(v)).collect::<Result<_, _>>()?,
                None => words(&instr.args)?,
            };
            for v in volumes {
                next.insert_into("Volumes", &v, json!({}));
            }
        }
        "USER" => next.set("User", json!(word(&instr.args)?)),
        "STOPSIGNAL" => next.set("StopSignal", json!(word(&instr.args)?)),
        "CMD" => next.set("Cmd", json!(command(instr, shell))),
        "ENTRYPOINT" => next.set("Entrypoint", json!(command(instr, shell))),
        "SHELL" => {
            let shell = instr.exec_form().filter(|s| !s.is_empty()).ok_or_else(|| {
                invalid("SHELL takes a JSON array: SHELL [\"executable\", \"param\"]")
            })?;
            next.set("Shell", json!(shell));
        }
        "ONBUILD" => {
            let trigger = instr.args.trim();
            let first = trigger
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_ascii_uppercase();
            if ["ONBUILD", "FROM", "MAINTAINER"].contains(&first.as_str()) {
                return Err(invalid(format!(
                    "{first} is not allowed as an ONBUILD trigger"
                )));
            }
            let mut triggers = next.strings("OnBuild");
            triggers.push(trigger.to_owned());
            next.set("OnBuild", json!(triggers));
        }
        "HEALTHCHECK" => next.set("Healthcheck", healthcheck(instr)?),
        "WORKDIR" => {
            let dir = word(&instr.args)?;
            let base = next.text("WorkingDir");
            let path = absolute(&base, &dir);
            next.set("WorkingDir", json!(path));
            return Ok(Prepared {
                action: Action::Mkdir(path),
                key_extra: next.config["config"].to_string(),
                created_by: nop(instr),
            });
        }
        "ARG" => {
            return Ok(Prepared {
                action: Action::Declare,
                key_extra: String::new(),
                created_by: String::new(),
            })
        }
        "RUN" => return run(instr, next, &scope, shell, escape),
        "COPY" | "ADD" => return copy(instr, next, escape, vars),
        other => return Err(invalid(format!("{other} cannot be used here"))),
    }
    Ok(config_only(next))
}

/// The declarations of an ARG instruction: `NAME[=default]...`, defaults expanded.
pub fn arg_declarations(
    instr: &Instruction,
    escape: char,
    vars: Lookup,
) -> Result<Vec<(String, Option<String>)>, BuildError> {
    expand::split_raw(&instr.args, escape)
        .iter()
        .map(|w| match w.split_once('=') {
            Some((k, v)) => Ok((
                k.to_owned(),
                Some(expand::word(v, escape, vars).map_err(invalid)?),
            )),
            None => Ok((w.clone(), None)),
        })
        .collect()
}

/// `K=V K2="v 2"`, or the legacy `K value with spaces`.
fn pairs(text: &str, escape: char, vars: Lookup) -> Result<Vec<(String, String)>, BuildError> {
    let raw = expand::split_raw(text, escape);
    let first = raw.first().ok_or_else(|| invalid("missing KEY=VALUE"))?;
    if !first.contains('=') {
        let value = text.trim_start()[first.len()..].trim();
        if value.is_empty() {
            return Err(invalid(format!("{first} needs a value: use KEY=VALUE")));
        }
        let key = expand::word(first, escape, vars).map_err(invalid)?;
        return Ok(vec![(
            key,
            expand::word(value, escape, vars).map_err(invalid)?,
        )]);
    }
    raw.iter()
        .map(|w| {
            let (k, v) = w
                .split_once('=')
                .ok_or_else(|| invalid(format!("{w:?} is not KEY=VALUE")))?;
            let key = expand::word(k, escape, vars).map_err(invalid)?;
            if key.is_empty() {
                return Err(invalid(format!("{w:?} has an empty key")));
            }
            Ok((key, expand::word(v, escape, vars).map_err(invalid)?))
        })
        .collect()
}

fn command(instr: &Instruction, shell: &[String]) -> Vec<String> {
    instr.exec_form().unwrap_or_else(|| {
        let mut argv = shell.to_vec();
        argv.push(instr.args.clone());
        argv
    })
}

/// `/a` + `b` -> `/a/b`; absolute paths replace; `.` and `..` resolved.
pub fn absolute(base: &str, path: &str) -> String {
    let joined = if path.starts_with('/') {
        path.to_owned()
    } else {
        format!("{}/{path}", if base.is_empty() { "/" } else { base })
    };
    format!("/{}", super::ignore::clean(&joined))
}

fn run(
    instr: &Instruction,
    next: &ImageState,
    scope: &Scope,
    shell: &[String],
    escape: char,
) -> Result<Prepared, BuildError> {
    let lookup = |n: &str| scope.get(n);
    let mut mount_values = Vec::new();
    for (flag, value) in &instr.flags {
        match flag.as_str() {
            "network" => {}
            // BuildKit expands build args and ENV in mount options.
            "mount" => mount_values.push(expand::word(value, escape, &lookup).map_err(invalid)?),
            _ => {
                return Err(invalid(format!(
                    "RUN --{flag} is not supported: only --network and --mount"
                )))
            }
        }
    }
    let mounts = mount_spec::parse_all(&mount_values, &next.text("WorkingDir")).map_err(invalid)?;
    let argv = match instr.exec_form() {
        Some(argv) if !argv.is_empty() => argv,
        Some(_) => return Err(invalid("RUN [] has no command")),
        None => super::run::shell_argv(shell, &instr.args, &instr.heredocs),
    };
    let mut env: Vec<String> = Vec::new();
    for (name, value) in scope.args {
        let Some(value) = value else { continue };
        if next.env_value(name).is_none() && !env.iter().any(|e| e.starts_with(&format!("{name}=")))
        {
            env.push(format!("{name}={value}"));
        }
    }
    env.sort();
    let hidden: Vec<&String> = env
        .iter()
        .filter(|e| !PROXY_ARGS.iter().any(|p| e.starts_with(&format!("{p}="))))
        .collect();
    let created_by = if hidden.is_empty() {
        argv.join(" ")
    } else {
        let shown: Vec<&str> = hidden.iter().map(|s| s.as_str()).collect();
        format!("|{} {} {}", shown.len(), shown.join(" "), argv.join(" "))
    };
    let key_extra = json!({
        "argv": argv, "env": hidden, "network": instr.flag("network"),
        "mounts": format!("{mounts:?}"),
    })
    .to_string();
    Ok(Prepared {
        action: Action::Run {
            argv,
            env,
            network: instr.flag("network").map(str::to_owned),
            mounts,
        },
        key_extra,
        created_by,
    })
}

fn copy(
    instr: &Instruction,
    next: &ImageState,
    escape: char,
    vars: Lookup,
) -> Result<Prepared, BuildError> {
    let add = instr.keyword == "ADD";
    for (flag, _) in &instr.flags {
        if !["from", "chown", "chmod", "link"].contains(&flag.as_str()) {
            return Err(invalid(format!(
                "{} --{flag} is not supported",
                instr.keyword
            )));
        }
    }
    let words: Vec<String> = match instr.exec_form() {
        Some(v) => v
            .iter()
            .map(|w| expand::word(w, escape, vars).map_err(invalid))
            .collect::<Result<_, _>>()?,
        None => expand::words(&instr.args, escape, vars).map_err(invalid)?,
    };
    let Some((dest, sources)) = words.split_last().filter(|(_, s)| !s.is_empty()) else {
        return Err(invalid(format!(
            "{} needs at least one source and a destination",
            instr.keyword
        )));
    };
    let workdir = next.text("WorkingDir");
    let mut dest_abs = absolute(&workdir, dest);
    if (dest.ends_with('/') || dest == "." || dest.ends_with("/.")) && dest_abs != "/" {
        dest_abs.push('/');
    }
    let chmod = instr
        .flag("chmod")
        .map(|m| {
            u32::from_str_radix(m, 8)
                .ok()
                .filter(|m| *m <= 0o7777)
                .ok_or_else(|| {
                    invalid(format!(
                        "invalid --chmod {m:?}: give octal bits such as 755"
                    ))
                })
        })
        .transpose()?;
    let (heredoc_sources, sources): (Vec<&String>, Vec<&String>) =
        sources.iter().partition(|s| s.starts_with("<<"));
    let heredocs: Vec<Heredoc> = heredoc_sources
        .iter()
        .filter_map(|s| {
            let name = s.trim_start_matches("<<").trim_start_matches('-');
            instr
                .heredocs
                .iter()
                .find(|h| h.name == name)
                .map(|h| Heredoc {
                    body: if h.expand {
                        expand::variables(&h.body, vars)
                    } else {
                        h.body.clone()
                    },
                    ..h.clone()
                })
        })
        .collect();
    let spec = CopySpec {
        add,
        from: instr
            .flag("from")
            .map(|f| expand::word(f, escape, vars).map_err(invalid))
            .transpose()?,
        sources: sources.into_iter().cloned().collect(),
        heredocs,
        dest: dest_abs,
        chown: instr
            .flag("chown")
            .map(|c| expand::word(c, escape, vars).map_err(invalid))
            .transpose()?,
        chmod,
    };
    let key_extra = json!({
        "from": spec.from, "sources": spec.sources, "dest": spec.dest,
        "chown": spec.chown, "chmod": spec.chmod,
        "heredocs": spec.heredocs.iter().map(|h| (&h.name, &h.body)).collect::<Vec<_>>(),
    })
    .to_string();
    Ok(Prepared {
        action: Action::Copy(spec),
        key_extra,
        created_by: nop(instr),
    })
}

fn healthcheck(instr: &Instruction) -> Result<Value, BuildError> {
    let args = instr.args.trim();
    let (kind, rest) = args
        .split_once(char::is_whitespace)
        .map_or((args, ""), |(k, r)| (k, r.trim()));
    let test: Vec<String> = match kind.to_ascii_uppercase().as_str() {
        "NONE" if rest.is_empty() && instr.flags.is_empty() => vec!["NONE".to_owned()],
        "CMD" if !rest.is_empty() => match serde_json::from_str::<Vec<String>>(rest) {
            Ok(argv) => std::iter::once("CMD".to_owned()).chain(argv).collect(),
            Err(_) => vec!["CMD-SHELL".to_owned(), rest.to_owned()],
        },
        _ => return Err(invalid("HEALTHCHECK takes [OPTIONS] CMD command, or NONE")),
    };
    let mut check = json!({ "Test": test });
    for (flag, value) in &instr.flags {
        let key = match flag.as_str() {
            "interval" => "Interval",
            "timeout" => "Timeout",
            "start-period" => "StartPeriod",
            "start-interval" => "StartInterval",
            "retries" => {
                let n: u64 = value
                    .parse()
                    .map_err(|_| invalid(format!("invalid --retries {value:?}")))?;
                check["Retries"] = json!(n);
                continue;
            }
            other => return Err(invalid(format!("HEALTHCHECK --{other} is not an option"))),
        };
        check[key] = json!(
            crate::engine::duration::go_nanos(value).ok_or_else(|| invalid(format!(
                "invalid --{flag} {value:?}: use a duration such as 30s or 1m30s"
            )))?
        );
    }
    Ok(check)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::build::parse::parse_line;
    use crate::engine::oci::platform::Platform;

    fn apply(lines: &[&str]) -> ImageState {
        let mut state = ImageState::scratch(&Platform::host());
        for line in lines {
            let instr = parse_line(line, 1).unwrap();
            prepare(&instr, &mut state, &[], &default_shell(), '\\').unwrap();
        }
        state
    }

    #[test]
    fn config_instructions() {
        let s = apply(&[
            "ENV A=1 B=\"x y\"",
            "ENV C ${A}-$B",
            "LABEL \"k\"=v other=${C}",
            "EXPOSE 80 53/UDP",
            "WORKDIR /app",
            "WORKDIR sub",
            "USER 1000:1000",
            "VOLUME [\"/data\"]",
            "CMD echo hi",
            "ENTRYPOINT [\"/bin/tini\"]",
            "STOPSIGNAL SIGINT",
            "HEALTHCHECK --interval=1m30s --retries=3 CMD true",
            "ONBUILD RUN echo child",
        ]);
        let c = &s.config["config"];
        assert_eq!(c["Env"], json!(["A=1", "B=x y", "C=1-x y"]));
        assert_eq!(c["Labels"], json!({"k": "v", "other": "1-x y"}));
        assert_eq!(c["ExposedPorts"], json!({"80/tcp": {}, "53/udp": {}}));
        assert_eq!(c["WorkingDir"], "/app/sub");
        assert_eq!(c["User"], "1000:1000");
        assert_eq!(c["Volumes"], json!({"/data": {}}));
        assert_eq!(c["Cmd"], json!(["/bin/sh", "-c", "echo hi"]));
        assert_eq!(c["Entrypoint"], json!(["/bin/tini"]));
        assert_eq!(c["StopSignal"], "SIGINT");
        assert_eq!(
            c["Healthcheck"],
            json!({"Test": ["CMD-SHELL", "true"], "Interval": 90_000_000_000u64, "Retries": 3})
        );
        assert_eq!(c["OnBuild"], json!(["RUN echo child"]));
    }

    #[test]
    fn paths_are_made_absolute() {
        assert_eq!(absolute("/app", "../x/./y"), "/x/y");
        assert_eq!(absolute("", "rel"), "/rel");
    }
}
