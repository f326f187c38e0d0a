//! `mmsim record`: the bundles it writes hold what the spec says
//! (docs/scenario-format.md, "Recordings (v1.3)"), the calls parse as an
//! strace log, every fault line is where a fault can be, and each
//! process's outcome is there.  Recording needs root (or CAP_PERFMON) and
//! tracefs; where the machine does not permit it the test says so and
//! checks only the committed bundles.

use mm_sim::strace::parse_log;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// What a bundle was found to hold.
#[derive(Debug, Default)]
struct Found {
    pids: Vec<u32>,
    /// Fault lines by tid: (user, address, error code).
    faults: HashMap<u32, Vec<(bool, u64, u64)>>,
    /// `exit` lines: pid → (minflt, majflt).
    exits: HashMap<u32, (u64, u64)>,
    /// Present ranges by pid.
    present: HashMap<u32, Vec<(u64, u64)>>,
    rusage: HashMap<u32, (u64, u64)>,
    before_execve: u64,
    /// The trace's calls (fault lines left out).
    calls: String,
    root: String,
}

fn hex(s: &str) -> u64 {
    u64::from_str_radix(s.trim_start_matches("0x"), 16).unwrap_or_else(|_| panic!("bad hex `{s}`"))
}

/// Checks `text` against the bundle format and returns what it holds.
fn check_bundle(text: &str) -> Found {
    let mut f = Found::default();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("mmsim-recording 1"));
    let mut part = "";
    let mut parts = Vec::new();
    let mut calls = Vec::new();
    // Per tid: inside a call (its first half written), or ended.
    let mut open: HashSet<u32> = HashSet::new();
    let mut ended: HashSet<u32> = HashSet::new();
    let mut block: Option<(u32, &str)> = None;
    for l in lines {
        if let Some(p) = l.strip_prefix("== ") {
            part = p;
            parts.push(p.to_string());
            continue;
        }
        match part {
            "" => {
                assert!(l.starts_with('#'), "header line `{l}`");
                if let Some(r) = l.strip_prefix("# before execve: minflt ") {
                    f.before_execve = r.split(' ').next().unwrap().parse().unwrap();
                }
            }
            "root" => {
                f.root.push_str(l);
                f.root.push('\n');
            }
            "trace" => {
                let (tid, rest) = l.split_once(' ').unwrap_or_else(|| panic!("trace line `{l}`"));
                let tid: u32 = tid.parse().unwrap_or_else(|_| panic!("trace line without a tid `{l}`"));
                assert!(!ended.contains(&tid), "a line of {tid} after its end: `{l}`");
                if let Some(r) = rest.strip_prefix("page_fault_") {
                    let (kind, r) = r.split_once(": ").unwrap();
                    let user = kind == "user";
                    assert!(user || kind == "kernel", "`{l}`");
                    let fields: Vec<&str> = r.split(' ').collect();
                    assert_eq!(fields.len(), 3, "`{l}`");
                    let addr = hex(fields[0].strip_prefix("address=").unwrap());
                    hex(fields[1].strip_prefix("ip=").unwrap());
                    let ec = hex(fields[2].strip_prefix("error_code=").unwrap());
                    // A user-mode fault (bit 2) is never inside a call;
                    // the kernel's own faults have bit 2 clear.
                    assert_eq!(user, ec & 4 != 0, "`{l}`");
                    if user {
                        assert!(!open.contains(&tid), "a user fault inside a call: `{l}`");
                    }
                    f.faults.entry(tid).or_default().push((user, addr, ec));
                    continue;
                }
                if rest.ends_with("<unfinished ...>") {
                    assert!(open.insert(tid), "two calls open in {tid}: `{l}`");
                } else if rest.starts_with("<... ") {
                    assert!(open.remove(&tid), "a resumed half with no first half: `{l}`");
                } else if let Some(by) = rest.strip_prefix("+++ superseded by execve in pid ") {
                    // Thread `by` ran execve: it goes on under this pid,
                    // inside its call.
                    let by: u32 = by.trim_end_matches(" +++").parse().unwrap();
                    assert!(!open.contains(&tid), "`{l}` inside a call of {tid}");
                    assert!(open.remove(&by), "`{l}`: {by} is not inside its execve");
                    open.insert(tid);
                    ended.insert(by);
                } else if rest.starts_with("+++ ") {
                    assert!(!open.contains(&tid), "an end inside a call: `{l}`");
                    ended.insert(tid);
                } else {
                    assert!(!open.contains(&tid), "a call inside a call: `{l}`");
                }
                if rest.starts_with("execve(") && !f.pids.contains(&tid) {
                    f.pids.push(tid);
                }
                calls.push(l);
            }
            "expect" => {
                let w: Vec<&str> = l.split(' ').collect();
                match (block, w[0]) {
                    (None, "exit") => {
                        let pid = w[1].parse().unwrap();
                        assert_eq!((w[2], w[4]), ("minflt", "majflt"), "`{l}`");
                        f.exits.insert(pid, (w[3].parse().unwrap(), w[5].parse().unwrap()));
                        block = Some((pid, "exit"));
                    }
                    (Some((pid, "exit")), "maps") => {
                        assert_eq!(w[1].parse::<u32>().unwrap(), pid);
                        block = Some((pid, "maps"));
                    }
                    (Some((pid, "maps")), "present") => {
                        assert_eq!(w[1].parse::<u32>().unwrap(), pid);
                        f.present.insert(pid, Vec::new());
                        block = Some((pid, "present"));
                    }
                    (Some((pid, "present")), "end") => {
                        assert_eq!(w[1].parse::<u32>().unwrap(), pid);
                        block = None;
                    }
                    (Some((pid, "present")), _) => {
                        let (a, b) = l.split_once('-').unwrap();
                        let (a, b) = (hex(a), hex(b));
                        assert!(a < b && a % 4096 == 0 && b % 4096 == 0, "`{l}`");
                        let v = f.present.get_mut(&pid).unwrap();
                        // In address order, adjacent ranges joined.
                        assert!(v.last().is_none_or(|&(_, e)| e < a), "`{l}`");
                        v.push((a, b));
                    }
                    (Some((_, "maps")), _) => {
                        let (range, _) = l.split_once(' ').unwrap();
                        let (a, b) = range.split_once('-').unwrap();
                        assert!(hex(a) < hex(b), "`{l}`");
                    }
                    (None, "rusage") => {
                        assert_eq!((w[2], w[4], w[6], w[8]), ("minflt", "majflt", "utime", "stime"), "`{l}`");
                        f.rusage.insert(w[1].parse().unwrap(), (w[3].parse().unwrap(), w[5].parse().unwrap()));
                    }
                    _ => panic!("expect line `{l}`"),
                }
            }
            p => panic!("unknown part {p}"),
        }
    }
    assert_eq!(parts, ["root", "trace", "expect"]);
    assert!(open.is_empty(), "calls never resumed: {open:?}");
    assert!(block.is_none(), "an expect block with no end");
    f.calls = calls.join("\n");
    let log = parse_log(f.calls.as_bytes()).unwrap_or_else(|e| panic!("the trace does not parse: {e}"));
    assert_eq!(log.unmatched, 0);
    // The root part: a snapshot, `pagecache` before any `c` line, `c`
    // runs after a file in page order, `ra=` on `fs` lines.
    let mut rl = f.root.lines();
    assert_eq!(rl.next(), Some("mmsim-root-snapshot 1"));
    let (mut in_file, mut pagecache, mut next_page) = (false, false, 0u64);
    for l in rl {
        let w: Vec<&str> = l.split(' ').collect();
        match w[0] {
            "pagecache" => pagecache = true,
            "c" if (w.len() == 4 || w.len() == 5) && !w[1].starts_with('/') => {
                assert!(pagecache && in_file, "`{l}` not after an f line of a pagecache snapshot");
                assert!(w.len() == 4 || w[4] == "readahead", "`{l}`");
                let (first, count, order): (u64, u64, u32) =
                    (w[1].parse().unwrap(), w[2].parse().unwrap(), w[3].parse().unwrap());
                assert!(order <= 9 && count > 0 && first % (1 << order) == 0 && first >= next_page, "`{l}`");
                next_page = first + count * (1 << order);
            }
            "f" => {
                in_file = true;
                next_page = 0;
            }
            "=" => assert!(in_file, "`{l}`"),
            "fs" => {
                if let Some(ra) = w.get(3) {
                    ra.strip_prefix("ra=").unwrap().parse::<u64>().unwrap();
                }
            }
            _ => in_file = false,
        }
    }
    f
}

