//! Cases that start from a real exec (`mm-tests/programs/probe/`): the
//! libc-free probe performed a generated list of memory calls on the real
//! kernel under `strace`, then printed its own `/proc/self/maps`. Each
//! case replays its log from the `execve` on (with the list's loads and
//! stores, which strace does not show, put in), against a root directory
//! made here with what the probe used (the committed binaries, its
//! operation list, and its data files, sparse and of the recorded sizes,
//! placed as ext4 places them); no call may diverge (every kernel-chosen
//! address of `mmap`, `mremap` and `brk` is the real one), and the maps
//! the model prints at the probe's read of `/proc/self/maps` are the ones
//! the probe printed, line for line (device and inode columns aside).

use mm_sim::RunOptions;
use mm_sim::replay::replay;
use mm_sim::strace::parse_log;
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

/// The system call an operation of the probe's list makes (one log line).
fn syscall_of(op: &str) -> Option<&'static str> {
    Some(match op {
        "mmap" => "mmap",
        "munmap" => "munmap",
        "mprotect" => "mprotect",
        "mremap" => "mremap",
        "brk" => "brk",
        "madvise" => "madvise",
        "open" => "openat",
        "close" => "close",
        _ => return None,
    })
}

/// A log line's call name and result (`None` for an error or `?`).
fn call_and_result(line: &str) -> (&str, Option<i64>) {
    let call = line.split_once(' ').map_or(line, |(_, c)| c.trim_start());
    let name = call.split('(').next().unwrap_or("");
    let result = line.rfind(" = ").and_then(|i| {
        let v = line[i + 3..].split(|c: char| c.is_whitespace() || c == '<').next()?;
        match v.strip_prefix("0x") {
            Some(hex) => u64::from_str_radix(hex, 16).ok().map(|v| v as i64),
            None => v.parse::<i64>().ok().filter(|&v| v >= 0),
        }
    });
    (name, result)
}

/// The value of an operand of the list (`N`, `rK`, `rK+N`, `rK-N`), given
/// the results of the lines before.
fn operand(tok: &str, regs: &std::collections::HashMap<usize, i64>) -> i64 {
    let num = |s: &str| -> i64 {
        let (neg, s) = s.strip_prefix('-').map_or((false, s), |r| (true, r));
        let v = match s.strip_prefix("0x") {
            Some(h) => i64::from_str_radix(h, 16),
            None => s.parse(),
        }
        .unwrap_or_else(|_| panic!("bad number {s:?}"));
        if neg { -v } else { v }
    };
    let Some(rest) = tok.strip_prefix('r') else { return num(tok) };
    let end = rest.find(['+', '-']).unwrap_or(rest.len());
    let reg: usize = rest[..end].parse().expect("a register");
    let base = *regs.get(&reg).unwrap_or_else(|| panic!("r{reg} has no result to use"));
    match &rest[end..] {
        "" => base,
        off => base.wrapping_add(num(off.strip_prefix('+').unwrap_or(off))),
    }
}

/// The log of a probe run with the probe's loads and stores put in: strace
/// does not show them, but they change what the kernel does later (a
/// written anonymous mapping has an anon_vma; a store below the stack
/// grows it). Each becomes a `load`/`store` line (the scenario language's,
/// which a log may hold) right where the probe made it, at the address its
/// list names, computed from the logged results of the lines it uses.
/// A list without loads and stores leaves the log as it is.
fn with_accesses(ops: &str, log: &str) -> String {
    let lines: Vec<&str> = log.lines().collect();
    let pid = lines.first().and_then(|l| l.split_whitespace().next()).expect("a pid");
    let mut out = String::new();
    let mut i = 0;
    // copy lines up to and including the first one calling `name`
    let mut copy_through = |name: &str, out: &mut String| -> &str {
        loop {
            let l = *lines.get(i).unwrap_or_else(|| panic!("no {name} line left in the log"));
            i += 1;
            out.push_str(l);
            out.push('\n');
            if call_and_result(l).0 == name {
                return l;
            }
        }
    };
    copy_through("close", &mut out); // the probe read its list
    let mut regs = std::collections::HashMap::new();
    for (n, line) in ops.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("");
        let tok: Vec<&str> = line.split_whitespace().collect();
        let Some(&op) = tok.first() else { continue };
        match op {
            "load" | "store" => {
                let addr = operand(tok[1], &regs) as u64;
                let what = if op == "load" { String::new() } else { " 1 0x01".to_string() };
                out.push_str(&format!("{pid} {op} {addr:#x}{what}\n"));
            }
            "maps" => {
                copy_through("close", &mut out);
            }
            "stack" => panic!("`stack` cannot be put into a log: its addresses depend on the stack pointer"),
            _ => {
                let call = syscall_of(op).unwrap_or_else(|| panic!("unknown operation {op}"));
                let l = copy_through(call, &mut out);
                if let Some(v) = call_and_result(l).1 {
                    regs.insert(n + 1, v);
                }
            }
        }
    }
    for l in &lines[i..] {
        out.push_str(l);
        out.push('\n');
    }
    out
}

/// Case `name`'s log (its loads and stores put in) and the maps the probe
/// printed (device and inode columns stripped).
fn case(name: &str) -> (Vec<u8>, Vec<String>) {
    let cases = programs().join("cases");
    let log = std::fs::read_to_string(cases.join(format!("{name}.strace"))).expect("the log");
    let ops = std::fs::read_to_string(cases.join(format!("{name}.ops"))).expect("the list");
    let src = with_accesses(&ops, &log).into_bytes();
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

/// A case whose list stores below the stack: with the stores put into the
/// log the stack grows as it did; the log alone (which does not show
/// them) leaves the stack as the exec made it, and the maps differ.
#[test]
fn loads_and_stores_of_the_list_matter() {
    let name = "0121";
    let ops = std::fs::read_to_string(programs().join("cases").join(format!("{name}.ops"))).expect("the list");
    assert!(ops.lines().any(|l| l.starts_with("store 0x7fff")), "{name} grows the stack");
    let (src, want) = case(name);
    assert!(check(name, &src, &want).is_none());
    let log = std::fs::read(programs().join("cases").join(format!("{name}.strace"))).expect("the log");
    assert_ne!(log, src);
    let r = check(name, &log, &want).expect("the log alone fails");
    assert!(r.contains("maps differ"), "{r}");
}
