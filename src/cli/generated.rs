//! Generated files that are checked in (man/, completions/): a test compares
//! them with what the command-line definition gives now, and rewrites them when
//! CORACLE_UPDATE_DOCS=1 is set.

use std::path::Path;

/// Fails, naming each file in `dir` that differs from `files`, is missing, or
/// is left over; with CORACLE_UPDATE_DOCS=1, makes `dir` hold exactly `files`.
pub fn check_or_update(dir: &Path, files: &[(String, Vec<u8>)]) {
    let update = std::env::var_os("CORACLE_UPDATE_DOCS").is_some_and(|v| v == "1");
    if update {
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir).unwrap();
        for (name, text) in files {
            std::fs::write(dir.join(name), text).unwrap();
        }
        return;
    }
    let mut stale = Vec::new();
    for (name, text) in files {
        if std::fs::read(dir.join(name)).ok().as_ref() != Some(text) {
            stale.push(name.clone());
        }
    }
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !files.iter().any(|(n, _)| *n == name) {
            stale.push(format!("{name} (left over)"));
        }
    }
    assert!(
        stale.is_empty(),
        "{} is stale: {}; regenerate with CORACLE_UPDATE_DOCS=1 cargo test --bin coracle cli::generated",
        dir.display(),
        stale.join(", ")
    );
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    fn dir(name: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join(name)
    }

    #[test]
    fn man_pages_are_current() {
        super::check_or_update(&dir("man"), &crate::cli::man::pages().unwrap());
    }

    #[test]
    fn completion_scripts_are_current() {
        use crate::cli::complete::{script, Shell};
        let files: Vec<(String, Vec<u8>)> = [
            ("coracle.bash", Shell::Bash),
            ("_coracle", Shell::Zsh),
            ("coracle.fish", Shell::Fish),
            ("coracle.ps1", Shell::Powershell),
        ]
        .into_iter()
        .map(|(name, shell)| (name.to_owned(), script(shell, false).unwrap()))
        .collect();
        super::check_or_update(&dir("completions"), &files);
    }
}