/// The snapshot part as the snapshot parser of this version reads it
/// (without what recordings add).
fn plain_snapshot(root: &str) -> String {
    root.lines()
        .filter(|l| *l != "pagecache" && (!l.starts_with("c ") || l[2..].starts_with('/')))
        .map(|l| if l.starts_with("fs ") { l.split(" ra=").next().unwrap() } else { l })
        .map(|l| format!("{l}\n"))
        .collect()
}

fn recorded(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../mm-tests/programs/recorded").join(name)
}

#[test]
fn committed_bundles_hold_what_the_spec_says() {
    for name in ["cat-ext4.mmrec", "ls-ext4.mmrec"] {
        let text = std::fs::read_to_string(recorded(name)).unwrap();
        let f = check_bundle(&text);
        assert_eq!(f.pids.len(), 1, "{name}");
        let pid = f.pids[0];
        let (minflt, majflt) = f.exits[&pid];
        assert_eq!(f.rusage[&pid], (minflt, majflt), "{name}");
        // Every fault the trace has is counted; the ones it lacks are
        // those of execve's argument pages, which raise no tracepoint.
        let traced = f.faults[&pid].len() as u64;
        assert!(
            minflt >= traced + f.before_execve && minflt - traced - f.before_execve <= 4,
            "{name}: {minflt} {traced}"
        );
        mm_fs_host::snapshot::Snapshot::parse(plain_snapshot(&f.root).as_bytes()).unwrap();
    }
}

