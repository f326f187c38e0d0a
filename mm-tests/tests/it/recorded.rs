//! Real programs recorded on the kernel the model follows
//! (`mm-tests/programs/recorded`: cat, ls, python3, sort and a gcc
//! compile, each on ext4 and on tmpfs) replay exactly: for every process,
//! the model takes as many minor and as many major faults as the kernel
//! counted, every recorded fault faults in the model, and the maps and the
//! present pages at exit are the kernel's, line for line.

use mm_sim::RunOptions;
use mm_sim::bundle::parse_bundle;
use mm_sim::replay::replay_bundle;
use std::path::Path;

fn recorded() -> Vec<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("programs/recorded");
    let mut v: Vec<_> = std::fs::read_dir(&dir)
        .expect("the recordings")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "mmrec"))
        .collect();
    v.sort();
    v
}

#[test]
fn every_recorded_program_replays_exactly() {
    let bundles = recorded();
    assert!(bundles.len() >= 10, "five programs on ext4 and on tmpfs");
    let mut failures = Vec::new();
    for path in &bundles {
        let src = std::fs::read(path).expect("the bundle");
        let b = parse_bundle(&src).unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
        assert!(!b.expect.is_empty(), "{}: no outcome recorded", path.display());
        let (out, diffs) = replay_bundle(&b, &RunOptions::default(), true).expect("replay");
        let name = path.file_name().expect("a name").to_string_lossy().into_owned();
        for l in out.lines() {
            if l.starts_with("# diverged") || l.starts_with("# fault") || l.starts_with("# not faulted") {
                failures.push(format!("{name}: {l}"));
            }
        }
        if diffs > 0 {
            let checks: Vec<&str> = out.lines().filter(|l| l.starts_with("# check:")).take(8).collect();
            failures.push(format!("{name}: {diffs} differences:\n  {}", checks.join("\n  ")));
        }
        // Every process the kernel showed at exit is compared.
        let exits = out.lines().filter(|l| l.starts_with("exit ")).count();
        assert_eq!(exits, b.expect.len(), "{name}: {out}");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
