//! The manual pages in man/: coracle.1 and one coracle-VERB.1 (or
//! coracle-NOUN-VERB.1) per subcommand, rendered from the command-line
//! definition by clap_mangen, with the examples and exit codes Podman's pages
//! carry. A unit test keeps man/ in step with the definition.

use super::man_examples::examples;
use super::Cli;
use clap::CommandFactory;
use clap_mangen::roff::{roman, Roff};
use clap_mangen::Man;

/// Every page: file name and text.
pub fn pages() -> std::io::Result<Vec<(String, Vec<u8>)>> {
    let mut pages = Vec::new();
    walk(Cli::command(), &[], &mut pages)?;
    Ok(pages)
}

/// Renders `cmd` (at `path` below the root), then its visible subcommands.
/// The root's subcommands are taken before it is built, and each is built on
/// its own, so that their pages list their own flags and not the global ones
/// coracle.1 lists once, as Podman's pages do.
fn walk(
    cmd: clap::Command,
    path: &[String],
    pages: &mut Vec<(String, Vec<u8>)>,
) -> std::io::Result<()> {
    let words: Vec<&str> = std::iter::once("coracle")
        .chain(path.iter().map(String::as_str))
        .collect();
    let unbuilt: Vec<clap::Command> = cmd.get_subcommands().cloned().collect();
    let mut cmd = cmd
        .display_name(words.join("-"))
        .bin_name(words.join(" "))
        .disable_help_subcommand(true);
    // Subcommands' arguments are deferred: they exist once it is built.
    cmd.build();
    let subcommands = match path.is_empty() {
        true => unbuilt,
        false => cmd.get_subcommands().cloned().collect(),
    };
    pages.push((
        format!("{}.1", words.join("-")),
        render(&cmd, &path.join(" "))?,
    ));
    for sub in subcommands.into_iter().filter(|s| !s.is_hide_set()) {
        let mut sub_path = path.to_vec();
        sub_path.push(sub.get_name().to_owned());
        walk(sub, &sub_path, pages)?;
    }
    Ok(())
}

fn render(cmd: &clap::Command, path: &str) -> std::io::Result<Vec<u8>> {
    let man = Man::new(cmd.clone()).source(concat!("coracle ", env!("CARGO_PKG_VERSION")));
    let mut out = Vec::new();
    man.render_title(&mut out)?;
    man.render_name_section(&mut out)?;
    man.render_synopsis_section(&mut out)?;
    man.render_description_section(&mut out)?;
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(&mut out)?;
    }
    if cmd.has_subcommands() {
        man.render_subcommands_section(&mut out)?;
    }
    let mut roff = Roff::default();
    roff.control("SH", ["EXAMPLES"]);
    for line in examples(path, cmd) {
        roff.control("IP", []).text([roman(line)]);
    }
    roff.control("SH", ["EXIT STATUS"]);
    for (code, meaning) in exit_codes(path) {
        roff.control("TP", []).text([roman(code)]);
        roff.text([roman(meaning)]);
    }
    roff.control("SH", ["SEE ALSO"]);
    roff.text([roman(see_also(path))]);
    roff.to_writer(&mut out)?;
    Ok(out)
}

/// Podman's codes: its own failures are 125; a command that runs a container's
/// command passes that command's code on, with 126 and 127 for a command that
/// could not be invoked or found (the chroot convention).
fn exit_codes(path: &str) -> Vec<(&'static str, &'static str)> {
    let mut codes = vec![
        ("0", "Success."),
        ("125", "The error is with coracle itself."),
    ];
    let runs_a_command = matches!(
        path,
        "" | "run" | "exec" | "start" | "container run" | "container exec" | "container start"
    );
    if runs_a_command {
        codes.extend([
            ("126", "The contained command cannot be invoked."),
            ("127", "The contained command cannot be found."),
            ("*", "Otherwise, the exit code of the contained command."),
        ]);
    }
    codes
}

/// The parent page, and Podman's page for the same command.
fn see_also(path: &str) -> String {
    let podman = match path {
        "" => "podman(1)".to_owned(),
        path => format!("podman-{}(1)", path.replace(' ', "-")),
    };
    match path.rsplit_once(' ') {
        Some((parent, _)) => format!("coracle-{}(1), {podman}", parent.replace(' ', "-")),
        None if path.is_empty() => podman,
        None => format!("coracle(1), {podman}"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_subcommand_has_a_page_with_examples_and_exit_codes() {
        let pages = super::pages().unwrap();
        let names: Vec<&str> = pages.iter().map(|(n, _)| n.as_str()).collect();
        for name in ["coracle.1", "coracle-run.1", "coracle-volume-create.1"] {
            assert!(names.contains(&name), "no {name} in {names:?}");
        }
        for (name, text) in &pages {
            let text = String::from_utf8_lossy(text);
            assert!(text.contains(".SH EXAMPLES"), "{name} has no examples");
            assert!(
                text.contains(".SH \"EXIT STATUS\""),
                "{name} has no exit codes"
            );
        }
        let run = &pages.iter().find(|(n, _)| n == "coracle-run.1").unwrap().1;
        assert!(String::from_utf8_lossy(run).contains("127"));
    }
}
