use super::TARGETS;
use std::path::Path;

/// Every checked-in seed goes once through its target's harness: the harness
/// still compiles against the parsers, and no seed panics.
#[test]
fn every_seed_runs_through_its_target() {
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds");
    for (name, target) in TARGETS {
        let dir = seeds.join(name);
        let mut count = 0;
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{dir:?}: {e}")) {
            let path = entry.unwrap().path();
            target(&std::fs::read(&path).unwrap());
            count += 1;
        }
        assert!(count > 0, "no seeds for {name} in {dir:?}");
    }
}
