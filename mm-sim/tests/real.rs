//! `mmsim real`: runs a sample of the committed cases
//! (mm-tests/scenarios/*/) on this machine's kernel and compares the
//! output with their `.expected` files (recorded on Linux 6.18), the dev
//! and inode columns of maps lines aside.  Where the kernel is not Linux
//! 6.x on x86-64, or the runner lacks what it needs (moving the program
//! break with prctl(PR_SET_MM_MAP), CAP_IPC_LOCK to pre-fault itself with
//! mlockall, a tmpfs at /dev/shm), the test says "skipped"
//! and checks only what needs no kernel: errors and `--output`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn mmsim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mmsim"))
}

fn scenarios() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../mm-tests/scenarios")
}

/// Why the host cannot run the comparison, if it cannot.
fn unsupported() -> Option<String> {
    if !cfg!(all(target_os = "linux", target_arch = "x86_64")) {
        return Some("not Linux on x86-64".into());
    }
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    if !release.starts_with("6.") {
        return Some(format!("kernel {} is not Linux 6.x", release.trim()));
    }
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let cap_eff = status
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
        .unwrap_or(0);
    if cap_eff >> 14 & 1 == 0 {
        return Some("no CAP_IPC_LOCK".into());
    }
    let mounts = std::fs::read_to_string("/proc/self/mounts").unwrap_or_default();
    if !mounts.lines().any(|l| l.split(' ').nth(1) == Some("/dev/shm") && l.split(' ').nth(2) == Some("tmpfs")) {
        return Some("no tmpfs at /dev/shm".into());
    }
    // The program break must move (prctl(PR_SET_MM_MAP) may be refused,
    // e.g. by a seccomp filter or without CAP_SYS_RESOURCE on an older
    // kernel).
    let d = tmp("probe");
    std::fs::write(d.join("brk.mms"), "brk(NULL) = 0x200000000\n").unwrap();
    let out = run_in(&d, &["real", "brk.mms"]);
    let _ = std::fs::remove_dir_all(&d);
    if out.stdout != b"ok 1 lines, 0 skipped\n" || !out.stderr.is_empty() {
        return Some(format!("the program break cannot be moved ({})", String::from_utf8_lossy(&out.stderr).trim()));
    }
    None
}

/// Maps lines without their dev and inode columns.
fn norm(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| {
            let f: Vec<&str> = l.splitn(6, ' ').collect();
            let is_maps = f.len() >= 5
                && f[0].contains('-')
                && f[0].bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
                && f[1].len() == 4;
            if is_maps {
                let path = f.get(5).map(|p| format!(" {p}")).unwrap_or_default();
                format!("{} {} {} DEV INODE{path}", f[0], f[1], f[2])
            } else {
                l.to_string()
            }
        })
        .collect()
}

/// Every case of the corpus that has an `.expected`, by directory.
fn sample() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in [
        "brk",
        "edge",
        "extreme",
        "files",
        "files-long",
        "forks",
        "forks-long",
        "generated",
        "names",
        "semantics",
        "smaps",
        "trace",
    ] {
        let mut cases: Vec<PathBuf> = std::fs::read_dir(scenarios().join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "mms") && p.with_extension("expected").exists())
            // Depends on the descriptors the caller left open.
            .filter(|p| !p.ends_with("rlimit-nofile.mms"))
            .collect();
        cases.sort();
        let stride = (cases.len() / 4).max(1);
        out.extend(cases.into_iter().step_by(stride).take(4));
    }
    out
}

