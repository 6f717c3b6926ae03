//! Dynamic completion, Podman's and cobra's model: the scripts `coracle
//! completion` prints run `CORACLE_COMPLETE=SHELL coracle -- WORDS...` at each
//! tab. The answer comes from the command-line definition, and for arguments
//! that name containers, images, volumes, networks or secrets, from a read-only
//! look at the store (engine::names).

use super::runtime::LazyRuntime;
use super::Cli;
use crate::engine::context::{Context, ContextOptions};
use crate::engine::interface::SystemEngine;
use crate::engine::local::LocalEngine;
use crate::engine::names::NameKind;
use clap::CommandFactory;
use clap_complete::engine::{ArgValueCompleter, CompletionCandidate, ValueCompleter};
use clap_complete::env::{CompleteEnv, EnvCompleter};
use std::ffi::OsStr;

/// Set by the scripts to the shell asking.
const VAR: &str = "CORACLE_COMPLETE";
/// The same, from the scripts `completion --no-desc` prints.
const VAR_NO_DESC: &str = "CORACLE_COMPLETE_NO_DESC";

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Powershell,
}

impl Shell {
    fn completer(self) -> &'static dyn EnvCompleter {
        match self {
            Shell::Bash => &clap_complete::env::Bash,
            Shell::Zsh => &clap_complete::env::Zsh,
            Shell::Fish => &clap_complete::env::Fish,
            Shell::Powershell => &clap_complete::env::Powershell,
        }
    }
}

/// Answers a completion request and exits, when this process is one.
pub fn answer() {
    CompleteEnv::with_factory(command).var(VAR).complete();
    CompleteEnv::with_factory(|| without_descriptions(command()))
        .var(VAR_NO_DESC)
        .complete();
}

/// The script that `completion SHELL` prints and completions/ holds. It calls
/// `coracle` from PATH, so one file serves every install.
pub fn script(shell: Shell, no_desc: bool) -> std::io::Result<Vec<u8>> {
    let var = if no_desc { VAR_NO_DESC } else { VAR };
    let mut out = Vec::new();
    shell
        .completer()
        .write_registration(var, "coracle", "coracle", "coracle", &mut out)?;
    Ok(out)
}

fn command() -> clap::Command {
    let mut cmd = Cli::command();
    // The subcommands' arguments are deferred: they exist once it is built.
    cmd.build();
    with_names(cmd)
}

/// Gives every argument that names stored things a completer for their names.
fn with_names(cmd: clap::Command) -> clap::Command {
    let command = cmd.get_name().to_owned();
    cmd.mut_args(|arg| match name_kinds(&command, &arg) {
        kinds if kinds.is_empty() => arg,
        kinds => arg.add(ArgValueCompleter::new(StoredNames(kinds))),
    })
    .mut_subcommands(with_names)
}

/// What an argument of `command` names: the words of its value name
/// (`CONTAINER`, `MODE|NETWORK`), else, for the few whose value name says
/// nothing, what the command takes.
fn name_kinds(command: &str, arg: &clap::Arg) -> Vec<NameKind> {
    use NameKind::*;
    if !arg.get_action().takes_values() {
        return Vec::new();
    }
    match (command, arg.get_id().as_str()) {
        ("mount" | "umount" | "unmount", "names") => return vec![Containers],
        ("untag", "names") | ("tag", "source") => return vec![Images],
        ("diff", "name") => return vec![Containers, Images],
        ("inspect", "names") => return vec![Containers, Images, Volumes, Networks],
        _ => {}
    }
    let Some([value_name, ..]) = arg.get_value_names() else {
        return Vec::new();
    };
    // `IMAGE [COMMAND [ARG...]]` names by its first word, `MODE|NETWORK` by any.
    let first_word = value_name.split(' ').next().unwrap_or_default();
    first_word
        .split('|')
        .filter_map(|word| match word.trim_end_matches('S') {
            "CONTAINER" => Some(Containers),
            "IMAGE" => Some(Images),
            "VOLUME" => Some(Volumes),
            "NETWORK" => Some(Networks),
            "SECRET" => Some(Secrets),
            _ => None,
        })
        .collect()
}

/// Completes the stored names of these kinds.
struct StoredNames(Vec<NameKind>);

impl ValueCompleter for StoredNames {
    fn complete(&self, current: &OsStr) -> Vec<CompletionCandidate> {
        let current = current.to_string_lossy();
        let mut names: Vec<String> = self
            .0
            .iter()
            .flat_map(|kind| candidates(*kind, &current))
            .collect();
        names.sort();
        names.dedup();
        names.into_iter().map(CompletionCandidate::new).collect()
    }
}

/// The names starting with `current`; as Podman offers them, short IDs only
/// once something is typed, and for images the shorter spellings of each name
/// (`busybox:latest` for `docker.io/library/busybox:latest`) too.
fn candidates(kind: NameKind, current: &str) -> Vec<String> {
    let Ok(ctx) = Context::new(&ContextOptions::default()) else {
        return Vec::new();
    };
    let engine = LocalEngine::new(ctx, Box::<LazyRuntime>::default());
    let Ok(found) = engine.names(kind) else {
        return Vec::new();
    };
    let mut names: Vec<String> = match (kind, current.is_empty()) {
        (NameKind::Images, false) => found.names.iter().flat_map(|n| suffixes(n)).collect(),
        _ => found.names,
    };
    if !current.is_empty() {
        names.extend(found.ids.iter().map(|id| id[..id.len().min(12)].to_owned()));
    }
    names.retain(|n| n.starts_with(current));
    names
}

/// `a/b/c:tag`, `b/c:tag` and `c:tag`.
fn suffixes(name: &str) -> Vec<String> {
    let mut out = vec![name.to_owned()];
    let mut rest = name;
    while let Some((_, tail)) = rest.split_once('/') {
        out.push(tail.to_owned());
        rest = tail;
    }
    out
}

/// The command with no help text, for `--no-desc` scripts.
fn without_descriptions(cmd: clap::Command) -> clap::Command {
    cmd.about(None)
        .long_about(None)
        .mut_args(|arg| arg.help(None).long_help(None))
        .mut_subcommands(without_descriptions)
}

#[cfg(test)]
mod tests {
    #[test]
    fn image_names_complete_by_their_shorter_spellings() {
        assert_eq!(
            super::suffixes("docker.io/library/busybox:latest"),
            [
                "docker.io/library/busybox:latest",
                "library/busybox:latest",
                "busybox:latest"
            ]
        );
    }
}
