//! The `openat` and `close` calls of a real program's strace log
//! (`strace -f -y`, committed with the root snapshot made from it) give
//! what they gave on the real kernel: the same descriptor and the same
//! canonical path (`3</usr/lib/x86_64-linux-gnu/libc.so.6>` for
//! `"/lib/x86_64-linux-gnu/libc.so.6"`), or the same error.

use mm_core::Kernel;
use mm_core::flags::open_flags::OPEN_FLAG_NAMES;
use mm_core::fs::MountOptions;
use mm_core::machine::MachineConfig;
use mm_fs_host::HostFs;
use std::collections::BTreeMap;

use mm_alloc as _;
use mm_x86 as _;

/// The text between `open` and its matching `close` in `s`, and what
/// follows.
fn between(s: &str, open: char, close: char) -> Option<(&str, &str)> {
    let a = s.find(open)?;
    let b = a + s[a..].find(close)?;
    Some((&s[a + 1..b], &s[b + 1..]))
}

/// The `AT_FDCWD</dir>` or `N</dir>` of an `openat`'s first argument.
fn dirfd_path(arg: &str) -> Option<&str> {
    between(arg, '<', '>').map(|(p, _)| p)
}

fn flags(s: &str) -> u64 {
    s.split('|')
        .map(|n| OPEN_FLAG_NAMES.iter().find(|(name, _)| *name == n).map(|(_, v)| *v).expect("a known open flag"))
        .fold(0, |a, b| a | b)
}

/// Replays the `openat`/`close` lines of `log` on `root` and returns the
/// lines whose results differ, and how many were compared.
fn replay(root: &str, log: &str) -> (Vec<String>, usize) {
    let mut k = Kernel::new(&MachineConfig::default()).expect("machine");
    let fs = HostFs::mount(&mm_core::fs::SuperBlock::new(k.machine()), root, &MountOptions::default()).expect("mount");
    k.set_root(fs);
    let mut pids = BTreeMap::new();
    let mut bad = Vec::new();
    let mut compared = 0;
    for (n, line) in log.lines().enumerate() {
        if line.contains("unfinished") || line.contains("resumed>") {
            continue;
        }
        let Some((pid, call)) = line.split_once(' ') else { continue };
        let call = call.trim_start();
        let pid = *pids.entry(pid.to_string()).or_insert_with(|| k.spawn().expect("process"));
        if let Some(rest) = call.strip_prefix("close(") {
            let fd: i64 = rest.split(['<', ')']).next().and_then(|f| f.parse().ok()).expect("close fd");
            let _ = k.sys_close(pid, fd);
            continue;
        }
        let Some(rest) = call.strip_prefix("openat(") else { continue };
        let (dirfd, rest) = rest.split_once(", \"").expect("openat dirfd");
        let (path, rest) = rest.split_once("\", ").expect("openat path");
        let (fl, result) = rest.split_once(") = ").expect("openat result");
        let path = if path.starts_with('/') {
            path.to_string()
        } else {
            format!("{}/{path}", dirfd_path(dirfd).expect("a dirfd path"))
        };
        let got = match k.sys_openat(pid, &path, flags(fl.split(", ").next().expect("flags"))) {
            Ok(fd) => {
                let f = k.task(pid).expect("task").files.lock().get(fd as i64).expect("file");
                format!("{fd}<{}>", f.path)
            }
            Err(e) => format!("-1 {}", e.name()),
        };
        let want = match result.strip_prefix("-1 ") {
            Some(e) => format!("-1 {}", e.split(' ').next().expect("errno")),
            None => result.to_string(),
        };
        compared += 1;
        if got != want {
            bad.push(format!("line {}: {path}: expected {want}, got {got}", n + 1));
        }
    }
    (bad, compared)
}

#[test]
fn ls_la_opens_what_it_opened_on_the_real_kernel() {
    let log = include_str!("data/ls-la.strace");
    let snap = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/ls-la.snap");
    let (bad, compared) = replay(snap, log);
    assert!(bad.is_empty(), "{}", bad.join("\n"));
    assert_eq!(compared, log.matches("openat(").count());
}

/// The same against the live host root, for a log captured on this
/// machine: `MMSIM_STRACE_LOG=x.strace cargo test -- --ignored`.
#[test]
#[ignore = "needs a log captured on this machine"]
fn a_log_opens_what_it_opened_on_this_machine() {
    let path = std::env::var("MMSIM_STRACE_LOG").expect("MMSIM_STRACE_LOG");
    let log = std::fs::read_to_string(path).expect("log");
    let (bad, compared) = replay("/", &log);
    assert!(bad.is_empty(), "{} of {compared} differ:\n{}", bad.len(), bad.join("\n"));
}
