//! Replaying strace logs of real programs (mm-tests/programs): how many
//! log lines a second the replay runs (parse and replay of the gcc
//! compile's log, five processes), and python3's start-up replayed
//! against python3 starting on the real kernel, side by side.
//!
//! A recording (a bundle with the page faults) is replayed whole beside
//! the kernel's system time for it.
//!
//! The replay performs every system call of the log on the model
//! (execve with its ELF loading and stack set-up, mmap, mprotect, brk,
//! openat against the root snapshot ...); the page faults the program
//! took are not in an strace log and are replayed only from a recording.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mm_sim::RunOptions;
use mm_tests as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn program(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("programs").join(name)
}

/// Parses and replays `dir`'s log against its snapshot.
fn replay(dir: &Path, src: &[u8]) -> String {
    let log = mm_sim::strace::parse_log(src).expect("parse");
    let opts = RunOptions {
        root: Some(dir.join("root.snap").to_string_lossy().into_owned()),
        strace: true,
        ..RunOptions::default()
    };
    let out = mm_sim::replay::replay(&log, &opts).expect("replay");
    assert!(!out.contains("# diverged"), "{out}");
    out
}

fn bench(c: &mut Criterion) {
    let gcc = program("gcc");
    let src = std::fs::read(gcc.join("trace.strace")).expect("gcc log");
    let lines = src.iter().filter(|&&b| b == b'\n').count() as u64;
    let mut g = c.benchmark_group("replay_lines");
    g.throughput(Throughput::Elements(lines));
    g.bench_function("mmsim: gcc compile log", |b| b.iter(|| replay(&gcc, &src)));
    g.finish();

    // python3's start-up: the recorded command on this machine's kernel,
    // and its log replayed.
    let py = program("python3");
    let src = std::fs::read(py.join("trace.strace")).expect("python3 log");
    let cmd = std::fs::read_to_string(py.join("cmd")).expect("cmd");
    let mut g = c.benchmark_group("python3_startup");
    g.sample_size(20);
    g.bench_function("mmsim: replay", |b| b.iter(|| replay(&py, &src)));
    let run_python = || {
        Command::new("setarch")
            .args(["-R", "python3", "-c", "import json; print(json.dumps([1, 2]))"])
            .env_clear()
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .env("LANG", "C.UTF-8")
            .stdout(Stdio::null())
            .status()
    };
    assert!(cmd.contains("import json; print(json.dumps([1, 2]))"), "the recorded command changed: {cmd}");
    if run_python().is_ok_and(|s| s.success()) {
        g.bench_function("linux: setarch -R python3", |b| b.iter(|| assert!(run_python().expect("python3").success())));
    } else {
        eprintln!("python3_startup/linux skipped: no python3 (or setarch) on this machine");
    }
    g.finish();
}

/// A recording (`mmsim record -- cat /etc/hostname`) replayed whole, its
/// faults included, beside the system time the kernel spent on the
/// program (the bundle's `rusage` line: all its work in the kernel, of
/// which memory management is part).
fn bench_recording(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../mm-sim/tests/bundles/cat-ext4.mmrec");
    let src = std::fs::read(&path).expect("the bundle");
    let b = mm_sim::bundle::parse_bundle(&src).expect("parse");
    let r = b.rusage.first().expect("a rusage line");
    eprintln!("recording cat-ext4: the kernel's system time {} us, user time {} us (rusage)", r.stime, r.utime);
    let mut g = c.benchmark_group("recording");
    g.sample_size(20);
    g.bench_function("mmsim: replay cat-ext4", |bch| {
        bch.iter(|| mm_sim::replay::replay_bundle(&b, &RunOptions::default(), false).expect("replay"))
    });
    g.finish();
}

criterion_group!(benches, bench, bench_recording);
criterion_main!(benches);
