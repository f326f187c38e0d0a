//! The `mmsim` command: bad input is an `error: line N: ...` with exit
//! status 2 and nothing on stdout; no input makes it panic.

use std::io::Write;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Tests run in parallel; each scenario gets a file of its own.
static NEXT_FILE: AtomicUsize = AtomicUsize::new(0);

fn mmsim(args: &[&str], scenario: Option<&[u8]>) -> Output {
    let dir = std::env::temp_dir().join(format!("mmsim-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mmsim"));
    cmd.args(args);
    if let Some(s) = scenario {
        let path = dir.join(format!("{}.mms", NEXT_FILE.fetch_add(1, Ordering::Relaxed)));
        std::fs::File::create(&path).and_then(|mut f| f.write_all(s)).expect("write scenario");
        cmd.arg(&path);
    }
    cmd.output().expect("run mmsim")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn runs_a_scenario() {
    let o = mmsim(
        &["run"],
        Some(b"window 0x100000000 0x140000000\nmmap(0x100000000, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000\nstore 0x100000000\ndump\n"),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "== dump\n100000000-100001000 rw-p 00000000 00:00 0\nfaults minflt=1 majflt=0\npresent 100000000-100001000\nok 4 lines, 0 skipped\n"
    );
}

#[test]
fn a_bad_line_is_an_error_with_no_output() {
    let o = mmsim(&["run"], Some(b"window 0x100000000 0x140000000\nstore 0x100000000\nmunmap(0x1000)\ndump\n"));
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty());
    assert_eq!(stderr(&o), "error: line 3: munmap: expected 2 argument(s), got 1\n");
}

#[test]
fn fork_process_and_exit_run() {
    let o = mmsim(
        &["run"],
        Some(
            b"window 0x100000000 0x100010000
mmap(0x100000000, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000 8192 0x11
fork
process 1
store 0x100000000 1 0x22
load 0x100000000 8192
dump
exit
load 0x100000000 8192
dump
",
        ),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "# fork: line 4: process 1
# load: line 7: 22 11
== dump (process 1)
100000000-100002000 rw-p 00000000 00:00 0
faults minflt=1 majflt=0
present 100000000-100002000
# exit: line 9: process 1, now process 0
# load: line 10: 11*2
== dump (process 0)
100000000-100002000 rw-p 00000000 00:00 0
faults minflt=2 majflt=0
present 100000000-100002000
ok 11 lines, 0 skipped
"
    );
}

#[test]
fn unknown_backends_and_files_are_errors() {
    let o = mmsim(&["run", "--allocator", "nope"], Some(b"dump\n"));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).starts_with("error: unknown page allocator 'nope' (known: "), "{}", stderr(&o));
    let o = mmsim(&["run", "/nonexistent/x.mms"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).starts_with("error: cannot open /nonexistent/x.mms"));
    let o = mmsim(&["run", "--ram", "12Q"], Some(b"dump\n"));
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn ram_sizes_out_of_range_are_errors() {
    for (ram, msg) in [
        ("64K", "error: --ram 64K: too small (at least 256K)"),
        ("9T", "error: --ram 9T: too large (at most 8T)"),
        ("2P", "error: --ram 2P: too large (at most 8T)"),
        ("16E", "size '16E' is too large"),
        ("99999999999999999999T", "size '99999999999999999999T' is too large"),
    ] {
        let o = mmsim(&["run", "--ram", ram], Some(b"dump\n"));
        assert_eq!(o.status.code(), Some(2), "--ram {ram}");
        assert!(o.stdout.is_empty());
        assert!(stderr(&o).starts_with("error: ") && stderr(&o).contains(msg), "--ram {ram}: {}", stderr(&o));
    }
}

