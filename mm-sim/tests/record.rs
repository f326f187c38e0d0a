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
            "c" if w.len() == 4 && !w[1].starts_with('/') => {
                assert!(pagecache && in_file, "`{l}` not after an f line of a pagecache snapshot");
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

#[test]
fn a_recording_of_threads_and_processes_follows_every_task() {
    if let Some(why) = cannot_record() {
        eprintln!("skipped: recording is not permitted here: {why}");
        return;
    }
    let dir = std::env::temp_dir().join(format!("mmsim-record-tasks-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bundle = dir.join("tasks.mmrec");
    let out = Command::new(env!("CARGO_BIN_EXE_mmsim"))
        .args(["record", "-o"])
        .arg(&bundle)
        .arg("--")
        .arg(std::env::current_exe().unwrap())
        .args(["--exact", "helper_threads_and_a_child", "--test-threads", "1"])
        .env_clear()
        .env("MMSIM_RECORD_HELPER", "1")
        .output()
        .unwrap();
    assert!(out.status.success(), "mmsim record failed: {}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&bundle).unwrap();
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
    if let Some(why) = cannot_record() {
        eprintln!("skipped: recording is not permitted here: {why}");
        return;
    }
    let dir = std::env::temp_dir().join(format!("mmsim-record-exec-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bundle = dir.join("exec.mmrec");
    let out = Command::new(env!("CARGO_BIN_EXE_mmsim"))
        .args(["record", "-o"])
        .arg(&bundle)
        .arg("--")
        .arg(std::env::current_exe().unwrap())
        .args(["--exact", "helper_threads_and_a_child", "--test-threads", "1"])
        .env_clear()
        .env("MMSIM_RECORD_HELPER", "exec")
        .output()
        .unwrap();
    assert!(out.status.success(), "mmsim record failed: {}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&bundle).unwrap();
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
