//! Every seed of `corpus/TARGET/` runs through its target without a
//! finding (the reproducers of `regressions/` are `tests/regressions.rs`'s).

use std::path::Path;

fn replay(target: &str) {
    let t = mm_fuzz::target(target).expect("a target");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus").join(target);
    let mut paths: Vec<_> = std::fs::read_dir(&dir).expect("corpus dir").map(|e| e.expect("entry").path()).collect();
    paths.sort();
    let mut ran = 0;
    for p in paths {
        let data = std::fs::read(&p).expect("a seed");
        if let Err(e) = std::panic::catch_unwind(|| (t.fuzz)(&data)) {
            let msg = e.downcast_ref::<String>().cloned().unwrap_or_default();
            panic!("{target}: seed {} fails: {msg}", p.display());
        }
        ran += 1;
    }
    assert!(ran >= 3, "{target}: only {ran} seeds in {}", dir.display());
}

#[test]
fn scenario_seeds_pass() {
    replay("scenario");
}

#[test]
fn structured_seeds_pass() {
    replay("structured");
}

#[test]
fn ext4_seeds_pass() {
    replay("ext4");
}

#[test]
fn exec_seeds_pass() {
    replay("exec");
}

#[test]
fn snapshot_seeds_pass() {
    replay("snapshot");
}

#[test]
fn bundle_seeds_pass() {
    replay("bundle");
}