/// `MMSIM_CHECK_BUNDLES=DIR`: every `*.mmrec` of DIR is checked as the
/// committed ones are (bundles too large for the repository).
#[test]
fn bundles_of_a_directory_hold_what_the_spec_says() {
    let Some(dir) = std::env::var_os("MMSIM_CHECK_BUNDLES") else { return };
    let mut n = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_none_or(|x| x != "mmrec") {
            continue;
        }
        let f = check_bundle(&std::fs::read_to_string(&p).unwrap());
        for (&pid, &(minflt, majflt)) in &f.exits {
            assert_eq!(f.rusage.get(&pid).map(|r| r.1 >= majflt), Some(true), "{}: {pid}", p.display());
            assert!(f.pids.contains(&pid), "{}: {pid} ran no execve", p.display());
            let _ = minflt;
        }
        mm_fs_host::snapshot::Snapshot::parse(plain_snapshot(&f.root).as_bytes()).unwrap();
        eprintln!(
            "{}: {} processes, {} fault lines",
            p.display(),
            f.exits.len(),
            f.faults.values().map(Vec::len).sum::<usize>()
        );
        n += 1;
    }
    assert!(n > 0, "no bundle in MMSIM_CHECK_BUNDLES");
}

/// The probe: a static program with no C library that runs a list of
/// memory operations (mm-tests/programs/probe).
fn probe() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../mm-tests/programs/probe/probe")
}

/// Why recording cannot run here, if it cannot.
/// Held while a test records.  Tests record this same program at once:
/// when the machine's load has evicted some of its pages, one recording's
/// start snapshot of the page cache may be taken while another's
/// readahead is bringing a page in, so the snapshot lacks a page that is
/// cached by the time fault-around maps it (seen: single-page holes in
/// the snapshot, and exactly those pages present in the recording only).
fn one_recording_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static RECORDING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    RECORDING.lock().unwrap_or_else(|e| e.into_inner())
}

fn cannot_record() -> Option<String> {
    if !cfg!(target_os = "linux") || !cfg!(target_arch = "x86_64") {
        return Some("not Linux x86-64".into());
    }
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    let paranoid: i32 = std::fs::read_to_string("/proc/sys/kernel/perf_event_paranoid")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(3);
    if !root && paranoid > 1 {
        return Some(format!("not root and kernel.perf_event_paranoid is {paranoid}"));
    }
    if !Path::new("/sys/kernel/tracing/events/exceptions").is_dir() && !root {
        return Some("tracefs is not mounted and mounting it needs root".into());
    }
    None
}

