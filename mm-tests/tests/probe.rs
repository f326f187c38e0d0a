//! Cases that start from a real exec (`mm-tests/programs/probe/`): the
//! libc-free probe performed a generated list of memory calls on the real
//! kernel under `strace`, then printed its own `/proc/self/maps`. Each
//! case replays its log from the `execve` on, against a root directory
//! made here with what the probe used (the committed binaries, its
//! operation list, and its data files, sparse and of the recorded sizes,
//! placed as ext4 places them); no call may diverge (every kernel-chosen
//! address of `mmap`, `mremap` and `brk` is the real one), and the maps
//! the model prints at the probe's read of `/proc/self/maps` are the ones
//! the probe printed, line for line (device and inode columns aside).

use mm_sim::RunOptions;
use mm_sim::replay::replay;
use mm_sim::strace::parse_log;
use mm_x86 as _;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

/// The directory the cases were recorded in (`record-probe.py`).
const RUN_DIR: &str = "tmp/mmsim-probe";

fn programs() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("programs/probe")
}

/// Every case, by name (`0001`, ...), sorted.
fn cases() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(programs().join("cases"))
        .expect("the cases directory")
        .filter_map(|e| {
            let name = e.expect("a directory entry").file_name().into_string().ok()?;
            Some(name.strip_suffix(".strace")?.to_string())
        })
        .collect();
    v.sort();
    v
}

/// A root directory holding what case `name` used, under `RUN_DIR`.
fn make_root(name: &str) -> PathBuf {
    // One directory per call: tests run at once may replay the same case.
    static N: AtomicU64 = AtomicU64::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let root = std::env::temp_dir().join(format!("mmsim-probe-root-{}-{n}-{name}", std::process::id()));
    let dir = root.join(RUN_DIR);
    std::fs::create_dir_all(&dir).expect("the root directory");
    for bin in ["probe", "probe-pie"] {
        std::fs::copy(programs().join(bin), dir.join(bin)).expect("a probe binary");
    }
    let ops = std::fs::read_to_string(programs().join("cases").join(format!("{name}.ops"))).expect("the list");
    for line in ops.lines() {
        if let Some(rest) = line.strip_prefix("# file ") {
            let (file, size) = rest.split_once(' ').expect("# file NAME SIZE");
            let f = std::fs::File::create(dir.join(file)).expect("a data file");
            f.set_len(size.parse().expect("a size")).expect("its size");
        }
    }
    std::fs::write(dir.join(format!("{name}.ops")), &ops).expect("the list");
    std::fs::create_dir_all(root.join("proc/self")).unwrap();
    std::fs::write(root.join("proc/self/maps"), "").unwrap();
    root
}

/// A maps line without its device and inode columns.
fn strip_dev_ino(line: &str) -> String {
    let f: Vec<&str> = line.split_whitespace().collect();
    if f.len() < 5 {
        return line.to_string();
    }
    let mut out = f[..3].join(" ");
    for p in &f[5..] {
        out.push(' ');
        out.push_str(p);
    }
    out
}

/// The maps lines of every `== maps ... at read` block of `out`, in order.
fn maps_blocks(out: &str) -> Vec<String> {
    let mut v = Vec::new();
    let mut inside = false;
    for line in out.lines() {
        if line.starts_with("== maps ") && line.contains(" at read ") {
            inside = true;
        } else if line.starts_with("==") || line.starts_with('#') || line.starts_with("ok ") {
            inside = false;
        } else if inside {
            v.push(strip_dev_ino(line));
        }
    }
    v
}

/// Case `name`'s log and the maps the probe printed (device and inode
/// columns stripped).
fn case(name: &str) -> (Vec<u8>, Vec<String>) {
    let cases = programs().join("cases");
    let src = std::fs::read(cases.join(format!("{name}.strace"))).expect("the log");
    let maps = std::fs::read_to_string(cases.join(format!("{name}.maps"))).expect("the maps");
    (src, maps.lines().map(strip_dev_ino).collect())
}

/// Replays `src`, the log of case `name`; returns what is wrong with it
/// (a divergence, or maps other than `want`), if anything.
fn check(name: &str, src: &[u8], want: &[String]) -> Option<String> {
    let root = make_root(name);
    let opts = RunOptions {
        strace: true,
        maps_at_read: true,
        root: Some(root.display().to_string()),
        root_fs_type: Some("ext4".to_string()),
        ..RunOptions::default()
    };
    let log = parse_log(src).unwrap_or_else(|e| panic!("{name}: {e}"));
    let out = replay(&log, &opts);
    let _ = std::fs::remove_dir_all(&root);
    let out = match out {
        Ok(out) => out,
        Err(e) => return Some(format!("{name}: stopped: {e}\n{}", e.output)),
    };
    let diverged: Vec<&str> = out.lines().filter(|l| l.starts_with("# diverged")).collect();
    if !diverged.is_empty() {
        return Some(format!("{name}: {} diverged lines:\n{}", diverged.len(), diverged.join("\n")));
    }
    let got = maps_blocks(&out);
    if got != want {
        let first = got.iter().zip(want).position(|(g, w)| g != w).unwrap_or(got.len().min(want.len()));
        return Some(format!(
            "{name}: maps differ from line {} ({} lines, {} expected):\n  got  {:?}\n  want {:?}",
            first + 1,
            got.len(),
            want.len(),
            got.get(first),
            want.get(first)
        ));
    }
    None
}

#[test]
fn every_probe_case_replays_exactly() {
    let names = cases();
    assert!(names.len() >= 100, "{} cases", names.len());
    let failures: Vec<String> = names
        .iter()
        .filter_map(|n| {
            let (src, want) = case(n);
            check(n, &src, &want)
        })
        .collect();
    assert!(failures.is_empty(), "{} of {} cases fail:\n{}", failures.len(), names.len(), failures.join("\n"));
}

/// The check catches what it is there for: a kernel-chosen address the
/// model would not choose, maps with a line changed or missing, and a
/// missing data file (every `mmap` of it diverges).
#[test]
fn a_changed_case_fails() {
    let name = "0001";
    let (src, want) = case(name);
    assert!(check(name, &src, &want).is_none());
    assert!(want.iter().any(|l| l.ends_with("[stack]")) && want.iter().any(|l| l.ends_with("/tmp/mmsim-probe/probe")));
    // The first mmap(NULL, ...) result, one page lower.
    let text = String::from_utf8(src.clone()).expect("utf-8");
    let line = text.lines().find(|l| l.contains(" mmap(NULL, ")).expect("an mmap(NULL)");
    let (head, addr) = line.rsplit_once("= 0x").expect("an address");
    let moved = format!("{head}= {:#x}", u64::from_str_radix(addr, 16).expect("hex") - 0x1000);
    let r = check(name, text.replacen(line, &moved, 1).as_bytes(), &want).expect("a moved mmap fails");
    assert!(r.contains("# diverged"), "{r}");
    let mut fewer = want.clone();
    fewer.remove(fewer.len() / 2);
    assert!(check(name, &src, &fewer).expect("a lost line fails").contains("maps differ"));
    let mut changed = want.clone();
    changed[0] = changed[0].replacen("r--p", "r-xp", 1);
    assert!(check(name, &src, &changed).expect("a changed line fails").contains("maps differ from line 1 "));
}
