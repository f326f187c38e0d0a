//! Real programs, replayed from their strace logs: every program under
//! `mm-tests/programs/NAME/` (recorded on Linux 6.18 by `capture.sh`, with
//! ASLR off) replays against its root snapshot with no `# diverged` line:
//! every `mmap` without `MAP_FIXED`, every `brk` and every `mremap`
//! result the kernel chose comes out the same.  Where the program printed
//! its own `/proc/self/maps` (its `stdout` starts with a maps line), the
//! maps the replay prints at that `read` are the same lines, the device
//! and inode columns aside.
//!
//! Nothing here reads the machine's own files: the snapshot holds what the
//! replay needs from the recording machine (paths, sizes, ELF headers).

use mm_sim::RunOptions;
use std::path::{Path, PathBuf};

fn programs() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("programs");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("programs directory")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.join("trace.strace").is_file())
        .collect();
    v.sort();
    v
}

/// Replays `dir`'s log against its snapshot, with maps printed at reads of
/// `/proc/PID/maps`.
fn replay(dir: &Path) -> String {
    let src = std::fs::read(dir.join("trace.strace")).expect("log");
    assert!(mm_sim::strace::is_log(&src), "{}: not an strace log", dir.display());
    let log = mm_sim::strace::parse_log(&src).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let opts = RunOptions {
        root: Some(dir.join("root.snap").to_string_lossy().into_owned()),
        strace: true,
        maps_at_read: true,
        ..RunOptions::default()
    };
    mm_sim::replay::replay(&log, &opts).unwrap_or_else(|e| panic!("{}: {e}\n{}", dir.display(), e.output))
}

/// A maps line without its device and inode columns.
fn strip(line: &str) -> String {
    let f: Vec<&str> = line.split_whitespace().collect();
    let mut out = f.iter().take(3).copied().collect::<Vec<_>>().join(" ");
    for p in f.iter().skip(5) {
        out.push(' ');
        out.push_str(p);
    }
    out
}

fn is_maps_line(l: &str) -> bool {
    let Some((range, _)) = l.split_once(' ') else { return false };
    range.split_once('-').is_some_and(|(a, b)| {
        !a.is_empty() && a.bytes().all(|c| c.is_ascii_hexdigit()) && b.bytes().all(|c| c.is_ascii_hexdigit())
    })
}

#[test]
fn real_programs_replay_without_divergence() {
    let dirs = programs();
    assert!(dirs.len() >= 7, "the recorded programs are missing: {dirs:?}");
    let mut checked_maps = 0;
    for dir in &dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let out = replay(dir);
        let bad: Vec<&str> = out.lines().filter(|l| l.starts_with("# diverged") || l.starts_with("# fault")).collect();
        assert!(bad.is_empty(), "{name}: {} lines differ from the kernel's:\n{}", bad.len(), bad.join("\n"));
        assert!(out.lines().last().is_some_and(|l| l.starts_with("ok ")), "{name}: {out}");

        let printed = std::fs::read_to_string(dir.join("stdout")).unwrap_or_default();
        if printed.lines().next().is_some_and(is_maps_line) {
            // The first maps block printed at a read is what the program
            // read and printed.
            let block: Vec<String> = out
                .lines()
                .skip_while(|l| !l.starts_with("== maps pid "))
                .skip(1)
                .take_while(|l| is_maps_line(l))
                .map(strip)
                .collect();
            let want: Vec<String> = printed.lines().map(strip).collect();
            assert_eq!(block, want, "{name}: maps at the read of /proc/self/maps");
            // Full format, padding included, apart from the dev and inode
            // columns: the path starts in the same column.
            let full = out.lines().skip_while(|l| !l.starts_with("== maps pid ")).nth(1).expect("a maps line");
            let first = printed.lines().next().expect("a line");
            assert_eq!(full.len() - full.trim_start_matches(|c| c != '/').len(), path_column(first), "{name}");
            checked_maps += 1;
        }
    }
    assert!(checked_maps >= 2, "no program's own maps were compared");
}

/// Where the path starts in a real maps line whose path is absolute.
fn path_column(l: &str) -> usize {
    l.find(" /").map_or(l.len(), |i| i + 1)
}

/// A log whose addresses were randomized is refused with a message that
/// says so, not hundreds of divergences.
#[test]
fn a_randomized_log_is_refused() {
    let dir = programs().into_iter().find(|d| d.ends_with("cat")).expect("cat");
    let src = std::fs::read_to_string(dir.join("trace.strace")).expect("log");
    // What the same program's first lines look like with ASLR on: the
    // heap and the mmap base moved.
    let randomized = src.replace("0x5555555", "0x5633a4c").replace("0x7ffff7", "0x7f3c12");
    let log = mm_sim::strace::parse_log(randomized.as_bytes()).expect("parse");
    let opts = RunOptions {
        root: Some(dir.join("root.snap").to_string_lossy().into_owned()),
        strace: true,
        ..RunOptions::default()
    };
    let e = mm_sim::replay::replay(&log, &opts).expect_err("refused");
    assert!(e.to_string().contains("address-space randomization"), "{e}");
    assert_eq!(e.output.lines().filter(|l| l.starts_with("# diverged")).count(), 0, "{}", e.output);
}
