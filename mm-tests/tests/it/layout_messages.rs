//! What a replay says when a log's layout cannot be the model's: a
//! program started under another stack limit that the log does not show,
//! and a set-user-ID program, which the kernel runs with address-space
//! randomization on even under `setarch -R`.  Built from the recorded
//! program `stack-unlimited` (`ulimit -s unlimited && exec cat
//! /proc/self/maps`, prlimit64 traced) and its root snapshot.

use mm_sim::RunOptions;
use std::path::{Path, PathBuf};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("programs/stack-unlimited")
}

fn replay(log: &str, snap: &str) -> Result<String, String> {
    // One file per call: the tests run at once.
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = std::env::temp_dir().join(format!("mmsim-layout-{}-{n}.snap", std::process::id()));
    std::fs::write(&tmp, snap).expect("snapshot copy");
    let log = mm_sim::strace::parse_log(log.as_bytes()).expect("parse");
    let opts = RunOptions { root: Some(tmp.to_string_lossy().into_owned()), strace: true, ..RunOptions::default() };
    let r = mm_sim::replay::replay(&log, &opts).map_err(|e| e.to_string());
    let _ = std::fs::remove_file(&tmp);
    r
}

fn recorded() -> (String, String) {
    let d = dir();
    (
        std::fs::read_to_string(d.join("trace.strace")).expect("log"),
        std::fs::read_to_string(d.join("root.snap")).expect("snapshot"),
    )
}

#[test]
fn the_stack_limit_from_the_log_places_mmap_base() {
    let (log, snap) = recorded();
    let out = replay(&log, &snap).expect("replays");
    assert_eq!(out.lines().filter(|l| l.starts_with("# diverged")).count(), 0, "{out}");
    // Without the prlimit64 lines the heap still matches, mmap_base not.
    let without: String = log.lines().filter(|l| !l.contains("prlimit64")).map(|l| format!("{l}\n")).collect();
    let e = replay(&without, &snap).expect_err("refused");
    assert!(e.contains("another stack limit (`ulimit -s`)"), "{e}");
    assert!(e.contains("prlimit64"), "{e}");
}

#[test]
fn a_set_user_id_program_is_said_to_run_randomized() {
    let (log, snap) = recorded();
    // cat as it would be with ASLR on (sh, before it, as recorded): heap
    // and mmap base elsewhere.
    let at = log.find("execve(\"/usr/bin/cat\"").expect("cat's execve");
    let randomized =
        format!("{}{}", &log[..at], log[at..].replace("0x5555555", "0x5633a4c").replace("0x155555", "0x7f3c12"));
    let e = replay(&randomized, &snap).expect_err("refused");
    assert!(e.contains("address-space randomization on (record with `setarch -R"), "{e}");
    let setuid = snap.replace("f /usr/bin/cat 755 ", "f /usr/bin/cat 4755 ");
    assert_ne!(setuid, snap);
    let e = replay(&randomized, &setuid).expect_err("refused");
    assert!(e.contains("set-user-ID or set-group-ID"), "{e}");
}