/// A RAM size whose `struct page` array the host cannot even reserve
/// address space for (here under a 1 GiB `RLIMIT_AS`) is refused with
/// what failed, not accepted or aborted on.
#[cfg(target_os = "linux")]
#[test]
fn ram_the_host_cannot_reserve_is_refused() {
    use std::os::unix::process::CommandExt;
    let path = std::env::temp_dir().join(format!("mmsim-cli-ram-{}.mms", std::process::id()));
    std::fs::write(&path, b"dump\n").expect("write scenario");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mmsim"));
    cmd.args(["run", "--ram", "1T"]).arg(&path);
    // SAFETY: setrlimit is async-signal-safe, as pre_exec requires.
    unsafe {
        cmd.pre_exec(|| {
            let lim = libc::rlimit { rlim_cur: 1 << 30, rlim_max: 1 << 30 };
            if libc::setrlimit(libc::RLIMIT_AS, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let o = cmd.output().expect("run mmsim");
    std::fs::remove_file(&path).expect("remove scenario");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    assert!(
        stderr(&o)
            .starts_with("error: --ram 1T: the host cannot reserve address space for it (struct page array: mmap"),
        "{}",
        stderr(&o)
    );
    // Without the limit, 1 TiB is only reserved, not backed: it runs.
    let o = mmsim(&["run", "--ram", "1T"], Some(b"dump\n"));
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn backends_are_listed_sorted() {
    let o = mmsim(&["backends"], None);
    assert!(o.status.success());
    let out = String::from_utf8_lossy(&o.stdout);
    // Sections: a header line, then indented "name description" lines.
    let mut sections: Vec<(String, Vec<String>)> = Vec::new();
    for l in out.lines() {
        match l.strip_prefix("  ") {
            Some(entry) => {
                let name = entry.split_whitespace().next().unwrap().to_string();
                sections.last_mut().expect("an entry under a header").1.push(name);
            }
            None => sections.push((l.to_string(), Vec::new())),
        }
    }
    for (header, names) in &sections {
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, &sorted, "{header}");
        assert!(!names.is_empty(), "{header}");
    }
    let all: Vec<&str> = sections.iter().flat_map(|s| s.1.iter().map(String::as_str)).collect();
    for want in
        ["buddy", "bitmap", "x86-64-4level", "x86-64-5level", "ext4", "tmpfs", "file:PATH:SIZE", "zram:SIZE", "lru"]
    {
        assert!(all.contains(&want), "{want} missing from:\n{out}");
    }
}

#[test]
fn trace_shows_the_fault_chain() {
    let o = mmsim(
        &["run", "--trace"],
        Some(b"mmap(0x100000000, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0)\nload 0x100000000\n"),
    );
    let out = String::from_utf8_lossy(&o.stdout);
    for f in ["exc_page_fault", "handle_mm_fault", "do_anonymous_page", "zero page", "mm_account_fault"] {
        assert!(out.contains(f), "missing {f} in:\n{out}");
    }
}

#[test]
fn hostile_inputs_do_not_crash() {
    let inputs: &[&[u8]] = &[
        b"\xff\xfe\x00",
        b"mmap(",
        b"mmap(0xffffffffffffffff, 0xffffffffffffffff, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0)\nload 0xfffffffffffff000 4095\n",
        b"mremap(0xfffffffffffff000, 0xffffffffffffffff, 0xffffffffffffffff, MREMAP_MAYMOVE|MREMAP_FIXED, 0x1000)\n",
        b"madvise(0, 0xffffffffffffffff, MADV_DONTNEED)\nmprotect(0, 0xfffffffffffff001, PROT_READ)\nbrk(0xffffffffffffffff)\n",
        b"mmap(0, 0x7ffffffff000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE, -1, 0)\nmsync(0, 0xffffffffffffffff, MS_SYNC)\n",
        b"window 5 4\n",
        b"munmap(0x1000, 4096) = -1 E\n",
        b"4242 12:00:00.5 openat(AT_FDCWD, \"/a,b\", O_RDONLY) = 3</a,b>\nclose(3</a,b>) = 0\n",
    ];
    for inp in inputs {
        let o = mmsim(&["run"], Some(inp));
        assert!(matches!(o.status.code(), Some(0) | Some(2)), "{:?}: {}", String::from_utf8_lossy(inp), stderr(&o));
        assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
    }
}

const PRESSURE: &[u8] = b"window 0x100000000 0x200000000
mmap(0x100000000, 0x1000000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000 0x1000000 0x5a
load 0x100000000 0x1000000
dump
";

#[test]
fn swap_and_stats_under_memory_pressure() {
    for policy in ["lru", "clock"] {
        let o = mmsim(&["run", "--ram", "4M", "--swap", "zram:32M", "--reclaim", policy, "--stats"], Some(PRESSURE));
        assert!(o.status.success(), "{}", stderr(&o));
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(out.contains("# load: line 4: 5a*4096\n"), "{out}");
        let (run, stats) = out.split_once("ok 5 lines, 0 skipped\n").expect("the ok line");
        assert!(!run.contains("diverged") && !run.contains("fault:"), "{run}");
        let (vmstat, meminfo) = stats.split_once("== meminfo\n").expect("a meminfo block");
        let vmstat: Vec<(&str, u64)> = vmstat
            .strip_prefix("== vmstat\n")
            .expect("a vmstat block first")
            .lines()
            .map(|l| {
                let (k, v) = l.split_once(' ').expect("name value");
                (k, v.parse().expect("a number"))
            })
            .collect();
        let get = |k: &str| vmstat.iter().find(|e| e.0 == k).unwrap_or_else(|| panic!("{k} missing")).1;
        assert!(get("pswpout") > 1000 && get("pswpin") > 1000 && get("pgmajfault") > 0, "{policy}");
        assert_eq!(get("pgfault"), 8192);
        for l in meminfo.lines() {
            // /proc/meminfo's layout: "Label:" padded to 16, value in 8, " kB".
            assert_eq!(l.len(), 27, "{l:?}");
            assert!(l[..16].trim_end().ends_with(':') && l.ends_with(" kB"), "{l:?}");
            l[16..24].trim().parse::<u64>().expect("kB");
        }
        assert!(meminfo.starts_with("MemTotal:           4080 kB\n"), "{meminfo}");
    }
    // Without --stats nothing follows the ok line.
    let o = mmsim(&["run", "--ram", "4M", "--swap", "zram:32M"], Some(PRESSURE));
    assert!(String::from_utf8_lossy(&o.stdout).ends_with("ok 5 lines, 0 skipped\n"));
}

#[test]
fn bad_swap_and_reclaim_arguments_are_errors() {
    for (args, msg) in [
        (vec!["--swap", "tape:1G"], "unknown swap device 'tape'"),
        (vec!["--swap", "zram:1Q"], "unknown size unit"),
        (vec!["--swap", "zram"], "expected NAME:SIZE"),
        (vec!["--swap", "zram:4K"], "too small"),
        (vec!["--swap", "file::1M"], "path"),
        (vec!["--reclaim", "mru"], "unknown reclaim policy 'mru'"),
    ] {
        let mut a = vec!["run"];
        a.extend(args.iter().copied());
        let o = mmsim(&a, Some(b"dump\n"));
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(o.stdout.is_empty(), "{args:?}");
        assert!(stderr(&o).contains(msg), "{args:?}: {}", stderr(&o));
    }
}