#[test]
fn a_recording_of_the_probe_has_its_faults_in_order() {
    if let Some(why) = cannot_record() {
        eprintln!("skipped: recording is not permitted here: {why}");
        return;
    }
    let _one = one_recording_at_a_time();
    let dir = std::env::temp_dir().join(format!("mmsim-record-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let data = dir.join("data");
    std::fs::write(&data, vec![7u8; 3 * 4096]).unwrap();
    let ops = dir.join("ops");
    let ops_text = format!(
        "mmap 0 0x4000 3 0x22 -1 0\nstore r1\nstore r1+0x2000\nload r1+0x3000\nmunmap r1 0x1000\n\
         open {} 0\nmmap 0 0x3000 1 0x1 r6 0\nload r7+0x1000\nclose r6\n",
        data.display()
    );
    std::fs::write(&ops, ops_text).unwrap();
    let bundle = dir.join("probe.mmrec");
    let out = Command::new(env!("CARGO_BIN_EXE_mmsim"))
        .arg("record")
        .arg("-o")
        .arg(&bundle)
        .arg("--buffer")
        .arg("1M")
        .arg("--")
        .arg(probe())
        .arg(&ops)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "mmsim record failed: {err}");
    let text = std::fs::read_to_string(&bundle).unwrap();
    let f = check_bundle(&text);
    assert_eq!(f.pids.len(), 1);
    let pid = f.pids[0];
    // The calls, as the probe made them.
    let log = parse_log(f.calls.as_bytes()).unwrap();
    let names: Vec<String> =
        f.calls.lines().map(|l| l.split(' ').nth(1).unwrap().split('(').next().unwrap().into()).collect();
    assert_eq!(names.first().map(String::as_str), Some("execve"));
    assert!(log.events.len() >= 9, "{}", f.calls);
    let mmap_ret = |n: usize| -> u64 {
        let l = f.calls.lines().filter(|l| l.contains(" mmap(")).nth(n).unwrap();
        hex(l.rsplit(" = ").next().unwrap())
    };
    let (anon, file) = (mmap_ret(0), mmap_ret(1));
    // Its stores and loads fault where and as they were made, in order.
    let user: Vec<(u64, u64)> = f.faults[&pid]
        .iter()
        .filter(|(u, a, _)| *u && (*a >= anon && *a < anon + 0x4000 || *a >= file && *a < file + 0x3000))
        .map(|&(_, a, e)| (a, e))
        .collect();
    assert_eq!(user, vec![(anon, 0x6), (anon + 0x2000, 0x6), (anon + 0x3000, 0x4), (file + 0x1000, 0x4)]);
    // The outcome: counts, and the pages it touched still present.
    let (minflt, majflt) = f.exits[&pid];
    let traced = f.faults[&pid].len() as u64;
    assert!(minflt >= traced + f.before_execve && minflt - traced - f.before_execve <= 4, "{minflt} {traced}");
    assert_eq!(f.rusage[&pid], (minflt, majflt));
    let present = |a: u64| f.present[&pid].iter().any(|&(s, e)| s <= a && a < e);
    assert!(present(anon + 0x2000) && present(anon + 0x3000) && present(file + 0x1000));
    // Never touched (its first page was unmapped, and may be the file's
    // now: the file mapping can take the hole).
    assert!(!present(anon + 0x1000));
    // The data file, with the page cache it had: the test wrote it, so
    // it is cached (when the recorder can read frames, as root).
    let snap = mm_fs_host::snapshot::Snapshot::parse(plain_snapshot(&f.root).as_bytes()).unwrap();
    drop(snap);
    let data_line = format!("f {} ", data.display());
    assert!(f.root.contains(&data_line), "{}", f.root);
    if f.root.lines().any(|l| l == "pagecache") {
        let after: Vec<&str> =
            f.root.split(&data_line).nth(1).unwrap().lines().skip(1).take_while(|l| l.starts_with("c ")).collect();
        let pages: u64 = after
            .iter()
            .map(|l| {
                let w: Vec<u64> = l[2..].split(' ').map(|x| x.parse().unwrap()).collect();
                w[1] << w[2]
            })
            .sum();
        assert_eq!(pages, 3, "{after:?}");
    }
    // An existing bundle is never replaced without --force.
    let again = Command::new(env!("CARGO_BIN_EXE_mmsim"))
        .args(["record", "-o"])
        .arg(&bundle)
        .arg("--")
        .arg(probe())
        .arg(&ops)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists (use --force"));
    assert_eq!(std::fs::read_to_string(&bundle).unwrap(), text);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Run by the next test under `mmsim record` (and a no-op otherwise): a
/// thread that writes to memory, and a child process that runs this test
/// program again.
#[test]
fn helper_threads_and_a_child() {
    let Some(what) = std::env::var_os("MMSIM_RECORD_HELPER") else { return };
    if what == "exec" {
        // execve from a thread other than the leader: it takes the
        // leader's pid over.
        let t = std::thread::spawn(|| {
            use std::os::unix::process::CommandExt;
            let e =
                Command::new(std::env::current_exe().unwrap()).arg("--list").env_remove("MMSIM_RECORD_HELPER").exec();
            panic!("exec: {e}");
        });
        t.join().unwrap();
        unreachable!("the thread ran execve");
    }
    let t = std::thread::spawn(|| {
        let v = vec![1u8; 1 << 20];
        v.iter().map(|&b| u64::from(b)).sum::<u64>()
    });
    assert_eq!(t.join().unwrap(), 1 << 20);
    let out = Command::new(std::env::current_exe().unwrap())
        .arg("--list")
        .env_remove("MMSIM_RECORD_HELPER")
        .output()
        .unwrap();
    assert!(out.status.success());
}

/// Records this test binary running its test `helper` with `var=value`
/// as its whole environment, into `self.mmrec` of a new directory: the
/// directory and the bundle's text (`None`, said on stderr, where
/// recording is not permitted here).
fn record_self(helper: &str, var: &str, value: &str) -> Option<(PathBuf, String)> {
    if let Some(why) = cannot_record() {
        eprintln!("skipped: recording is not permitted here: {why}");
        return None;
    }
    let _one = one_recording_at_a_time();
    let dir = std::env::temp_dir().join(format!("mmsim-record-{helper}-{value}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // This program was just linked: its pages written back now, not while
    // it runs (a folio locked for writeback is one fault-around skips, a
    // state the bundle does not hold).
    std::fs::File::open(std::env::current_exe().unwrap()).unwrap().sync_all().unwrap();
    let bundle = dir.join("self.mmrec");
    let out = Command::new(env!("CARGO_BIN_EXE_mmsim"))
        .args(["record", "-o"])
        .arg(&bundle)
        .arg("--")
        .arg(std::env::current_exe().unwrap())
        .args(["--exact", helper, "--test-threads", "1"])
        .env_clear()
        .env(var, value)
        .output()
        .unwrap();
    assert!(out.status.success(), "mmsim record failed: {}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&bundle).unwrap();
    Some((dir, text))
}

#[test]
fn a_recording_of_threads_and_processes_follows_every_task() {
    let Some((dir, text)) = record_self("helper_threads_and_a_child", "MMSIM_RECORD_HELPER", "1") else { return };
    let f = check_bundle(&text);
    // Two processes, each with its outcome and its rusage line.
    assert_eq!(f.pids.len(), 2, "{:?}", f.pids);
    for pid in &f.pids {
        assert!(f.exits.contains_key(pid) && f.rusage.contains_key(pid), "{pid}");
        assert!(!f.present[pid].is_empty());
    }
    // More tasks faulted than processes: the threads.
    assert!(f.faults.len() > 2, "{:?}", f.faults.keys());
    // The parent waited for the child: its rusage holds the child's.
    let (parent, child) = (f.pids[0], f.pids[1]);
    assert!(f.rusage[&parent].0 >= f.exits[&parent].0 + f.exits[&child].0);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_thread_that_runs_execve_goes_on_under_its_leader_pid() {
    let Some((dir, text)) = record_self("helper_threads_and_a_child", "MMSIM_RECORD_HELPER", "exec") else { return };
    let f = check_bundle(&text);
    let sup: Vec<&str> = text.lines().filter(|l| l.contains("+++ superseded by execve in pid ")).collect();
    assert_eq!(sup.len(), 1, "{sup:?}");
    // One process: the leader's pid ran both programs, and ended once.
    assert_eq!(f.exits.len(), 1);
    let pid = *f.exits.keys().next().unwrap();
    assert!(sup[0].starts_with(&format!("{pid} ")));
    let log = parse_log(f.calls.as_bytes()).unwrap();
    let execs = log.events.iter().filter(|e| matches!(e.call, mm_sim::strace::Call::Execve { .. }) && e.pid == pid);
    assert_eq!(execs.count(), 2);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_record_arguments_are_errors() {
    let dir = std::env::temp_dir().join(format!("mmsim-record-args-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let existing = dir.join("x.mmrec");
    std::fs::write(&existing, "keep").unwrap();
    let run = |args: &[&std::ffi::OsStr]| Command::new(env!("CARGO_BIN_EXE_mmsim")).args(args).output().unwrap();
    let o = run(&["record".as_ref(), "-o".as_ref(), existing.as_os_str(), "--".as_ref(), "true".as_ref()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("exists"));
    assert_eq!(std::fs::read_to_string(&existing).unwrap(), "keep");
    let out = dir.join("y.mmrec");
    let o = run(&[
        "record".as_ref(),
        "--buffer".as_ref(),
        "3000".as_ref(),
        "-o".as_ref(),
        out.as_os_str(),
        "--".as_ref(),
        "true".as_ref(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("power of two"), "{}", String::from_utf8_lossy(&o.stderr));
    let o = run(&["record".as_ref(), "-o".as_ref(), out.as_os_str(), "--".as_ref(), "/no/such/program".as_ref()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!out.exists());
    // No program at all: clap's usage error.
    assert_eq!(run(&["record".as_ref()]).status.code(), Some(2));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `yes`, in the pipeline below: writes lines until the pipe is closed,
/// which kills it (SIGPIPE at its default action).
fn helper_yes() -> ! {
    // SAFETY: plain calls on our own descriptor and signal.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        loop {
            if libc::write(1, b"y\n".as_ptr().cast(), 2) < 0 {
                libc::_exit(3);
            }
        }
    }
}

/// `head -1`, in the pipeline below (after the lines the test harness
/// of `yes` writes first).
fn helper_head() {
    let mut line = Vec::new();
    let mut b = [0u8];
    // SAFETY: reads into a local byte.
    while unsafe { libc::read(0, b.as_mut_ptr().cast(), 1) } == 1 {
        line.push(b[0]);
        if b[0] == b'\n' {
            if line == b"y\n" {
                return;
            }
            line.clear();
        }
    }
    panic!("no line `y` read");
}

/// The address of a byte the signal handlers store to: a page of its own
/// for each signal, so that each handler faults.
#[repr(C, align(4096))]
struct HandlerPages([u8; 3 * 4096]);
static mut HANDLER_PAGES: HandlerPages = HandlerPages([0; 3 * 4096]);
/// The descriptor the SIGUSR1 handler writes to: the child waits for it.
static HANDLED_FD: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(-1);

extern "C" fn on_usr1(_sig: libc::c_int) {
    // SAFETY: a store to our own static page, and a write(2) on a pipe
    // (async-signal-safe).
    unsafe {
        std::ptr::write_volatile(std::ptr::addr_of_mut!(HANDLER_PAGES.0[4096]), 1);
        libc::write(HANDLED_FD.load(std::sync::atomic::Ordering::Relaxed), b"h".as_ptr().cast(), 1);
    }
}

extern "C" fn on_segv(_sig: libc::c_int, si: *mut libc::siginfo_t, _ctx: *mut libc::c_void) {
    // SAFETY: the kernel's siginfo; mprotect of the page that faulted,
    // which the test mapped PROT_NONE.
    unsafe {
        std::ptr::write_volatile(std::ptr::addr_of_mut!(HANDLER_PAGES.0[2 * 4096]), 1);
        let page = ((*si).si_addr() as usize) & !4095;
        libc::mprotect(page as *mut libc::c_void, 4096, libc::PROT_READ | libc::PROT_WRITE);
    }
}

/// Until task `path` (`/proc/P/task/T/syscall`) is blocked in call `nr`.
/// Async-signal-safe (run in a child forked from threads).
fn wait_in_call(path: &std::ffi::CStr, nr: &[u8]) {
    loop {
        let mut buf = [0u8; 32];
        // SAFETY: raw calls on a local buffer.
        let n = unsafe {
            let fd = libc::open(path.as_ptr(), libc::O_RDONLY);
            let n = libc::read(fd, buf.as_mut_ptr().cast(), buf.len());
            libc::close(fd);
            n
        };
        if n > 0 && buf.starts_with(nr) {
            return;
        }
        let ts = libc::timespec { tv_sec: 0, tv_nsec: 200_000 };
        // SAFETY: a valid timespec.
        unsafe { libc::nanosleep(&ts, std::ptr::null_mut()) };
    }
}

/// Signals: a `read` interrupted by a handler with `SA_RESTART` (its frame
/// on a fresh alternate stack, written by the kernel outside any call)
/// and restarted; a `clock_nanosleep` interrupted by a signal that has no
/// handler, continued by `restart_syscall`; a `SIGSEGV` handler that
/// makes the page it faulted on writable; `SIGCHLD`.
fn helper_handlers() {
    // SAFETY: calls on memory, descriptors and signals this process owns;
    // the forked child makes async-signal-safe calls only, then _exit.
    unsafe {
        let stack_len = 16 * 4096;
        let stack = libc::mmap(
            std::ptr::null_mut(),
            stack_len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        );
        assert_ne!(stack, libc::MAP_FAILED);
        let ss = libc::stack_t { ss_sp: stack, ss_flags: 0, ss_size: stack_len };
        assert_eq!(libc::sigaltstack(&ss, std::ptr::null_mut()), 0);
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = on_usr1 as extern "C" fn(libc::c_int) as usize;
        sa.sa_flags = libc::SA_RESTART | libc::SA_ONSTACK;
        assert_eq!(libc::sigaction(libc::SIGUSR1, &sa, std::ptr::null_mut()), 0);
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = on_segv as extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) as usize;
        sa.sa_flags = libc::SA_SIGINFO;
        assert_eq!(libc::sigaction(libc::SIGSEGV, &sa, std::ptr::null_mut()), 0);
        libc::signal(libc::SIGWINCH, libc::SIG_DFL);

        let (mut data, mut handled) = ([0i32; 2], [0i32; 2]);
        assert_eq!(libc::pipe(data.as_mut_ptr()), 0);
        assert_eq!(libc::pipe(handled.as_mut_ptr()), 0);
        HANDLED_FD.store(handled[1], std::sync::atomic::Ordering::Relaxed);
        let (pid, tid) = (libc::getpid(), libc::gettid());
        let path = std::ffi::CString::new(format!("/proc/{pid}/task/{tid}/syscall")).unwrap();
        let child = libc::fork();
        assert!(child >= 0);
        if child == 0 {
            // The parent blocks in read: interrupt it, wait for its
            // handler, then give it its byte.
            wait_in_call(&path, b"0 ");
            libc::syscall(libc::SYS_tgkill, pid, tid, libc::SIGUSR1);
            let mut b = [0u8];
            libc::read(handled[0], b.as_mut_ptr().cast(), 1);
            libc::write(data[1], b"x".as_ptr().cast(), 1);
            // Then it sleeps: a signal with no handler.
            wait_in_call(&path, b"230 ");
            libc::syscall(libc::SYS_tgkill, pid, tid, libc::SIGWINCH);
            libc::_exit(0);
        }
        let mut b = [0u8];
        assert_eq!(libc::read(data[0], b.as_mut_ptr().cast(), 1), 1);
        assert_eq!(b[0], b'x');
        let ts = libc::timespec { tv_sec: 0, tv_nsec: 300_000_000 };
        assert_eq!(libc::clock_nanosleep(libc::CLOCK_REALTIME, 0, &ts, std::ptr::null_mut()), 0);
        let mut status = 0;
        assert_eq!(libc::waitpid(child, &mut status, 0), child);
        // A store to a page the program cannot write: its handler makes
        // it writable, and the store is made again.
        let p = libc::mmap(std::ptr::null_mut(), 4096, libc::PROT_NONE, libc::MAP_PRIVATE | libc::MAP_ANONYMOUS, -1, 0);
        assert_ne!(p, libc::MAP_FAILED);
        std::ptr::write_volatile(p.cast::<u8>(), 5);
        assert_eq!(std::ptr::read_volatile(p.cast::<u8>()), 5);
    }
}

/// Run by the signal tests under `mmsim record` (a no-op otherwise).
#[test]
fn helper_signals() {
    let Some(what) = std::env::var_os("MMSIM_SIGNAL_HELPER") else { return };
    let me = || {
        let mut c = Command::new(std::env::current_exe().unwrap());
        c.args(["--exact", "helper_signals", "--test-threads", "1"]);
        c
    };
    match what.to_str().unwrap() {
        "yes" => helper_yes(),
        "head" => helper_head(),
        "handlers" => helper_handlers(),
        "pipeline" => {
            // yes | head -1
            use std::os::unix::process::ExitStatusExt;
            use std::process::Stdio;
            let mut yes = me().env("MMSIM_SIGNAL_HELPER", "yes").stdout(Stdio::piped()).spawn().unwrap();
            let mut head = me()
                .env("MMSIM_SIGNAL_HELPER", "head")
                .stdin(Stdio::from(yes.stdout.take().unwrap()))
                .stdout(Stdio::null())
                .spawn()
                .unwrap();
            assert!(head.wait().unwrap().success());
            assert_eq!(yes.wait().unwrap().signal(), Some(libc::SIGPIPE));
        }
        w => panic!("no helper {w}"),
    }
}

/// Records `helper_signals` as `what`, checks the bundle, and replays it
/// with `--check`: the bundle's text.
fn record_signal_helper(what: &str) -> Option<String> {
    let (dir, text) = record_self("helper_signals", "MMSIM_SIGNAL_HELPER", what)?;
    let bundle = dir.join("self.mmrec");
    let f = check_bundle(&text);
    for pid in &f.pids {
        assert!(f.exits.contains_key(pid) && f.rusage.contains_key(pid), "{pid}");
    }
    parse_log(f.calls.as_bytes()).unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_mmsim")).args(["run", "--check"]).arg(&bundle).output().unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    let last = stdout.lines().last().unwrap_or("");
    assert!(
        run.status.success() && last.ends_with("identical"),
        "replay of {what}: {last}\n{}",
        stdout.lines().filter(|l| l.starts_with('#')).collect::<Vec<_>>().join("\n")
    );
    std::fs::remove_dir_all(&dir).unwrap();
    Some(text)
}

#[test]
fn a_pipeline_whose_writer_is_killed_by_sigpipe_records_and_replays() {
    let Some(text) = record_signal_helper("pipeline") else { return };
    let line = |pat: &str| text.lines().find(|l| l.contains(pat)).unwrap_or_else(|| panic!("no `{pat}`"));
    // The writer: EPIPE, the signal the kernel sent it, its end.
    // (The thread that wrote gets it; it names its process.)
    let sigpipe = line("--- SIGPIPE {si_signo=SIGPIPE, si_code=SI_USER, si_pid=");
    let tid = sigpipe.split(' ').next().unwrap();
    let yes = sigpipe.split("si_pid=").nth(1).unwrap().split(',').next().unwrap();
    assert!(text.contains(&format!("{tid} +++ killed by SIGPIPE +++")));
    assert!(text.contains(&format!("{yes} +++ killed by SIGPIPE +++")));
    // The write may be split by the other process's lines into
    // `write(1<pipe:[...]>, ... <unfinished ...>` and `<... write
    // resumed>) = -1 EPIPE`.
    let epipe = |l: &str| {
        (l.starts_with(&format!("{tid} write(1<pipe:[")) || l.starts_with(&format!("{tid} <... write resumed>")))
            && l.contains("-1 EPIPE")
    };
    assert!(text.lines().any(epipe), "no EPIPE write by {tid}:\n{text}");
    // The parent gets SIGCHLD (one for both children when the second
    // comes while the first is pending: signals below SIGRTMIN do not
    // queue).
    line("--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_");
}

#[test]
fn signal_handlers_and_restarted_calls_record_and_replay() {
    let Some(text) = record_signal_helper("handlers") else { return };
    let trace: Vec<&str> =
        text.lines().skip_while(|l| *l != "== trace").take_while(|l| *l != "== expect").skip(1).collect();
    let at = |pat: &str| trace.iter().position(|l| l.contains(pat)).unwrap_or_else(|| panic!("no `{pat}`"));
    // read interrupted: ERESTARTSYS, the signal, the kernel writing its
    // frame on the alternate stack (outside any call), the handler, its
    // rt_sigreturn, and the read again.
    let restart = at("? ERESTARTSYS (To be restarted if SA_RESTART is set)");
    assert!(trace[restart].contains("read(") || trace[restart].contains("<... read resumed>"), "{}", trace[restart]);
    let usr1 = at("--- SIGUSR1 {si_signo=SIGUSR1, si_code=SI_TKILL, si_pid=");
    assert!(usr1 > restart);
    let tid = trace[usr1].split(' ').next().unwrap();
    let next = |i: usize| *trace[i + 1..].iter().find(|l| l.starts_with(&format!("{tid} "))).unwrap();
    assert!(next(usr1).starts_with(&format!("{tid} page_fault_kernel: ")), "{}", next(usr1));
    // (Whole, or split by another task's line.)
    let sigreturn = at("rt_sigreturn({mask=");
    let returned = |l: &str| l.starts_with(&format!("{tid} ")) && l.ends_with(") = 0");
    assert!(
        sigreturn > usr1
            && (returned(trace[sigreturn])
                || trace[sigreturn].ends_with(" <unfinished ...>") && returned(next(sigreturn))),
        "{}",
        trace[sigreturn]
    );
    // (Whole, or split by the child's lines while it blocks.)
    assert!(
        trace[sigreturn + 1..].iter().any(|l| {
            (l.starts_with(&format!("{tid} read(")) || l.starts_with(&format!("{tid} <... read resumed>")))
                && l.ends_with("= 1")
        }),
        "no read of 1 byte after the handler:\n{}",
        trace[sigreturn..].iter().take(12).copied().collect::<Vec<_>>().join("\n")
    );
    // clock_nanosleep interrupted by a signal with no handler: continued
    // by restart_syscall.
    let winch = at("--- SIGWINCH {si_signo=SIGWINCH, si_code=SI_TKILL");
    let sleep = at("= ? ERESTART_RESTARTBLOCK (Interrupted by signal)");
    assert!(sleep < winch && trace[sleep].contains("clock_nanosleep"), "{}", trace[sleep]);
    // (Whole or split by another task's line; SIGCHLD may interrupt it
    // again first.)
    assert!(
        trace[winch + 1..]
            .iter()
            .any(|l| l.starts_with(&format!("{tid} ")) && l.contains("restart_syscall") && l.ends_with(") = 0"))
    );
    // The store to a PROT_NONE page: SIGSEGV, made again after the handler.
    let segv = at("--- SIGSEGV {si_signo=SIGSEGV, si_code=SEGV_ACCERR, si_addr=");
    let addr = trace[segv].split("si_addr=").nth(1).unwrap().split('}').next().unwrap();
    let stores = trace.iter().filter(|l| l.contains(&format!("page_fault_user: address={addr} "))).count();
    assert_eq!(stores, 2, "{addr}");
    at("--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED");
}

/// Run by the next test (a no-op otherwise): spends about 60 ms of CPU
/// time in kernel mode (reading /dev/zero) or in user mode (arithmetic),
/// as `MMSIM_SPIN` says.
#[test]
fn helper_spin() {
    let Some(mode) = std::env::var_os("MMSIM_SPIN") else { return };
    let cpu = || {
        let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: `ts` is a valid timespec to write.
        unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
        ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
    };
    let start = cpu();
    let mut buf = vec![0u8; 1 << 16];
    let mut x = 1u64;
    let mut zero = std::fs::File::open("/dev/zero").unwrap();
    while cpu() - start < 0.06 {
        if mode == "kernel" {
            std::io::Read::read_exact(&mut zero, &mut buf).unwrap();
        } else {
            for _ in 0..1_000_000 {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            }
        }
    }
    std::hint::black_box((x, buf));
}

/// The CPU-time sampler the replay benchmark measures the kernel's time
/// with tells a program that works in the kernel from one that works in
/// user mode, and its samples add up to the program's CPU time.
#[cfg(target_os = "linux")]
#[test]
fn the_cpu_time_sampler_tells_kernel_time_from_user_time() {
    if let Some(why) = cannot_record() {
        eprintln!("skipped: recording is not permitted here: {why}");
        return;
    }
    let sampler = match mm_sim::record::CpuTimeSampler::open(100_000, 1 << 18) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("skipped: perf_event_open of a task-clock sampler failed: {e}");
            return;
        }
    };
    let me = std::process::id();
    for mode in ["kernel", "user"] {
        sampler.take(me).unwrap();
        sampler.enable().unwrap();
        // Reaped by wait4 (which gives its rusage), not `Child::wait`.
        #[allow(clippy::zombie_processes)]
        let child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "helper_spin", "--test-threads", "1"])
            .env("MMSIM_SPIN", mode)
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut status = 0;
        // SAFETY: a zeroed rusage is valid; the pid is our child's.
        let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: plain system call on our own child, with valid out-pointers.
        let r = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut ru) };
        assert_eq!(r, child.id() as libc::pid_t);
        sampler.disable().unwrap();
        let n = sampler.take(me).unwrap();
        let cpu_ms = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) as f64 * 1e3
            + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) as f64 * 1e-3;
        let sampled_ms = (n.kernel + n.user) as f64 * 0.1;
        let (want, other) = if mode == "kernel" { (n.kernel, n.user) } else { (n.user, n.kernel) };
        assert_eq!(n.lost, 0);
        eprintln!("{mode} mode: {n:?} samples of 0.1 ms, rusage {cpu_ms} ms");
        assert!(want >= 4 * other, "{mode} mode: {n:?}");
        assert!((sampled_ms - cpu_ms).abs() < 0.3 * cpu_ms, "{mode} mode: {n:?} samples of 0.1 ms, rusage {cpu_ms} ms");
    }
}
