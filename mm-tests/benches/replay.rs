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

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use mm_sim::RunOptions;
use mm_sim::replay::BundleMachine;
use mm_tests as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

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

/// The recordings replayed beside the real programs (mm-tests/programs/recorded).
const RECORDINGS: &[&str] = &["cat-ext4", "ls-ext4", "python3-ext4", "sort-ext4", "gcc-ext4"];

/// A program to run: its path, arguments and environment.
struct Program {
    path: String,
    argv: Vec<Vec<u8>>,
    envp: Vec<Vec<u8>>,
}

/// The first `execve` of a recording: what the recorder ran.
fn recorded_command(b: &mm_sim::bundle::Bundle) -> Option<Program> {
    b.log.events.iter().find_map(|e| match &e.call {
        mm_sim::strace::Call::Execve { path, argv, envp, .. } => {
            Some(Program { path: path.clone(), argv: argv.clone(), envp: envp.clone() })
        }
        _ => None,
    })
}

/// Runs the recorded command on this machine's kernel `iters` times, as
/// `mmsim record` ran it (its environment, no address-space
/// randomization, output to /dev/null), and returns the system time the
/// kernel spent on it (`wait4`'s `ru_stime`, children included).
fn kernel_system_time(cmd: &Program, iters: u64) -> Duration {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::process::CommandExt;
    let Program { path, argv, envp } = cmd;
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let mut c = Command::new(path);
        c.arg0(OsStr::from_bytes(&argv[0]));
        c.args(argv[1..].iter().map(|a| OsStr::from_bytes(a)));
        c.env_clear();
        for kv in envp {
            if let Some(eq) = kv.iter().position(|&b| b == b'=') {
                c.env(OsStr::from_bytes(&kv[..eq]), OsStr::from_bytes(&kv[eq + 1..]));
            }
        }
        c.stdout(Stdio::null()).stderr(Stdio::null());
        // SAFETY: personality(2) is async-signal-safe.
        unsafe {
            c.pre_exec(|| {
                libc::personality(libc::ADDR_NO_RANDOMIZE as libc::c_ulong);
                Ok(())
            });
        }
        // The child is reaped by wait4 (which gives its rusage), not by
        // `Child::wait`.
        #[allow(clippy::zombie_processes)]
        let child = c.spawn().expect("the recorded program");
        let mut status = 0;
        // SAFETY: a zeroed rusage is valid; the pid is our child's.
        let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
        let r = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut ru) };
        assert_eq!(r, child.id() as libc::pid_t, "wait4");
        total += Duration::from_secs(ru.ru_stime.tv_sec as u64) + Duration::from_micros(ru.ru_stime.tv_usec as u64);
    }
    total
}

/// Recordings (`mmsim record`) replayed whole, their page faults
/// included, beside the system time the kernel spends running the same
/// program on this machine (`wait4`'s `ru_stime`: all its work in the
/// kernel, of which memory management is part; tick-sampled, so only its
/// mean over many runs means something). The replay's time is wall time
/// of the replay alone: the bundle is parsed, and the machine set up with
/// its root and start page cache, outside the timing
/// ([`BundleMachine`]), as the kernel's own time starts with the program.
fn bench_recording(c: &mut Criterion) {
    let dir = program("recorded");
    if let Err(e) = std::process::Command::new("bash").arg(dir.join("inputs.sh")).status() {
        eprintln!("recording inputs not made ({e}): the programs that read them will fail");
    }
    for name in RECORDINGS {
        let src = std::fs::read(dir.join(format!("{name}.mmrec"))).expect("the bundle");
        let b = mm_sim::bundle::parse_bundle(&src).expect("parse");
        let mut g = c.benchmark_group(format!("recording/{name}"));
        g.sample_size(20);
        let opts = RunOptions::default();
        g.bench_function("mmsim: replay", |bch| {
            bch.iter_batched(
                || BundleMachine::new(&b, &opts).expect("set-up"),
                |m| m.replay(&b, false).expect("replay"),
                BatchSize::PerIteration,
            )
        });
        match recorded_command(&b) {
            Some(cmd) if Path::new(&cmd.path).exists() => {
                g.bench_function("linux: system time", |bch| bch.iter_custom(|iters| kernel_system_time(&cmd, iters)));
            }
            _ => eprintln!("recording/{name}/linux skipped: the recorded program is not on this machine"),
        }
        g.finish();
    }
}

criterion_group!(benches, bench, bench_recording);
criterion_main!(benches);