#[test]
fn real_runner_agrees_with_the_committed_cases() {
    if let Some(why) = unsupported() {
        eprintln!("skipped: mmsim real cannot run here: {why}");
        return;
    }
    let cases = sample();
    assert!(cases.len() >= 36, "{} cases", cases.len());
    let mut failed = Vec::new();
    for c in &cases {
        let want = std::fs::read_to_string(c.with_extension("expected")).unwrap();
        let w = norm(&want);
        // The host kernel is live: on a busy machine a run now and then
        // takes one more minor fault than the recording (each case was
        // recorded five times identically on a quiet one).  A case
        // differs only if it differs twice running.
        let run = || {
            let out = mmsim().arg("real").arg(c).output().unwrap();
            let g = norm(&String::from_utf8_lossy(&out.stdout));
            (out, g)
        };
        let (mut out, mut g) = run();
        if !out.status.success() || g != w {
            (out, g) = run();
        }
        if !out.status.success() || g != w {
            let i = g.iter().zip(&w).position(|(a, b)| a != b).unwrap_or(g.len().min(w.len()));
            failed.push(format!(
                "{}: status {:?}, line {}: expected {:?}, got {:?} ({})",
                c.display(),
                out.status.code(),
                i + 1,
                w.get(i),
                g.get(i),
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
    }
    assert!(failed.is_empty(), "{} of {} cases differ:\n{}", failed.len(), cases.len(), failed.join("\n"));
}

fn run_in(dir: &Path, args: &[&str]) -> Output {
    mmsim().current_dir(dir).args(args).output().unwrap()
}

fn tmp(name: &str) -> PathBuf {
    // Tests run in parallel and several make a directory of the same name
    // (the probe): each gets its own.
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let d = std::env::temp_dir().join(format!("mmsim-real-test-{}-{n}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn a_bad_line_is_an_error_and_nothing_runs() {
    let d = tmp("bad");
    std::fs::write(d.join("s.mms"), "window 0x100000000 0x100100000\nmmap(1, 2)\n").unwrap();
    let out = run_in(&d, &["real", "s.mms", "-o", "s.expected"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert_eq!(String::from_utf8_lossy(&out.stderr).trim(), "error: line 2: mmap: expected 6 argument(s), got 2");
    assert!(!d.join("s.expected").exists(), "no output file for a bad scenario");
    let out = run_in(&d, &["real", "missing.mms"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: cannot open missing.mms"));
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn output_files_are_never_replaced_unasked() {
    let d = tmp("out");
    let src = "window 0x100000000 0x100100000\n\
               mmap(0x100000000, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000\n\
               store 0x100001000\n\
               load 0x100000000 0x2000\n\
               dump\n";
    std::fs::write(d.join("s.mms"), src).unwrap();
    std::fs::write(d.join("s.expected"), "keep\n").unwrap();
    let out = run_in(&d, &["real", "s.mms", "-o", "s.expected"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("exists (use --force to replace it)"));
    assert_eq!(std::fs::read_to_string(d.join("s.expected")).unwrap(), "keep\n");
    // Not even with --force: the scenario itself.
    let out = run_in(&d, &["real", "s.mms", "-o", "s.mms", "--force"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(d.join("s.mms")).unwrap(), src);
    if let Some(why) = unsupported() {
        eprintln!("skipped: running it: {why}");
        std::fs::remove_dir_all(&d).unwrap();
        return;
    }
    let out = run_in(&d, &["real", "s.mms", "-o", "s.expected", "--force"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.is_empty());
    let want = "# load: line 4: 00 5a\n\
                == dump\n\
                100000000-100002000 rw-p 00000000 00:00 0\n\
                faults minflt=2 majflt=0\n\
                present 100000000-100002000\n\
                ok 5 lines, 0 skipped\n";
    let got = std::fs::read_to_string(d.join("s.expected")).unwrap();
    assert_eq!(norm(&got), norm(want));
    let out = run_in(&d, &["real", "s.mms", "-o", "new.expected"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(d.join("new.expected")).unwrap(), got);
    std::fs::remove_dir_all(&d).unwrap();
}

/// Faults recovered (SIGBUS past the end of a file, SIGSEGV on an
/// unmapped page and on a read-only one), a divergence, and two processes
/// taking turns: `mmsim real` prints what the simulator prints.
#[test]
fn faults_divergences_and_processes_agree_with_the_simulator() {
    if let Some(why) = unsupported() {
        eprintln!("skipped: mmsim real cannot run here: {why}");
        return;
    }
    let d = tmp("sig");
    let src = "window 0x100000000 0x100100000\n\
               file f 4096\n\
               openat(AT_FDCWD, \"f\", O_RDWR) = 3\n\
               mmap(0x100000000, 8192, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, 3, 0) = 0x100000000\n\
               load 0x100000000 8192\n\
               store 0x100003000\n\
               mmap(0x100010000, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100010000\n\
               store 0x100010000\n\
               munmap(0x100010000, 4096) = -1 EINVAL\n\
               fork\n\
               store 0x100000000 1 7\n\
               process 1\n\
               load 0x100000000\n\
               dump child\n\
               exit\n\
               load 0x100000000\n\
               dump parent\n";
    std::fs::write(d.join("s.mms"), src).unwrap();
    // The runner's files on tmpfs, under a directory of the test's own.
    let shm = Path::new("/dev/shm").join(format!("mmsim-real-test-{}", std::process::id()));
    std::fs::create_dir_all(&shm).unwrap();
    let real = mmsim().current_dir(&d).env("MM_ORACLE_TMPDIR", &shm).args(["real", "s.mms"]).output().unwrap();
    let sim = run_in(&d, &["run", "s.mms"]);
    assert_eq!(real.status.code(), Some(0), "{}", String::from_utf8_lossy(&real.stderr));
    let (r, s) = (String::from_utf8_lossy(&real.stdout), String::from_utf8_lossy(&sim.stdout));
    for want in [
        "# fault: line 5: SIGBUS at 0x100001000",
        "# fault: line 6: SIGSEGV at 0x100003000",
        "# fault: line 8: SIGSEGV at 0x100010000",
        "# diverged: line 9: expected -1 EINVAL (Invalid argument), got 0",
        "# exit: line 15: process 1, now process 0",
        "ok 17 lines, 0 skipped",
    ] {
        assert!(r.lines().any(|l| l == want), "no `{want}` in\n{r}");
    }
    assert_eq!(norm(&r), norm(&s));
    // The runner's directory and its file are gone.
    assert_eq!(std::fs::read_dir(&shm).unwrap().count(), 0);
    std::fs::remove_dir(&shm).unwrap();
    std::fs::remove_dir_all(&d).unwrap();
}

/// `machine` lines set up the simulator: `mmsim real` takes them, says
/// so on stderr, runs the rest on the host as it is, and counts lines as
/// the simulator does.
#[test]
fn machine_lines_are_accepted_and_not_counted() {
    if let Some(why) = unsupported() {
        eprintln!("skipped: mmsim real cannot run here: {why}");
        return;
    }
    let d = tmp("machine");
    let src = "# a machine of the simulator's\n\
               machine ram=256K swap=zram:1M\n\
               window 0x100000000 0x100100000\n\
               mmap(0x100000000, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000\n\
               store 0x100000000\n\
               dump\n";
    std::fs::write(d.join("m.mms"), src).unwrap();
    let real = run_in(&d, &["real", "m.mms"]);
    assert_eq!(real.status.code(), Some(0), "{}", String::from_utf8_lossy(&real.stderr));
    assert_eq!(
        String::from_utf8_lossy(&real.stderr),
        "note: line 2: machine lines set up the simulator; the host runs with its own settings\n"
    );
    let sim = run_in(&d, &["run", "m.mms"]);
    assert_eq!(norm(&String::from_utf8_lossy(&real.stdout)), norm(&String::from_utf8_lossy(&sim.stdout)));
    assert!(String::from_utf8_lossy(&real.stdout).ends_with("ok 4 lines, 0 skipped\n"));
    std::fs::remove_dir_all(&d).unwrap();
}

/// A THP setting the host does not have is refused without
/// `--change-host-settings`: exit status 2, nothing run, nothing written
/// (the test never passes the flag: it would change the host's sysfs).
#[test]
fn a_thp_setting_the_host_lacks_is_refused_unless_asked_to_change_it() {
    if !cfg!(all(target_os = "linux", target_arch = "x86_64")) {
        return;
    }
    let sysfs = "/sys/kernel/mm/transparent_hugepage/defrag";
    let before = std::fs::read_to_string(sysfs).ok();
    let host = before.as_deref().and_then(|t| Some(&t[t.find('[')? + 1..t.find(']')?]));
    let other = if host == Some("never") { "always" } else { "never" };
    let d = tmp("thp-setting");
    let src = format!(
        "machine thp_defrag={other}\n\
         window 0x100000000 0x100100000\n\
         mmap(0x100000000, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000\n"
    );
    std::fs::write(d.join("t.mms"), src).unwrap();
    let out = run_in(&d, &["real", "t.mms", "-o", "t.expected"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("error: line 1: machine: thp_defrag={other}, but this host has "))
            && err.contains("mmsim real does not change the host's settings unless --change-host-settings is given"),
        "{err}"
    );
    assert!(!d.join("t.expected").exists());
    assert_eq!(std::fs::read_to_string(sysfs).ok(), before, "the host's setting is untouched");
    std::fs::remove_dir_all(&d).unwrap();
}
