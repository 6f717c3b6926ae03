//! The seams that keep the engine usable by more than one front end, checked in
//! the source: nothing under src/engine/ uses the process's own stdio or terminal
//! (the monitor's own process setup aside), and nothing under src/cli/ reaches
//! into the store, libcontainer or a runtime of its own.

use std::path::{Path, PathBuf};

fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

/// Each line of each file under `dir` (skipping `allowed` files and unit tests)
/// that contains one of `patterns`.
fn offenders(dir: &str, patterns: &[&str], allowed: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut found = Vec::new();
    for path in sources(&root.join(dir)) {
        let rel = path
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if allowed.contains(&rel.as_str()) || rel.ends_with("/tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let code = text.split("\n#[cfg(test)]").next().unwrap_or_default();
        for (n, line) in code.lines().enumerate() {
            let line_code = line.split("//").next().unwrap_or_default();
            if patterns.iter().any(|p| line_code.contains(p)) {
                found.push(format!("{rel}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    found
}

#[test]
fn the_engine_never_uses_the_process_stdio_or_terminal() {
    let patterns = [
        "io::stdin()",
        "io::stdout()",
        "io::stderr()",
        "Stdio::inherit",
        "println!",
        "eprintln!",
        "print!(",
        "is_terminal",
        "STDIN_FILENO",
        "STDOUT_FILENO",
        "STDERR_FILENO",
    ];
    let found = offenders("src/engine", &patterns, &[]);
    assert!(
        found.is_empty(),
        "the engine uses the process's stdio:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_cli_never_reaches_into_the_store_or_the_runtime() {
    let patterns = [
        "engine::store",
        "open_store",
        "libcontainer",
        "tokio::runtime::Builder",
        "engine::monitor",
    ];
    // The CLI's one runtime, handed to the engine as its executor; and the
    // monitor's process, which is the local engine's own and nobody's front end.
    let allowed = ["src/cli/runtime.rs", "src/cli/monitor.rs"];
    let found = offenders("src/cli", &patterns, &allowed);
    assert!(
        found.is_empty(),
        "the cli reaches past the engine's interface:\n{}",
        found.join("\n")
    );
}
