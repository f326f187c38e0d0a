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

/// The allocator `mmsim` itself runs with (see mm-sim's main.rs).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
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

/// CPU time of the calling thread (`CLOCK_THREAD_CPUTIME_ID`).
fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid timespec to write.
    let r = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(r, 0, "clock_gettime");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Runs the recorded command once on this machine's kernel, as `mmsim
/// record` ran it (its environment, output to /dev/null; the caller has
/// turned address-space randomization off, see [`NoRandomize`]), and gives
/// its `wait4` rusage (children included).  The child is spawned as
/// `posix_spawn` does (`CLONE_VM | CLONE_VFORK`), so it copies nothing of
/// this big process and its `execve` has no copy to tear down: its time is
/// the program's.
fn run_recorded(cmd: &Program) -> libc::rusage {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::process::CommandExt;
    let Program { path, argv, envp } = cmd;
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
    // The child is reaped by wait4 (which gives its rusage), not by
    // `Child::wait`.
    #[allow(clippy::zombie_processes)]
    let child = c.spawn().expect("the recorded program");
    let mut status = 0;
    // SAFETY: a zeroed rusage is valid; the pid is our child's.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: plain system call on our own child, with valid out-pointers.
    let r = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut ru) };
    assert_eq!(r, child.id() as libc::pid_t, "wait4");
    ru
}

/// `ADDR_NO_RANDOMIZE` in this process's personality while it lives,
/// so that the programs it runs start as `mmsim record` started them
/// (the personality is inherited across fork and exec).
struct NoRandomize(libc::c_int);

impl NoRandomize {
    fn set() -> NoRandomize {
        // SAFETY: personality(2) with 0xffffffff only reads it.
        let old = unsafe { libc::personality(0xffff_ffff) };
        // SAFETY: setting a flag of our own personality.
        unsafe { libc::personality((old | libc::ADDR_NO_RANDOMIZE) as libc::c_ulong) };
        NoRandomize(old)
    }
}

impl Drop for NoRandomize {
    fn drop(&mut self) {
        // SAFETY: restoring the personality read in `set`.
        unsafe { libc::personality(self.0 as libc::c_ulong) };
    }
}

fn timeval(t: libc::timeval) -> Duration {
    Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
}

/// The system time the kernel spent on `iters` runs of the recorded
/// command (`ru_stime`).  This kernel splits CPU time into user and
/// system time by where the scheduler tick finds the task
/// (`CONFIG_TICK_CPU_ACCOUNTING`): a program that runs for less than a
/// tick gets all of its time counted as system time or none of it, which
/// for short programs is biased (see [`kernel_time_sampled`]).
fn kernel_system_time(cmd: &Program, iters: u64) -> Duration {
    (0..iters).map(|_| timeval(run_recorded(cmd).ru_stime)).sum()
}

/// `task-clock` sampling period for [`kernel_time_sampled`]: short enough
/// for several samples in the kernel part of the smallest program, long
/// enough that the sampling interrupts add little to its time.
const SAMPLE_PERIOD_NS: u64 = 50_000;

/// The kernel-mode CPU time of `iters` runs of the recorded command,
/// estimated without the tick's bias: its tasks' CPU time is sampled
/// every [`SAMPLE_PERIOD_NS`] and each sample that finds a task in kernel
/// mode counts for one period ([`mm_sim::record::CpuTimeSampler`]).
fn kernel_time_sampled(cmd: &Program, iters: u64, sampler: &mm_sim::record::CpuTimeSampler) -> Duration {
    let me = std::process::id();
    sampler.take(me).expect("ring buffers");
    let mut kernel = 0;
    for _ in 0..iters {
        sampler.enable().expect("enable the samplers");
        run_recorded(cmd);
        sampler.disable().expect("disable the samplers");
        let n = sampler.take(me).expect("ring buffers");
        assert_eq!(n.lost, 0, "samples lost: the ring buffers are too small");
        kernel += n.kernel;
    }
    Duration::from_nanos(kernel * sampler.period_ns())
}

/// Recordings (`mmsim record`) replayed whole, their page faults
/// included, beside the time the kernel spends running the same program
/// on this machine: all its work in the kernel, of which memory
/// management is part, as `wait4`'s `ru_stime` says
/// ([`kernel_system_time`]) and as sampling measures it
/// ([`kernel_time_sampled`]). The replay's time is that of
/// the replay alone, as CPU time of the thread running it (the kernel's
/// is CPU time too, so neither counts time the machine gave to others):
/// the bundle is parsed, and the machine set up with
/// its root and start page cache, outside the timing
/// ([`BundleMachine`]), as the kernel's own time starts with the program.
/// The replay runs every call and fault and takes each process's outcome
/// (fault counts, maps, present pages) as it ends; writing the report
/// text from it ([`mm_sim::replay::Replayed::report`]) is not timed, as
/// the recorder's reading of `/proc` is not part of the program's time.
fn bench_recording(c: &mut Criterion) {
    let dir = program("recorded");
    if let Err(e) = std::process::Command::new("bash").arg(dir.join("inputs.sh")).status() {
        eprintln!("recording inputs not made ({e}): the programs that read them will fail");
    }
    let _no_randomize = NoRandomize::set();
    let sampler = mm_sim::record::CpuTimeSampler::open(SAMPLE_PERIOD_NS, 1 << 20)
        .map_err(|e| format!("perf_event_open of task-clock samplers: {e}"));
    for name in RECORDINGS {
        let src = std::fs::read(dir.join(format!("{name}.mmrec"))).expect("the bundle");
        let b = mm_sim::bundle::parse_bundle(&src).expect("parse");
        let mut g = c.benchmark_group(format!("recording/{name}"));
        g.sample_size(20);
        let opts = RunOptions::default();
        g.bench_function("mmsim: replay", |bch| {
            bch.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let m = BundleMachine::new(&b, &opts).expect("set-up");
                    let t0 = thread_cpu_time();
                    let replayed = m.run(&b).expect("replay");
                    total += thread_cpu_time() - t0;
                    drop(std::hint::black_box(replayed));
                }
                total
            })
        });
        match recorded_command(&b) {
            Some(cmd) if Path::new(&cmd.path).exists() => {
                g.bench_function("linux: system time", |bch| bch.iter_custom(|iters| kernel_system_time(&cmd, iters)));
                match &sampler {
                    Ok(s) => {
                        g.bench_function("linux: kernel time, sampled", |bch| {
                            bch.iter_custom(|iters| kernel_time_sampled(&cmd, iters, s))
                        });
                    }
                    Err(e) => eprintln!("recording/{name}/linux: kernel time, sampled: skipped: {e}"),
                }
            }
            _ => eprintln!("recording/{name}/linux skipped: the recorded program is not on this machine"),
        }
        g.finish();
    }
}

criterion_group!(benches, bench, bench_recording);
criterion_main!(benches);
