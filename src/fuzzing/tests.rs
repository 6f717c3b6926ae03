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

/// Found by fuzzing, in the harness: a header whose size reads as base-256
/// 2^64-1 sent the checksum walk past usize.
#[test]
fn a_tar_header_claiming_an_endless_entry_is_unpacked_and_refused() {
    let mut header = tar::Header::new_gnu();
    header.set_path("f").unwrap();
    header.as_old_mut().size = [0xff; 12];
    let mut input = vec![0];
    input.extend_from_slice(header.as_bytes());
    input.extend_from_slice(&[b'x'; 512]);
    super::tar_unpack(&input);
}
