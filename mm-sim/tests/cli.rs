//! The `mmsim` command: bad input is an `error: line N: ...` with exit
//! status 2 and nothing on stdout; a run that stops keeps what it printed;
//! no input makes it panic.

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

/// A run that must stop keeps what it printed: stdout has the output of
/// the lines before, stderr the error, and the exit status is 2.
#[test]
fn a_run_that_stops_keeps_its_output() {
    let o = mmsim(
        &["run", "--ram", "1M"],
        Some(b"mmap(0x100000000, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000\nload 0x100000000\nfile big 0x1000000\ndump\n"),
    );
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "# load: line 2: 00\n");
    assert_eq!(stderr(&o), "error: line 3: the simulated machine is out of memory\n");
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
        ("64K", "error: ram=64K: too small (at least 256K)"),
        ("9T", "error: ram=9T: too large (at most 8T)"),
        ("2P", "error: ram=2P: too large (at most 8T)"),
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
        stderr(&o).starts_with("error: ram=1T: the host cannot reserve address space for it (struct page array: mmap"),
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

/// A directory of its own for one swap-file test.
fn swap_test_dir(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("mmsim-cli-swap-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Runs `mmsim run ARGS`.
fn mmsim_run(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mmsim")).arg("run").args(args).output().expect("run mmsim")
}

/// `--swap file:PATH:SIZE` (or `file:PATH` with an empty size).
fn file_swap(path: &std::path::Path, size: &str) -> std::ffi::OsString {
    let mut s = std::ffi::OsString::from("file:");
    s.push(path);
    if !size.is_empty() {
        s.push(":");
        s.push(size);
    }
    s
}

/// A host file's bytes and modification time, to check nothing touched it.
fn snapshot(path: &std::path::Path) -> (Vec<u8>, std::time::SystemTime) {
    (std::fs::read(path).expect("read"), std::fs::metadata(path).and_then(|m| m.modified()).expect("mtime"))
}

/// A swap area as `mkswap` makes it: `nr_pages` pages, the header in page 0.
fn mkswap(path: &std::path::Path, nr_pages: u32) -> Vec<u8> {
    let mut bytes = vec![0u8; nr_pages as usize * 4096];
    bytes[1024..1028].copy_from_slice(&1u32.to_ne_bytes());
    bytes[1028..1032].copy_from_slice(&(nr_pages - 1).to_ne_bytes());
    bytes[4086..4096].copy_from_slice(b"SWAPSPACE2");
    std::fs::write(path, &bytes).expect("write swap area");
    bytes[..4096].to_vec()
}

/// One page of each of 768 pages holds its number; `--ram 256K` swaps
/// most of them out and the last line reads them all back.
const SAME_SWAP_FILE_TWICE: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../mm-fuzz/regressions/02-same-swap-file-twice-corrupts.mms");

/// What the reproducer prints when swapping loses nothing (zram as the
/// reference: the output does not depend on the device).
fn reference_output() -> Vec<u8> {
    let o = mmsim_run(&[
        "--ram".as_ref(),
        "256K".as_ref(),
        "--swap".as_ref(),
        "zram:4M".as_ref(),
        SAME_SWAP_FILE_TWICE.as_ref(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    o.stdout
}

#[test]
fn swap_file_refuses_host_files_it_did_not_create() {
    let dir = swap_test_dir("refuse");
    let victim = dir.join("victim.txt");
    std::fs::write(&victim, b"important\n").unwrap();
    let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_600_000_000);
    std::fs::File::options().write(true).open(&victim).unwrap().set_modified(old).unwrap();
    let scenario = dir.join("s.mms");
    std::fs::write(&scenario, b"dump\n").unwrap();
    let image = dir.join("image.img");
    std::fs::write(&image, vec![0u8; 3 * 4096]).unwrap();
    let image_link = dir.join("image-link.img");
    std::fs::hard_link(&image, &image_link).unwrap();
    let scenario_link = dir.join("s-link.mms");
    std::os::unix::fs::symlink(&scenario, &scenario_link).unwrap();
    let dev_null = std::path::Path::new("/dev/null");
    let cases: [(&std::path::Path, &str); 6] = [
        (&victim, "read swap header failed"),
        (&scenario, "is the scenario file"),
        (&scenario_link, "is the scenario file"),
        (&image_link, "is the --image"),
        (&dir, "not a regular file (a directory)"),
        (dev_null, "not a regular file (a character device)"),
    ];
    let before: Vec<_> = [&victim, &scenario, &image].iter().map(|p| snapshot(p)).collect();
    for (path, msg) in cases {
        for size in ["1M", ""] {
            let o = mmsim_run(&[
                "--image".as_ref(),
                image.as_os_str(),
                "--swap".as_ref(),
                &file_swap(path, size),
                scenario.as_os_str(),
            ]);
            assert_eq!(o.status.code(), Some(2), "{}: {}", path.display(), stderr(&o));
            assert!(o.stdout.is_empty());
            let want = format!("error: file swap: {}: {msg}", path.display());
            assert!(stderr(&o).starts_with(&want), "{}", stderr(&o));
        }
    }
    let after: Vec<_> = [&victim, &scenario, &image].iter().map(|p| snapshot(p)).collect();
    assert_eq!(before, after);
    assert_eq!(after[0].1, old);
    assert!(dir.is_dir());
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::metadata(dev_null).unwrap().file_type().is_char_device());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn one_swap_file_twice_is_busy() {
    // Two swap areas on one file would overwrite each other's pages.
    let dir = swap_test_dir("twice");
    let path = dir.join("swap");
    let o = mmsim_run(&[
        "--ram".as_ref(),
        "256K".as_ref(),
        "--swap".as_ref(),
        &file_swap(&path, "2M"),
        "--swap".as_ref(),
        &file_swap(&path, "2M"),
        SAME_SWAP_FILE_TWICE.as_ref(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    assert_eq!(
        stderr(&o),
        format!("error: file swap: {}: Device or resource busy (already a swap area)\n", path.display())
    );
    assert!(!path.exists(), "the first area's file is removed when setup fails");

    // Two files: every page reads back as written, and both files go.
    let other = dir.join("other");
    let o = mmsim_run(&[
        "--ram".as_ref(),
        "256K".as_ref(),
        "--swap".as_ref(),
        &file_swap(&path, "2M"),
        "--swap".as_ref(),
        &file_swap(&other, "2M"),
        SAME_SWAP_FILE_TWICE.as_ref(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(o.stdout == reference_output(), "{}", String::from_utf8_lossy(&o.stdout));
    assert!(!path.exists() && !other.exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_swap_file_locked_by_another_process_is_busy() {
    let dir = swap_test_dir("locked");
    let path = dir.join("swap");
    mkswap(&path, 64);
    let before = snapshot(&path);
    let lock = std::fs::File::open(&path).unwrap();
    lock.lock().unwrap();
    let o = mmsim_run(&["--swap".as_ref(), &file_swap(&path, ""), SAME_SWAP_FILE_TWICE.as_ref()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("Device or resource busy"), "{}", stderr(&o));
    assert_eq!(snapshot(&path), before);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_existing_swap_file_is_used_and_kept() {
    let dir = swap_test_dir("existing");
    let path = dir.join("swap");
    let header = mkswap(&path, 1024);
    for size in ["", "3M", "4M"] {
        let o = mmsim_run(&[
            "--ram".as_ref(),
            "256K".as_ref(),
            "--swap".as_ref(),
            &file_swap(&path, size),
            SAME_SWAP_FILE_TWICE.as_ref(),
        ]);
        assert!(o.status.success(), "{size}: {}", stderr(&o));
        assert!(o.stdout == reference_output(), "{size}");
        let bytes = std::fs::read(&path).expect("the swap file is kept");
        assert_eq!(bytes.len(), 1024 * 4096, "never truncated or extended");
        assert!(bytes[..4096] == header[..], "the header is left as it is");
        assert!(bytes[4096..].iter().any(|&b| b != 0), "pages were swapped out into it");
    }
    // More than the area holds is refused.
    let before = snapshot(&path);
    let o = mmsim_run(&["--swap".as_ref(), &file_swap(&path, "5M"), SAME_SWAP_FILE_TWICE.as_ref()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("less than the size asked for"), "{}", stderr(&o));
    assert_eq!(snapshot(&path), before);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_created_swap_file_is_removed_after_the_run_and_after_a_failed_setup() {
    let dir = swap_test_dir("created");
    let path = dir.join("swap");
    let o = mmsim_run(&[
        "--ram".as_ref(),
        "4M".as_ref(),
        "--swap".as_ref(),
        &file_swap(&path, "32M"),
        "--stats".as_ref(),
        {
            let s = dir.join("p.mms");
            std::fs::write(&s, PRESSURE).unwrap();
            s
        }
        .as_os_str(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("\npswpout "));
    assert!(!path.exists());

    // A later area is refused: the one created before it goes too.
    let o = mmsim_run(&[
        "--swap".as_ref(),
        &file_swap(&path, "1M"),
        "--swap".as_ref(),
        &file_swap(&dir, "1M"),
        SAME_SWAP_FILE_TWICE.as_ref(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("a directory"), "{}", stderr(&o));
    assert!(!path.exists());

    // Sizing the new file fails (a file-size limit of 1 MiB): it is
    // removed again.
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mmsim"));
    cmd.arg("run").arg("--swap").arg(file_swap(&path, "2M")).arg(SAME_SWAP_FILE_TWICE);
    // SAFETY: setrlimit and signal are async-signal-safe.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut cmd, || {
            let lim = libc::rlimit { rlim_cur: 1 << 20, rlim_max: 1 << 20 };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &lim) != 0
                || libc::signal(libc::SIGXFSZ, libc::SIG_IGN) == libc::SIG_ERR
            {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let o = cmd.output().expect("run mmsim");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("cannot size") && stderr(&o).contains("File too large"), "{}", stderr(&o));
    assert!(!path.exists());

    // Without a size a missing file is not created.
    let o = mmsim_run(&["--swap".as_ref(), &file_swap(&path, ""), SAME_SWAP_FILE_TWICE.as_ref()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("give a size to create it"), "{}", stderr(&o));
    assert!(!path.exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn errors_are_one_short_printable_line() {
    // An escape sequence in a bad name comes back escaped.
    let o = mmsim(&["run"], Some(b"mmap(0, 1, PROT_READ|\x1b[2J, MAP_PRIVATE, -1, 0)\n"));
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stderr(&o), "error: line 1: unknown protection '\\x1b[2J'\n");
    // A 10 MB token is cut.
    let mut src = b"load ".to_vec();
    src.extend(std::iter::repeat_n(b'9', 10 << 20));
    src.push(b'z');
    let o = mmsim(&["run"], Some(&src));
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stderr(&o), format!("error: line 1: bad address '{}... ({} bytes)'\n", "9".repeat(64), (10 << 20) + 1));
    assert!(o.stdout.is_empty());
}

#[test]
fn an_empty_flag_name_is_an_error() {
    let o = mmsim(&["run"], Some(b"mmap(NULL, 4096, PROT_READ|, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)\n"));
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stderr(&o), "error: line 1: empty name in protection 'PROT_READ|'\n");
}

/// Corrupt ext4 images (once an abort, 4 GiB of host memory and a panic)
/// get a clear error quickly, and the image is never written.
#[test]
fn corrupt_images_get_a_clear_error() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../mm-fuzz/regressions");
    for (name, expect) in [
        ("03-ext4-dir-size-alloc-abort", "error: "),
        ("03b-ext4-dir-size-4GiB-rss", "EUCLEAN"),
        ("08-ext4-inode-index-oob-panic", "EUCLEAN"),
    ] {
        let original = std::fs::read(dir.join(format!("{name}.img"))).expect("image");
        let copy = std::env::temp_dir().join(format!("mmsim-cli-{}-{name}.img", std::process::id()));
        std::fs::write(&copy, &original).expect("copy image");
        let scenario = std::fs::read(dir.join(format!("{name}.mms"))).expect("scenario");
        let start = std::time::Instant::now();
        let o = mmsim(&["run", "--image", copy.to_str().expect("utf-8")], Some(&scenario));
        assert!(start.elapsed() < std::time::Duration::from_secs(5), "{name}: {:?}", start.elapsed());
        if expect == "error: " {
            assert_eq!(o.status.code(), Some(2), "{name}");
            assert!(stderr(&o).starts_with("error: ") && stderr(&o).contains("corrupt root inode"), "{}", stderr(&o));
            assert!(o.stdout.is_empty());
        } else {
            assert!(o.status.success(), "{name}: {}", stderr(&o));
            let out = String::from_utf8_lossy(&o.stdout);
            assert!(out.contains("-1 EUCLEAN (Structure needs cleaning)"), "{name}: {out}");
        }
        assert!(std::fs::read(&copy).expect("image") == original, "{name}: the image changed");
        let _ = std::fs::remove_file(&copy);
    }
    // Writing into the image is asked for with --write-image, which needs
    // --image.
    let o = mmsim(&["run", "--write-image"], Some(b"dump\n"));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--image"), "{}", stderr(&o));
}

/// A file with an `execve(` line is an strace log: pids are processes,
/// calls not modelled are summed up before the `ok` line.
#[test]
fn an_strace_log_is_replayed() {
    let log = b"9 execve(\"/nonexistent\", [\"x\"], 0x7ffe /* 2 vars */) = -1 ENOENT (No such file or directory)\n\
                9 fstat(1, {st_mode=S_IFCHR|0620, ...}) = 0\n\
                9 brk(NULL) = 0x200000000\n\
                9 exit_group(0) = ?\n\
                9 +++ exited with 0 +++\n";
    let o = mmsim(&["run", "--maps-at-exit"], Some(log));
    assert!(o.status.success(), "{}", stderr(&o));
    // (Whatever the execve gives, line 1 is not the point here.)
    let out = String::from_utf8_lossy(&o.stdout);
    let rest: Vec<&str> = out.lines().filter(|l| !l.starts_with("# diverged: line 1:")).collect();
    assert_eq!(rest, ["== maps pid 9 at exit (line 4)", "# not modelled: fstat 1", "ok 4 lines, 1 skipped"]);
    // The same lines without the execve are a v1.1 scenario unless
    // --strace says otherwise.
    let rest = b"9 fstat(1, {...}) = 0\n9 openat(AT_FDCWD</tmp>, \"x\", O_RDONLY) = 3\n";
    let o = mmsim(&["run"], Some(rest));
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stderr(&o), "error: line 2: openat: first argument must be AT_FDCWD\n");
    let o = mmsim(&["run", "--strace"], Some(rest));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "# diverged: line 2: expected 3, got -1 ENOENT (No such file or directory)\n# not modelled: fstat 1\nok 1 lines, 1 skipped\n"
    );
}

#[test]
fn a_bad_log_line_is_an_error() {
    let o = mmsim(&["run", "--strace"], Some(b"1 brk(NULL) = 0\n1 mmap(NULL, 4096, PROT_READ, MAP_FROB, -1, 0) = 0\n"));
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty());
    assert_eq!(stderr(&o), "error: line 2: unknown mmap flag 'MAP_FROB'\n");
}

/// `--root DIR` serves a host directory as `/`; `mmsim snapshot` records
/// what a log uses from it, never replacing a file, and `--root FILE`
/// replays from the snapshot alone, the same way.
#[test]
fn root_directory_and_its_snapshot() {
    let dir = swap_test_dir("root");
    let root = dir.join("root");
    std::fs::create_dir_all(root.join("usr/lib")).expect("dir");
    std::fs::write(root.join("usr/lib/data"), b"hello").expect("file");
    std::os::unix::fs::symlink("usr/lib", root.join("lib")).expect("symlink");
    let scenario = dir.join("s.mms");
    std::fs::write(
        &scenario,
        "openat(AT_FDCWD, \"/lib/data\", O_RDONLY|O_CLOEXEC) = 3\n\
         openat(AT_FDCWD, \"/lib\", O_RDONLY|O_DIRECTORY) = 4\n\
         openat(AT_FDCWD, \"/lib/nothing\", O_RDONLY) = -1 ENOENT (No such file or directory)\n\
         mmap(0x100000000, 4096, PROT_READ, MAP_PRIVATE|MAP_FIXED, 3, 0) = 0x100000000\n\
         mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 4, 0) = -1 ENODEV (No such device)\n\
         load 0x100000000\nwindow 0x100000000 0x100001000\ndump\n",
    )
    .expect("scenario");
    let run = |root: &std::path::Path| {
        let o = Command::new(env!("CARGO_BIN_EXE_mmsim"))
            .arg("run")
            .arg("--root")
            .arg(root)
            .arg(&scenario)
            .output()
            .expect("run mmsim");
        assert!(o.status.success(), "{}", stderr(&o));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let out = run(&root);
    let ino = std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(root.join("usr/lib/data")).expect("stat"));
    assert!(out.starts_with("# load: line 6: 68\n== dump\n100000000-100001000 r--p 00000000 "), "{out}");
    assert!(out.contains(&format!(" {ino} /usr/lib/data\n")), "{out}");
    assert!(!out.contains("diverged"), "{out}");

    let log = dir.join("s.strace");
    std::fs::write(
        &log,
        "1 openat(AT_FDCWD</>, \"/lib/data\", O_RDONLY|O_CLOEXEC) = 3</usr/lib/data>\n\
         1 openat(AT_FDCWD</>, \"lib/nothing\", O_RDONLY) = -1 ENOENT (No such file or directory)\n",
    )
    .expect("log");
    let snap = dir.join("s.snap");
    let snapshot = |out: &std::path::Path| {
        Command::new(env!("CARGO_BIN_EXE_mmsim"))
            .arg("snapshot")
            .arg(&log)
            .arg("-o")
            .arg(out)
            .arg("--root")
            .arg(&root)
            .output()
            .expect("run mmsim")
    };
    let o = snapshot(&snap);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&snap).expect("snapshot");
    assert!(text.starts_with("mmsim-root-snapshot 1\n") && text.contains("\n- /usr/lib/nothing\n"), "{text}");
    // The snapshot replays the scenario as the directory did, but for the
    // file's bytes, which it does not hold.
    assert_eq!(run(&snap), out.replace("line 6: 68", "line 6: 00"));
    // An existing file is never replaced.
    let o = snapshot(&scenario);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("File exists"), "{}", stderr(&o));
    assert!(std::fs::read_to_string(&scenario).expect("scenario").starts_with("openat("));
    // --root and --image do not go together; a bad snapshot names its line.
    let o = mmsim(&["run", "--root", "/", "--image", "/x.img"], Some(b"dump\n"));
    assert_eq!(o.status.code(), Some(2));
    std::fs::write(&snap, "mmsim-root-snapshot 1\nd /x 7777777 0:0 1 0\n").expect("bad snapshot");
    let o = mmsim(&["run", "--root", snap.to_str().expect("utf-8")], Some(b"dump\n"));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("line 2: bad permissions"), "{}", stderr(&o));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A recording is known by its first line; `--check` exits with 1 when
/// the outcome differs from the recorded one, 0 when it is the same, and
/// is refused for other files.
#[test]
fn check_of_a_recording_sets_the_exit_status() {
    let rec = |minflt: u32| {
        format!(
            "mmsim-recording 1\n== root\nmmsim-root-snapshot 1\n== trace\n\
             1 mmap(0x10000000, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x10000000\n\
             1 page_fault_user: address=0x10000000 ip=0x401000 error_code=0x6\n1 exit_group(0) = ?\n== expect\n\
             exit 1 minflt {minflt} majflt 0\nmaps 1\n10000000-10001000 rw-p 00000000 00:00 0 \npresent 1\n\
             10000000-10001000\nend 1\n"
        )
    };
    let o = mmsim(&["run", "--check"], Some(rec(1).as_bytes()));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).ends_with("ok 3 lines, 0 skipped\ncheck: 1 processes identical\n"));
    let o = mmsim(&["run", "--check"], Some(rec(2).as_bytes()));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout)
            .ends_with("# check: pid 1: minflt 1, recorded 2\ncheck: 1 processes, 1 differences\n")
    );
    let o = mmsim(&["run"], Some(rec(2).as_bytes()));
    assert_eq!(o.status.code(), Some(0), "without --check the outcome is printed only");
    let o = mmsim(&["run", "--check"], Some(b"window 0x100000000 0x140000000\n"));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--check is for recordings"), "{}", stderr(&o));
    let o = mmsim(&["run"], Some(b"mmsim-recording 1\n== root\nmmsim-root-snapshot 1\n== trace\n"));
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stderr(&o), "error: line 4: the bundle has no '== expect' part\n");
}

/// `PRESSURE` with the machine it needs stated in the scenario.
fn pressure_with_machine_lines() -> Vec<u8> {
    [&b"# 16 MiB on a 4 MiB machine\nmachine ram=4M\nmachine swap=zram:32M reclaim=clock\n"[..], PRESSURE].concat()
}

/// A scenario's `machine` lines build its machine; the command line's
/// options replace what they say.
#[test]
fn machine_lines_set_up_the_machine_and_options_override_them() {
    let vmstat = |o: &Output, key: &str| -> u64 {
        let out = String::from_utf8_lossy(&o.stdout).into_owned();
        let line = out.lines().find(|l| l.starts_with(&format!("{key} "))).unwrap_or_else(|| panic!("{out}"));
        line[key.len() + 1..].parse().expect("a number")
    };
    let src = pressure_with_machine_lines();
    let o = mmsim(&["run", "--stats"], Some(&src));
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    // Not operations: the other lines are counted as before.
    assert!(out.contains("# load: line 7: 5a*4096\n") && out.contains("ok 5 lines, 0 skipped\n"), "{out}");
    assert!(out.contains("MemTotal:           4080 kB\n"), "{out}");
    assert!(vmstat(&o, "pswpout") > 1000);
    // More RAM on the command line: nothing is swapped.
    let o = mmsim(&["run", "--stats", "--ram", "64M"], Some(&src));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(vmstat(&o, "pswpout"), 0);
    let o = mmsim(&["run", "--stats", "--set", "ram=64M"], Some(&src));
    assert_eq!(vmstat(&o, "pswpout"), 0);
    // A bad machine line is a parse error: nothing runs.
    let o = mmsim(&["run"], Some(b"machine ram=4M swappiness=999\ndump\n"));
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty());
    assert_eq!(stderr(&o), "error: line 1: machine: bad value '999' for swappiness: at most 200\n");
    // A machine the scenario states that cannot be built is an error.
    let o = mmsim(&["run"], Some(b"machine ram=64K\ndump\n"));
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stderr(&o), "error: ram=64K: too small (at least 256K)\n");
    // strace logs take their machine from the command line only.
    let o = mmsim(&["run", "--strace"], Some(b"machine ram=4M\n"));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("'machine' lines are for scenarios"), "{}", stderr(&o));
}

/// `mmsim check` builds each case's machine from its `machine` lines,
/// and `--set` overrides them.
#[test]
fn check_applies_machine_lines_and_settings() {
    let dir = swap_test_dir("check-machine");
    std::fs::write(
        dir.join("pageout.mms"),
        "machine swap=zram:1M\nwindow 0x100000000 0x100010000\n\
         mmap(0x100000000, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000\n\
         store 0x100000000\nmadvise(0x100000000, 4096, MADV_PAGEOUT) = 0\ndump\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("pageout.expected"),
        "== dump\n100000000-100001000 rw-p 00000000 00:00 0\nfaults minflt=1 majflt=0\npresent\nok 5 lines, 0 skipped\n",
    )
    .unwrap();
    let check = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_mmsim")).arg("check").args(args).arg(&dir).output().expect("run mmsim")
    };
    let o = check(&[]);
    assert_eq!(o.status.code(), Some(0), "{}{}", String::from_utf8_lossy(&o.stdout), stderr(&o));
    // Without swap the page stays.
    let o = check(&["--set", "swap=none"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("+ present 100000000-100001000"));
    // Cases run at once cannot share a swap file.
    let swap = dir.join("swapfile");
    let o = check(&["-j", "2", "--swap", &format!("file:{}:1M", swap.display())]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stderr(&o), "error: a swap file is one case's at a time: give -j 1 with it\n");
    assert!(!swap.exists(), "the swap file made to check the machine is removed");
    let o = check(&["-j", "1", "--swap", &format!("file:{}:1M", swap.display())]);
    assert_eq!(o.status.code(), Some(0), "{}{}", String::from_utf8_lossy(&o.stdout), stderr(&o));
    assert!(!swap.exists());
    let _ = std::fs::remove_dir_all(&dir);
}

/// `mmsim run --json`: one object with the machine, the output, the
/// counts and every counter; parsed back here.
#[test]
fn run_json_reports_the_run() {
    use mm_sim::report::{RUN_FORMAT, RunReport};
    let parse = |o: &Output| -> RunReport {
        let text = String::from_utf8_lossy(&o.stdout);
        assert_eq!(text.lines().count(), 1, "{text}");
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
    };
    let src = pressure_with_machine_lines();
    let text = mmsim(&["run", "--reclaim", "lru"], Some(&src));
    let o = mmsim(&["run", "--json", "--reclaim", "lru", "--set", "swappiness=100"], Some(&src));
    assert!(o.status.success(), "{}", stderr(&o));
    let r = parse(&o);
    assert_eq!(r.mmsim_run, RUN_FORMAT);
    assert!(r.file.ends_with(".mms"), "{}", r.file);
    // The scenario's settings, then the command line's.
    assert_eq!(r.machine["ram"], "4M");
    assert_eq!(r.machine["swap"], "zram:32M");
    assert_eq!(r.machine["reclaim"], "lru");
    assert_eq!(r.machine["swappiness"], "100");
    assert_eq!(r.machine.len(), mm_core::MachineConfig::keys().count());
    assert_eq!(r.output, String::from_utf8_lossy(&text.stdout).lines().collect::<Vec<_>>());
    assert!(r.ok && r.error.is_none());
    assert_eq!((r.performed, r.skipped), (5, 0));
    assert_eq!(r.minflt + r.majflt, r.vmstat["pgfault"]);
    assert_eq!(r.majflt, r.vmstat["pgmajfault"]);
    assert!(r.majflt > 0 && r.vmstat["pswpout"] > 1000);
    assert_eq!(r.meminfo["MemTotal"], 4080);
    // The command line's swap replaces the scenario's.
    let r = parse(&mmsim(&["run", "--json", "--swap", "zram:64M"], Some(&src)));
    assert_eq!(r.machine["swap"], "zram:64M");

    // Processes that exited count.
    let o = mmsim(
        &["run", "--json"],
        Some(
            b"window 0x100000000 0x100010000
mmap(0x100000000, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000
store 0x100000000 8192 0x11
fork
process 1
store 0x100000000 8192 0x22
exit
store 0x100000000 4096 0x33
dump
",
        ),
    );
    let r = parse(&o);
    // Process 0: two first writes and a copy on write; process 1: two
    // copies on write.
    assert!(r.output.contains(&"faults minflt=3 majflt=0".to_string()), "{:?}", r.output);
    assert_eq!((r.minflt, r.majflt, r.vmstat["pgfault"]), (5, 0, 5));

    // A run that stops: its output so far, the error, the counters.
    let o = mmsim(
        &["run", "--json", "--ram", "1M"],
        Some(b"mmap(0x100000000, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x100000000\nload 0x100000000\nfile big 0x1000000\ndump\n"),
    );
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stderr(&o), "error: line 3: the simulated machine is out of memory\n");
    let r = parse(&o);
    assert!(!r.ok);
    assert_eq!(r.error.as_deref(), Some("line 3: the simulated machine is out of memory"));
    assert_eq!(r.output, ["# load: line 2: 00"]);
    // The line that stopped the run was performed.
    assert_eq!((r.performed, r.minflt), (3, 1));
    assert!(r.vmstat["nr_free_pages"] < 256 && r.meminfo["MemTotal"] > 0);

    // Only scenarios.
    let o = mmsim(
        &["run", "--json", "--strace"],
        Some(b"mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000\n"),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot be used with"), "{}", stderr(&o));
}

/// Settings each in range may make a machine too large to build: an
/// error, not an abort.
#[test]
fn a_tlb_too_large_is_an_error() {
    let o = mmsim(&["run"], Some(b"machine cpus=64 tlb_sets=1048576 tlb_ways=1024\ndump\n"));
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stderr(&o), "error: a TLB of 1048576 sets x 1024 ways is too large (at most 65536 entries per CPU)\n");
}
