//! Every input of `regressions/` (defects found by fuzzing and hostile
//! input; `regressions/README.md` says what each did) runs through the fuzz
//! target it belongs to, without a finding: the scenarios through the
//! `scenario` target's replay (invariants after the run, every frame and
//! swap slot free once every process exited) on the machines they broke,
//! the images through the `ext4` target, the recordings through the
//! `bundle` target.
//!
//! What each defect did is tested where it lived: the copy-on-write and
//! leak reproducers in `mm-tests/tests/it/reproducers.rs`, the failed fork in
//! `mm-tests/tests/it/oom.rs`, swap files in `mm-swap/tests/swapon.rs` and
//! `mm-sim/tests/cli.rs`, corrupt images in `mm-fs-ext/tests/corrupt.rs`,
//! a 1 TiB machine in `mm-tests/tests/it/large_ram.rs`, quadratic paths in
//! `mm-tests/tests/it/scaling.rs`, and a fault of a task the model killed in
//! `mm-sim/tests/bundle.rs`.

use mm_core::machine::{MachineConfig, SwapSpec};
use std::path::{Path, PathBuf};

fn inputs(ext: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("regressions");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("the regressions directory")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    v.sort();
    v
}

fn machine(ram: u64, reclaim: &str, swap: &str) -> MachineConfig {
    MachineConfig {
        ram,
        reclaim: reclaim.into(),
        swap: vec![SwapSpec::parse(swap).expect("a swap spec")],
        ..MachineConfig::default()
    }
}

#[test]
fn every_scenario_replays_clean_on_small_machines() {
    let scenarios = inputs("mms");
    assert!(scenarios.len() >= 6, "{scenarios:?}");
    for p in scenarios {
        let s = mm_sim::parse(&std::fs::read(&p).expect("a reproducer")).expect("a valid scenario");
        for (ram, policy) in [(256 << 10, "clock"), (256 << 10, "lru"), (1 << 20, "lru")] {
            eprintln!("{}: {ram} bytes, {policy}", p.display());
            mm_fuzz::scenario::replay(&s, &machine(ram, policy, "zram:64M"));
        }
    }
}

#[test]
fn every_image_goes_through_the_ext4_target() {
    let images = inputs("img");
    assert!(images.len() >= 4, "{images:?}");
    for p in images {
        eprintln!("{}", p.display());
        mm_fuzz::ext4::fuzz(&std::fs::read(&p).expect("an image"));
    }
}

#[test]
fn every_recording_goes_through_the_bundle_target() {
    let bundles = inputs("mmrec");
    assert!(!bundles.is_empty());
    for p in bundles {
        eprintln!("{}", p.display());
        mm_fuzz::bundle::fuzz(&std::fs::read(&p).expect("a recording"));
    }
}
