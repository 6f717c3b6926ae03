//! build: the step cache, its hits and misses for each kind of change, and what
//! clears it.

use crate::build::{build, built_id, context, dockerfile_only, with_busybox};
use crate::common::*;
use coracle_testkit::Output;

fn dockerfile(base: &str, run_line: &str) -> String {
    format!(
        "FROM {base}\nARG LEVEL=1\nRUN echo level $LEVEL > /level && echo ran-first\n\
         COPY data.txt /data.txt\n{run_line}\nCMD cat /level /data.txt\n"
    )
}

/// Whether a RUN printed `word` (a line of its own, not the STEP line).
fn ran(out: &Output, word: &str) -> bool {
    out.stdout_lines().contains(&word)
}

fn hits(out: &Output) -> usize {
    out.stdout.matches("--> Using cache").count()
}

#[test]
fn build_cache_hits_and_misses_follow_what_changed() {
    let (c, base) = with_busybox();
    let dir = context(
        &c,
        "ctx",
        &[
            ("Dockerfile", &dockerfile(&base, "RUN echo ran-second")),
            ("data.txt", "one\n"),
        ],
    );
    let ctx = dir.to_str().unwrap();
    let first = build(&c, &["-t", "cached", ctx]);
    let first_id = built_id(&first);
    assert_eq!(hits(&first), 0, "{first}");
    assert!(
        ran(&first, "ran-first") && ran(&first, "ran-second"),
        "{first}"
    );

    // Nothing changed: every step is a hit, no RUN runs, the same image comes out.
    let again = build(&c, &["-t", "cached", ctx]);
    assert_eq!(built_id(&again), first_id);
    assert_eq!(hits(&again), 4, "{again}");
    assert!(
        !ran(&again, "ran-first") && !ran(&again, "ran-second"),
        "{again}"
    );

    // A file's content: the COPY and what follows miss, the RUN before hits.
    std::fs::write(dir.join("data.txt"), "two\n").unwrap();
    let file_changed = build(&c, &["-t", "cached", ctx]);
    assert_ne!(built_id(&file_changed), first_id);
    assert_eq!(hits(&file_changed), 1, "{file_changed}");
    assert!(!ran(&file_changed, "ran-first"), "{file_changed}");
    assert!(ran(&file_changed, "ran-second"), "{file_changed}");
    c.run(["run", "--rm", "cached"])
        .success()
        .stdout_eq("level 1\ntwo\n");

    // A build arg the first RUN uses: it misses, and so does everything after it.
    let arg_changed = build(&c, &["--build-arg", "LEVEL=2", "-t", "cached", ctx]);
    built_id(&arg_changed);
    assert_eq!(hits(&arg_changed), 0, "{arg_changed}");
    assert!(ran(&arg_changed, "ran-first"), "{arg_changed}");
    c.run(["run", "--rm", "cached"])
        .success()
        .stdout_eq("level 2\ntwo\n");

    // An instruction: the steps before it hit.
    std::fs::write(
        dir.join("Dockerfile"),
        dockerfile(&base, "RUN echo ran-changed"),
    )
    .unwrap();
    let instr_changed = build(&c, &["-t", "cached", ctx]);
    built_id(&instr_changed);
    assert_eq!(hits(&instr_changed), 2, "{instr_changed}");
    assert!(ran(&instr_changed, "ran-changed"), "{instr_changed}");

    // --no-cache does every step again.
    let no_cache = build(&c, &["--no-cache", "-t", "cached", ctx]);
    built_id(&no_cache);
    assert_eq!(hits(&no_cache), 0, "{no_cache}");
    assert!(ran(&no_cache, "ran-first"), "{no_cache}");
}

#[test]
fn build_intermediate_images_are_hidden_and_pruned_with_the_cache() {
    let (c, base) = with_busybox();
    let dir = context(
        &c,
        "ctx",
        &[
            ("Dockerfile", &dockerfile(&base, "RUN true")),
            ("data.txt", "x\n"),
        ],
    );
    let ctx = dir.to_str().unwrap();
    let id = built_id(&build(&c, &["-t", "final", ctx]));
    let listed = image_ids(&c);
    assert_eq!(listed.len(), 2, "busybox and the result only: {listed:?}");
    assert!(listed.contains(&id[..12].to_owned()));
    let all = c.run(["images", "-a", "-q"]);
    assert!(all.success().stdout_lines().len() > 2, "{all}");

    // Intermediate images are not dangling: image prune keeps the cache.
    c.run(["image", "prune", "-f"]).success();
    assert_eq!(hits(&build(&c, &["-t", "final", ctx])), 4);

    c.run(["builder", "prune", "-f"]).success();
    assert_eq!(c.run(["images", "-a", "-q"]).stdout_lines().len(), 2);
    c.run(["run", "--rm", "final"])
        .success()
        .stdout_eq("level 1\nx\n");
    let rebuilt = build(&c, &["-t", "final", ctx]);
    built_id(&rebuilt);
    assert_eq!(hits(&rebuilt), 0, "{rebuilt}");
}

#[test]
fn build_failing_run_keeps_earlier_steps_cached_and_tags_nothing() {
    let (c, base) = with_busybox();
    let dir = dockerfile_only(
        &c,
        "ctx",
        &format!("FROM {base}\nRUN echo before > /b\nRUN echo failing; exit 3\nCMD true\n"),
    );
    let ctx = dir.to_str().unwrap();
    let out = build(&c, &["-t", "broken", ctx]);
    out.code(1)
        .stdout_contains("failing")
        .stderr_contains("RUN echo failing; exit 3")
        .stderr_contains("status 3");
    c.run(["image", "inspect", "broken"]).code(125);
    let left = std::fs::read_dir(c.root().join("containers"))
        .unwrap()
        .count();
    assert_eq!(left, 0, "no build container is left behind");
    std::fs::write(
        dir.join("Dockerfile"),
        format!("FROM {base}\nRUN echo before > /b\nRUN echo fixed\nCMD true\n"),
    )
    .unwrap();
    let fixed = build(&c, &["-t", "broken", ctx]);
    built_id(&fixed);
    assert_eq!(hits(&fixed), 1, "{fixed}");
}

#[test]
fn build_image_prune_unwinds_the_steps_of_a_removed_image() {
    let (c, base) = with_busybox();
    let dir = dockerfile_only(
        &c,
        "ctx",
        &format!("FROM {base}\nRUN echo a > /a\nENV X=1\nRUN echo b > /b\n"),
    );
    built_id(&build(&c, &["-t", "gone", dir.to_str().unwrap()]));
    c.run(["rmi", "gone"]).success();
    c.run(["image", "prune", "-f"]).success();
    let left = c.run(["images", "-a", "-q"]);
    assert_eq!(
        left.success().stdout_lines().len(),
        1,
        "only busybox: {left}"
    );
}
