//! `coracle completion` and the completions it asks coracle for at each tab.

use crate::common::coracle;
use coracle_testkit::Coracle;
use std::path::Path;

/// What coracle answers for `coracle WORDS...` (the last word being completed),
/// as the bash script asks, one candidate a line.
fn complete(c: &Coracle, words: &[&str]) -> Vec<String> {
    let mut cmd = c.bare_command(["--", "coracle"].iter().chain(words));
    cmd.env("CORACLE_COMPLETE", "bash")
        .env("_CLAP_COMPLETE_INDEX", words.len().to_string())
        .env("_CLAP_IFS", "\n");
    let out = c.run_command(cmd);
    out.success();
    out.stdout.lines().map(str::to_owned).collect()
}

#[test]
fn completion_prints_the_checked_in_scripts() {
    let c = coracle();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bash = std::fs::read_to_string(repo.join("completions/coracle.bash")).unwrap();
    assert_eq!(c.run(["completion", "bash"]).success().stdout, bash);
    let file = c.dir().join("_coracle");
    c.run(["completion", "zsh", "--no-desc", "-f"]).failure();
    c.run([
        "completion",
        "zsh",
        "--no-desc",
        "-f",
        file.to_str().unwrap(),
    ])
    .success();
    let zsh = std::fs::read_to_string(&file).unwrap();
    assert!(zsh.contains("CORACLE_COMPLETE_NO_DESC"), "{zsh}");
    let out = c.run(["completion", "tcsh"]);
    assert_eq!(out.code, Some(125), "{out}");
    let out = c.run(["completion"]);
    assert_eq!(out.code, Some(125), "{out}");
}

#[test]
fn names_complete_from_the_store() {
    let c = coracle();
    c.run_command(c.bare_command(["volume", "create", "data1"]))
        .success();
    c.run_command(c.bare_command(["network", "create", "net1"]))
        .success();
    assert!(complete(&c, &["volume", "rm", ""]).contains(&"data1".to_owned()));
    assert_eq!(complete(&c, &["volume", "inspect", "da"]), ["data1"]);
    assert_eq!(complete(&c, &["run", "--network", "n"]), ["net1"]);
    assert!(complete(&c, &["vol"]).contains(&"volume".to_owned()));
}

#[test]
fn completing_with_no_store_makes_none() {
    let c = coracle();
    assert!(complete(&c, &["rm", "x"]).is_empty());
    assert!(!c.data_home().join("coracle").exists());
}
